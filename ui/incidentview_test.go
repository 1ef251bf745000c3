package ui

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// intake files an incident through the form: a road accident with the
// given dead, received now, and leaves its view open.
func intake(t *testing.T, u *UI, dead string) *incidentView {
	t.Helper()
	f := u.incidents.form
	u.incidents.closeIncident()
	u.incidents.tabs.SelectIndex(0)
	fill(t, f, incident.RoadTraffic)
	test.Type(f.counts["counts.dead"], dead)
	test.Tap(f.save)
	v := u.incidents.view
	if v.id == app.NilID || !v.loaded {
		t.Fatalf("the incident was not saved and shown: %v", texts(f.content))
	}
	return v
}

// listRows returns the rendered rows of a list, top to bottom: the
// outermost containers of its items.
func listRows(l *widget.List) []*fyne.Container {
	var rows []*fyne.Container
	var find func(o fyne.CanvasObject)
	find = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch c := o.(type) {
		case *fyne.Container:
			if isRow(c) {
				rows = append(rows, c)
				return
			}
			for _, child := range c.Objects {
				find(child)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(c).Objects() {
				find(child)
			}
		}
	}
	find(l)
	d := fyne.CurrentApp().Driver()
	sort.SliceStable(rows, func(i, j int) bool {
		return d.AbsolutePositionForObject(rows[i]).Y < d.AbsolutePositionForObject(rows[j]).Y
	})
	return rows
}

// isRow reports whether c is the top container of a list row: a border
// whose centre is a label.
func isRow(c *fyne.Container) bool {
	if len(c.Objects) < 2 || fmt.Sprintf("%T", c.Layout) != "*layout.borderLayout" {
		return false
	}
	_, ok := c.Objects[0].(*widget.Label)
	return ok
}

// taskRow returns the row of the view's task list whose text contains s.
func taskRow(t *testing.T, v *incidentView, s string) *fyne.Container {
	t.Helper()
	v.tabs.SelectIndex(0)
	for _, r := range listRows(v.tasks) {
		if strings.Contains(strings.Join(texts(r), " "), s) {
			return r
		}
	}
	t.Fatalf("no task row with %q among %d rows", s, len(listRows(v.tasks)))
	return nil
}

// rowState is the countdown or state label of a task row and its colour.
func rowState(r *fyne.Container) *widget.Label { return r.Objects[1].(*widget.Label) }

func writeInitialReport(t *testing.T, u *UI, v *incidentView, text string, figures bool) {
	t.Helper()
	v.tabs.SelectIndex(1)
	test.Tap(v.newInitial)
	d := overlay(t, u)
	e := anyEntries(d)[0]
	e.SetText(text)
	if !figures {
		findCheck(t, d, "本报告写明伤亡和损失（将更新事件数字并重新定级）").SetChecked(false)
	}
	test.Tap(findButton(t, d, "保存报告"))
	if u.win.Canvas().Overlays().Top() != nil {
		t.Fatalf("the report dialog stayed open: %v", texts(d))
	}
}

// anyEntries returns every text entry under root in layout order, whatever
// widget wraps it.
func anyEntries(root fyne.CanvasObject) []*widget.Entry {
	var out []*widget.Entry
	walk(root, func(o fyne.CanvasObject) {
		switch e := o.(type) {
		case *widget.Entry:
			out = append(out, e)
		case *formEntry:
			out = append(out, &e.Entry)
		case *widget.SelectEntry:
			out = append(out, &e.Entry)
		}
	})
	return out
}

func sign(t *testing.T, u *UI, v *incidentView, leader string) {
	t.Helper()
	test.Tap(findButton(t, taskRow(t, v, "书面"), "签发"))
	d := overlay(t, u)
	e := anyEntries(d)[0]
	e.SetText(leader)
	test.Tap(findButton(t, d, "签发"))
}

func TestTimelineShowsEveryEventInOrder(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "3")
	d.setClock(t, "2026-10-03 03:10")
	writeInitialReport(t, u, v, "G65 吉首段两车追尾，3 人死亡。", true)
	d.setClock(t, "2026-10-03 03:20")
	sign(t, u, v, "张三")
	d.setClock(t, "2026-10-03 03:30")
	test.Tap(findButton(t, taskRow(t, v, "书面"), "报送"))
	// The report leaves out the time of the event: sending asks first.
	test.Tap(findButton(t, overlay(t, u), "仍然报送"))

	v.tabs.SelectIndex(2)
	var got []string
	for _, r := range listRows(v.timeline) {
		left := r.Objects[1].(*fyne.Container)
		got = append(got, left.Objects[0].(*widget.Label).Text+" "+left.Objects[1].(*widget.Label).Text+" "+left.Objects[2].(*widget.Label).Text)
	}
	want := []string{
		"10-03 03:00 接报 值班员甲（吉首市）",
		"10-03 03:00 初判等级 值班员甲（吉首市）",
		"10-03 03:00 生成报送任务 值班员甲（吉首市）",
		"10-03 03:10 初报 值班员甲（吉首市）",
		"10-03 03:20 签发 值班员甲（吉首市）",
		"10-03 03:30 报送 值班员甲（吉首市）",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTaskCountdownTurnsRedWhenOverdue(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "3")
	strip := u.incidents.strip

	stripState := func() *widget.Label {
		rows := listRows(strip.list)
		if len(rows) != 1 {
			t.Fatalf("the strip shows %d reports due, want the county's one to the prefecture", len(rows))
		}
		return rows[0].Objects[1].(*widget.Label)
	}
	if l := stripState(); l.Text != "剩余 2:00:00" || l.Importance != widget.WarningImportance {
		t.Errorf("just received: %q (importance %v)", l.Text, l.Importance)
	}
	if strip.heading.Text != "待报任务 1 项，超时 0 项" {
		t.Errorf("strip heading %q", strip.heading.Text)
	}

	d.setClock(t, "2026-10-03 04:59:30")
	u.incidents.onSecond()
	if l := rowState(taskRow(t, v, "书面")); l.Text != "剩余 00:30" || l.Importance != widget.WarningImportance {
		t.Errorf("30 s before the deadline the task reads %q (importance %v)", l.Text, l.Importance)
	}

	d.setClock(t, "2026-10-03 05:00:01")
	u.incidents.onSecond()
	if l := rowState(taskRow(t, v, "书面")); l.Text != "超时 00:01" || l.Importance != widget.DangerImportance {
		t.Errorf("1 s past the deadline the task reads %q (importance %v), want red", l.Text, l.Importance)
	}
	u.incidents.closeIncident()
	if l := stripState(); l.Text != "超时 00:01" || l.Importance != widget.DangerImportance {
		t.Errorf("the strip reads %q (importance %v), want red", l.Text, l.Importance)
	}
	if b := u.status.tasks; !b.Visible() || b.Text != "待报 1 项 · 超时 1 项" || b.Importance != widget.DangerImportance {
		t.Errorf("the status bar reads %q (shown %v, importance %v)", b.Text, b.Visible(), b.Importance)
	}
}

func TestPendingReportsPanelForOtherScreens(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "3")
	id := v.id
	u.incidents.closeIncident()
	panel := u.pendingReportsPanel()
	test.NewTempWindow(t, panel).Resize(fyne.NewSize(800, 300))
	if !hasText(panel, "待报任务 1 项，超时 0 项") {
		t.Fatalf("the panel says %q", texts(panel))
	}
	var list *widget.List
	walk(panel, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.List); ok {
			list = l
		}
	})
	list.Select(0)
	if u.incidents.view.id != id || u.nav.current != "incidents" {
		t.Error("choosing a row does not open its incident")
	}
}

func TestCountdownsTickOnlyWhileTheScreenIsInView(t *testing.T) {
	var tickers []<-chan struct{}
	old := everySecond
	everySecond = func(stop <-chan struct{}, f func()) { tickers = append(tickers, stop) }
	t.Cleanup(func() { everySecond = old })
	running := func() int {
		n := 0
		for _, stop := range tickers {
			select {
			case <-stop:
			default:
				n++
			}
		}
		return n
	}
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	if running() != 1 {
		t.Fatalf("%d tickers with the screen in view, want 1", running())
	}
	u.nav.open("directory")
	if running() != 0 {
		t.Errorf("%d tickers left running with another screen in view", running())
	}
	u.nav.open("incidents")
	if running() != 1 || len(tickers) != 2 {
		t.Errorf("back on the screen: %d running of %d started, want 1 of 2", running(), len(tickers))
	}
}

func TestReportSentLateIsRecordedAsLate(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "3")
	test.Type(u.incidents.form.occurred, "") // the form is empty again
	writeInitialReport(t, u, v, "3 人死亡。", true)
	sign(t, u, v, "张三")
	d.setClock(t, "2026-10-03 05:10")
	test.Tap(findButton(t, taskRow(t, v, "书面"), "报送"))
	test.Tap(findButton(t, overlay(t, u), "仍然报送"))
	if l := rowState(taskRow(t, v, "书面")); l.Text != "迟报 10-03 05:10" || l.Importance != widget.DangerImportance {
		t.Errorf("a report sent 10 minutes late reads %q (importance %v)", l.Text, l.Importance)
	}
	tasks, _ := d.svc.Tasks(u.ctx, incident.TaskFilter{Incident: &v.id})
	if len(tasks) == 0 || !tasks[0].Late {
		t.Error("the task is not recorded as late")
	}
}

func TestMissingFieldsAreListedBeforeSending(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "3")

	v.tabs.SelectIndex(1)
	test.Tap(v.newInitial)
	dlg := overlay(t, u)
	findCheck(t, dlg, "本报告写明伤亡和损失（将更新事件数字并重新定级）").SetChecked(false)
	if !hasText(dlg, "缺少法定要素：发生时间、伤亡人数、直接经济损失") {
		t.Errorf("while writing, the omissions are not listed: %q", texts(dlg))
	}
	test.Tap(findButton(t, dlg, "保存报告"))
	if !hasText(v.content, "缺：发生时间、伤亡人数、直接经济损失") {
		t.Errorf("the report row does not list what it leaves out: %q", texts(v.content))
	}
	sign(t, u, v, "张三")
	test.Tap(findButton(t, taskRow(t, v, "书面"), "报送"))
	ask := overlay(t, u)
	if !hasText(ask, "发生时间、伤亡人数、直接经济损失") {
		t.Fatalf("sending does not list the omissions first: %q", texts(ask))
	}
	test.Tap(findButton(t, ask, "取消"))
	if l := rowState(taskRow(t, v, "书面")); !strings.HasPrefix(l.Text, "剩余") {
		t.Errorf("after cancelling, the task reads %q; it should still wait", l.Text)
	}
}

func TestGradeOverrideNeedsAWrittenReason(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "2")
	if !hasText(v.content, "重点关注：亡 2 人一般事故") {
		t.Errorf("the view does not flag the focus case: %q", texts(v.content))
	}

	test.Tap(v.override)
	dlg := overlay(t, u)
	findSelect(t, dlg, "一般").SetSelected("较大")
	anyEntries(dlg)[0].SetText("张三")
	test.Tap(findButton(t, dlg, "调整等级"))
	od := dlg
	var reason *formEntry
	walk(od, func(o fyne.CanvasObject) {
		if e, ok := o.(*formEntry); ok {
			reason = e
		}
	})
	if got := errorNear(t, od, reason); !slicesContain(got, "请写明理由") {
		t.Fatalf("beside the reason: %q", got)
	}
	if inc := d.svc.only(); inc.Grade != 0 {
		t.Fatal("the grade changed without a reason")
	}
	test.Type(reason, "涉及校车，社会影响大")
	test.Tap(findButton(t, od, "调整等级"))
	inc := d.svc.only()
	if inc.Grade != incident.GradeLarge || inc.GradedBy != "张三" || inc.GradeReason != "涉及校车，社会影响大" {
		t.Errorf("after the override: grade %v by %q for %q", inc.Grade, inc.GradedBy, inc.GradeReason)
	}
	if !strings.Contains(v.grading.Text, "带班领导 张三 于 10-03 03:00 定为较大，理由：涉及校车，社会影响大") {
		t.Errorf("the view says %q", v.grading.Text)
	}
	if v.gradeName.Text != "较大" || v.gradeBox.FillColor != gradeColor(incident.GradeLarge) {
		t.Errorf("the header shows %q in %v", v.gradeName.Text, v.gradeBox.FillColor)
	}
}

func TestConfirmGradeByTheLeaderOnDuty(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "3")
	if !strings.Contains(v.grading.Text, "初判 较大：死亡 3 人（≥3）") || !strings.Contains(v.grading.Text, "待带班领导确认") {
		t.Errorf("before confirming the view says %q", v.grading.Text)
	}
	test.Tap(v.confirm)
	dlg := overlay(t, u)
	anyEntries(dlg)[0].SetText("")
	test.Tap(findButton(t, dlg, "确认等级"))
	if !hasText(dlg, "请填写带班领导姓名") {
		t.Fatalf("confirming without a name: %q", texts(dlg))
	}
	anyEntries(dlg)[0].SetText("张三")
	test.Tap(findButton(t, dlg, "确认等级"))
	if inc := d.svc.only(); inc.Grade != incident.GradeLarge || inc.GradedBy != "张三" {
		t.Errorf("confirmed %v by %q", inc.Grade, inc.GradedBy)
	}
}

func TestFollowUpWithMoreDeadRaisesTheGradeAndAddsReports(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "3")
	writeInitialReport(t, u, v, "3 人死亡。", true)
	d.setClock(t, "2026-10-03 05:00")
	v.tabs.SelectIndex(1)
	test.Tap(v.newFollowUp)
	dlg := overlay(t, u)
	var dead *formEntry
	walk(dlg, func(o fyne.CanvasObject) {
		if e, ok := o.(*formEntry); ok && e.Text == "3" && dead == nil {
			dead = e
		}
	})
	dead.SetText("12")
	test.Tap(findButton(t, dlg, "保存报告"))
	if v.gradeName.Text != "重大" {
		t.Errorf("after a follow-up with 12 dead the header shows %q", v.gradeName.Text)
	}
	if !hasText(v.content, "续报") {
		t.Error("the follow-up is not listed")
	}
	tasks, _ := d.svc.Tasks(u.ctx, incident.TaskFilter{Incident: &v.id})
	phone := 0
	for _, tk := range tasks {
		if tk.Mode == incident.ModePhone {
			phone++
		}
	}
	if phone == 0 {
		t.Error("a major incident adds phone reports; none were created")
	}
}

// The events a consultation about the incident writes show on its
// timeline under their own names, with the figures worded in the
// window's language.
func TestTimelineShowsConsultationEvents(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	v := intake(t, u, "3")
	id := v.data.inc.ID
	cid := app.NewID()
	at := d.now
	add := func(min int, kind incident.EventKind, f incident.ConsultFacts) {
		f.Consultation, f.Title = cid, "追尾会商"
		ev := incident.NewEvent(id, d.jishou.ID, at.Add(time.Duration(min)*time.Minute), "值班员甲", kind, "english detail")
		ev.Consult = &f
		d.svc.mu.Lock()
		d.svc.events = append(d.svc.events, ev)
		d.svc.mu.Unlock()
	}
	add(1, incident.EventConsultStarted, incident.ConsultFacts{Invited: []app.ID{d.xiangxi.ID}})
	add(2, incident.EventConsultRoll, incident.ConsultFacts{Present: 1, Late: 2, Absent: 3})
	add(3, incident.EventConsultEnded, incident.ConsultFacts{Participants: []app.ID{d.xiangxi.ID}, Duration: 75 * time.Minute})
	v.load()
	v.tabs.SelectIndex(2)
	var got []string
	for _, r := range listRows(v.timeline) {
		left := r.Objects[1].(*fyne.Container)
		if k := left.Objects[1].(*widget.Label).Text; strings.Contains(k, "会商") || strings.Contains(k, "点名") {
			got = append(got, k+"｜"+r.Objects[0].(*widget.Label).Text)
		}
	}
	want := []string{
		"会商开始｜视频会商「追尾会商」开始，邀请：湘西州",
		"点名结果｜视频会商「追尾会商」点名：到会 1，迟到 2，缺席 3",
		"会商结束｜视频会商「追尾会商」结束，历时1小时15分钟，参会：湘西州",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
