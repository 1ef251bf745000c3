package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/villagereport"
)

// villageGrade is how a new 村报 sounds: like a new intake from below
// that the rules have not graded yet, the quietest alarm, repeating
// until the duty officer opens the 村报 tab.
const villageGrade = incident.GradeGeneral

// villagePanel is the 村报 tab of 接报: the reports of the villages'
// information officers, pending first, and one report's view with its
// 核实 actions.
type villagePanel struct {
	s     *incidentScreen
	svc   villagereport.Service
	tab   *container.TabItem
	alarm Alarm

	entries  []villagereport.Entry
	selected app.ID
	rung     map[app.ID]bool // pending reports the alarm has sounded for
	shown    string          // shownKey of the report in view
	// selecting is set while the list's highlight is moved to follow
	// the report in view, which is no choice of the officer's.
	selecting bool
	seq       int

	list    *widget.List
	detail  *fyne.Container
	content fyne.CanvasObject
}

func newVillagePanel(s *incidentScreen, svc villagereport.Service) *villagePanel {
	p := &villagePanel{s: s, svc: svc, rung: map[app.ID]bool{}, alarm: s.u.alarms.source()}
	p.list = widget.NewList(func() int { return len(p.entries) }, p.newRow, p.updateRow)
	p.list.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(p.entries) && !p.selecting {
			if p.entries[i].Report.ID != p.selected {
				p.alarm.Silence() // the officer is reading the reports
			}
			p.open(p.entries[i].Report.ID)
		}
	}
	empty := widget.NewLabel(lang.L("village.choose"))
	empty.Alignment = fyne.TextAlignCenter
	p.detail = container.NewStack(container.NewCenter(empty))
	split := container.NewHSplit(p.list, p.detail)
	split.Offset = 0.3
	p.content = split
	p.tab = container.NewTabItemWithIcon(lang.L("village.tab"), theme.MailComposeIcon(), p.content)
	return p
}

// load reads the reports again: after a sync, a 核实, the tab opened.
func (p *villagePanel) load() {
	p.seq++
	seq := p.seq
	ctx, svc := p.s.u.ctx, p.svc
	runAsync(func() ([]villagereport.Entry, error) { return svc.List(ctx) }, func(list []villagereport.Entry, err error) {
		if seq != p.seq {
			return
		}
		if err != nil {
			p.s.u.showError(err)
			return
		}
		p.loaded(list)
	})
}

func (p *villagePanel) loaded(list []villagereport.Entry) {
	p.entries = list
	pending := 0
	fresh := false
	still := map[app.ID]bool{}
	for i := range list {
		if list[i].State() != villagereport.StatePending {
			continue
		}
		pending++
		id := list[i].Report.ID
		still[id] = true
		if !p.rung[id] {
			p.rung[id] = true
			fresh = true
		}
	}
	for id := range p.rung {
		if !still[id] {
			delete(p.rung, id)
		}
	}
	if pending > 0 {
		p.tab.Text = lang.L("village.tab_count", map[string]any{"N": pending})
	} else {
		p.tab.Text = lang.L("village.tab")
	}
	p.s.tabs.Refresh()
	// A new report rings even with the tab in front: a window left on it
	// overnight must still wake the room. Opening the tab or a report
	// silences it.
	switch {
	case pending == 0:
		p.alarm.Silence()
	case fresh:
		p.alarm.Sound(villageGrade)
	}
	p.list.Refresh()
	// The highlighted row follows the report in view, wherever the new
	// order put it.
	if p.selected == app.NilID {
		return
	}
	for i := range p.entries {
		if p.entries[i].Report.ID == p.selected {
			p.selecting = true
			p.list.Select(i)
			p.selecting = false
			if key := shownKey(p.entries[i]); key != p.shown {
				p.show(p.entries[i])
			}
			return
		}
	}
	p.list.UnselectAll()
}

// shownKey is what the report's view shows that can change: its state
// and how much of each photo is here. A reload that changes neither
// leaves the view (and its decoded photos) as it is.
func shownKey(e villagereport.Entry) string {
	key := string(e.State())
	for _, ph := range e.Photos {
		key += fmt.Sprintf("|%d/%d/%v/%s", ph.Have, ph.Parts, ph.Complete, ph.Damaged)
	}
	return key
}

// seen silences the alarm: the officer has the list in front of them.
func (p *villagePanel) seen() {
	p.alarm.Silence()
	p.load()
}

func (p *villagePanel) newRow() fyne.CanvasObject {
	state := widget.NewLabel("")
	state.TextStyle = fyne.TextStyle{Bold: true}
	head := widget.NewLabel("")
	head.Truncation = fyne.TextTruncateEllipsis
	what := widget.NewLabel("")
	what.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, state, nil, container.NewVBox(head, what))
}

func (p *villagePanel) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(p.entries) {
		return
	}
	e := &p.entries[i]
	row := o.(*fyne.Container)
	lines := row.Objects[0].(*fyne.Container)
	state := row.Objects[1].(*widget.Label)
	state.SetText(villageStateLabel(e.State()))
	state.Importance = villageStateImportance(e.State())
	state.Refresh()
	loc := p.s.base.location()
	lines.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%s  %s · %s", dateTime(e.Report.ReceivedAt, loc), stationName(p.s.base.tree, e.Report.Village), e.Report.OfficerName))
	lines.Objects[1].(*widget.Label).SetText(categoryLabel(e.Report.Category) + " · " + e.Report.Place)
}

// openReport brings the 村报 tab forward with one report in view: from
// the shift log.
func (p *villagePanel) openReport(id app.ID) {
	if p.s.u.nav.current != "incidents" {
		p.s.u.nav.open("incidents")
	}
	if p.s.body.Objects[0] != p.s.tabs {
		p.s.closeIncident()
	}
	p.selected = id
	p.s.tabs.Select(p.tab)
	p.load()
}

// villageLogDetail words a shift-log entry's detail: the category of a
// report received, the outcome of its 核实.
func villageLogDetail(event, detail string) string {
	if event == "villagereport.received" {
		return categoryLabel(incident.Category(detail))
	}
	switch villagereport.Outcome(detail) {
	case villagereport.NewIncident:
		return villageStateLabel(villagereport.StateVerified)
	case villagereport.Merged:
		return villageStateLabel(villagereport.StateMerged)
	}
	return villageStateLabel(villagereport.StateUnfounded)
}

// open shows one report.
func (p *villagePanel) open(id app.ID) {
	p.selected = id
	for i := range p.entries {
		if p.entries[i].Report.ID == id {
			p.show(p.entries[i])
			return
		}
	}
}

func villageStateLabel(s villagereport.State) string {
	switch s {
	case villagereport.StateVerified:
		return lang.L("village.state_verified")
	case villagereport.StateMerged:
		return lang.L("village.state_merged")
	case villagereport.StateUnfounded:
		return lang.L("village.state_unfounded")
	}
	return lang.L("village.state_pending")
}

func villageStateImportance(s villagereport.State) widget.Importance {
	switch s {
	case villagereport.StatePending:
		return widget.DangerImportance
	case villagereport.StateUnfounded:
		return widget.WarningImportance
	}
	return widget.SuccessImportance
}

// positionText is a position as a duty officer reads it off a map.
func positionText(lat, lon *float64) string {
	if lat == nil || lon == nil {
		return lang.L("village.no_position")
	}
	return fmt.Sprintf("%.5f, %.5f", *lat, *lon)
}

// villageCounts says the figures as the intake form's words do, and the
// houses, which incidents do not count.
func villageCounts(c villagereport.Counts) string {
	parts := []string{}
	if t := countsText(c.Incident()); t != "" {
		parts = append(parts, t)
	}
	if c.HousesDamaged > 0 {
		parts = append(parts, lang.L("village.houses", map[string]any{"N": c.HousesDamaged}))
	}
	if len(parts) == 0 {
		return lang.L("village.no_figures")
	}
	return strings.Join(parts, lang.L("incident.note_item_separator"))
}

// show fills the view of one report.
func (p *villagePanel) show(e villagereport.Entry) {
	p.shown = shownKey(e)
	r := &e.Report
	b := p.s.base
	loc := b.location()
	title := widget.NewLabel(lang.L("village.title", map[string]any{"Category": categoryLabel(r.Category), "Village": stationName(b.tree, r.Village)}))
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.Wrapping = fyne.TextWrapWord
	state := widget.NewLabel(p.stateText(e))
	state.Importance = villageStateImportance(e.State())
	state.TextStyle = fyne.TextStyle{Bold: true}
	state.Wrapping = fyne.TextWrapWord

	line := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	village := ""
	if b.tree != nil {
		village = b.tree.Path(r.Village)
	}
	if village == "" {
		village = r.Village.String()
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("village.officer"), line(r.OfficerName)),
		widget.NewFormItem(lang.L("village.village"), line(village)),
		widget.NewFormItem(lang.L("village.place"), line(lang.L("village.place_text", map[string]any{"Place": r.Place, "Position": positionText(r.Lat, r.Lon)}))),
		widget.NewFormItem(lang.L("village.occurred"), line(dateTime(r.OccurredAt, loc))),
		widget.NewFormItem(lang.L("village.received"), line(lang.L("village.received_text", map[string]any{"Written": dateTime(r.WrittenAt, loc), "Received": dateTime(r.ReceivedAt, loc)}))),
		widget.NewFormItem(lang.L("village.figures"), line(villageCounts(r.Counts))),
	)
	if r.Description != "" {
		form.Append(lang.L("village.description"), line(r.Description))
	}

	// The photos stand in a column beside the text, so both are in sight
	// at 1366×768 without scrolling.
	var photos fyne.CanvasObject
	if len(e.Photos) > 0 {
		head := widget.NewLabel(lang.L("village.photos", map[string]any{"N": len(e.Photos)}))
		head.TextStyle = fyne.TextStyle{Bold: true}
		cards := []fyne.CanvasObject{head}
		for _, ph := range e.Photos {
			cards = append(cards, p.photoCard(r.ID, ph, loc))
		}
		photos = container.NewVScroll(container.NewVBox(cards...))
	}
	// The 核实 actions stay in sight above the report, however long it is.
	top := []fyne.CanvasObject{title, state}
	if e.State() == villagereport.StatePending {
		create := widget.NewButtonWithIcon(lang.L("village.new_incident"), theme.DocumentCreateIcon(), func() { p.newIncident(r.ID) })
		create.Importance = widget.HighImportance
		merge := widget.NewButtonWithIcon(lang.L("village.merge"), theme.ContentAddIcon(), func() { p.merge(r) })
		reject := widget.NewButtonWithIcon(lang.L("village.unfounded"), theme.CancelIcon(), func() { p.unfounded(r.ID) })
		top = append(top, container.NewHBox(create, merge, reject))
	} else if v := e.Verification; v != nil && v.Outcome != villagereport.Unfounded {
		open := widget.NewButtonWithIcon(lang.L("village.open_incident"), theme.NavigateNextIcon(), func() { p.s.openIncident(v.Incident) })
		top = append(top, container.NewHBox(open))
	}
	top = append(top, widget.NewSeparator())
	p.detail.Objects = []fyne.CanvasObject{container.NewBorder(container.NewPadded(container.NewVBox(top...)), nil, nil, photos,
		container.NewVScroll(container.NewPadded(form)))}
	p.detail.Refresh()
}

// stateText says the state with who verified and when.
func (p *villagePanel) stateText(e villagereport.Entry) string {
	v := e.Verification
	if v == nil {
		return lang.L("village.state_pending_long")
	}
	args := map[string]any{"By": v.By, "Station": stationName(p.s.base.tree, v.Station), "At": dateTime(v.At, p.s.base.location()), "Reason": v.Reason}
	switch v.Outcome {
	case villagereport.NewIncident:
		return lang.L("village.verified_long", args)
	case villagereport.Merged:
		return lang.L("village.merged_long", args)
	}
	return lang.L("village.unfounded_long", args)
}

// photoCard is one photo's thumbnail with when and where it was taken;
// the bytes are read off the window's goroutine.
func (p *villagePanel) photoCard(report app.ID, ph villagereport.PhotoState, loc *time.Location) fyne.CanvasObject {
	frame := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	frame.SetMinSize(fyne.NewSize(220, 150))
	holder := container.NewStack(frame)
	taken := lang.L("village.taken_unknown")
	if !ph.TakenAt.IsZero() {
		taken = lang.L("village.taken", map[string]any{"At": dateTime(ph.TakenAt, loc)})
	}
	caption := widget.NewLabel(taken + "\n" + positionText(ph.Lat, ph.Lon))
	caption.Truncation = fyne.TextTruncateEllipsis
	switch {
	case ph.Damaged != "":
		holder.Add(container.NewCenter(widget.NewLabel(lang.L("village.photo_damaged"))))
	case !ph.Complete:
		holder.Add(container.NewCenter(widget.NewLabel(lang.L("village.photo_arriving", map[string]any{"Have": ph.Have, "Parts": ph.Parts}))))
	default:
		ctx, svc, sha, name := p.s.u.ctx, p.svc, ph.SHA256, ph.Name
		runAsync(func() ([]byte, error) { return svc.Photo(ctx, report, sha) }, func(data []byte, err error) {
			if err != nil {
				holder.Add(container.NewCenter(widget.NewLabel(errorText(err))))
				return
			}
			img := canvas.NewImageFromResource(fyne.NewStaticResource(name, data))
			img.FillMode = canvas.ImageFillContain
			img.SetMinSize(fyne.NewSize(220, 150))
			holder.Add(img)
		})
	}
	return container.NewBorder(nil, caption, nil, nil, holder)
}

// villageErrorText says why a 核实 was refused, in the window's language.
func villageErrorText(err error) string {
	if app.ErrorCode(err) == app.ECONFLICT {
		switch app.ErrorField(err) {
		case "photos":
			return lang.L("village.error_photos")
		case "verified":
			return lang.L("village.error_verified")
		case "incident":
			return lang.L("village.error_closed")
		}
	}
	return actionErrorText(err)
}

// done reloads the list and the register after a 核实.
func (p *villagePanel) done() {
	p.load()
	p.s.pending.load()
}

func (p *villagePanel) newIncident(id app.ID) {
	askConfirm(p.s.u, lang.L("village.new_incident"), lang.L("village.new_incident_confirm"), lang.L("village.new_incident"), func() {
		ctx, svc := p.s.u.ctx, p.svc
		runAsync(func() (*incident.Incident, error) { return svc.NewIncident(ctx, id) }, func(inc *incident.Incident, err error) {
			if err != nil {
				p.s.u.showMessage(lang.L("error.title"), villageErrorText(err))
				p.load()
				return
			}
			p.done()
			p.s.openIncident(inc.ID)
		})
	})
}

func (p *villagePanel) unfounded(id app.ID) {
	ctx, svc := p.s.u.ctx, p.svc
	newNameDialog(p.s.u, lang.L("village.unfounded"), lang.L("village.reason"), "", lang.L("village.unfounded"),
		func(reason string) error {
			err := svc.Unfounded(ctx, id, reason)
			if app.ErrorCode(err) == app.ECONFLICT {
				// Said in the window's words; the dialog shows the message.
				return &app.Error{Code: app.ECONFLICT, Message: villageErrorText(err)}
			}
			return err
		}, p.done).show()
}
