package ui

import (
	"context"
	"image/color"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/warning"
)

// alertBase is what the warning and spot-check screens need to place
// anything: the station tree and this client's station.
type alertBase struct {
	tree *app.Tree
	home *app.Station // nil until this client's station is chosen
	loc  *time.Location
}

func loadAlertBase(ctx context.Context, svc Services) (alertBase, error) {
	b := alertBase{tree: app.NewTree(nil), loc: (&app.Station{}).Location()}
	stations, err := svc.Stations.Stations(ctx)
	if err != nil {
		return b, err
	}
	sortStations(stations)
	b.tree = app.NewTree(stations)
	me, err := svc.Identity.Identity(ctx)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return b, nil
	case err != nil:
		return b, err
	}
	b.home = b.tree.Station(me.ID)
	if b.home != nil {
		b.loc = b.home.Location()
	}
	return b, nil
}

func (b alertBase) homeID() app.ID {
	if b.home == nil {
		return app.NilID
	}
	return b.home.ID
}

// onDutyNow reads who is on duty, nobody when no roster covers the moment
// or the window runs without rosters. Call it off the UI goroutine.
func onDutyNow(ctx context.Context, f OnDutyFunc) OnDuty {
	if f == nil {
		return OnDuty{}
	}
	d, err := f(ctx)
	if err != nil {
		return OnDuty{}
	}
	return d
}

// answeringName is who answers for the duty room: the duty officer, who
// sits at the screen, or the leader when no officer is rostered.
func answeringName(d OnDuty) string {
	if d.Officer != "" {
		return d.Officer
	}
	return d.Leader
}

// signingName is who signs a warning off: the leader on duty.
func signingName(d OnDuty, author string) string {
	switch {
	case d.Leader != "":
		return d.Leader
	case d.Officer != "":
		return d.Officer
	}
	return author
}

// warningGrade puts a warning level on the scale the incident alarm already
// speaks: both follow the national four colours, blue to red, so a red
// warning looks and sounds as urgent as an especially major incident.
func warningGrade(l warning.Level) incident.Grade { return incident.Grade(l.Rank()) }

func warningColor(l warning.Level) color.NRGBA     { return gradeColor(warningGrade(l)) }
func warningTextColor(l warning.Level) color.NRGBA { return gradeTextColor(warningGrade(l)) }

func warningLevelLabel(l warning.Level) string {
	switch l {
	case warning.Blue:
		return lang.L("warning.level_blue")
	case warning.Yellow:
		return lang.L("warning.level_yellow")
	case warning.Orange:
		return lang.L("warning.level_orange")
	case warning.Red:
		return lang.L("warning.level_red")
	}
	return string(l)
}

func warningTypeLabel(t warning.Type) string {
	switch t {
	case warning.Rainstorm:
		return lang.L("warning.type_rainstorm")
	case warning.Flood:
		return lang.L("warning.type_flood")
	case warning.Geological:
		return lang.L("warning.type_geological")
	case warning.ForestFire:
		return lang.L("warning.type_forest_fire")
	case warning.LowTempIce:
		return lang.L("warning.type_low_temp_ice")
	case warning.HighTemp:
		return lang.L("warning.type_high_temp")
	case warning.StrongWind:
		return lang.L("warning.type_strong_wind")
	case warning.Thunder:
		return lang.L("warning.type_thunder")
	case warning.Other:
		return lang.L("warning.type_other")
	}
	return string(t)
}

// warningTitle names a warning as it is spoken: 红色暴雨预警.
func warningTitle(w *warning.Warning) string {
	return lang.L("warning.title", map[string]any{"Level": warningLevelLabel(w.Level), "Type": warningTypeLabel(w.Type)})
}

func validityText(w *warning.Warning, loc *time.Location) string {
	return lang.L("warning.validity", map[string]any{"From": dateTime(w.ValidFrom, loc), "Until": dateTime(w.ValidUntil, loc)})
}

// levelBadge is a warning's colour with its name on it, the way warnings
// are printed: the colour is read before the words.
type levelBadge struct {
	rect    *canvas.Rectangle
	text    *canvas.Text
	content *fyne.Container
}

func newLevelBadge() *levelBadge {
	b := &levelBadge{rect: canvas.NewRectangle(gradeColor(0)), text: canvas.NewText("", gradeTextColor(0))}
	b.rect.CornerRadius = theme.InputRadiusSize()
	b.text.TextStyle.Bold = true
	b.text.Alignment = fyne.TextAlignCenter
	// As wide as the widest level's name, so the names beside a column
	// of badges line up.
	var width float32
	for _, l := range warning.Levels {
		width = max(width, fyne.MeasureText(warningLevelLabel(l), theme.TextSize(), b.text.TextStyle).Width)
	}
	b.content = container.NewStack(b.rect, container.New(atLeastWidth{width + 4*theme.Padding()}, container.NewPadded(b.text)))
	return b
}

func (b *levelBadge) set(l warning.Level) {
	b.rect.FillColor = warningColor(l)
	b.text.Text = warningLevelLabel(l)
	b.text.Color = warningTextColor(l)
	b.content.Refresh()
}

// warningData is what the warning screen lists.
type warningData struct {
	base alertBase
	// received reached this station: unacknowledged first, the gravest
	// first among them; then those in force; newest first otherwise.
	received []warning.Warning
	issued   []warning.Warning // issued here, newest first
	pending  map[app.ID]bool   // received and not acknowledged here
}

func loadWarnings(ctx context.Context, svc Services, now time.Time) (warningData, error) {
	d := warningData{pending: map[app.ID]bool{}}
	var err error
	if d.base, err = loadAlertBase(ctx, svc); err != nil || d.base.home == nil {
		return d, err
	}
	home := d.base.home.ID
	all, err := svc.Warnings.Warnings(ctx, time.Time{})
	if err != nil {
		return d, err
	}
	pending, err := svc.Warnings.Pending(ctx, home)
	if err != nil {
		return d, err
	}
	for _, w := range pending {
		d.pending[w.ID] = true
	}
	for _, w := range all {
		switch {
		case w.Issuer == home:
			d.issued = append(d.issued, w)
		case warning.Reaches(d.base.tree, &w, home):
			d.received = append(d.received, w)
		}
	}
	rank := func(w *warning.Warning) int {
		switch {
		case d.pending[w.ID]:
			return 0
		case now.Before(w.ValidUntil):
			return 1
		}
		return 2
	}
	sort.SliceStable(d.received, func(i, j int) bool {
		x, y := &d.received[i], &d.received[j]
		if rx, ry := rank(x), rank(y); rx != ry || rx != 0 {
			return rx < ry
		}
		return x.Level.Rank() > y.Level.Rank()
	})
	return d, nil
}

// warningScreen is 预警: the warnings received, to acknowledge; the form
// an upper station issues one with; and the acknowledgements of those it
// issued, live.
type warningScreen struct {
	u      *UI
	data   warningData
	loaded bool
	seq    int

	received *receivedPanel
	form     *warningForm
	issued   *issuedPanel

	tabs    *container.AppTabs
	status  *widget.Label
	content fyne.CanvasObject
	visible bool
	// openWhenLoaded is a warning to show once the list is read: the
	// banner may ask before the screen was ever opened.
	openWhenLoaded app.ID
}

// The tabs of the warning screen, in order.
const (
	warningTabReceived = iota
	warningTabIssue
	warningTabIssued
)

func newWarningScreen(u *UI) *warningScreen {
	s := &warningScreen{u: u, data: warningData{pending: map[app.ID]bool{}}}
	s.received = newReceivedPanel(s)
	s.form = newWarningForm(s)
	s.issued = newIssuedPanel(s)
	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("warning.tab_received"), theme.ListIcon(), s.received.content),
		container.NewTabItemWithIcon(lang.L("warning.tab_issue"), theme.DocumentCreateIcon(), s.form.content),
		container.NewTabItemWithIcon(lang.L("warning.tab_issued"), theme.VisibilityIcon(), s.issued.content),
	)
	s.tabs.OnSelected = func(*container.TabItem) { s.refreshLive() }
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Hide()
	s.content = container.NewBorder(s.status, nil, nil, nil, s.tabs)
	return s
}

// build is the navigation's constructor.
func (s *warningScreen) build() fyne.CanvasObject {
	s.load()
	return s.content
}

func (s *warningScreen) shown() {
	s.visible = true
	if s.loaded {
		s.load()
	}
}

func (s *warningScreen) hidden() { s.visible = false }

// load reads the warnings again; a read overtaken by a later one is dropped.
func (s *warningScreen) load() {
	s.seq++
	seq := s.seq
	ctx, svc, now := s.u.ctx, s.u.svc, s.u.now()
	runAsync(func() (warningData, error) { return loadWarnings(ctx, svc, now) }, func(d warningData, err error) {
		if seq == s.seq {
			s.onLoaded(d, err)
		}
	})
}

func (s *warningScreen) onLoaded(d warningData, err error) {
	if err != nil {
		s.status.Importance = widget.DangerImportance
		s.status.SetText(lang.L("warning.load_failed", map[string]any{"Error": errorText(err)}))
		s.status.Show()
		return
	}
	s.data, s.loaded = d, true
	if d.base.home == nil {
		s.status.Importance = widget.WarningImportance
		s.status.SetText(noHomeText())
		s.status.Show()
	} else {
		s.status.Hide()
	}
	s.received.show()
	s.form.setBase(d.base)
	s.issued.show()
	if id := s.openWhenLoaded; id != app.NilID {
		s.openWhenLoaded = app.NilID
		s.openWarning(id)
	}
}

// refresh reads the lists again after a change here or an arrival.
func (s *warningScreen) refresh() {
	if s.loaded {
		s.load()
	}
}

// refreshLive reloads the acknowledgements in sight, which other stations
// change while the issuer watches.
func (s *warningScreen) refreshLive() {
	if !s.loaded {
		return
	}
	switch s.tabs.SelectedIndex() {
	case warningTabReceived:
		s.received.below.load()
	case warningTabIssued:
		s.issued.progress.load()
	}
}

// openWarning shows a received warning, ready to acknowledge.
func (s *warningScreen) openWarning(id app.ID) {
	if s.u.nav.current != "warnings" {
		s.u.nav.open("warnings")
	}
	s.tabs.SelectIndex(warningTabReceived)
	if !s.loaded {
		s.openWhenLoaded = id
		return
	}
	s.received.selectWarning(id)
}

// warningsEntry is the 预警 screen, or a note that it is not available
// when the program runs without a warning service.
func (u *UI) warningsEntry() screen {
	s := screen{id: "warnings", label: lang.L("nav.warnings"), icon: theme.VolumeUpIcon()}
	if u.warnings == nil {
		s.build = func() fyne.CanvasObject {
			return newPlaceholder(theme.VolumeUpIcon(), lang.L("nav.warnings"), lang.L("placeholder.warnings"))
		}
		return s
	}
	s.build, s.shown, s.hidden = u.warnings.build, u.warnings.shown, u.warnings.hidden
	return s
}
