package consult

import (
	"testing"
	"time"

	"dutyroom/app"
)

func TestValidate(t *testing.T) {
	host, a := app.NewID(), app.NewID()
	ok := Consultation{ID: app.NewID(), Host: host, Title: " 会商 ", Invited: []app.ID{a}, State: Live, CreatedAt: time.Now()}
	if err := ok.Validate(); err != nil || ok.Title != "会商" {
		t.Fatalf("valid consultation refused: %v", err)
	}
	for name, bad := range map[string]func(c *Consultation){
		"no title":       func(c *Consultation) { c.Title = "  " },
		"nobody invited": func(c *Consultation) { c.Invited = nil },
		"host invited":   func(c *Consultation) { c.Invited = []app.ID{host} },
		"invited twice":  func(c *Consultation) { c.Invited = []app.ID{a, a} },
		"unknown state":  func(c *Consultation) { c.State = "open" },
		"no host":        func(c *Consultation) { c.Host = app.NilID },
	} {
		c := ok
		c.Invited = append([]app.ID(nil), ok.Invited...)
		bad(&c)
		if err := c.Validate(); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := ok.Others(a); len(got) != 1 || got[0] != host {
		t.Errorf("others of an invited station: %v", got)
	}
}

// Each station in turn, then all at once: a station's result is that of
// the latest call of it.
func TestResults(t *testing.T) {
	a, b, c, d := app.NewID(), app.NewID(), app.NewID(), app.NewID()
	con := &Consultation{ID: app.NewID(), Host: app.NewID(), Invited: []app.ID{a, b, c, d}}
	t0 := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	callA := Call{ID: app.NewID(), Consultation: con.ID, Stations: []app.ID{a}, At: t0, Grace: 30 * time.Second}
	callAll := Call{ID: app.NewID(), Consultation: con.ID, Stations: []app.ID{b, c}, At: t0.Add(time.Minute)}
	answers := []Answer{
		{Call: callA.ID, Consultation: con.ID, Station: a, Person: "甲", At: t0.Add(10 * time.Second)},
		{Call: callAll.ID, Consultation: con.ID, Station: b, Person: "乙", At: t0.Add(time.Minute + 45*time.Second)},
		{Call: callA.ID, Consultation: con.ID, Station: b, At: t0}, // b was not in that call
	}
	r := &Record{Consultation: *con, Calls: []Call{callAll, callA}, Answers: answers}
	check := func(now time.Time, want ...Status) {
		t.Helper()
		got := r.Results(now)
		for i, w := range want {
			if got[i].Status != w {
				t.Errorf("at %s station %d: %s, want %s", now.Sub(t0), i, got[i].Status, w)
			}
		}
	}
	check(t0.Add(70*time.Second), Present, Late, Pending, NotCalled)
	check(t0.Add(2*time.Minute), Present, Late, Absent, NotCalled)
	if res := r.Results(t0.Add(2 * time.Minute)); res[0].Person != "甲" || !res[1].Answered.Equal(answers[1].At) {
		t.Errorf("results keep who answered and when: %+v", res)
	}
	if r.OpenCall(c) == nil || r.OpenCall(a) != nil || r.OpenCall(d) != nil {
		t.Error("open calls: c is waiting, a answered, d was never called")
	}
}

// A scheduled consultation is upcoming in the ten minutes before its
// time, due to start from its time for StartWindow, and missed after.
func TestScheduledTimes(t *testing.T) {
	at := time.Date(2026, 7, 14, 2, 30, 0, 0, time.UTC)
	c := Consultation{State: Scheduled, Scheduled: &at}
	for _, tc := range []struct {
		now                   time.Time
		upcoming, due, missed bool
	}{
		{at.Add(-11 * time.Minute), false, false, false},
		{at.Add(-10 * time.Minute), true, false, false},
		{at.Add(-time.Second), true, false, false},
		{at, false, true, false},
		{at.Add(StartWindow - time.Second), false, true, false},
		{at.Add(StartWindow), false, false, true},
		{at.Add(5 * time.Hour), false, false, true},
	} {
		if c.Upcoming(tc.now) != tc.upcoming || c.DueToStart(tc.now) != tc.due || c.Missed(tc.now) != tc.missed {
			t.Errorf("at %s: upcoming %v due %v missed %v", tc.now.Sub(at), c.Upcoming(tc.now), c.DueToStart(tc.now), c.Missed(tc.now))
		}
	}
	live := c
	live.State = Live
	if live.Upcoming(at.Add(-time.Minute)) || live.DueToStart(at) || live.Missed(at.Add(time.Hour)) {
		t.Error("a live consultation counts as scheduled")
	}
	if err := CheckSchedule(&at, at.Add(PastSlack)); err != nil {
		t.Errorf("the minute being typed: %v", err)
	}
	if err := CheckSchedule(&at, at.Add(PastSlack+time.Second)); app.ErrorField(err) != "scheduled" {
		t.Errorf("a time past: %v", err)
	}
}
