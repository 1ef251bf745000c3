package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app/incident"
)

func TestIntakeInvalidFigureShowsCorrectInsteadOfALowerGrade(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	f.category.SetSelected(categoryChoice(incident.RoadTraffic))

	test.Type(f.counts["counts.dead"], "3a")
	if f.gradeName.Text != "请更正" {
		t.Errorf("with 死亡 3a the grade reads %q, want 请更正", f.gradeName.Text)
	}
	if f.gradeFigure.Text != "死亡「3a」有误，请更正后再定等级" {
		t.Errorf("the line under the grade reads %q, want it to name 死亡 and what was typed", f.gradeFigure.Text)
	}
	typeInto(f.counts["counts.dead"], "3")
	if f.gradeName.Text != "较大" {
		t.Errorf("once corrected to 3 the grade reads %q, want 较大", f.gradeName.Text)
	}

	typeInto(f.counts["counts.injured"], "-1")
	if f.gradeName.Text != "请更正" || f.gradeFigure.Text != "轻伤「-1」有误，请更正后再定等级" {
		t.Errorf("with 轻伤 -1: %q, %q", f.gradeName.Text, f.gradeFigure.Text)
	}
	typeInto(f.counts["counts.injured"], "")
	typeInto(f.loss, "12万")
	if f.gradeName.Text != "请更正" || f.gradeFigure.Text != "直接经济损失（万元）「12万」有误，请更正后再定等级" {
		t.Errorf("with a loss of 12万: %q, %q", f.gradeName.Text, f.gradeFigure.Text)
	}
}

func TestIntakeFiguresStayPutAsHintsAndErrorsComeAndGo(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	u.win.Resize(fyne.NewSize(1366, 768))
	f := u.incidents.form
	drv := fyne.CurrentApp().Driver()
	where := func() map[string]fyne.Position {
		// Within the form, not the window: moving the cursor to a field at
		// fault may scroll the form, which is not the form moving about.
		origin := drv.AbsolutePositionForObject(f.formArea.Content)
		at := func(o fyne.CanvasObject) fyne.Position { return drv.AbsolutePositionForObject(o).Subtract(origin) }
		out := map[string]fyne.Position{"loss": at(f.loss), "save": at(f.save)}
		for _, field := range countFields {
			out[field] = at(f.counts[field])
		}
		return out
	}
	fill(t, f, incident.RoadTraffic)
	before := where()

	steps := []struct {
		what string
		do   func()
	}{
		{"2 dead, the focus flag shown", func() { typeInto(f.counts["counts.dead"], "2") }},
		{"3 dead, the focus flag gone", func() { typeInto(f.counts["counts.dead"], "3") }},
		{"a flood with 3 dead and 9 missing, direct report flagged", func() {
			f.category.SetSelected(categoryChoice(incident.Flood))
			typeInto(f.counts["counts.missing"], "9")
		}},
		{"3a dead, 请更正", func() { typeInto(f.counts["counts.dead"], "3a") }},
		{"the save refused on 3a", func() { test.Tap(f.save) }},
		{"a loss error", func() { typeInto(f.counts["counts.dead"], "3"); typeInto(f.loss, "x"); test.Tap(f.save) }},
		{"all cleared", func() {
			typeInto(f.loss, "")
			typeInto(f.counts["counts.missing"], "")
			typeInto(f.counts["counts.dead"], "")
		}},
	}
	for _, step := range steps {
		step.do()
		for name, at := range where() {
			if at != before[name] {
				t.Errorf("after %s, %s moved from %v to %v", step.what, name, before[name], at)
			}
		}
	}
}

func TestIntakeNowButtonIsOutOfTheTabOrderAndASpaceNeverPressesIt(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	c := u.win.Canvas()

	if _, ok := any(f.setNow).(fyne.Focusable); ok {
		t.Fatal("现在 can take the keyboard focus")
	}
	c.Focus(f.received)
	c.FocusNext()
	if c.Focused() != f.occurred {
		t.Errorf("Tab from 接报时间 goes to %v, want 发生时间", describe(c.Focused()))
	}

	typeInto(f.received, "2026-10-02 21:15")
	c.Focus(f.received)
	c.FocusNext()
	test.Type(f.occurred, "2026-10-02 21:00")
	if f.received.Text != "2026-10-02 21:15" {
		t.Errorf("typing on after the time received changed it to %q", f.received.Text)
	}

	test.Tap(f.setNow)
	if f.received.Text != "2026-10-03 03:00" {
		t.Errorf("clicking 现在 set the time received to %q, want the clock's 2026-10-03 03:00", f.received.Text)
	}
}

func TestIntakeDeadlinesShowAsTheFormIsFilled(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	typeInto(f.received, "2026-10-03 02:50")
	fill(t, f, incident.RoadTraffic)
	if want := "04:50 前书面初报 → 湘西州（接报后 2 小时内）"; f.deadlines.Text != want {
		t.Errorf("a general road accident received at 02:50: deadlines %q, want %q", f.deadlines.Text, want)
	}

	typeInto(f.counts["counts.dead"], "12")
	want := "03:20 前电话初报 → 湘西州、省级、应急管理部（接报后 30 分钟内）\n" +
		"03:50 前书面初报 → 湘西州、省级、应急管理部（接报后 1 小时内）"
	if f.deadlines.Text != want {
		t.Errorf("12 dead, a major accident: deadlines %q, want %q", f.deadlines.Text, want)
	}
	typeInto(f.counts["counts.dead"], "3a")
	if f.deadlines.Text != "更正数字后计算报送时限" {
		t.Errorf("with a figure to correct the deadlines read %q", f.deadlines.Text)
	}
	typeInto(f.received, "")
	typeInto(f.counts["counts.dead"], "12")
	if f.deadlines.Text != "填写接报时间后计算报送时限" {
		t.Errorf("with no time received the deadlines read %q", f.deadlines.Text)
	}
	typeInto(f.received, "2026-10-02 23:50")
	if !strings.HasPrefix(f.deadlines.Text, "10-03 00:20 前电话初报") {
		t.Errorf("a deadline past midnight shows without its date: %q", f.deadlines.Text)
	}

	// What the form showed is what the service sets on saving.
	typeInto(f.received, "2026-10-03 02:50")
	test.Tap(f.save)
	tasks, err := d.svc.Tasks(u.ctx, incident.TaskFilter{})
	if err != nil || len(tasks) == 0 {
		t.Fatalf("saved tasks: %v, %v", tasks, err)
	}
	loc := shanghai(t)
	for _, task := range tasks {
		if task.From != d.jishou.ID {
			continue
		}
		if at := task.Due.In(loc).Format("15:04"); at != "03:20" && at != "03:50" {
			t.Errorf("the saved %s task to %v is due at %s, not a time the form showed", task.Mode, task.To, at)
		}
	}
}

func TestIncidentViewShowsTheDescriptionTyped(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	test.Type(f.description, "两辆货车追尾后起火，交警、消防已到场。")
	v := intake(t, u, "1")
	want := "事件概况：两辆货车追尾后起火，交警、消防已到场。"
	if !slicesContain(texts(v.content), want) {
		t.Errorf("the incident view shows %q, not %q", texts(v.content), want)
	}

	v = intake(t, u, "0")
	if !slicesContain(texts(v.content), "事件概况：未填写") {
		t.Errorf("with no description the view shows %q, want it to say none was given", texts(v.content))
	}
}

func TestIntakeLossNotYetKnownStaysUnknown(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	if f.loss.PlaceHolder != "未知" {
		t.Errorf("the empty loss field reads %q, want 未知", f.loss.PlaceHolder)
	}
	v := intake(t, u, "1")
	if !strings.HasSuffix(v.facts.Text, "死亡 1 人 · 直接经济损失 未知") {
		t.Errorf("a loss never given shows as %q, want 未知", v.facts.Text)
	}
	if draft := reportDraft(&v.data.inc, v.base()); !strings.Contains(draft, "直接经济损失未知。") || strings.Contains(draft, "约 0") {
		t.Errorf("the report draft reads %q, want the loss 未知", draft)
	}

	typeInto(f.loss, "12.5")
	v = intake(t, u, "1")
	if !strings.HasSuffix(v.facts.Text, "死亡 1 人 · 直接经济损失 12.5 万元") {
		t.Errorf("a loss of 12.5 万元 shows as %q", v.facts.Text)
	}
	if draft := reportDraft(&v.data.inc, v.base()); !strings.Contains(draft, "直接经济损失约 12.5 万元。") {
		t.Errorf("the report draft reads %q, want 约 12.5 万元", draft)
	}
}

// placeSearch opens the place picker from the form and returns its search
// field.
func placeSearch(t *testing.T, u *UI) *widget.Entry {
	t.Helper()
	test.Tap(u.incidents.form.placeChoose)
	var search *widget.Entry
	walk(overlay(t, u), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && e.PlaceHolder == "搜索地点：名称或拼音首字母，如 qyc" {
			search = e
		}
	})
	if search == nil {
		t.Fatal("the place picker has no search field")
	}
	return search
}

func TestPlacePickerFindsByPinyinInitialsAndEnterChooses(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	search := placeSearch(t, u)
	if u.win.Canvas().Focused() != search {
		t.Error("the cursor is not in the search field when the picker opens")
	}
	test.Type(search, "QYC")
	if !hasText(overlay(t, u), "吉首市 / 乾州街道 / 乾元村") {
		t.Errorf("qyc lists %q, want 乾元村 with its path", texts(overlay(t, u)))
	}
	search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.placeStation != d.village.ID {
		t.Fatalf("Enter on the one match chose %v, want 乾元村", f.placeStation)
	}
	if f.placePath.Text != "湘西州 / 吉首市 / 乾州街道 / 乾元村" {
		t.Errorf("the form shows the place as %q", f.placePath.Text)
	}
}

func TestPlacePickerFindsByNameAndOnlyWithinTheArea(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	search := placeSearch(t, u)
	test.Type(search, "乾州")
	test.Tap(findButton(t, overlay(t, u), "选择"))
	if f.placeStation != d.qianzhou.ID {
		t.Fatalf("searching 乾州 and choosing gave %v, want 乾州街道", f.placeStation)
	}

	search = placeSearch(t, u)
	test.Type(search, "泸溪")
	if !hasText(overlay(t, u), "没有名称或拼音首字母相符的地点") {
		t.Errorf("泸溪县, outside 吉首市, is offered: %q", texts(overlay(t, u)))
	}
	if b := findButton(t, overlay(t, u), "选择"); !b.Disabled() {
		t.Error("选择 is enabled with nothing found")
	}
	search.SetText("")
	if hasText(overlay(t, u), "没有名称或拼音首字母相符的地点") {
		t.Error("with the search cleared the picker still says nothing was found")
	}
}
