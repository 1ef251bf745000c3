package rosterfile_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/rosterfile"
)

// These tests check the files with programs written by others: LibreOffice
// must open the workbook, and python3-icalendar must read the calendar. They
// fail, never skip, when a program is missing, so a machine that cannot
// check the files cannot pass the tests.

const (
	libreOffice = "/usr/bin/libreoffice"
	python      = "/usr/bin/python3"
)

func needLibreOffice(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(libreOffice); err != nil {
		t.Fatalf("%s is missing: `make test` installs it (Debian package libreoffice-calc-nogui)", libreOffice)
	}
}

func needICalendar(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s is missing: `make test` installs it with python3-icalendar", python)
	}
	if out, err := exec.Command(python, "-c", "import icalendar").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import icalendar (%v: %s): `make test` installs the Debian package python3-icalendar", python, err, out)
	}
}

// libreOfficeCSV converts an xlsx file with LibreOffice and returns the
// records of the CSV it writes. A fresh profile directory keeps parallel
// runs from fighting over one.
func libreOfficeCSV(t *testing.T, xlsx []byte) [][]string {
	t.Helper()
	needLibreOffice(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "roster.xlsx")
	if err := os.WriteFile(in, xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	profile := url.URL{Scheme: "file", Path: filepath.Join(dir, "profile")}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// 44,34,76: comma-separated, double-quoted, UTF-8.
	cmd := exec.CommandContext(ctx, libreOffice, "-env:UserInstallation="+profile.String(), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", outDir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice failed: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(outDir, "roster.csv"))
	if err != nil {
		t.Fatalf("libreoffice wrote no CSV: %v", err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("LibreOffice's CSV: %v\n%s", err, data)
	}
	return recs
}

func TestXLSXOpensInLibreOffice(t *testing.T) {
	fx := october(t)
	xlsx := writeXLSX(t, fx.sheet)
	recs := libreOfficeCSV(t, xlsx)

	cell := func(r, c int) string {
		if r >= len(recs) || c >= len(recs[r]) {
			return ""
		}
		return recs[r][c]
	}
	if got := cell(0, 0); got != "湘西州 2026年10月 值班表" {
		t.Errorf("title %q", got)
	}
	header := []string{"日期", "星期", "类型", "带班领导", "值班干部", "值班员", "应急处置人员"}
	for i, want := range header {
		if got := cell(1, i); got != want {
			t.Errorf("column %d is named %q, want %q", i+1, got, want)
		}
	}

	// Who the generator put on each post, written out here, not by the package.
	type dayCells [4][]string
	want := map[roster.Date]*dayCells{}
	for _, a := range fx.assignments {
		if want[a.Day] == nil {
			want[a.Day] = &dayCells{}
		}
		r := map[app.Role]int{app.RoleLeader: 0, app.RoleCadre: 1, app.RoleOfficer: 2, app.RoleStandby: 3}[a.Post.Role]
		want[a.Day][r] = append(want[a.Day][r], holderText(fx.byID[a.Person]))
	}
	weekdays := []string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
	for i := 0; i < 31; i++ {
		day := roster.NewDate(2026, time.October, 1+i)
		row := 2 + i
		if got := cell(row, 0); got != day.String() {
			t.Errorf("row %d: date %q, want %s", row+1, got, day)
		}
		if got := cell(row, 1); got != weekdays[day.Weekday()] {
			t.Errorf("%s: weekday %q", day, got)
		}
		for r := 0; r < 4; r++ {
			if got, w := cell(row, 3+r), strings.Join(want[day][r], "\n"); got != w {
				t.Errorf("%s %s: %q, want %q", day, header[3+r], got, w)
			}
		}
	}
	types := map[int]string{1: "节假日 国庆节", 7: "节假日 国庆节", 10: "工作日 国庆节调休", 11: "周末", 12: "工作日",
		20: "工作日 森林防火紧要期", 24: "周末 森林防火紧要期"}
	for d, w := range types {
		if got := cell(1+d, 2); got != w {
			t.Errorf("2026-10-%02d: type %q, want %q", d, got, w)
		}
	}
	// Holidays take the 1+1+1+N template: the standby cell of 1 October
	// lists two people on two lines.
	if got := strings.Count(cell(2, 6), "\n"); got != 1 {
		t.Errorf("1 October standby cell %q: want two people", cell(2, 6))
	}
	if got := cell(2+31, 0); got != "" {
		t.Errorf("the row after the last day should be empty, got %q", got)
	}
	if got := cell(2+32, 0); got != "交接班时间 每日 08:30　值班电话 0743-8222110" {
		t.Errorf("footer %q", got)
	}

	// What LibreOffice wrote, the wall layout as CSV, imports back to the
	// same roster.
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	got, err := rosterfile.ReadCSV(&buf, fx.station, fx.people)
	if err != nil {
		t.Fatal(err)
	}
	sameAssignments(t, got, fx.assignments)
}

type icsDump struct {
	Calname string   `json:"calname"`
	Errors  []string `json:"errors"`
	Events  []struct {
		UID         string `json:"uid"`
		DTStart     string `json:"dtstart"`
		DTEnd       string `json:"dtend"`
		Summary     string `json:"summary"`
		Description string `json:"description"`
		Attendees   []struct {
			CN      string `json:"cn"`
			Address string `json:"address"`
		} `json:"attendees"`
	} `json:"events"`
}

func pythonICS(t *testing.T, ics []byte) icsDump {
	t.Helper()
	needICalendar(t)
	file := filepath.Join(t.TempDir(), "roster.ics")
	if err := os.WriteFile(file, ics, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "ics_events.py"), file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar could not read the file: %v\n%s", err, stderr.Bytes())
	}
	var dump icsDump
	if err := json.Unmarshal(out, &dump); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(dump.Errors) > 0 {
		t.Errorf("python3-icalendar found errors: %v", dump.Errors)
	}
	return dump
}

func TestICSParsesWithPythonICalendar(t *testing.T) {
	fx := october(t)
	var buf bytes.Buffer
	if err := rosterfile.WriteICS(&buf, fx.sheet); err != nil {
		t.Fatal(err)
	}
	dump := pythonICS(t, buf.Bytes())
	if dump.Calname != "湘西州 2026年10月 值班表" {
		t.Errorf("calendar name %q", dump.Calname)
	}
	if len(dump.Events) != len(fx.assignments) {
		t.Fatalf("%d events, want one per duty: %d", len(dump.Events), len(fx.assignments))
	}
	// The file lists the duties in day and post order, as the assignments are.
	roleName := map[app.Role]string{app.RoleLeader: "带班领导", app.RoleCadre: "值班干部", app.RoleOfficer: "值班员", app.RoleStandby: "应急处置人员"}
	uids := map[string]bool{}
	for i, ev := range dump.Events {
		a := fx.assignments[i]
		p := fx.byID[a.Person]
		// 08:30 in Asia/Shanghai is 00:30 UTC, to 00:30 UTC the next day.
		start := time.Date(a.Day.Y, a.Day.M, a.Day.D, 0, 30, 0, 0, time.UTC)
		if ev.DTStart != start.Format(time.RFC3339[:19])+"+00:00" {
			t.Errorf("%s %s: starts %s, want %s", a.Day, a.Post, ev.DTStart, start)
		}
		if end := start.AddDate(0, 0, 1); ev.DTEnd != end.Format(time.RFC3339[:19])+"+00:00" {
			t.Errorf("%s %s: ends %s, want %s", a.Day, a.Post, ev.DTEnd, end)
		}
		if want := "值班：" + roleName[a.Post.Role] + " — 湘西州"; ev.Summary != want {
			t.Errorf("%s %s: summary %q, want %q", a.Day, a.Post, ev.Summary, want)
		}
		if len(ev.Attendees) != 1 || ev.Attendees[0].CN != p.Name {
			t.Fatalf("%s %s: attendees %+v, want %s", a.Day, a.Post, ev.Attendees, p.Name)
		}
		want := "tel:+86" + p.Mobile
		if p.Mobile == "" {
			want = "tel:+86-" + strings.TrimPrefix(p.Office, "0")
		}
		if ev.Attendees[0].Address != want {
			t.Errorf("%s %s: attendee address %q, want %q", a.Day, a.Post, ev.Attendees[0].Address, want)
		}
		if !strings.Contains(ev.Description, holderText(p)) || !strings.Contains(ev.Description, "值班电话 0743-8222110") {
			t.Errorf("%s %s: description %q should list the team and the duty phone", a.Day, a.Post, ev.Description)
		}
		if uids[ev.UID] {
			t.Errorf("UID %s used twice", ev.UID)
		}
		uids[ev.UID] = true
	}
}

// A station name with the characters iCalendar must escape, names long
// enough to fold inside Chinese characters, and a zone other than Shanghai
// all come through python3-icalendar intact.
func TestICSEscapingFoldingAndZone(t *testing.T) {
	needICalendar(t)
	station := app.Station{ID: app.NewID(), Name: `测试站,一;二\三`, Zone: "Asia/Urumqi", Phone: "0991-1234567"}
	person := app.Person{ID: app.NewID(), Station: station.ID, Name: "阿卜杜热合曼·买买提依明·艾则孜", Mobile: "13999001234", Roles: []app.Role{app.RoleLeader}}
	day := roster.NewDate(2026, time.March, 8)
	sheet, err := rosterfile.NewMonthSheet(rosterfile.MonthInput{
		Station:     station,
		Month:       roster.MonthOf(day),
		Settings:    roster.Settings{Handover: 9 * 60},
		People:      []app.Person{person},
		Assignments: []roster.Assignment{{Station: station.ID, Day: day, Post: roster.Post{Role: app.RoleLeader}, Person: person.ID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rosterfile.WriteICS(&buf, sheet); err != nil {
		t.Fatal(err)
	}
	dump := pythonICS(t, buf.Bytes())
	if len(dump.Events) != 1 {
		t.Fatalf("%d events, want 1", len(dump.Events))
	}
	ev := dump.Events[0]
	if want := "值班：带班领导 — " + station.Name; ev.Summary != want {
		t.Errorf("summary %q, want %q", ev.Summary, want)
	}
	// 09:00 in Urumqi (UTC+6) is 03:00 UTC.
	if ev.DTStart != "2026-03-08T03:00:00+00:00" || ev.DTEnd != "2026-03-09T03:00:00+00:00" {
		t.Errorf("window %s – %s, want 03:00 UTC to 03:00 UTC", ev.DTStart, ev.DTEnd)
	}
	if ev.Attendees[0].CN != person.Name {
		t.Errorf("attendee %q", ev.Attendees[0].CN)
	}
	if !strings.Contains(ev.Description, "交接班时间 每日 09:00") {
		t.Errorf("description %q", ev.Description)
	}
}
