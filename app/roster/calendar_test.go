package roster_test

import (
	"bytes"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/app/roster"
)

func TestCalendar2026MatchesStateCouncil(t *testing.T) {
	cal := calendar2026(t)
	holidays := map[string]string{}
	add := func(from, to, name string) {
		for d := date(t, from); !d.After(date(t, to)); d = d.AddDays(1) {
			holidays[d.String()] = name
		}
	}
	add("2026-01-01", "2026-01-03", "元旦")
	add("2026-02-15", "2026-02-23", "春节")
	add("2026-04-04", "2026-04-06", "清明节")
	add("2026-05-01", "2026-05-05", "劳动节")
	add("2026-06-19", "2026-06-21", "端午节")
	add("2026-09-25", "2026-09-27", "中秋节")
	add("2026-10-01", "2026-10-07", "国庆节")
	makeUp := map[string]bool{"2026-01-04": true, "2026-02-14": true, "2026-02-28": true, "2026-05-09": true, "2026-09-20": true, "2026-10-10": true}

	for d := date(t, "2026-01-01"); d.Y == 2026; d = d.AddDays(1) {
		got := cal.Day(d)
		want := roster.Workday
		switch {
		case holidays[d.String()] != "":
			want = roster.Holiday
			if got.Name != holidays[d.String()] {
				t.Errorf("%s named %q, want %q", d, got.Name, holidays[d.String()])
			}
		case makeUp[d.String()]:
			if !d.IsWeekend() || !got.Override {
				t.Errorf("%s: make-up day not a weekend override: %+v", d, got)
			}
		case d.IsWeekend():
			want = roster.Weekend
		}
		if got.Kind != want {
			t.Errorf("%s (%s): %s, want %s", d, d.Weekday(), got.Kind, want)
		}
	}
	if years := cal.Years(); len(years) != 1 || years[0] != 2026 || !cal.Covers(2026) || cal.Covers(2027) {
		t.Errorf("years %v", years)
	}
}

func parseErr(t *testing.T, src string) error {
	t.Helper()
	cal, err := roster.ParseCalendar(strings.NewReader(src))
	if err == nil {
		t.Fatalf("accepted:\n%s", src)
	}
	if cal != nil {
		t.Error("a calendar came back with the error: the import must be all or nothing")
	}
	if app.ErrorCode(err) != app.EINVALID {
		t.Errorf("code %s, want invalid", app.ErrorCode(err))
	}
	return err
}

func TestParseCalendarReportsLine(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"# 2027\n2027-01-01 holiday 元旦\n2027-02-30 holiday 春节\n", "line 3: 2027-02-30 does not exist"},
		{"2027-01-01 holiday\n\n2027/05/01 holiday 劳动节\n", `line 3: "2027/05/01" is not a date`},
		{"2027-01-01 feast 元旦\n", `line 1: unknown kind "feast"`},
		{"2027-01-01\n", "line 1: want a date or range, a kind and a name"},
		{"2027-01-05..2027-01-01 holiday x\n", "line 1: the range 2027-01-05..2027-01-01 ends before it starts"},
		{"2027-01-01..2027-03-01 holiday x\n", "line 1: 2027-01-01..2027-03-01 spans more than 31 days"},
		{"2027-01-05 workday 调休\n", "line 1: 2027-01-05 is a Tuesday, already a working day"},
		{"2027-01-01 holiday " + strings.Repeat("节", 41) + "\n", "line 1: name is longer than 40 characters"},
		{"2027-01-01 holiday \xff\n", "line 1: not valid UTF-8"},
		{"2027-01-01 holiday " + strings.Repeat("x", 2000) + "\n", "line 1: longer than 1024 bytes"},
	} {
		err := parseErr(t, c.src)
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("error %q, want it to start %q", err, c.want)
		}
	}
}

func TestParseCalendarRejectsOverlappingHolidays(t *testing.T) {
	err := parseErr(t, "2027-02-06..2027-02-14 holiday 春节\n# second notice\n2027-02-14..2027-02-15 holiday 情人节\n")
	if want := "line 3: 2027-02-14 is already a holiday on line 1"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestParseCalendarRejectsHolidayAndWorkdaySameDate(t *testing.T) {
	err := parseErr(t, "2027-10-02 workday 国庆节调休\n2027-10-01..2027-10-07 holiday 国庆节\n")
	if want := "line 2: 2027-10-02 is listed as holiday here and as workday on line 1"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestParseCalendarAcceptsVariants(t *testing.T) {
	src := "\ufeff# exported from a spreadsheet\r\n" +
		"  2027-01-01   休   元旦  \r\n" +
		"2027-02-07\t班\t春节 调休\r\n" +
		"2027-05-01..2027-05-01 holiday\r\n"
	cal, err := roster.ParseCalendar(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		day  string
		kind roster.DayKind
		name string
	}{
		{"2027-01-01", roster.Holiday, "元旦"},
		{"2027-02-07", roster.Workday, "春节 调休"},
		{"2027-05-01", roster.Holiday, ""},
	} {
		if got := cal.Day(date(t, c.day)); got.Kind != c.kind || got.Name != c.name {
			t.Errorf("%s: %s %q, want %s %q", c.day, got.Kind, got.Name, c.kind, c.name)
		}
	}
}

func TestCalendarFormatRoundTrip(t *testing.T) {
	cal := calendar2026(t)
	var buf bytes.Buffer
	if err := cal.Format(&buf); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"2026-02-15..2026-02-23 holiday 春节", "2026-10-10 workday 国庆节调休"} {
		if !strings.Contains(buf.String(), line+"\n") {
			t.Errorf("formatted calendar lacks %q:\n%s", line, buf.String())
		}
	}
	back, err := roster.ParseCalendar(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(cal) {
		t.Error("the formatted calendar reads back different")
	}
}

func TestCalendarMergeReplacesYears(t *testing.T) {
	cal := calendar2026(t)
	// A first 2027 file with a mistake, then the corrected one.
	wrong, err := roster.ParseCalendar(strings.NewReader("2027-01-01..2027-01-03 holiday 元旦\n2027-01-09 workday 元旦调休\n"))
	if err != nil {
		t.Fatal(err)
	}
	cal.Merge(wrong)
	right, err := roster.ParseCalendar(strings.NewReader("2027-01-01 holiday 元旦\n"))
	if err != nil {
		t.Fatal(err)
	}
	cal.Merge(right)
	for _, c := range []struct {
		day  string
		kind roster.DayKind
	}{
		{"2027-01-01", roster.Holiday},
		{"2027-01-02", roster.Weekend}, // a Saturday again
		{"2027-01-09", roster.Weekend},
		{"2026-10-01", roster.Holiday}, // 2026 untouched
	} {
		if got := cal.Kind(date(t, c.day)); got != c.kind {
			t.Errorf("%s: %s, want %s", c.day, got, c.kind)
		}
	}
	if !cal.Covers(2026) || !cal.Covers(2027) {
		t.Errorf("years %v", cal.Years())
	}
}

func TestCalendarSetDay(t *testing.T) {
	cal := calendar2026(t)
	before := cal.Clone()
	steps := []struct {
		day  string
		kind roster.DayKind
		name string
		want roster.DayKind
	}{
		{"2026-07-01", roster.Holiday, "建党节", roster.Holiday}, // a Wednesday made a local holiday
		{"2026-07-01", roster.Workday, "", roster.Workday},    // and back
		{"2026-07-04", roster.Workday, "调休", roster.Workday},  // a Saturday made a make-up day
		{"2026-10-10", roster.Weekend, "", roster.Weekend},    // the official make-up day removed
	}
	for _, s := range steps {
		if err := cal.SetDay(date(t, s.day), s.kind, s.name); err != nil {
			t.Fatalf("SetDay %s %s: %v", s.day, s.kind, err)
		}
		if got := cal.Kind(date(t, s.day)); got != s.want {
			t.Errorf("after SetDay %s %s: %s", s.day, s.kind, got)
		}
	}
	if got := cal.Day(date(t, "2026-07-04")).Name; got != "调休" {
		t.Errorf("name %q", got)
	}
	err := cal.SetDay(date(t, "2026-07-06"), roster.Weekend, "")
	if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != "kind" {
		t.Errorf("making a Monday a weekend: %v", err)
	}
	if err := cal.SetDay(roster.Date{Y: 2026, M: 2, D: 30}, roster.Holiday, ""); app.ErrorField(err) != "date" {
		t.Errorf("SetDay on 2026-02-30: %v", err)
	}
	if before.Kind(date(t, "2026-07-04")) != roster.Weekend {
		t.Error("Clone shares state with the original")
	}
}

func TestCalendarNilKnowsWeekendsOnly(t *testing.T) {
	var cal *roster.Calendar
	if cal.Kind(date(t, "2026-10-01")) != roster.Workday || cal.Kind(date(t, "2026-10-03")) != roster.Weekend || cal.Covers(2026) {
		t.Error("a nil calendar should apply the weekday rule and cover no year")
	}
}
