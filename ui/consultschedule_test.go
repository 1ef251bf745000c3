package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
)

func at(d *consultDemo, clock string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", clock, d.now.Location())
	if err != nil {
		panic(err)
	}
	return t
}

// A consultation 吉首市 schedules for 10:30: from 10:20 its 会商 screen
// and badge say it is about to start; at 10:30, with the fake clock, the
// window starts it by itself and opens its room, once.
func TestScheduledConsultationStartsAtItsTime(t *testing.T) {
	d := newConsultDemo(t)
	when := at(d, "2026-07-14 10:30")
	c := consult.Consultation{Title: "防汛会商", Scheduled: &when, Invited: []app.ID{d.xiangxi.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	u := d.open(t, "consultation")
	u.consultPlan.check()
	if u.consults.notice.Visible() || u.nav.badges["consultation"] != 0 {
		t.Fatal("a consultation half an hour away is announced")
	}

	d.now = at(d, "2026-07-14 10:21")
	u.consultPlan.check()
	if !u.consults.notice.Visible() || u.consults.notice.Text != "9 分钟后（10:30）开始：防汛会商（吉首市主持）" {
		t.Errorf("notice at 10:21: %v %q", u.consults.notice.Visible(), u.consults.notice.Text)
	}
	if u.nav.badges["consultation"] != 1 {
		t.Errorf("badge %d", u.nav.badges["consultation"])
	}
	if rec, _ := d.consults.Record(t.Context(), c.ID); rec.Consultation.State != consult.Scheduled || u.room != nil {
		t.Fatal("started before its time")
	}

	d.now = at(d, "2026-07-14 10:30").Add(3 * time.Second)
	u.consultPlan.check()
	rec, _ := d.consults.Record(t.Context(), c.ID)
	if rec.Consultation.State != consult.Live || !rec.Consultation.StartedAt.Equal(d.now) {
		t.Fatalf("at 10:30: %+v", rec.Consultation)
	}
	if u.room == nil || u.room.rec.Consultation.ID != c.ID || len(d.media.joined) != 1 || d.media.joined[0] != c.ID {
		t.Fatalf("the room did not open: room %v, joined %v", u.room != nil, d.media.joined)
	}
	if u.consults.notice.Visible() || u.nav.badges["consultation"] != 0 {
		t.Error("the notice stays once it started")
	}
	u.consultPlan.check()
	if len(d.media.joined) != 1 {
		t.Errorf("started twice: joined %v", d.media.joined)
	}
}

// A host window that was not running at the time finds the consultation
// 未按时开始, does not start it, and offers the start button.
func TestScheduledConsultationMissedWhileHostNotRunning(t *testing.T) {
	d := newConsultDemo(t)
	when := at(d, "2026-07-14 10:30")
	c := consult.Consultation{Title: "防汛会商", Scheduled: &when, Invited: []app.ID{d.xiangxi.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	d.now = at(d, "2026-07-14 10:50")
	u := d.open(t, "consultation")
	u.consultPlan.check()
	if rec, _ := d.consults.Record(t.Context(), c.ID); rec.Consultation.State != consult.Scheduled || u.room != nil {
		t.Fatal("a consultation twenty minutes late started by itself")
	}
	s := u.consults
	s.list.Select(0)
	if !strings.HasPrefix(s.info.Text, "未按时开始") || !strings.Contains(s.info.Text, "没有自动开始") {
		t.Errorf("detail: %q", s.info.Text)
	}
	var lines []string
	walk(s.list, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			lines = append(lines, l.Text)
		}
	})
	if !strings.Contains(strings.Join(lines, "\n"), "未按时开始 · 吉首市 · 07-14 10:30") {
		t.Errorf("list: %q", lines)
	}
	if !s.start.Visible() {
		t.Fatal("no start button")
	}
	test.Tap(s.start)
	if rec, _ := d.consults.Record(t.Context(), c.ID); rec.Consultation.State != consult.Live {
		t.Error("the start button did not start it")
	}
}

// An invited station is reminded too, and never starts the host's
// consultation itself.
func TestScheduledConsultationRemindsInvitedStation(t *testing.T) {
	d := newConsultDemo(t)
	when := at(d, "2026-07-14 10:30")
	d.consults.receive(consult.Consultation{Host: d.xiangxi.ID, Title: "汛情会商", CreatedBy: "张科长", State: consult.Scheduled,
		Scheduled: &when, Invited: []app.ID{d.jishou.ID, d.luxi.ID}})
	u := d.open(t, "directory")
	d.now = at(d, "2026-07-14 10:25")
	u.consultPlan.check()
	if u.consults.notice.Text != "5 分钟后（10:30）开始：汛情会商（湘西州主持）" || u.nav.badges["consultation"] != 1 {
		t.Errorf("reminder: %q, badge %d", u.consults.notice.Text, u.nav.badges["consultation"])
	}
	d.now = at(d, "2026-07-14 10:30")
	u.consultPlan.check()
	rec, _ := d.consults.Records(t.Context())
	if rec[0].Consultation.State != consult.Scheduled || u.room != nil {
		t.Error("an invited station started the host's consultation")
	}
}

// Scheduling for a time past, or inviting nobody, is said beside the
// field concerned and nothing is stored.
func TestScheduleFormRefusesPastAndNobody(t *testing.T) {
	d := newConsultDemo(t)
	u := d.open(t, "consultation")
	u.consults.onNew()
	dlg := overlay(t, u)
	entries := anyEntries(dlg)
	title, when := entries[0], entries[len(entries)-1]
	title.SetText("防汛会商")
	when.SetText("2026-07-14 09:00")
	var checks *widget.CheckGroup
	walk(dlg, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.CheckGroup); ok {
			checks = c
		}
	})
	checks.SetSelected([]string{"湘西州"})
	test.Tap(findButton(t, dlg, "发起"))
	if l := errorBeside(t, dlg, "这个时间已经过去"); l == nil {
		t.Error("no message about the time past")
	}
	when.SetText("2026-07-14 11:00")
	checks.SetSelected(nil)
	test.Tap(findButton(t, dlg, "发起"))
	if l := errorBeside(t, dlg, "请至少邀请一个单位"); l == nil {
		t.Error("no message about nobody invited")
	}
	if errorBeside(t, dlg, "这个时间已经过去") != nil {
		t.Error("the earlier message stays")
	}
	if recs, _ := d.consults.Records(t.Context()); len(recs) != 0 {
		t.Errorf("stored: %+v", recs)
	}
}

// errorBeside returns the visible label holding text, or nil.
func errorBeside(t *testing.T, root fyne.CanvasObject, text string) *widget.Label {
	t.Helper()
	var found *widget.Label
	walk(root, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, text) && l.Importance == widget.DangerImportance {
			found = l
		}
	})
	return found
}

// The host's window writes the roll call of a consultation about an
// incident to its timeline once the grace has passed for every station
// called, and not again while the figures stay the same.
func TestHostRoomSavesSettledRollCall(t *testing.T) {
	d := newConsultDemo(t)
	d.consults.incidentStations = []app.ID{d.xiangxi.ID, d.luxi.ID}
	c, err := d.consults.FromIncident(t.Context(), app.NewID(), "事故会商")
	if err != nil {
		t.Fatal(err)
	}
	u := d.open(t, "consultation")
	r := roomOf(t, u)
	r.callRoll(nil)
	d.consults.answerAs(c.ID, d.xiangxi.ID, "张科长", d.now.Add(5*time.Second))
	r.pollRoll()
	if d.consults.rollSaves != 0 {
		t.Fatal("saved while 泸溪县 is still within its grace")
	}
	d.now = d.now.Add(consult.DefaultGrace + time.Second)
	r.pollRoll()
	r.pollRoll()
	if d.consults.rollSaves != 1 {
		t.Fatalf("saved %d times", d.consults.rollSaves)
	}
	rec, _ := d.consults.Record(t.Context(), c.ID)
	if rec.RollSaved == nil || *rec.RollSaved != (consult.RollCount{Present: 1, Absent: 1}) {
		t.Errorf("saved figures: %+v", rec.RollSaved)
	}
}
