package ui

import (
	"context"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// incidentScreen is 接报: the intake form, the register and the
// statistics, with the reports waiting to be sent above them and one
// incident's view in their place when it is opened.
type incidentScreen struct {
	u      *UI
	base   incidentBase
	loaded bool

	pending  *pendingTasks
	strip    *pendingStrip
	form     *intakeForm
	register *registerPanel
	stats    *statsPanel
	view     *incidentView
	village  *villagePanel // the 村报 tab; nil without the village report service

	tabs    *container.AppTabs
	body    *fyne.Container // the tabs, or the open incident
	content fyne.CanvasObject

	visible  bool
	stopTick chan struct{}

	// chooseSave asks where an attachment goes; openFile hands one to the
	// desktop's viewer. Tests put their own in place.
	chooseSave chooseSaveFunc
	openFile   func(name string, data []byte) error
}

// incidentBase is what every part of the screen needs: the station tree,
// this station and its rules.
type incidentBase struct {
	tree *app.Tree
	home *app.Station // nil until this client's station is chosen
	// area is the home station and the stations below it: where this duty
	// room files incidents, so the place picker offers nothing else.
	area     *app.Tree
	settings incident.Settings
	leaders  []string // the home station's leaders, for sign-off and grading
	onDuty   string   // the leader on duty now, the usual choice
	loc      *time.Location
}

func loadIncidentBase(ctx context.Context, svc Services, onDuty OnDutyFunc) (incidentBase, error) {
	stations, err := svc.Stations.Stations(ctx)
	if err != nil {
		return incidentBase{}, err
	}
	sortStations(stations)
	b := incidentBase{tree: app.NewTree(stations), settings: incident.DefaultSettings(), loc: (&app.Station{}).Location()}
	me, err := svc.Identity.Identity(ctx)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return b, nil
	case err != nil:
		return b, err
	}
	b.home = b.tree.Station(me.ID)
	if b.home == nil {
		return b, nil
	}
	b.loc = b.home.Location()
	var area []app.Station
	for _, s := range stations {
		if b.tree.IsWithin(s.ID, b.home.ID) {
			area = append(area, s)
		}
	}
	b.area = app.NewTree(area)
	if b.settings, err = svc.Incidents.Settings(ctx, b.home.ID); err != nil {
		return b, err
	}
	leader := app.RoleLeader
	people, err := svc.Persons.Persons(ctx, app.PersonFilter{Station: &b.home.ID, Role: &leader})
	if err != nil {
		return b, err
	}
	for _, p := range people {
		b.leaders = append(b.leaders, p.Name)
	}
	sort.Strings(b.leaders)
	if onDuty != nil {
		if d, err := onDuty(ctx); err == nil {
			b.onDuty = d.Leader
		}
	}
	return b, nil
}

// location is the home station's zone, China's before one is chosen.
func (b incidentBase) location() *time.Location {
	if b.loc == nil {
		return (&app.Station{}).Location()
	}
	return b.loc
}

func newIncidentScreen(u *UI) *incidentScreen {
	s := &incidentScreen{u: u, chooseSave: fileSaveDialog(u.win), openFile: openWithSystem}
	s.pending = newPendingTasks(u)
	s.strip = s.pending.newStrip(s.openIncident)
	s.form = newIntakeForm(s)
	s.register = newRegisterPanel(s)
	s.stats = newStatsPanel(s)
	s.view = newIncidentView(s)
	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("incident.tab_intake"), theme.DocumentCreateIcon(), s.form.content),
		container.NewTabItemWithIcon(lang.L("incident.tab_register"), theme.ListIcon(), s.register.content),
		container.NewTabItemWithIcon(lang.L("incident.tab_stats"), theme.GridIcon(), s.stats.content),
	)
	if u.svc.VillageReports != nil {
		s.village = newVillagePanel(s, u.svc.VillageReports)
		s.tabs.Append(s.village.tab)
	}
	s.tabs.OnSelected = s.onTabSelected
	s.body = container.NewStack(s.tabs)
	s.content = container.NewBorder(s.strip.content, nil, nil, nil, s.body)
	u.win.Canvas().AddShortcut(saveShortcut, s.onSaveShortcut)
	return s
}

// pendingReportsPanel returns a list of the reports this station still has
// to send, with their countdowns and the overdue in red, for another screen
// (the duty screen) to show; choosing a row opens the incident. Nil
// without an incident service. Its countdowns move once a second while
// the 接报 screen is in view and with every minute's reload otherwise.
func (u *UI) pendingReportsPanel() fyne.CanvasObject {
	if u.incidents == nil {
		return nil
	}
	return u.incidents.pending.newStrip(u.incidents.openIncident).content
}

// saveShortcut is Ctrl+S (Cmd+S on a Mac).
var saveShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}

// isSaveShortcut reports whether s is Ctrl+S however it was delivered.
func isSaveShortcut(s fyne.Shortcut) bool {
	c, ok := s.(*desktop.CustomShortcut)
	return ok && c.KeyName == fyne.KeyS && c.Modifier == fyne.KeyModifierShortcutDefault
}

// build is the navigation's constructor.
func (s *incidentScreen) build() fyne.CanvasObject {
	s.reload()
	return s.content
}

// reload reads the station tree and the rules again, then every part.
func (s *incidentScreen) reload() {
	ctx, svc, onDuty := s.u.ctx, s.u.svc, s.u.status.onDuty
	runAsync(func() (incidentBase, error) { return loadIncidentBase(ctx, svc, onDuty) }, s.onBaseLoaded)
}

func (s *incidentScreen) onBaseLoaded(b incidentBase, err error) {
	if err != nil {
		s.form.showLoadError(err)
		return
	}
	s.base, s.loaded = b, true
	s.form.setBase(b)
	s.refresh()
}

// refresh reads the incidents again after a change.
func (s *incidentScreen) refresh() {
	s.pending.load()
	if s.village != nil {
		s.village.load()
	}
	if !s.loaded {
		return
	}
	switch s.tabs.SelectedIndex() {
	case 1:
		s.register.load()
	case 2:
		s.stats.load()
	}
	if s.view.id != app.NilID && s.body.Objects[0] == s.view.content {
		s.view.load()
	}
}

func (s *incidentScreen) onTabSelected(t *container.TabItem) {
	if s.village != nil && t == s.village.tab {
		s.village.seen()
	}
	if s.loaded {
		s.refresh()
	}
}

// openIncident shows one incident in place of the tabs.
func (s *incidentScreen) openIncident(id app.ID) {
	if s.u.nav.current != "incidents" {
		s.u.nav.open("incidents")
	}
	s.view.open(id)
	s.body.Objects = []fyne.CanvasObject{s.view.content}
	s.body.Refresh()
}

// closeIncident goes back to the tabs as they were left.
func (s *incidentScreen) closeIncident() {
	s.view.id = app.NilID
	s.body.Objects = []fyne.CanvasObject{s.tabs}
	s.body.Refresh()
	s.refresh()
}

// onSaveShortcut saves the intake form when Ctrl+S reaches the window
// rather than an entry (the cursor on a list or a button).
func (s *incidentScreen) onSaveShortcut(fyne.Shortcut) {
	if s.visible && s.body.Objects[0] == s.tabs && s.tabs.SelectedIndex() == 0 {
		s.form.onSave()
	}
}

// countdownInterval is how often the countdowns move. Once a second while
// the screen is in view; not at all while it is not, so a window left on
// another screen does no work for them.
const countdownInterval = time.Second

func (s *incidentScreen) shown() {
	s.visible = true
	s.form.followClock()
	if s.stopTick != nil {
		return
	}
	s.stopTick = make(chan struct{})
	everySecond(s.stopTick, s.onSecond)
}

// everySecond calls f on the UI goroutine once a second until stop is
// closed. Tests replace it and move the clock themselves.
var everySecond = func(stop <-chan struct{}, f func()) {
	go func() {
		t := time.NewTicker(countdownInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fyne.Do(f)
			}
		}
	}()
}

func (s *incidentScreen) hidden() {
	s.visible = false
	if s.stopTick != nil {
		close(s.stopTick)
		s.stopTick = nil
	}
}

// onSecond moves every countdown in view.
func (s *incidentScreen) onSecond() {
	s.form.followClock()
	s.pending.tick()
	if s.view.id != app.NilID {
		s.view.tick()
	}
}

// formEntry is an entry of an incident form: Ctrl+S saves wherever the
// cursor is, and Tab moves on even from a text of several lines, so the
// whole form can be filled without a mouse.
type formEntry struct {
	widget.Entry
	onSave  func()
	onFocus func(fyne.CanvasObject) // nil: nothing to do when the cursor arrives
}

func newFormEntry(onSave func()) *formEntry {
	e := &formEntry{onSave: onSave}
	e.ExtendBaseWidget(e)
	return e
}

func newFormTextArea(onSave func()) *formEntry {
	e := newFormEntry(onSave)
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	return e
}

// FocusGained lets the form scroll the entry into view.
func (e *formEntry) FocusGained() {
	e.Entry.FocusGained()
	if e.onFocus != nil {
		e.onFocus(e)
	}
}

// AcceptsTab is false even for several lines: a tab character in a
// description is worth less than getting to the next field.
func (e *formEntry) AcceptsTab() bool { return false }

// TypedShortcut takes Ctrl+S, which a plain entry would swallow, and
// passes the window's shortcuts (Ctrl+1…, Ctrl+N) on to it.
func (e *formEntry) TypedShortcut(s fyne.Shortcut) {
	if windowShortcut(e, s) {
		return
	}
	if isSaveShortcut(s) && e.onSave != nil {
		e.onSave()
		return
	}
	e.Entry.TypedShortcut(s)
}

// fixedHeight gives its one object a set height and its own minimum width,
// for lists that should show a few rows and scroll the rest.
type fixedHeight struct{ height float32 }

func (l fixedHeight) MinSize(objects []fyne.CanvasObject) fyne.Size {
	w := float32(0)
	for _, o := range objects {
		if o.Visible() {
			w = max(w, o.MinSize().Width)
		}
	}
	return fyne.NewSize(w, l.height)
}

func (l fixedHeight) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// leaderChoice is an editable list of the station's leaders, set to the one
// on duty: the duty officer usually types for the leader, and a leader
// from elsewhere can still be typed in.
func leaderChoice(b incidentBase) *widget.SelectEntry {
	e := widget.NewSelectEntry(b.leaders)
	e.SetText(b.onDuty)
	e.SetPlaceHolder(lang.L("incident.leader_placeholder"))
	return e
}
