package ui

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// handTicker is a ticker a test moves by hand.
type handTicker struct {
	c       chan time.Time
	stopped chan struct{}
}

func newHandTicker() *handTicker {
	return &handTicker{c: make(chan time.Time), stopped: make(chan struct{}, 1)}
}

func (h *handTicker) new(time.Duration) (<-chan time.Time, func()) {
	return h.c, func() { h.stopped <- struct{}{} }
}

// tick delivers one tick, reporting false when nothing took it: the alarm
// has stopped listening.
func (h *handTicker) tick() bool {
	select {
	case h.c <- time.Now():
		return true
	case <-time.After(200 * time.Millisecond):
		return false
	}
}

func waitPlay(t *testing.T, plays <-chan incident.Grade) incident.Grade {
	t.Helper()
	select {
	case g := <-plays:
		return g
	case <-time.After(2 * time.Second):
		t.Fatal("the alarm did not sound")
	}
	return 0
}

func TestAlarmRepeatsUntilSilenced(t *testing.T) {
	plays := make(chan incident.Grade, 10)
	ticker := newHandTicker()
	a := newRepeatingAlarm(time.Second, func(g incident.Grade) { plays <- g })
	a.newTicker = ticker.new

	a.Sound(incident.GradeLarge)
	if g := waitPlay(t, plays); g != incident.GradeLarge {
		t.Errorf("first sound at %v", g)
	}
	for i := 0; i < 3; i++ {
		if !ticker.tick() {
			t.Fatalf("the alarm stopped listening after %d repeats", i)
		}
		waitPlay(t, plays)
	}
	a.Sound(incident.GradeMajor) // a graver incident arrives while it sounds
	ticker.tick()
	if g := waitPlay(t, plays); g != incident.GradeMajor {
		t.Errorf("after a major incident arrived the alarm sounds at %v", g)
	}

	a.Silence()
	select {
	case <-ticker.stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("the ticker was not stopped when silenced")
	}
	if ticker.tick() {
		t.Error("the alarm still listens for ticks after Silence")
	}
	select {
	case g := <-plays:
		t.Errorf("sounded %v after Silence", g)
	default:
	}
	a.Silence() // silencing twice is harmless
}

func arrivedIncident(d *incidentDemo, g incident.Grade, dead int) incident.Incident {
	return incident.Incident{ID: app.NewID(), Station: d.qianzhou.ID, ReceivedAt: d.now, Channel: incident.ChannelSystem,
		Category: incident.RoadTraffic, Place: incident.Place{Text: "吉首大学门口"}, Counts: incident.Counts{Dead: dead},
		Provisional: g, Status: incident.StatusOpen}
}

func TestIncidentFromBelowRaisesTheAlarmUntilAcknowledged(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	plays := make(chan incident.Grade, 10)
	ticker := newHandTicker()
	alarm := newRepeatingAlarm(time.Second, func(g incident.Grade) { plays <- g })
	alarm.newTicker = ticker.new
	svc := d.services()
	svc.Alarm = alarm
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	b := u.alarm

	first := arrivedIncident(d, incident.GradeLarge, 3)
	test.AssertNotificationSent(t, &fyne.Notification{
		Title:   "下级来报：较大事件",
		Content: "下级来报 乾州街道：吉首大学门口 道路交通，较大，死亡 3 人",
	}, func() { u.IncidentArrived(first) })

	if !b.content.Visible() || b.bg.FillColor != gradeColor(incident.GradeLarge) {
		t.Fatalf("banner shown %v in %v", b.content.Visible(), b.bg.FillColor)
	}
	if b.text.Text != "下级来报 乾州街道：吉首大学门口 道路交通，较大，死亡 3 人" {
		t.Errorf("banner says %q", b.text.Text)
	}
	if u.nav.badges["incidents"] != 1 || u.win.Title() != lang.L("app.title")+"（1 起来报未确认）" {
		t.Errorf("badge %d, title %q", u.nav.badges["incidents"], u.win.Title())
	}
	waitPlay(t, plays)
	for i := 0; i < 2; i++ {
		ticker.tick()
		waitPlay(t, plays)
	}

	second := arrivedIncident(d, incident.GradeMajor, 12)
	u.IncidentArrived(second)
	if b.bg.FillColor != gradeColor(incident.GradeMajor) || b.more.Text != "另有 1 起未确认" || u.nav.badges["incidents"] != 2 {
		t.Errorf("with a major one waiting too: colour %v, %q, badge %d", b.bg.FillColor, b.more.Text, u.nav.badges["incidents"])
	}
	ticker.tick()
	if g := waitPlay(t, plays); g != incident.GradeMajor {
		t.Errorf("the alarm sounds at %v with a major incident waiting", g)
	}

	test.Tap(b.ack)
	if !b.content.Visible() || u.nav.badges["incidents"] != 1 {
		t.Fatal("acknowledging one of two cleared the banner")
	}
	ticker.tick()
	waitPlay(t, plays)

	test.Tap(b.ack)
	if b.content.Visible() || u.nav.badges["incidents"] != 0 || u.win.Title() != lang.L("app.title") {
		t.Errorf("after both were acknowledged: banner %v, badge %d, title %q", b.content.Visible(), u.nav.badges["incidents"], u.win.Title())
	}
	select {
	case <-ticker.stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("the alarm kept running after everything was acknowledged")
	}
	if ticker.tick() {
		t.Error("the alarm still repeats after everything was acknowledged")
	}
}

func TestAlarmViewOpensTheIncident(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	inc := incident.Incident{Station: d.qianzhou.ID, ReceivedAt: d.now, Channel: incident.ChannelPhone,
		Category: incident.Fire, Place: incident.Place{Text: "乾州古城"}, Counts: incident.Counts{Dead: 1}}
	if _, _, err := d.svc.CreateIncident(u.ctx, &inc); err != nil {
		t.Fatal(err)
	}
	u.nav.open("duty")
	u.IncidentArrived(inc)
	if !d.alarm.sounding || d.alarm.level != incident.GradeGeneral {
		t.Fatalf("the alarm is sounding %v at %v", d.alarm.sounding, d.alarm.level)
	}
	test.Tap(u.alarm.view)
	if u.nav.current != "incidents" || u.incidents.view.id != inc.ID {
		t.Errorf("view opened %q showing %v", u.nav.current, u.incidents.view.id)
	}
	if d.alarm.sounding || u.alarm.content.Visible() {
		t.Error("opening the incident did not acknowledge it")
	}
}

func TestBeepIsAValidWAVWithOneBeepPerGrade(t *testing.T) {
	general, major := beepWAV(incident.GradeGeneral), beepWAV(incident.GradeMajor)
	for _, w := range [][]byte{general, major} {
		if !bytes.Equal(w[:4], []byte("RIFF")) || !bytes.Equal(w[8:16], []byte("WAVEfmt ")) || !bytes.Equal(w[36:40], []byte("data")) {
			t.Fatal("not a WAV header")
		}
		if size := binary.LittleEndian.Uint32(w[40:44]); int(size) != len(w)-44 {
			t.Errorf("data size %d, file holds %d", size, len(w)-44)
		}
	}
	if len(major)-44 != 3*(len(general)-44) {
		t.Errorf("a major alarm is %d bytes of sound, a general one %d; want three beeps to one", len(major)-44, len(general)-44)
	}
}
