package ui

import (
	"context"
	"sort"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// dutyScreen is 值班: who is on duty today with the duty log and the
// handover, the month roster, and one person's duties.
type dutyScreen struct {
	u *UI

	today *todayPanel
	month *monthPanel
	mine  *minePanel

	tabs    *container.AppTabs
	content fyne.CanvasObject

	// chooseSave and chooseOpen ask for the files roster exports go to
	// and imports come from.
	chooseSave chooseSaveFunc
	chooseOpen chooseOpenFunc
}

func newDutyScreen(u *UI) *dutyScreen {
	s := &dutyScreen{u: u, chooseSave: fileSaveDialog(u.win), chooseOpen: fileOpenDialog(u.win)}
	s.today = newTodayPanel(s)
	s.month = newMonthPanel(s)
	s.mine = newMinePanel(s)
	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("duty.tab_today"), theme.HomeIcon(), s.today.content),
		container.NewTabItemWithIcon(lang.L("duty.tab_month"), theme.CalendarIcon(), s.month.content),
		container.NewTabItemWithIcon(lang.L("duty.tab_mine"), theme.AccountIcon(), s.mine.content),
	)
	s.tabs.OnSelected = s.onTabSelected
	s.content = s.tabs
	return s
}

// build is the navigation's constructor: it loads the tab in view.
func (s *dutyScreen) build() fyne.CanvasObject {
	s.refresh()
	return s.content
}

// refresh reads the tab in view again. The others read theirs when chosen,
// so a change made in one tab shows in the next without bookkeeping.
func (s *dutyScreen) refresh() {
	switch s.tabs.SelectedIndex() {
	case 0:
		s.today.load()
	case 1:
		s.month.load()
	case 2:
		// The tab reads the notices and puts their count on itself.
		s.mine.load()
		return
	}
	s.loadBadge()
}

func (s *dutyScreen) onTabSelected(*container.TabItem) { s.refresh() }

// onTick follows the clock: at the handover the today tab moves on to the
// new duty day.
func (s *dutyScreen) onTick() {
	if s.tabs.SelectedIndex() == 0 {
		s.today.onTick()
	}
}

// dutyBase is what every tab needs: the station tree, this station, the
// people and the holiday calendar.
type dutyBase struct {
	tree    *app.Tree
	home    *app.Station // nil until this client's station is chosen
	persons map[app.ID]app.Person
	cal     *roster.Calendar
}

func loadDutyBase(ctx context.Context, svc Services) (dutyBase, error) {
	stations, err := svc.Stations.Stations(ctx)
	if err != nil {
		return dutyBase{}, err
	}
	sortStations(stations)
	b := dutyBase{tree: app.NewTree(stations), persons: map[app.ID]app.Person{}}
	me, err := svc.Identity.Identity(ctx)
	switch {
	case err == nil:
		b.home = b.tree.Station(me.ID)
	case app.ErrorCode(err) != app.ENOTFOUND:
		return dutyBase{}, err
	}
	persons, err := svc.Persons.Persons(ctx, app.PersonFilter{})
	if err != nil {
		return dutyBase{}, err
	}
	for _, p := range persons {
		b.persons[p.ID] = p
	}
	if b.cal, err = svc.Rosters.Calendar(ctx); err != nil {
		return dutyBase{}, err
	}
	return b, nil
}

// name returns a person's name; someone since removed from the directory
// still gets a readable mark rather than an id.
func (b dutyBase) name(id app.ID) string {
	if id == app.NilID {
		return ""
	}
	if p, ok := b.persons[id]; ok {
		return p.Name
	}
	return lang.L("duty.unknown_person")
}

// dutyPeople returns the people of a station who hold any duty role, by name.
func (b dutyBase) dutyPeople(station app.ID) []app.Person {
	var out []app.Person
	for _, p := range b.persons {
		if p.Station != station {
			continue
		}
		for _, r := range roster.DutyRoles {
			if p.Has(r) {
				out = append(out, p)
				break
			}
		}
	}
	sortPeople(out)
	return out
}

func sortPeople(ps []app.Person) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].ID.String() < ps[j].ID.String()
	})
}

// subordinates returns the stations directly below home that keep a duty
// room, in their official order.
func (b dutyBase) subordinates() []*app.Station {
	if b.home == nil {
		return nil
	}
	var out []*app.Station
	for _, c := range b.tree.Children(b.home.ID) {
		if c.Tier.HasDutyRoom() {
			out = append(out, c)
		}
	}
	return out
}

// personChoices labels people for a select. Two people of the same name are
// told apart by their title, then by their phone.
type personChoices struct {
	labels []string
	ids    map[string]app.ID
	byID   map[app.ID]string
}

func newPersonChoices(people []app.Person) personChoices {
	c := personChoices{ids: map[string]app.ID{}, byID: map[app.ID]string{}}
	count := map[string]int{}
	for _, p := range people {
		count[p.Name]++
	}
	for _, p := range people {
		label := p.Name
		if count[p.Name] > 1 {
			if p.Title != "" {
				label += "（" + p.Title + "）"
			}
			if _, taken := c.ids[label]; taken {
				label += " " + personPhone(p)
			}
		}
		c.labels = append(c.labels, label)
		c.ids[label] = p.ID
		c.byID[p.ID] = label
	}
	return c
}

// roleAbbr is the one-character mark of a role in the month grid.
func roleAbbr(r app.Role) string {
	switch r {
	case app.RoleLeader:
		return lang.L("roster.abbr_leader")
	case app.RoleCadre:
		return lang.L("roster.abbr_cadre")
	case app.RoleOfficer:
		return lang.L("roster.abbr_officer")
	case app.RoleStandby:
		return lang.L("roster.abbr_standby")
	}
	return string(r)
}

// postLabel names a post: the role, numbered where a day has several.
func postLabel(p roster.Post, several bool) string {
	if !several {
		return roleLabel(p.Role)
	}
	return roleLabel(p.Role) + " " + strconv.Itoa(p.Index+1)
}

// postLabels names each post of a list, numbering only roles that occur
// more than once.
func postLabels(posts []roster.Post) []string {
	count := map[app.Role]int{}
	for _, p := range posts {
		count[p.Role]++
	}
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = postLabel(p, count[p.Role] > 1 || p.Index > 0)
	}
	return out
}

// weekdayShort is the column heading of the month grid.
func weekdayShort(w time.Weekday) string {
	switch w {
	case time.Monday:
		return lang.L("weekday.short_mon")
	case time.Tuesday:
		return lang.L("weekday.short_tue")
	case time.Wednesday:
		return lang.L("weekday.short_wed")
	case time.Thursday:
		return lang.L("weekday.short_thu")
	case time.Friday:
		return lang.L("weekday.short_fri")
	case time.Saturday:
		return lang.L("weekday.short_sat")
	}
	return lang.L("weekday.short_sun")
}

func weekdayLong(w time.Weekday) string {
	switch w {
	case time.Monday:
		return lang.L("weekday.mon")
	case time.Tuesday:
		return lang.L("weekday.tue")
	case time.Wednesday:
		return lang.L("weekday.wed")
	case time.Thursday:
		return lang.L("weekday.thu")
	case time.Friday:
		return lang.L("weekday.fri")
	case time.Saturday:
		return lang.L("weekday.sat")
	}
	return lang.L("weekday.sun")
}

// dayLabel writes a date as people say it: 10月3日 星期六.
func dayLabel(d roster.Date) string {
	return lang.L("date.day", map[string]any{
		"Month": int(d.M), "MonthName": d.M.String()[:3], "Day": d.D, "Weekday": weekdayLong(d.Weekday())})
}

// shortDate writes a date compactly for lists: 10-03.
func shortDate(d roster.Date) string {
	return d.String()[5:]
}

func monthTitle(m roster.Month) string {
	return lang.L("date.month", map[string]any{"Year": m.Y, "Month": int(m.M), "MonthName": m.M.String()})
}

// dayKindLabel says what kind of day it is, with the holiday's name.
func dayKindLabel(info roster.DayInfo) string {
	var s string
	switch {
	case info.Kind == roster.Holiday && info.Name != "":
		s = info.Name
	case info.Kind == roster.Holiday:
		s = lang.L("roster.kind_holiday")
	case info.Kind == roster.Workday && info.Date.IsWeekend():
		s = lang.L("roster.kind_makeup")
	case info.Kind == roster.Weekend:
		s = lang.L("roster.kind_weekend")
	default:
		s = lang.L("roster.kind_workday")
	}
	if info.Special != "" {
		s += lang.L("list.separator") + info.Special
	}
	return s
}

// clockTime writes an instant as the station's wall clock: 08:30.
func clockTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("15:04")
}

// dateTime writes an instant with its date: 10-03 08:30.
func dateTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("01-02 15:04")
}

// sectionTitle heads a part of a panel; lighter than a card, so a 700-pixel
// window keeps room for the lists.
func sectionTitle(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle.Bold = true
	return l
}

// noHomeText is shown where a tab needs this client's station.
func noHomeText() string { return lang.L("duty.no_station") }

// notice is a short confirmation beside a heading ("saved", "copied") that
// clears itself.
type notice struct {
	label *widget.Label
	seq   int
	// parent is laid out again when the text changes: a label does not
	// tell its container that it grew, and would be drawn over its
	// neighbours.
	parent interface{ Refresh() }
}

func newNotice() *notice {
	l := widget.NewLabel("")
	l.Importance = widget.SuccessImportance
	return &notice{label: l}
}

func (n *notice) show(text string) {
	n.seq++
	seq := n.seq
	n.set(text)
	time.AfterFunc(noticeDuration, func() {
		fyne.Do(func() {
			if n.seq == seq {
				n.set("")
			}
		})
	})
}

func (n *notice) set(text string) {
	n.label.SetText(text)
	if n.parent != nil {
		n.parent.Refresh()
	}
}
