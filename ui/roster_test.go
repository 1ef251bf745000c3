package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// cellOf returns the grid's cell for a day of the shown month.
func cellOf(t *testing.T, u *UI, day roster.Date) *dayCell {
	t.Helper()
	for _, c := range u.duty.month.grid.cells {
		if !c.view.blank && c.view.date == day {
			return c
		}
	}
	t.Fatalf("no cell for %s in %s", day, u.duty.month.month)
	return nil
}

// cellText returns a cell's lines as the grid shows them, before cutting.
func cellText(c *dayCell) string {
	var parts []string
	for _, l := range c.view.lines {
		parts = append(parts, l.abbr+" "+l.names)
	}
	return strings.Join(parts, " | ")
}

func findSelect(t *testing.T, root fyne.CanvasObject, placeholderOrSelected string) *widget.Select {
	t.Helper()
	var found *widget.Select
	walk(root, func(o fyne.CanvasObject) {
		if s, ok := o.(*widget.Select); ok && found == nil && (s.Selected == placeholderOrSelected || s.PlaceHolder == placeholderOrSelected) {
			found = s
		}
	})
	if found == nil {
		t.Fatalf("no select showing %q", placeholderOrSelected)
	}
	return found
}

// postRowIn returns the select and the message of a post in the open day
// dialog, found beside the post's label.
func postRowIn(t *testing.T, u *UI, label string) (*widget.Select, *widget.Label) {
	t.Helper()
	var sel *widget.Select
	var msg *widget.Label
	walk(overlay(t, u), func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok || sel != nil {
			return
		}
		for i := 0; i+1 < len(c.Objects); i += 2 {
			l, ok := c.Objects[i].(*widget.Label)
			box, ok2 := c.Objects[i+1].(*fyne.Container)
			if !ok || !ok2 || l.Text != label || len(box.Objects) != 2 {
				continue
			}
			if s, ok := box.Objects[0].(*widget.Select); ok {
				sel, msg = s, box.Objects[1].(*widget.Label)
			}
		}
	})
	if sel == nil {
		t.Fatalf("no post %q in the day dialog: %v", label, texts(overlay(t, u)))
	}
	return sel, msg
}

// tab chooses a tab of the AppTabs under root by its text.
func tab(t *testing.T, root fyne.CanvasObject, text string) {
	t.Helper()
	var found bool
	walk(root, func(o fyne.CanvasObject) {
		if tabs, ok := o.(*container.AppTabs); ok && !found {
			for _, item := range tabs.Items {
				if item.Text == text {
					tabs.Select(item)
					found = true
				}
			}
		}
	})
	if !found {
		t.Fatalf("no tab %q", text)
	}
}

func TestGenerateMonthFillsGridAndShowsGapsAndFairness(t *testing.T) {
	d := newDutyDemo(t, "2026-09-20 10:00")
	u := openDuty(t, d, 1)
	m := u.duty.month
	test.Tap(m.next)
	if m.month != (roster.Month{Y: 2026, M: 10}) || m.title.Text != "2026年10月" {
		t.Fatalf("month %s titled %q after next", m.month, m.title.Text)
	}
	test.Tap(m.generate)
	dlg := overlay(t, u)
	if got := entries(dlg); len(got) != 2 || got[0].Text != "2026-10-01" || got[1].Text != "2026-10-31" {
		t.Fatalf("generate range defaults to %v, want the shown month", texts(dlg))
	}
	test.Tap(findButton(t, dlg, "生成"))

	as, _ := d.store.rosters.Assignments(u.ctx, d.jishou.ID, date(t, "2026-10-01"), date(t, "2026-10-31"))
	if len(as) < 62 {
		t.Fatalf("%d posts filled, want at least a leader and an officer on each of 31 days", len(as))
	}
	for _, a := range as {
		c := cellOf(t, u, a.Day)
		if !strings.Contains(cellText(c), d.store.rosters.f.persons[a.Person].Name) {
			t.Errorf("%s: cell shows %q, lacks the %s", a.Day, cellText(c), a.Post)
		}
	}
	if got := cellText(cellOf(t, u, date(t, "2026-10-12"))); !strings.HasPrefix(got, "领 ") || strings.Contains(got, "空缺") {
		t.Errorf("an ordinary Monday shows %q", got)
	}
	holiday := cellOf(t, u, date(t, "2026-10-01"))
	if holiday.view.info.Name != "国庆节" || !strings.Contains(cellText(holiday), "干 空缺") {
		t.Errorf("National Day shows %q (%s): want the holiday and its empty cadre post", cellText(holiday), holiday.view.info.Name)
	}
	makeup := cellOf(t, u, date(t, "2026-10-10"))
	if makeup.view.info.Kind != roster.Workday {
		t.Errorf("the make-up Saturday is a %v", makeup.view.info.Kind)
	}

	// No one holds the cadre role, so every holiday's cadre post is a gap,
	// explained beside the grid.
	if !hasText(m.alerts, "10月1日 星期四 值班干部 空缺") {
		t.Errorf("gaps tab lacks the cadre gap of 1 October: %v", texts(m.alerts))
	}
	if !hasText(m.alerts, "本站没有人具有值班干部角色") {
		t.Errorf("the gap's reason is not given: %v", texts(m.alerts))
	}
	if !hasText(m.alerts, "已生成 2026-10-01 至 2026-10-31") {
		t.Errorf("no summary of the run: %v", texts(m.alerts))
	}

	// Fairness: every person of the station with their tally.
	counts := map[app.ID]int{}
	for _, a := range as {
		counts[a.Person]++
	}
	for _, p := range []app.Person{d.zhang, d.sun, d.liu, d.chen, d.wu, d.zheng, d.feng} {
		want := p.Name + "　" + strconv.Itoa(counts[p.ID]) + " 次"
		if !hasText(m.fairness, want) {
			t.Errorf("fairness lacks %q: %v", want, texts(m.fairness))
		}
	}
}

func TestEditPostStoresItOrShowsWhyNot(t *testing.T) {
	d := newDutyDemo(t, "2026-10-12 10:00")
	d.put("2026-10-12", leader0, d.zhang)
	ctx := setupContext(t)
	if err := d.store.rosters.CreateAbsence(ctx, &roster.Absence{Station: d.jishou.ID, Person: d.sun.ID,
		From: date(t, "2026-10-12"), To: date(t, "2026-10-13"), Reason: roster.ReasonLeave}); err != nil {
		t.Fatal(err)
	}
	u := openDuty(t, d, 1)
	test.Tap(cellOf(t, u, date(t, "2026-10-12")))
	sel, msg := postRowIn(t, u, "带班领导")
	if got := strings.Join(sel.Options, " "); got != "（空缺） 孙局长 张三" {
		t.Errorf("leader choices %q: want only the station's leaders", got)
	}
	sel.SetSelected("孙局长")
	if !msg.Visible() || msg.Text != "孙局长 当天请假（2026-10-12 至 2026-10-13）。" {
		t.Errorf("beside the post: %q (visible %v)", msg.Text, msg.Visible())
	}
	if sel.Selected != "张三" || d.store.rosters.holder(d.jishou.ID, "2026-10-12", leader0) != d.zhang.ID {
		t.Errorf("a refused change shows %q and stores %v", sel.Selected, d.store.rosters.holder(d.jishou.ID, "2026-10-12", leader0))
	}
	test.Tap(findButton(t, overlay(t, u), "关闭"))

	test.Tap(cellOf(t, u, date(t, "2026-10-15")))
	sel, _ = postRowIn(t, u, "带班领导")
	if sel.Selected != "（空缺）" {
		t.Errorf("an empty post shows %q", sel.Selected)
	}
	test.Type(entryWithPlaceholder(t, overlay(t, u), "修改原因（可不填），记入修改记录"), "张三出差回来")
	sel.SetSelected("张三")
	if got := d.store.rosters.holder(d.jishou.ID, "2026-10-15", leader0); got != d.zhang.ID {
		t.Fatalf("leader of 15 October is %v after choosing 张三", got)
	}
	if got := cellText(cellOf(t, u, date(t, "2026-10-15"))); !strings.Contains(got, "领 张三") {
		t.Errorf("grid shows %q after the edit", got)
	}
	tab(t, overlay(t, u), "修改记录")
	for _, want := range []string{"值班员甲", "带班领导：空缺 → 张三", "原因：张三出差回来"} {
		if !hasText(overlay(t, u), want) {
			t.Errorf("history lacks %q: %v", want, texts(overlay(t, u)))
		}
	}
}

// setupContext is the context a test uses to set up its data.
func setupContext(t *testing.T) context.Context {
	return app.WithAuthor(t.Context(), "测试")
}

func TestSwapTakesEffectOnlyWithALeadersApproval(t *testing.T) {
	d := newDutyDemo(t, "2026-10-09 10:00")
	d.put("2026-10-12", officer0, d.liu)
	d.put("2026-10-14", officer0, d.chen)
	u := openDuty(t, d, 1)
	m := u.duty.month

	test.Tap(cellOf(t, u, date(t, "2026-10-12")))
	dlg := overlay(t, u)
	tab(t, dlg, "换班")
	findSelect(t, dlg, "选择岗位").SetSelected("值班员 · 刘值班")
	test.Type(entryWithPlaceholder(t, dlg, "对方值班日期，如 2026-10-05"), "2026-10-14")
	var other *widget.Select
	walk(dlg, func(o fyne.CanvasObject) {
		if s, ok := o.(*widget.Select); ok && len(s.Options) == 1 && s.Options[0] == "值班员 · 陈值班" {
			other = s
		}
	})
	if other == nil {
		t.Fatalf("the other day's posts are not offered: %v", texts(dlg))
	}
	other.SetSelected("值班员 · 陈值班")
	test.Type(entryWithPlaceholder(t, dlg, "例如 家中有事"), "孩子生病")
	test.Tap(findButton(t, dlg, "提交换班申请"))
	if !hasText(dlg, "待批准：10-12 值班员 刘值班 ⇄ 10-14 值班员 陈值班") {
		t.Errorf("the request is not shown as pending: %v", texts(dlg))
	}
	if d.store.rosters.holder(d.jishou.ID, "2026-10-12", officer0) != d.liu.ID {
		t.Error("the swap took effect before approval")
	}
	test.Tap(findButton(t, dlg, "关闭"))

	if m.swapsTab.Text != "换班 1" {
		t.Errorf("swaps tab reads %q", m.swapsTab.Text)
	}
	test.Tap(findButton(t, m.swaps, "审批"))
	dlg = overlay(t, u)
	leader := findSelect(t, dlg, "选择带班领导")
	if got := strings.Join(leader.Options, " "); got != "孙局长 张三" {
		t.Errorf("approvers offered: %q, want the station's leaders only", got)
	}
	// The directory changed since the screen loaded: 孙局长 is no longer a
	// leader, and the service refuses his approval.
	sun := d.sun
	sun.Roles = []app.Role{app.RoleCadre}
	d.store.persons[sun.ID] = sun
	leader.SetSelected("孙局长")
	test.Tap(findButton(t, dlg, "批准"))
	if !hasText(dlg, "只有本站的带班领导可以批准或驳回换班。") {
		t.Errorf("a non-leader's approval is not refused: %v", texts(dlg))
	}
	if d.store.rosters.holder(d.jishou.ID, "2026-10-12", officer0) != d.liu.ID {
		t.Fatal("a non-leader's approval changed the roster")
	}
	leader.SetSelected("张三")
	test.Tap(findButton(t, dlg, "批准"))
	if d.store.rosters.holder(d.jishou.ID, "2026-10-12", officer0) != d.chen.ID ||
		d.store.rosters.holder(d.jishou.ID, "2026-10-14", officer0) != d.liu.ID {
		t.Fatal("approval did not exchange both posts")
	}
	if !strings.Contains(cellText(cellOf(t, u, date(t, "2026-10-12"))), "值 陈值班") {
		t.Errorf("grid not updated: %q", cellText(cellOf(t, u, date(t, "2026-10-12"))))
	}
	if m.swapsTab.Text != "换班 0" {
		t.Errorf("swaps tab reads %q after approval", m.swapsTab.Text)
	}
	test.Tap(cellOf(t, u, date(t, "2026-10-14")))
	tab(t, overlay(t, u), "修改记录")
	if !hasText(overlay(t, u), "值班员：陈值班 → 刘值班") || !hasText(overlay(t, u), "经批准的换班：孩子生病") {
		t.Errorf("history of 14 October: %v", texts(overlay(t, u)))
	}
}

func TestPublishChangesTheStateLabel(t *testing.T) {
	d := newDutyDemo(t, "2026-10-09 10:00")
	d.put("2026-10-12", leader0, d.zhang)
	u := openDuty(t, d, 1)
	m := u.duty.month
	if m.state.Text != "草稿" {
		t.Fatalf("state %q before publishing", m.state.Text)
	}
	test.Tap(m.publish)
	dlg := overlay(t, u)
	if !hasText(dlg, "2026年10月 还有") {
		t.Fatalf("publishing with gaps is not confirmed: %v", texts(dlg))
	}
	test.Tap(findButton(t, dlg, "仍然发布"))
	if !strings.HasPrefix(m.state.Text, "已发布") || !strings.Contains(m.state.Text, "值班员甲") {
		t.Errorf("state %q after publishing", m.state.Text)
	}
	if m.publish.Text != "再次发布" {
		t.Errorf("publish button reads %q", m.publish.Text)
	}
	if !hasText(m.notice.label, "已通知 1 人") {
		t.Errorf("notice %q", m.notice.label.Text)
	}
}

func TestSubordinateRosterIsReadOnlyAndShownOncePublished(t *testing.T) {
	d := newDutyDemo(t, "2026-10-09 10:00")
	r := d.store.rosters
	r.put(d.qianzhou.ID, "2026-10-12", leader0, d.huang.ID)
	u := openDuty(t, d, 1)
	m := u.duty.month
	m.stationSel.SetSelected("乾州街道")
	if !m.gridMessage.Visible() || !strings.Contains(m.gridMessage.Text, "尚未发布") {
		t.Errorf("an unpublished month below shows %q", m.gridMessage.Text)
	}
	if strings.Contains(cellText(cellOf(t, u, date(t, "2026-10-12"))), "黄镇长") {
		t.Error("a draft of a station below is shown")
	}
	d.store.identity = d.qianzhou.ID
	if _, err := r.Publish(t.Context(), d.qianzhou.ID, roster.Month{Y: 2026, M: 10}, true); err != nil {
		t.Fatal(err)
	}
	d.store.identity = d.jishou.ID
	m.load()
	if !strings.Contains(cellText(cellOf(t, u, date(t, "2026-10-12"))), "领 黄镇长") {
		t.Errorf("published month below shows %q", cellText(cellOf(t, u, date(t, "2026-10-12"))))
	}
	if !m.generate.Disabled() || !m.publish.Disabled() || !m.rules.Disabled() || !m.readOnly.Visible() {
		t.Error("a station below can be generated, published or edited")
	}
	test.Tap(cellOf(t, u, date(t, "2026-10-12")))
	sel, _ := postRowIn(t, u, "带班领导")
	if !sel.Disabled() || sel.Selected != "黄镇长" {
		t.Errorf("post of a station below: %q, disabled %v", sel.Selected, sel.Disabled())
	}
}

func TestRulesDialogSavesSettingsAndAbsences(t *testing.T) {
	d := newDutyDemo(t, "2026-10-09 10:00")
	u := openDuty(t, d, 1)
	test.Tap(u.duty.month.rules)
	dlg := overlay(t, u)
	e := entryWithPlaceholder(t, dlg, "08:30")
	e.SetText("9:00")
	test.Tap(findButton(t, dlg, "保存"))
	s, _ := d.store.rosters.Settings(u.ctx, d.jishou.ID)
	if s.Handover != 9*60 {
		t.Errorf("handover stored as %s", s.Handover)
	}
	e.SetText("25:00")
	test.Tap(findButton(t, dlg, "保存"))
	if got := besideField(t, dlg, e); !strings.Contains(strings.Join(got, " "), "交接班时间格式为 08:30") {
		t.Errorf("beside the handover time: %v", got)
	}

	tab(t, dlg, "请假与出差")
	findSelect(t, dlg, "选择人员").SetSelected("刘值班")
	dates := entriesWithPlaceholder(dlg, "2026-06-01")
	dates[len(dates)-2].SetText("2026-10-20")
	dates[len(dates)-1].SetText("2026-10-22")
	test.Tap(findButton(t, dlg, "添加"))
	abs, _ := d.store.rosters.Absences(u.ctx, roster.AbsenceFilter{Person: &d.liu.ID})
	if len(abs) != 1 || abs[0].Reason != roster.ReasonLeave || abs[0].From != date(t, "2026-10-20") {
		t.Fatalf("absences %+v", abs)
	}
	if !hasText(dlg, "刘值班 请假 2026-10-20 至 2026-10-22") {
		t.Errorf("absence not listed: %v", texts(dlg))
	}
}

func entriesWithPlaceholder(root fyne.CanvasObject, placeholder string) []*widget.Entry {
	var out []*widget.Entry
	walk(root, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && e.PlaceHolder == placeholder {
			out = append(out, e)
		}
	})
	return out
}

func TestHistoryTranslatesTheStoresOwnReasons(t *testing.T) {
	for _, c := range []struct {
		change roster.Change
		want   string
	}{
		{roster.Change{Reason: "generated"}, "自动生成"},
		{roster.Change{Reason: "imported from 2026-10.xlsx"}, "从 2026-10.xlsx 导入"},
		{roster.Change{Reason: "swap: 家中有事", Swap: app.NewID()}, "经批准的换班：家中有事"},
		{roster.Change{Reason: "swap", Swap: app.NewID()}, "经批准的换班"},
		{roster.Change{Reason: "张三出差"}, "原因：张三出差"},
		{roster.Change{}, ""},
	} {
		if got := changeReason(c.change); got != c.want {
			t.Errorf("reason %q reads %q, want %q", c.change.Reason, got, c.want)
		}
	}
}
