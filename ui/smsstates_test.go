package ui

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/smsstatus"
	"dutyroom/app/syncer"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
	"dutyroom/assets"
)

// fakeSMS answers as the hub would: the states it is given, per event
// asked, and the gateway; offline it says so.
type fakeSMS struct {
	mu      sync.Mutex
	offline bool
	states  []wire.SMSState
	gateway wire.SMSGateway
	asked   [][]string
}

func (f *fakeSMS) States(_ context.Context, events ...string) (wire.SMSStates, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, events)
	if f.offline {
		return wire.SMSStates{}, smsstatus.ErrOffline
	}
	var out []wire.SMSState
	for _, m := range f.states {
		for _, e := range events {
			if wire.EventMatches(m.Event, e) {
				out = append(out, m)
			}
		}
	}
	return wire.SMSStates{Messages: out}, nil
}

func (f *fakeSMS) Gateway(context.Context) (wire.SMSGateway, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.offline {
		return wire.SMSGateway{}, smsstatus.ErrOffline
	}
	return f.gateway, nil
}

// openWithSMS opens the alert demo's window with the SMS service.
func (d *alertDemo) openWithSMS(t *testing.T, sms smsstatus.Service, screen string) *UI {
	t.Helper()
	svc := d.services()
	svc.SMS = sms
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open(screen)
	return u
}

// smsStatesDemo: 乾州街道 acknowledged by SMS; its leader's message
// answered and its officer's delivered; 石家冲街道's one failed at the
// gateway, 乾元村's officer's sent.
func smsStatesDemo(t *testing.T) (*alertDemo, warning.Warning, *fakeSMS) {
	d, w := smsAckDemo(t)
	at := d.now.Add(time.Minute).UTC()
	ev := "warning:" + w.ID.String()
	f := &fakeSMS{gateway: wire.SMSGateway{On: true}, states: []wire.SMSState{
		{Event: ev, Kind: "warning", Station: d.qianzhou.ID, Person: "林值班", Number: "138****1111", State: "answered", CreatedAt: at, SentAt: at, AnsweredAt: at.Add(2 * time.Minute), Reply: "1234"},
		{Event: ev, Kind: "warning", Station: d.qianzhou.ID, Person: "王带班", Number: "138****2222", State: "delivered", CreatedAt: at, SentAt: at, DeliveredAt: at.Add(time.Minute)},
		{Event: ev, Kind: "warning", Station: d.shiqiao.ID, Person: "石值班", Number: "139****3333", State: "failed", Reason: "not a mobile number in the directory: skipped", CreatedAt: at},
		{Event: ev, Kind: "warning", Station: d.village.ID, Person: "向信息员", Number: "136****0001", State: "sent", CreatedAt: at, SentAt: at},
		{Event: "incident:" + app.NewID().String() + ":1", Kind: "incident", Station: d.jishou.ID, Person: "孙局长", Number: "137****0001", State: "sent", CreatedAt: at, SentAt: at},
	}}
	return d, w, f
}

// The issuer's progress shows per station what became of its SMS: 已回复,
// 已送达, 失败 with the reason in the window's language, 已发送.
func TestProgressShowsEachStationsSMSStates(t *testing.T) {
	d, w, f := smsStatesDemo(t)
	u := d.openWithSMS(t, f, "warnings")
	u.warnings.tabs.SelectIndex(warningTabIssued)
	u.warnings.issued.list.Select(0)
	rows := progressRows(u)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, want := range []string{"短信：已回复 1、已送达 1", "短信：已发送 1", "短信：失败 1（号码不是手机号，未发送）"} {
		if !strings.Contains(rows[i].detail.Text, want) {
			t.Errorf("row %d: %q, want %q in it", i, rows[i].detail.Text, want)
		}
	}
	if !strings.HasPrefix(rows[0].detail.Text, "林值班 138****1111") {
		t.Errorf("the SMS states pushed the acknowledgement out of the row: %q", rows[0].detail.Text)
	}
	if got := f.asked[len(f.asked)-1]; len(got) != 1 || got[0] != "warning:"+w.ID.String() {
		t.Errorf("asked for %v", got)
	}
	if u.warnings.issued.progress.smsNote.Visible() {
		t.Error("a note over the progress while the states are shown")
	}
}

// Offline the progress says the SMS states need the link, and shows no
// stale ones.
func TestProgressSaysSMSStatesNeedTheLinkOffline(t *testing.T) {
	d, _, f := smsStatesDemo(t)
	f.offline = true
	u := d.openWithSMS(t, f, "warnings")
	u.warnings.tabs.SelectIndex(warningTabIssued)
	u.warnings.issued.list.Select(0)
	p := u.warnings.issued.progress
	if !p.smsNote.Visible() || p.smsNote.Text != "短信状态需联网查看" {
		t.Fatalf("the note offline: %v %q", p.smsNote.Visible(), p.smsNote.Text)
	}
	for _, r := range progressRows(u) {
		if strings.Contains(r.detail.Text, "短信：") {
			t.Errorf("an SMS state shown offline: %q", r.detail.Text)
		}
	}
}

// The status bar says 短信网关中断 while the hub's gateway is down, and
// nothing while it is up, off, or the hub cannot be asked.
func TestStatusBarSaysTheSMSGatewayIsDown(t *testing.T) {
	d, _, f := smsStatesDemo(t)
	u := d.openWithSMS(t, f, "warnings")
	b := u.status
	if b.smsGateway.Visible() {
		t.Fatal("短信网关中断 while the gateway is up")
	}
	since := time.Date(2026, 7, 14, 9, 50, 0, 0, shanghai(t))
	f.gateway = wire.SMSGateway{On: true, Down: true, DownSince: since, LastError: "connection refused"}
	b.smsAsked = time.Time{}
	b.refresh()
	if !b.smsGateway.Visible() || !strings.HasPrefix(b.smsGateway.Text, "短信网关中断") {
		t.Fatalf("the gateway down: %v %q", b.smsGateway.Visible(), b.smsGateway.Text)
	}
	b.showHub(syncer.Status{}) // the link is lost
	if b.smsGateway.Visible() {
		t.Error("短信网关中断 still shown once the link is lost")
	}
	b.smsAsked = time.Time{}
	b.refresh()
	if !b.smsGateway.Visible() {
		t.Fatal("短信网关中断 not shown again when asked")
	}
	f.offline = true
	b.smsAsked = time.Time{}
	b.refresh()
	if b.smsGateway.Visible() {
		t.Error("短信网关中断 still shown with no link to ask")
	}
	f.offline, f.gateway = false, wire.SMSGateway{}
	b.smsAsked = time.Time{}
	b.refresh()
	if b.smsGateway.Visible() {
		t.Error("短信网关中断 from a hub that sends no SMS")
	}
}

// An incident's SMS section lists each message: the person, the masked
// number, the station, the state and its time; offline it says the states
// need the link.
func TestSMSSectionListsTheMessagesOfAnIncident(t *testing.T) {
	d, _, f := smsStatesDemo(t)
	u := d.openWithSMS(t, f, "warnings")
	inc := f.states[4].Event[:len("incident:")+36]
	s := newSMSSection(u)
	s.show([]string{inc}, fakeTree(d.store), shanghai(t))
	if s.lines.Text != "孙局长 137****0001（吉首市）已发送 07-14 10:01" {
		t.Errorf("the incident's SMS: %q", s.lines.Text)
	}
	s.show([]string{"incident:" + app.NewID().String()}, fakeTree(d.store), shanghai(t))
	if s.lines.Text != "未发送短信" {
		t.Errorf("an incident with no SMS: %q", s.lines.Text)
	}
	f.offline = true
	s.show([]string{"incident:" + app.NewID().String()}, fakeTree(d.store), shanghai(t))
	if s.lines.Text != "短信状态需联网查看" {
		t.Errorf("offline: %q", s.lines.Text)
	}
}

// TestSMSStatesScreenshots renders the progress with SMS states and the
// gateway down, and offline, to the folder named by DUTYROOM_SCREENSHOTS.
func TestSMSStatesScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the screens")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d, _, f := smsStatesDemo(t)
			f.gateway = wire.SMSGateway{On: true, Down: true, DownSince: d.now.Add(-10 * time.Minute), LastError: "connection refused"}
			u := d.openWithSMS(t, f, "warnings")
			u.win.Resize(defaultWindowSize)
			u.warnings.tabs.SelectIndex(warningTabIssued)
			u.warnings.issued.list.Select(0)
			capture(t, u, filepath.Join(dir, language+"-warnings-progress-smsstates-"+itoaSize(defaultWindowSize)+".png"))
			f.offline = true
			u.warnings.issued.list.UnselectAll()
			u.warnings.issued.list.Select(0)
			u.warnings.issued.progress.show(u.warnings.issued.progress.w, u.warnings.issued.progress.root)
			capture(t, u, filepath.Join(dir, language+"-warnings-progress-smsoffline-"+itoaSize(defaultWindowSize)+".png"))
		})
	}
}

// TestIncidentSMSScreenshots renders an incident's 短信 tab with the SMS
// its escalation sent, to the folder named by DUTYROOM_SCREENSHOTS.
func TestIncidentSMSScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the screens")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := newIncidentDemo(t, "2026-10-03 09:00")
			inc := seed(t, d, "2026-10-03 07:40", d.qianzhou.ID, "G65 沪昆高速吉首段 K1234 处两辆货车追尾起火", incident.RoadTraffic, 3)
			at := d.now.Add(-time.Hour).UTC()
			ev := "incident:" + inc.ID.String()
			f := &fakeSMS{gateway: wire.SMSGateway{On: true}, states: []wire.SMSState{
				{Event: ev + ":1", Kind: "incident", Station: d.jishou.ID, Person: "孙局长", Number: "137****0001", State: "delivered", CreatedAt: at, SentAt: at, DeliveredAt: at.Add(time.Minute)},
				{Event: ev + ":2", Kind: "incident", Station: d.jishou.ID, Person: "刘主任", Number: "137****0002", State: "answered", CreatedAt: at.Add(10 * time.Minute), SentAt: at.Add(10 * time.Minute), AnsweredAt: at.Add(12 * time.Minute), Reply: "收到"},
				{Event: ev + ":3", Kind: "incident", Station: d.xiangxi.ID, Person: "张局长", Number: "139****0003", State: "failed", Reason: "the daily cap of 2000 messages is reached", CreatedAt: at.Add(20 * time.Minute)},
			}}
			svc := d.services()
			svc.SMS = f
			u := New(test.NewTempApp(t), svc)
			t.Cleanup(u.win.Close)
			u.win.Resize(defaultWindowSize)
			u.nav.open("incidents")
			s := u.incidents
			s.tabs.SelectIndex(1)
			s.register.table.Select(tableRow(0))
			v := s.view
			v.tabs.SelectIndex(len(v.tabs.Items) - 1)
			if !strings.Contains(v.sms.lines.Text, "刘主任 137****0002") {
				t.Errorf("the 短信 tab: %q", v.sms.lines.Text)
			}
			capture(t, u, filepath.Join(dir, language+"-incident-sms-"+itoaSize(defaultWindowSize)+".png"))
		})
	}
}

// An incident's 短信 tab asks for the incident's own messages and those of
// each of its report tasks (the hub's overdue-task escalation), and lists
// the task's too.
func TestIncidentSMSIncludesItsReportTasks(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	inc := seed(t, d, "2026-10-03 07:40", d.qianzhou.ID, "G65 沪昆高速吉首段 K1234 处两辆货车追尾起火", incident.RoadTraffic, 3)
	f := &fakeSMS{gateway: wire.SMSGateway{On: true}}
	svc := d.services()
	svc.SMS = f
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.nav.open("incidents")
	s := u.incidents
	s.tabs.SelectIndex(1)
	s.register.table.Select(tableRow(0))
	v := s.view
	if len(v.data.tasks) == 0 {
		t.Fatal("the seeded incident has no report tasks")
	}
	task := v.data.tasks[0]
	at := d.now.Add(-time.Hour).UTC()
	f.mu.Lock()
	f.states = []wire.SMSState{{Event: "report:" + task.ID.String() + ":1", Kind: "report", Station: d.jishou.ID, Person: "孙局长", Number: "137****0001", State: "sent", CreatedAt: at, SentAt: at}}
	asked := f.asked[len(f.asked)-1]
	f.mu.Unlock()
	if asked[0] != "incident:"+inc.ID.String() || !slices.Contains(asked, "report:"+task.ID.String()) {
		t.Fatalf("asked the hub for %v; want the incident and each of its tasks", asked)
	}
	v.sms.asked = time.Time{}
	v.sms.load()
	if !strings.Contains(v.sms.lines.Text, "孙局长 137****0001") {
		t.Errorf("the 短信 tab without the task's message: %q", v.sms.lines.Text)
	}
}
