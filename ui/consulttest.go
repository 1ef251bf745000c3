package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// testCallDays is how many days the results table of 例行测试 shows.
const testCallDays = 7

// testCallPanel is 会商 → 例行测试: the schedule on which this station's
// client calls its subordinate duty rooms, and a table of the outcomes
// per station over the last days.
type testCallPanel struct {
	u    *UI
	seq  int
	base alertBase

	sched    consult.TestSchedule
	children []*app.Station // direct subordinates keeping a duty room
	targets  []app.ID
	calls    []consult.TestCall
	today    time.Time // midnight starting the last column

	enabled  *widget.Check
	at       *widget.Entry
	days     []*widget.Check // Monday first
	stations *widget.CheckGroup
	save     *widget.Button
	status   *widget.Label
	table    *widget.Table
	content  fyne.CanvasObject
}

var weekOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func newTestCallPanel(u *UI) *testCallPanel {
	p := &testCallPanel{u: u}
	p.enabled = widget.NewCheck(lang.L("testcall.enabled"), nil)
	p.at = widget.NewEntry()
	p.at.SetPlaceHolder("08:30")
	dayBox := container.NewHBox()
	for _, d := range weekOrder {
		c := widget.NewCheck(weekdayShort(d), nil)
		p.days = append(p.days, c)
		dayBox.Add(c)
	}
	p.stations = widget.NewCheckGroup(nil, nil)
	p.stations.Horizontal = true
	p.save = widget.NewButtonWithIcon(lang.L("action.save"), theme.DocumentSaveIcon(), p.onSave)
	p.save.Importance = widget.HighImportance
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem("", p.enabled),
		widget.NewFormItem(lang.L("testcall.time"), p.at),
		widget.NewFormItem(lang.L("testcall.days"), dayBox),
		widget.NewFormItem(lang.L("testcall.stations"), p.stations),
	)
	hint := widget.NewLabel(lang.L("testcall.hint"))
	hint.Wrapping = fyne.TextWrapWord
	head := widget.NewLabel(lang.L("testcall.results_heading"))
	head.TextStyle.Bold = true

	p.table = widget.NewTable(func() (int, int) { return len(p.targets) + 1, testCallDays + 1 },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.cell(id.Row, id.Col)) })
	p.table.SetColumnWidth(0, 160)
	for c := 1; c <= testCallDays; c++ {
		p.table.SetColumnWidth(c, 110)
	}
	top := container.NewVBox(hint, form, container.NewHBox(p.save), p.status, widget.NewSeparator(), head)
	p.content = container.NewBorder(container.NewPadded(top), nil, nil, nil, p.table)
	return p
}

// day returns the midnight of column col (1 is the oldest).
func (p *testCallPanel) day(col int) time.Time {
	return p.today.AddDate(0, 0, col-testCallDays)
}

// cell is the text of the results table at row, col: the heading row and
// the station column, then per day the outcome of that day's last call.
func (p *testCallPanel) cell(row, col int) string {
	switch {
	case row == 0 && col == 0:
		return lang.L("testcall.station")
	case row == 0:
		return p.day(col).Format("01-02") + " " + weekdayShort(p.day(col).Weekday())
	case row > len(p.targets):
		return ""
	case col == 0:
		return stationName(p.base.tree, p.targets[row-1])
	}
	from, to := p.day(col), p.day(col+1)
	var last *consult.TestCall
	for i := range p.calls {
		c := &p.calls[i]
		at := c.Started.In(p.base.loc)
		if c.Station == p.targets[row-1] && !at.Before(from) && at.Before(to) && (last == nil || c.Started.After(last.Started)) {
			last = c
		}
	}
	if last == nil {
		return "—"
	}
	return testOutcomeLabel(last.Outcome)
}

func testOutcomeLabel(o consult.Outcome) string {
	switch o {
	case consult.Connected:
		return lang.L("testcall.connected")
	case consult.NoAnswer:
		return lang.L("testcall.no_answer")
	}
	return lang.L("testcall.media_failed")
}

type testCallData struct {
	base    alertBase
	sched   consult.TestSchedule
	targets []app.ID
	calls   []consult.TestCall
	today   time.Time
}

func (p *testCallPanel) load(note string) {
	p.seq++
	seq := p.seq
	ctx, svc := p.u.ctx, p.u.svc
	now := p.u.now()
	runAsync(func() (testCallData, error) {
		var d testCallData
		var err error
		if d.base, err = loadAlertBase(ctx, svc); err != nil {
			return d, err
		}
		n := now.In(d.base.loc)
		d.today = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, d.base.loc)
		if d.sched, err = svc.TestCalls.TestSchedule(ctx); err != nil {
			return d, err
		}
		if d.targets, err = svc.TestCalls.TestTargets(ctx); err != nil {
			return d, err
		}
		d.calls, err = svc.TestCalls.TestCallsSince(ctx, d.today.AddDate(0, 0, 1-testCallDays))
		return d, err
	}, func(d testCallData, err error) {
		if seq != p.seq {
			return
		}
		if err != nil {
			p.status.SetText(errorText(err))
			return
		}
		p.base, p.sched, p.targets, p.calls, p.today = d.base, d.sched, d.targets, d.calls, d.today
		p.children = nil
		if d.base.home != nil {
			for _, ch := range d.base.tree.Children(d.base.home.ID) {
				if ch.Tier.HasDutyRoom() {
					p.children = append(p.children, ch)
				}
			}
		}
		p.showSchedule()
		if note != "" {
			p.status.SetText(note)
		}
		p.table.Refresh()
	})
}

func (p *testCallPanel) showSchedule() {
	s := p.sched
	p.enabled.SetChecked(s.Enabled)
	p.at.SetText(fmt.Sprintf("%02d:%02d", s.Minute/60, s.Minute%60))
	for i, d := range weekOrder {
		p.days[i].SetChecked(len(s.Days) == 0 || slices.Contains(s.Days, d))
	}
	var names, chosen []string
	for _, ch := range p.children {
		names = append(names, ch.Name)
		if len(s.Stations) == 0 || slices.Contains(s.Stations, ch.ID) {
			chosen = append(chosen, ch.Name)
		}
	}
	p.stations.Options = names
	p.stations.SetSelected(chosen)
	if len(p.children) == 0 {
		p.status.SetText(lang.L("testcall.no_subordinates"))
	} else {
		p.status.SetText("")
	}
}

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(strings.ReplaceAll(s, "：", ":")))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// schedule is the schedule as the form shows it: every day and every
// station ticked mean none named, so stations added later are called too.
func (p *testCallPanel) schedule() (consult.TestSchedule, bool) {
	s := consult.TestSchedule{Enabled: p.enabled.Checked}
	m, ok := parseClock(p.at.Text)
	if !ok {
		return s, false
	}
	s.Minute = m
	for i, d := range weekOrder {
		if p.days[i].Checked {
			s.Days = append(s.Days, d)
		}
	}
	if len(s.Days) == len(weekOrder) {
		s.Days = nil
	}
	for _, ch := range p.children {
		if slices.Contains(p.stations.Selected, ch.Name) {
			s.Stations = append(s.Stations, ch.ID)
		}
	}
	if len(s.Stations) == len(p.children) {
		s.Stations = nil
	}
	return s, true
}

func (p *testCallPanel) onSave() {
	s, ok := p.schedule()
	switch {
	case !ok:
		p.status.SetText(lang.L("testcall.bad_time"))
		return
	case len(p.days) > 0 && !slices.ContainsFunc(p.days, func(c *widget.Check) bool { return c.Checked }):
		p.status.SetText(lang.L("testcall.no_days"))
		return
	case len(p.children) > 0 && len(p.stations.Selected) == 0:
		p.status.SetText(lang.L("testcall.no_stations"))
		return
	}
	ctx, svc := p.u.ctx, p.u.svc
	runAsync(func() (struct{}, error) {
		return struct{}{}, svc.TestCalls.SetTestSchedule(ctx, s)
	}, func(_ struct{}, err error) {
		if err != nil {
			p.status.SetText(errorText(err))
			return
		}
		p.load(lang.L("testcall.saved"))
	})
}
