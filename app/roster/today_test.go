package roster_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below must load on machines without a tz database

	"dutyroom/app"
	"dutyroom/app/roster"
)

func TestOnDutyBeforeHandoverIsPreviousDay(t *testing.T) {
	loc := shanghai(t)
	station := testID(1, 0)
	leader := func(day string, who int) roster.Assignment {
		return roster.Assignment{Station: station, Day: date(t, day), Post: roster.Post{Role: app.RoleLeader}, Person: testID(1, who)}
	}
	as := []roster.Assignment{leader("2026-10-03", 1), leader("2026-10-04", 2), leader("2026-10-05", 3)}
	settings := roster.DefaultSettings()
	for _, c := range []struct {
		at   time.Time
		day  string
		whom int
	}{
		{time.Date(2026, 10, 5, 3, 0, 0, 0, loc), "2026-10-04", 2},
		{time.Date(2026, 10, 5, 8, 29, 59, 0, loc), "2026-10-04", 2},
		{time.Date(2026, 10, 5, 8, 30, 0, 0, loc), "2026-10-05", 3},
		{time.Date(2026, 10, 4, 23, 0, 0, 0, loc), "2026-10-04", 2},
		// 19:00 UTC on the 4th is 03:00 on the 5th in Shanghai.
		{time.Date(2026, 10, 4, 19, 0, 0, 0, time.UTC), "2026-10-04", 2},
	} {
		day, on := roster.OnDuty(as, settings, loc, c.at)
		if day.String() != c.day || len(on) != 1 || on[0].Person != testID(1, c.whom) {
			t.Errorf("at %s: day %s, on duty %v; want %s and person %d", c.at, day, on, c.day, c.whom)
		}
	}
}

func TestDutyWindow(t *testing.T) {
	loc := shanghai(t)
	start, end := roster.DutyWindow(date(t, "2026-10-01"), roster.DefaultHandover, loc)
	if want := time.Date(2026, 10, 1, 8, 30, 0, 0, loc); !start.Equal(want) {
		t.Errorf("start %s, want %s", start, want)
	}
	if end.Sub(start) != 24*time.Hour {
		t.Errorf("window %s, want 24h", end.Sub(start))
	}
	// Where clocks move, the window follows the wall clock.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start, end = roster.DutyWindow(date(t, "2026-03-07"), roster.DefaultHandover, ny)
	if end.Sub(start) != 23*time.Hour {
		t.Errorf("window across the spring change %s, want 23h", end.Sub(start))
	}
	if d := roster.DutyDayAt(roster.DefaultHandover, ny, end.Add(-time.Minute)); d.String() != "2026-03-07" {
		t.Errorf("a minute before the handover on 8 March: %s", d)
	}
}
