package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
)

// openOffline opens the consultation demo with a hub that cannot be
// reached, and returns the hub to bring it back.
func (d *consultDemo) openOffline(t *testing.T, screen string) (*UI, *fakeHub) {
	t.Helper()
	h := newFakeHub(reconnecting)
	s := d.services()
	s.Consultations, s.Media, s.Hub = d.consults, d.media, h
	s.Author = "刘值班"
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open(screen)
	return u, h
}

// Offline, 发起会商 without a time is refused in words and creates nothing
// (a consultation no one can join is not 进行中); with a time it is
// scheduled, to go out when the link returns. The form says so before.
func TestOfflineConsultationStartsOnlyScheduled(t *testing.T) {
	d := newConsultDemo(t)
	u, _ := d.openOffline(t, "consultation")
	u.consults.onNew()
	dlg := overlay(t, u)
	if !hasText(dlg, "离线（正在重连）：不能立即开始会商，只能预约") {
		t.Errorf("the form offline says %v", texts(dlg))
	}
	entries := anyEntries(dlg)
	title, when := entries[0], entries[len(entries)-1]
	title.SetText("防汛会商")
	var checks *widget.CheckGroup
	walk(dlg, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.CheckGroup); ok {
			checks = c
		}
	})
	checks.SetSelected([]string{"湘西州"})
	test.Tap(findButton(t, dlg, "发起"))
	if l := errorBeside(t, dlg, "请填写开始时间预约"); l == nil || !strings.Contains(l.Text, "电话联系") {
		t.Errorf("starting now offline says %v", texts(dlg))
	}
	if recs, _ := d.consults.Records(t.Context()); len(recs) != 0 {
		t.Fatalf("a consultation was created offline: %+v", recs)
	}
	when.SetText("2026-07-14 11:00")
	test.Tap(findButton(t, dlg, "发起"))
	recs, _ := d.consults.Records(t.Context())
	if len(recs) != 1 || recs[0].Consultation.State != consult.Scheduled {
		t.Fatalf("scheduling offline: %+v", recs)
	}
}

// Offline, 进入会商 and accepting from the ring say the hub cannot be
// reached and to phone, never 内部错误; no room opens and no acceptance is
// recorded. Back online, the ring's accept opens the room.
func TestOfflineConsultationEntrySaysTheHubCannotBeReached(t *testing.T) {
	d := newConsultDemo(t)
	d.fromPrefecture()
	u, hub := d.openOffline(t, "consultation")
	r := u.consultRing
	if u.win.Canvas().Overlays().Top() != r.overlay {
		t.Fatal("the invitation does not ring")
	}
	test.Tap(r.accept)
	if !strings.Contains(r.note.Text, "无法连接中心") || !strings.Contains(r.note.Text, "电话联系") || strings.Contains(r.note.Text, "内部错误") {
		t.Errorf("accepting offline says %q", r.note.Text)
	}
	if len(d.consults.replies) != 0 || u.room != nil || len(d.media.joined) != 0 {
		t.Fatalf("accepting offline: replies %+v, room %v", d.consults.replies, u.room != nil)
	}
	test.Tap(r.decline) // the ring out of the way, to try 进入会商

	s := u.consults
	s.load()
	s.list.Select(0)
	test.Tap(s.join)
	if u.room != nil || len(d.media.joined) != 0 {
		t.Fatal("进入会商 offline opened a room")
	}
	dlg := overlay(t, u)
	if !hasText(dlg, "未能进入会商") || !hasText(dlg, "无法连接中心（正在重连）") || hasText(dlg, "内部错误") {
		t.Errorf("进入会商 offline says %v", texts(dlg))
	}

	hub.set(syncer.Status{State: syncer.State{Online: true}, Running: true})
	if msg := u.consultOffline(); msg != "" {
		t.Errorf("online, entry is still refused: %q", msg)
	}
}

// A failed join is said in words for each real cause, never as an internal
// error.
func TestJoinErrorsAreSaidInWords(t *testing.T) {
	newConsultDemo(t) // loads the Chinese translations
	for _, x := range []struct {
		err  error
		want string
	}{
		{errors.New("rtc: no signaller"), "无法连接中心"},
		{errors.New("the call ended while joining"), "无法连接中心"},
		{context.DeadlineExceeded, "15 秒内没有回应"},
		{wire.Errorf(wire.CodeUnauthorized, "token expired"), "未登录中心"},
		{wire.Errorf(wire.CodeForbidden, "not invited"), "中心拒绝本站进入"},
		{wire.Errorf(wire.CodeRoomFull, "full"), "会商室已满"},
		{wire.Errorf("strange", "x"), "中心拒绝了进入请求（strange）"},
		{app.Errorf(app.EINTERNAL, "video is not available in this window"), "本窗口没有视频功能"},
	} {
		got := joinErrorText(x.err)
		if !strings.Contains(got, x.want) || strings.Contains(got, "内部错误") || strings.Contains(got, "Internal") {
			t.Errorf("%v: %q, want it to say %q", x.err, got, x.want)
		}
	}
}
