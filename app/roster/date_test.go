package roster_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

func TestDateAgreesWithTimePackage(t *testing.T) {
	// Walk 1899–2101 day by day: leap years, century rules, weekdays.
	day := time.Date(1899, 12, 25, 12, 0, 0, 0, time.UTC)
	d := roster.DateOf(day)
	var prev roster.Date
	for i := 0; i < 202*366; i++ {
		if got := d.String(); got != day.Format("2006-01-02") {
			t.Fatalf("day %d: %s, want %s", i, got, day.Format("2006-01-02"))
		}
		if d.Weekday() != day.Weekday() {
			t.Fatalf("%s: weekday %s, want %s", d, d.Weekday(), day.Weekday())
		}
		if !d.Valid() {
			t.Fatalf("%s not valid", d)
		}
		if i > 0 && (bytes.Compare(prev.Key(), d.Key()) >= 0 || !prev.Before(d) || d.Sub(prev) != 1) {
			t.Fatalf("%s does not sort after %s", d, prev)
		}
		back, err := roster.DateFromKey(d.Key())
		if err != nil || back != d {
			t.Fatalf("key of %s reads back as %s, %v", d, back, err)
		}
		prev = d
		d = d.AddDays(1)
		day = day.AddDate(0, 0, 1)
	}
}

func TestDateArithmetic(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-02-28", 1, "2026-03-01"},
		{"2028-02-28", 1, "2028-02-29"},
		{"2026-12-31", 1, "2027-01-01"},
		{"2026-01-01", -1, "2025-12-31"},
		{"2026-10-01", 365, "2027-10-01"},
	} {
		if got := date(t, c.from).AddDays(c.n); got.String() != c.want {
			t.Errorf("%s %+d = %s, want %s", c.from, c.n, got, c.want)
		}
	}
	if got := roster.NewDate(2026, 2, 30); got.String() != "2026-03-02" {
		t.Errorf("NewDate(2026, 2, 30) = %s", got)
	}
	if got := roster.NewDate(2026, 13, 1); got.String() != "2027-01-01" {
		t.Errorf("NewDate(2026, 13, 1) = %s", got)
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, s := range []string{"", "2026-1-01", "2026/01/01", "2026-02-29", "2026-13-01", "2026-00-10", "0000-01-01", "２０２６-01-01", "2026-01-01T00:00:00Z"} {
		if _, err := roster.ParseDate(s); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("ParseDate(%q) = %v, want invalid", s, err)
		}
	}
	if _, err := roster.DateFromKey([]byte{0x07, 0xea, 2, 30}); app.ErrorCode(err) != app.ECORRUPT {
		t.Errorf("key of 2026-02-30 read as %v, want corrupt", err)
	}
}

func TestDateJSON(t *testing.T) {
	type rec struct {
		Day   roster.Date
		Month roster.Month
		At    roster.TimeOfDay
		Kind  roster.DayKind
		Unset roster.Date
	}
	in := rec{Day: date(t, "2026-10-01"), Month: roster.Month{Y: 2026, M: 10}, At: roster.DefaultHandover, Kind: roster.Holiday}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Day":"2026-10-01","Month":"2026-10","At":"08:30","Kind":"holiday","Unset":""}`; string(b) != want {
		t.Errorf("json %s, want %s", b, want)
	}
	var out rec
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("read back %+v, %v", out, err)
	}
}

func TestMonth(t *testing.T) {
	m, err := roster.ParseMonth("2028-02")
	if err != nil {
		t.Fatal(err)
	}
	if m.First().String() != "2028-02-01" || m.Last().String() != "2028-02-29" || m.Next().String() != "2028-03" {
		t.Errorf("%s: first %s last %s next %s", m, m.First(), m.Last(), m.Next())
	}
	if (roster.Month{Y: 2026, M: 12}).Next().String() != "2027-01" {
		t.Error("December's next month is not January")
	}
	for _, s := range []string{"2026-13", "2026-1", "2026-01-01", ""} {
		if _, err := roster.ParseMonth(s); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("ParseMonth(%q) = %v, want invalid", s, err)
		}
	}
}

func TestTimeOfDay(t *testing.T) {
	for s, want := range map[string]roster.TimeOfDay{"08:30": 510, "8:30": 510, "00:00": 0, "23:59": 1439} {
		if got, err := roster.ParseTimeOfDay(s); err != nil || got != want {
			t.Errorf("ParseTimeOfDay(%q) = %d, %v, want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"24:00", "08:60", "0830", "8.30", "", ":30", "108:30"} {
		if _, err := roster.ParseTimeOfDay(s); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("ParseTimeOfDay(%q) = %v, want invalid", s, err)
		}
	}
}
