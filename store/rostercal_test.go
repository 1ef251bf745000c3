package store_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

func TestShippedCalendarIsInForce(t *testing.T) {
	r := store.NewRosters(storetest.Open(t))
	cal, err := r.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !cal.Covers(2026) {
		t.Fatalf("years %v lack the shipped 2026", cal.Years())
	}
	for s, want := range map[string]roster.DayKind{
		"2026-10-01": roster.Holiday, "2026-10-10": roster.Workday, "2026-02-14": roster.Workday,
		"2026-02-15": roster.Holiday, "2026-03-07": roster.Weekend, "2026-03-09": roster.Workday,
	} {
		if got := cal.Kind(day(t, s)); got != want {
			t.Errorf("%s is a %s, want %s", s, got, want)
		}
	}
}

const calendar2027 = `# 2027 (test schedule)
2027-01-01..2027-01-03 holiday 元旦
2027-02-06..2027-02-12 holiday 春节
2027-02-20 workday 春节调休
`

func TestImportCalendarIsAllOrNothing(t *testing.T) {
	db := storetest.Open(t)
	r := store.NewRosters(db)
	years, err := r.ImportCalendar(ctx, strings.NewReader(calendar2027))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(years, []int{2027}) {
		t.Errorf("imported years %v", years)
	}
	if kinds := opsSince(t, db, 0); !slices.Equal(kinds, []string{roster.OpCalendarImport}) {
		t.Errorf("operations %v", kinds)
	}
	before, _ := r.Calendar(ctx)
	if !before.Covers(2026) || !before.Covers(2027) || before.Kind(day(t, "2027-02-08")) != roster.Holiday {
		t.Fatalf("after import: years %v", before.Years())
	}

	// A file whose fourth line overlaps the second: refused with the line
	// number, and neither its good lines nor anything else are stored.
	bad := "# corrected 2027\n2027-10-01..2027-10-07 holiday 国庆节\n2028-01-01 holiday 元旦\n2027-10-05 holiday 又一个\n"
	_, err = r.ImportCalendar(ctx, strings.NewReader(bad))
	wantCode(t, err, app.EINVALID)
	if !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error %q does not name lines 4 and 2", err)
	}
	after, _ := r.Calendar(ctx)
	if !after.Equal(before) {
		t.Error("a refused import changed the calendar")
	}
	if n := outboxLen(t, db); n != 1 {
		t.Errorf("a refused import queued an operation: %d in the outbox", n)
	}
	for _, empty := range []string{"", "# nothing but a comment\n"} {
		_, err = r.ImportCalendar(ctx, strings.NewReader(empty))
		wantCode(t, err, app.EINVALID)
	}

	// A corrected file for a year replaces that year entirely.
	fixed := "2027-01-01 holiday 元旦\n"
	if _, err := r.ImportCalendar(ctx, strings.NewReader(fixed)); err != nil {
		t.Fatal(err)
	}
	cal, _ := r.Calendar(ctx)
	if cal.Kind(day(t, "2027-02-08")) == roster.Holiday {
		t.Error("the corrected 2027 kept the Spring Festival of the first import")
	}
	if cal.Kind(day(t, "2027-01-01")) != roster.Holiday || cal.Kind(day(t, "2026-10-01")) != roster.Holiday {
		t.Error("the corrected import lost New Year 2027 or the shipped 2026")
	}
}

// An office's own file for a shipped year wins over the shipped schedule.
func TestImportedYearReplacesTheShippedOne(t *testing.T) {
	r := store.NewRosters(storetest.Open(t))
	if _, err := r.ImportCalendar(ctx, strings.NewReader("2026-10-01..2026-10-08 holiday 国庆节\n")); err != nil {
		t.Fatal(err)
	}
	cal, _ := r.Calendar(ctx)
	if cal.Kind(day(t, "2026-10-08")) != roster.Holiday {
		t.Error("the imported 2026 did not take effect")
	}
	if cal.Kind(day(t, "2026-01-01")) != roster.Workday {
		t.Error("the shipped New Year 2026 survived an import that replaces 2026")
	}
}

func TestSetCalendarDay(t *testing.T) {
	db := storetest.Open(t)
	r := store.NewRosters(db)
	if err := r.SetCalendarDay(ctx, day(t, "2026-10-09"), roster.Holiday, "国庆节"); err != nil {
		t.Fatal(err)
	}
	cal, _ := r.Calendar(ctx)
	if cal.Kind(day(t, "2026-10-09")) != roster.Holiday || cal.Kind(day(t, "2026-10-01")) != roster.Holiday {
		t.Error("the edit was lost, or the rest of the shipped 2026 with it")
	}
	// Taking away a make-up working day makes it a weekend day again.
	if err := r.SetCalendarDay(ctx, day(t, "2026-10-10"), roster.Weekend, ""); err != nil {
		t.Fatal(err)
	}
	cal, _ = r.Calendar(ctx)
	if cal.Kind(day(t, "2026-10-10")) != roster.Weekend {
		t.Errorf("2026-10-10 is a %s", cal.Kind(day(t, "2026-10-10")))
	}
	wantCode(t, r.SetCalendarDay(ctx, day(t, "2026-10-12"), roster.Weekend, ""), app.EINVALID) // a Monday
	if kinds := opsSince(t, db, 0); !slices.Equal(kinds, []string{roster.OpCalendarDay, roster.OpCalendarDay}) {
		t.Errorf("operations %v", kinds)
	}
	// The edits are in the file, not in memory.
	db.Close()
	fresh, _ := store.NewRosters(storetest.OpenDir(t, filepath.Dir(db.Path()))).Calendar(ctx)
	if !fresh.Equal(cal) {
		t.Error("a new service reads a different calendar")
	}
}
