package ui

import (
	"context"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/syncer"
)

// arrivalsDemo is a window at the county whose alarms are kept in a
// fakeArrivals and whose sound is a repeating alarm the test counts and
// moves by hand.
type arrivalsDemo struct {
	*incidentDemo
	arrivals *fakeArrivals
	hub      *fakeHub
	plays    chan incident.Grade
	ticker   *handTicker
	received int
}

func newArrivalsDemo(t *testing.T) *arrivalsDemo {
	t.Helper()
	return &arrivalsDemo{incidentDemo: newIncidentDemo(t, "2026-10-03 03:00"), arrivals: &fakeArrivals{},
		hub: newFakeHub(syncer.Status{Running: true, State: syncer.State{Online: true}})}
}

// open starts the window, as the program does after a restart: a new
// sound each time, the same kept alarms.
func (d *arrivalsDemo) open(t *testing.T, a fyne.App) *UI {
	t.Helper()
	d.plays = make(chan incident.Grade, 20)
	d.ticker = newHandTicker()
	alarm := newRepeatingAlarm(time.Second, func(g incident.Grade) { d.plays <- g })
	alarm.newTicker = d.ticker.new
	svc := d.services()
	svc.Alarm = alarm
	svc.IncidentAlarms = d.arrivals
	svc.Hub = d.hub
	u := New(a, svc)
	t.Cleanup(func() {
		u.win.Close()
		alarm.Silence()
	})
	u.win.Resize(fyne.NewSize(1280, 800))
	return u
}

// synced plays the sync engine taking in operations from other stations.
func (d *arrivalsDemo) synced() {
	d.received++
	d.hub.set(syncer.Status{Running: true, State: syncer.State{Online: true, Received: d.received}})
}

func (d *arrivalsDemo) silent(t *testing.T) {
	t.Helper()
	select {
	case <-d.ticker.stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("the alarm kept running")
	}
	if d.ticker.tick() {
		t.Error("the alarm still repeats")
	}
}

func waitingIDs(u *UI) []app.ID {
	var ids []app.ID
	for _, inc := range u.alarm.waiting {
		ids = append(ids, inc.ID)
	}
	return ids
}

// What nobody acknowledged before the program closed rings when it starts
// again, the acknowledged does not.
func TestUnacknowledgedArrivalsRingAtStart(t *testing.T) {
	d := newArrivalsDemo(t)
	large := arrivedIncident(d.incidentDemo, incident.GradeLarge, 3)
	d.arrivals.ring(large, d.now.Add(-2*time.Hour))
	done := arrivedIncident(d.incidentDemo, incident.GradeGeneral, 1)
	d.arrivals.ring(done, d.now.Add(-3*time.Hour))
	if err := d.arrivals.AckArrival(context.Background(), done.ID, "张三"); err != nil {
		t.Fatal(err)
	}
	major := arrivedIncident(d.incidentDemo, incident.GradeMajor, 12)
	major.Place.Text = "矮寨大桥"
	d.arrivals.ring(major, d.now.Add(-time.Hour))

	a := test.NewTempApp(t)
	var u *UI
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "下级来报：重大事件",
		Content: "下级来报 乾州街道：矮寨大桥 道路交通，重大，死亡 12 人",
	}, func() { u = d.open(t, a) })

	if got, want := waitingIDs(u), []app.ID{large.ID, major.ID}; !slices.Equal(got, want) {
		t.Fatalf("the banner holds %v, want the two unacknowledged, oldest first %v", got, want)
	}
	b := u.alarm
	if !b.content.Visible() || b.bg.FillColor != gradeColor(incident.GradeMajor) || u.nav.badges["incidents"] != 2 {
		t.Errorf("banner shown %v in %v, badge %d", b.content.Visible(), b.bg.FillColor, u.nav.badges["incidents"])
	}
	waitPlay(t, d.plays)
	d.ticker.tick()
	if g := waitPlay(t, d.plays); g != incident.GradeMajor {
		t.Errorf("the alarm repeats at %v with a major incident waiting", g)
	}

	// Sync bringing other operations raises nothing twice.
	d.synced()
	if len(b.waiting) != 2 {
		t.Errorf("after a sync the banner holds %d", len(b.waiting))
	}
	if len(d.arrivals.acked()) != 1 {
		t.Errorf("starting acknowledged something: %v", d.arrivals.acked())
	}
}

// Acknowledging keeps the acknowledgement in the name of the duty officer,
// so the alarm stays silent after a restart; 查看 acknowledges too, in the
// program user's name when no roster covers the moment.
func TestAcknowledgedArrivalIsKeptAndStaysSilent(t *testing.T) {
	d := newArrivalsDemo(t)
	first := arrivedIncident(d.incidentDemo, incident.GradeLarge, 3)
	d.arrivals.ring(first, d.now.Add(-time.Hour))
	u := d.open(t, test.NewTempApp(t))
	u.SetOnDuty(func(context.Context) (OnDuty, error) { return OnDuty{Leader: "王带班", Officer: "刘值班"}, nil })
	waitPlay(t, d.plays)

	test.Tap(u.alarm.ack)
	if got := d.arrivals.acked(); !slices.Equal(got, []arrivalAck{{first.ID, "刘值班"}}) {
		t.Errorf("acknowledgements kept %v", got)
	}
	if u.alarm.content.Visible() || u.nav.badges["incidents"] != 0 {
		t.Error("the banner stayed after the acknowledgement was kept")
	}
	d.silent(t)
	if p, _ := d.arrivals.PendingArrivals(context.Background()); len(p) != 0 {
		t.Errorf("still pending: %v", p)
	}

	// A report filed here and passed up by the township rings next; nobody
	// is rostered when it is viewed.
	inc := incident.Incident{Station: d.qianzhou.ID, ReceivedAt: d.now, Channel: incident.ChannelPhone,
		Category: incident.Fire, Place: incident.Place{Text: "乾州古城"}, Counts: incident.Counts{Dead: 1}}
	if _, _, err := d.svc.CreateIncident(u.ctx, &inc); err != nil {
		t.Fatal(err)
	}
	d.arrivals.ring(inc, d.now)
	d.synced()
	waitPlay(t, d.plays)
	u.SetOnDuty(func(context.Context) (OnDuty, error) {
		return OnDuty{}, app.Errorf(app.ENOTFOUND, "no roster covers the moment")
	})
	test.Tap(u.alarm.view)
	if got := d.arrivals.acked(); len(got) != 2 || got[1] != (arrivalAck{inc.ID, "值班员甲"}) {
		t.Errorf("acknowledgements kept %v", got)
	}
	if u.nav.current != "incidents" || u.incidents.view.id != inc.ID {
		t.Errorf("view opened %q showing %v", u.nav.current, u.incidents.view.id)
	}
	d.silent(t)

	// The program starts again: nothing rings.
	again := d.open(t, test.NewTempApp(t))
	if again.alarm.content.Visible() || len(again.alarm.waiting) != 0 {
		t.Errorf("after a restart the banner holds %d", len(again.alarm.waiting))
	}
	select {
	case g := <-d.plays:
		t.Errorf("the alarm sounded at %v for what was acknowledged", g)
	case <-time.After(100 * time.Millisecond):
	}
}

// An incident whose grade is raised after it was acknowledged rings again
// when sync brings the change, at the new grade.
func TestRaisedGradeRingsAgain(t *testing.T) {
	d := newArrivalsDemo(t)
	inc := arrivedIncident(d.incidentDemo, incident.GradeGeneral, 1)
	d.arrivals.ring(inc, d.now.Add(-time.Hour))
	a := test.NewTempApp(t)
	u := d.open(t, a)
	if g := waitPlay(t, d.plays); g != incident.GradeGeneral {
		t.Errorf("the alarm sounds at %v", g)
	}
	test.Tap(u.alarm.ack)
	d.silent(t)

	// A follow-up with more dead reaches the county: a sync without it
	// raises nothing, the one with it rings.
	d.synced()
	if u.alarm.content.Visible() {
		t.Fatal("the banner came back with nothing new")
	}
	raised := inc
	raised.Counts.Dead, raised.Provisional = 4, incident.GradeLarge
	d.arrivals.ring(raised, d.now)
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "下级来报：较大事件",
		Content: "下级来报 乾州街道：吉首大学门口 道路交通，较大，死亡 4 人",
	}, d.synced)
	if !u.alarm.content.Visible() || u.alarm.bg.FillColor != gradeColor(incident.GradeLarge) || u.nav.badges["incidents"] != 1 {
		t.Errorf("after the raise: banner %v in %v, badge %d", u.alarm.content.Visible(), u.alarm.bg.FillColor, u.nav.badges["incidents"])
	}
	if g := waitPlay(t, d.plays); g != incident.GradeLarge {
		t.Errorf("the alarm sounds again at %v", g)
	}

	// Raised again before anyone acknowledged: the banner keeps one line
	// for it, at the new grade, and tells again.
	major := raised
	major.Counts.Dead, major.Provisional = 11, incident.GradeMajor
	d.arrivals.ring(major, d.now.Add(time.Minute))
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "下级来报：重大事件",
		Content: "下级来报 乾州街道：吉首大学门口 道路交通，重大，死亡 11 人",
	}, d.synced)
	if len(u.alarm.waiting) != 1 || u.alarm.bg.FillColor != gradeColor(incident.GradeMajor) {
		t.Errorf("the banner holds %d in %v", len(u.alarm.waiting), u.alarm.bg.FillColor)
	}
	d.ticker.tick()
	if g := waitPlay(t, d.plays); g != incident.GradeMajor {
		t.Errorf("the alarm sounds at %v after the second raise", g)
	}
}

// When the acknowledgement cannot be kept, the duty room is told and the
// alarm goes on until it can.
func TestFailedAcknowledgementKeepsTheAlarm(t *testing.T) {
	d := newArrivalsDemo(t)
	inc := arrivedIncident(d.incidentDemo, incident.GradeLarge, 3)
	d.arrivals.ring(inc, d.now.Add(-time.Hour))
	u := d.open(t, test.NewTempApp(t))
	waitPlay(t, d.plays)

	d.arrivals.mu.Lock()
	d.arrivals.ackErr = app.Errorf(app.EINTERNAL, "disk full")
	d.arrivals.mu.Unlock()
	test.Tap(u.alarm.ack)
	if len(d.arrivals.acked()) != 1 {
		t.Fatalf("acknowledgements tried %v", d.arrivals.acked())
	}
	if !hasText(overlay(t, u), "内部错误：disk full") {
		t.Errorf("the error dialog says %v", texts(overlay(t, u)))
	}
	if !u.alarm.content.Visible() || u.nav.badges["incidents"] != 1 {
		t.Error("the banner left although the acknowledgement failed")
	}
	if u.alarm.ack.Disabled() || u.alarm.view.Disabled() {
		t.Error("the banner's buttons stay held after the failure")
	}
	if !d.ticker.tick() {
		t.Fatal("the alarm stopped although the acknowledgement failed")
	}
	waitPlay(t, d.plays)
	if p, _ := d.arrivals.PendingArrivals(context.Background()); len(p) != 1 {
		t.Errorf("pending %d", len(p))
	}

	// The store answers again: the next press silences it.
	d.arrivals.mu.Lock()
	d.arrivals.ackErr = nil
	d.arrivals.mu.Unlock()
	u.win.Canvas().Overlays().Top().Hide()
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())
	test.Tap(u.alarm.ack)
	if u.alarm.content.Visible() {
		t.Error("the banner stayed after the second acknowledgement")
	}
	d.silent(t)
}
