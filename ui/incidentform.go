package ui

import (
	"context"
	"mime"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// countFields are the casualty figures in the order the form asks them.
var countFields = []string{
	"counts.dead", "counts.missing", "counts.serious_injured",
	"counts.injured", "counts.trapped", "counts.evacuated",
}

func countFieldLabel(field string) string {
	switch field {
	case "counts.dead":
		return lang.L("incident.dead")
	case "counts.missing":
		return lang.L("incident.missing")
	case "counts.serious_injured":
		return lang.L("incident.serious")
	case "counts.injured":
		return lang.L("incident.injured")
	case "counts.trapped":
		return lang.L("incident.trapped")
	}
	return lang.L("incident.evacuated")
}

// chosenFile is an attachment picked for a new incident: read from disk
// only when the incident is saved, so picking a large file costs nothing.
type chosenFile struct {
	path string
	name string
	size int64
}

// intakeForm is 接报登记: what a duty officer fills in while on the phone.
// The grade is worked out as the figures are typed. Saving keeps the form
// as it is until the service says the incident is on disk; a refusal shows
// beside the field at fault and loses nothing.
type intakeForm struct {
	s    *incidentScreen
	base incidentBase

	received, occurred *formEntry
	setNow             *mouseButton
	channel            *widget.Select
	channels           map[string]incident.Channel
	reporterName       *formEntry
	reporterUnit       *formEntry
	reporterPhone      *formEntry
	placeStation       app.ID
	placePath          *widget.Label
	placeChoose        *widget.Button
	placeClear         *widget.Button
	placeText          *formEntry
	lat, lon           *formEntry
	category           *widget.Select
	categories         map[string]incident.Category
	counts             map[string]*formEntry
	loss               *formEntry
	description        *formEntry
	files              []chosenFile
	fileList           *fyne.Container
	addFile            *widget.Button
	fileHint           *widget.Label

	gradeBox    *canvas.Rectangle
	gradeName   *canvas.Text
	gradeFigure *widget.Label
	focusFlag   *widget.Label
	directFlag  *widget.Label
	missingNote *widget.Label
	deadlines   *widget.Label // the reports this station owes, by the grade shown

	errs   map[string]*widget.Label
	save   *widget.Button
	clear  *widget.Button
	status *widget.Label
	saving bool
	// touched is set by the first change typed into the form: until then
	// the time received follows the clock, so a form left open at the
	// start of a shift still says when the call came in.
	touched  bool
	quiet    bool            // changes made by the form itself, not typed
	right    *fyne.Container // the grade and the figures
	content  fyne.CanvasObject
	formArea *container.Scroll

	rules       *widget.Button       // the station's grading and reporting rules
	rulesDialog *incidentRulesDialog // the one last opened, nil before
}

func newIntakeForm(s *incidentScreen) *intakeForm {
	// The national rules grade the figures until the station's are read.
	f := &intakeForm{s: s, counts: map[string]*formEntry{}, base: incidentBase{settings: incident.DefaultSettings()}}
	f.errs = map[string]*widget.Label{"": errorLabel()}
	for _, field := range append([]string{"received_at", "occurred_at", "channel", "reporter", "place", "place.lat",
		"category", "loss", "description", "attachments"}, countFields...) {
		f.errs[field] = errorLabel()
	}

	f.received = f.entry("received_at")
	// The deadlines run from the time received.
	f.received.OnChanged = func(string) { f.clearError("received_at"); f.touch(); f.updateGrade() }
	f.received.SetPlaceHolder("2026-10-03 09:00")
	f.setNow = newMouseButton(lang.L("incident.now"), f.onSetNow)
	f.occurred = f.entry("occurred_at")
	f.occurred.SetPlaceHolder(lang.L("incident.occurred_placeholder"))

	f.channels = map[string]incident.Channel{}
	var channelOptions []string
	for _, c := range incident.Channels {
		channelOptions = append(channelOptions, channelLabel(c))
		f.channels[channelLabel(c)] = c
	}
	f.channel = widget.NewSelect(channelOptions, func(string) { f.clearError("channel"); f.touch() })

	f.reporterName = f.entry("reporter")
	f.reporterName.SetPlaceHolder(lang.L("incident.reporter_name"))
	f.reporterUnit = f.entry("reporter")
	f.reporterUnit.SetPlaceHolder(lang.L("incident.reporter_unit"))
	f.reporterPhone = f.entry("reporter")
	f.reporterPhone.SetPlaceHolder(lang.L("incident.reporter_phone"))

	f.placePath = widget.NewLabel("")
	f.placePath.Truncation = fyne.TextTruncateEllipsis
	f.placeChoose = widget.NewButton(lang.L("incident.place_choose"), f.onChoosePlace)
	f.placeClear = widget.NewButtonWithIcon("", theme.ContentClearIcon(), f.onClearPlace)
	f.placeText = f.entry("place")
	f.placeText.SetPlaceHolder(lang.L("incident.place_text"))
	f.lat = f.entry("place.lat")
	f.lat.SetPlaceHolder(lang.L("incident.lat"))
	f.lon = f.entry("place.lat")
	f.lon.SetPlaceHolder(lang.L("incident.lon"))

	f.categories = map[string]incident.Category{}
	var categoryOptions []string
	for _, c := range incident.Categories {
		categoryOptions = append(categoryOptions, categoryChoice(c))
		f.categories[categoryChoice(c)] = c
	}
	f.category = widget.NewSelect(categoryOptions, func(string) { f.clearError("category"); f.touch(); f.updateGrade() })
	f.category.PlaceHolder = lang.L("incident.category_placeholder")

	for _, field := range countFields {
		e := f.entry(field)
		e.SetPlaceHolder("0")
		e.OnChanged = func(string) { f.clearError(field); f.touch(); f.updateGrade() }
		f.counts[field] = e
	}
	f.loss = f.entry("loss")
	// Left empty, the loss is not yet known, and says so.
	f.loss.SetPlaceHolder(lang.L("incident.loss_unknown"))
	f.loss.OnChanged = func(string) { f.clearError("loss"); f.touch(); f.updateGrade() }
	// The last field: Enter here saves, as in any form filled top to bottom.
	f.loss.OnSubmitted = func(string) { f.onSave() }

	f.description = newFormTextArea(f.onSave)
	f.description.SetPlaceHolder(lang.L("incident.description_placeholder"))
	f.description.SetMinRowsVisible(3)
	f.description.OnChanged = func(string) { f.clearError("description"); f.touch() }

	f.fileList = container.NewVBox()
	f.addFile = widget.NewButtonWithIcon(lang.L("incident.attach"), theme.ContentAddIcon(), f.onAddFile)
	f.fileHint = hintLabel("")

	f.gradeBox = canvas.NewRectangle(gradeColor(0))
	f.gradeBox.CornerRadius = theme.InputRadiusSize()
	f.gradeName = canvas.NewText(gradeLabel(0), gradeTextColor(0))
	f.gradeName.TextStyle.Bold = true
	f.gradeName.TextSize = theme.TextHeadingSize()
	f.gradeName.Alignment = fyne.TextAlignCenter
	f.gradeFigure = widget.NewLabel("")
	f.gradeFigure.TextStyle.Bold = true
	f.gradeFigure.Wrapping = fyne.TextWrapWord
	f.focusFlag = widget.NewLabel(lang.L("incident.focus_case"))
	f.focusFlag.Importance = widget.WarningImportance
	f.focusFlag.Wrapping = fyne.TextWrapWord
	f.directFlag = widget.NewLabel("")
	f.directFlag.Importance = widget.DangerImportance
	f.directFlag.Wrapping = fyne.TextWrapWord
	f.missingNote = hintLabel("")
	f.deadlines = widget.NewLabel("")
	f.deadlines.Wrapping = fyne.TextWrapWord

	f.save = widget.NewButtonWithIcon(lang.L("incident.save"), theme.DocumentSaveIcon(), f.onSave)
	f.save.Importance = widget.HighImportance
	f.clear = widget.NewButton(lang.L("incident.clear"), f.onClear)
	f.rules = widget.NewButtonWithIcon(lang.L("incident.rules"), theme.SettingsIcon(), f.onRules)
	f.rules.Importance = widget.LowImportance
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord

	// Fields are laid out, and so reached with Tab, in the order a caller
	// tells them: when, how, who, where, what; the figures come last,
	// beside the grade they decide.
	left := widget.NewForm(
		widget.NewFormItem(lang.L("incident.received_at"), f.withError("received_at",
			container.NewBorder(nil, nil, nil, f.setNow, f.received))),
		widget.NewFormItem(lang.L("incident.occurred_at"), f.withError("occurred_at", f.occurred)),
		widget.NewFormItem(lang.L("incident.channel"), f.withError("channel", f.channel)),
		widget.NewFormItem(lang.L("incident.reporter"), f.withError("reporter",
			container.NewGridWithColumns(3, f.reporterName, f.reporterUnit, f.reporterPhone))),
		widget.NewFormItem(lang.L("incident.place"), f.withError("place", container.NewVBox(
			container.NewBorder(nil, nil, nil, container.NewHBox(f.placeChoose, f.placeClear), f.placePath),
			f.placeText))),
		widget.NewFormItem(lang.L("incident.coordinates"), f.withError("place.lat",
			container.NewGridWithColumns(2, f.lat, f.lon))),
		widget.NewFormItem(lang.L("incident.category"), f.withError("category", f.category)),
		widget.NewFormItem(lang.L("incident.description"), f.withError("description", f.description)),
		widget.NewFormItem(lang.L("incident.attachments"), f.withError("attachments",
			container.NewVBox(f.fileList, container.NewBorder(nil, nil, f.addFile, nil, f.fileHint)))),
	)
	// The figures sit three to a row under their names, so the grade they
	// decide stays in view above them on the smallest window. A row shares
	// one error line, which names the figure at fault.
	var countRows []fyne.CanvasObject
	for i := 0; i < len(countFields); i += 3 {
		rowErr := errorLabel()
		grid := container.NewGridWithColumns(3)
		for _, field := range countFields[i : i+3] {
			f.errs[field] = rowErr
			grid.Add(container.NewVBox(widget.NewLabel(countFieldLabel(field)), f.counts[field]))
		}
		countRows = append(countRows, container.NewVBox(grid, reserveLines(rowErr, 2)))
	}
	countGrid := container.NewVBox(countRows...)
	loss := container.NewVBox(widget.NewLabel(lang.L("incident.loss_wan")), f.loss, reserveLines(f.errs["loss"], 2))

	// Everything above the figures keeps its room whether it shows or not,
	// so the figures stay where the officer's eye and mouse left them.
	grade := container.NewVBox(
		container.NewBorder(nil, nil, sectionTitle(lang.L("incident.provisional_grade")), nil,
			container.NewStack(f.gradeBox, container.NewPadded(f.gradeName))),
		reserveLines(f.gradeFigure, 2),
		reserveLines(container.NewVBox(f.focusFlag, f.directFlag), 2),
		reserveLines(f.missingNote, 2))
	f.right = container.NewVBox(grade, widget.NewSeparator(), countGrid, loss,
		// The rules sit on the left of the buttons but come after them with
		// Tab: the intake leads to the save, not to the rules.
		container.NewBorder(nil, nil, f.rules, nil, container.NewHBox(layout.NewSpacer(), f.clear, f.save)),
		f.errs[""], f.status,
		// The deadlines follow the grade: the officer sees, while still on
		// the phone, how long there is to report and to whom. They come
		// last, as their length varies with the grade and nothing below
		// them can move.
		sectionTitle(lang.L("incident.deadlines_title")), f.deadlines)
	right := f.right
	f.formArea = container.NewVScroll(container.NewPadded(
		container.New(&intakeColumns{}, left, right)))
	f.content = f.formArea
	f.reset()
	f.enableAll(false)
	return f
}

// intakeColumns puts the form on the left and the grade with the figures
// on the right, giving the left the larger share.
type intakeColumns struct{}

const intakeRightWidth = 300

func (intakeColumns) MinSize(objects []fyne.CanvasObject) fyne.Size {
	l, r := objects[0].MinSize(), objects[1].MinSize()
	return fyne.NewSize(l.Width+theme.Padding()*2+max(r.Width, intakeRightWidth), max(l.Height, r.Height))
}

func (intakeColumns) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	rw := max(objects[1].MinSize().Width, intakeRightWidth)
	gap := theme.Padding() * 2
	objects[0].Move(fyne.NewPos(0, 0))
	objects[0].Resize(fyne.NewSize(size.Width-rw-gap, size.Height))
	objects[1].Move(fyne.NewPos(size.Width-rw, 0))
	objects[1].Resize(fyne.NewSize(rw, objects[1].MinSize().Height))
}

// entry makes an entry whose error clears as soon as it is edited.
func (f *intakeForm) entry(field string) *formEntry {
	e := newFormEntry(f.onSave)
	e.OnChanged = func(string) { f.clearError(field); f.touch() }
	e.onFocus = f.reveal
	return e
}

// reveal scrolls the form so that o, just reached with Tab, is in view:
// the scroll does not follow the cursor by itself.
func (f *intakeForm) reveal(o fyne.CanvasObject) {
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(f.formArea.Content).Y
	view := f.formArea.Size().Height
	offset := f.formArea.Offset
	switch {
	case top < offset.Y:
		offset.Y = top
	case top+o.Size().Height > offset.Y+view:
		offset.Y = top + o.Size().Height - view
	default:
		return
	}
	f.formArea.ScrollToOffset(offset)
}

func (f *intakeForm) withError(field string, w fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(w, f.errs[field])
}

func (f *intakeForm) showLoadError(err error) {
	f.status.Importance = widget.DangerImportance
	f.status.SetText(lang.L("incident.load_failed", map[string]any{"Error": errorText(err)}))
}

// setBase takes the station and rules read for the screen.
func (f *intakeForm) setBase(b incidentBase) {
	f.base = b
	f.fileHint.SetText(lang.L("incident.attach_hint", map[string]any{"Limit": formatSize(f.maxAttachment())}))
	if b.home == nil {
		f.status.Importance = widget.WarningImportance
		f.status.SetText(noHomeText())
		f.enableAll(false)
		return
	}
	if f.status.Importance == widget.WarningImportance || f.status.Importance == widget.DangerImportance {
		f.status.SetText("")
	}
	f.enableAll(true)
	f.showPlace()
	f.updateGrade()
}

func (f *intakeForm) enableAll(on bool) {
	for _, w := range []fyne.Disableable{f.received, f.occurred, f.setNow, f.channel, f.reporterName, f.reporterUnit,
		f.reporterPhone, f.placeChoose, f.placeClear, f.placeText, f.lat, f.lon, f.category, f.loss, f.description,
		f.addFile, f.save, f.clear, f.rules} {
		enable(w, on)
	}
	for _, e := range f.counts {
		enable(e, on)
	}
}

func (f *intakeForm) maxAttachment() int64 {
	if n := f.base.settings.Limits.MaxAttachment; n > 0 {
		return n
	}
	return incident.DefaultMaxAttachment
}

// reset empties the form for the next call, with the time received set to
// now and the phone as the channel, the commonest.
func (f *intakeForm) reset() {
	f.quiet = true
	defer func() { f.quiet, f.touched = false, false }()
	f.received.SetText(formatEntryTime(f.s.u.now(), f.loc()))
	f.occurred.SetText("")
	f.channel.SetSelected(channelLabel(incident.ChannelPhone))
	for _, e := range []*formEntry{f.reporterName, f.reporterUnit, f.reporterPhone, f.placeText, f.lat, f.lon, f.loss, f.description} {
		e.SetText("")
	}
	for _, e := range f.counts {
		e.SetText("")
	}
	f.category.ClearSelected()
	f.placeStation = app.NilID
	f.files = nil
	f.showFiles()
	f.showPlace()
	for field := range f.errs {
		f.clearError(field)
	}
	f.updateGrade()
}

func (f *intakeForm) loc() *time.Location { return f.base.location() }

func (f *intakeForm) touch() {
	if !f.quiet {
		f.touched = true
	}
}

// followClock moves the time received on to now while nothing has been
// typed.
func (f *intakeForm) followClock() {
	if f.touched || f.received.Disabled() {
		return
	}
	now := formatEntryTime(f.s.u.now(), f.loc())
	if f.received.Text != now {
		f.quiet = true
		f.received.SetText(now)
		f.quiet = false
	}
}

func (f *intakeForm) onSetNow() {
	f.received.SetText(formatEntryTime(f.s.u.now(), f.loc()))
}

func (f *intakeForm) onChoosePlace() {
	if f.base.area == nil {
		return
	}
	current := f.placeStation
	if current == app.NilID && f.base.home != nil {
		current = f.base.home.ID
	}
	newStationPicker(f.s.u.win, f.base.area, lang.L("incident.place_choose_title"), current, f.onPlaceChosen).show()
}

func (f *intakeForm) onPlaceChosen(st *app.Station) {
	f.placeStation = st.ID
	f.clearError("place")
	f.showPlace()
	f.s.u.win.Canvas().Focus(f.placeText)
}

func (f *intakeForm) onClearPlace() {
	f.placeStation = app.NilID
	f.showPlace()
}

func (f *intakeForm) showPlace() {
	if f.placeStation == app.NilID || f.base.tree == nil {
		f.placePath.SetText(lang.L("incident.place_none"))
		f.placePath.Importance = widget.LowImportance
		f.placeClear.Hide()
	} else {
		f.placePath.SetText(f.base.tree.Path(f.placeStation))
		f.placePath.Importance = widget.MediumImportance
		f.placeClear.Show()
	}
	f.placePath.Refresh()
}

// Attachments.

func (f *intakeForm) onAddFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			f.showFieldError("attachments", errorText(err))
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		f.addChosenFile(path)
	}, f.s.u.win)
	d.Resize(fyne.NewSize(760, 520))
	showFileDialog(d, f.s.u.win)
}

// addChosenFile lists a file for the incident. One over the station's limit
// is refused at once, while the caller is still on the line and can be
// asked for a smaller one.
func (f *intakeForm) addChosenFile(path string) {
	info, err := os.Stat(path)
	if err != nil {
		f.showFieldError("attachments", lang.L("incident.error_attachment_read", map[string]any{"Name": filepath.Base(path)}))
		return
	}
	if info.Size() > f.maxAttachment() {
		f.showFieldError("attachments", lang.L("incident.error_attachment_size", map[string]any{
			"Name": info.Name(), "Size": formatSize(info.Size()), "Limit": formatSize(f.maxAttachment())}))
		return
	}
	f.clearError("attachments")
	f.files = append(f.files, chosenFile{path: path, name: info.Name(), size: info.Size()})
	f.showFiles()
}

func (f *intakeForm) showFiles() {
	f.fileList.Objects = nil
	for i, file := range f.files {
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { f.removeFile(i) })
		remove.Importance = widget.LowImportance
		name := widget.NewLabel(lang.L("incident.attachment_line", map[string]any{"Name": file.name, "Size": formatSize(file.size)}))
		name.Truncation = fyne.TextTruncateEllipsis
		f.fileList.Add(container.NewBorder(nil, nil, nil, remove, name))
	}
	f.fileList.Refresh()
}

func (f *intakeForm) removeFile(i int) {
	if i < len(f.files) {
		f.files = append(f.files[:i], f.files[i+1:]...)
		f.showFiles()
	}
}

// formatSize writes a file size as people read it.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// The grade, live.

// entered reads the form into an incident. A figure that is not a number
// is reported by field; everything else is left to the domain's rules.
func (f *intakeForm) entered() (incident.Incident, string, string) {
	inc := incident.Incident{
		Channel:     f.channels[f.channel.Selected],
		Reporter:    incident.Reporter{Name: f.reporterName.Text, Unit: f.reporterUnit.Text, Phone: f.reporterPhone.Text},
		Place:       incident.Place{Station: f.placeStation, Text: f.placeText.Text},
		Category:    f.categories[f.category.Selected],
		Description: f.description.Text,
	}
	if f.base.home != nil {
		inc.Station = f.base.home.ID
	}
	var badField, badText string
	bad := func(field, text string) {
		if badField == "" {
			badField, badText = field, text
		}
	}
	var err error
	if inc.ReceivedAt, err = parseEntryTime(f.received.Text, f.loc()); err != nil {
		bad("received_at", lang.L("incident.error_time_format"))
	}
	if inc.OccurredAt, err = parseEntryTime(f.occurred.Text, f.loc()); err != nil {
		bad("occurred_at", lang.L("incident.error_time_format"))
	}
	counts := []*int{&inc.Counts.Dead, &inc.Counts.Missing, &inc.Counts.SeriousInjured,
		&inc.Counts.Injured, &inc.Counts.Trapped, &inc.Counts.Evacuated}
	for i, field := range countFields {
		n, err := parseCount(f.counts[field].Text)
		if err != nil {
			bad(field, lang.L("incident.error_count_format"))
		}
		*counts[i] = n
	}
	if inc.Loss, err = parseWan(f.loss.Text); err != nil {
		bad("loss", lang.L("incident.error_loss_format"))
	}
	lat, lon := strings.TrimSpace(f.lat.Text), strings.TrimSpace(f.lon.Text)
	if lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil || err2 != nil {
			bad("place.lat", lang.L("incident.error_coordinates"))
		} else {
			inc.Place.Lat, inc.Place.Lon = &la, &lo
		}
	}
	return inc, badField, badText
}

// updateGrade grades the figures as they stand, under this station's
// thresholds, exactly as the service will on saving.
func (f *intakeForm) updateGrade() {
	if field, text := f.badFigure(); field != "" {
		f.showFigureFault(field, text)
		f.deadlines.SetText(lang.L("incident.deadlines_wait_figures"))
		f.deadlines.Importance = widget.LowImportance
		f.deadlines.Refresh()
		return
	}
	inc, _, _ := f.entered()
	a := incident.Assess(&inc, f.base.settings.Thresholds)
	f.showDeadlines(&inc, a)
	f.gradeBox.FillColor = gradeColor(a.Grade)
	f.gradeBox.Refresh()
	f.gradeName.Text = gradeLabel(a.Grade)
	f.gradeName.Color = gradeTextColor(a.Grade)
	f.gradeName.Refresh()
	f.gradeFigure.SetText(assessmentText(a))
	if a.Focus {
		f.focusFlag.Show()
	} else {
		f.focusFlag.Hide()
	}
	if a.DirectReport {
		sc := f.base.settings.Thresholds.Scale(inc.Category)
		f.directFlag.SetText(lang.L("incident.direct_report", map[string]any{"N": sc.DirectReportDeadMissing}))
		f.directFlag.Show()
	} else {
		f.directFlag.Hide()
	}
	f.missingNote.SetText(missingRuleText(a))
	// Flags came and went: lay the column out again, or they are drawn
	// over their neighbours.
	if f.right != nil {
		f.right.Refresh()
	}
}

// showDeadlines lists the reports this station will owe once the
// incident is saved, worked out by the same rules the service applies on
// saving, from the time received as typed.
func (f *intakeForm) showDeadlines(inc *incident.Incident, a incident.Assessment) {
	text, importance := intakeDeadlinesText(inc, a, f.base, f.received.Text)
	f.deadlines.Importance = importance
	f.deadlines.SetText(text)
}

func intakeDeadlinesText(inc *incident.Incident, a incident.Assessment, b incidentBase, received string) (string, widget.Importance) {
	if b.home == nil || b.tree == nil {
		return "", widget.LowImportance
	}
	if inc.ReceivedAt.IsZero() || strings.TrimSpace(received) == "" {
		return lang.L("incident.deadlines_wait_received"), widget.LowImportance
	}
	// One line per deadline, naming everyone due then: a major incident
	// owes the same report to three offices, and six lines would hide that
	// there are only two times to meet.
	type due struct {
		kind incident.ReportKind
		mode incident.Mode
		at   time.Time
	}
	var order []due
	to := map[due][]string{}
	tasks := incident.RequiredReports(inc, a, b.tree, b.settings.Rules, inc.ReceivedAt)
	incident.SortTasks(tasks)
	for _, t := range tasks {
		if t.From != b.home.ID {
			continue // passed on by the stations above, on their own clocks
		}
		k := due{t.Kind, t.Mode, t.Due}
		if _, seen := to[k]; !seen {
			order = append(order, k)
		}
		to[k] = append(to[k], recipientLabel(t.To, b.tree))
	}
	var lines []string
	for _, k := range order {
		lines = append(lines, lang.L("incident.deadline_line", map[string]any{
			"Kind": reportKindLabel(k.kind), "Mode": modeLabel(k.mode), "To": strings.Join(to[k], lang.L("list.separator")),
			"Due": dueClock(k.at, inc.ReceivedAt, b.location()), "Within": withinText(k.at.Sub(inc.ReceivedAt))}))
	}
	if len(lines) == 0 {
		return lang.L("incident.deadlines_none"), widget.LowImportance
	}
	return strings.Join(lines, "\n"), widget.WarningImportance
}

// dueClock writes a deadline as the clock alone when it falls on the day
// the call came in, with the date when it runs past midnight.
func dueClock(due, received time.Time, loc *time.Location) string {
	if due.In(loc).Format("2006-01-02") == received.In(loc).Format("2006-01-02") {
		return clockTime(due, loc)
	}
	return dateTime(due, loc)
}

// withinText writes a time limit as the rules state it: 30 分钟, 2 小时.
func withinText(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return lang.L("incident.within_hours", map[string]any{"N": int(d / time.Hour)})
	}
	return lang.L("incident.within_minutes", map[string]any{"N": int(d.Round(time.Minute) / time.Minute)})
}

// badFigure is the first figure, in the form's order, that cannot be
// graded: not a number, or below zero. Graded as zero it would show a
// lower grade than the caller gave, which is worse than showing none.
func (f *intakeForm) badFigure() (field, text string) {
	for _, field := range countFields {
		if n, err := parseCount(f.counts[field].Text); err != nil || n < 0 {
			return field, f.counts[field].Text
		}
	}
	if yuan, err := parseWan(f.loss.Text); err != nil || yuan < 0 {
		return "loss", f.loss.Text
	}
	return "", ""
}

// showFigureFault puts 请更正 where the grade goes, naming the figure to
// correct, until it is a number again.
func (f *intakeForm) showFigureFault(field, text string) {
	name := lang.L("incident.loss_wan")
	if field != "loss" {
		name = countFieldLabel(field)
	}
	f.gradeBox.FillColor = theme.Color(theme.ColorNameError)
	f.gradeBox.Refresh()
	f.gradeName.Text = lang.L("incident.grade_correct")
	f.gradeName.Color = theme.Color(theme.ColorNameForegroundOnError)
	f.gradeName.Refresh()
	f.gradeFigure.SetText(lang.L("incident.grade_correct_field", map[string]any{"Field": name, "Text": strings.TrimSpace(text)}))
	f.focusFlag.Hide()
	f.directFlag.Hide()
	if f.right != nil {
		f.right.Refresh()
	}
}

// missingRuleText states whether the missing were counted with the dead:
// the same figures give different grades either way, so the reader must
// see which rule applied.
func missingRuleText(a incident.Assessment) string {
	scale := lang.L("incident.scale_accident")
	if a.Disaster {
		scale = lang.L("incident.scale_disaster")
	}
	if a.MissingCounted {
		return lang.L("incident.missing_counted", map[string]any{"Scale": scale})
	}
	return lang.L("incident.missing_not_counted", map[string]any{"Scale": scale})
}

// Saving.

func (f *intakeForm) onSave() {
	if f.saving || f.save.Disabled() {
		return
	}
	for field := range f.errs {
		f.clearError(field)
	}
	inc, badField, badText := f.entered()
	if badField != "" {
		f.showFieldError(badField, badText)
		return
	}
	f.saving = true
	f.save.Disable()
	f.status.Importance = widget.MediumImportance
	f.status.SetText(lang.L("incident.saving"))
	ctx, svc, files := f.s.u.ctx, f.s.u.svc, append([]chosenFile(nil), f.files...)
	runAsync(func() (savedIncident, error) { return saveIncident(ctx, svc, inc, files) },
		func(saved savedIncident, err error) { f.onSaveDone(inc, saved, err) })
}

// savedIncident is what the service made of a new incident.
type savedIncident struct {
	inc   incident.Incident
	a     incident.Assessment
	tasks []incident.ReportTask
}

func saveIncident(ctx context.Context, svc Services, inc incident.Incident, files []chosenFile) (savedIncident, error) {
	if len(files) == 0 {
		a, tasks, err := svc.Incidents.CreateIncident(ctx, &inc)
		return savedIncident{inc, a, tasks}, err
	}
	if svc.IncidentFiles == nil {
		return savedIncident{}, app.FieldErrorf("attachments", "attachments cannot be stored by this program")
	}
	var out []IncidentFile
	for _, c := range files {
		fh, err := os.Open(c.path)
		if err != nil {
			return savedIncident{}, app.FieldErrorf("attachments", "cannot open %s", c.name)
		}
		defer fh.Close()
		info, err := fh.Stat()
		if err != nil {
			return savedIncident{}, app.FieldErrorf("attachments", "cannot read %s", c.name)
		}
		out = append(out, IncidentFile{Name: c.name, MIME: mime.TypeByExtension(filepath.Ext(c.name)), Size: info.Size(), Content: fh})
	}
	a, tasks, err := svc.IncidentFiles(ctx, &inc, out)
	return savedIncident{inc, a, tasks}, err
}

func (f *intakeForm) onSaveDone(entered incident.Incident, saved savedIncident, err error) {
	f.saving = false
	f.save.Enable()
	if err != nil {
		f.status.SetText("")
		f.showServiceError(err, entered)
		return
	}
	f.reset()
	f.status.Importance = widget.SuccessImportance
	f.status.SetText(lang.L("incident.saved", map[string]any{
		"Grade": gradeLabel(saved.a.Grade), "Count": len(saved.tasks)}))
	f.s.u.changed()
	f.s.openIncident(saved.inc.ID)
}

// showServiceError puts a refusal beside its field and moves the cursor
// there; one about nothing in particular goes under the buttons.
func (f *intakeForm) showServiceError(err error, entered incident.Incident) {
	if app.ErrorCode(err) != app.EINVALID {
		f.showFieldError("", errorText(err))
		return
	}
	f.showFieldError(intakeErrorField(app.ErrorField(err)), intakeErrorText(err, entered))
}

func (f *intakeForm) showFieldError(field, text string) {
	label, ok := f.errs[field]
	if !ok {
		label, field = f.errs[""], ""
	}
	if strings.HasPrefix(field, "counts.") {
		text = lang.L("incident.count_error", map[string]any{"Field": countFieldLabel(field), "Error": text})
	}
	label.SetText(text)
	label.Show()
	f.content.Refresh()
	if w := f.focusFor(field); w != nil {
		f.s.u.win.Canvas().Focus(w)
	}
}

func (f *intakeForm) clearError(field string) {
	if l, ok := f.errs[field]; ok && l.Visible() {
		l.Hide()
		f.content.Refresh()
	}
}

// focusFor is the widget to put the cursor in for a field's error.
func (f *intakeForm) focusFor(field string) fyne.Focusable {
	switch field {
	case "received_at":
		return f.received
	case "occurred_at":
		return f.occurred
	case "channel":
		return f.channel
	case "reporter":
		return f.reporterName
	case "place":
		return f.placeText
	case "place.lat":
		return f.lat
	case "category":
		return f.category
	case "loss":
		return f.loss
	case "description":
		return f.description
	}
	if e, ok := f.counts[field]; ok {
		return e
	}
	return nil
}

// intakeErrorField maps the domain's field paths onto the form's fields.
func intakeErrorField(field string) string {
	switch {
	case strings.HasPrefix(field, "reporter."):
		return "reporter"
	case field == "place.station" || field == "place.text":
		return "place"
	case field == "place.lon":
		return "place.lat"
	case field == "title":
		return "description"
	}
	return field
}

// intakeErrorText says what is wrong in the reader's language. The field
// tells which rule was broken; the value entered tells how.
func intakeErrorText(err error, inc incident.Incident) string {
	field := app.ErrorField(err)
	switch field {
	case "received_at":
		if inc.ReceivedAt.IsZero() {
			return lang.L("incident.error_received_required")
		}
		return lang.L("incident.error_received_future")
	case "occurred_at":
		return lang.L("incident.error_occurred_after")
	case "channel":
		return lang.L("incident.error_channel")
	case "reporter.name", "reporter.unit":
		return lang.L("incident.error_reporter_long")
	case "reporter.phone":
		return lang.L("incident.error_phone")
	case "place":
		return lang.L("incident.error_place_required")
	case "place.text":
		return lang.L("incident.error_place_long")
	case "place.station":
		return lang.L("incident.error_place_outside")
	case "place.lat", "place.lon":
		return lang.L("incident.error_coordinates")
	case "category":
		return lang.L("incident.error_category")
	case "loss":
		if inc.Loss < 0 {
			return lang.L("incident.error_loss_negative")
		}
		return lang.L("incident.error_loss_absurd")
	case "description", "title":
		return lang.L("incident.error_description_long")
	}
	if strings.HasPrefix(field, "counts.") {
		if countValue(inc.Counts, field) < 0 {
			return lang.L("incident.error_count_negative")
		}
		return lang.L("incident.error_count_absurd")
	}
	return app.ErrorMessage(err)
}

func countValue(c incident.Counts, field string) int {
	switch field {
	case "counts.dead":
		return c.Dead
	case "counts.missing":
		return c.Missing
	case "counts.serious_injured":
		return c.SeriousInjured
	case "counts.injured":
		return c.Injured
	case "counts.trapped":
		return c.Trapped
	}
	return c.Evacuated
}

func (f *intakeForm) onClear() {
	showKeyedQuestion(f.s.u.win, lang.L("incident.clear_title"), lang.L("incident.clear_confirm"),
		lang.L("incident.clear"), widget.DangerImportance, func(ok bool) {
			if ok {
				f.reset()
				f.status.SetText("")
			}
		})
}
