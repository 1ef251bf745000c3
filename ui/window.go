package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// screen is one capability reachable from the navigation.
type screen struct {
	id    string
	label string
	icon  fyne.Resource
	build func() fyne.CanvasObject
	// shown and hidden, when set, are called as the screen comes into view
	// and leaves it, for work that only matters while it is seen.
	shown, hidden func()
}

// startScreen is shown when the window opens: who is on duty today is what
// a duty office looks at first every day.
const startScreen = "duty"

// screens lists every capability in navigation order. A capability that is
// not built yet shows a placeholder; its screen replaces the placeholder here
// and nowhere else.
func (u *UI) screens() []screen {
	return []screen{
		{id: "duty", label: lang.L("nav.duty"), icon: theme.CalendarIcon(), build: u.buildDuty},
		u.incidentsEntry(),
		u.instructionsEntry(),
		u.messagesEntry(),
		u.warningsEntry(),
		u.spotChecksEntry(),
		u.consultEntry(),
		{id: "directory", label: lang.L("nav.directory"), icon: theme.AccountIcon(), build: u.directory.build, shown: u.directory.refreshOnDuty},
		{id: "settings", label: lang.L("nav.settings"), icon: theme.SettingsIcon(), build: u.settings.build},
	}
}

// buildDuty builds the duty screen, or says it is not available when the
// program runs without a roster service.
func (u *UI) buildDuty() fyne.CanvasObject {
	if u.duty == nil {
		return newPlaceholder(theme.CalendarIcon(), lang.L("nav.duty"), lang.L("placeholder.duty"))
	}
	return u.duty.build()
}

// incidentsEntry is the 接报 screen, or a note that it is not available
// when the program runs without an incident service.
func (u *UI) incidentsEntry() screen {
	s := screen{id: "incidents", label: lang.L("nav.incidents"), icon: theme.WarningIcon()}
	if u.incidents == nil {
		s.build = func() fyne.CanvasObject {
			return newPlaceholder(theme.WarningIcon(), lang.L("nav.incidents"), lang.L("placeholder.incidents"))
		}
		return s
	}
	s.build, s.shown, s.hidden = u.incidents.build, u.incidents.shown, u.incidents.hidden
	return s
}

// layout puts the navigation on the left, the open screen beside it, the
// status bar along the bottom and, while an incident from below, a warning
// or a spot check waits for this station, the alarms across the top.
func (u *UI) layout() fyne.CanvasObject {
	left := container.NewBorder(nil, u.helpButton(), nil, widget.NewSeparator(), u.nav.list)
	bottom := container.NewVBox(widget.NewSeparator(), u.status.content)
	return container.NewBorder(u.alertBanners(), bottom, left, nil, u.nav.content)
}

// navigation is the list of capabilities on the left and the area showing
// the chosen one. Screens are built the first time they are opened and kept,
// so switching back keeps what was typed.
type navigation struct {
	screens []screen
	built   map[string]fyne.CanvasObject
	current string
	badges  map[string]int // a count beside a screen's name: incidents waiting

	list    *widget.List
	content *fyne.Container
}

func newNavigation(u *UI, screens []screen) *navigation {
	n := &navigation{
		screens: screens,
		built:   make(map[string]fyne.CanvasObject),
		badges:  make(map[string]int),
		content: container.NewStack(),
	}
	n.list = widget.NewList(n.length, n.createItem, n.updateItem)
	n.list.OnSelected = n.onSelected
	return n
}

func (n *navigation) length() int { return len(n.screens) }

// createItem makes a row; it is also the list's size template, so it carries
// the longest label and the list is never narrower than its text.
func (n *navigation) createItem() fyne.CanvasObject {
	style := fyne.TextStyle{Bold: true}
	widest, width := "", float32(0)
	for _, s := range n.screens {
		if w := fyne.MeasureText(s.label, theme.TextSize(), style).Width; w > width {
			widest, width = s.label, w
		}
	}
	label := widget.NewLabel(widest)
	label.TextStyle = style
	badge := widget.NewLabel("")
	badge.TextStyle = style
	badge.Importance = widget.DangerImportance
	return container.NewHBox(widget.NewIcon(nil), label, badge)
}

func (n *navigation) updateItem(id widget.ListItemID, o fyne.CanvasObject) {
	row := o.(*fyne.Container)
	row.Objects[0].(*widget.Icon).SetResource(n.screens[id].icon)
	row.Objects[1].(*widget.Label).SetText(n.screens[id].label)
	badge := row.Objects[2].(*widget.Label)
	if c := n.badges[n.screens[id].id]; c > 0 {
		badge.SetText(strconv.Itoa(c))
		badge.Show()
	} else {
		badge.Hide()
	}
}

// setBadge shows a count beside a screen's name, nothing for zero.
func (n *navigation) setBadge(id string, count int) {
	if n.badges[id] == count {
		return
	}
	n.badges[id] = count
	for i, s := range n.screens {
		if s.id == id {
			n.list.RefreshItem(i)
		}
	}
}

func (n *navigation) onSelected(id widget.ListItemID) {
	s := n.screens[id]
	if n.current == s.id {
		return
	}
	obj, ok := n.built[s.id]
	if !ok {
		obj = s.build()
		n.built[s.id] = obj
	}
	for _, old := range n.screens {
		if old.id == n.current && old.hidden != nil {
			old.hidden()
		}
	}
	n.current = s.id
	n.content.Objects = []fyne.CanvasObject{obj}
	n.content.Refresh()
	if s.shown != nil {
		s.shown()
	}
}

// open shows the screen with the given id, as if chosen in the list.
func (n *navigation) open(id string) {
	for i, s := range n.screens {
		if s.id == id {
			n.list.Select(i)
			return
		}
	}
}
