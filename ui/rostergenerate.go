package ui

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// generated is a generation run as the side panel shows it.
type generated struct {
	from, to roster.Date
	res      roster.GenerateResult
	gaps     []gapLine
	warnings []string
	notified int
}

// planInput gathers what the generator looks at from the services: the
// station's rules, calendar and people, their absences, every duty they
// hold around the range at any station, and the year before for fairness.
func planInput(ctx context.Context, svc Services, st *app.Station, from, to roster.Date) (roster.GenerateInput, error) {
	r := svc.Rosters
	in := roster.GenerateInput{Station: st.ID, From: from, To: to, Location: st.Location()}
	var err error
	if in.Settings, err = r.Settings(ctx, st.ID); err != nil {
		return in, err
	}
	if in.Calendar, err = r.Calendar(ctx); err != nil {
		return in, err
	}
	if in.Specials, err = r.SpecialPeriods(ctx, st.ID, from, to); err != nil {
		return in, err
	}
	people, err := svc.Persons.Persons(ctx, app.PersonFilter{Station: &st.ID})
	if err != nil {
		return in, err
	}
	ids := map[app.ID]bool{}
	for _, p := range people {
		for _, role := range roster.DutyRoles {
			if p.Has(role) {
				in.People = append(in.People, p)
				ids[p.ID] = true
				break
			}
		}
	}
	rest := in.Settings.MinRestDays
	lo, hi := from.AddDays(-rest), to.AddDays(rest)
	absences, err := r.Absences(ctx, roster.AbsenceFilter{From: &lo, To: &hi})
	if err != nil {
		return in, err
	}
	for _, a := range absences {
		if ids[a.Person] {
			in.Absences = append(in.Absences, a)
		}
	}
	if in.Existing, err = r.Assignments(ctx, st.ID, lo, hi); err != nil {
		return in, err
	}
	for _, p := range in.People {
		duties, err := r.PersonDuties(ctx, p.ID, lo, hi)
		if err != nil {
			return in, err
		}
		for _, d := range duties {
			if d.Station != st.ID {
				in.Existing = append(in.Existing, d)
			}
		}
	}
	past, err := r.Assignments(ctx, st.ID, from.AddDays(-365), from.AddDays(-1))
	if err != nil {
		return in, err
	}
	in.History = roster.Summarize(past, in.Calendar, in.Settings.Handover, in.Location)
	return in, nil
}

// maxNamedInGap bounds the people a gap's explanation names.
const maxNamedInGap = 6

// explainGaps says, in the reader's language, why each post stayed empty:
// what keeps each person who could take it. The generator's own reasons
// are English sentences, fine for logs and the command line.
func explainGaps(in roster.GenerateInput, res roster.GenerateResult) []gapLine {
	var out []gapLine
	for _, g := range res.Gaps {
		line := gapLine{day: g.Day, post: postLabel(g.Post, g.Post.Index > 0)}
		var why []string
		eligible := 0
		for i := range in.People {
			p := &in.People[i]
			if !p.Has(g.Post.Role) {
				continue
			}
			eligible++
			if len(why) < maxNamedInGap {
				why = append(why, lang.L("roster.gap_person", map[string]any{"Name": p.Name, "Why": busyReason(p.ID, g.Day, in, res)}))
			}
		}
		switch {
		case eligible == 0:
			line.reason = lang.L("roster.gap_no_eligible", map[string]any{"Role": roleLabel(g.Post.Role)})
		default:
			if eligible > len(why) {
				why = append(why, lang.L("roster.gap_more", map[string]any{"Count": eligible - len(why)}))
			}
			line.reason = lang.L("roster.gap_busy", map[string]any{
				"Role": roleLabel(g.Post.Role), "People": strings.Join(why, lang.L("roster.gap_separator"))})
		}
		out = append(out, line)
	}
	return out
}

// busyReason says what keeps a person from a post on day.
func busyReason(person app.ID, day roster.Date, in roster.GenerateInput, res roster.GenerateResult) string {
	for _, a := range in.Absences {
		if a.Person == person && a.Covers(day) {
			return absenceLabel(a.Reason)
		}
	}
	for _, a := range res.Assignments {
		if a.Person == person && a.Day == day {
			return lang.L("roster.busy_post", map[string]any{"Post": postLabel(a.Post, a.Post.Index > 0)})
		}
	}
	var others []roster.Assignment
	for _, a := range in.Existing {
		if a.Station != in.Station {
			others = append(others, a)
		}
	}
	for _, a := range others {
		if a.Person == person && a.Day == day {
			return lang.L("roster.busy_elsewhere")
		}
	}
	rest := in.Settings.MinRestDays
	for _, set := range [][]roster.Assignment{res.Assignments, others} {
		for _, a := range set {
			if gap := a.Day.Sub(day); a.Person == person && gap != 0 && gap >= -rest && gap <= rest {
				return lang.L("roster.busy_rest", map[string]any{"Day": shortDate(a.Day)})
			}
		}
	}
	return lang.L("roster.busy_free")
}

func absenceLabel(r roster.AbsenceReason) string {
	switch r {
	case roster.ReasonLeave:
		return lang.L("roster.absence_leave")
	case roster.ReasonTrip:
		return lang.L("roster.absence_trip")
	}
	return lang.L("roster.absence_other")
}

// warningTexts puts the generator's warnings in the reader's language.
func warningTexts(in roster.GenerateInput, res roster.GenerateResult) []string {
	var out []string
	names := map[app.ID]string{}
	for _, p := range in.People {
		names[p.ID] = p.Name
	}
	for y := in.From.Y; y <= in.To.Y; y++ {
		if !in.Calendar.Covers(y) {
			out = append(out, lang.L("roster.warn_no_calendar", map[string]any{"Year": y}))
		}
	}
	for _, w := range res.Warnings {
		switch w.Code {
		case roster.WarnNoCalendar:
			// Said above, once per year.
		case roster.WarnManual:
			name := names[w.Person]
			if name == "" {
				name = lang.L("duty.unknown_person")
			}
			out = append(out, lang.L("roster.warn_manual", map[string]any{"Day": dayLabel(w.Day), "Name": name}))
		case roster.WarnUnfair:
			// One per role and day kind; the reader needs it once.
			if text := lang.L("roster.warn_unfair"); !slices.Contains(out, text) {
				out = append(out, text)
			}
		default:
			out = append(out, w.Message)
		}
	}
	return out
}

// generateDialog asks for the range to fill, the shown month by default.
type generateDialog struct {
	m        *monthPanel
	from, to *widget.Entry
	errs     map[string]*widget.Label
	run      *widget.Button
	dlg      *dialog.CustomDialog
}

func newGenerateDialog(m *monthPanel) *generateDialog {
	g := &generateDialog{m: m, errs: map[string]*widget.Label{"": errorLabel(), "from": errorLabel(), "to": errorLabel()}}
	g.from = g.entry("from", m.month.First().String())
	g.to = g.entry("to", m.month.Last().String())
	g.run = widget.NewButton(lang.L("roster.generate_run"), g.onRun)
	g.run.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { g.dlg.Hide() })
	form := widget.NewForm(
		widget.NewFormItem(lang.L("roster.from"), container.NewVBox(g.from, g.errs["from"])),
		widget.NewFormItem(lang.L("roster.to"), container.NewVBox(g.to, g.errs["to"])),
	)
	hint := hintLabel(lang.L("roster.generate_hint"))
	body := container.NewVBox(form, hint, g.errs[""])
	g.dlg = dialog.NewCustomWithoutButtons(lang.L("roster.generate_title", map[string]any{"Station": m.data.station.Name}), body, m.s.u.win)
	g.dlg.SetButtons([]fyne.CanvasObject{cancel, g.run})
	g.dlg.Resize(fyne.NewSize(520, 0))
	return g
}

func (g *generateDialog) entry(field, text string) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(text)
	e.SetPlaceHolder("2026-10-01")
	e.OnChanged = func(string) { g.errs[field].Hide() }
	e.OnSubmitted = func(string) { g.onRun() }
	return e
}

func (g *generateDialog) show() { g.dlg.Show() }

func (g *generateDialog) fail(field, text string) {
	l, ok := g.errs[field]
	if !ok {
		l = g.errs[""]
	}
	l.SetText(text)
	l.Show()
	g.dlg.Resize(fyne.NewSize(520, 0))
}

func (g *generateDialog) onRun() {
	if g.run.Disabled() {
		return
	}
	for _, l := range g.errs {
		l.Hide()
	}
	from, to, field, msg := parseRange(g.from.Text, g.to.Text, roster.MaxGenerateDays)
	if msg != "" {
		g.fail(field, msg)
		return
	}
	st := g.m.data.station
	ctx, svc := g.m.s.u.ctx, g.m.s.u.svc
	g.run.Disable()
	runAsync(func() (generated, error) {
		in, err := planInput(ctx, svc, st, from, to)
		if err != nil {
			return generated{}, err
		}
		res, err := roster.Generate(in)
		if err != nil {
			return generated{}, err
		}
		notify, err := svc.Rosters.SaveGenerated(ctx, st.ID, from, to, res.Assignments)
		if err != nil {
			return generated{}, err
		}
		return generated{from: from, to: to, res: res, gaps: explainGaps(in, res),
			warnings: warningTexts(in, res), notified: len(notify)}, nil
	}, g.onDone)
}

func (g *generateDialog) onDone(r generated, err error) {
	g.run.Enable()
	switch {
	case app.ErrorCode(err) == app.ECONFLICT:
		g.fail("", lang.L("error.roster.generate_conflict"))
		return
	case app.ErrorCode(err) == app.EINVALID && (app.ErrorField(err) == "from" || app.ErrorField(err) == "to"):
		g.fail(app.ErrorField(err), lang.L("error.roster.range_invalid"))
		return
	case err != nil:
		g.fail("", errorText(err))
		return
	}
	g.dlg.Hide()
	m := g.m
	m.result = &r
	m.side.Select(m.alertsTab)
	m.afterChange(lang.L("roster.generated_notice", map[string]any{"Gaps": len(r.res.Gaps)}))
}

// parseRange reads a date range typed in two entries. It returns the field
// at fault and a message in the reader's language, or an empty message.
func parseRange(fromText, toText string, maxDays int) (from, to roster.Date, field, msg string) {
	from, err := roster.ParseDate(strings.TrimSpace(fromText))
	if err != nil {
		return from, to, "from", lang.L("error.roster.date_invalid")
	}
	to, err = roster.ParseDate(strings.TrimSpace(toText))
	switch {
	case err != nil:
		return from, to, "to", lang.L("error.roster.date_invalid")
	case to.Before(from):
		return from, to, "to", lang.L("error.roster.range_backwards")
	case to.Sub(from) >= maxDays:
		return from, to, "to", lang.L("error.roster.range_long", map[string]any{"Days": maxDays})
	}
	return from, to, "", ""
}
