package ui

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// maxAttachmentMB bounds the attachment limit: beyond a gigabyte a figure
// is a typo, not a policy.
const maxAttachmentMB = 1024

// ruleDurations are the reporting deadlines the dialog edits, in minutes,
// by the field names of incident.EscalationRules.Validate.
var ruleDurations = []string{
	"first_report", "per_level", "urgent_phone", "urgent_written", "direct_phone", "direct_written", "disaster_county",
}

func ruleDuration(r *incident.EscalationRules, field string) *time.Duration {
	switch field {
	case "first_report":
		return &r.FirstReport
	case "per_level":
		return &r.PerLevel
	case "urgent_phone":
		return &r.UrgentPhone
	case "urgent_written":
		return &r.UrgentWritten
	case "direct_phone":
		return &r.DirectPhone
	case "direct_written":
		return &r.DirectWritten
	}
	return &r.DisasterCounty
}

func ruleDurationLabel(field string) string {
	switch field {
	case "first_report":
		return lang.L("incident.rules_first_report")
	case "per_level":
		return lang.L("incident.rules_per_level")
	case "urgent_phone":
		return lang.L("incident.rules_urgent_phone")
	case "urgent_written":
		return lang.L("incident.rules_urgent_written")
	case "direct_phone":
		return lang.L("incident.rules_direct_phone")
	case "direct_written":
		return lang.L("incident.rules_direct_written")
	}
	return lang.L("incident.rules_disaster_county")
}

// scaleEntries are the figures of one grading scale: a row per band, a
// column per grade above general.
type scaleEntries struct {
	prefix       string // "accident" or "disaster"
	dead         [3]*widget.Entry
	serious      [3]*widget.Entry
	loss         [3]*widget.Entry // 万元
	direct       *widget.Entry
	countMissing *widget.Check
}

// incidentRulesDialog edits this station's incident rules: the grading
// thresholds of accidents and disasters, the reporting deadlines and the
// attachment limit. Saved as a whole or not at all; a refusal shows beside
// the figure at fault.
type incidentRulesDialog struct {
	s        *incidentScreen
	station  *app.Station
	settings incident.Settings // as loaded: what the dialog does not edit is kept

	accident, disaster *scaleEntries
	durations          map[string]*widget.Entry
	attachment         *widget.Entry
	errs               map[string]*widget.Label
	inForce            *widget.Label // which rule holds: national or local, and this station's first hop
	tabs               *container.AppTabs
	save               *widget.Button
	dlg                *dialog.CustomDialog
}

func newIncidentRulesDialog(s *incidentScreen) *incidentRulesDialog {
	b := s.base
	d := &incidentRulesDialog{s: s, station: b.home, settings: b.settings,
		durations: map[string]*widget.Entry{}, errs: map[string]*widget.Label{"": errorLabel()}}
	st := b.settings
	d.accident = d.newScale("accident", st.Thresholds.Accident)
	d.disaster = d.newScale("disaster", st.Thresholds.Disaster)

	deadlines := widget.NewForm()
	for _, field := range ruleDurations {
		e := d.entry(field, strconv.FormatFloat(ruleDuration(&st.Rules, field).Minutes(), 'f', -1, 64))
		d.durations[field] = e
		deadlines.Append(ruleDurationLabel(field), d.withError(field, e))
	}
	limit := st.Limits.MaxAttachment
	if limit <= 0 {
		limit = incident.DefaultMaxAttachment
	}
	d.attachment = d.entry("limits", strconv.FormatInt(limit>>20, 10))
	deadlines.Append(lang.L("incident.rules_attachment"), d.withError("limits", d.attachment))
	d.inForce = widget.NewLabel(rulesInForce(b.home, st.Rules))
	d.inForce.Wrapping = fyne.TextWrapWord
	deadlineTab := container.NewVScroll(container.NewVBox(d.inForce, deadlines, hintLabel(lang.L("incident.rules_deadline_hint"))))

	d.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("incident.scale_accident"), d.scaleTab(d.accident)),
		container.NewTabItem(lang.L("incident.scale_disaster"), d.scaleTab(d.disaster)),
		container.NewTabItem(lang.L("incident.rules_deadlines_tab"), deadlineTab),
	)
	d.save = widget.NewButton(lang.L("action.save"), d.onSave)
	d.save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { d.dlg.Hide() })
	body := container.NewBorder(nil, d.errs[""], nil, nil, d.tabs)
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("incident.rules_title", map[string]any{"Station": b.home.Name}), body, s.u.win)
	d.dlg.SetButtons([]fyne.CanvasObject{cancel, d.save})
	d.dlg.Resize(fyne.NewSize(680, 560))
	return d
}

func (d *incidentRulesDialog) newScale(prefix string, sc incident.Scale) *scaleEntries {
	e := &scaleEntries{prefix: prefix}
	bands := []struct {
		entries *[3]*widget.Entry
		band    incident.Band
		field   string
		format  func(int64) string
	}{
		{&e.dead, sc.Dead, prefix + ".dead", itoa64},
		{&e.serious, sc.Serious, prefix + ".serious", itoa64},
		{&e.loss, sc.Loss, prefix + ".loss", formatWan},
	}
	for _, b := range bands {
		for i, v := range []int64{b.band.Large, b.band.Major, b.band.EspeciallyMajor} {
			b.entries[i] = d.entry(b.field, b.format(v))
		}
	}
	e.direct = d.entry(prefix+".direct_report_dead_missing", itoa64(sc.DirectReportDeadMissing))
	e.countMissing = widget.NewCheck(lang.L("incident.rules_count_missing"), nil)
	e.countMissing.SetChecked(sc.CountMissingWithDead)
	return e
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

// scaleTab lays out a scale as the decree's table reads: a row per figure,
// a column per grade, each row's error under it.
func (d *incidentRulesDialog) scaleTab(e *scaleEntries) fyne.CanvasObject {
	grid := container.New(layout.NewFormLayout())
	heading := container.NewGridWithColumns(3)
	for _, g := range incident.Grades[1:] {
		heading.Add(widget.NewLabelWithStyle(lang.L("incident.rules_from", map[string]any{"Grade": gradeLabel(g)}),
			fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	}
	grid.Add(widget.NewLabel(""))
	grid.Add(heading)
	rows := []struct {
		label   string
		field   string
		entries [3]*widget.Entry
	}{
		{lang.L("incident.rules_dead"), e.prefix + ".dead", e.dead},
		{lang.L("incident.serious"), e.prefix + ".serious", e.serious},
		{lang.L("incident.loss_wan"), e.prefix + ".loss", e.loss},
	}
	for _, r := range rows {
		grid.Add(widget.NewLabel(r.label))
		grid.Add(d.withError(r.field, container.NewGridWithColumns(3, r.entries[0], r.entries[1], r.entries[2])))
	}
	grid.Add(widget.NewLabel(lang.L("incident.rules_direct")))
	grid.Add(d.withError(e.prefix+".direct_report_dead_missing", e.direct))
	grid.Add(widget.NewLabel(""))
	grid.Add(e.countMissing)
	return container.NewVScroll(container.NewVBox(grid, hintLabel(lang.L("incident.rules_scale_hint"))))
}

// entry makes a figure's entry, whose error clears when it is edited.
func (d *incidentRulesDialog) entry(field, text string) *widget.Entry {
	if _, ok := d.errs[field]; !ok {
		d.errs[field] = errorLabel()
	}
	e := widget.NewEntry()
	e.SetText(text)
	e.OnChanged = func(string) { d.errs[field].Hide() }
	return e
}

func (d *incidentRulesDialog) withError(field string, w fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(w, d.errs[field])
}

func (d *incidentRulesDialog) show() { d.dlg.Show() }

// entered reads the figures over the loaded settings, or names the first
// field that is not a number.
func (d *incidentRulesDialog) entered() (incident.Settings, string, string) {
	st := d.settings
	for _, e := range []*scaleEntries{d.accident, d.disaster} {
		sc := &st.Thresholds.Accident
		if e == d.disaster {
			sc = &st.Thresholds.Disaster
		}
		for _, b := range []struct {
			entries [3]*widget.Entry
			band    *incident.Band
			field   string
			parse   func(string) (int64, error)
		}{
			{e.dead, &sc.Dead, e.prefix + ".dead", parseWhole},
			{e.serious, &sc.Serious, e.prefix + ".serious", parseWhole},
			{e.loss, &sc.Loss, e.prefix + ".loss", parseWan},
		} {
			var v [3]int64
			for i, en := range b.entries {
				n, err := b.parse(strings.TrimSpace(en.Text))
				if err != nil {
					return st, b.field, bandErrorText(b.field)
				}
				v[i] = n
			}
			*b.band = incident.Band{Large: v[0], Major: v[1], EspeciallyMajor: v[2]}
		}
		n, err := parseWhole(strings.TrimSpace(e.direct.Text))
		if err != nil {
			return st, e.prefix + ".direct_report_dead_missing", lang.L("incident.error_rules_direct")
		}
		sc.DirectReportDeadMissing = n
		sc.CountMissingWithDead = e.countMissing.Checked
	}
	for _, field := range ruleDurations {
		n, err := parseWhole(strings.TrimSpace(d.durations[field].Text))
		if err != nil || n <= 0 || n > 7*24*60 {
			return st, field, lang.L("incident.error_rules_minutes")
		}
		*ruleDuration(&st.Rules, field) = time.Duration(n) * time.Minute
	}
	mb, err := parseWhole(strings.TrimSpace(d.attachment.Text))
	if err != nil || mb > maxAttachmentMB {
		return st, "limits", lang.L("incident.error_rules_attachment", map[string]any{"Max": maxAttachmentMB})
	}
	st.Limits.MaxAttachment = mb << 20
	return st, "", ""
}

// parseWhole reads a whole number of persons, minutes or MB.
func parseWhole(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil && n < 0 {
		return 0, strconv.ErrRange
	}
	return n, err
}

func (d *incidentRulesDialog) onSave() {
	for _, l := range d.errs {
		l.Hide()
	}
	st, field, text := d.entered()
	if field == "" {
		if err := st.Validate(); err != nil {
			field, text = rulesErrorText(err)
		}
	}
	if field != "" || text != "" {
		d.showError(field, text)
		return
	}
	ctx, svc, station := d.s.u.ctx, d.s.u.svc.Incidents, d.station.ID
	d.save.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, svc.SetSettings(ctx, station, st) },
		func(_ struct{}, err error) {
			d.save.Enable()
			if err != nil {
				d.showError(rulesErrorText(err))
				return
			}
			d.dlg.Hide()
			d.s.settingsSaved(st)
		})
}

// showError puts text beside the field and brings its tab to the front.
func (d *incidentRulesDialog) showError(field, text string) {
	l, ok := d.errs[field]
	if !ok {
		l = d.errs[""]
	}
	l.SetText(text)
	l.Show()
	switch {
	case strings.HasPrefix(field, "accident."):
		d.tabs.SelectIndex(0)
	case strings.HasPrefix(field, "disaster."):
		d.tabs.SelectIndex(1)
	case ok && field != "":
		d.tabs.SelectIndex(2)
	}
	d.dlg.Refresh()
}

func bandErrorText(field string) string {
	if strings.HasSuffix(field, ".loss") {
		return lang.L("incident.error_rules_loss")
	}
	return lang.L("incident.error_rules_band")
}

// rulesErrorText maps an error of Settings.Validate or of the service to
// the field it belongs beside and a message.
func rulesErrorText(err error) (field, text string) {
	if app.ErrorCode(err) != app.EINVALID {
		return "", errorText(err)
	}
	f := app.ErrorField(err)
	switch {
	case strings.HasSuffix(f, ".direct_report_dead_missing"):
		return f, lang.L("incident.error_rules_direct")
	case strings.HasSuffix(f, ".dead"), strings.HasSuffix(f, ".serious"), strings.HasSuffix(f, ".loss"):
		return f, bandErrorText(f)
	case f == "limits":
		return f, lang.L("incident.error_rules_attachment", map[string]any{"Max": maxAttachmentMB})
	}
	for _, d := range ruleDurations {
		if f == d {
			return f, lang.L("incident.error_rules_minutes")
		}
	}
	return "", app.ErrorMessage(err)
}

// settingsSaved puts the station's new rules to work: the intake form
// grades what is typed under them from now on, and the open incidents the
// service re-graded, with any reports a higher grade added, are shown
// and sent.
func (s *incidentScreen) settingsSaved(st incident.Settings) {
	s.base.settings = st
	s.form.setBase(s.base)
	s.form.status.Importance = widget.SuccessImportance
	s.form.status.SetText(lang.L("incident.rules_saved"))
	s.u.changed()
}

func (f *intakeForm) onRules() {
	if f.base.home == nil {
		return
	}
	f.rulesDialog = newIncidentRulesDialog(f.s)
	f.rulesDialog.show()
}

// rulesInForce says in words which reporting rule holds at the station:
// its first hop up (an hour below the county, Decree 493 art. 9; two
// hours from a county or prefecture, art. 11), and whether the station's
// deadlines are the national ones or local ones, naming those that differ.
func rulesInForce(home *app.Station, r incident.EscalationRules) string {
	first := lang.L("incident.rules_first_hop_county", map[string]any{"Minutes": int(r.FirstHop(home.Tier).Minutes())})
	if home.Tier > app.TierCounty {
		first = lang.L("incident.rules_first_hop_township", map[string]any{"Minutes": int(r.FirstHop(home.Tier).Minutes())})
	}
	local := r.LocalDeadlines()
	if len(local) == 0 {
		return first + "\n" + lang.L("incident.rules_national")
	}
	names := make([]string, len(local))
	for i, f := range local {
		names[i] = strings.TrimSuffix(strings.TrimSuffix(ruleDurationLabel(f), "（分钟）"), " (min)")
	}
	return first + "\n" + lang.L("incident.rules_local", map[string]any{"Fields": strings.Join(names, lang.L("list.separator"))})
}
