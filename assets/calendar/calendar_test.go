package calendar_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"testing"

	"dutyroom/app/roster"
	"dutyroom/assets/calendar"
)

func TestDefaultParses(t *testing.T) {
	cal, err := roster.ParseCalendar(bytes.NewReader(calendar.Default()))
	if err != nil {
		t.Fatal(err)
	}
	if !cal.Covers(2026) {
		t.Errorf("shipped years %v lack 2026", cal.Years())
	}
	d, _ := roster.ParseDate("2026-10-01")
	if cal.Kind(d) != roster.Holiday {
		t.Errorf("National Day is a %s", cal.Kind(d))
	}
}

func TestEachYearFileParsesAlone(t *testing.T) {
	names, err := fs.Glob(calendar.FS(), "*.txt")
	if err != nil || len(names) == 0 {
		t.Fatalf("files %v, %v", names, err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(calendar.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := roster.ParseCalendar(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if y := cal.Years(); len(y) != 1 || name != fmt.Sprintf("%d.txt", y[0]) {
			t.Errorf("%s holds years %v", name, y)
		}
	}
}
