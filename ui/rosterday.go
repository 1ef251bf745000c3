package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// dayData is one reading of a duty day for the day dialog.
type dayData struct {
	plan     dayPlan
	history  []roster.Change
	absences []roster.Absence     // of the station's people, covering the day
	swaps    []roster.SwapRequest // pending, touching the day
}

func loadDay(ctx context.Context, r roster.Service, m monthData, day roster.Date) (dayData, error) {
	st := m.station.ID
	info := roster.Classify(m.base.cal, m.specials, day)
	d := dayData{plan: dayPlan{info: info, template: m.settings.TemplateFor(info)}}
	var err error
	if m.visible {
		if d.plan.on, err = r.Assignments(ctx, st, day, day); err != nil {
			return d, err
		}
	}
	if !m.editable {
		return d, nil
	}
	if d.history, err = r.History(ctx, st, day); err != nil {
		return d, err
	}
	absences, err := r.Absences(ctx, roster.AbsenceFilter{From: &day, To: &day})
	if err != nil {
		return d, err
	}
	for _, a := range absences {
		if p, ok := m.base.persons[a.Person]; ok && p.Station == st {
			d.absences = append(d.absences, a)
		}
	}
	pending, err := r.SwapRequests(ctx, st, roster.SwapPending)
	if err != nil {
		return d, err
	}
	for _, s := range pending {
		if s.First.Day == day || s.Second.Day == day {
			d.swaps = append(d.swaps, s)
		}
	}
	return d, nil
}

// dayDialog opens one duty day: who holds each post (editable on this
// station's roster), swap requests, and the day's audit history.
type dayDialog struct {
	m    *monthPanel
	day  roster.Date
	data dayData

	reason  *widget.Entry
	posts   *fyne.Container
	rows    []*postRow
	history *fyne.Container

	swapMine    *widget.Select
	mineSlots   map[string]roster.Slot
	swapDate    *widget.Entry
	swapOther   *widget.Select
	otherSlots  map[string]roster.Slot
	swapReason  *widget.Entry
	swapErr     *widget.Label
	swapSend    *widget.Button
	swapPending *fyne.Container
	notice      *notice

	tabs *container.AppTabs
	dlg  *dialog.CustomDialog
}

// postRow is one post of the day with its select and the message beside it.
type postRow struct {
	post    roster.Post
	label   string
	sel     *widget.Select
	msg     *widget.Label
	choices personChoices
	current app.ID
	quiet   bool // the select is being set by the program, not the user
}

func newDayDialog(m *monthPanel, day roster.Date) *dayDialog {
	d := &dayDialog{m: m, day: day, notice: newNotice()}
	d.reason = widget.NewEntry()
	d.reason.SetPlaceHolder(lang.L("roster.reason_placeholder"))
	d.posts = container.New(layout.NewFormLayout())
	d.history = container.NewVBox()

	d.swapMine = widget.NewSelect(nil, func(string) { d.swapErr.Hide() })
	d.swapMine.PlaceHolder = lang.L("roster.swap_choose_post")
	d.swapDate = widget.NewEntry()
	d.swapDate.SetPlaceHolder(lang.L("roster.swap_date_placeholder"))
	d.swapDate.OnChanged = d.onSwapDateChanged
	d.swapOther = widget.NewSelect(nil, func(string) { d.swapErr.Hide() })
	d.swapOther.PlaceHolder = lang.L("roster.swap_choose_post")
	d.swapReason = widget.NewEntry()
	d.swapReason.SetPlaceHolder(lang.L("roster.swap_reason_placeholder"))
	d.swapErr = errorLabel()
	d.swapSend = widget.NewButton(lang.L("roster.swap_send"), d.onSwapSend)
	d.swapSend.Importance = widget.HighImportance
	d.swapPending = container.NewVBox()

	editable := m.data.editable
	postsTab := container.NewBorder(nil, nil, nil, nil, container.NewVScroll(d.posts))
	if editable {
		postsTab = container.NewBorder(
			container.NewVBox(container.NewBorder(nil, nil, widget.NewLabel(lang.L("roster.reason")), nil, d.reason), widget.NewSeparator()),
			nil, nil, nil, container.NewVScroll(d.posts))
	}
	var swapTab fyne.CanvasObject = hintLabel(lang.L("roster.read_only"))
	if editable {
		form := widget.NewForm(
			widget.NewFormItem(lang.L("roster.swap_this_day"), d.swapMine),
			widget.NewFormItem(lang.L("roster.swap_other_day"), d.swapDate),
			widget.NewFormItem(lang.L("roster.swap_other_post"), d.swapOther),
			widget.NewFormItem(lang.L("roster.reason"), d.swapReason),
		)
		swapTab = container.NewVScroll(container.NewVBox(
			hintLabel(lang.L("roster.swap_hint")), form, d.swapErr,
			container.NewHBox(layout.NewSpacer(), d.swapSend),
			widget.NewSeparator(), sectionTitle(lang.L("roster.swap_pending")), d.swapPending))
	}
	d.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("roster.day_posts"), postsTab),
		container.NewTabItem(lang.L("roster.day_swap"), swapTab),
		container.NewTabItem(lang.L("roster.day_history"), container.NewVScroll(d.history)),
	)
	if !editable {
		d.tabs.DisableIndex(1)
		d.tabs.DisableIndex(2)
	}
	info := m.data.plan(day).info
	title := lang.L("roster.day_title", map[string]any{
		"Day": dayLabel(day), "Kind": dayKindLabel(info), "Station": m.data.station.Name})
	closeButton := widget.NewButton(lang.L("action.close"), func() { d.dlg.Hide() })
	d.dlg = dialog.NewCustomWithoutButtons(title, d.tabs, m.s.u.win)
	d.dlg.SetButtons([]fyne.CanvasObject{d.notice.label, closeButton})
	d.notice.parent = d.dlg
	d.dlg.Resize(fyne.NewSize(640, 500))
	return d
}

func (d *dayDialog) show() {
	d.dlg.Show()
	d.load()
}

func (d *dayDialog) load() {
	ctx, r, md, day := d.m.s.u.ctx, d.m.s.u.svc.Rosters, d.m.data, d.day
	runAsync(func() (dayData, error) { return loadDay(ctx, r, md, day) }, d.onLoaded)
}

func (d *dayDialog) onLoaded(data dayData, err error) {
	if err != nil {
		d.m.s.u.showError(err)
		return
	}
	d.data = data
	d.showPosts()
	d.showHistory()
	d.showSwap()
}

// showPosts makes one row per post: a select of the people who hold the
// role, and the service's answer beside it.
func (d *dayDialog) showPosts() {
	md := d.m.data
	posts := d.data.plan.posts()
	labels := postLabels(posts)
	keep := map[roster.Post]*postRow{}
	for _, r := range d.rows {
		keep[r.post] = r
	}
	d.rows = nil
	d.posts.Objects = nil
	for i, post := range posts {
		r := keep[post]
		if r == nil {
			r = &postRow{post: post, msg: widget.NewLabel("")}
			r.msg.Wrapping = fyne.TextWrapWord
			r.msg.Hide()
			row := r
			r.sel = widget.NewSelect(nil, func(option string) { d.onPostChosen(row, option) })
		}
		r.label = labels[i]
		var eligible []app.Person
		for _, p := range md.people {
			if p.Has(post.Role) {
				eligible = append(eligible, p)
			}
		}
		r.current = d.data.plan.holder(post)
		if r.current != app.NilID && !containsPerson(eligible, r.current) {
			p, ok := md.base.persons[r.current]
			if !ok {
				p = app.Person{ID: r.current, Name: md.base.name(r.current)}
			}
			eligible = append(eligible, p)
		}
		r.choices = newPersonChoices(eligible)
		r.quiet = true
		r.sel.SetOptions(append([]string{lang.L("roster.vacant_option")}, r.choices.labels...))
		if r.current == app.NilID {
			r.sel.SetSelectedIndex(0)
		} else {
			r.sel.SetSelected(r.choices.byID[r.current])
		}
		r.quiet = false
		enable(r.sel, md.editable)
		role := widget.NewLabel(r.label)
		if d.data.plan.template.Has(post) && r.current == app.NilID {
			role.Importance = widget.DangerImportance
		}
		d.rows = append(d.rows, r)
		d.posts.Objects = append(d.posts.Objects, role, container.NewVBox(r.sel, r.msg))
	}
	if len(posts) == 0 {
		d.posts.Objects = []fyne.CanvasObject{layout.NewSpacer(), hintLabel(lang.L("roster.no_posts"))}
	}
	d.posts.Refresh()
}

func containsPerson(ps []app.Person, id app.ID) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

func (d *dayDialog) onPostChosen(r *postRow, option string) {
	if r.quiet {
		return
	}
	md := d.m.data
	who := r.choices.ids[option]
	if who == r.current {
		return
	}
	reason := strings.TrimSpace(d.reason.Text)
	ctx, svc := d.m.s.u.ctx, d.m.s.u.svc.Rosters
	a := roster.Assignment{Station: md.station.ID, Day: d.day, Post: r.post, Person: who}
	type outcome struct {
		warnings []string
		notify   []app.ID
	}
	r.msg.Hide()
	runAsync(func() (outcome, error) {
		if who == app.NilID {
			notify, err := svc.ClearAssignment(ctx, a.Station, a.Day, a.Post, reason)
			return outcome{notify: notify}, err
		}
		warnings, notify, err := svc.SetAssignment(ctx, a, reason)
		return outcome{warnings, notify}, err
	}, func(o outcome, err error) {
		if err != nil {
			r.quiet = true
			if r.current == app.NilID {
				r.sel.SetSelectedIndex(0)
			} else {
				r.sel.SetSelected(r.choices.byID[r.current])
			}
			r.quiet = false
			d.showRowMessage(r, assignmentErrorText(err, md.base, who, r.post, d.data), widget.DangerImportance)
			return
		}
		r.current = who
		if len(o.warnings) > 0 {
			d.showRowMessage(r, lang.L("roster.rest_warning", map[string]any{"Name": md.base.name(who)}), widget.WarningImportance)
		}
		if len(o.notify) > 0 {
			d.notice.show(lang.L("roster.notified", map[string]any{"Count": len(o.notify)}))
		} else {
			d.notice.show(lang.L("roster.saved"))
		}
		d.m.result = nil
		d.m.afterChange("")
		d.load()
	})
}

func (d *dayDialog) showRowMessage(r *postRow, text string, importance widget.Importance) {
	r.msg.Importance = importance
	r.msg.SetText(text)
	r.msg.Show()
	d.posts.Refresh()
}

// assignmentErrorText says why a person cannot take a post, from what the
// dialog knows: the service's code tells which rule, the day's data whom.
func assignmentErrorText(err error, b dutyBase, who app.ID, post roster.Post, d dayData) string {
	name := b.name(who)
	switch app.ErrorCode(err) {
	case app.EINVALID:
		if app.ErrorField(err) == "person" {
			return lang.L("error.roster.role_not_held", map[string]any{"Name": name, "Role": roleLabel(post.Role)})
		}
	case app.ECONFLICT:
		for _, a := range d.absences {
			if a.Person == who {
				return lang.L("error.roster.away", map[string]any{
					"Name": name, "Why": absenceLabel(a.Reason), "From": a.From.String(), "To": a.To.String()})
			}
		}
		for _, a := range d.plan.on {
			if a.Person == who && a.Post != post {
				return lang.L("error.roster.other_post", map[string]any{"Name": name, "Post": postLabel(a.Post, a.Post.Index > 0)})
			}
		}
		return lang.L("error.roster.busy_elsewhere", map[string]any{"Name": name})
	}
	return errorText(err)
}

func (d *dayDialog) showHistory() {
	md := d.m.data
	loc := md.station.Location()
	d.history.Objects = nil
	if len(d.data.history) == 0 {
		d.history.Add(hintLabel(lang.L("roster.no_history")))
	}
	for _, c := range d.data.history {
		head := widget.NewLabel(lang.L("roster.history_head", map[string]any{
			"Time": dateTime(c.At, loc), "Author": orDash(c.Author)}))
		head.TextStyle.Bold = true
		before, after := md.base.name(c.Before), md.base.name(c.After)
		if before == "" {
			before = lang.L("roster.vacant")
		}
		if after == "" {
			after = lang.L("roster.vacant")
		}
		change := widget.NewLabel(lang.L("roster.history_change", map[string]any{
			"Post": postLabel(c.Post, c.Post.Index > 0), "Before": before, "After": after}))
		change.Wrapping = fyne.TextWrapWord
		box := container.NewVBox(head, change)
		if why := changeReason(c); why != "" {
			box.Add(hintLabel(why))
		}
		d.history.Add(box)
	}
	d.history.Refresh()
}

// changeReason is the reason of a change as typed. The store writes a few
// reasons of its own, in English, for changes no person typed a reason
// for: those are put in the reader's language.
func changeReason(c roster.Change) string {
	const generated, imported = "generated", "imported from "
	switch {
	case c.Swap != app.NilID:
		typed := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(c.Reason, "swap"), ":"))
		if typed == "" {
			return lang.L("roster.history_swap")
		}
		return lang.L("roster.history_swap_reason", map[string]any{"Reason": typed})
	case c.Reason == generated:
		return lang.L("roster.history_generated")
	case strings.HasPrefix(c.Reason, imported):
		return lang.L("roster.history_imported", map[string]any{"File": strings.TrimPrefix(c.Reason, imported)})
	case c.Reason == "":
		return ""
	}
	return lang.L("roster.history_reason", map[string]any{"Reason": c.Reason})
}

// Swaps.

func slotLabel(b dutyBase, s roster.Slot) string {
	return postLabel(s.Post, s.Post.Index > 0) + " · " + b.name(s.Person)
}

func slotsOf(b dutyBase, on []roster.Assignment) ([]string, map[string]roster.Slot) {
	var labels []string
	slots := map[string]roster.Slot{}
	for _, a := range on {
		s := roster.Slot{Day: a.Day, Post: a.Post, Person: a.Person}
		l := slotLabel(b, s)
		labels = append(labels, l)
		slots[l] = s
	}
	return labels, slots
}

func (d *dayDialog) showSwap() {
	md := d.m.data
	labels, slots := slotsOf(md.base, d.data.plan.on)
	d.mineSlots = slots
	d.swapMine.SetOptions(labels)
	d.swapPending.Objects = nil
	if len(d.data.swaps) == 0 {
		d.swapPending.Add(hintLabel(lang.L("roster.no_swaps")))
	}
	for _, s := range d.data.swaps {
		l := widget.NewLabel(lang.L("roster.swap_pending_item", map[string]any{"Swap": swapText(md.base, s)}))
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		d.swapPending.Add(l)
	}
	d.swapPending.Refresh()
}

func (d *dayDialog) onSwapDateChanged(text string) {
	d.swapErr.Hide()
	d.otherSlots = nil
	d.swapOther.ClearSelected()
	d.swapOther.SetOptions(nil)
	other, err := roster.ParseDate(strings.TrimSpace(text))
	if err != nil {
		return
	}
	ctx, r, st := d.m.s.u.ctx, d.m.s.u.svc.Rosters, d.m.data.station.ID
	runAsync(func() ([]roster.Assignment, error) { return r.Assignments(ctx, st, other, other) },
		func(on []roster.Assignment, err error) {
			if err != nil {
				d.swapErr.SetText(errorText(err))
				d.swapErr.Show()
				return
			}
			if strings.TrimSpace(d.swapDate.Text) != other.String() {
				return // typed on meanwhile
			}
			labels, slots := slotsOf(d.m.data.base, on)
			d.otherSlots = slots
			d.swapOther.SetOptions(labels)
			if len(labels) == 0 {
				d.swapErr.SetText(lang.L("roster.swap_day_empty"))
				d.swapErr.Show()
			}
		})
}

func (d *dayDialog) onSwapSend() {
	mine, ok1 := d.mineSlots[d.swapMine.Selected]
	other, ok2 := d.otherSlots[d.swapOther.Selected]
	if !ok1 || !ok2 {
		d.swapErr.SetText(lang.L("error.roster.swap_incomplete"))
		d.swapErr.Show()
		return
	}
	s := roster.SwapRequest{
		Station:     d.m.data.station.ID,
		First:       mine,
		Second:      other,
		Reason:      d.swapReason.Text,
		RequestedBy: d.m.s.u.author(),
		RequestedAt: d.m.s.u.now(),
		State:       roster.SwapPending,
	}
	ctx, r := d.m.s.u.ctx, d.m.s.u.svc.Rosters
	d.swapSend.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, r.RequestSwap(ctx, &s) },
		func(_ struct{}, err error) {
			d.swapSend.Enable()
			if err != nil {
				d.swapErr.SetText(swapErrorText(err, d.m.data.base, s))
				d.swapErr.Show()
				return
			}
			d.swapReason.SetText("")
			d.notice.show(lang.L("roster.swap_sent"))
			d.m.afterChange("")
			d.load()
		})
}

// swapErrorText says why a swap cannot be requested or decided.
func swapErrorText(err error, b dutyBase, s roster.SwapRequest) string {
	switch app.ErrorCode(err) {
	case app.EFORBIDDEN:
		return lang.L("error.roster.swap_not_leader")
	case app.ECONFLICT:
		return lang.L("error.roster.swap_changed")
	case app.EINVALID:
		switch app.ErrorField(err) {
		case "person":
			if s.First.Person == s.Second.Person {
				return lang.L("error.roster.swap_self")
			}
			first, second := b.persons[s.First.Person], b.persons[s.Second.Person]
			if !second.Has(s.First.Post.Role) {
				return lang.L("error.roster.role_not_held", map[string]any{"Name": second.Name, "Role": roleLabel(s.First.Post.Role)})
			}
			return lang.L("error.roster.role_not_held", map[string]any{"Name": first.Name, "Role": roleLabel(s.Second.Post.Role)})
		case "post":
			return lang.L("error.roster.swap_same_post")
		case "reason":
			return lang.L("error.roster.reason_long")
		}
	}
	return errorText(err)
}
