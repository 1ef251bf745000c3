package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/app/wire"
)

// A notice this station sent says what became of the hub's SMS reminders
// about it (each station's, summed); offline, that they need the link.
func TestSentNoticeShowsItsSMSReminders(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 10:00")
	d.as(d.xiangxi)
	svc := d.services()
	deadline := time.Date(2026, 10, 3, 4, 0, 0, 0, time.UTC)
	m := &message.Message{To: []app.ID{d.jishou.ID, d.luxi.ID}, Kind: message.KindNotice, Subject: "防汛", Text: "请确认收到并落实。", AckBy: &deadline}
	if err := svc.Messages.Send(setupContext(t), m, nil); err != nil {
		t.Fatal(err)
	}
	at := d.now.UTC()
	f := &fakeSMS{states: []wire.SMSState{
		{Event: "notice:" + m.ID.String() + ":" + d.jishou.ID.String(), Station: d.jishou.ID, Person: "张三", Number: "138****0001", State: "answered", CreatedAt: at, AnsweredAt: at},
		{Event: "notice:" + m.ID.String() + ":" + d.luxi.ID.String(), Station: d.luxi.ID, Person: "李四", Number: "138****0002", State: "delivered", CreatedAt: at, DeliveredAt: at},
	}}
	open := func() *messageRow {
		svc := d.services()
		svc.SMS = f
		u := New(test.NewTempApp(t), svc)
		t.Cleanup(u.win.Close)
		u.win.Resize(fyne.NewSize(1280, 800))
		u.nav.open("messages")
		u.messages.convList.Select(0)
		return messageRowWith(t, u, "请确认收到并落实")
	}
	if r := open(); !r.sms.Visible() || r.sms.Text != "短信：已回复 1、已送达 1" {
		t.Errorf("the notice's SMS: %v %q", r.sms.Visible(), r.sms.Text)
	}
	f.offline = true
	if r := open(); r.sms.Text != "短信状态需联网查看" {
		t.Errorf("offline: %q", r.sms.Text)
	}
}
