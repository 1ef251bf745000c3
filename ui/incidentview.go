package ui

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// viewData is one reading of an incident with everything hanging on it.
type viewData struct {
	inc     incident.Incident
	tasks   []incident.ReportTask
	reports []incident.Report
	events  []incident.Event
	files   []fileRow
}

func loadView(ctx context.Context, svc incident.Service, contents incident.Contents, id app.ID) (viewData, error) {
	var d viewData
	inc, err := svc.FindIncidentByID(ctx, id)
	if err != nil {
		return d, err
	}
	d.inc = *inc
	if d.tasks, err = svc.Tasks(ctx, incident.TaskFilter{Incident: &id}); err != nil {
		return d, err
	}
	incident.SortTasks(d.tasks)
	if d.reports, err = svc.Reports(ctx, id); err != nil {
		return d, err
	}
	if d.events, err = svc.Timeline(ctx, id); err != nil {
		return d, err
	}
	d.files, err = loadFiles(ctx, contents, &d)
	return d, err
}

// incidentView shows one incident: its grade, the reports the law requires
// with their countdowns, the reports written, and the timeline.
type incidentView struct {
	s      *incidentScreen
	id     app.ID
	data   viewData
	loaded bool
	seq    int

	back      *widget.Button
	title     *widget.Label
	gradeBox  *canvas.Rectangle
	gradeName *canvas.Text
	status    *widget.Label
	facts     *widget.Label // when and how it came in, where, the figures: a line each
	grading   *widget.Label
	described *widget.Label // 事件概况 as typed on intake
	descBox   *fyne.Container
	flags     *widget.Label
	confirm   *widget.Button
	override  *widget.Button
	closeIt   *widget.Button
	consult   *widget.Button // a video consultation with the incident's stations
	notice    *notice

	tabs             *container.AppTabs
	tasks            *widget.List
	tasksEmpty       *widget.Label
	reports          *widget.List
	reportsEmpty     *widget.Label
	newInitial       *widget.Button
	newFollowUp      *widget.Button
	newSupplementary *widget.Button
	newFinal         *widget.Button
	window           *widget.Label
	timeline         *widget.List
	files            *widget.List
	filesEmpty       *widget.Label
	content          fyne.CanvasObject
	sms              *smsSection // the SMS the hub sent about the incident (smsstates.go)
}

func newIncidentView(s *incidentScreen) *incidentView {
	v := &incidentView{s: s, notice: newNotice()}
	v.back = widget.NewButtonWithIcon(lang.L("incident.back"), theme.NavigateBackIcon(), s.closeIncident)
	v.title = widget.NewLabel("")
	v.title.TextStyle.Bold = true
	v.title.SizeName = theme.SizeNameSubHeadingText
	v.title.Truncation = fyne.TextTruncateEllipsis
	v.gradeBox = canvas.NewRectangle(gradeColor(0))
	v.gradeBox.CornerRadius = theme.InputRadiusSize()
	v.gradeName = canvas.NewText("", gradeTextColor(0))
	v.gradeName.TextStyle.Bold = true
	v.gradeName.Alignment = fyne.TextAlignCenter
	v.status = widget.NewLabel("")
	v.facts = widget.NewLabel("")
	v.facts.Truncation = fyne.TextTruncateEllipsis
	v.grading = widget.NewLabel("")
	v.grading.Wrapping = fyne.TextWrapWord
	v.described = widget.NewLabel("")
	v.described.Wrapping = fyne.TextWrapWord
	v.flags = widget.NewLabel("")
	v.flags.Importance = widget.DangerImportance
	v.flags.Wrapping = fyne.TextWrapWord
	v.confirm = widget.NewButtonWithIcon(lang.L("incident.confirm_grade"), theme.ConfirmIcon(), v.onConfirm)
	v.override = widget.NewButton(lang.L("incident.override_grade"), v.onOverride)
	v.closeIt = widget.NewButton(lang.L("incident.close_incident"), v.onClose)
	v.consult = widget.NewButtonWithIcon(lang.L("consult.from_incident"), theme.MediaVideoIcon(), func() { s.u.consultFromIncident(v.id) })
	v.consult.Hidden = s.u.svc.Consultations == nil

	v.tasks = widget.NewList(v.tasksLength, v.tasksCreate, v.tasksUpdate)
	v.tasksEmpty = hintLabel(lang.L("incident.tasks_none"))
	v.reports = widget.NewList(v.reportsLength, v.reportsCreate, v.reportsUpdate)
	v.reports.OnSelected = v.onReportSelected
	v.reportsEmpty = hintLabel(lang.L("incident.reports_none"))
	v.newInitial = widget.NewButtonWithIcon(lang.L("incident.new_initial"), theme.DocumentCreateIcon(),
		func() { v.onNewReport(incident.KindInitial) })
	v.newInitial.Importance = widget.HighImportance
	v.newFollowUp = widget.NewButton(lang.L("incident.new_followup"), func() { v.onNewReport(incident.KindFollowUp) })
	v.newSupplementary = widget.NewButton(lang.L("incident.new_supplementary"), func() { v.onNewReport(incident.KindSupplementary) })
	v.newFinal = widget.NewButton(lang.L("incident.new_final"), func() { v.onNewReport(incident.KindFinal) })
	v.window = hintLabel("")
	v.window.Wrapping = fyne.TextWrapOff
	v.window.Truncation = fyne.TextTruncateEllipsis
	v.timeline = widget.NewList(v.timelineLength, v.timelineCreate, v.timelineUpdate)
	v.timeline.OnSelected = v.onEventSelected
	v.files = widget.NewList(v.filesLength, v.filesCreate, v.filesUpdate)
	v.files.OnSelected = v.onFileSelected
	v.filesEmpty = hintLabel(lang.L("incident.files_none"))

	badge := container.NewStack(v.gradeBox, container.NewPadded(v.gradeName))
	header := container.NewBorder(nil, nil, container.NewHBox(v.back, badge), container.NewHBox(v.notice.label, v.status), v.title)
	v.notice.parent = header
	gradeRow := container.NewBorder(nil, nil, nil, container.NewHBox(v.consult, v.confirm, v.override, v.closeIt), v.grading)
	// The description may run to pages: it keeps three lines and scrolls
	// within them, so the tasks below stay on the screen.
	v.descBox = container.New(descriptionHeight(""), container.NewVScroll(v.described))
	top := container.NewVBox(header, v.facts, v.descBox, gradeRow, v.flags, widget.NewSeparator())

	reportButtons := container.NewBorder(nil, nil, nil,
		container.NewHBox(v.newInitial, v.newFollowUp, v.newSupplementary, v.newFinal), v.window)
	v.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("incident.tab_tasks"), container.NewStack(v.tasks, v.tasksEmpty)),
		container.NewTabItem(lang.L("incident.tab_reports"),
			container.NewBorder(reportButtons, nil, nil, nil, container.NewStack(v.reports, v.reportsEmpty))),
		container.NewTabItem(lang.L("incident.tab_timeline"), v.timeline),
		container.NewTabItem(lang.L("incident.tab_files"), container.NewStack(v.files, v.filesEmpty)),
	)
	v.sms = newSMSSection(s.u)
	v.sms.title.Hide() // the tab names it
	if s.u.svc.SMS != nil {
		v.tabs.Append(container.NewTabItem(lang.L("sms.section_title"), container.NewVScroll(v.sms.content)))
	}
	v.content = container.NewBorder(top, nil, nil, nil, v.tabs)
	return v
}

func (v *incidentView) open(id app.ID) {
	if v.id != id {
		v.id, v.loaded, v.data = id, false, viewData{}
		v.tabs.SelectIndex(0)
		v.show()
	}
	v.load()
}

func (v *incidentView) load() {
	v.seq++
	seq, id := v.seq, v.id
	ctx, svc, contents, village := v.s.u.ctx, v.s.u.svc.Incidents, v.s.u.svc.IncidentContents, v.s.u.svc.VillageReports
	runAsync(func() (viewData, error) {
		d, err := loadView(ctx, svc, contents, id)
		if err == nil {
			err = addVillageFiles(ctx, village, contents, &d)
		}
		return d, err
	}, func(d viewData, err error) {
		if seq != v.seq || id != v.id {
			return
		}
		if err != nil {
			v.title.SetText(lang.L("incident.load_failed", map[string]any{"Error": errorText(err)}))
			return
		}
		v.data, v.loaded = d, true
		v.show()
	})
}

func (v *incidentView) base() incidentBase { return v.s.base }

// home returns this station's id, NilID before one is chosen.
func (v *incidentView) home() app.ID {
	if v.s.base.home == nil {
		return app.NilID
	}
	return v.s.base.home.ID
}

func (v *incidentView) show() {
	inc := &v.data.inc
	b := v.base()
	open := v.loaded && inc.Status != incident.StatusClosed
	enable(v.confirm, open && inc.Provisional.Valid())
	enable(v.override, open)
	enable(v.closeIt, open)
	for _, w := range []*widget.Button{v.newInitial, v.newFollowUp, v.newSupplementary, v.newFinal} {
		enable(w, open)
	}
	if !v.loaded {
		v.title.SetText(lang.L("incident.loading"))
		v.facts.SetText("")
		v.described.SetText("")
		v.grading.SetText("")
		v.flags.Hide()
		v.status.SetText("")
		v.setGrade(0)
		v.tasks.Refresh()
		v.reports.Refresh()
		v.timeline.Refresh()
		v.files.Refresh()
		return
	}
	loc := b.location()
	// The incident's own messages and its overdue report tasks' (the
	// hub's events for each).
	events := []string{"incident:" + inc.ID.String()}
	for _, t := range v.data.tasks {
		events = append(events, "report:"+t.ID.String())
	}
	v.sms.show(events, b.tree, loc)
	v.title.SetText(incidentSummary(inc, b.tree))
	v.setGrade(inc.EffectiveGrade())
	v.status.SetText(statusLabel(inc.Status))
	if inc.Status == incident.StatusClosed {
		v.status.Importance = widget.LowImportance
	} else {
		v.status.Importance = widget.HighImportance
	}
	v.status.Refresh()

	v.facts.SetText(receivedText(inc, b) + "\n" + placeText(inc, b) + "\n" + lang.L("incident.figures_line", map[string]any{
		"Counts": countsText(inc.Counts), "Loss": lossText(inc.Loss)}))
	v.described.SetText(descriptionText(inc.Description))
	v.descBox.Layout = descriptionHeight(inc.Description)
	v.descBox.Refresh()

	a := incident.Assess(inc, b.settings.Thresholds)
	v.grading.SetText(gradingText(inc, a, loc))
	var flags []string
	if a.Focus {
		flags = append(flags, lang.L("incident.focus_case"))
	}
	if a.DirectReport {
		flags = append(flags, lang.L("incident.direct_report", map[string]any{
			"N": b.settings.Thresholds.Scale(inc.Category).DirectReportDeadMissing}))
	}
	if len(flags) > 0 {
		v.flags.SetText(strings.Join(flags, "  "))
		v.flags.Show()
	} else {
		v.flags.Hide()
	}

	hasInitial := false
	for _, r := range v.data.reports {
		if r.Kind == incident.KindInitial {
			hasInitial = true
		}
	}
	if hasInitial {
		v.newInitial.Hide()
		v.newFollowUp.Show()
		v.newSupplementary.Show()
		v.newFinal.Show()
	} else {
		v.newInitial.Show()
		v.newFollowUp.Hide()
		v.newSupplementary.Hide()
		v.newFinal.Hide()
	}
	end := incident.SupplementaryDeadline(inc, loc)
	enable(v.newSupplementary, open && v.s.u.now().Before(end))
	v.window.SetText(supplementaryWindowText(inc, loc))

	showIf(v.tasksEmpty, len(v.data.tasks) == 0)
	showIf(v.reportsEmpty, len(v.data.reports) == 0)
	showIf(v.filesEmpty, len(v.data.files) == 0)
	v.tasks.Refresh()
	v.reports.Refresh()
	v.timeline.Refresh()
	v.files.Refresh()
	v.content.Refresh()
}

// supplementaryWindowText says until when casualty changes are filed as
// supplementary reports: the last day, as the law counts it.
func supplementaryWindowText(inc *incident.Incident, loc *time.Location) string {
	last := incident.SupplementaryDeadline(inc, loc).Add(-time.Nanosecond).In(loc)
	return lang.L("incident.supplementary_window", map[string]any{
		"Days": incident.SupplementaryDays(inc.Category), "Last": last.Format("01-02")})
}

func (v *incidentView) setGrade(g incident.Grade) {
	v.gradeBox.FillColor = gradeColor(g)
	v.gradeBox.Refresh()
	v.gradeName.Text = gradeLabel(g)
	v.gradeName.Color = gradeTextColor(g)
	v.gradeName.Refresh()
}

func receivedText(inc *incident.Incident, b incidentBase) string {
	loc := b.location()
	reporter := strings.TrimSpace(strings.Join([]string{inc.Reporter.Name, inc.Reporter.Unit, inc.Reporter.Phone}, " "))
	occurred := lang.L("incident.occurred_unknown")
	if !inc.OccurredAt.IsZero() {
		occurred = lang.L("incident.occurred_value", map[string]any{"Time": dateTime(inc.OccurredAt, loc)})
	}
	return lang.L("incident.received_line", map[string]any{
		"Time": dateTime(inc.ReceivedAt, loc), "Channel": channelLabel(inc.Channel),
		"Reporter": orDash(reporter), "Occurred": occurred, "Station": stationName(b.tree, inc.Station)})
}

func placeText(inc *incident.Incident, b incidentBase) string {
	var parts []string
	if inc.Place.Station != app.NilID && b.tree != nil {
		parts = append(parts, b.tree.Path(inc.Place.Station))
	}
	if inc.Place.Text != "" {
		parts = append(parts, inc.Place.Text)
	}
	if inc.Place.Lat != nil && inc.Place.Lon != nil {
		parts = append(parts, lang.L("incident.coordinates_value", map[string]any{"Lat": *inc.Place.Lat, "Lon": *inc.Place.Lon}))
	}
	return lang.L("incident.place_line", map[string]any{
		"Category": categoryLabel(inc.Category), "Place": orDash(strings.Join(parts, " · "))})
}

// gradingText says the provisional grade and why, and what the leader on
// duty made of it.
func gradingText(inc *incident.Incident, a incident.Assessment, loc *time.Location) string {
	s := lang.L("incident.provisional_line", map[string]any{"Assessment": assessmentText(a), "Rule": missingRuleText(a)})
	switch {
	case inc.Grade == 0:
		s += "\n" + lang.L("incident.grade_unconfirmed")
	case inc.GradeReason != "":
		s += "\n" + lang.L("incident.grade_overridden", map[string]any{
			"Grade": gradeLabel(inc.Grade), "By": inc.GradedBy, "At": dateTime(inc.GradedAt, loc), "Reason": inc.GradeReason})
	default:
		s += "\n" + lang.L("incident.grade_confirmed", map[string]any{
			"Grade": gradeLabel(inc.Grade), "By": inc.GradedBy, "At": dateTime(inc.GradedAt, loc)})
	}
	return s
}

// tick moves the countdowns of the tasks.
func (v *incidentView) tick() {
	if v.loaded && v.tabs.SelectedIndex() == 0 {
		v.tasks.Refresh()
	}
}

// Tasks.

func (v *incidentView) tasksLength() int { return len(v.data.tasks) }

func (v *incidentView) tasksCreate() fyne.CanvasObject {
	state := widget.NewLabel(lang.L("incident.overdue_by", map[string]any{"Time": "00:00:00"}))
	state.TextStyle.Bold = true
	what := widget.NewLabel("")
	what.Truncation = fyne.TextTruncateEllipsis
	sign := widget.NewButton(lang.L("incident.sign"), nil)
	send := widget.NewButton(lang.L("incident.send"), nil)
	send.Importance = widget.HighImportance
	ack := widget.NewButton(lang.L("incident.acknowledge"), nil)
	return container.NewBorder(nil, nil, state, container.NewHBox(sign, send, ack), what)
}

func (v *incidentView) tasksUpdate(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(v.data.tasks) {
		return
	}
	t := v.data.tasks[id]
	b := v.base()
	row := o.(*fyne.Container)
	what, state, buttons := row.Objects[0].(*widget.Label), row.Objects[1].(*widget.Label), row.Objects[2].(*fyne.Container)
	sign, send, ack := buttons.Objects[0].(*widget.Button), buttons.Objects[1].(*widget.Button), buttons.Objects[2].(*widget.Button)

	text, importance := taskStateText(t, v.s.u.now(), b.location())
	setText(state, text)
	if state.Importance != importance {
		state.Importance = importance
		state.Refresh()
	}
	setText(what, lang.L("incident.task_row", map[string]any{
		"Kind": reportKindLabel(t.Kind), "Mode": modeLabel(t.Mode), "From": stationName(b.tree, t.From),
		"To": recipientLabel(t.To, b.tree), "Due": dateTime(t.Due, b.location())}))

	mine := t.From == v.home()
	open := v.data.inc.Status != incident.StatusClosed || t.Kind == incident.KindFinal
	showIf(sign, mine && open && t.Status == incident.TaskPending && t.Mode == incident.ModeWritten)
	showIf(send, mine && t.Open() && (t.Status == incident.TaskSigned || t.Mode == incident.ModePhone))
	if t.Mode == incident.ModePhone {
		send.SetText(lang.L("incident.phoned"))
	} else {
		send.SetText(lang.L("incident.send"))
	}
	// The receiving station acknowledges; for an office beyond the tree
	// the sender records that it has.
	showIf(ack, t.Status == incident.TaskSent && (t.To.Station == v.home() && t.To.Station != app.NilID || t.To.External() && mine))
	sign.OnTapped = func() { v.onSign(t) }
	send.OnTapped = func() { v.onSend(t) }
	ack.OnTapped = func() { v.onAcknowledge(t) }
	row.Refresh()
}

// taskStateText is where a task stands: the countdown while it waits,
// when it went and whether it was late once sent.
func taskStateText(t incident.ReportTask, now time.Time, loc *time.Location) (string, widget.Importance) {
	switch {
	case t.Open() && t.Overdue(now):
		return dueText(t, now), widget.DangerImportance
	case t.Open():
		return dueText(t, now), widget.WarningImportance
	case t.Late && t.Status == incident.TaskAcknowledged:
		return lang.L("incident.state_late_acked", map[string]any{"Time": dateTime(t.SentAt, loc), "By": t.AckedBy}), widget.DangerImportance
	case t.Late:
		return lang.L("incident.state_late", map[string]any{"Time": dateTime(t.SentAt, loc)}), widget.DangerImportance
	case t.Status == incident.TaskAcknowledged:
		return lang.L("incident.state_acked", map[string]any{"Time": dateTime(t.SentAt, loc), "By": t.AckedBy}), widget.SuccessImportance
	}
	return lang.L("incident.state_sent", map[string]any{"Time": dateTime(t.SentAt, loc)}), widget.SuccessImportance
}

// carried returns the report a task delivers: its own, or for an initial
// delivery the initial report once written.
func (v *incidentView) carried(t incident.ReportTask) *incident.Report {
	for i := range v.data.reports {
		r := &v.data.reports[i]
		if t.Report != app.NilID && r.ID == t.Report || t.Report == app.NilID && t.Kind == incident.KindInitial && r.Kind == incident.KindInitial {
			return r
		}
	}
	return nil
}

// taskSigner is the part of the store that lets a station above the filer
// sign its own deliveries of a report.
type taskSigner interface {
	SignTask(ctx context.Context, task app.ID, leader string) ([]incident.ReportTask, error)
}

func (v *incidentView) onSign(t incident.ReportTask) {
	r := v.carried(t)
	if r == nil {
		v.s.u.showMessage(lang.L("incident.sign"), lang.L("incident.write_initial_first"))
		return
	}
	report := *r
	newLeaderDialog(v.s.u, v.base(), lang.L("incident.sign_title", map[string]any{"Kind": reportKindLabel(report.Kind)}),
		lang.L("incident.sign"), func(leader string) error {
			if report.Station == t.From || report.SignedBy == "" && report.Station == v.home() {
				_, err := v.s.u.svc.Incidents.SignReport(v.s.u.ctx, report.ID, leader)
				return err
			}
			signer, ok := v.s.u.svc.Incidents.(taskSigner)
			if !ok {
				return app.Errorf(app.ENOTIMPLEMENTED, "signing a report passed on from below is not available")
			}
			_, err := signer.SignTask(v.s.u.ctx, t.ID, leader)
			return err
		}, func() {
			v.notice.show(lang.L("incident.signed_notice"))
			v.s.u.changed()
		}).show()
}

// onSend records a report as sent. What the law requires and the report
// leaves out is listed first: an omission (漏报) is seen before it happens.
func (v *incidentView) onSend(t incident.ReportTask) {
	var missing []string
	if r := v.carried(t); r != nil {
		missing = incident.MissingFields(&v.data.inc, r)
	} else if t.Mode == incident.ModeWritten {
		v.s.u.showMessage(lang.L("incident.send"), lang.L("incident.write_initial_first"))
		return
	}
	send := func() {
		ctx, svc := v.s.u.ctx, v.s.u.svc.Incidents
		runAsync(func() (struct{}, error) { return struct{}{}, svc.SendTask(ctx, t.ID) }, func(_ struct{}, err error) {
			if err != nil {
				v.s.u.showError(err)
				return
			}
			v.notice.show(lang.L("incident.sent_notice"))
			v.s.u.changed()
		})
	}
	if len(missing) == 0 {
		send()
		return
	}
	askConfirm(v.s.u, lang.L("incident.missing_title"),
		lang.L("incident.missing_before_send", map[string]any{"Fields": missingFieldsText(missing)}),
		lang.L("incident.send_anyway"), send)
}

func (v *incidentView) onAcknowledge(t incident.ReportTask) {
	by := v.s.u.author()
	newNameDialog(v.s.u, lang.L("incident.acknowledge_title"), lang.L("incident.acknowledge_by"), by,
		lang.L("incident.acknowledge"), func(name string) error {
			return v.s.u.svc.Incidents.AcknowledgeTask(v.s.u.ctx, t.ID, name)
		}, func() {
			v.notice.show(lang.L("incident.acked_notice"))
			v.s.u.changed()
		}).show()
}

// Reports.

func (v *incidentView) reportsLength() int { return len(v.data.reports) }

func (v *incidentView) reportsCreate() fyne.CanvasObject {
	kind := widget.NewLabel(lang.L("incident.kind_supplementary"))
	kind.TextStyle.Bold = true
	meta := widget.NewLabel("")
	meta.Truncation = fyne.TextTruncateEllipsis
	missing := widget.NewLabel("")
	missing.Importance = widget.DangerImportance
	text := widget.NewLabel("")
	text.Truncation = fyne.TextTruncateEllipsis
	sign := widget.NewButton(lang.L("incident.sign"), nil)
	doc := widget.NewButton(lang.L("incident.document"), nil)
	return container.NewBorder(nil, nil, nil, container.NewHBox(doc, sign),
		container.NewVBox(container.NewBorder(nil, nil, kind, missing, meta), text))
}

func (v *incidentView) reportsUpdate(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(v.data.reports) {
		return
	}
	r := v.data.reports[id]
	loc := v.base().location()
	row := o.(*fyne.Container)
	body, buttons := row.Objects[0].(*fyne.Container), row.Objects[1].(*fyne.Container)
	doc, sign := buttons.Objects[0].(*widget.Button), buttons.Objects[1].(*widget.Button)
	line := body.Objects[0].(*fyne.Container)
	meta, kind, missing := line.Objects[0].(*widget.Label), line.Objects[1].(*widget.Label), line.Objects[2].(*widget.Label)
	text := body.Objects[1].(*widget.Label)

	setText(kind, reportKindLabel(r.Kind))
	signed := lang.L("incident.report_unsigned")
	if r.SignedBy != "" {
		signed = lang.L("incident.report_signed_by", map[string]any{"By": r.SignedBy, "At": dateTime(r.SignedAt, loc)})
	}
	setText(meta, lang.L("incident.report_meta", map[string]any{
		"At": dateTime(r.CreatedAt, loc), "By": orDash(r.CreatedBy), "Station": stationName(v.base().tree, r.Station), "Signed": signed}))
	if m := incident.MissingFields(&v.data.inc, &r); len(m) > 0 {
		setText(missing, lang.L("incident.report_missing", map[string]any{"Fields": missingFieldsText(m)}))
		missing.Show()
	} else {
		missing.Hide()
	}
	first, _, _ := strings.Cut(r.Text, "\n")
	setText(text, first)
	showIf(sign, r.SignedBy == "" && r.Station == v.home())
	sign.OnTapped = func() { v.onSignReport(r) }
	// Only the filing station issues a report's document: its number is
	// in that station's series.
	showIf(doc, r.Station == v.home())
	doc.OnTapped = func() { v.onReportDocument(r) }
	row.Refresh()
}

func (v *incidentView) onSignReport(r incident.Report) {
	newLeaderDialog(v.s.u, v.base(), lang.L("incident.sign_title", map[string]any{"Kind": reportKindLabel(r.Kind)}),
		lang.L("incident.sign"), func(leader string) error {
			_, err := v.s.u.svc.Incidents.SignReport(v.s.u.ctx, r.ID, leader)
			return err
		}, func() {
			v.notice.show(lang.L("incident.signed_notice"))
			v.s.u.changed()
		}).show()
}

func (v *incidentView) onReportSelected(id widget.ListItemID) {
	v.reports.Unselect(id)
	if id >= len(v.data.reports) {
		return
	}
	r := v.data.reports[id]
	v.s.u.showMessage(lang.L("incident.report_title", map[string]any{
		"Kind": reportKindLabel(r.Kind), "At": dateTime(r.CreatedAt, v.base().location())}), r.Text)
}

func (v *incidentView) onNewReport(kind incident.ReportKind) {
	if !v.loaded || v.home() == app.NilID {
		return
	}
	newReportDialog(v, kind).show()
}

// Timeline.

func (v *incidentView) timelineLength() int { return len(v.data.events) }

func (v *incidentView) timelineCreate() fyne.CanvasObject {
	at := widget.NewLabel("10-03 09:00")
	kind := widget.NewLabel(lang.L("incident.event_grade_overridden"))
	kind.TextStyle.Bold = true
	who := widget.NewLabel("")
	detail := widget.NewLabel("")
	detail.Importance = widget.LowImportance
	detail.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, container.NewHBox(at, kind, who), nil, detail)
}

func (v *incidentView) timelineUpdate(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(v.data.events) {
		return
	}
	e := v.data.events[id]
	row := o.(*fyne.Container)
	detail, left := row.Objects[0].(*widget.Label), row.Objects[1].(*fyne.Container)
	setText(left.Objects[0].(*widget.Label), dateTime(e.At, v.base().location()))
	setText(left.Objects[1].(*widget.Label), eventKindLabel(e.Kind))
	setText(left.Objects[2].(*widget.Label), eventActor(e, v.base().tree))
	setText(detail, timelineDetail(e, v.base().tree, v.base().location()))
	row.Refresh()
}

// eventActor names who did it and where they sat.
func eventActor(e incident.Event, tree *app.Tree) string {
	who := orDash(e.Actor)
	if e.Station != app.NilID {
		return lang.L("incident.event_actor", map[string]any{"Name": who, "Station": stationName(tree, e.Station)})
	}
	return who
}

func (v *incidentView) onEventSelected(id widget.ListItemID) {
	v.timeline.Unselect(id)
	if id >= len(v.data.events) {
		return
	}
	e := v.data.events[id]
	v.s.u.showMessage(lang.L("incident.event_title", map[string]any{
		"Kind": eventKindLabel(e.Kind), "At": dateTime(e.At, v.base().location()), "Who": eventActor(e, v.base().tree)}),
		orDash(timelineDetail(e, v.base().tree, v.base().location())))
}

// Grade and close.

func (v *incidentView) onConfirm() {
	inc := v.data.inc
	newLeaderDialog(v.s.u, v.base(), lang.L("incident.confirm_title", map[string]any{"Grade": gradeLabel(inc.Provisional)}),
		lang.L("incident.confirm_grade"), func(leader string) error {
			return v.s.u.svc.Incidents.ConfirmGrade(v.s.u.ctx, inc.ID, leader)
		}, func() {
			v.notice.show(lang.L("incident.graded_notice"))
			v.s.u.changed()
		}).show()
}

func (v *incidentView) onOverride() {
	newOverrideDialog(v).show()
}

func (v *incidentView) onClose() {
	id := v.data.inc.ID
	newNameDialog(v.s.u, lang.L("incident.close_title"), lang.L("incident.close_reason"), "",
		lang.L("incident.close_incident"), func(reason string) error {
			return v.s.u.svc.Incidents.CloseIncident(v.s.u.ctx, id, reason)
		}, func() {
			v.notice.show(lang.L("incident.closed_notice"))
			v.s.u.changed()
		}).show()
}

// descriptionText is 事件概况 as typed, or says none was.
func descriptionText(d string) string {
	if strings.TrimSpace(d) == "" {
		return lang.L("incident.description_line", map[string]any{"Text": lang.L("incident.description_none")})
	}
	return lang.L("incident.description_line", map[string]any{"Text": d})
}

// descriptionHeight is one line for a short description (or none), three
// for a longer one, which then scrolls within them.
func descriptionHeight(d string) fixedHeight {
	lines := "X"
	if strings.Contains(d, "\n") || utf8.RuneCountInString(d) > 60 {
		lines = "X\nX\nX"
	}
	return fixedHeight{height: widget.NewLabel(lines).MinSize().Height}
}
