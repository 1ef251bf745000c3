package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/message"
)

// linkDialog is 浏览器入会链接 in the host's consultation window: whom the
// link is for (a leader from the directory, and the hub account the link
// logs in, which only the hub knows), the link once the hub gives it, and
// sending it to a duty room as a message.
type linkDialog struct {
	r       *consultRoom
	dlg     dialog.Dialog
	leaders []app.Person
	options []string // the leaders as offered

	person     *widget.SelectEntry
	personErr  *widget.Label
	account    *widget.Entry
	accountErr *widget.Label
	ask        *widget.Button
	askErr     *widget.Label

	result  *fyne.Container
	url     *widget.Label
	expires *widget.Label
	copy    *widget.Button
	to      *widget.Select
	toIDs   []app.ID
	send    *widget.Button
	sendErr *widget.Label
	sent    *widget.Label

	link *consult.JoinLink
}

// onBrowserLink opens the link dialog.
func (r *consultRoom) onBrowserLink() { r.openLinkDialog() }

func (r *consultRoom) openLinkDialog() *linkDialog {
	d := &linkDialog{r: r}
	d.person = widget.NewSelectEntry(nil)
	d.person.SetPlaceHolder(lang.L("consult.link_person_placeholder"))
	d.person.OnChanged = func(string) { d.personErr.Hide() }
	d.account = widget.NewEntry()
	d.account.SetPlaceHolder(lang.L("consult.link_account_placeholder"))
	d.account.OnChanged = func(string) { d.accountErr.Hide() }
	d.account.OnSubmitted = func(string) { d.onAsk() }
	d.personErr, d.accountErr, d.askErr, d.sendErr = errorLabel(), errorLabel(), errorLabel(), errorLabel()
	d.ask = widget.NewButtonWithIcon(lang.L("consult.link_ask"), theme.ConfirmIcon(), d.onAsk)
	d.ask.Importance = widget.HighImportance

	d.url = widget.NewLabel("")
	d.url.Selectable = true
	d.url.Wrapping = fyne.TextWrapBreak
	d.expires = widget.NewLabel("")
	d.expires.Wrapping = fyne.TextWrapWord
	d.copy = widget.NewButtonWithIcon(lang.L("consult.link_copy"), theme.ContentCopyIcon(), d.onCopy)
	d.to = widget.NewSelect(nil, func(string) { d.sendErr.Hide() })
	d.to.PlaceHolder = lang.L("consult.link_to_placeholder")
	d.send = widget.NewButtonWithIcon(lang.L("consult.link_send"), theme.MailSendIcon(), d.onSend)
	d.sent = widget.NewLabel("")
	d.sent.Importance = widget.SuccessImportance
	d.sent.Hide()
	d.fillStations()
	sendRow := container.NewBorder(nil, nil, widget.NewLabel(lang.L("consult.link_to")), d.send, d.to)
	if r.u.svc.Messages == nil {
		sendRow.Hide()
	}
	d.result = container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, d.copy, d.url), d.expires, sendRow, d.sendErr, d.sent)
	d.result.Hide()

	form := widget.NewForm(
		widget.NewFormItem(lang.L("consult.link_person"), container.NewVBox(d.person, d.personErr)),
		widget.NewFormItem(lang.L("consult.link_account"), container.NewVBox(d.account, d.accountErr)),
	)
	form.Items[1].HintText = lang.L("consult.link_account_hint")
	body := container.NewVBox(form, container.NewHBox(layout.NewSpacer(), d.ask), d.askErr, d.result)
	dlg, keys := newKeyedDialog(lang.L("consult.browser_link"), lang.L("action.close"), body, r.win)
	d.dlg = dlg
	d.dlg.Resize(fyne.NewSize(560, 0))
	showKeyed(dlg, keys, r.win)
	d.loadLeaders()
	return d
}

// loadLeaders offers the leaders (带班领导) of the directory, those of the
// consultation's stations first.
func (d *linkDialog) loadLeaders() {
	r := d.r
	ctx, persons := r.u.ctx, r.u.svc.Persons
	if persons == nil {
		return
	}
	stations := r.rec.Consultation.Stations()
	runAsync(func() ([]app.Person, error) {
		leader := app.RoleLeader
		list, err := persons.Persons(ctx, app.PersonFilter{Role: &leader})
		slices.SortStableFunc(list, func(a, b app.Person) int {
			ia, ib := slices.Index(stations, a.Station), slices.Index(stations, b.Station)
			if ia < 0 {
				ia = len(stations)
			}
			if ib < 0 {
				ib = len(stations)
			}
			return ia - ib
		})
		return list, err
	}, func(list []app.Person, err error) {
		if err != nil {
			return
		}
		d.leaders = list
		var opts []string
		for _, p := range list {
			opts = append(opts, d.personLabel(p))
		}
		d.options = opts
		d.person.SetOptions(opts)
	})
}

func (d *linkDialog) personLabel(p app.Person) string {
	return lang.L("consult.link_person_option", map[string]any{"Name": p.Name, "Station": stationName(d.r.base.tree, p.Station)})
}

// chosen returns the leader picked or typed: by the option's label, or by
// a name alone when only one leader has it. ok is false for text that
// names nobody in the directory.
func (d *linkDialog) chosen() (p *app.Person, ok bool) {
	text := strings.TrimSpace(d.person.Text)
	if text == "" {
		return nil, true
	}
	var byName []int
	for i := range d.leaders {
		if d.personLabel(d.leaders[i]) == text {
			return &d.leaders[i], true
		}
		if d.leaders[i].Name == text {
			byName = append(byName, i)
		}
	}
	if len(byName) == 1 {
		return &d.leaders[byName[0]], true
	}
	return nil, false
}

// fillStations offers the duty rooms a message may go to: the
// consultation's stations, then those the window calls most.
func (d *linkDialog) fillStations() {
	b := d.r.base
	var ids []app.ID
	add := func(id app.ID) {
		if id != b.homeID() && !slices.Contains(ids, id) && b.tree.Station(id) != nil {
			ids = append(ids, id)
		}
	}
	for _, id := range d.r.rec.Consultation.Stations() {
		add(id)
	}
	for _, st := range inviteChoices(b) {
		add(st.ID)
	}
	d.toIDs = ids
	var names []string
	for _, id := range ids {
		names = append(names, stationName(b.tree, id))
	}
	d.to.SetOptions(names)
}

func (d *linkDialog) onAsk() {
	for _, l := range []*widget.Label{d.personErr, d.accountErr, d.askErr} {
		l.Hide()
	}
	p, ok := d.chosen()
	if !ok {
		d.personErr.SetText(lang.L("consult.link_person_unknown"))
		d.personErr.Show()
		d.fit()
		return
	}
	user := strings.TrimSpace(d.account.Text)
	if user == "" {
		d.accountErr.SetText(lang.L("consult.link_account_missing"))
		d.accountErr.Show()
		d.fit()
		return
	}
	r := d.r
	ctx, links, id := r.u.ctx, r.u.svc.JoinLinks, r.rec.Consultation.ID
	d.ask.Disable()
	runAsync(func() (consult.JoinLink, error) { return links.JoinLink(ctx, id, user) }, func(l consult.JoinLink, err error) {
		d.ask.Enable()
		if err != nil {
			label := d.askErr
			if app.ErrorField(err) == consult.LinkAccount || app.ErrorField(err) == consult.LinkNotInvited {
				label = d.accountErr
			}
			label.SetText(linkErrorText(err))
			label.Show()
			d.fit()
			return
		}
		d.link = &l
		d.url.SetText(l.URL)
		who := l.User
		if p != nil {
			who = lang.L("consult.link_person_option", map[string]any{"Name": p.Name, "Station": stationName(r.base.tree, p.Station)})
			if i := slices.Index(d.toIDs, p.Station); i >= 0 {
				d.to.SetSelectedIndex(i)
			}
		}
		d.expires.SetText(lang.L("consult.link_expires", map[string]any{"Who": who, "User": l.User,
			"At": l.Expires.In(r.base.loc).Format("15:04")}))
		d.sent.Hide()
		d.result.Show()
		d.fit()
	})
}

func (d *linkDialog) onCopy() {
	if d.link != nil {
		d.r.u.app.Clipboard().SetContent(d.link.URL)
		d.sent.SetText(lang.L("consult.link_copied"))
		d.sent.Show()
		d.fit()
	}
}

func (d *linkDialog) onSend() {
	d.sendErr.Hide()
	i := d.to.SelectedIndex()
	if d.link == nil || i < 0 || i >= len(d.toIDs) {
		d.sendErr.SetText(lang.L("consult.link_to_missing"))
		d.sendErr.Show()
		d.fit()
		return
	}
	r := d.r
	to := d.toIDs[i]
	who := strings.TrimSpace(d.person.Text)
	if who == "" {
		who = d.link.User
	}
	m := message.Message{Kind: message.KindMessage, To: []app.ID{to},
		Subject: lang.L("consult.link_subject", map[string]any{"Title": r.rec.Consultation.Title}),
		Text: lang.L("consult.link_message", map[string]any{"Title": r.rec.Consultation.Title, "Who": who,
			"User": d.link.User, "URL": d.link.URL, "At": d.link.Expires.In(r.base.loc).Format("15:04")})}
	ctx, svc := r.u.ctx, r.u.svc.Messages
	d.send.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, svc.Send(ctx, &m, nil) }, func(_ struct{}, err error) {
		d.send.Enable()
		if err != nil {
			d.sendErr.SetText(errorText(err))
			d.sendErr.Show()
			d.fit()
			return
		}
		r.u.kickHub()
		d.sent.SetText(lang.L("consult.link_sent", map[string]any{"Station": stationName(r.base.tree, to)}))
		d.sent.Show()
		d.fit()
	})
}

// fit grows the dialog to what it now shows: a dialog keeps the size it
// opened with.
func (d *linkDialog) fit() {
	d.dlg.Refresh()
	d.dlg.Resize(fyne.NewSize(560, 0))
}

// linkErrorText says why no link was given, in the window's language.
func linkErrorText(err error) string {
	switch app.ErrorField(err) {
	case consult.LinkOffline:
		return lang.L("consult.link_error_offline")
	case consult.LinkNotHost:
		return lang.L("consult.link_error_not_host")
	case consult.LinkNotLive:
		return lang.L("consult.link_error_not_live")
	case consult.LinkNotInvited:
		return lang.L("consult.link_error_not_invited")
	case consult.LinkAccount:
		return lang.L("consult.link_error_account")
	}
	return errorText(err)
}
