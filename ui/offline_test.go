package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
	"dutyroom/app/syncer"
	"dutyroom/app/warning"
)

// openWithHub opens a screen of the alert demo with a hub in state s.
func (d *alertDemo) openWithHub(t *testing.T, screen string, s syncer.Status) (*UI, *fakeHub) {
	t.Helper()
	h := newFakeHub(s)
	svc := d.services()
	svc.Hub = h
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open(screen)
	return u, h
}

var reconnecting = syncer.Status{Running: true, Addr: "hub.example:8443"}

// Offline, the spot-check form says so before anything is sent and the
// confirmation says the checks wait here; the checks never leave, and
// past their limit they read 未送达, are never recorded 脱岗, and stay out
// of the ranking's rate. When the link returns the form says so.
func TestOfflineSpotCheckSaysSoAndIsUndeliveredNotAbsent(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	d.checks.undelivered = true
	u, hub := d.openWithHub(t, "spotchecks", reconnecting)
	s := u.spotChecks
	if got := s.reach.Text; !strings.Contains(got, "离线（正在重连）") || !strings.Contains(got, "连接恢复后自动发送") || !strings.Contains(got, "未送达的查岗不计脱岗") {
		t.Errorf("the form offline says %q", got)
	}
	typeIntoEntry(s.count, "2")
	test.Tap(s.startRandom)
	if len(d.checks.checks) != 2 {
		t.Fatalf("%d checks started", len(d.checks.checks))
	}
	if got := s.done.label.Text; !strings.Contains(got, "当前离线：已保存在本机，连接恢复后自动发送") {
		t.Errorf("the confirmation offline says %q", got)
	}

	s.tabs.SelectIndex(spotTabRecords)
	if text, _ := recordCell(&s.records[0], 6, s.data.base, d.now); text != "待送达" {
		t.Errorf("a check not yet delivered reads %q", text)
	}
	if text, _ := recordCell(&s.records[0], 3, s.data.base, d.now); text != "—" {
		t.Errorf("its deadline reads %q before it arrived", text)
	}
	d.now = d.now.Add(4 * time.Minute)
	if n, _ := d.checks.Sweep(u.ctx, d.now); n != 0 {
		t.Fatalf("the sweep recorded %d misses for checks that never left", n)
	}
	u.pollAlerts()
	for i := range s.records {
		if text, _ := recordCell(&s.records[i], 6, s.data.base, d.now); text != "未送达" {
			t.Errorf("record %d reads %q after its limit, want 未送达", i, text)
		}
	}

	s.tabs.SelectIndex(spotTabRanking)
	if len(s.ranks) != 2 {
		t.Fatalf("ranking %+v", s.ranks)
	}
	for row := range s.ranks {
		var cells []string
		for col := range rankWidths {
			l := newCellLabel()
			s.updateRank(widgetCell(row, col), l)
			cells = append(cells, labelText(l))
		}
		// checks 1, on time 0, late 0, absent 0, running 0, 未送达 1, rate —
		if got := strings.Join(cells[2:], "|"); got != "1|0|0|0|0|1|—" {
			t.Errorf("ranking row %d: %q", row, got)
		}
	}

	hub.set(syncer.Status{State: syncer.State{Online: true}, Running: true})
	if got := s.reach.Text; !strings.Contains(got, "在线") || !strings.Contains(got, "立即送达") || strings.Contains(got, "不计脱岗") {
		t.Errorf("the form online says %q", got)
	}
}

// A check that reached this county's township more than MaxDelay after it
// was made reads 未送达, marked as having arrived expired.
func TestExpiredSpotCheckReadsUndeliveredExpired(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 12:00:00")
	at := d.now.Add(-time.Hour).UTC()
	c := d.checks.receive(spotcheck.Check{By: d.jishou.ID, Target: d.qianzhou.ID, StartedAt: at, Deadline: at.Add(3 * time.Minute)})
	d.checks.arrivals[len(d.checks.arrivals)-1].At = at.Add(spotcheck.MaxDelay + time.Minute)
	d.checks.arrivals[len(d.checks.arrivals)-1].Received = time.Time{}
	u := d.open(t, "spotchecks")
	s := u.spotChecks
	s.tabs.SelectIndex(spotTabRecords)
	if len(s.records) != 1 || s.records[0].Check.ID != c.ID {
		t.Fatalf("records %+v", s.records)
	}
	if text, _ := recordCell(&s.records[0], 6, s.data.base, d.now); text != "未送达（到达时已过期）" {
		t.Errorf("an expired check reads %q", text)
	}
}

// Offline, the warning form, its question and its confirmation say the
// warning is saved here and sent when the link returns; online, that it
// goes out at once.
func TestOfflineWarningFormSaysItWaitsHere(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	u, hub := d.openWithHub(t, "warnings", reconnecting)
	u.warnings.tabs.SelectIndex(warningTabIssue)
	f := u.warnings.form
	if !strings.Contains(f.reach.Text, "离线（正在重连）") || !strings.Contains(f.reach.Text, "连接恢复后自动发送") {
		t.Errorf("the form offline says %q", f.reach.Text)
	}
	test.Tap(f.chips[2])
	f.typ.SetSelected("暴雨")
	test.Type(f.text, "预计未来24小时将出现大暴雨，请做好防范。")
	test.Tap(f.issue)
	confirm := overlay(t, u)
	if !hasText(confirm, "离线（正在重连）：发出后先保存在本机") {
		t.Errorf("the question offline says %v", texts(confirm))
	}
	test.Tap(findButton(t, confirm, lang.L("warning.issue")))
	if len(d.warnings.warnings) != 1 || !strings.Contains(f.done.label.Text, "当前离线：已保存在本机，连接恢复后自动发送") {
		t.Errorf("issued %d; the confirmation says %q", len(d.warnings.warnings), f.done.label.Text)
	}
	hub.set(syncer.Status{State: syncer.State{Online: true}, Running: true})
	if !strings.Contains(f.reach.Text, "在线") {
		t.Errorf("the form online says %q", f.reach.Text)
	}
}

// The message form (a notice with acknowledgement among its kinds) says
// before sending whether the hub is reachable.
func TestOfflineMessageFormSaysItWaitsHere(t *testing.T) {
	d := newMessageDemo(t, "2026-07-14 10:00")
	d.as(d.jishou)
	s := d.services()
	s.Hub = newFakeHub(reconnecting)
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open("messages")
	c := composeForm(t, u)
	if !hasText(c.content, "离线（正在重连）：发出后先保存在本机，连接恢复后自动发送") {
		t.Errorf("the message form offline says %v", texts(c.content))
	}
}

// The duty screen's 查岗 on a subordinate row asks with the connection in
// the question, and its notice says the check waits here while offline.
func TestOfflineDutyReachSpotCheckSaysItWaitsHere(t *testing.T) {
	d := newConsultDemo(t)
	h := newFakeHub(reconnecting)
	s := d.services()
	s.Consultations, s.Media, s.Hub = d.consults, d.media, h
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open("duty")
	test.Tap(subRowFor(t, u, "石家冲街道").check)
	q := overlay(t, u)
	if !hasText(q, "离线（正在重连）") || !hasText(q, "未送达的查岗不计脱岗") {
		t.Errorf("the question offline says %v", texts(q))
	}
	test.Tap(findButton(t, q, "开始查岗"))
	if got := u.duty.today.notice.label.Text; !strings.Contains(got, "当前离线：已保存在本机") {
		t.Errorf("the notice offline says %q", got)
	}
}

// A warning's progress says, per station, 未送达, 已送达，未签收 or 已签收.
func TestWarningProgressShowsUndeliveredPerStation(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	w := warning.Warning{Level: warning.Orange, Type: warning.Flood, ValidUntil: d.now.Add(12 * time.Hour), Text: "沅水将出现超警戒水位。", IssuedBy: "孙局长"}
	if err := d.warnings.Issue(app.WithAuthor(setupContext(t), "值班员甲"), &w); err != nil {
		t.Fatal(err)
	}
	d.warnings.deliveries = append(d.warnings.deliveries, warning.Delivery{Warning: w.ID, Station: d.qianzhou.ID, At: d.now.Add(time.Minute).UTC()})
	u := d.open(t, "warnings")
	u.warnings.tabs.SelectIndex(warningTabIssued)
	u.warnings.issued.list.Select(0)
	rows := progressRows(u)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	got := []string{rows[0].state.Text, rows[1].state.Text, rows[2].state.Text}
	if want := []string{"已送达，未签收", "已送达，未签收", "未送达"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("乾州街道, 乾元村, 石家冲街道 read %q, want %q", got, want)
	}
	if !strings.Contains(rows[0].detail.Text, "送达 07-14 10:01") {
		t.Errorf("the delivered row's detail %q", rows[0].detail.Text)
	}
	if p := u.warnings.issued.progress; !strings.Contains(p.waiting.Text, "其中 1 个尚未送达，请电话通知") {
		t.Errorf("waiting %q", p.waiting.Text)
	}
	d.warnings.receiveAck(warning.Ack{Warning: w.ID, Station: d.shiqiao.ID, RecordedBy: d.shiqiao.ID, Person: "石值班", At: d.now.Add(3 * time.Minute)})
	u.pollAlerts()
	if rows := progressRows(u); rows[2].state.Text != "已签收" {
		t.Errorf("after its ack 石家冲街道 reads %q", rows[2].state.Text)
	}
}

// The checked station's prompt counts down from the check's arrival: a
// check made at 10:00:00 that reached this county at 10:05:00 is due at
// 10:08:00, and at 10:06:00 two minutes remain, not a minute overdue.
func TestSpotCheckPromptCountsDownFromArrival(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:06:00")
	c := d.checkFromPrefecture(t, "2026-07-14 10:00:00")
	arrived := c.StartedAt.Add(5 * time.Minute)
	d.checks.arrivals[len(d.checks.arrivals)-1].At = arrived
	d.checks.arrivals[len(d.checks.arrivals)-1].Received = arrived
	u := d.open(t, "duty")
	p := u.spotPrompt
	if u.win.Canvas().Overlays().Top() != p.overlay {
		t.Fatal("the spot check is not put over the window")
	}
	if p.countdown.Text != "02:00" || !strings.Contains(p.deadline.Text, "10:08:00") || !strings.Contains(p.deadline.Text, "3 分钟") || p.lateNote.Visible() {
		t.Errorf("countdown %q, deadline %q, late note shown %v", p.countdown.Text, p.deadline.Text, p.lateNote.Visible())
	}
	test.Type(p.name, "")
	test.Tap(p.answer)
	r, _ := d.checks.Record(u.ctx, c.ID)
	if r.Answer == nil || r.Outcome(d.now) != spotcheck.OnTime {
		t.Errorf("answered two minutes before the deadline from arrival: %+v, %v", r.Answer, r.Outcome(d.now))
	}
}
