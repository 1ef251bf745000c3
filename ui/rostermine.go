package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// How far "my duties" looks: half a year back answers "when was I last on",
// a year ahead covers every roster an office drafts.
const (
	mineBackDays  = 183
	mineAheadDays = 366
)

// mineData is one person's duties around today.
type mineData struct {
	base     dutyBase
	today    roster.Date
	upcoming []roster.Assignment // soonest first
	past     []roster.Assignment // latest first
	notices  []roster.Notice     // the person's, unread first
	unread   map[app.ID]int      // unread notices of the station's people
}

func loadMine(ctx context.Context, svc Services, person app.ID, now time.Time) (mineData, error) {
	base, err := loadDutyBase(ctx, svc)
	if err != nil || base.home == nil {
		return mineData{base: base}, err
	}
	d := mineData{base: base}
	settings, err := svc.Rosters.Settings(ctx, base.home.ID)
	if err != nil {
		return d, err
	}
	d.today = roster.DutyDayAt(settings.Handover, base.home.Location(), now)
	if svc.Notices != nil {
		var people []app.ID
		for _, p := range base.persons {
			if p.Station == base.home.ID {
				people = append(people, p.ID)
			}
		}
		if d.unread, err = unreadNotices(ctx, svc.Notices, people); err != nil {
			return d, err
		}
	}
	if person == app.NilID {
		return d, nil
	}
	if svc.Notices != nil {
		if d.notices, err = svc.Notices.Notices(ctx, person, false); err != nil {
			return d, err
		}
		sortNotices(d.notices)
	}
	duties, err := svc.Rosters.PersonDuties(ctx, person, d.today.AddDays(-mineBackDays), d.today.AddDays(mineAheadDays))
	if err != nil {
		return d, err
	}
	for _, a := range duties {
		if a.Day.Before(d.today) {
			d.past = append([]roster.Assignment{a}, d.past...)
		} else {
			d.upcoming = append(d.upcoming, a)
		}
	}
	return d, nil
}

// minePanel is 我的值班: one person's coming and past duties at every
// station, so nobody needs the whole roster to find their own days.
type minePanel struct {
	s       *dutyScreen
	data    mineData
	person  app.ID
	choices personChoices

	personSel     *widget.Select
	signedIn      *widget.Label // the signed-in officer, in place of the picker
	heading       *widget.Label
	upcoming      *widget.List
	past          *widget.List
	upcomingEmpty *widget.Label
	pastEmpty     *widget.Label
	unreadPeople  *widget.Label
	notices       *widget.List
	noticesEmpty  *widget.Label
	readAll       *widget.Button
	content       fyne.CanvasObject
	quiet         bool
}

func newMinePanel(s *dutyScreen) *minePanel {
	p := &minePanel{s: s}
	p.personSel = widget.NewSelect(nil, p.onPersonChosen)
	p.personSel.PlaceHolder = lang.L("duty.choose_person")
	p.signedIn = widget.NewLabel("")
	p.signedIn.TextStyle.Bold = true
	p.signedIn.Hide()
	p.heading = widget.NewLabel(lang.L("mine.hint"))
	p.heading.Wrapping = fyne.TextWrapWord
	p.upcoming = widget.NewList(
		func() int { return len(p.data.upcoming) },
		p.createRow,
		func(id widget.ListItemID, o fyne.CanvasObject) { p.updateRow(p.data.upcoming[id], o) })
	p.past = widget.NewList(
		func() int { return len(p.data.past) },
		p.createRow,
		func(id widget.ListItemID, o fyne.CanvasObject) { p.updateRow(p.data.past[id], o) })
	p.upcomingEmpty = hintLabel(lang.L("mine.none_upcoming"))
	p.pastEmpty = hintLabel(lang.L("mine.none_past"))

	upcoming := container.NewBorder(sectionTitle(lang.L("mine.upcoming")), nil, nil, nil,
		container.NewStack(p.upcoming, container.NewVBox(p.upcomingEmpty)))
	past := container.NewBorder(sectionTitle(lang.L("mine.past")), nil, nil, nil,
		container.NewStack(p.past, container.NewVBox(p.pastEmpty)))
	p.unreadPeople = widget.NewLabel("")
	p.unreadPeople.Importance = widget.WarningImportance
	p.unreadPeople.Wrapping = fyne.TextWrapWord
	p.unreadPeople.Hide()
	top := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("mine.person")), nil,
			container.NewStack(p.personSel, p.signedIn)),
		p.heading, p.unreadPeople, widget.NewSeparator())
	duties := container.NewGridWithColumns(2, upcoming, past)
	var body fyne.CanvasObject = duties
	if s.u.svc.Notices != nil {
		p.notices = widget.NewList(func() int { return len(p.data.notices) }, p.createNoticeRow, p.updateNoticeRow)
		p.notices.OnSelected = p.onNoticeSelected
		p.noticesEmpty = hintLabel(lang.L("notice.none"))
		p.readAll = widget.NewButton(lang.L("notice.mark_all_read"), p.onMarkAllRead)
		p.readAll.Importance = widget.LowImportance
		notices := container.NewBorder(
			container.NewBorder(nil, nil, sectionTitle(lang.L("notice.title")), p.readAll), nil, nil, nil,
			container.NewStack(p.notices, container.NewVBox(p.noticesEmpty)))
		split := container.NewHSplit(notices, duties)
		split.Offset = 0.4
		body = split
	}
	p.content = container.NewBorder(top, nil, nil, nil, body)
	p.show()
	return p
}

func (p *minePanel) load() {
	// Signed in, 我的值班 is that officer's: no picking someone else.
	if cur := p.s.u.desk.current(); cur != nil {
		p.person = cur.Person.ID
	}
	ctx, svc, person, now := p.s.u.ctx, p.s.u.svc, p.person, p.s.u.now()
	runAsync(func() (mineData, error) { return loadMine(ctx, svc, person, now) }, p.onLoaded)
}

func (p *minePanel) onLoaded(d mineData, err error) {
	if err != nil {
		p.heading.SetText(lang.L("duty.load_failed", map[string]any{"Error": errorText(err)}))
		return
	}
	p.data = d
	p.show()
}

func (p *minePanel) show() {
	d := p.data
	if d.base.home != nil {
		var people []app.Person
		for _, person := range d.base.persons {
			if person.Station == d.base.home.ID {
				people = append(people, person)
			}
		}
		sortPeople(people)
		p.choices = newPersonChoices(people)
		p.quiet = true
		p.personSel.SetOptions(p.choices.labels)
		if label, ok := p.choices.byID[p.person]; ok {
			p.personSel.SetSelected(label)
		}
		p.quiet = false
	}
	if cur := p.s.u.desk.current(); cur != nil && cur.Person.ID == p.person {
		p.signedIn.SetText(lang.L("mine.signed_in", map[string]any{"Name": cur.Person.Name}))
		p.signedIn.Show()
		p.personSel.Hide()
	} else {
		p.signedIn.Hide()
		p.personSel.Show()
	}
	switch {
	case d.base.tree != nil && d.base.home == nil:
		p.heading.SetText(noHomeText())
	case p.person == app.NilID:
		p.heading.SetText(lang.L("mine.hint"))
	default:
		p.heading.SetText(lang.L("mine.summary", map[string]any{
			"Name": d.base.name(p.person), "Upcoming": len(d.upcoming), "Past": len(d.past)}))
	}
	showIf(p.upcomingEmpty, p.person != app.NilID && len(d.upcoming) == 0)
	showIf(p.pastEmpty, p.person != app.NilID && len(d.past) == 0)
	p.upcoming.Refresh()
	p.past.Refresh()
	p.showNotices()
}

func (p *minePanel) showNotices() {
	d := p.data
	text := unreadText(d.base, d.unread)
	p.unreadPeople.SetText(text)
	showIf(p.unreadPeople, text != "")
	if p.notices == nil {
		return
	}
	unread := 0
	for _, n := range d.notices {
		if !n.Read {
			unread++
		}
	}
	showIf(p.noticesEmpty, p.person != app.NilID && len(d.notices) == 0)
	// Disabled rather than hidden: a button that comes and goes would
	// need its row laid out again each time.
	enable(p.readAll, unread > 0)
	p.notices.Refresh()
	// Signed in, the badge is that officer's own unread notices, not the
	// station's: the others' are listed above, in words.
	badge := unread
	if p.s.u.desk.current() == nil {
		badge = 0
		for _, n := range d.unread {
			badge += n
		}
	}
	if d.base.home != nil {
		p.s.showBadge(badge)
	}
}

func showIf(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

func (p *minePanel) onPersonChosen(option string) {
	if p.quiet {
		return
	}
	id, ok := p.choices.ids[option]
	if !ok {
		return
	}
	p.person = id
	p.load()
}

func (p *minePanel) createRow() fyne.CanvasObject {
	day := widget.NewLabel("10月10日 星期六")
	day.TextStyle.Bold = true
	day.Truncation = fyne.TextTruncateClip
	where := widget.NewLabel("")
	where.Truncation = fyne.TextTruncateClip
	return container.NewVBox(day, where)
}

func (p *minePanel) updateRow(a roster.Assignment, o fyne.CanvasObject) {
	box := o.(*fyne.Container)
	info := roster.Classify(p.data.base.cal, nil, a.Day)
	day := dayLabel(a.Day) + " · " + dayKindLabel(info)
	if a.Day == p.data.today {
		day = lang.L("mine.today", map[string]any{"Day": day})
	}
	setText(box.Objects[0].(*widget.Label), day)
	station := lang.L("duty.unknown_station")
	if s := p.data.base.tree.Station(a.Station); s != nil {
		station = s.Name
	}
	setText(box.Objects[1].(*widget.Label), station+" · "+roleLabel(a.Post.Role))
}
