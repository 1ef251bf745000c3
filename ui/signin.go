package ui

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// deskState is who signs the changes made through the window: the officer
// signed in at the desk; with nobody signed in, the officer on duty now by
// the roster; with no roster either, Services.Author (and the status bar
// asks for a sign-in). Services read it off the UI goroutine through the
// window's context, so it is guarded.
type deskState struct {
	mu       sync.Mutex
	signedIn *roster.SignIn // nil while nobody is signed in
	rostered app.Actor      // the officer on duty now, by the roster
	fallback string
}

// actor is the author of a change made now.
func (d *deskState) actor() app.Actor {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.signedIn != nil:
		return d.signedIn.Actor()
	case d.rostered.Name != "":
		return d.rostered
	}
	return app.Actor{Name: d.fallback}
}

// current returns who is signed in, or nil.
func (d *deskState) current() *roster.SignIn {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.signedIn == nil {
		return nil
	}
	s := *d.signedIn
	return &s
}

func (d *deskState) set(s *roster.SignIn, rostered app.Actor) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.signedIn, d.rostered = s, rostered
}

// deskFacts is what the status bar learns of the desk, off the UI goroutine.
type deskFacts struct {
	signedIn *roster.SignIn
	rostered app.Actor
}

// loadDesk reads who is signed in and who the roster puts on duty now.
// Neither is an error the window must show: nobody signed in and no
// roster today are states the status bar words.
func loadDesk(ctx context.Context, svc Services, now time.Time) deskFacts {
	var f deskFacts
	if svc.Desk != nil {
		if s, err := svc.Desk.SignedIn(ctx); err == nil {
			f.signedIn = &s
		}
	}
	if svc.Rosters == nil || svc.Identity == nil {
		return f
	}
	me, err := svc.Identity.Identity(ctx)
	if err != nil {
		return f
	}
	_, id, err := roster.OnDutyNow(ctx, svc.Rosters, me, app.RoleOfficer, now)
	if err != nil {
		return f
	}
	if p, err := svc.Persons.FindPersonByID(ctx, id); err == nil {
		f.rostered = app.Actor{ID: p.ID, Name: p.Name}
	}
	return f
}

// deskText is the status bar's word on who signs the records, and whether
// it asks for a sign-in.
func deskText(f deskFacts, fallback string, loc *time.Location) (string, bool) {
	switch {
	case f.signedIn != nil:
		return lang.L("signin.status_signed_in", map[string]any{
			"Name": f.signedIn.Person.Name, "Time": f.signedIn.At.In(loc).Format("15:04")}), false
	case f.rostered.Name != "":
		return lang.L("signin.status_rostered", map[string]any{"Name": f.rostered.Name}), true
	case fallback != "":
		return lang.L("signin.status_fallback", map[string]any{"Name": fallback}), true
	}
	return lang.L("signin.status_nobody"), true
}

// signInChoice is one person the sign-in dialog offers.
type signInChoice struct {
	person app.Person
	post   string // today's post at this station, "" when off duty
	rank   int    // 0 today's officer, 1 another post today, 2 off duty
}

// signInData is what the dialog lists: this station's people, those on
// today's roster first, and the duty day the log entry belongs to.
type signInData struct {
	home    *app.Station
	day     roster.Date
	choices []signInChoice
}

func loadSignIn(ctx context.Context, svc Services, now time.Time) (signInData, error) {
	me, err := svc.Identity.Identity(ctx)
	if err != nil {
		return signInData{}, err
	}
	d := signInData{home: me}
	people, err := svc.Persons.Persons(ctx, app.PersonFilter{Station: &me.ID})
	if err != nil {
		return d, err
	}
	posts, ranks := map[app.ID]string{}, map[app.ID]int{}
	if svc.Rosters != nil {
		settings, err := svc.Rosters.Settings(ctx, me.ID)
		if err != nil {
			return d, err
		}
		d.day = roster.DutyDayAt(settings.Handover, me.Location(), now)
		as, err := svc.Rosters.Assignments(ctx, me.ID, d.day, d.day)
		if err != nil {
			return d, err
		}
		roster.SortAssignments(as)
		for _, a := range as {
			if _, seen := posts[a.Person]; !seen && a.Day == d.day {
				posts[a.Person] = roleLabel(a.Post.Role)
				ranks[a.Person] = 1
				if a.Post.Role == app.RoleOfficer {
					ranks[a.Person] = 0 // the one who usually signs in
				}
			}
		}
	} else {
		d.day = roster.DateOf(now.In(me.Location()))
	}
	for _, p := range people {
		rank, on := ranks[p.ID]
		if !on {
			rank = 2
		}
		d.choices = append(d.choices, signInChoice{person: p, post: posts[p.ID], rank: rank})
	}
	sort.SliceStable(d.choices, func(i, j int) bool {
		a, b := d.choices[i], d.choices[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.person.Name != b.person.Name {
			return a.person.Name < b.person.Name
		}
		return a.person.ID.String() < b.person.ID.String()
	})
	return d, nil
}

// signInDialog is 到岗签到 / 换人: the officer picks themself from this
// station's people. From then every record made at this client carries
// them as its author, and the duty log says who took the desk and when.
type signInDialog struct {
	u        *UI
	data     signInData
	shown    []signInChoice
	chosen   app.ID
	previous *roster.SignIn

	search *widget.Entry
	list   *widget.List
	hint   *widget.Label
	err    *widget.Label
	ok     *widget.Button
	dlg    *dialog.CustomDialog
}

// openSignIn shows the sign-in dialog.
func (u *UI) openSignIn() *signInDialog {
	d := &signInDialog{u: u, previous: u.desk.current()}
	d.search = widget.NewEntry()
	d.search.SetPlaceHolder(lang.L("signin.search"))
	d.search.OnChanged = func(string) { d.filter() }
	d.list = widget.NewList(func() int { return len(d.shown) }, d.createRow, d.updateRow)
	d.list.OnSelected = func(id widget.ListItemID) {
		d.chosen = d.shown[id].person.ID
		d.err.Hide()
		d.ok.Enable()
	}
	d.hint = hintLabel(lang.L("signin.hint"))
	d.hint.Importance = widget.MediumImportance // the one thing to read first
	d.err = errorLabel()
	title, okText := lang.L("signin.title"), lang.L("signin.ok")
	if d.previous != nil {
		title, okText = lang.L("signin.change_title"), lang.L("signin.change_ok")
		d.hint.SetText(lang.L("signin.change_hint", map[string]any{"Name": d.previous.Person.Name}))
	}
	d.ok = widget.NewButton(okText, d.onOK)
	d.ok.Importance = widget.HighImportance
	d.ok.Disable()
	d.search.OnSubmitted = func(string) {
		// Enter in the search takes the only person left.
		if len(d.shown) == 1 {
			d.list.Select(0)
			d.onOK()
		}
	}
	cancel := widget.NewButton(lang.L("action.cancel"), func() { d.dlg.Hide() })
	body := container.NewBorder(container.NewVBox(d.hint, d.search), d.err, nil, nil, d.list)
	d.dlg = dialog.NewCustomWithoutButtons(title, body, u.win)
	d.dlg.SetButtons([]fyne.CanvasObject{cancel, d.ok})
	d.dlg.Resize(fyne.NewSize(480, 460))
	d.dlg.Show()
	u.win.Canvas().Focus(d.search)

	ctx, svc, now := u.ctx, u.svc, u.now()
	runAsync(func() (signInData, error) { return loadSignIn(ctx, svc, now) }, func(data signInData, err error) {
		if err != nil {
			d.err.SetText(errorText(err))
			d.err.Show()
			return
		}
		d.data = data
		d.filter()
	})
	return d
}

func (d *signInDialog) createRow() fyne.CanvasObject {
	name := widget.NewLabel("")
	name.TextStyle.Bold = true
	detail := widget.NewLabel("")
	detail.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, name, nil, detail)
}

func (d *signInDialog) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	c := d.shown[id]
	box := o.(*fyne.Container)
	setText(box.Objects[1].(*widget.Label), c.person.Name)
	var parts []string
	if c.post != "" {
		parts = append(parts, lang.L("signin.on_duty_today", map[string]any{"Post": c.post}))
	}
	if c.person.Title != "" {
		parts = append(parts, c.person.Title)
	}
	if phone := personPhone(c.person); phone != "" {
		parts = append(parts, phone)
	}
	setText(box.Objects[0].(*widget.Label), strings.Join(parts, " · "))
}

// filter keeps the people whose name, title or phone holds the search.
func (d *signInDialog) filter() {
	q := strings.TrimSpace(d.search.Text)
	d.shown = d.shown[:0]
	for _, c := range d.data.choices {
		if q == "" || strings.Contains(c.person.Name, q) || strings.Contains(c.person.Title, q) ||
			strings.Contains(c.person.Mobile, q) || strings.Contains(c.person.Office, q) {
			d.shown = append(d.shown, c)
		}
	}
	d.list.UnselectAll()
	d.chosen = app.NilID
	d.ok.Disable()
	d.list.Refresh()
	if len(d.data.choices) == 0 && d.data.home != nil {
		d.err.SetText(lang.L("signin.no_people"))
		d.err.Show()
	}
}

func (d *signInDialog) onOK() {
	if d.chosen == app.NilID || d.ok.Disabled() {
		return
	}
	var person app.Person
	for _, c := range d.data.choices {
		if c.person.ID == d.chosen {
			person = c.person
		}
	}
	text := lang.L("signin.log", map[string]any{"Name": person.Name})
	if d.previous != nil && d.previous.Person.ID != person.ID {
		text = lang.L("signin.log_change", map[string]any{"Name": person.Name, "Previous": d.previous.Person.Name})
	}
	d.ok.Disable()
	d.u.signIn(person.ID, d.data.day, text, func(err error) {
		if err != nil {
			d.ok.Enable()
			d.err.SetText(errorText(err))
			d.err.Show()
			return
		}
		d.dlg.Hide()
	})
}

// signIn signs person in at the desk, writing text to the day's duty log,
// and tells every screen that shows who is at the desk.
func (u *UI) signIn(person app.ID, day roster.Date, text string, done func(error)) {
	if u.svc.Desk == nil {
		done(app.Errorf(app.EINTERNAL, "this window keeps no sign-in"))
		return
	}
	ctx, svc := u.ctx, u.svc
	entry := roster.LogEntry{Day: day, Kind: roster.LogOther, Text: text}
	runAsync(func() (roster.SignIn, error) { return svc.Desk.SignIn(ctx, person, entry) }, func(s roster.SignIn, err error) {
		if err == nil {
			u.desk.mu.Lock()
			u.desk.signedIn = &s
			u.desk.mu.Unlock()
			u.changed()
		}
		if done != nil {
			done(err)
		}
	})
}

// signInAtHandover signs in the incoming officer who confirmed a handover:
// taking over the duty is taking the desk.
func (u *UI) signInAtHandover(person app.ID, day roster.Date, name string) {
	if u.svc.Desk == nil || person == app.NilID {
		return
	}
	if cur := u.desk.current(); cur != nil && cur.Person.ID == person {
		return
	}
	// The confirmed handover is in the duty log already (交接班, 自动):
	// the sign-in that comes with it writes no second entry.
	u.signIn(person, day, "", func(err error) {
		if err != nil {
			u.status.duty.SetText(errorText(err))
		}
	})
}

// author is the name the window signs with now (deskState.actor).
func (u *UI) author() string { return u.desk.actor().Name }

// signInAtCheckIn signs in the officer on duty now when they check in at
// their post (今日值班's 到岗签到): the officer checking in is the one at the
// desk. Others checking in (the leader, standby staff) do not take the desk.
func (u *UI) signInAtCheckIn(person app.ID, day roster.Date, name string) {
	u.desk.mu.Lock()
	rostered := u.desk.rostered.ID
	u.desk.mu.Unlock()
	if u.svc.Desk == nil || person == app.NilID || person != rostered {
		return
	}
	if cur := u.desk.current(); cur != nil && cur.Person.ID == person {
		return
	}
	text := lang.L("signin.log", map[string]any{"Name": name})
	if cur := u.desk.current(); cur != nil {
		text = lang.L("signin.log_change", map[string]any{"Name": name, "Previous": cur.Person.Name})
	}
	u.signIn(person, day, text, func(err error) {
		if err != nil {
			u.showError(err)
		}
	})
}
