package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// monthData is one reading of a station's month.
type monthData struct {
	base     dutyBase
	station  *app.Station
	editable bool // this client's own station; stations below are read only
	settings roster.Settings
	specials []roster.SpecialPeriod
	roster   *roster.Roster
	// visible says whether the posts may be shown: always for this
	// station, and for a station below only once it has published.
	visible     bool
	assignments []roster.Assignment
	swaps       []roster.SwapRequest // pending ones
	people      []app.Person         // the station's people who hold a duty role
	today       roster.Date          // the duty day in force now
}

// loadMonth reads a station's month. base is reused when given: paging
// through months need not read the whole directory again.
func loadMonth(ctx context.Context, svc Services, base *dutyBase, station app.ID, m roster.Month, now time.Time) (monthData, error) {
	if base == nil {
		b, err := loadDutyBase(ctx, svc)
		if err != nil {
			return monthData{}, err
		}
		base = &b
	}
	if base.home == nil {
		return monthData{base: *base}, nil
	}
	var err error
	d := monthData{base: *base, station: base.tree.Station(station)}
	if d.station == nil {
		d.station = base.home
	}
	st := d.station.ID
	d.editable = st == base.home.ID
	r := svc.Rosters
	if d.settings, err = r.Settings(ctx, st); err != nil {
		return d, err
	}
	d.today = roster.DutyDayAt(d.settings.Handover, d.station.Location(), now)
	if d.specials, err = r.SpecialPeriods(ctx, st, m.First(), m.Last()); err != nil {
		return d, err
	}
	if d.roster, err = r.Roster(ctx, st, m); err != nil {
		return d, err
	}
	d.visible = d.editable || d.roster.State == roster.StatePublished
	if d.visible {
		if d.assignments, err = r.Assignments(ctx, st, m.First(), m.Last()); err != nil {
			return d, err
		}
	}
	if d.editable {
		if d.swaps, err = r.SwapRequests(ctx, st, roster.SwapPending); err != nil {
			return d, err
		}
	}
	d.people = base.dutyPeople(st)
	return d, nil
}

// dayPlan is one day of the shown month: its kind, template and posts.
type dayPlan struct {
	info     roster.DayInfo
	template roster.Template
	on       []roster.Assignment
}

func (d monthData) plan(day roster.Date) dayPlan {
	info := roster.Classify(d.base.cal, d.specials, day)
	p := dayPlan{info: info, template: d.settings.TemplateFor(info)}
	for _, a := range d.assignments {
		if a.Day == day {
			p.on = append(p.on, a)
		}
	}
	return p
}

// posts returns the day's posts: the template's, and any held beyond it
// (the template was made smaller after they were set).
func (p dayPlan) posts() []roster.Post {
	out := p.template.Posts()
	for _, a := range p.on {
		if !p.template.Has(a.Post) {
			out = append(out, a.Post)
		}
	}
	return out
}

func (p dayPlan) holder(post roster.Post) app.ID {
	for _, a := range p.on {
		if a.Post == post {
			return a.Person
		}
	}
	return app.NilID
}

// missing returns the template's posts nobody holds.
func (p dayPlan) missing() []roster.Post {
	var out []roster.Post
	for _, post := range p.template.Posts() {
		if p.holder(post) == app.NilID {
			out = append(out, post)
		}
	}
	return out
}

func (d monthData) view(day roster.Date) dayView {
	p := d.plan(day)
	v := dayView{date: day, info: p.info, today: day == d.today}
	if !d.visible {
		return v
	}
	for _, role := range roster.DutyRoles {
		var names []string
		gap := false
		for _, post := range p.posts() {
			if post.Role != role {
				continue
			}
			if who := p.holder(post); who != app.NilID {
				names = append(names, d.base.name(who))
			} else {
				names = append(names, lang.L("roster.vacant"))
				gap = true
			}
		}
		if len(names) > 0 {
			// A space, not the list separator: the cell has room for two
			// names, not for the separators too.
			v.lines = append(v.lines, cellLine{abbr: roleAbbr(role), names: strings.Join(names, " "), gap: gap})
		}
	}
	return v
}

// monthPanel is 排班表: a station's month as a calendar, with generation,
// publication, the gaps, fairness and swap requests beside it.
type monthPanel struct {
	s       *dutyScreen
	month   roster.Month
	station app.ID // NilID until the first load picks this station
	data    monthData
	loaded  bool
	result  *generated // the last generation, shown until the month changes

	stationSel  *widget.Select
	stationBox  *fyne.Container // keeps the select as wide as its longest name
	stationIDs  map[string]app.ID
	title       *widget.Label
	prev, next  *widget.Button
	thisMonth   *widget.Button
	state       *widget.Label
	generate    *widget.Button
	publish     *widget.Button
	rules       *widget.Button
	export      *widget.Button
	exportMenu  *fyne.Menu
	importBtn   *widget.Button
	readOnly    *widget.Label
	notice      *notice
	grid        *monthGrid
	gridMessage *widget.Label
	legend      *widget.Label

	side        *container.AppTabs
	alertsTab   *container.TabItem
	fairTab     *container.TabItem
	swapsTab    *container.TabItem
	alerts      *fyne.Container
	fairness    *fyne.Container
	swaps       *fyne.Container
	content     fyne.CanvasObject
	changingSel bool
}

func newMonthPanel(s *dutyScreen) *monthPanel {
	m := &monthPanel{s: s, notice: newNotice()}
	m.month = roster.MonthOf(roster.DateOf(s.u.now()))
	m.stationSel = widget.NewSelect(nil, m.onStationChosen)
	m.stationSel.PlaceHolder = lang.L("roster.choose_station")
	m.title = widget.NewLabel("")
	m.title.TextStyle.Bold = true
	m.title.Alignment = fyne.TextAlignCenter
	m.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), m.onPrev)
	m.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), m.onNext)
	m.thisMonth = widget.NewButton(lang.L("roster.this_month"), m.onThisMonth)
	m.state = widget.NewLabel("")
	m.state.TextStyle.Bold = true
	// When and by whom a month was published is the first thing to give
	// way in a narrow window; the state itself comes first and stays.
	m.state.Truncation = fyne.TextTruncateEllipsis
	m.generate = widget.NewButtonWithIcon(lang.L("roster.generate"), theme.ViewRefreshIcon(), m.onGenerate)
	m.publish = widget.NewButtonWithIcon(lang.L("roster.publish"), theme.UploadIcon(), m.onPublish)
	m.publish.Importance = widget.HighImportance
	m.rules = widget.NewButtonWithIcon(lang.L("roster.rules"), theme.SettingsIcon(), m.onRules)
	m.export = widget.NewButtonWithIcon(lang.L("roster.export"), theme.DownloadIcon(), m.onExport)
	m.exportMenu = m.newExportMenu()
	m.importBtn = widget.NewButtonWithIcon(lang.L("roster.import"), theme.UploadIcon(), m.onImport)
	m.readOnly = widget.NewLabel(lang.L("roster.read_only"))
	m.readOnly.Importance = widget.WarningImportance
	m.readOnly.Hide()

	m.grid = newMonthGrid(m.onDayTapped)
	m.gridMessage = widget.NewLabel("")
	m.gridMessage.Alignment = fyne.TextAlignCenter
	m.gridMessage.Wrapping = fyne.TextWrapWord
	m.gridMessage.Importance = widget.WarningImportance
	m.gridMessage.Hide()
	m.legend = widget.NewLabel(lang.L("roster.legend"))
	m.legend.Importance = widget.LowImportance
	m.legend.Wrapping = fyne.TextWrapWord

	m.alerts = container.NewVBox()
	m.fairness = container.NewVBox()
	m.swaps = container.NewVBox()
	m.alertsTab = container.NewTabItem(lang.L("roster.tab_alerts"), container.NewVScroll(m.alerts))
	m.fairTab = container.NewTabItem(lang.L("roster.tab_fairness"), container.NewVScroll(m.fairness))
	m.swapsTab = container.NewTabItem(lang.L("roster.tab_swaps"), container.NewVScroll(m.swaps))
	m.side = container.NewAppTabs(m.alertsTab, m.fairTab, m.swapsTab)

	nav := container.NewHBox(m.prev, m.title, m.next, m.thisMonth)
	actions := container.NewHBox(m.readOnly, m.generate, m.publish, m.rules)
	m.stationBox = container.New(&minWidth{}, m.stationSel)
	toolbar := container.NewBorder(nil, nil,
		container.NewHBox(m.stationBox, nav), actions, m.state)
	// The files go under the grid: the toolbar has no room left for them
	// in English at 1024 pixels, and the row beside the legend costs no
	// height.
	// The legend has a line of its own above them, wrapping where the
	// grid is narrow: beside the buttons it was clipped, losing the 备 of
	// the standby post and the hint in Chinese and most of it in English.
	files := container.NewBorder(nil, nil, m.notice.label, container.NewHBox(m.export, m.importBtn))
	m.notice.parent = files
	bottom := container.NewVBox(m.legend, files)
	gridArea := container.NewBorder(nil, bottom, nil, nil,
		container.NewStack(m.grid.content, container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 120), m.gridMessage))))
	split := container.NewHSplit(gridArea, m.side)
	split.Offset = 0.72
	m.content = container.NewBorder(container.NewVBox(toolbar, widget.NewSeparator()), nil, nil, nil, split)
	m.show()
	return m
}

// load reads everything again, the directory included.
func (m *monthPanel) load() { m.loadWith(nil) }

// loadShown reads the month or station now chosen, with the directory as
// last read.
func (m *monthPanel) loadShown() {
	if !m.loaded || m.data.base.tree == nil {
		m.load()
		return
	}
	base := m.data.base
	m.loadWith(&base)
}

func (m *monthPanel) loadWith(base *dutyBase) {
	ctx, svc, station, month, now := m.s.u.ctx, m.s.u.svc, m.station, m.month, m.s.u.now()
	runAsync(func() (monthData, error) { return loadMonth(ctx, svc, base, station, month, now) }, m.onLoaded)
}

func (m *monthPanel) onLoaded(d monthData, err error) {
	if err != nil {
		m.state.SetText("")
		m.gridMessage.SetText(lang.L("roster.load_failed", map[string]any{"Error": errorText(err)}))
		m.gridMessage.Show()
		m.grid.content.Hide()
		return
	}
	m.data, m.loaded = d, true
	if d.station != nil {
		m.station = d.station.ID
	}
	m.show()
}

func (m *monthPanel) show() {
	d := m.data
	m.title.SetText(monthTitle(m.month))
	m.showStations()
	ready := m.loaded && d.station != nil
	views := map[roster.Date]dayView{}
	if ready {
		for day := m.month.First(); !day.After(m.month.Last()); day = day.AddDays(1) {
			views[day] = d.view(day)
		}
	}
	m.grid.show(m.month, views)
	switch {
	case m.loaded && d.base.home == nil:
		m.gridMessage.SetText(noHomeText())
		m.gridMessage.Show()
	case ready && !d.visible:
		m.gridMessage.SetText(lang.L("roster.not_published", map[string]any{"Station": d.station.Name}))
		m.gridMessage.Show()
	default:
		m.gridMessage.Hide()
	}
	// The message stands in for the grid: drawn over it, neither reads.
	showIf(m.grid.content, !m.gridMessage.Visible())
	editable := ready && d.editable
	enable(m.generate, editable)
	enable(m.rules, editable)
	enable(m.publish, editable)
	// A station below is only looked at: its actions make way for saying so.
	below := ready && !d.editable
	showIf(m.readOnly, below)
	for _, b := range []*widget.Button{m.generate, m.publish, m.rules} {
		showIf(b, !below)
	}
	// A published month below may be printed too; only this station's
	// own roster is imported.
	enable(m.export, ready && d.visible)
	enable(m.importBtn, editable)
	showIf(m.importBtn, !below && m.s.u.svc.RosterImporter != nil)
	m.showState()
	m.showAlerts()
	m.showFairness()
	m.showSwaps()
	// The toolbar's texts change width: lay the panel out again.
	m.content.Refresh()
}

// showStations offers this station and the duty rooms directly below it.
func (m *monthPanel) showStations() {
	d := m.data
	if d.base.home == nil {
		m.stationSel.SetOptions(nil)
		return
	}
	m.stationIDs = map[string]app.ID{}
	own := lang.L("roster.own_station", map[string]any{"Station": d.base.home.Name})
	options := []string{own}
	m.stationIDs[own] = d.base.home.ID
	selected := own
	for _, sub := range d.base.subordinates() {
		options = append(options, sub.Name)
		m.stationIDs[sub.Name] = sub.ID
		if sub.ID == m.station {
			selected = sub.Name
		}
	}
	m.changingSel = true
	m.stationSel.SetOptions(options)
	m.stationSel.SetSelected(selected)
	m.changingSel = false
	m.stationBox.Layout.(*minWidth).fit(options)
}

// minWidth is a layout that keeps its one object at least as wide as the
// longest of some texts, plus room for a select's arrow: a Select is only
// as wide as its placeholder, and cut station names read as other ones.
type minWidth struct {
	width float32
}

func (l *minWidth) fit(texts []string) {
	l.width = 0
	for _, t := range texts {
		w := fyne.MeasureText(t, theme.TextSize(), fyne.TextStyle{}).Width
		if w > l.width {
			l.width = w
		}
	}
	l.width += 4*theme.InnerPadding() + theme.IconInlineSize()
}

func (l *minWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l *minWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var min fyne.Size
	for _, o := range objects {
		min = min.Max(o.MinSize())
	}
	min.Width = max(min.Width, l.width)
	return min
}

func (m *monthPanel) showState() {
	d := m.data
	switch {
	case !m.loaded || d.roster == nil:
		m.state.SetText("")
	case d.roster.State == roster.StatePublished:
		m.state.Importance = widget.SuccessImportance
		m.state.SetText(lang.L("roster.state_published"))
	default:
		m.state.Importance = widget.WarningImportance
		m.state.SetText(lang.L("roster.state_draft"))
	}
	if d.roster != nil && !d.roster.PublishedAt.IsZero() {
		when := lang.L("roster.published_at", map[string]any{
			"Time": dateTime(d.roster.PublishedAt, d.station.Location()), "By": orDash(d.roster.PublishedBy)})
		m.publish.SetText(lang.L("roster.publish_again"))
		m.state.SetText(m.state.Text + " " + when)
	} else {
		m.publish.SetText(lang.L("roster.publish"))
	}
	m.state.Refresh()
}

// monthGaps lists the empty posts of the shown month, from what is stored.
func (m *monthPanel) monthGaps() []gapLine {
	var out []gapLine
	if !m.loaded || !m.data.visible {
		return nil
	}
	for day := m.month.First(); !day.After(m.month.Last()); day = day.AddDays(1) {
		p := m.data.plan(day)
		missing := p.missing()
		labels := postLabels(missing)
		for i := range missing {
			out = append(out, gapLine{day: day, post: labels[i], reason: lang.L("roster.gap_unassigned")})
		}
	}
	return out
}

// gapLine is one empty post with why it is empty, in the reader's language.
type gapLine struct {
	day    roster.Date
	post   string
	reason string
}

// maxAlertRows bounds the rows built for gaps: a year generated for a
// station missing a role has hundreds, and the first ones say what to fix.
const maxAlertRows = 200

func (m *monthPanel) showAlerts() {
	m.alerts.Objects = nil
	var heading string
	var gaps []gapLine
	var warnings []string
	if r := m.result; r != nil {
		heading = lang.L("roster.generated_heading", map[string]any{
			"From": r.from.String(), "To": r.to.String(), "Filled": len(r.res.Assignments), "Gaps": len(r.res.Gaps)})
		if r.notified > 0 {
			heading += " " + lang.L("roster.notified", map[string]any{"Count": r.notified})
		}
		gaps = r.gaps
		warnings = r.warnings
	} else {
		gaps = m.monthGaps()
		heading = lang.L("roster.month_gaps", map[string]any{"Count": len(gaps)})
		if !m.loaded || !m.data.visible {
			heading = ""
		}
	}
	h := widget.NewLabel(heading)
	h.Wrapping = fyne.TextWrapWord
	h.TextStyle.Bold = true
	m.alerts.Add(h)
	for _, w := range warnings {
		l := widget.NewLabel(w)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		m.alerts.Add(l)
	}
	for i, g := range gaps {
		if i == maxAlertRows {
			m.alerts.Add(hintLabel(lang.L("roster.more_gaps", map[string]any{"Count": len(gaps) - i})))
			break
		}
		title := widget.NewLabel(lang.L("roster.gap_title", map[string]any{"Day": dayLabel(g.day), "Post": g.post}))
		title.Importance = widget.DangerImportance
		title.TextStyle.Bold = true
		title.Wrapping = fyne.TextWrapWord
		reason := widget.NewLabel(g.reason)
		reason.Wrapping = fyne.TextWrapWord
		m.alerts.Add(container.NewVBox(title, reason))
	}
	m.alertsTab.Text = lang.L("roster.tab_alerts_count", map[string]any{"Count": len(gaps)})
	m.side.Refresh()
	m.alerts.Refresh()
}

// fairnessLine is one person's tally for the fairness tab.
type fairnessLine struct {
	name string
	f    roster.Fairness
}

// fairnessOf tallies assignments per person, listing every given person,
// those with no duty too: a zero is what fairness is about. People are
// grouped by their first duty role, since fairness is kept within a role.
func fairnessOf(as []roster.Assignment, people []app.Person, b dutyBase, settings roster.Settings, loc *time.Location) []fairnessLine {
	people = slices.Clone(people)
	sort.SliceStable(people, func(i, j int) bool { return firstDutyRole(people[i]) < firstDutyRole(people[j]) })
	sum := roster.Summarize(as, b.cal, settings.Handover, loc)
	byID := map[app.ID]roster.Fairness{}
	for _, f := range sum {
		byID[f.Person] = f
	}
	var out []fairnessLine
	seen := map[app.ID]bool{}
	for _, p := range people {
		seen[p.ID] = true
		out = append(out, fairnessLine{name: p.Name, f: byID[p.ID]})
	}
	for _, f := range sum {
		if !seen[f.Person] {
			out = append(out, fairnessLine{name: b.name(f.Person), f: f})
		}
	}
	return out
}

// firstDutyRole returns the index in roster.DutyRoles of the first duty
// role p holds.
func firstDutyRole(p app.Person) int {
	for i, r := range roster.DutyRoles {
		if p.Has(r) {
			return i
		}
	}
	return len(roster.DutyRoles)
}

func (m *monthPanel) showFairness() {
	m.fairness.Objects = nil
	d := m.data
	if !m.loaded || d.station == nil || !d.visible {
		m.fairness.Refresh()
		return
	}
	as, heading := d.assignments, lang.L("roster.fairness_month", map[string]any{"Month": monthTitle(m.month)})
	if r := m.result; r != nil {
		as = r.res.Assignments
		heading = lang.L("roster.fairness_range", map[string]any{"From": r.from.String(), "To": r.to.String()})
	}
	h := widget.NewLabel(heading)
	h.TextStyle.Bold = true
	h.Wrapping = fyne.TextWrapWord
	m.fairness.Add(h)
	for _, line := range fairnessOf(as, d.people, d.base, d.settings, d.station.Location()) {
		name := widget.NewLabel(lang.L("roster.fairness_total", map[string]any{
			"Name": line.name, "Duties": line.f.Duties, "Hours": formatHours(line.f.Hours)}))
		name.TextStyle.Bold = true
		detail := widget.NewLabel(lang.L("roster.fairness_detail", map[string]any{
			"Workday": line.f.Workday, "Weekend": line.f.Weekend, "Holiday": line.f.Holiday}))
		m.fairness.Add(container.NewVBox(name, detail))
	}
	m.fairness.Refresh()
}

func formatHours(h float64) string {
	if h == float64(int(h)) {
		return fmt.Sprintf("%d", int(h))
	}
	return fmt.Sprintf("%.1f", h)
}

func (m *monthPanel) showSwaps() {
	m.swaps.Objects = nil
	d := m.data
	m.swapsTab.Text = lang.L("roster.tab_swaps_count", map[string]any{"Count": len(d.swaps)})
	if !m.loaded || !d.editable {
		m.side.Refresh()
		m.swaps.Refresh()
		return
	}
	if len(d.swaps) == 0 {
		m.swaps.Add(hintLabel(lang.L("roster.no_swaps")))
	}
	for _, s := range d.swaps {
		m.swaps.Add(newSwapRow(m, s))
	}
	m.side.Refresh()
	m.swaps.Refresh()
}

// swapText describes a swap: who gives which post for which.
func swapText(b dutyBase, s roster.SwapRequest) string {
	return lang.L("roster.swap_text", map[string]any{
		"Day1": shortDate(s.First.Day), "Post1": postLabel(s.First.Post, s.First.Post.Index > 0), "Name1": b.name(s.First.Person),
		"Day2": shortDate(s.Second.Day), "Post2": postLabel(s.Second.Post, s.Second.Post.Index > 0), "Name2": b.name(s.Second.Person)})
}

func newSwapRow(m *monthPanel, s roster.SwapRequest) fyne.CanvasObject {
	text := widget.NewLabel(swapText(m.data.base, s))
	text.TextStyle.Bold = true
	text.Wrapping = fyne.TextWrapWord
	why := s.Reason
	if why == "" {
		why = "—"
	}
	detail := hintLabel(lang.L("roster.swap_detail", map[string]any{
		"Reason": why, "By": orDash(s.RequestedBy), "At": dateTime(s.RequestedAt, m.data.station.Location())}))
	decide := widget.NewButtonWithIcon(lang.L("roster.swap_decide"), theme.ConfirmIcon(), func() { m.onDecideSwap(s) })
	decide.Importance = widget.HighImportance
	return container.NewVBox(text, detail, container.NewHBox(decide), widget.NewSeparator())
}

// Navigation.

func (m *monthPanel) setMonth(month roster.Month) {
	m.month = month
	m.result = nil
	m.loadShown()
}

func (m *monthPanel) onPrev() { m.setMonth(roster.MonthOf(m.month.First().AddDays(-1))) }

func (m *monthPanel) onNext() { m.setMonth(m.month.Next()) }

func (m *monthPanel) onThisMonth() {
	m.setMonth(roster.MonthOf(roster.DateOf(m.s.u.now())))
}

func (m *monthPanel) onStationChosen(option string) {
	if m.changingSel {
		return
	}
	id, ok := m.stationIDs[option]
	if !ok || id == m.station {
		return
	}
	m.station = id
	m.result = nil
	m.loadShown()
}

func (m *monthPanel) onDayTapped(day roster.Date) {
	if !m.loaded || m.data.station == nil {
		return
	}
	newDayDialog(m, day).show()
}

// afterChange reloads the month and everything that summarises it.
func (m *monthPanel) afterChange(text string) {
	if text != "" {
		m.notice.show(text)
	}
	m.s.u.changed()
}

// Publication.

func (m *monthPanel) onPublish() {
	if !m.data.editable {
		return
	}
	m.publishNow(false)
}

func (m *monthPanel) publishNow(allowGaps bool) {
	st, month := m.data.station.ID, m.month
	ctx, svc := m.s.u.ctx, m.s.u.svc.Rosters
	m.publish.Disable()
	runAsync(func() ([]app.ID, error) { return svc.Publish(ctx, st, month, allowGaps) },
		func(notify []app.ID, err error) {
			m.publish.Enable()
			switch {
			case app.ErrorCode(err) == app.EINVALID && !allowGaps:
				m.confirmPublishWithGaps()
			case err != nil:
				m.s.u.showError(err)
			default:
				m.afterChange(lang.L("roster.published_notice", map[string]any{"Count": len(notify)}))
			}
		})
}

func (m *monthPanel) confirmPublishWithGaps() {
	gaps := len(m.monthGaps())
	showKeyedConfirm(m.s.u.win, lang.L("roster.publish"),
		lang.L("roster.publish_gaps", map[string]any{"Count": gaps, "Month": monthTitle(m.month)}),
		lang.L("roster.publish_anyway"),
		func(ok bool) {
			if ok {
				m.publishNow(true)
			}
		})
}

func (m *monthPanel) onRules() {
	if !m.data.editable {
		return
	}
	newRulesDialog(m).show()
}

func (m *monthPanel) onGenerate() {
	if !m.data.editable {
		return
	}
	newGenerateDialog(m).show()
}

func (m *monthPanel) onDecideSwap(s roster.SwapRequest) {
	newSwapDecision(m, s).show()
}
