package ui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// fieldDialog asks for one name or reason and runs an action with it. A
// refusal shows beside the field and keeps the dialog open with what was
// typed.
type fieldDialog struct {
	u      *UI
	text   func() string
	focus  fyne.Focusable
	err    *widget.Label
	ok     *widget.Button
	dlg    *dialog.CustomDialog
	action func(string) error
	done   func()
}

func newFieldDialog(u *UI, title, label string, input fyne.CanvasObject, text func() string, focus fyne.Focusable,
	okText string, action func(string) error, done func()) *fieldDialog {
	d := &fieldDialog{u: u, text: text, focus: focus, err: errorLabel(), action: action, done: done}
	d.ok = widget.NewButton(okText, d.onOK)
	d.ok.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { d.dlg.Hide() })
	form := widget.NewForm(widget.NewFormItem(label, container.NewVBox(input, d.err)))
	d.dlg = dialog.NewCustomWithoutButtons(title, form, u.win)
	d.dlg.SetButtons([]fyne.CanvasObject{cancel, d.ok})
	d.dlg.Resize(fyne.NewSize(480, 0))
	return d
}

// newLeaderDialog asks which leader on duty decides: confirms a grade or
// signs a report.
func newLeaderDialog(u *UI, b incidentBase, title, okText string, action func(string) error, done func()) *fieldDialog {
	e := leaderChoice(b)
	d := newFieldDialog(u, title, lang.L("incident.leader"), e, func() string { return e.Text }, e, okText, action, done)
	e.OnSubmitted = func(string) { d.onOK() }
	e.OnChanged = func(string) { d.err.Hide() }
	return d
}

// newNameDialog asks for a line of text: who acknowledges, why it closes.
func newNameDialog(u *UI, title, label, initial, okText string, action func(string) error, done func()) *fieldDialog {
	e := widget.NewEntry()
	e.SetText(initial)
	d := newFieldDialog(u, title, label, e, func() string { return e.Text }, e, okText, action, done)
	e.OnSubmitted = func(string) { d.onOK() }
	e.OnChanged = func(string) { d.err.Hide() }
	return d
}

func (d *fieldDialog) show() {
	d.dlg.Show()
	d.u.win.Canvas().Focus(d.focus)
}

func (d *fieldDialog) onOK() {
	if d.ok.Disabled() {
		return
	}
	text := d.text()
	d.ok.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, d.action(text) }, func(_ struct{}, err error) {
		d.ok.Enable()
		if err != nil {
			d.err.SetText(actionErrorText(err))
			d.err.Show()
			d.dlg.Refresh()
			return
		}
		d.dlg.Hide()
		d.done()
	})
}

// actionErrorText says why an action on an incident was refused.
func actionErrorText(err error) string {
	if app.ErrorCode(err) != app.EINVALID {
		return errorText(err)
	}
	switch app.ErrorField(err) {
	case "by":
		return lang.L("incident.error_leader_required")
	case "reason":
		return lang.L("incident.error_reason_required")
	case "grade":
		return lang.L("incident.error_grade_required")
	}
	return app.ErrorMessage(err)
}

// askConfirm asks before an action that cannot be undone.
func askConfirm(u *UI, title, text, okText string, ok func()) {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(title, okText, lang.L("action.cancel"), msg, func(yes bool) {
		if yes {
			ok()
		}
	}, u.win)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

// overrideDialog is the leader on duty setting the grade by hand, which
// the record keeps with a written reason.
type overrideDialog struct {
	v      *incidentView
	grade  *widget.Select
	grades map[string]incident.Grade
	leader *widget.SelectEntry
	reason *formEntry
	errs   map[string]*widget.Label
	ok     *widget.Button
	dlg    *dialog.CustomDialog
}

func newOverrideDialog(v *incidentView) *overrideDialog {
	d := &overrideDialog{v: v, grades: map[string]incident.Grade{}, errs: map[string]*widget.Label{}}
	for _, f := range []string{"grade", "by", "reason", ""} {
		d.errs[f] = errorLabel()
	}
	var options []string
	for _, g := range incident.Grades {
		options = append(options, gradeLabel(g))
		d.grades[gradeLabel(g)] = g
	}
	d.grade = widget.NewSelect(options, func(string) { d.errs["grade"].Hide() })
	if g := v.data.inc.EffectiveGrade(); g.Valid() {
		d.grade.SetSelected(gradeLabel(g))
	}
	d.leader = leaderChoice(v.base())
	d.leader.OnChanged = func(string) { d.errs["by"].Hide() }
	d.reason = newFormTextArea(d.onOK)
	d.reason.SetMinRowsVisible(3)
	d.reason.SetPlaceHolder(lang.L("incident.reason_placeholder"))
	d.reason.OnChanged = func(string) { d.errs["reason"].Hide() }

	d.ok = widget.NewButton(lang.L("incident.override_grade"), d.onOK)
	d.ok.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { d.dlg.Hide() })
	a := incident.Assess(&v.data.inc, v.base().settings.Thresholds)
	form := widget.NewForm(
		widget.NewFormItem(lang.L("incident.provisional_grade"), widget.NewLabel(assessmentText(a))),
		widget.NewFormItem(lang.L("incident.grade"), container.NewVBox(d.grade, d.errs["grade"])),
		widget.NewFormItem(lang.L("incident.leader"), container.NewVBox(d.leader, d.errs["by"])),
		widget.NewFormItem(lang.L("incident.reason"), container.NewVBox(d.reason, d.errs["reason"])),
	)
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("incident.override_title"), container.NewVBox(form, d.errs[""]), v.s.u.win)
	d.dlg.SetButtons([]fyne.CanvasObject{cancel, d.ok})
	d.dlg.Resize(fyne.NewSize(520, 0))
	return d
}

func (d *overrideDialog) show() {
	d.dlg.Show()
	d.v.s.u.win.Canvas().Focus(d.reason)
}

func (d *overrideDialog) onOK() {
	if d.ok.Disabled() {
		return
	}
	o := incident.Override{Grade: d.grades[d.grade.Selected], By: d.leader.Text, Reason: d.reason.Text}
	id := d.v.data.inc.ID
	ctx, svc := d.v.s.u.ctx, d.v.s.u.svc.Incidents
	d.ok.Disable()
	runAsync(func() ([]incident.ReportTask, error) { return svc.OverrideGrade(ctx, id, o) },
		func(_ []incident.ReportTask, err error) {
			d.ok.Enable()
			if err != nil {
				field := app.ErrorField(err)
				label, ok := d.errs[field]
				if !ok || app.ErrorCode(err) != app.EINVALID {
					label = d.errs[""]
				}
				label.SetText(actionErrorText(err))
				label.Show()
				d.dlg.Refresh()
				return
			}
			d.dlg.Hide()
			d.v.notice.show(lang.L("incident.graded_notice"))
			d.v.s.u.changed()
		})
}

// reportDialog writes a report about the incident: the initial report, a
// follow-up, a supplementary or the final one. It starts from a draft made
// of the incident's facts, and lists what the law requires that the text
// leaves out while it is being written.
type reportDialog struct {
	v       *incidentView
	kind    incident.ReportKind
	text    *formEntry
	figures *widget.Check
	counts  map[string]*formEntry
	loss    *formEntry
	missing *widget.Label
	errs    map[string]*widget.Label
	ok      *widget.Button
	dlg     *dialog.CustomDialog
	// files are the photos and documents filed with the report; their
	// contents follow it to the stations holding the incident.
	files    []chosenFile
	fileList *fyne.Container
}

func newReportDialog(v *incidentView, kind incident.ReportKind) *reportDialog {
	d := &reportDialog{v: v, kind: kind, counts: map[string]*formEntry{},
		errs: map[string]*widget.Label{"": errorLabel(), "text": errorLabel(), "attachments": errorLabel()}}
	inc := v.data.inc
	d.text = newFormTextArea(d.onOK)
	d.text.SetMinRowsVisible(6)
	d.text.SetText(reportDraft(&inc, v.base()))
	d.text.OnChanged = func(string) { d.errs["text"].Hide() }

	values := []int{inc.Counts.Dead, inc.Counts.Missing, inc.Counts.SeriousInjured, inc.Counts.Injured, inc.Counts.Trapped, inc.Counts.Evacuated}
	grid := container.NewGridWithColumns(3)
	for i, field := range countFields {
		e := newFormEntry(d.onOK)
		e.SetText(strconv.Itoa(values[i]))
		d.errs[field] = errorLabel()
		e.OnChanged = func(string) { d.errs[field].Hide() }
		d.counts[field] = e
		grid.Add(container.NewVBox(widget.NewLabel(countFieldLabel(field)), e, d.errs[field]))
	}
	d.loss = newFormEntry(d.onOK)
	d.loss.SetText(lossEntryText(inc.Loss))
	d.loss.SetPlaceHolder(lang.L("incident.loss_unknown"))
	d.errs["loss"] = errorLabel()
	d.loss.OnChanged = func(string) { d.errs["loss"].Hide() }
	d.loss.OnSubmitted = func(string) { d.onOK() }
	figures := container.NewVBox(grid, widget.NewForm(widget.NewFormItem(lang.L("incident.loss_wan"),
		container.NewVBox(d.loss, d.errs["loss"]))))
	d.figures = widget.NewCheck(lang.L("incident.report_figures"), func(on bool) {
		showIf(figures, on)
		d.showMissing()
		d.dlg.Refresh()
	})
	d.missing = widget.NewLabel("")
	d.missing.Importance = widget.DangerImportance
	d.missing.Wrapping = fyne.TextWrapWord

	d.ok = widget.NewButton(lang.L("incident.report_save"), d.onOK)
	d.ok.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { d.dlg.Hide() })
	var head []fyne.CanvasObject
	if kind == incident.KindSupplementary {
		head = append(head, hintLabel(supplementaryWindowText(&inc, v.base().location())))
	}
	if kind == incident.KindFinal {
		head = append(head, hintLabel(lang.L("incident.final_closes")))
	}
	d.fileList = container.NewVBox()
	attach := widget.NewButtonWithIcon(lang.L("incident.attach"), theme.ContentAddIcon(), d.onAddFile)
	files := container.NewVBox(container.NewHBox(attach), d.fileList, d.errs["attachments"])
	files.Hidden = v.s.u.svc.ReportFiles == nil
	body := container.NewVBox(append(head,
		widget.NewLabel(lang.L("incident.report_text")), d.text, d.errs["text"],
		d.figures, figures, files, d.missing, d.errs[""])...)
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("incident.report_dialog_title", map[string]any{"Kind": reportKindLabel(kind)}),
		body, v.s.u.win)
	d.dlg.SetButtons([]fyne.CanvasObject{cancel, d.ok})
	d.dlg.Resize(fyne.NewSize(640, 0))
	d.figures.SetChecked(true)
	return d
}

func (d *reportDialog) show() {
	d.dlg.Show()
	d.v.s.u.win.Canvas().Focus(d.text)
}

// entered is the report as the dialog stands, and the first figure that
// is not a number.
func (d *reportDialog) entered() (incident.Report, string) {
	r := incident.Report{Incident: d.v.data.inc.ID, Station: d.v.home(), Kind: d.kind, Text: d.text.Text}
	if !d.figures.Checked {
		return r, ""
	}
	var c incident.Counts
	targets := []*int{&c.Dead, &c.Missing, &c.SeriousInjured, &c.Injured, &c.Trapped, &c.Evacuated}
	for i, field := range countFields {
		n, err := parseCount(d.counts[field].Text)
		if err != nil {
			return r, field
		}
		*targets[i] = n
	}
	loss, err := parseWan(d.loss.Text)
	if err != nil {
		return r, "loss"
	}
	r.Counts, r.Loss = &c, &loss
	return r, ""
}

func (d *reportDialog) showMissing() {
	r, _ := d.entered()
	if m := incident.MissingFields(&d.v.data.inc, &r); len(m) > 0 {
		d.missing.SetText(lang.L("incident.report_missing_long", map[string]any{"Fields": missingFieldsText(m)}))
		d.missing.Show()
	} else {
		d.missing.Hide()
	}
}

func (d *reportDialog) onOK() {
	if d.ok.Disabled() {
		return
	}
	r, bad := d.entered()
	if bad != "" {
		text := lang.L("incident.error_count_format")
		if bad == "loss" {
			text = lang.L("incident.error_loss_format")
		}
		d.showError(bad, text)
		return
	}
	ctx, svc, withFiles, chosen := d.v.s.u.ctx, d.v.s.u.svc.Incidents, d.v.s.u.svc.ReportFiles, append([]chosenFile(nil), d.files...)
	d.ok.Disable()
	runAsync(func() ([]incident.ReportTask, error) {
		if len(chosen) == 0 || withFiles == nil {
			return svc.AddReport(ctx, &r)
		}
		files, closeAll, err := openChosen(chosen)
		if err != nil {
			return nil, err
		}
		defer closeAll()
		return withFiles(ctx, &r, files)
	},
		func(_ []incident.ReportTask, err error) {
			d.ok.Enable()
			if err != nil {
				d.showServiceError(err, r)
				return
			}
			d.dlg.Hide()
			d.v.notice.show(lang.L("incident.report_saved", map[string]any{"Kind": reportKindLabel(d.kind)}))
			d.v.tabs.SelectIndex(1)
			d.v.s.u.changed()
		})
}

func (d *reportDialog) showServiceError(err error, r incident.Report) {
	field := app.ErrorField(err)
	if app.ErrorCode(err) != app.EINVALID {
		d.showError("", errorText(err))
		return
	}
	switch {
	case field == "text" && strings.TrimSpace(r.Text) == "":
		d.showError("text", lang.L("incident.error_report_empty"))
	case field == "text":
		d.showError("text", lang.L("incident.error_report_long"))
	case field == "kind" && d.kind == incident.KindSupplementary:
		d.showError("", lang.L("incident.error_supplementary_closed"))
	case strings.HasPrefix(field, "counts."):
		inc := incident.Incident{}
		if r.Counts != nil {
			inc.Counts = *r.Counts
		}
		d.showError(field, intakeErrorText(err, inc))
	case field == "loss":
		inc := incident.Incident{}
		if r.Loss != nil {
			inc.Loss = *r.Loss
		}
		d.showError("loss", intakeErrorText(err, inc))
	default:
		d.showError("", app.ErrorMessage(err))
	}
}

func (d *reportDialog) showError(field, text string) {
	label, ok := d.errs[field]
	if !ok {
		label = d.errs[""]
	}
	label.SetText(text)
	label.Show()
	d.dlg.Refresh()
}

// reportDraft writes the facts the law requires of every report (time,
// place, type, casualties, loss) as the opening of the text, so a report
// written in a hurry still carries them.
func reportDraft(inc *incident.Incident, b incidentBase) string {
	loc := b.location()
	when := inc.OccurredAt
	if when.IsZero() {
		when = inc.ReceivedAt
	}
	place := inc.Place.Text
	if inc.Place.Station != app.NilID && b.tree != nil {
		place = strings.TrimSpace(b.tree.Path(inc.Place.Station) + " " + inc.Place.Text)
	}
	s := lang.L("incident.draft", map[string]any{
		"Time": when.In(loc).Format(entryTimeLayout), "Place": orDash(place), "Category": categoryLabel(inc.Category),
		"Counts": countsText(inc.Counts), "Loss": draftLoss(inc.Loss)})
	if inc.Description != "" {
		s += "\n" + inc.Description
	}
	return s
}
