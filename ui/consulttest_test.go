package ui

import (
	"context"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// fakeTestCalls keeps one station's test-call schedule and records in
// memory.
type fakeTestCalls struct {
	sched   consult.TestSchedule
	targets []app.ID
	calls   []consult.TestCall
	saved   int
}

var _ consult.TestCalls = (*fakeTestCalls)(nil)

func (f *fakeTestCalls) TestSchedule(context.Context) (consult.TestSchedule, error) {
	return f.sched, nil
}

func (f *fakeTestCalls) SetTestSchedule(_ context.Context, s consult.TestSchedule) error {
	if err := s.Validate(); err != nil {
		return err
	}
	f.sched = s
	f.saved++
	return nil
}

func (f *fakeTestCalls) TestTargets(context.Context) ([]app.ID, error) { return f.targets, nil }

func (f *fakeTestCalls) DueTestCalls(_ context.Context, now time.Time) ([]app.ID, error) {
	return consult.Due(&f.sched, f.targets, f.calls, now), nil
}

func (f *fakeTestCalls) RecordTestCall(_ context.Context, c *consult.TestCall) error {
	c.ID = app.NewID()
	f.calls = append(f.calls, *c)
	return nil
}

func (f *fakeTestCalls) TestCallsSince(_ context.Context, since time.Time) ([]consult.TestCall, error) {
	var out []consult.TestCall
	for _, c := range f.calls {
		if !c.Started.Before(since) {
			out = append(out, c)
		}
	}
	return out, nil
}

// 吉首市 tests its township every morning: the table shows today's and
// yesterday's outcomes, and the form saves the time and days chosen.
func TestConsultRoutineTestCalls(t *testing.T) {
	d := newConsultDemo(t)
	fake := &fakeTestCalls{sched: consult.DefaultTestSchedule(), targets: []app.ID{d.qianzhou.ID}}
	today := d.now.Truncate(time.Hour)
	fake.calls = []consult.TestCall{
		{Station: d.qianzhou.ID, Started: today.Add(-24 * time.Hour), Outcome: consult.NoAnswer},
		{Station: d.qianzhou.ID, Started: today, Outcome: consult.Connected},
	}
	s := d.services()
	s.Consultations, s.Media, s.TestCalls = d.consults, d.media, fake
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.nav.open("consultation")
	p := u.consults.tests
	if p == nil {
		t.Fatal("no 例行测试 tab with the service")
	}
	if got := p.cell(1, 0); got != "乾州街道" {
		t.Errorf("station column: %q", got)
	}
	if got := p.cell(1, testCallDays); got != testOutcomeLabel(consult.Connected) {
		t.Errorf("today: %q", got)
	}
	if got := p.cell(1, testCallDays-1); got != testOutcomeLabel(consult.NoAnswer) {
		t.Errorf("yesterday: %q", got)
	}
	if got := p.cell(1, 1); got != "—" {
		t.Errorf("a day without a call: %q", got)
	}
	if p.at.Text != "08:30" || p.enabled.Checked || len(p.stations.Selected) != len(p.children) || len(p.children) == 0 {
		t.Fatalf("form: %q %v %v", p.at.Text, p.enabled.Checked, p.stations.Selected)
	}

	test.Type(p.at, "x")
	test.Tap(p.save)
	if fake.saved != 0 || p.status.Text == "" {
		t.Fatalf("a bad time was saved: %q", p.status.Text)
	}
	p.at.SetText("07:45")
	p.enabled.SetChecked(true)
	p.days[5].SetChecked(false) // Saturday
	p.days[6].SetChecked(false) // Sunday
	test.Tap(p.save)
	want := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	if fake.saved != 1 || !fake.sched.Enabled || fake.sched.Minute != 7*60+45 || !slices.Equal(fake.sched.Days, want) || fake.sched.Stations != nil {
		t.Fatalf("saved %d: %+v", fake.saved, fake.sched)
	}
}
