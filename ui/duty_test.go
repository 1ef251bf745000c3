package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on machines without a tz database

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
)

// dutyDemo is the demo with a staffed county duty room at 吉首市 (this
// station): two leaders, three officers and two standby staff, no cadre;
// and 乾州街道 below it with a leader and an officer.
type dutyDemo struct {
	*demo
	now                             time.Time
	sun, liu, chen, wu, zheng, feng app.Person
	huang, lin                      app.Person
	shiqiao                         app.Station
}

var (
	leader0  = roster.Post{Role: app.RoleLeader}
	officer0 = roster.Post{Role: app.RoleOfficer}
	standby0 = roster.Post{Role: app.RoleStandby}
)

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// newDutyDemo starts the clock at the given Shanghai wall time.
func newDutyDemo(t *testing.T, clock string) *dutyDemo {
	t.Helper()
	d := &dutyDemo{demo: newDemo()}
	f := d.store
	f.identity = d.jishou.ID
	d.sun = f.addPerson(d.jishou.ID, "孙局长", "局长", "13700000001", "", app.RoleLeader)
	d.liu = f.addPerson(d.jishou.ID, "刘值班", "科员", "13700000011", "", app.RoleOfficer)
	d.chen = f.addPerson(d.jishou.ID, "陈值班", "科员", "13700000012", "", app.RoleOfficer)
	d.wu = f.addPerson(d.jishou.ID, "吴值班", "科员", "13700000013", "", app.RoleOfficer)
	d.zheng = f.addPerson(d.jishou.ID, "郑备勤", "驾驶员", "13700000021", "", app.RoleStandby)
	d.feng = f.addPerson(d.jishou.ID, "冯备勤", "驾驶员", "13700000022", "", app.RoleStandby)
	d.shiqiao = f.addStation("石家冲街道", "433101002", app.TierTownship, d.jishou.ID)
	d.huang = f.addPerson(d.qianzhou.ID, "黄镇长", "主任", "13900000001", "", app.RoleLeader)
	d.lin = f.addPerson(d.qianzhou.ID, "林值班", "干事", "13900000002", "", app.RoleOfficer)
	d.setClock(t, clock)
	f.clock = func() time.Time { return d.now }
	f.author = "值班员甲"
	return d
}

func (d *dutyDemo) setClock(t *testing.T, clock string) {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", clock, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	d.now = at
}

func (d *dutyDemo) put(day string, post roster.Post, p app.Person) {
	d.store.rosters.put(d.jishou.ID, day, post, p.ID)
}

func date(t *testing.T, s string) roster.Date {
	t.Helper()
	d, err := roster.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// openDuty opens the window on the duty screen's tab: 0 today, 1 month, 2 mine.
func openDuty(t *testing.T, d *dutyDemo, tab int) *UI {
	t.Helper()
	u := newTestUI(t, d.store)
	u.duty.tabs.SelectIndex(tab)
	return u
}

func TestDutyIsTheStartScreen(t *testing.T) {
	u := newTestUI(t, newDutyDemo(t, "2026-10-03 09:00").store)
	if u.nav.current != "duty" || u.duty.tabs.SelectedIndex() != 0 {
		t.Errorf("window opens on %q tab %d, want today's duty", u.nav.current, u.duty.tabs.SelectedIndex())
	}
}

// TestTodayAndStatusBarShowPreviousDayBeforeHandover checks the one
// question a duty room asks most, at a fixed clock: before 08:30 the duty of
// the day before still holds, after it the new day's.
func TestTodayAndStatusBarShowPreviousDayBeforeHandover(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 07:00")
	d.put("2026-10-02", leader0, d.zhang)
	d.put("2026-10-02", officer0, d.liu)
	d.put("2026-10-03", leader0, d.sun)
	d.put("2026-10-03", officer0, d.chen)
	u := openDuty(t, d, 0)
	p := u.duty.today

	if !strings.Contains(p.heading.Text, "10月2日") {
		t.Errorf("heading %q at 07:00 on 3 October, want the duty day of 2 October", p.heading.Text)
	}
	if got, want := p.window.Text, "值班时间 10-02 08:30 至 10-03 08:30"; got != want {
		t.Errorf("window = %q, want %q", got, want)
	}
	for _, want := range []string{"张三", "13812345678", "刘值班", "13700000011"} {
		if !hasText(p.posts, want) {
			t.Errorf("posts lack %q: %v", want, texts(p.posts))
		}
	}
	if hasText(p.posts, "孙局长") {
		t.Errorf("the next day's leader is shown before the handover: %v", texts(p.posts))
	}
	if got, want := u.status.duty.Text, "带班领导：张三 13812345678　值班员：刘值班 13700000011"; got != want {
		t.Errorf("status bar = %q, want %q", got, want)
	}

	d.setClock(t, "2026-10-03 08:30")
	u.onTick()
	if !strings.Contains(p.heading.Text, "10月3日") || !hasText(p.posts, "孙局长") || hasText(p.posts, "张三") {
		t.Errorf("at 08:30 the panel shows %q %v, want the duty of 3 October", p.heading.Text, texts(p.posts))
	}
	if !strings.Contains(p.heading.Text, "国庆节") {
		t.Errorf("heading %q does not name the holiday", p.heading.Text)
	}
	if got, want := u.status.duty.Text, "带班领导：孙局长 13700000001　值班员：陈值班 13700000012"; got != want {
		t.Errorf("status bar at 08:30 = %q, want %q", got, want)
	}
}

func TestStatusBarSaysPlainlyWhenNoRosterCoversNow(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	u := newTestUI(t, d.store)
	if got := u.status.duty.Text; got != "当前没有值班安排" {
		t.Errorf("status bar = %q with no roster", got)
	}
	if !hasText(u.duty.today.posts, lang.L("duty.nobody_today")) {
		t.Errorf("today panel shows %v with no roster", texts(u.duty.today.posts))
	}
}

func TestTodayListsSubordinateStationsFromPublishedRosters(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	r := d.store.rosters
	r.put(d.qianzhou.ID, "2026-10-03", leader0, d.huang.ID)
	r.put(d.qianzhou.ID, "2026-10-03", officer0, d.lin.ID)
	d.store.identity = d.qianzhou.ID
	if _, err := r.Publish(t.Context(), d.qianzhou.ID, roster.Month{Y: 2026, M: 10}, true); err != nil {
		t.Fatal(err)
	}
	d.store.identity = d.jishou.ID
	u := openDuty(t, d, 0)
	subs := u.duty.today.subs
	if !hasText(subs, "乾州街道") || !hasText(subs, "带班领导：黄镇长 13900000001　值班员：林值班 13900000002") {
		t.Errorf("subordinates show %v, want 乾州街道's leader and officer with phones", texts(subs))
	}
	if !hasText(subs, "石家冲街道") || !hasText(subs, "值班表尚未发布") {
		t.Errorf("a station without a published roster is not marked: %v", texts(subs))
	}
}

func TestCheckInRecordsTheTime(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 08:35")
	d.put("2026-10-03", leader0, d.sun)
	d.put("2026-10-03", officer0, d.chen)
	u := openDuty(t, d, 0)
	p := u.duty.today
	buttons := checkInButtons(p)
	if len(buttons) != 2 {
		t.Fatalf("%d check-in buttons, want one per post", len(buttons))
	}
	test.Tap(buttons[1])
	ins, _ := d.store.rosters.CheckIns(u.ctx, d.jishou.ID, date(t, "2026-10-03"))
	if len(ins) != 1 || ins[0].Person != d.chen.ID || !ins[0].At.Equal(d.now) {
		t.Fatalf("check-ins %+v, want 陈值班 at 08:35", ins)
	}
	if !hasText(p.posts, "已签到 08:35") || len(checkInButtons(p)) != 1 {
		t.Errorf("posts after check-in: %v", texts(p.posts))
	}
}

func checkInButtons(p *todayPanel) []*widget.Button {
	var out []*widget.Button
	walk(p.posts, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == lang.L("duty.check_in") {
			out = append(out, b)
		}
	})
	return out
}

func TestDutyLogEnterAddsEntry(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 10:42")
	d.put("2026-10-03", officer0, d.chen)
	u := openDuty(t, d, 0)
	p := u.duty.today
	p.logKind.SetSelected("指示批示")
	test.Type(p.logText, "州局要求各县区加强国庆值守")
	p.logText.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})

	entries, _ := d.store.rosters.LogEntries(u.ctx, d.jishou.ID, date(t, "2026-10-03"))
	if len(entries) != 1 {
		t.Fatalf("%d entries stored, want 1", len(entries))
	}
	e := entries[0]
	if e.Kind != roster.LogInstruction || e.Text != "州局要求各县区加强国庆值守" || !e.At.Equal(d.now) || e.Author != "陈值班" {
		t.Errorf("stored %+v", e)
	}
	if p.logText.Text != "" {
		t.Errorf("entry keeps %q after saving", p.logText.Text)
	}
	for _, want := range []string{"10:42", "指示批示", "州局要求各县区加强国庆值守"} {
		if !hasText(p.log, want) {
			t.Errorf("log list lacks %q: %v", want, texts(p.log))
		}
	}

	// An empty entry is refused beside the input, not stored.
	p.logText.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !p.logErr.Visible() || p.logErr.Text != "请填写日志内容。" {
		t.Errorf("empty entry: error %q visible %v", p.logErr.Text, p.logErr.Visible())
	}
	if entries, _ := d.store.rosters.LogEntries(u.ctx, d.jishou.ID, date(t, "2026-10-03")); len(entries) != 1 {
		t.Errorf("%d entries after an empty one", len(entries))
	}
}

// TestHandoverRecordsBothNames walks one handover: the outgoing officer
// hands over before 08:30 with two open matters, the incoming one confirms
// after it.
func TestHandoverRecordsBothNames(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 08:20")
	d.put("2026-10-02", leader0, d.zhang)
	d.put("2026-10-02", officer0, d.liu)
	d.put("2026-10-03", leader0, d.sun)
	d.put("2026-10-03", officer0, d.chen)
	u := openDuty(t, d, 0)
	p := u.duty.today

	test.Tap(p.handOver)
	dlg := overlay(t, u)
	test.Type(entries(dlg)[0], "乾州街道滑坡隐患点明早复查\n泸溪县报送的续报待核")
	test.Tap(findButton(t, dlg, "交班"))
	h, err := d.store.rosters.Handover(u.ctx, d.jishou.ID, date(t, "2026-10-02"))
	if err != nil {
		t.Fatalf("no handover stored: %v", err)
	}
	if h.Outgoing != d.liu.ID || h.OutgoingName != "刘值班" || len(h.OpenMatters) != 2 || !h.OutAt.Equal(d.now) {
		t.Errorf("handed over %+v", h)
	}
	if !strings.Contains(p.ownText.Text, "刘值班") || !strings.Contains(p.ownText.Text, "等待接班确认") {
		t.Errorf("own handover reads %q", p.ownText.Text)
	}

	d.setClock(t, "2026-10-03 08:40")
	u.onTick()
	if !p.confirm.Visible() || !strings.Contains(p.prevText.Text, "乾州街道滑坡隐患点明早复查") {
		t.Fatalf("after 08:30 the incoming officer sees %q, confirm shown %v", p.prevText.Text, p.confirm.Visible())
	}
	test.Tap(p.confirm)
	dlg = overlay(t, u)
	if !hasText(dlg, "泸溪县报送的续报待核") {
		t.Errorf("confirm dialog does not show the open matters: %v", texts(dlg))
	}
	test.Tap(findButton(t, dlg, "确认接班"))
	h, _ = d.store.rosters.Handover(u.ctx, d.jishou.ID, date(t, "2026-10-02"))
	if h.Incoming != d.chen.ID || h.IncomingName != "陈值班" || !h.InAt.Equal(d.now) {
		t.Errorf("confirmed %+v, want 陈值班 at 08:40", h)
	}
	want := "上一班：刘值班 10-03 08:20 交班，陈值班 10-03 08:40 接班。"
	if p.prevText.Text != want {
		t.Errorf("handover reads %q, want %q", p.prevText.Text, want)
	}
}

func TestDailyReportHasRosterLogAndOpenMatters(t *testing.T) {
	d := newDutyDemo(t, "2026-10-04 08:10")
	d.put("2026-10-03", leader0, d.sun)
	d.put("2026-10-03", officer0, d.chen)
	ctx := app.WithAuthor(t.Context(), "陈值班")
	r := d.store.rosters
	day := date(t, "2026-10-03")
	if err := r.AddLogEntry(ctx, &roster.LogEntry{Station: d.jishou.ID, Day: day, At: d.now.Add(-time.Hour),
		Kind: roster.LogCall, Text: "泸溪县报告 <一般> 道路交通事故"}); err != nil {
		t.Fatal(err)
	}
	if err := r.HandOver(ctx, &roster.Handover{Station: d.jishou.ID, Day: day, Outgoing: d.chen.ID, OutgoingName: "陈值班",
		OutAt: d.now, OpenMatters: []string{"续报待核"}}); err != nil {
		t.Fatal(err)
	}
	u := openDuty(t, d, 0)
	if !strings.Contains(string(dailyReport(u.duty.today.data, "zh-CN")), "本班未接报事件") {
		t.Error("a report without incidents does not say so")
	}
	u.duty.today.data.incidents = []incident.Incident{{
		ReceivedAt: d.now.Add(-2 * time.Hour), Category: incident.RoadTraffic, Title: "G65 两车相撞",
		Counts: incident.Counts{Dead: 2, Injured: 3}, Provisional: incident.GradeGeneral, Status: incident.StatusOpen,
	}}
	page := string(dailyReport(u.duty.today.data, "zh-CN"))
	for _, want := range []string{"吉首市 值班日报", "10月3日", "国庆节", "孙局长", "13700000001", "陈值班",
		"当日接报事件", "G65 两车相撞", "死亡 2，失踪 0，受伤 3", "一般",
		"值班干部</td><td>空缺", "来电来报", "泸溪县报告 &lt;一般&gt; 道路交通事故", "续报待核", "陈值班 10-04 08:10 交班"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if got, want := reportFileName(u.duty.today.data), "值班日报-吉首市-2026-10-03.html"; got != want {
		t.Errorf("file name %q, want %q", got, want)
	}
}

func TestMyDutiesListsComingAndPast(t *testing.T) {
	d := newDutyDemo(t, "2026-10-10 12:00")
	d.put("2026-10-02", officer0, d.liu)
	d.put("2026-10-06", officer0, d.liu)
	d.put("2026-10-10", officer0, d.liu)
	d.put("2026-10-20", officer0, d.liu)
	d.store.rosters.put(d.qianzhou.ID, "2026-10-25", standby0, d.liu.ID)
	u := openDuty(t, d, 2)
	p := u.duty.mine
	p.personSel.SetSelected("刘值班")
	if len(p.data.upcoming) != 3 || len(p.data.past) != 2 {
		t.Fatalf("%d coming and %d past, want 3 and 2", len(p.data.upcoming), len(p.data.past))
	}
	if !hasText(p.upcoming, "今天 · 10月10日 星期六") {
		t.Errorf("today's duty is not marked: %v", texts(p.upcoming))
	}
	if !hasText(p.upcoming, "乾州街道 · 应急处置人员") {
		t.Errorf("a duty at another station is missing: %v", texts(p.upcoming))
	}
	past := texts(p.past)
	if len(past) < 2 || !strings.HasPrefix(past[0], "10月6日") {
		t.Errorf("past duties %v, want the latest first", past)
	}
}

func TestDailyReportIsSavedToAFile(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 20:00")
	d.put("2026-10-03", leader0, d.sun)
	u := openDuty(t, d, 0)
	path := filepath.Join(t.TempDir(), reportFileName(u.duty.today.data))
	w, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	u.duty.today.writeReport(w)
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(page), "<!DOCTYPE html>") || !strings.Contains(string(page), "孙局长") {
		t.Errorf("saved report is not the day's page: %.200s", page)
	}
	if !strings.Contains(u.duty.today.notice.label.Text, path) {
		t.Errorf("notice %q does not say where the report went", u.duty.today.notice.label.Text)
	}
}

func TestDutyScreenAsksForThisStationFirst(t *testing.T) {
	u := newTestUI(t, newDemo().store) // no station chosen
	if got := u.duty.today.heading.Text; got != lang.L("duty.no_station") {
		t.Errorf("today heading %q without a station", got)
	}
	if !u.duty.today.logAdd.Disabled() || !u.duty.today.report.Disabled() {
		t.Error("the log or the report can be used without a station")
	}
	u.duty.tabs.SelectIndex(1)
	if m := u.duty.month; !m.gridMessage.Visible() || m.gridMessage.Text != lang.L("duty.no_station") || !m.generate.Disabled() {
		t.Errorf("month tab without a station shows %q", m.gridMessage.Text)
	}
}
