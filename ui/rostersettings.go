package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// rulesData is what the rules dialog lists besides the settings.
type rulesData struct {
	specials []roster.SpecialPeriod
	absences []roster.Absence
}

func loadRules(ctx context.Context, r roster.Service, m monthData, month roster.Month) (rulesData, error) {
	st := m.station.ID
	var d rulesData
	var err error
	// Periods of the shown year and those around it: flood season is
	// declared once a year, and next year's is entered in the winter.
	from, to := roster.NewDate(month.Y-1, 1, 1), roster.NewDate(month.Y+1, 12, 31)
	if d.specials, err = r.SpecialPeriods(ctx, st, from, to); err != nil {
		return d, err
	}
	since := month.First().AddDays(-31)
	absences, err := r.Absences(ctx, roster.AbsenceFilter{From: &since})
	if err != nil {
		return d, err
	}
	for _, a := range absences {
		if p, ok := m.base.persons[a.Person]; ok && p.Station == st {
			d.absences = append(d.absences, a)
		}
	}
	return d, nil
}

// rulesDialog edits a station's roster rules: handover time, the templates
// of normal and holiday days, rest, special periods and absences.
type rulesDialog struct {
	m    *monthPanel
	data rulesData

	handover        *widget.Entry
	normal, holiday [4]*widget.Entry // by roster.DutyRoles
	rest            *widget.Entry
	settingsErrs    map[string]*widget.Label
	saveSettings    *widget.Button
	specialList     *fyne.Container
	specialName     *widget.Entry
	specialFrom     *widget.Entry
	specialTo       *widget.Entry
	specialErr      *widget.Label
	absenceList     *fyne.Container
	absencePerson   *widget.Select
	absenceChoices  personChoices
	absenceFrom     *widget.Entry
	absenceTo       *widget.Entry
	absenceReason   *widget.Select
	absenceReasons  map[string]roster.AbsenceReason
	absenceNote     *widget.Entry
	absenceErr      *widget.Label
	calendarYears   *widget.Label
	calendarResult  *widget.Label
	calendarImport  *widget.Button
	notice          *notice
	dlg             *dialog.CustomDialog
}

func newRulesDialog(m *monthPanel) *rulesDialog {
	d := &rulesDialog{m: m, notice: newNotice()}
	s := m.data.settings
	d.settingsErrs = map[string]*widget.Label{}
	for _, f := range []string{"", "handover", "normal", "holiday", "min_rest_days"} {
		d.settingsErrs[f] = errorLabel()
	}
	d.handover = widget.NewEntry()
	d.handover.SetText(s.Handover.String())
	d.handover.SetPlaceHolder("08:30")
	d.rest = widget.NewEntry()
	d.rest.SetText(strconv.Itoa(s.MinRestDays))
	for i, role := range roster.DutyRoles {
		d.normal[i] = numberEntry(s.Normal.Count(role))
		d.holiday[i] = numberEntry(s.Holiday.Count(role))
	}
	d.saveSettings = widget.NewButton(lang.L("action.save"), d.onSaveSettings)
	d.saveSettings.Importance = widget.HighImportance
	rulesForm := widget.NewForm(
		widget.NewFormItem(lang.L("roster.handover_time"), container.NewVBox(d.handover, d.settingsErrs["handover"])),
		widget.NewFormItem(lang.L("roster.template_normal"), container.NewVBox(templateGrid(d.normal), d.settingsErrs["normal"])),
		widget.NewFormItem(lang.L("roster.template_holiday"), container.NewVBox(templateGrid(d.holiday), d.settingsErrs["holiday"])),
		widget.NewFormItem(lang.L("roster.min_rest"), container.NewVBox(d.rest, d.settingsErrs["min_rest_days"])),
	)
	rulesTab := container.NewVScroll(container.NewVBox(
		rulesForm, hintLabel(lang.L("roster.rules_hint")), d.settingsErrs[""],
		container.NewHBox(d.saveSettings)))

	d.specialList = container.NewVBox()
	d.specialName = widget.NewEntry()
	d.specialName.SetPlaceHolder(lang.L("roster.special_name_placeholder"))
	d.specialFrom = dateEntry()
	d.specialTo = dateEntry()
	d.specialErr = errorLabel()
	addSpecial := widget.NewButtonWithIcon(lang.L("roster.add"), theme.ContentAddIcon(), d.onAddSpecial)
	specialForm := widget.NewForm(
		widget.NewFormItem(lang.L("roster.special_name"), d.specialName),
		widget.NewFormItem(lang.L("roster.from"), d.specialFrom),
		widget.NewFormItem(lang.L("roster.to"), d.specialTo),
	)
	specialsTab := container.NewBorder(
		container.NewVBox(hintLabel(lang.L("roster.special_hint")), specialForm, d.specialErr, container.NewHBox(addSpecial), widget.NewSeparator()),
		nil, nil, nil, container.NewVScroll(d.specialList))

	people := m.data.people
	d.absenceChoices = newPersonChoices(people)
	d.absencePerson = widget.NewSelect(d.absenceChoices.labels, nil)
	d.absencePerson.PlaceHolder = lang.L("duty.choose_person")
	d.absenceFrom = dateEntry()
	d.absenceTo = dateEntry()
	d.absenceReasons = map[string]roster.AbsenceReason{}
	var reasons []string
	for _, r := range []roster.AbsenceReason{roster.ReasonLeave, roster.ReasonTrip, roster.ReasonOther} {
		reasons = append(reasons, absenceLabel(r))
		d.absenceReasons[absenceLabel(r)] = r
	}
	d.absenceReason = widget.NewSelect(reasons, nil)
	d.absenceReason.SetSelectedIndex(0)
	d.absenceNote = widget.NewEntry()
	d.absenceNote.SetPlaceHolder(lang.L("roster.absence_note_placeholder"))
	d.absenceErr = errorLabel()
	addAbsence := widget.NewButtonWithIcon(lang.L("roster.add"), theme.ContentAddIcon(), d.onAddAbsence)
	absenceForm := widget.NewForm(
		widget.NewFormItem(lang.L("roster.absence_person"), container.NewGridWithColumns(2, d.absencePerson, d.absenceReason)),
		widget.NewFormItem(lang.L("roster.from_to"), container.NewGridWithColumns(2, d.absenceFrom, d.absenceTo)),
		widget.NewFormItem(lang.L("roster.absence_note"), d.absenceNote),
	)
	d.absenceList = container.NewVBox()
	absencesTab := container.NewBorder(
		container.NewVBox(absenceForm, d.absenceErr, container.NewHBox(addAbsence), widget.NewSeparator()),
		nil, nil, nil, container.NewVScroll(d.absenceList))

	tabs := container.NewAppTabs(
		container.NewTabItem(lang.L("roster.rules_tab"), rulesTab),
		container.NewTabItem(lang.L("roster.specials_tab"), specialsTab),
		container.NewTabItem(lang.L("roster.absences_tab"), absencesTab),
		container.NewTabItem(lang.L("roster.calendar_tab"), d.calendarTab()),
	)
	closeButton := widget.NewButton(lang.L("action.close"), func() { d.dlg.Hide() })
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("roster.rules_title", map[string]any{"Station": m.data.station.Name}), tabs, m.s.u.win)
	d.dlg.SetButtons([]fyne.CanvasObject{d.notice.label, closeButton})
	d.notice.parent = d.dlg
	d.dlg.Resize(fyne.NewSize(660, 540))
	return d
}

func numberEntry(n int) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(strconv.Itoa(n))
	return e
}

func dateEntry() *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder("2026-06-01")
	return e
}

// templateGrid lays out a template's four counts, two roles a row so the
// English role names fit, each column aligned as a form.
func templateGrid(entries [4]*widget.Entry) fyne.CanvasObject {
	column := func(a, b int) fyne.CanvasObject {
		return container.New(layout.NewFormLayout(),
			widget.NewLabel(roleLabel(roster.DutyRoles[a])), entries[a],
			widget.NewLabel(roleLabel(roster.DutyRoles[b])), entries[b])
	}
	// DutyRoles: leader, cadre, officer, standby.
	return container.NewGridWithColumns(2, column(0, 2), column(1, 3))
}

func (d *rulesDialog) show() {
	d.dlg.Show()
	d.load()
}

func (d *rulesDialog) load() {
	ctx, r, md, month := d.m.s.u.ctx, d.m.s.u.svc.Rosters, d.m.data, d.m.month
	runAsync(func() (rulesData, error) { return loadRules(ctx, r, md, month) }, d.onLoaded)
}

func (d *rulesDialog) onLoaded(data rulesData, err error) {
	if err != nil {
		d.m.s.u.showError(err)
		return
	}
	d.data = data
	d.showSpecials()
	d.showAbsences()
}

// Settings.

func (d *rulesDialog) onSaveSettings() {
	for _, l := range d.settingsErrs {
		l.Hide()
	}
	var s roster.Settings
	h, err := roster.ParseTimeOfDay(strings.TrimSpace(d.handover.Text))
	if err != nil {
		d.settingsError("handover", lang.L("error.roster.handover_invalid"))
		return
	}
	s.Handover = h
	var ok bool
	if s.Normal, ok = d.readTemplate("normal", d.normal); !ok {
		return
	}
	if s.Holiday, ok = d.readTemplate("holiday", d.holiday); !ok {
		return
	}
	if s.MinRestDays, err = strconv.Atoi(strings.TrimSpace(d.rest.Text)); err != nil {
		d.settingsError("min_rest_days", lang.L("error.roster.rest_invalid", map[string]any{"Max": roster.MaxRestDays}))
		return
	}
	st := d.m.data.station.ID
	ctx, r := d.m.s.u.ctx, d.m.s.u.svc.Rosters
	d.saveSettings.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, r.SetSettings(ctx, st, s) },
		func(_ struct{}, err error) {
			d.saveSettings.Enable()
			if err != nil {
				field, text := settingsErrorText(err)
				d.settingsError(field, text)
				return
			}
			d.notice.show(lang.L("roster.saved"))
			d.m.afterChange("")
		})
}

func (d *rulesDialog) readTemplate(field string, entries [4]*widget.Entry) (roster.Template, bool) {
	var n [4]int
	for i, e := range entries {
		v, err := strconv.Atoi(strings.TrimSpace(e.Text))
		if err != nil {
			d.settingsError(field, lang.L("error.roster.count_invalid", map[string]any{"Max": roster.MaxPerRole}))
			return roster.Template{}, false
		}
		n[i] = v
	}
	return roster.Template{Leader: n[0], Cadre: n[1], Officer: n[2], Standby: n[3]}, true
}

func (d *rulesDialog) settingsError(field, text string) {
	l, ok := d.settingsErrs[field]
	if !ok {
		l = d.settingsErrs[""]
	}
	l.SetText(text)
	l.Show()
}

// settingsErrorText maps a settings error to its field and a message.
func settingsErrorText(err error) (field, text string) {
	if app.ErrorCode(err) != app.EINVALID {
		return "", errorText(err)
	}
	f := app.ErrorField(err)
	group, _, _ := strings.Cut(f, ".")
	switch {
	case f == "handover":
		return f, lang.L("error.roster.handover_invalid")
	case f == "min_rest_days":
		return f, lang.L("error.roster.rest_invalid", map[string]any{"Max": roster.MaxRestDays})
	case (group == "normal" || group == "holiday") && f == group:
		return group, lang.L("error.roster.template_empty")
	case group == "normal" || group == "holiday":
		return group, lang.L("error.roster.count_invalid", map[string]any{"Max": roster.MaxPerRole})
	}
	return "", errorText(err)
}

// Special periods.

func (d *rulesDialog) showSpecials() {
	d.specialList.Objects = nil
	if len(d.data.specials) == 0 {
		d.specialList.Add(hintLabel(lang.L("roster.no_specials")))
	}
	for _, p := range d.data.specials {
		period := p
		text := widget.NewLabel(lang.L("roster.special_item", map[string]any{
			"Name": p.Name, "From": p.From.String(), "To": p.To.String()}))
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { d.onRemoveSpecial(period) })
		remove.Importance = widget.LowImportance
		d.specialList.Add(container.NewBorder(nil, nil, nil, remove, text))
	}
	d.specialList.Refresh()
}

func (d *rulesDialog) onAddSpecial() {
	d.specialErr.Hide()
	from, to, _, msg := parseRange(d.specialFrom.Text, d.specialTo.Text, 366)
	if msg != "" {
		d.showError(d.specialErr, msg)
		return
	}
	p := roster.SpecialPeriod{Station: d.m.data.station.ID, Name: d.specialName.Text, From: from, To: to}
	ctx, r := d.m.s.u.ctx, d.m.s.u.svc.Rosters
	runAsync(func() (struct{}, error) { return struct{}{}, r.CreateSpecialPeriod(ctx, &p) },
		func(_ struct{}, err error) {
			if err != nil {
				d.showError(d.specialErr, specialErrorText(err, p))
				return
			}
			d.specialName.SetText("")
			d.specialFrom.SetText("")
			d.specialTo.SetText("")
			d.notice.show(lang.L("roster.saved"))
			d.load()
			d.m.afterChange("")
		})
}

func specialErrorText(err error, p roster.SpecialPeriod) string {
	switch app.ErrorCode(err) {
	case app.ECONFLICT:
		return lang.L("error.roster.special_overlap")
	case app.EINVALID:
		if app.ErrorField(err) == "name" {
			if strings.TrimSpace(p.Name) == "" {
				return lang.L("error.roster.special_name_required")
			}
			return lang.L("error.roster.name_long")
		}
		return lang.L("error.roster.range_invalid")
	}
	return errorText(err)
}

func (d *rulesDialog) onRemoveSpecial(p roster.SpecialPeriod) {
	ctx, r := d.m.s.u.ctx, d.m.s.u.svc.Rosters
	runAsync(func() (struct{}, error) { return struct{}{}, r.DeleteSpecialPeriod(ctx, p.ID) },
		func(_ struct{}, err error) {
			if err != nil {
				d.showError(d.specialErr, errorText(err))
				return
			}
			d.load()
			d.m.afterChange("")
		})
}

// Absences.

func (d *rulesDialog) showAbsences() {
	b := d.m.data.base
	d.absenceList.Objects = nil
	if len(d.data.absences) == 0 {
		d.absenceList.Add(hintLabel(lang.L("roster.no_absences")))
	}
	for _, a := range d.data.absences {
		absence := a
		text := widget.NewLabel(lang.L("roster.absence_item", map[string]any{
			"Name": b.name(a.Person), "Why": absenceLabel(a.Reason), "From": a.From.String(), "To": a.To.String(), "Note": a.Note}))
		text.Truncation = fyne.TextTruncateEllipsis
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { d.onRemoveAbsence(absence) })
		remove.Importance = widget.LowImportance
		d.absenceList.Add(container.NewBorder(nil, nil, nil, remove, text))
	}
	d.absenceList.Refresh()
}

func (d *rulesDialog) onAddAbsence() {
	d.absenceErr.Hide()
	person, ok := d.absenceChoices.ids[d.absencePerson.Selected]
	if !ok {
		d.showError(d.absenceErr, lang.L("error.roster.person_required"))
		return
	}
	from, to, _, msg := parseRange(d.absenceFrom.Text, d.absenceTo.Text, 366)
	if msg != "" {
		d.showError(d.absenceErr, msg)
		return
	}
	a := roster.Absence{Station: d.m.data.station.ID, Person: person, From: from, To: to,
		Reason: d.absenceReasons[d.absenceReason.Selected], Note: d.absenceNote.Text}
	ctx, r := d.m.s.u.ctx, d.m.s.u.svc.Rosters
	name := d.m.data.base.name(person)
	runAsync(func() (struct{}, error) { return struct{}{}, r.CreateAbsence(ctx, &a) },
		func(_ struct{}, err error) {
			if err != nil {
				d.showError(d.absenceErr, absenceErrorText(err, name))
				return
			}
			d.absenceFrom.SetText("")
			d.absenceTo.SetText("")
			d.absenceNote.SetText("")
			d.notice.show(lang.L("roster.saved"))
			d.load()
			d.m.afterChange("")
		})
}

func absenceErrorText(err error, name string) string {
	switch app.ErrorCode(err) {
	case app.ECONFLICT:
		return lang.L("error.roster.absence_on_duty", map[string]any{"Name": name})
	case app.EINVALID:
		if app.ErrorField(err) == "note" {
			return lang.L("error.roster.note_long")
		}
		return lang.L("error.roster.range_invalid")
	}
	return errorText(err)
}

func (d *rulesDialog) onRemoveAbsence(a roster.Absence) {
	ctx, r := d.m.s.u.ctx, d.m.s.u.svc.Rosters
	runAsync(func() (struct{}, error) { return struct{}{}, r.DeleteAbsence(ctx, a.ID) },
		func(_ struct{}, err error) {
			if err != nil {
				d.showError(d.absenceErr, errorText(err))
				return
			}
			d.load()
			d.m.afterChange("")
		})
}

func (d *rulesDialog) showError(l *widget.Label, text string) {
	l.SetText(text)
	l.Show()
}
