package ui

import (
	"image/color"
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
	"dutyroom/app/smsstatus"
	"dutyroom/app/warning"
)

// progressIndent is how far each level of the tree is set in.
const progressIndent = 20

// waitingShown is how many of the stations still waiting are named; the
// rest are counted. The rows above name every one.
const waitingShown = 40

// progressLine is one station in a progress view, its depth counted from
// the view's root.
type progressLine struct {
	warning.StationStatus
	depth int
}

// progressPanel shows a warning's acknowledgements over part of the tree:
// a station before the stations below it, set in by depth, each
// acknowledged or not and when; the counts; and the stations still
// waiting. A village's acknowledgement taken by phone is recorded from
// its row.
type progressPanel struct {
	s    *warningScreen
	w    *warning.Warning // nil while none is chosen
	root app.ID
	seq  int
	full bool // the issuer's view: every station the warning reaches
	rows []progressLine
	// tracked: the warning's stations report delivery, so a row without
	// one reads 未送达 (warning.Report.Tracked).
	tracked bool

	counts  *widget.Label
	updated *widget.Label
	// The SMS the hub sent about the warning, per station, asked online
	// (warningsms.go); smsNote says when they cannot be shown.
	sms      map[app.ID]*smsstatus.Summary
	smsAsked time.Time
	smsSeq   int
	smsNote  *widget.Label

	list    *widget.List
	waiting *widget.Label
	content *fyne.Container
}

func newProgressPanel(s *warningScreen, full bool) *progressPanel {
	p := &progressPanel{s: s, full: full, counts: widget.NewLabel(""), updated: widget.NewLabel("")}
	p.counts.TextStyle.Bold = true
	p.counts.Wrapping = fyne.TextWrapWord
	p.updated.Importance = widget.LowImportance
	p.list = widget.NewList(func() int { return len(p.rows) },
		func() fyne.CanvasObject { return newProgressRow() }, p.updateRow)
	p.list.OnSelected = func(widget.ListItemID) { p.list.UnselectAll() }
	p.waiting = widget.NewLabel("")
	p.waiting.Wrapping = fyne.TextWrapWord
	p.waiting.Importance = widget.WarningImportance
	waiting := container.New(fixedHeight{height: 72}, container.NewVScroll(p.waiting))
	p.smsNote = widget.NewLabel("")
	p.smsNote.Importance = widget.WarningImportance
	p.smsNote.Hide()
	p.content = container.NewBorder(container.NewBorder(nil, nil, nil, p.updated, container.NewVBox(p.counts, p.smsNote)), waiting, nil, nil, p.list)
	return p
}

// show starts following a warning's acknowledgements below root.
func (p *progressPanel) show(w *warning.Warning, root app.ID) {
	c := *w
	p.w, p.root = &c, root
	p.rows = nil
	p.sms, p.smsAsked = nil, time.Time{}
	p.smsNote.Hide()
	p.counts.SetText("")
	p.waiting.SetText("")
	p.list.Refresh()
	p.load()
}

// load reads the acknowledgements again.
func (p *progressPanel) load() {
	if p.w == nil {
		return
	}
	p.loadSMS()
	p.seq++
	seq := p.seq
	ctx, svc, id := p.s.u.ctx, p.s.u.svc, p.w.ID
	runAsync(func() (*warning.Report, error) { return svc.Warnings.Progress(ctx, id) }, func(r *warning.Report, err error) {
		if seq != p.seq || p.w == nil || p.w.ID != id {
			return
		}
		if err != nil {
			p.counts.Importance = widget.DangerImportance
			p.counts.SetText(errorText(err))
			return
		}
		p.showReport(r)
	})
}

func (p *progressPanel) showReport(r *warning.Report) {
	p.rows = progressBelow(r, p.root, p.w.Issuer)
	p.tracked = r.Tracked
	var all, rooms, villages warning.Count
	var waiting, undelivered []string
	for _, l := range p.rows {
		c := &rooms
		if l.Tier == app.TierVillage {
			c = &villages
		}
		c.Total++
		all.Total++
		if l.Acked() {
			c.Acked++
			all.Acked++
		} else {
			waiting = append(waiting, l.Name)
		}
		if l.Reach(r.Tracked) == warning.NotDelivered {
			undelivered = append(undelivered, l.Name)
		}
	}
	p.counts.Importance = widget.MediumImportance
	p.counts.SetText(lang.L("warning.progress_counts", map[string]any{
		"Acked": all.Acked, "Total": all.Total, "RoomsAcked": rooms.Acked, "Rooms": rooms.Total,
		"VillagesAcked": villages.Acked, "Villages": villages.Total}))
	p.updated.SetText(lang.L("warning.progress_updated", map[string]any{"At": p.s.u.now().In(p.s.data.base.loc).Format("15:04:05")}))
	switch {
	case len(waiting) == 0 && all.Total > 0:
		p.waiting.Importance = widget.SuccessImportance
		p.waiting.SetText(lang.L("warning.progress_complete"))
	case len(waiting) == 0:
		p.waiting.Importance = widget.LowImportance
		p.waiting.SetText(lang.L("warning.progress_none_below"))
	default:
		names := waiting
		more := ""
		if len(names) > waitingShown {
			more = lang.L("warning.progress_more", map[string]any{"Count": len(names) - waitingShown})
			names = names[:waitingShown]
		}
		p.waiting.Importance = widget.WarningImportance
		text := lang.L("warning.progress_waiting", map[string]any{
			"Count": len(waiting), "Names": strings.Join(names, lang.L("list.separator")) + more})
		if len(undelivered) > 0 {
			// Not there at all is said apart: those stations need a
			// phone call, not a reminder to acknowledge.
			text += lang.L("warning.progress_undelivered", map[string]any{"Count": len(undelivered)})
		}
		p.waiting.SetText(text)
	}
	// The counts grew; lay the panel out again around them.
	p.content.Refresh()
}

// progressBelow returns the rows of r below root, set in from root. The
// issuer's view is the whole report; a station further down sees its own
// part of the tree.
func progressBelow(r *warning.Report, root, issuer app.ID) []progressLine {
	out := make([]progressLine, 0, len(r.Stations))
	if root == issuer {
		for _, s := range r.Stations {
			out = append(out, progressLine{StationStatus: s, depth: s.Depth})
		}
		return out
	}
	// Pre-order: root's subtree is the run of deeper rows right after it.
	for i, s := range r.Stations {
		if s.Station != root {
			continue
		}
		for _, below := range r.Stations[i+1:] {
			if below.Depth <= s.Depth {
				break
			}
			out = append(out, progressLine{StationStatus: below, depth: below.Depth - s.Depth})
		}
		break
	}
	return out
}

func (p *progressPanel) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(p.rows) {
		return
	}
	l := p.rows[id]
	row := o.(*progressRow)
	b := p.s.data.base
	row.indent.SetMinSize(fyne.NewSize(float32(l.depth-1)*progressIndent, 1))
	setText(row.name, l.Name)
	setText(row.tier, tierLabel(l.Tier))
	if l.Ack != nil {
		row.state.Importance = widget.SuccessImportance
		state, detail := ackTexts(l.Ack, l.Station, b.tree, b.loc)
		setText(row.state, state)
		setText(row.detail, detail)
	} else {
		switch l.Reach(p.tracked) {
		case warning.Delivered:
			row.state.Importance = widget.WarningImportance
			setText(row.state, lang.L("warning.row_delivered"))
			setText(row.detail, lang.L("warning.row_delivered_detail", map[string]any{"At": dateTime(l.Delivered, b.loc)}))
		case warning.NotDelivered:
			row.state.Importance = widget.DangerImportance
			setText(row.state, lang.L("warning.row_undelivered"))
			setText(row.detail, "")
		default:
			row.state.Importance = widget.DangerImportance
			setText(row.state, lang.L("warning.row_waiting"))
			setText(row.detail, "")
		}
	}
	p.addSMS(row, l.Station)
	row.state.Refresh()
	// A village keeps no duty room of its own as a rule: its officer
	// acknowledges by phone and a duty room above records it.
	if l.Tier == app.TierVillage && l.Ack == nil && b.home != nil && b.tree.IsWithin(l.Station, b.home.ID) {
		row.proxy.Show()
		row.onProxy = func() { p.onProxy(l.StationStatus) }
	} else {
		row.proxy.Hide()
		row.onProxy = nil
	}
	row.content.Refresh()
}

// onProxy records a village's acknowledgement on its behalf.
func (p *progressPanel) onProxy(st warning.StationStatus) {
	if p.w == nil {
		return
	}
	newProxyAckDialog(p, *p.w, st).show()
}

// progressRow is one station in a progress view.
type progressRow struct {
	widget.BaseWidget
	indent  *canvas.Rectangle
	name    *widget.Label
	tier    *widget.Label
	state   *widget.Label
	detail  *widget.Label
	proxy   *widget.Button
	onProxy func()
	content *fyne.Container
}

func newProgressRow() *progressRow {
	r := &progressRow{indent: canvas.NewRectangle(color.Transparent), name: widget.NewLabel(""),
		tier: widget.NewLabel(""), state: widget.NewLabel(""), detail: widget.NewLabel("")}
	r.name.TextStyle.Bold = true
	r.tier.Importance = widget.LowImportance
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.proxy = widget.NewButton(lang.L("warning.proxy_ack"), func() {
		if r.onProxy != nil {
			r.onProxy()
		}
	})
	r.proxy.Hide()
	r.content = container.NewBorder(nil, nil, container.NewHBox(r.indent, r.name, r.tier, r.state), r.proxy, r.detail)
	r.ExtendBaseWidget(r)
	return r
}

func (r *progressRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.content)
}

// proxyAckDialog asks the name a village acknowledged in, by phone.
type proxyAckDialog struct {
	p       *progressPanel
	w       warning.Warning
	station warning.StationStatus
	name    *widget.Entry
	err     *widget.Label
	save    *widget.Button
	d       dialog.Dialog
}

func newProxyAckDialog(p *progressPanel, w warning.Warning, st warning.StationStatus) *proxyAckDialog {
	d := &proxyAckDialog{p: p, w: w, station: st, name: widget.NewEntry(), err: errorLabel()}
	d.name.SetPlaceHolder(lang.L("warning.proxy_name_placeholder"))
	d.name.OnChanged = func(string) { d.err.Hide() }
	d.name.OnSubmitted = func(string) { d.onSave() }
	d.save = widget.NewButtonWithIcon(lang.L("warning.proxy_save"), theme.ConfirmIcon(), d.onSave)
	d.save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { d.d.Hide() })
	note := widget.NewLabel(lang.L("warning.proxy_note", map[string]any{"Station": st.Name, "Title": warningTitle(&w)}))
	note.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(note,
		widget.NewForm(widget.NewFormItem(lang.L("warning.proxy_name"), container.NewVBox(d.name, d.err))),
		container.NewHBox(layout.NewSpacer(), cancel, d.save))
	d.d = dialog.NewCustomWithoutButtons(lang.L("warning.proxy_title"), body, p.s.u.win)
	d.d.Resize(fyne.NewSize(440, 0))
	return d
}

func (d *proxyAckDialog) show() {
	d.d.Show()
	d.p.s.u.win.Canvas().Focus(d.name)
	ctx, svc, village := d.p.s.u.ctx, d.p.s.u.svc, d.station.Station
	runAsync(func() (string, error) { return villageOfficer(ctx, svc, village), nil }, func(name string, _ error) {
		if d.name.Text == "" {
			d.name.SetText(name)
		}
	})
}

func (d *proxyAckDialog) onSave() {
	if d.save.Disabled() {
		return
	}
	d.save.Disable()
	a := warning.Ack{Warning: d.w.ID, Station: d.station.Station, Person: d.name.Text}
	ctx, svc := d.p.s.u.ctx, d.p.s.u.svc
	runAsync(func() (struct{}, error) { return struct{}{}, svc.Warnings.Acknowledge(ctx, &a) }, func(_ struct{}, err error) {
		d.save.Enable()
		if err != nil && app.ErrorCode(err) != app.ECONFLICT {
			d.err.SetText(ackErrorText(err, d.name.Text))
			d.err.Show()
			return
		}
		d.d.Hide()
		d.p.load()
		d.p.s.u.changed()
	})
}
