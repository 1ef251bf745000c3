package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dutyroom/app/roster"
	"dutyroom/store/storetest"
)

func TestRosterGenerateShowPublish(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init", "--demo"); code != 0 {
		t.Fatalf("init --demo: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, dir, "roster", "generate", "--station", "433101", "--from", "2026-10-01", "--to", "2026-10-31")
	if code != 0 {
		t.Fatalf("roster generate: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "吉首市") || !strings.Contains(stdout, " 0 empty") || !strings.Contains(stdout, "HOURS") {
		t.Errorf("roster generate said:\n%s", stdout)
	}

	show := func() rosterOut {
		t.Helper()
		code, stdout, stderr := run(t, dir, "roster", "show", "--station", "433101", "--month", "2026-10", "--json")
		if code != 0 {
			t.Fatalf("roster show: exit %d: %s", code, stderr)
		}
		var out rosterOut
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("roster show --json is not JSON: %v\n%s", err, stdout)
		}
		return out
	}
	out := show()
	if out.Station != "433101" || out.State != "draft" || len(out.Days) != 31 || out.Handover != "08:30" {
		t.Fatalf("shown %s %s %s with %d days", out.Station, out.Month, out.State, len(out.Days))
	}
	national := out.Days[2] // 2026-10-03
	if national.Date != "2026-10-03" || national.Kind != "holiday" || national.Name != "国庆节" || len(national.Posts) != 5 || len(national.Empty) != 0 {
		t.Errorf("2026-10-03 shown as %+v", national)
	}
	for _, p := range national.Posts {
		if p.Name == "" || p.Mobile == "" || p.Person == "" {
			t.Errorf("post without holder details: %+v", p)
		}
	}
	if d := out.Days[12]; d.Kind != "workday" || len(d.Posts) != 2 {
		t.Errorf("2026-10-13 shown as %+v", d)
	}

	code, stdout, stderr = run(t, dir, "roster", "publish", "--station", "433101", "--month", "2026-10")
	if code != 0 || !strings.Contains(stdout, "published 吉首市") {
		t.Fatalf("roster publish: exit %d: %s%s", code, stdout, stderr)
	}
	if out := show(); out.State != "published" || out.PublishedAt == "" || out.PublishedBy == "" {
		t.Errorf("after publishing: %s at %q by %q", out.State, out.PublishedAt, out.PublishedBy)
	}
	code, stdout, _ = run(t, dir, "roster", "show", "--station", "433101", "--month", "2026-10")
	if code != 0 || !strings.Contains(stdout, "published") || !strings.Contains(stdout, "holiday 国庆节") || !strings.Contains(stdout, "LEADER") {
		t.Errorf("roster show: exit %d:\n%s", code, stdout)
	}
	storetest.OpenDir(t, dir) // checks the file on cleanup
}

func TestRosterCommandsRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init", "--demo")
	cases := []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"roster"}, 2, "needs a subcommand"},
		{[]string{"roster", "rota"}, 2, `unknown roster subcommand "rota"`},
		{[]string{"roster", "generate", "--from", "2026-10-01", "--to", "2026-10-31"}, 2, "--station"},
		{[]string{"roster", "generate", "--station", "433101", "--to", "2026-10-31"}, 2, "--from"},
		{[]string{"roster", "generate", "--station", "433101", "--from", "2026-02-30", "--to", "2026-10-31"}, 1, "2026-02-30 does not exist"},
		{[]string{"roster", "generate", "--station", "433101", "--from", "2026-10-31", "--to", "2026-10-01"}, 1, "before"},
		{[]string{"roster", "generate", "--station", "999999", "--from", "2026-10-01", "--to", "2026-10-31"}, 1, "999999"},
		{[]string{"roster", "generate", "--station", "433101001001", "--from", "2026-10-01", "--to", "2026-10-31"}, 1, "keeps no duty roster"},
		{[]string{"roster", "show", "--station", "433101", "--month", "2026-13"}, 1, "not a month"},
		{[]string{"roster", "show", "--station", "433101"}, 2, "--month"},
		{[]string{"roster", "publish", "--station", "433101", "--month", "2026-11"}, 1, "empty"},
		{[]string{"roster", "export", "--station", "433101", "--month", "2026-10", "--format", "pdf"}, 2, "xlsx, ics or csv"},
		{[]string{"roster", "export", "--station", "433101", "--month", "2026-10", "--format", "xlsx"}, 2, "-o FILE"},
		{[]string{"roster", "import", "no-such-file.csv"}, 1, "no-such-file.csv"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, dir, c.args...)
		if code != c.exit || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.exit, c.want)
		}
	}
	// The refused publication left November a draft.
	_, stdout, _ := run(t, dir, "roster", "show", "--station", "433101", "--month", "2026-11", "--json")
	var out rosterOut
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || out.State != "draft" || len(out.Days[0].Posts) != 0 {
		t.Errorf("November after the refusals: %s %v", out.State, err)
	}
}

func TestCalendarImportAndShow(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init")
	code, stdout, _ := run(t, dir, "calendar", "show", "--year", "2026")
	if code != 0 || !strings.Contains(stdout, "2026-10-01..2026-10-07 holiday 国庆节") || !strings.Contains(stdout, "2026-02-14 workday 春节调休") {
		t.Errorf("calendar show 2026: exit %d:\n%s", code, stdout)
	}

	file := filepath.Join(t.TempDir(), "2027.txt")
	os.WriteFile(file, []byte("# 2027\n2027-01-01..2027-01-03 holiday 元旦\n2027-02-06..2027-02-12 holiday 春节\n2027-02-20 workday 春节调休\n"), 0o600)
	code, stdout, stderr := run(t, dir, "calendar", "import", file)
	if code != 0 || !strings.Contains(stdout, "2027") {
		t.Fatalf("calendar import: exit %d: %s%s", code, stdout, stderr)
	}
	_, shown, _ := run(t, dir, "calendar", "show", "--year", "2027")
	cal, err := roster.ParseCalendar(strings.NewReader(shown))
	if err != nil || !cal.Covers(2027) || len(cal.Days()) != 11 {
		t.Fatalf("calendar show 2027 does not read back as the imported year (%v):\n%s", err, shown)
	}

	// A file with a bad third line is refused whole, naming file and line.
	bad := filepath.Join(t.TempDir(), "2027-fixed.txt")
	os.WriteFile(bad, []byte("2027-10-01..2027-10-07 holiday 国庆节\n2027-01-01 holiday 元旦\n2027-10-03 workday 国庆节调休\n"), 0o600)
	code, _, stderr = run(t, dir, "calendar", "import", bad)
	if code != 1 || !strings.Contains(stderr, bad) || !strings.Contains(stderr, "line 3") || !strings.Contains(stderr, "nothing was imported") {
		t.Errorf("bad calendar: exit %d, %q", code, stderr)
	}
	if _, again, _ := run(t, dir, "calendar", "show", "--year", "2027"); again != shown {
		t.Errorf("a refused import changed 2027:\n%s", again)
	}

	code, _, stderr = run(t, dir, "calendar", "show", "--year", "2031")
	if code != 1 || !strings.Contains(stderr, "no holiday calendar for 2031") {
		t.Errorf("calendar show 2031: exit %d, %q", code, stderr)
	}
	code, _, stderr = run(t, dir, "calendar", "import", filepath.Join(t.TempDir(), "missing.txt"))
	if code != 1 || !strings.Contains(stderr, "missing.txt") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}

// An exported month re-imports to the same duties, and an import file with a
// bad row is refused whole, naming the row, with nothing changed.
func TestRosterExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init", "--demo")
	if code, _, stderr := run(t, dir, "roster", "generate", "--station", "433100", "--from", "2026-10-01", "--to", "2026-10-31"); code != 0 {
		t.Fatalf("generate: %s", stderr)
	}
	before := showMonth(t, dir, "433100", "2026-10")
	out := t.TempDir()
	for _, format := range []string{"xlsx", "ics", "csv"} {
		file := filepath.Join(out, "oct."+format)
		code, stdout, stderr := run(t, dir, "roster", "export", "--station", "433100", "--month", "2026-10", "--format", format, "-o", file)
		if code != 0 || !strings.Contains(stdout, "wrote") {
			t.Fatalf("export %s: exit %d %s", format, code, stderr)
		}
		if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
			t.Fatalf("export %s wrote nothing: %v", format, err)
		}
	}
	ics, _ := os.ReadFile(filepath.Join(out, "oct.ics"))
	if n := strings.Count(string(ics), "BEGIN:VEVENT"); n != countPosts(before) {
		t.Errorf("ics has %d events, the month has %d duties", n, countPosts(before))
	}

	// Clear the month by importing the wall sheet back: the duties stay
	// exactly the same, now all marked as set by hand.
	code, stdout, stderr := run(t, dir, "roster", "import", filepath.Join(out, "oct.xlsx"))
	if code != 0 || !strings.Contains(stdout, "imported") {
		t.Fatalf("import xlsx: exit %d %s%s", code, stdout, stderr)
	}
	after := showMonth(t, dir, "433100", "2026-10")
	if holders(before) != holders(after) {
		t.Errorf("re-import changed the duties:\nbefore %s\nafter  %s", holders(before), holders(after))
	}

	// A CSV with one unknown person: refused, row named, nothing changed.
	csv, _ := os.ReadFile(filepath.Join(out, "oct.csv"))
	lines := strings.Split(string(csv), "\n")
	lines[3] = before.Days[2].Date + ",带班领导,查无此人,"
	badFile := filepath.Join(out, "bad.csv")
	os.WriteFile(badFile, []byte(strings.Join(lines, "\n")), 0o600)
	code, _, stderr = run(t, dir, "roster", "import", "--station", "433100", badFile)
	if code != 1 || !strings.Contains(stderr, "nothing imported") || !strings.Contains(stderr, "查无此人") {
		t.Errorf("bad import: exit %d, %q", code, stderr)
	}
	if holders(showMonth(t, dir, "433100", "2026-10")) != holders(before) {
		t.Error("a refused import changed the roster")
	}
	storetest.OpenDir(t, dir)
}

func showMonth(t *testing.T, dir, station, month string) rosterOut {
	t.Helper()
	code, stdout, stderr := run(t, dir, "roster", "show", "--station", station, "--month", month, "--json")
	if code != 0 {
		t.Fatalf("roster show: %s", stderr)
	}
	var out rosterOut
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func countPosts(r rosterOut) int {
	n := 0
	for _, d := range r.Days {
		n += len(d.Posts)
	}
	return n
}

func holders(r rosterOut) string {
	var b strings.Builder
	for _, d := range r.Days {
		for _, p := range d.Posts {
			b.WriteString(d.Date + " " + p.Post + "=" + p.Person + ";")
		}
	}
	return b.String()
}
