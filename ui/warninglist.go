package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/warning"
)

// warningRow is one warning in a list: its colour, its name, where it
// came from and what this station still owes it.
type warningRow struct {
	widget.BaseWidget
	badge   *levelBadge
	title   *widget.Label
	sub     *widget.Label
	state   *widget.Label
	content *fyne.Container
}

func newWarningRow() *warningRow {
	r := &warningRow{badge: newLevelBadge(), title: widget.NewLabel(""), sub: widget.NewLabel(""), state: widget.NewLabel("")}
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.sub.Truncation = fyne.TextTruncateEllipsis
	r.content = container.NewBorder(nil, nil, container.NewCenter(r.badge.content), r.state,
		container.NewVBox(r.title, r.sub))
	r.ExtendBaseWidget(r)
	return r
}

func (r *warningRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

func (r *warningRow) set(w *warning.Warning, sub, state string, importance widget.Importance) {
	r.badge.set(w.Level)
	setText(r.title, lang.L("warning.row_title", map[string]any{"Type": warningTypeLabel(w.Type)}))
	setText(r.sub, sub)
	r.state.Importance = importance
	r.state.Text = state
	// Labels do not tell their container they grew: lay the row out
	// again for the texts just set.
	r.content.Refresh()
}

// warningHeader shows one warning in full above what is done with it.
type warningHeader struct {
	badge   *levelBadge
	title   *widget.Label
	meta    *widget.Label // who issued it, the area, the validity: one line each
	text    *widget.Label
	content *fyne.Container
}

func newWarningHeader(withText bool) *warningHeader {
	h := &warningHeader{badge: newLevelBadge(), title: sectionTitle(""), meta: widget.NewLabel(""), text: widget.NewLabel("")}
	h.title.SizeName = theme.SizeNameSubHeadingText
	h.title.Wrapping = fyne.TextWrapWord
	h.meta.Wrapping = fyne.TextWrapWord
	h.text.Wrapping = fyne.TextWrapWord
	top := container.NewBorder(nil, nil, container.NewCenter(h.badge.content), nil, h.title)
	if withText {
		h.content = container.NewVBox(top, h.meta, widget.NewSeparator(), h.text)
	} else {
		h.content = container.NewVBox(top, h.meta)
		h.text.Hide()
	}
	return h
}

func (h *warningHeader) set(w *warning.Warning, b alertBase) {
	h.badge.set(w.Level)
	h.title.Text = warningTitle(w)
	lines := []string{lang.L("warning.meta", map[string]any{
		"Issuer": stationName(b.tree, w.Issuer), "Person": w.IssuedBy, "At": dateTime(w.IssuedAt, b.loc)})}
	if w.Area != "" {
		lines = append(lines, lang.L("warning.area_line", map[string]any{"Area": w.Area}))
	}
	lines = append(lines, validityText(w, b.loc))
	h.meta.Text = strings.Join(lines, "\n")
	h.text.Text = w.Text
	h.content.Refresh()
}

// receivedPanel lists the warnings that reached this station, the ones
// still to acknowledge first, and shows the chosen one with the name to
// acknowledge it under and, for a station with stations below it, how its
// own part of the tree has answered.
type receivedPanel struct {
	s        *warningScreen
	rows     []warning.Warning
	selected app.ID
	seq      int

	list  *widget.List
	empty *widget.Label

	header    *warningHeader
	ackName   *shortcutEntry
	ackButton *widget.Button
	ackErr    *widget.Label
	ackDone   *widget.Label
	ackForm   *fyne.Container
	nameTyped bool // the name was typed, not filled in from the roster
	quiet     bool

	below      *progressPanel
	belowBox   *fyne.Container
	detailBody *fyne.Container
	detail     *fyne.Container // the warning, or a hint to choose one
	hint       *widget.Label
	content    fyne.CanvasObject
}

func newReceivedPanel(s *warningScreen) *receivedPanel {
	p := &receivedPanel{s: s}
	p.list = widget.NewList(func() int { return len(p.rows) },
		func() fyne.CanvasObject { return newWarningRow() }, p.updateRow)
	p.list.OnSelected = p.onSelected
	p.empty = hintLabel(lang.L("warning.none_received"))

	p.header = newWarningHeader(true)
	p.ackName = newShortcutEntry()
	p.ackName.SetPlaceHolder(lang.L("warning.ack_name_placeholder"))
	p.ackName.OnChanged = func(string) {
		if !p.quiet {
			p.nameTyped = true
			p.ackErr.Hide()
		}
	}
	p.ackName.OnSubmitted = func(string) { p.onAcknowledge() }
	p.ackButton = widget.NewButtonWithIcon(lang.L("warning.ack"), theme.ConfirmIcon(), p.onAcknowledge)
	p.ackButton.Importance = widget.HighImportance
	p.ackErr = errorLabel()
	p.ackDone = widget.NewLabel("")
	p.ackDone.Importance = widget.SuccessImportance
	p.ackDone.Wrapping = fyne.TextWrapWord
	p.ackDone.Hide()
	p.ackForm = container.NewBorder(nil, nil, widget.NewLabel(lang.L("warning.ack_name")), p.ackButton,
		container.NewVBox(p.ackName, p.ackErr))

	p.below = newProgressPanel(s, false)
	p.belowBox = container.NewBorder(sectionTitle(lang.L("warning.below_title")), nil, nil, nil, p.below.content)
	p.belowBox.Hide()

	p.hint = hintLabel(lang.L("warning.choose_one"))
	p.detailBody = container.NewBorder(
		container.NewVBox(p.header.content, widget.NewSeparator(), p.ackForm, p.ackDone), nil, nil, nil, p.belowBox)
	p.detailBody.Hide()
	p.detail = container.NewStack(container.NewPadded(p.hint), p.detailBody)

	left := container.NewBorder(p.empty, nil, nil, nil, p.list)
	split := container.NewHSplit(left, container.NewPadded(p.detail))
	split.Offset = 0.36
	p.content = split
	return p
}

func (p *receivedPanel) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(p.rows) {
		return
	}
	w := &p.rows[id]
	b := p.s.data.base
	sub := lang.L("warning.row_sub", map[string]any{"Issuer": stationName(b.tree, w.Issuer), "At": dateTime(w.IssuedAt, b.loc)})
	now := p.s.u.now()
	switch {
	case p.s.data.pending[w.ID]:
		o.(*warningRow).set(w, sub, lang.L("warning.state_waiting"), widget.DangerImportance)
	case !now.Before(w.ValidUntil):
		o.(*warningRow).set(w, sub, lang.L("warning.state_expired"), widget.LowImportance)
	default:
		o.(*warningRow).set(w, sub, lang.L("warning.state_acked"), widget.SuccessImportance)
	}
}

// show lists the warnings just read, keeping the chosen one.
func (p *receivedPanel) show() {
	p.rows = p.s.data.received
	p.empty.Hidden = len(p.rows) > 0 || p.s.data.base.home == nil
	p.empty.Refresh()
	p.list.Refresh()
	if p.selected != app.NilID {
		p.selectWarning(p.selected)
	}
}

func (p *receivedPanel) selectWarning(id app.ID) {
	for i := range p.rows {
		if p.rows[i].ID == id {
			// Unselect first, so choosing the row shown already reads it
			// again.
			p.list.UnselectAll()
			p.list.Select(i)
			p.list.ScrollTo(i)
			return
		}
	}
	p.selected = app.NilID
	p.list.UnselectAll()
	p.detailBody.Hide()
	p.hint.Show()
}

func (p *receivedPanel) onSelected(id widget.ListItemID) {
	if id < len(p.rows) && p.rows[id].ID != p.selected {
		p.nameTyped = false
		p.ackErr.Hide()
	}
	p.showWarning(id)
}

// myAck is this station's acknowledgement of a warning, nil for none,
// with who is on duty to answer with.
type myAck struct {
	ack    *warning.Ack
	onDuty OnDuty
}

func (p *receivedPanel) showWarning(i int) {
	if i >= len(p.rows) {
		return
	}
	w := p.rows[i]
	p.selected = w.ID
	b := p.s.data.base
	p.header.set(&w, b)
	p.hint.Hide()
	p.detailBody.Show()
	pending := p.s.data.pending[w.ID]
	p.ackForm.Hidden = !pending
	p.ackDone.Hide()
	enable(p.ackButton, pending)
	if len(b.tree.Children(b.homeID())) > 0 {
		p.below.show(&w, b.homeID())
		p.belowBox.Show()
	} else {
		p.belowBox.Hide()
	}
	p.detailBody.Refresh()

	p.seq++
	seq := p.seq
	ctx, svc, onDuty, home := p.s.u.ctx, p.s.u.svc, p.s.u.status.onDuty, b.homeID()
	runAsync(func() (myAck, error) {
		var m myAck
		acks, err := svc.Warnings.Acks(ctx, w.ID)
		if err != nil {
			return m, err
		}
		for i := range acks {
			if acks[i].Station == home && (m.ack == nil || warning.Earlier(&acks[i], m.ack)) {
				m.ack = &acks[i]
			}
		}
		m.onDuty = onDutyNow(ctx, onDuty)
		return m, nil
	}, func(m myAck, err error) {
		if seq != p.seq {
			return
		}
		if err != nil {
			p.showAckError(err)
			return
		}
		if m.ack != nil {
			p.showAcked(m.ack)
			return
		}
		if !p.nameTyped {
			p.quiet = true
			p.ackName.SetText(answeringName(m.onDuty))
			p.quiet = false
		}
	})
}

func (p *receivedPanel) showAcked(a *warning.Ack) {
	b := p.s.data.base
	p.ackForm.Hide()
	p.ackDone.SetText(lang.L("warning.acked_by", map[string]any{"Person": a.Person, "At": dateTime(a.At, b.loc)}))
	p.ackDone.Show()
	p.detailBody.Refresh()
}

func (p *receivedPanel) showAckError(err error) {
	p.ackErr.SetText(ackErrorText(err, p.ackName.Text))
	p.ackErr.Show()
	p.detailBody.Refresh()
}

// ackErrorText says what is wrong with an acknowledgement by name.
func ackErrorText(err error, name string) string {
	if app.ErrorCode(err) == app.EINVALID && app.ErrorField(err) == "person" {
		if len([]rune(name)) > warning.MaxName {
			return lang.L("warning.error_name_long", map[string]any{"Max": warning.MaxName})
		}
		return lang.L("warning.error_name_required")
	}
	return errorText(err)
}

// onAcknowledge records that this station received the warning, in the
// name of the person on duty.
func (p *receivedPanel) onAcknowledge() {
	if p.selected == app.NilID || p.ackButton.Disabled() {
		return
	}
	a := warning.Ack{Warning: p.selected, Person: p.ackName.Text}
	if err := (&warning.Ack{Warning: a.Warning, Station: p.s.data.base.homeID(), RecordedBy: p.s.data.base.homeID(),
		Person: a.Person, At: p.s.u.now()}).Validate(); err != nil {
		p.showAckError(err)
		return
	}
	p.ackButton.Disable()
	ctx, svc := p.s.u.ctx, p.s.u.svc
	runAsync(func() (warning.Ack, error) {
		err := svc.Warnings.Acknowledge(ctx, &a)
		return a, err
	}, p.onAcknowledged)
}

func (p *receivedPanel) onAcknowledged(a warning.Ack, err error) {
	if err != nil && app.ErrorCode(err) != app.ECONFLICT {
		p.ackButton.Enable()
		p.showAckError(err)
		return
	}
	// A conflict is another client of this station acknowledging first:
	// the warning is acknowledged either way.
	if err == nil {
		p.showAcked(&a)
	}
	delete(p.s.data.pending, a.Warning)
	p.list.Refresh()
	p.s.u.changed()
}

// issuedPanel lists the warnings this station issued and shows, for the
// chosen one, every station below and whether it has acknowledged.
type issuedPanel struct {
	s        *warningScreen
	rows     []warning.Warning
	selected app.ID

	list     *widget.List
	empty    *widget.Label
	header   *warningHeader
	progress *progressPanel
	body     *fyne.Container
	hint     *widget.Label
	content  fyne.CanvasObject
}

func newIssuedPanel(s *warningScreen) *issuedPanel {
	p := &issuedPanel{s: s}
	p.list = widget.NewList(func() int { return len(p.rows) },
		func() fyne.CanvasObject { return newWarningRow() }, p.updateRow)
	p.list.OnSelected = p.onSelected
	p.empty = hintLabel(lang.L("warning.none_issued"))
	p.header = newWarningHeader(false)
	p.progress = newProgressPanel(s, true)
	p.hint = hintLabel(lang.L("warning.choose_one"))
	p.body = container.NewBorder(container.NewVBox(p.header.content, widget.NewSeparator()), nil, nil, nil, p.progress.content)
	p.body.Hide()
	left := container.NewBorder(p.empty, nil, nil, nil, p.list)
	split := container.NewHSplit(left, container.NewPadded(container.NewStack(container.NewPadded(p.hint), p.body)))
	split.Offset = 0.36
	p.content = split
	return p
}

func (p *issuedPanel) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(p.rows) {
		return
	}
	w := &p.rows[id]
	b := p.s.data.base
	sub := lang.L("warning.row_issued_sub", map[string]any{"Person": w.IssuedBy, "At": dateTime(w.IssuedAt, b.loc)})
	if p.s.u.now().Before(w.ValidUntil) {
		o.(*warningRow).set(w, sub, lang.L("warning.state_in_force"), widget.MediumImportance)
	} else {
		o.(*warningRow).set(w, sub, lang.L("warning.state_expired"), widget.LowImportance)
	}
}

func (p *issuedPanel) show() {
	p.rows = p.s.data.issued
	p.empty.Hidden = len(p.rows) > 0 || p.s.data.base.home == nil
	p.empty.Refresh()
	p.list.Refresh()
	if p.selected != app.NilID {
		p.selectWarning(p.selected)
	}
}

func (p *issuedPanel) selectWarning(id app.ID) {
	for i := range p.rows {
		if p.rows[i].ID == id {
			p.list.UnselectAll()
			p.list.Select(i)
			p.list.ScrollTo(i)
			return
		}
	}
}

func (p *issuedPanel) onSelected(id widget.ListItemID) {
	if id >= len(p.rows) {
		return
	}
	w := p.rows[id]
	if w.ID == p.selected && p.body.Visible() {
		return
	}
	p.selected = w.ID
	p.header.set(&w, p.s.data.base)
	p.hint.Hide()
	p.body.Show()
	p.body.Refresh()
	p.progress.show(&w, w.Issuer)
}

// recipientsOf counts the stations a warning from home would reach.
func recipientsOf(b alertBase) int {
	if b.home == nil {
		return 0
	}
	return len(warning.Recipients(b.tree, &warning.Warning{Issuer: b.home.ID}))
}

// villageOfficer is the name a village's acknowledgement by phone is
// usually given in: its information officer's, from the directory.
func villageOfficer(ctx context.Context, svc Services, village app.ID) string {
	role := app.RoleInfoOfficer
	people, err := svc.Persons.Persons(ctx, app.PersonFilter{Station: &village, Role: &role})
	if err != nil || len(people) == 0 {
		return ""
	}
	return people[0].Name
}
