package ui

import (
	"context"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
)

// todayData is one reading of the duty day in force at this station.
type todayData struct {
	base       dutyBase
	settings   roster.Settings
	loc        *time.Location
	day        roster.Date
	info       roster.DayInfo
	start, end time.Time
	on         []roster.Assignment // this duty day's posts
	prevOn     []roster.Assignment // the previous day's, whose officer hands over
	checkIns   []roster.CheckIn
	log        []roster.LogEntry
	prev       *roster.Handover // the previous day's handover, nil before it
	own        *roster.Handover // this day's, nil before it
	subs       []subordinateDuty
	incidents  []incident.Incident // received during this duty day here or below
}

// subordinateDuty is who is on duty now at a station below this one, read
// from its published roster only: a draft may still change.
type subordinateDuty struct {
	station   *app.Station
	depth     int // levels below the first listed: a township under a county
	day       roster.Date
	on        []roster.Assignment
	published bool
	err       error
}

func loadToday(ctx context.Context, svc Services, now time.Time) (todayData, error) {
	base, err := loadDutyBase(ctx, svc)
	if err != nil || base.home == nil {
		return todayData{base: base}, err
	}
	r := svc.Rosters
	d := todayData{base: base, loc: base.home.Location()}
	st := base.home.ID
	if d.settings, err = r.Settings(ctx, st); err != nil {
		return d, err
	}
	d.day = roster.DutyDayAt(d.settings.Handover, d.loc, now)
	d.start, d.end = roster.DutyWindow(d.day, d.settings.Handover, d.loc)
	specials, err := r.SpecialPeriods(ctx, st, d.day, d.day)
	if err != nil {
		return d, err
	}
	d.info = roster.Classify(base.cal, specials, d.day)
	both, err := r.Assignments(ctx, st, d.day.AddDays(-1), d.day)
	if err != nil {
		return d, err
	}
	for _, a := range both {
		if a.Day == d.day {
			d.on = append(d.on, a)
		} else {
			d.prevOn = append(d.prevOn, a)
		}
	}
	if d.checkIns, err = r.CheckIns(ctx, st, d.day); err != nil {
		return d, err
	}
	if d.log, err = r.LogEntries(ctx, st, d.day); err != nil {
		return d, err
	}
	if d.prev, err = handoverOf(ctx, r, st, d.day.AddDays(-1)); err != nil {
		return d, err
	}
	if d.own, err = handoverOf(ctx, r, st, d.day); err != nil {
		return d, err
	}
	if svc.Incidents != nil {
		// The daily report lists what came in on this duty day, here or
		// below, whatever its state now: the leader signs for the whole day.
		if d.incidents, _, err = svc.Incidents.Incidents(ctx, incident.Filter{From: &d.start, To: &d.end, Station: &st}); err != nil {
			return d, err
		}
	}
	for _, sub := range base.dutyRoomsBelow() {
		sd := loadSubordinateDuty(ctx, r, sub.station, now)
		sd.depth = sub.depth
		d.subs = append(d.subs, sd)
	}
	return d, nil
}

func handoverOf(ctx context.Context, r roster.Service, station app.ID, day roster.Date) (*roster.Handover, error) {
	h, err := r.Handover(ctx, station, day)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, nil
	}
	return h, err
}

func loadSubordinateDuty(ctx context.Context, r roster.Service, st *app.Station, now time.Time) subordinateDuty {
	sd := subordinateDuty{station: st}
	settings, err := r.Settings(ctx, st.ID)
	if err != nil {
		sd.err = err
		return sd
	}
	sd.day = roster.DutyDayAt(settings.Handover, st.Location(), now)
	month, err := r.Roster(ctx, st.ID, roster.MonthOf(sd.day))
	if err != nil {
		sd.err = err
		return sd
	}
	if sd.published = month.State == roster.StatePublished; !sd.published {
		return sd
	}
	sd.on, sd.err = r.Assignments(ctx, st.ID, sd.day, sd.day)
	return sd
}

// todayPanel is 今日值班: who is on duty now here and below, check-in, the
// duty log, the handover and the daily report.
type todayPanel struct {
	s      *dutyScreen
	data   todayData
	loaded bool

	heading   *widget.Label
	window    *widget.Label
	report    *widget.Button
	reportDoc *widget.Button // the day's report as a numbered bulletin (PDF)
	notice    *notice
	posts     *fyne.Container
	subs      *widget.List
	subsNote  *widget.Label

	prevText, ownText *widget.Label
	confirm, handOver *widget.Button
	handOverPrev      *widget.Button
	log               *widget.List
	logEmpty          *widget.Label
	logKind           *widget.Select
	logText           *shortcutEntry
	logAdd            *widget.Button
	logErr            *widget.Label
	content           fyne.CanvasObject
	logKinds          map[string]roster.LogKind
}

func newTodayPanel(s *dutyScreen) *todayPanel {
	p := &todayPanel{s: s, notice: newNotice()}
	p.heading = widget.NewLabel(lang.L("duty.loading"))
	p.heading.TextStyle.Bold = true
	p.heading.SizeName = theme.SizeNameSubHeadingText
	p.heading.Truncation = fyne.TextTruncateEllipsis
	p.window = widget.NewLabel("")
	p.window.Importance = widget.LowImportance
	p.window.Truncation = fyne.TextTruncateEllipsis
	p.report = widget.NewButtonWithIcon(lang.L("duty.report"), theme.DocumentSaveIcon(), p.onReport)
	p.reportDoc = widget.NewButtonWithIcon(lang.L("duty.report_document"), theme.DocumentPrintIcon(), p.onReportDocument)
	p.posts = container.New(layout.NewFormLayout())

	p.subs = widget.NewList(p.subsLength, p.subsCreate, p.subsUpdate)
	p.subsNote = hintLabel("")

	p.prevText = widget.NewLabel("")
	p.prevText.Wrapping = fyne.TextWrapWord
	p.ownText = widget.NewLabel("")
	p.ownText.Wrapping = fyne.TextWrapWord
	p.confirm = widget.NewButton(lang.L("duty.confirm_handover"), p.onConfirm)
	p.confirm.Importance = widget.HighImportance
	p.handOverPrev = widget.NewButton(lang.L("duty.hand_over_prev"), p.onHandOverPrev)
	p.handOver = widget.NewButton(lang.L("duty.hand_over"), p.onHandOver)

	p.log = widget.NewList(p.logLength, p.logCreate, p.logUpdate)
	p.log.OnSelected = p.onLogSelected
	p.logEmpty = hintLabel(lang.L("duty.log_empty"))
	kinds := []roster.LogKind{roster.LogCall, roster.LogInstruction, roster.LogEvent, roster.LogOther}
	p.logKinds = map[string]roster.LogKind{}
	var options []string
	for _, k := range kinds {
		options = append(options, logKindLabel(k))
		p.logKinds[logKindLabel(k)] = k
	}
	p.logKind = widget.NewSelect(options, nil)
	p.logKind.SetSelectedIndex(0)
	p.logText = newShortcutEntry()
	p.logText.SetPlaceHolder(lang.L("duty.log_placeholder"))
	p.logText.OnSubmitted = func(string) { p.onAddLog() }
	p.logText.OnChanged = func(string) { p.logErr.Hide() }
	p.logAdd = widget.NewButtonWithIcon(lang.L("duty.log_add"), theme.ContentAddIcon(), p.onAddLog)
	p.logErr = errorLabel()

	header := container.NewBorder(nil, nil, nil, container.NewCenter(container.NewHBox(p.notice.label, p.reportDoc, p.report)),
		container.NewVBox(p.heading, p.window))
	p.notice.parent = header
	left := container.NewBorder(
		container.NewVBox(sectionTitle(lang.L("duty.on_duty_here")), p.posts, widget.NewSeparator(),
			sectionTitle(lang.L("duty.on_duty_below"))),
		p.subsNote, nil, nil, p.subs)
	handover := container.NewVBox(
		sectionTitle(lang.L("duty.handover")),
		container.NewBorder(nil, nil, nil, container.NewHBox(p.handOverPrev, p.confirm), p.prevText),
		container.NewBorder(nil, nil, nil, p.handOver, p.ownText),
		widget.NewSeparator(),
		sectionTitle(lang.L("duty.log")),
	)
	input := container.NewVBox(
		container.NewBorder(nil, nil, p.logKind, p.logAdd, p.logText),
		p.logErr)
	right := container.NewBorder(handover, input, nil, nil, container.NewStack(p.log, p.logEmpty))
	split := container.NewHSplit(left, right)
	split.Offset = 0.48
	p.content = container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil, split)
	p.show()
	return p
}

func (p *todayPanel) load() {
	ctx, svc, now := p.s.u.ctx, p.s.u.svc, p.s.u.now()
	runAsync(func() (todayData, error) { return loadToday(ctx, svc, now) }, p.onLoaded)
}

func (p *todayPanel) onLoaded(d todayData, err error) {
	if err != nil {
		p.heading.SetText(lang.L("duty.load_failed", map[string]any{"Error": errorText(err)}))
		return
	}
	p.data, p.loaded = d, true
	p.show()
}

// onTick reloads when the clock has moved past the handover, so the panel
// never shows yesterday's people as on duty.
func (p *todayPanel) onTick() {
	if !p.loaded || p.data.base.home == nil {
		p.load()
		return
	}
	if roster.DutyDayAt(p.data.settings.Handover, p.data.loc, p.s.u.now()) != p.data.day {
		p.load()
	}
}

func (p *todayPanel) show() {
	d := p.data
	ready := p.loaded && d.base.home != nil
	enable(p.report, ready)
	enable(p.reportDoc, ready)
	enable(p.logAdd, ready)
	enable(p.logText, ready)
	enable(p.handOver, ready && len(d.on) > 0 && d.own == nil)
	if !ready {
		if p.loaded {
			p.heading.SetText(noHomeText())
		}
		p.window.SetText("")
		p.posts.Objects = nil
		p.prevText.SetText("")
		p.ownText.SetText("")
		p.confirm.Hide()
		p.handOverPrev.Hide()
		p.logEmpty.Show()
		p.subs.Refresh()
		p.content.Refresh()
		return
	}
	p.heading.SetText(lang.L("duty.today_heading", map[string]any{
		"Station": d.base.home.Name, "Day": dayLabel(d.day), "Kind": dayKindLabel(d.info)}))
	p.window.SetText(lang.L("duty.window", map[string]any{
		"Start": dateTime(d.start, d.loc), "End": dateTime(d.end, d.loc)}))
	p.showPosts()
	p.showHandover()
	if len(d.log) > 0 {
		p.logEmpty.Hide()
	} else {
		p.logEmpty.Show()
	}
	p.log.Refresh()
	if len(d.log) > 0 {
		p.log.ScrollToBottom()
	}
	switch {
	case len(d.subs) == 0:
		p.subsNote.SetText(lang.L("duty.no_subordinates"))
		p.subsNote.Show()
	default:
		p.subsNote.Hide()
	}
	p.subs.Refresh()
	// Rows, buttons and texts came and went: lay the whole panel out again,
	// or a grown part is drawn over its neighbours.
	p.content.Refresh()
}

// showPosts lists this station's posts of the day, each person with a phone
// to copy and their check-in; a post of the day's template nobody holds is
// shown empty, in red, so the gap is seen before it is needed.
func (p *todayPanel) showPosts() {
	d := p.data
	p.posts.Objects = nil
	if len(d.on) == 0 {
		p.posts.Objects = []fyne.CanvasObject{layout.NewSpacer(), hintLabel(lang.L("duty.nobody_today"))}
		return
	}
	plan := dayPlan{info: d.info, template: d.settings.TemplateFor(d.info), on: d.on}
	posts := plan.posts()
	sort.Slice(posts, func(i, j int) bool { return posts[i].Less(posts[j]) })
	labels := postLabels(posts)
	checked := map[app.ID]roster.CheckIn{}
	for _, c := range d.checkIns {
		checked[c.Person] = c
	}
	for i, post := range posts {
		role := widget.NewLabel(labels[i])
		who := plan.holder(post)
		if who == app.NilID {
			role.Importance = widget.DangerImportance
			vacant := widget.NewLabel(lang.L("roster.vacant"))
			vacant.Importance = widget.DangerImportance
			p.posts.Objects = append(p.posts.Objects, role, vacant)
			continue
		}
		person := d.base.persons[who]
		name := widget.NewLabel(d.base.name(who))
		name.TextStyle.Bold = true
		row := container.NewHBox(name)
		if phone := personPhone(person); phone != "" {
			number := phone
			copyButton := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { p.onCopy(number) })
			copyButton.Importance = widget.LowImportance
			row.Add(widget.NewLabel(phone))
			row.Add(copyButton)
		}
		var check fyne.CanvasObject
		if c, ok := checked[who]; ok {
			l := widget.NewLabel(lang.L("duty.checked_in", map[string]any{"Time": clockTime(c.At, d.loc)}))
			l.Importance = widget.SuccessImportance
			check = l
		} else {
			check = widget.NewButtonWithIcon(lang.L("duty.check_in"), theme.ConfirmIcon(), func() { p.onCheckIn(who) })
		}
		p.posts.Objects = append(p.posts.Objects, role, container.NewBorder(nil, nil, row, check))
	}
}

func (p *todayPanel) showHandover() {
	d := p.data
	p.confirm.Hide()
	p.handOverPrev.Hide()
	switch {
	case d.prev != nil && d.prev.Confirmed():
		p.prevText.SetText(lang.L("duty.prev_done", map[string]any{
			"Out": d.prev.OutgoingName, "OutAt": dateTime(d.prev.OutAt, d.loc),
			"In": d.prev.IncomingName, "InAt": dateTime(d.prev.InAt, d.loc)}))
	case d.prev != nil:
		p.prevText.SetText(lang.L("duty.prev_waiting", map[string]any{
			"Out": d.prev.OutgoingName, "OutAt": dateTime(d.prev.OutAt, d.loc),
			"Matters": mattersText(d.prev.OpenMatters)}))
		p.confirm.Show()
		enable(p.confirm, len(d.on) > 0)
	case len(d.prevOn) > 0:
		p.prevText.SetText(lang.L("duty.prev_missing", map[string]any{"Day": dayLabel(d.day.AddDays(-1))}))
		p.handOverPrev.Show()
	default:
		p.prevText.SetText(lang.L("duty.prev_none"))
	}
	switch {
	case d.own != nil && d.own.Confirmed():
		p.ownText.SetText(lang.L("duty.own_done", map[string]any{
			"Out": d.own.OutgoingName, "OutAt": dateTime(d.own.OutAt, d.loc),
			"In": d.own.IncomingName, "InAt": dateTime(d.own.InAt, d.loc)}))
	case d.own != nil:
		p.ownText.SetText(lang.L("duty.own_waiting", map[string]any{
			"Out": d.own.OutgoingName, "OutAt": dateTime(d.own.OutAt, d.loc),
			"Matters": mattersText(d.own.OpenMatters)}))
	case len(d.on) == 0:
		p.ownText.SetText(lang.L("duty.own_none"))
	default:
		p.ownText.SetText(lang.L("duty.own_open", map[string]any{"End": clockTime(d.end, d.loc)}))
	}
}

// mattersText lists open matters on one line, numbered, or says there are none.
func mattersText(matters []string) string {
	if len(matters) == 0 {
		return lang.L("duty.no_matters")
	}
	parts := make([]string, len(matters))
	for i, m := range matters {
		parts[i] = lang.L("duty.matter_item", map[string]any{"N": i + 1, "Text": m})
	}
	return strings.Join(parts, " ")
}

func (p *todayPanel) onCopy(number string) {
	p.s.u.app.Clipboard().SetContent(number)
	p.notice.show(lang.L("directory.copied", map[string]any{"Number": number}))
}

func (p *todayPanel) onCheckIn(person app.ID) {
	d := p.data
	c := roster.CheckIn{Station: d.base.home.ID, Day: d.day, Person: person, At: p.s.u.now()}
	name := d.base.name(person)
	ctx, svc := p.s.u.ctx, p.s.u.svc.Rosters
	runAsync(func() (struct{}, error) { return struct{}{}, svc.CheckIn(ctx, &c) },
		func(_ struct{}, err error) {
			if app.ErrorCode(err) == app.ECONFLICT {
				p.s.u.showMessage(lang.L("duty.check_in"), lang.L("error.duty.check_in_conflict", map[string]any{"Name": name}))
				p.load()
				return
			} else if err != nil {
				p.s.u.showError(err)
				return
			}
			p.notice.show(lang.L("duty.checked_in_notice", map[string]any{"Name": name}))
			p.s.u.changed()
			p.s.u.signInAtCheckIn(person, d.day, name) // signin.go
		})
}

// Subordinate stations.

func (p *todayPanel) subsLength() int { return len(p.data.subs) }

func (p *todayPanel) subsCreate() fyne.CanvasObject { return newSubRow(p) }

func (p *todayPanel) subsUpdate(id widget.ListItemID, o fyne.CanvasObject) {
	sd := p.data.subs[id]
	o.(*subRow).set(sd, sd.depth)
}

// subordinateLine names the leader and officer of a station below, with
// their phones.
func (p *todayPanel) subordinateLine(sd subordinateDuty) string {
	var leader, officer string
	for _, a := range sd.on {
		if a.Post.Index != 0 {
			continue
		}
		person := p.data.base.persons[a.Person]
		text := withPhone(p.data.base.name(a.Person), personPhone(person))
		switch a.Post.Role {
		case app.RoleLeader:
			leader = text
		case app.RoleOfficer:
			officer = text
		}
	}
	if leader == "" && officer == "" {
		return lang.L("duty.sub_nobody")
	}
	return lang.L("status.on_duty", map[string]any{"Leader": orDash(leader), "Officer": orDash(officer)})
}

// The duty log.

func logKindLabel(k roster.LogKind) string {
	switch k {
	case roster.LogCall:
		return lang.L("duty.log_call")
	case roster.LogInstruction:
		return lang.L("duty.log_instruction")
	case roster.LogEvent:
		return lang.L("duty.log_event")
	}
	return lang.L("duty.log_other")
}

func (p *todayPanel) logLength() int { return len(p.data.log) }

func (p *todayPanel) logCreate() fyne.CanvasObject {
	at := widget.NewLabel("00:00")
	kind, auto := logTagColumns()
	text := widget.NewLabel("")
	text.Truncation = fyne.TextTruncateEllipsis
	author := widget.NewLabel("") // who wrote it, as signed in at the desk
	author.Importance = widget.LowImportance
	return container.NewBorder(nil, nil, container.NewHBox(at, kind, auto), author, text)
}

func (p *todayPanel) logUpdate(id widget.ListItemID, o fyne.CanvasObject) {
	e := p.data.log[id]
	at, kind, auto, text := logRowParts(o)
	setText(at, clockTime(e.At, p.data.loc))
	setText(kind, logTagLabel(&e))
	mark := ""
	if e.Auto {
		mark = lang.L("shiftlog.auto")
	}
	setText(auto, mark)
	setText(text, logEntryText(&e, p.data.loc))
	setText(o.(*fyne.Container).Objects[2].(*widget.Label), e.Author)
}

// onLogSelected opens an automatic entry's record, or shows a typed entry
// whole: a row shows only its first line.
func (p *todayPanel) onLogSelected(id widget.ListItemID) {
	p.log.Unselect(id)
	e := p.data.log[id]
	if e.Auto {
		p.onAutoEntry(e)
		return
	}
	p.showLogEntry(e)
}

func (p *todayPanel) onAddLog() {
	if p.logAdd.Disabled() || p.data.base.home == nil {
		return
	}
	e := roster.LogEntry{
		Station: p.data.base.home.ID,
		Day:     p.data.day,
		At:      p.s.u.now(),
		Kind:    p.logKinds[p.logKind.Selected],
		Text:    p.logText.Text,
	}
	p.logAdd.Disable()
	ctx, svc := p.s.u.ctx, p.s.u.svc.Rosters
	runAsync(func() (struct{}, error) { return struct{}{}, svc.AddLogEntry(ctx, &e) },
		func(_ struct{}, err error) {
			p.logAdd.Enable()
			if err != nil {
				p.logErr.SetText(logErrorText(err, e))
				p.logErr.Show()
				return
			}
			p.logText.SetText("")
			p.s.u.changed()
		})
}

func logErrorText(err error, e roster.LogEntry) string {
	if app.ErrorCode(err) == app.EINVALID && app.ErrorField(err) == "text" {
		if strings.TrimSpace(e.Text) == "" {
			return lang.L("error.duty.log_empty")
		}
		return lang.L("error.duty.log_long")
	}
	return errorText(err)
}

// The handover.

func (p *todayPanel) onHandOver() {
	d := p.data
	newHandOverDialog(p, d.day, d.on).show()
}

func (p *todayPanel) onHandOverPrev() {
	d := p.data
	newHandOverDialog(p, d.day.AddDays(-1), d.prevOn).show()
}

func (p *todayPanel) onConfirm() {
	if p.data.prev == nil {
		return
	}
	newConfirmDialog(p, *p.data.prev, p.data.on).show()
}

// afterHandover reloads and says what was recorded.
func (p *todayPanel) afterHandover(text string) {
	p.notice.show(text)
	p.s.u.changed()
}
