package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// dutyPeopleOf returns the people holding a day's posts, officers first:
// the officer is who normally hands over and takes over.
func dutyPeopleOf(b dutyBase, on []roster.Assignment) []app.Person {
	var out []app.Person
	seen := map[app.ID]bool{}
	for _, pass := range []bool{true, false} {
		for _, a := range on {
			if (a.Post.Role == app.RoleOfficer) != pass || seen[a.Person] {
				continue
			}
			seen[a.Person] = true
			p, ok := b.persons[a.Person]
			if !ok {
				p = app.Person{ID: a.Person, Name: b.name(a.Person)}
			}
			out = append(out, p)
		}
	}
	return out
}

// handOverDialog records the outgoing side of a handover: who hands over
// and the matters still open.
type handOverDialog struct {
	p       *todayPanel
	day     roster.Date
	choices personChoices

	outgoing *widget.Select
	matters  *widget.Entry
	err      *widget.Label
	save     *widget.Button
	dlg      *dialog.CustomDialog
}

func newHandOverDialog(p *todayPanel, day roster.Date, on []roster.Assignment) *handOverDialog {
	h := &handOverDialog{p: p, day: day, choices: newPersonChoices(dutyPeopleOf(p.data.base, on)), err: errorLabel()}
	h.outgoing = widget.NewSelect(h.choices.labels, func(string) { h.err.Hide() })
	h.outgoing.PlaceHolder = lang.L("duty.choose_person")
	if len(h.choices.labels) > 0 {
		h.outgoing.SetSelectedIndex(0)
	}
	h.matters = widget.NewMultiLineEntry()
	h.matters.SetPlaceHolder(lang.L("duty.matters_placeholder"))
	h.matters.SetMinRowsVisible(5)
	h.matters.Wrapping = fyne.TextWrapWord
	h.save = widget.NewButton(lang.L("duty.hand_over_confirm"), h.onSave)
	h.save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { h.dlg.Hide() })

	form := widget.NewForm(
		widget.NewFormItem(lang.L("duty.outgoing"), h.outgoing),
		widget.NewFormItem(lang.L("duty.open_matters"), h.matters),
	)
	body := container.NewVBox(hintLabel(lang.L("duty.hand_over_hint")), form, h.err)
	h.dlg = dialog.NewCustomWithoutButtons(lang.L("duty.hand_over_title", map[string]any{"Day": dayLabel(day)}), body, p.s.u.win)
	h.dlg.SetButtons([]fyne.CanvasObject{cancel, h.save})
	h.dlg.Resize(fyne.NewSize(560, 0))
	return h
}

func (h *handOverDialog) show() { h.dlg.Show() }

func (h *handOverDialog) onSave() {
	d := h.p.data
	out := h.choices.ids[h.outgoing.Selected]
	rec := roster.Handover{
		Station:      d.base.home.ID,
		Day:          h.day,
		OpenMatters:  strings.Split(h.matters.Text, "\n"),
		Outgoing:     out,
		OutgoingName: d.base.name(out),
		OutAt:        h.p.s.u.now(),
	}
	h.save.Disable()
	ctx, svc := h.p.s.u.ctx, h.p.s.u.svc.Rosters
	runAsync(func() (struct{}, error) { return struct{}{}, svc.HandOver(ctx, &rec) },
		func(_ struct{}, err error) {
			h.save.Enable()
			if err != nil {
				h.err.SetText(handoverErrorText(err))
				h.err.Show()
				return
			}
			h.dlg.Hide()
			h.p.afterHandover(lang.L("duty.handed_over", map[string]any{"Name": rec.OutgoingName}))
		})
}

// confirmDialog records the incoming side: the new officer has read the
// open matters and takes over.
type confirmDialog struct {
	p       *todayPanel
	h       roster.Handover
	choices personChoices

	incoming *widget.Select
	err      *widget.Label
	save     *widget.Button
	dlg      *dialog.CustomDialog
}

func newConfirmDialog(p *todayPanel, h roster.Handover, on []roster.Assignment) *confirmDialog {
	c := &confirmDialog{p: p, h: h, choices: newPersonChoices(dutyPeopleOf(p.data.base, on)), err: errorLabel()}
	c.incoming = widget.NewSelect(c.choices.labels, func(string) { c.err.Hide() })
	c.incoming.PlaceHolder = lang.L("duty.choose_person")
	if len(c.choices.labels) > 0 {
		c.incoming.SetSelectedIndex(0)
	}
	c.save = widget.NewButton(lang.L("duty.confirm_handover"), c.onSave)
	c.save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { c.dlg.Hide() })

	from := widget.NewLabel(lang.L("duty.handed_over_by", map[string]any{
		"Name": h.OutgoingName, "Time": dateTime(h.OutAt, p.data.loc)}))
	matters := widget.NewLabel(mattersText(h.OpenMatters))
	matters.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(lang.L("duty.outgoing"), from),
		widget.NewFormItem(lang.L("duty.open_matters"), matters),
		widget.NewFormItem(lang.L("duty.incoming"), c.incoming),
	)
	c.dlg = dialog.NewCustomWithoutButtons(lang.L("duty.confirm_title", map[string]any{"Day": dayLabel(h.Day)}),
		container.NewVBox(form, c.err), p.s.u.win)
	c.dlg.SetButtons([]fyne.CanvasObject{cancel, c.save})
	c.dlg.Resize(fyne.NewSize(560, 0))
	return c
}

func (c *confirmDialog) show() { c.dlg.Show() }

func (c *confirmDialog) onSave() {
	in := c.choices.ids[c.incoming.Selected]
	name := c.p.data.base.name(in)
	if in == app.NilID {
		c.err.SetText(lang.L("error.duty.incoming_required"))
		c.err.Show()
		return
	}
	c.save.Disable()
	ctx, svc, at := c.p.s.u.ctx, c.p.s.u.svc.Rosters, c.p.s.u.now()
	h := c.h
	runAsync(func() (struct{}, error) {
		return struct{}{}, svc.ConfirmHandover(ctx, h.Station, h.Day, in, at)
	}, func(_ struct{}, err error) {
		c.save.Enable()
		if err != nil {
			c.err.SetText(handoverErrorText(err))
			c.err.Show()
			return
		}
		c.dlg.Hide()
		c.p.afterHandover(lang.L("duty.took_over", map[string]any{"Name": name}))
		// The incoming officer takes the desk with the duty (signin.go).
		c.p.s.u.signInAtHandover(in, h.Day.AddDays(1), name)
	})
}

func handoverErrorText(err error) string {
	switch app.ErrorCode(err) {
	case app.ECONFLICT:
		return lang.L("error.duty.handover_conflict")
	case app.EINVALID:
		switch app.ErrorField(err) {
		case "outgoing":
			return lang.L("error.duty.outgoing_required")
		case "incoming":
			return lang.L("error.duty.incoming_same")
		case "open_matters":
			return lang.L("error.duty.matters_too_many")
		}
	}
	return errorText(err)
}
