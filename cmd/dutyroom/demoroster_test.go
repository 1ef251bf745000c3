package main

import (
	"context"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

func TestDemoWindowStartsWithPublishedRosters(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init", "--demo"); code != 0 {
		t.Fatalf("init --demo: %s", stderr)
	}
	db := storetest.OpenDir(t, dir)
	ctx := app.WithAuthor(context.Background(), "demo")
	now := time.Date(2026, 9, 30, 20, 0, 0, 0, time.UTC) // already 10-01 in China: October and November
	if err := seedDemoRosters(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	rosters := store.NewRosters(db)
	dirSvc := store.NewDirectory(db)
	for _, code := range []string{"433100", "433101", "433130"} {
		st, err := dirSvc.FindStationByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"2026-10"} {
			month, _ := roster.ParseMonth(m)
			r, err := rosters.Roster(ctx, st.ID, month)
			if err != nil || r.State != roster.StatePublished {
				t.Errorf("%s %s: %+v, %v; want published", st.Name, m, r, err)
			}
		}
		as, err := rosters.Assignments(ctx, st.ID, roster.NewDate(2026, 10, 1), roster.NewDate(2026, 10, 1))
		if err != nil || len(as) < 4 {
			t.Errorf("%s on National Day: %d posts, %v; want the holiday template filled", st.Name, len(as), err)
		}
	}
}
