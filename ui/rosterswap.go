package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// swapDecision lets a leader of the station approve or reject a swap: the
// leader answers for the day, so a swap takes effect only with their word.
type swapDecision struct {
	m       *monthPanel
	s       roster.SwapRequest
	choices personChoices

	leader  *widget.Select
	note    *widget.Entry
	err     *widget.Label
	approve *widget.Button
	reject  *widget.Button
	dlg     *dialog.CustomDialog
}

func newSwapDecision(m *monthPanel, s roster.SwapRequest) *swapDecision {
	var leaders []app.Person
	for _, p := range m.data.people {
		if p.Has(app.RoleLeader) {
			leaders = append(leaders, p)
		}
	}
	d := &swapDecision{m: m, s: s, choices: newPersonChoices(leaders)}
	d.leader = widget.NewSelect(d.choices.labels, func(string) { d.err.Hide() })
	d.leader.PlaceHolder = lang.L("roster.swap_choose_leader")
	d.note = widget.NewEntry()
	d.note.SetPlaceHolder(lang.L("roster.swap_note_placeholder"))
	d.err = errorLabel()
	d.approve = widget.NewButton(lang.L("roster.swap_approve"), d.onApprove)
	d.approve.Importance = widget.HighImportance
	d.reject = widget.NewButton(lang.L("roster.swap_reject"), d.onReject)
	d.reject.Importance = widget.DangerImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { d.dlg.Hide() })
	if len(leaders) == 0 {
		d.err.SetText(lang.L("error.roster.no_leader"))
		d.err.Show()
		d.approve.Disable()
		d.reject.Disable()
	}

	what := widget.NewLabel(swapText(m.data.base, s))
	what.TextStyle.Bold = true
	what.Wrapping = fyne.TextWrapWord
	why := s.Reason
	if why == "" {
		why = "—"
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("roster.swap"), what),
		widget.NewFormItem(lang.L("roster.reason"), widget.NewLabel(why)),
		widget.NewFormItem(lang.L("roster.swap_leader"), container.NewVBox(d.leader, d.err)),
		widget.NewFormItem(lang.L("roster.swap_note"), d.note),
	)
	d.dlg = dialog.NewCustomWithoutButtons(lang.L("roster.swap_decide_title"), form, m.s.u.win)
	d.dlg.SetButtons([]fyne.CanvasObject{cancel, d.reject, d.approve})
	d.dlg.Resize(fyne.NewSize(560, 0))
	return d
}

func (d *swapDecision) show() { d.dlg.Show() }

func (d *swapDecision) chosen() (app.ID, bool) {
	id, ok := d.choices.ids[d.leader.Selected]
	if !ok {
		d.err.SetText(lang.L("error.roster.leader_required"))
		d.err.Show()
	}
	return id, ok
}

func (d *swapDecision) onApprove() {
	leader, ok := d.chosen()
	if !ok {
		return
	}
	ctx, r, id, note := d.m.s.u.ctx, d.m.s.u.svc.Rosters, d.s.ID, d.note.Text
	d.approve.Disable()
	runAsync(func() ([]app.ID, error) { return r.ApproveSwap(ctx, id, leader, note) },
		func(notify []app.ID, err error) {
			d.approve.Enable()
			if err != nil {
				d.fail(err)
				return
			}
			d.dlg.Hide()
			d.m.result = nil
			d.m.afterChange(lang.L("roster.swap_approved", map[string]any{"Count": len(notify)}))
		})
}

func (d *swapDecision) onReject() {
	leader, ok := d.chosen()
	if !ok {
		return
	}
	ctx, r, id, note := d.m.s.u.ctx, d.m.s.u.svc.Rosters, d.s.ID, d.note.Text
	d.reject.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, r.RejectSwap(ctx, id, leader, note) },
		func(_ struct{}, err error) {
			d.reject.Enable()
			if err != nil {
				d.fail(err)
				return
			}
			d.dlg.Hide()
			d.m.afterChange(lang.L("roster.swap_rejected"))
		})
}

func (d *swapDecision) fail(err error) {
	d.err.SetText(swapErrorText(err, d.m.data.base, d.s))
	d.err.Show()
	d.dlg.Resize(fyne.NewSize(560, 0))
}
