package consult

import (
	"slices"
	"testing"
	"time"

	"dutyroom/app"
)

func TestScheduleValidate(t *testing.T) {
	ok := DefaultTestSchedule()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	a := app.NewID()
	for name, s := range map[string]TestSchedule{
		"past midnight": {Minute: 24 * 60},
		"negative":      {Minute: -1},
		"day twice":     {Days: []time.Weekday{time.Monday, time.Monday}},
		"no such day":   {Days: []time.Weekday{7}},
		"station twice": {Stations: []app.ID{a, a}},
		"nil station":   {Stations: []app.ID{app.NilID}},
	} {
		if err := s.Validate(); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Weekday mornings at 08:30: due from 08:30 for two hours, on Monday and
// not on Sunday; a station with a record since the slot is not due again,
// one with only yesterday's record is.
func TestDue(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	s := TestSchedule{Enabled: true, Minute: 8*60 + 30, Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}
	a, b, c := app.NewID(), app.NewID(), app.NewID()
	targets := []app.ID{a, b, c}
	mon := time.Date(2026, 11, 30, 0, 0, 0, 0, loc) // a Monday
	at := func(d time.Time, h, m int) time.Time {
		return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	calls := []TestCall{
		{Station: a, Started: at(mon, 8, 31), Outcome: Connected},
		{Station: b, Started: at(mon, -24+8, 31), Outcome: NoAnswer}, // yesterday
	}
	for _, tc := range []struct {
		now  time.Time
		want []app.ID
	}{
		{at(mon, 8, 29), nil},
		{at(mon, 8, 30), []app.ID{b, c}},
		{at(mon, 10, 30), []app.ID{b, c}},
		{at(mon, 10, 31), nil},   // missed by more than the window
		{at(mon, -24+9, 0), nil}, // Sunday
	} {
		if got := Due(&s, targets, calls, tc.now); !slices.Equal(got, tc.want) {
			t.Errorf("at %s: due %v, want %v", tc.now.Format("Mon 15:04"), got, tc.want)
		}
	}
	s.Enabled = false
	if got := Due(&s, targets, nil, at(mon, 9, 0)); got != nil {
		t.Errorf("a schedule switched off calls %v", got)
	}
	// A slot just before midnight is still due just after it.
	late := TestSchedule{Enabled: true, Minute: 23*60 + 30}
	if got := Due(&late, targets[:1], nil, at(mon, 0, 15)); len(got) != 1 {
		t.Errorf("the 23:30 slot is not due at 00:15: %v", got)
	}
}

func TestJudge(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 8, 30, 0, 0, time.UTC)
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	for name, tc := range map[string]struct {
		o    Observation
		now  time.Time
		want Outcome
		done bool
	}{
		"ringing":             {Observation{Invited: t0}, sec(30), "", false},
		"not accepted":        {Observation{Invited: t0}, sec(60), NoAnswer, true},
		"declined":            {Observation{Invited: t0, Declined: true}, sec(5), NoAnswer, true},
		"waiting for picture": {Observation{Invited: t0, Accepted: sec(10)}, sec(20), "", false},
		"no picture":          {Observation{Invited: t0, Accepted: sec(10)}, sec(25), MediaFailed, true},
		"picture in time":     {Observation{Invited: t0, Accepted: sec(10), FirstFrame: sec(12)}, sec(12), Connected, true},
		"picture too late":    {Observation{Invited: t0, Accepted: sec(10), FirstFrame: sec(40)}, sec(40), MediaFailed, true},
		"picture, no accept":  {Observation{Invited: t0, FirstFrame: sec(3)}, sec(3), Connected, true},
	} {
		got, done := Judge(tc.o, 0, 0, tc.now)
		if got != tc.want || done != tc.done {
			t.Errorf("%s: %q %v, want %q %v", name, got, done, tc.want, tc.done)
		}
	}
}

func TestSummarize(t *testing.T) {
	a, b := app.NewID(), app.NewID()
	t0 := time.Date(2026, 11, 30, 8, 30, 0, 0, time.UTC)
	calls := []TestCall{
		{Station: a, Started: t0.Add(24 * time.Hour), Outcome: Connected},
		{Station: a, Started: t0, Outcome: MediaFailed},
	}
	got := Summarize([]app.ID{a, b}, calls)
	if got[0].Counts[Connected] != 1 || got[0].Counts[MediaFailed] != 1 || !got[0].Good() {
		t.Errorf("a: %+v", got[0])
	}
	if got[1].Last != nil || got[1].Good() {
		t.Errorf("b was never called: %+v", got[1])
	}
}
