package ui

import (
	"context"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/directory"
)

// searchLimit caps the rows a search shows: a duty officer narrows the query
// rather than scrolls through thousands of matches.
const searchLimit = 500

// noticeDuration is how long a confirmation such as "copied" stays visible.
// Tests lengthen it so no timer fires into a later test.
var noticeDuration = 2500 * time.Millisecond

// directoryData is one consistent reading of the directory, replaced as a
// whole on every load so the screen never mixes old and new records.
type directoryData struct {
	stations []app.Station
	tree     *app.Tree
	persons  []app.Person // in tree order, then as the service orders them
	index    *directory.Index
	places   map[app.ID]string // where a station sits, for the rows
	identity app.ID
	onDuty   map[app.ID]bool // the leaders and officers on duty today, marked 今日值班
}

// loadDirectory reads stations and people and builds the search index. It
// runs off the UI goroutine.
func loadDirectory(ctx context.Context, svc Services, now time.Time) (directoryData, error) {
	stations, err := svc.Stations.Stations(ctx)
	if err != nil {
		return directoryData{}, err
	}
	persons, err := svc.Persons.Persons(ctx, app.PersonFilter{})
	if err != nil {
		return directoryData{}, err
	}
	sortStations(stations)
	tree := app.NewTree(stations)
	order := make(map[app.ID]int, len(stations))
	var walk func(id app.ID)
	walk = func(id app.ID) {
		for _, c := range tree.Children(id) {
			order[c.ID] = len(order)
			walk(c.ID)
		}
	}
	walk(app.NilID)
	directory.SortByRoleAndName(persons)
	sort.SliceStable(persons, func(i, j int) bool {
		return order[persons[i].Station] < order[persons[j].Station]
	})
	places := make(map[app.ID]string, len(stations))
	for _, s := range stations {
		places[s.ID] = placeOf(tree, s.ID)
	}
	d := directoryData{
		stations: stations,
		tree:     tree,
		persons:  persons,
		index:    directory.NewIndex(persons, stations),
		places:   places,
	}
	if me, err := svc.Identity.Identity(ctx); err == nil {
		d.identity = me.ID
	}
	d.onDuty = loadOnDutyToday(ctx, svc, stations, d.identity, now)
	return d, nil
}

// placeOf names a station by its path below the prefecture, which is the
// same for everybody and so says nothing.
func placeOf(tree *app.Tree, id app.ID) string {
	path := tree.Path(id)
	if anc := tree.Ancestors(id); len(anc) > 0 {
		root := anc[len(anc)-1].Name + " / "
		path = strings.TrimPrefix(path, root)
	}
	return path
}

// directoryScreen is the 通讯录: the station tree on the left, the people of
// the chosen station and everything below it on the right, and a search over
// everybody.
type directoryScreen struct {
	u *UI

	data     directoryData
	loaded   bool
	selected app.ID // station chosen in the tree, NilID for everybody
	reveal   app.ID // station to select once the next load is in
	shown    []app.Person

	nodes         *stationNodes
	stationTree   *widget.Tree
	search        *shortcutEntry
	list          *widget.List
	heading       *widget.Label
	empty         *widget.Label
	notice        *widget.Label
	addPerson     *widget.Button
	addStation    *widget.Button
	editStation   *widget.Button
	removeStation *widget.Button
	content       fyne.CanvasObject

	noticeSeq int
}

func newDirectoryScreen(u *UI) *directoryScreen {
	d := &directoryScreen{u: u, nodes: &stationNodes{}}

	d.stationTree = newStationTree(d.nodes)
	d.stationTree.OnSelected = d.onStationSelected

	d.search = newShortcutEntry()
	d.search.SetPlaceHolder(lang.L("directory.search_placeholder"))
	d.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	d.search.OnChanged = d.onSearchChanged

	d.list = widget.NewList(d.length, d.createItem, d.updateItem)

	d.heading = widget.NewLabel("")
	d.heading.TextStyle.Bold = true
	// Clip, not ellipsis: Fyne shapes the whole text again for an ellipsis
	// on every refresh, which costs milliseconds per label with a CJK font.
	d.heading.Truncation = fyne.TextTruncateClip
	d.empty = widget.NewLabel("")
	d.empty.Alignment = fyne.TextAlignCenter
	d.empty.Wrapping = fyne.TextWrapWord
	d.empty.Importance = widget.LowImportance
	d.notice = widget.NewLabel("")
	d.notice.Importance = widget.SuccessImportance

	d.addPerson = widget.NewButtonWithIcon(lang.L("directory.add_person"), theme.ContentAddIcon(), d.onAddPerson)
	d.addPerson.Importance = widget.HighImportance
	d.addStation = widget.NewButtonWithIcon(lang.L("directory.add_station"), theme.ContentAddIcon(), d.onAddStation)
	d.editStation = widget.NewButtonWithIcon(lang.L("directory.edit_station"), theme.DocumentCreateIcon(), d.onEditStation)
	d.removeStation = widget.NewButtonWithIcon(lang.L("directory.remove_station"), theme.DeleteIcon(), d.onRemoveStation)

	stationsTitle := widget.NewLabel(lang.L("directory.stations"))
	stationsTitle.TextStyle.Bold = true
	left := container.NewBorder(
		stationsTitle,
		container.NewGridWithColumns(3, d.addStation, d.editStation, d.removeStation),
		nil, nil, d.stationTree)
	right := container.NewBorder(
		container.NewVBox(
			container.NewBorder(nil, nil, nil, d.addPerson, d.search),
			container.NewBorder(nil, nil, nil, d.notice, d.heading),
		),
		nil, nil, nil,
		container.NewStack(d.list, container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 120), d.empty))))
	split := container.NewHSplit(left, right)
	split.Offset = 0.3
	d.content = split
	d.showPeople()
	return d
}

// build is the navigation's constructor: it starts the first load.
func (d *directoryScreen) build() fyne.CanvasObject {
	d.load()
	return d.content
}

// load reads the directory again; call it after every change.
func (d *directoryScreen) load() {
	ctx, svc, now := d.u.ctx, d.u.svc, d.u.now()
	runAsync(func() (directoryData, error) { return loadDirectory(ctx, svc, now) }, d.onLoaded)
}

func (d *directoryScreen) onLoaded(data directoryData, err error) {
	if err != nil {
		d.flash(lang.L("directory.load_failed", map[string]any{"Error": errorText(err)}))
		return
	}
	first := !d.loaded
	d.data, d.loaded = data, true
	d.nodes.tree = data.tree
	if d.selected != app.NilID && data.tree.Station(d.selected) == nil {
		d.selected = app.NilID
		d.stationTree.UnselectAll()
	}
	d.stationTree.Refresh()
	if first {
		for _, root := range data.tree.Children(app.NilID) {
			d.stationTree.OpenBranch(root.ID.String())
		}
		d.reveal = d.startStation()
	}
	if d.reveal != app.NilID && data.tree.Station(d.reveal) != nil {
		id := d.reveal
		d.reveal = app.NilID
		if id != d.selected {
			// Selecting calls onStationSelected, which shows the people.
			revealStation(d.stationTree, data.tree, id)
			return
		}
	}
	d.reveal = app.NilID
	d.showPeople()
}

// startStation is the station shown first: this station if known, else the
// prefecture when there is exactly one.
func (d *directoryScreen) startStation() app.ID {
	if d.data.identity != app.NilID && d.data.tree.Station(d.data.identity) != nil {
		return d.data.identity
	}
	if roots := d.data.tree.Children(app.NilID); len(roots) == 1 {
		return roots[0].ID
	}
	return app.NilID
}

func (d *directoryScreen) onStationSelected(uid widget.TreeNodeID) {
	s := d.nodes.station(uid)
	if s == nil {
		return
	}
	d.selected = s.ID
	if d.search.Text != "" {
		// Choosing a station is a new question; the old search would hide
		// its answer.
		d.search.SetText("")
		return
	}
	d.showPeople()
}

func (d *directoryScreen) onSearchChanged(string) {
	d.showPeople()
}

// showPeople fills the list from the search, or else from the chosen
// station's subtree, and updates what depends on it.
func (d *directoryScreen) showPeople() {
	q := strings.TrimSpace(d.search.Text)
	switch {
	case q != "" && d.data.index != nil:
		d.shown = d.data.index.Search(q, searchLimit)
		if len(d.shown) == searchLimit {
			d.heading.SetText(lang.L("directory.heading_search_limited", map[string]any{"Query": q, "Count": len(d.shown)}))
		} else {
			d.heading.SetText(lang.L("directory.heading_search", map[string]any{"Query": q, "Count": len(d.shown)}))
		}
	case d.selected != app.NilID:
		d.shown = d.peopleUnder(d.selected)
		d.heading.SetText(lang.L("directory.heading_station", map[string]any{
			"Station": d.data.tree.Path(d.selected), "Count": len(d.shown)}))
	default:
		d.shown = d.data.persons
		d.heading.SetText(lang.L("directory.heading_all", map[string]any{"Count": len(d.shown)}))
	}

	switch {
	case len(d.shown) > 0:
		d.empty.Hide()
	case d.loaded && len(d.data.stations) == 0:
		d.empty.SetText(lang.L("directory.empty_tree"))
		d.empty.Show()
	case q != "":
		d.empty.SetText(lang.L("directory.no_match"))
		d.empty.Show()
	case d.loaded:
		d.empty.SetText(lang.L("directory.no_people"))
		d.empty.Show()
	default:
		d.empty.SetText(lang.L("directory.loading"))
		d.empty.Show()
	}
	d.list.UnselectAll()
	d.list.Refresh()
	d.list.ScrollToTop()
	d.updateButtons()
}

// peopleUnder returns the people of root and every station below it.
func (d *directoryScreen) peopleUnder(root app.ID) []app.Person {
	var out []app.Person
	for _, p := range d.data.persons {
		if d.data.tree.IsWithin(p.Station, root) {
			out = append(out, p)
		}
	}
	return out
}

func (d *directoryScreen) updateButtons() {
	sel := d.selectedStation()
	enable(d.addPerson, d.loaded && len(d.data.stations) > 0)
	enable(d.addStation, d.loaded && (len(d.data.stations) == 0 || (sel != nil && sel.Tier != app.TierVillage)))
	enable(d.editStation, sel != nil)
	enable(d.removeStation, sel != nil)
}

func enable(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

func (d *directoryScreen) selectedStation() *app.Station {
	if d.data.tree == nil || d.selected == app.NilID {
		return nil
	}
	return d.data.tree.Station(d.selected)
}

func (d *directoryScreen) length() int { return len(d.shown) }

func (d *directoryScreen) createItem() fyne.CanvasObject { return newPersonRow(d) }

func (d *directoryScreen) updateItem(id widget.ListItemID, o fyne.CanvasObject) {
	r := o.(*personRow)
	r.set(d.shown[id], d.data.places[d.shown[id].Station])
	r.showOnDuty(d.data.onDuty[d.shown[id].ID])
}

// flash shows a short confirmation beside the heading, then clears it.
func (d *directoryScreen) flash(text string) {
	d.noticeSeq++
	seq := d.noticeSeq
	d.notice.SetText(text)
	time.AfterFunc(noticeDuration, func() {
		fyne.Do(func() {
			if d.noticeSeq == seq {
				d.notice.SetText("")
			}
		})
	})
}

func (d *directoryScreen) onCopy(number string) {
	d.u.app.Clipboard().SetContent(number)
	d.flash(lang.L("directory.copied", map[string]any{"Number": number}))
}

// afterChange reloads the directory and the status bar, and confirms.
func (d *directoryScreen) afterChange(text string) {
	d.load()
	d.u.changed()
	d.flash(text)
}

func (d *directoryScreen) onAddPerson() {
	p := app.Person{Station: d.selected}
	if p.Station == app.NilID && d.data.identity != app.NilID {
		p.Station = d.data.identity
	}
	newPersonForm(d.u, d.data.tree, p, true, d.onPersonSaved).show()
}

func (d *directoryScreen) onEditPerson(p app.Person) {
	newPersonForm(d.u, d.data.tree, p, false, d.onPersonSaved).show()
}

func (d *directoryScreen) onPersonSaved(p app.Person) {
	d.afterChange(lang.L("directory.saved", map[string]any{"Name": p.Name}))
}

func (d *directoryScreen) onRemovePerson(p app.Person) {
	showKeyedQuestion(d.u.win, lang.L("directory.remove_person_title"),
		lang.L("directory.remove_person_confirm", map[string]any{"Name": p.Name}),
		lang.L("action.remove"), widget.DangerImportance,
		func(ok bool) {
			if ok {
				d.removePerson(p)
			}
		})
}

func (d *directoryScreen) removePerson(p app.Person) {
	ctx, svc := d.u.ctx, d.u.svc.Persons
	runAsync(func() (struct{}, error) { return struct{}{}, svc.DeletePerson(ctx, p.ID) },
		func(_ struct{}, err error) {
			if err != nil {
				d.u.showError(err)
				return
			}
			d.afterChange(lang.L("directory.removed", map[string]any{"Name": p.Name}))
		})
}

func (d *directoryScreen) onAddStation() {
	s := app.Station{Tier: app.TierPrefecture}
	var parent *app.Station
	if sel := d.selectedStation(); sel != nil {
		parent = sel
		s.Parent = sel.ID
		s.Tier = sel.Tier + 1
	}
	newStationForm(d.u, s, parent, true, d.onStationSaved).show()
}

func (d *directoryScreen) onEditStation() {
	sel := d.selectedStation()
	if sel == nil {
		return
	}
	parent := d.data.tree.Station(sel.Parent)
	newStationForm(d.u, *sel, parent, false, d.onStationSaved).show()
}

func (d *directoryScreen) onStationSaved(s app.Station) {
	d.reveal = s.ID
	d.afterChange(lang.L("directory.saved", map[string]any{"Name": s.Name}))
}

func (d *directoryScreen) onRemoveStation() {
	sel := d.selectedStation()
	if sel == nil {
		return
	}
	s := *sel
	showKeyedQuestion(d.u.win, lang.L("directory.remove_station_title"),
		lang.L("directory.remove_station_confirm", map[string]any{"Name": s.Name}),
		lang.L("action.remove"), widget.DangerImportance,
		func(ok bool) {
			if ok {
				d.removeStationNow(s)
			}
		})
}

func (d *directoryScreen) removeStationNow(s app.Station) {
	ctx, svc := d.u.ctx, d.u.svc.Stations
	runAsync(func() (struct{}, error) { return struct{}{}, svc.DeleteStation(ctx, s.ID) },
		func(_ struct{}, err error) {
			if app.ErrorCode(err) == app.ECONFLICT {
				d.u.showMessage(lang.L("directory.remove_station_title"), lang.L("error.station.not_empty", map[string]any{"Name": s.Name}))
				return
			} else if err != nil {
				d.u.showError(err)
				return
			}
			d.reveal = s.Parent
			d.afterChange(lang.L("directory.removed", map[string]any{"Name": s.Name}))
		})
}

// personRow is one person in the list: who, where, how to reach them, and
// what they can do.
type personRow struct {
	widget.BaseWidget
	d      *directoryScreen
	person app.Person

	name, title, place, roles *widget.Label
	onDuty                    *widget.Label // 今日值班, shown for the leader and officer on duty
	mobile, office            *widget.Label
	copyMobile, copyOffice    *widget.Button
	edit, remove              *widget.Button
	account                   *widget.Button // 手机填报账号, on a village's information officer

	// The containers whose layout depends on the texts, outer before inner.
	textBoxes []*fyne.Container
}

func newPersonRow(d *directoryScreen) *personRow {
	r := &personRow{
		d:      d,
		name:   widget.NewLabel(""),
		title:  widget.NewLabel(""),
		place:  widget.NewLabel(""),
		roles:  widget.NewLabel(""),
		mobile: widget.NewLabel(""),
		office: widget.NewLabel(""),
		onDuty: onDutyBadge(),
	}
	r.name.TextStyle.Bold = true
	r.place.Importance = widget.LowImportance
	r.place.Truncation = fyne.TextTruncateClip // see the heading in newDirectoryScreen
	r.roles.Truncation = fyne.TextTruncateClip
	r.copyMobile = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), r.onCopyMobile)
	r.copyMobile.Importance = widget.LowImportance
	r.copyOffice = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), r.onCopyOffice)
	r.copyOffice.Importance = widget.LowImportance
	// Icons only: a row has room for the phone numbers or for worded
	// buttons, not both, at 1024 pixels in English.
	r.edit = widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), r.onEdit)
	r.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), r.onRemove)
	r.remove.Importance = widget.LowImportance
	r.account = widget.NewButtonWithIcon(lang.L("officer.action"), theme.AccountIcon(), func() { r.d.onOfficerAccount(r.person) })
	r.account.Hide()
	r.ExtendBaseWidget(r)
	// The list sizes itself by its first row: give it a typical one, so the
	// split beside it never squeezes the phone numbers.
	r.set(app.Person{Name: "欧阳建国", Title: "副局长", Mobile: "13800000000", Office: "0743-8221234"}, "")
	return r
}

func (r *personRow) CreateRenderer() fyne.WidgetRenderer {
	whoLeft := container.NewHBox(r.name, r.onDuty, r.title)
	who := container.NewBorder(nil, nil, whoLeft, nil, r.place)
	reachLeft := container.NewHBox(r.mobile, r.copyMobile, r.office, r.copyOffice)
	reach := container.NewBorder(nil, nil, reachLeft, nil, r.roles)
	r.textBoxes = []*fyne.Container{who, whoLeft, reach, reachLeft}
	actions := container.NewCenter(container.NewHBox(r.account, r.edit, r.remove))
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, nil, actions,
		container.NewVBox(who, reach)))
}

// set shows p. Only the labels are refreshed and only the text lines laid
// out again: refreshing the whole row would redraw its four icons, which
// Fyne decodes from SVG each time, on every row of every list update.
func (r *personRow) set(p app.Person, place string) {
	r.person = p
	setText(r.name, p.Name)
	setText(r.title, p.Title)
	setText(r.place, place)
	showPhone(r.mobile, r.copyMobile, lang.L("directory.mobile_value", map[string]any{"Number": p.Mobile}), p.Mobile)
	showPhone(r.office, r.copyOffice, lang.L("directory.office_value", map[string]any{"Number": p.Office}), p.Office)
	names := make([]string, len(p.Roles))
	for i, role := range p.Roles {
		names[i] = roleLabel(role)
	}
	setText(r.roles, strings.Join(names, lang.L("list.separator")))
	if r.d.canSetAccount(p) != r.account.Visible() {
		r.account.Hidden = !r.account.Hidden
		r.account.Refresh()
	}
	for _, c := range r.textBoxes {
		c.Layout.Layout(c.Objects, c.Size())
	}
}

// setText changes a label only when its text differs: rows are updated
// with the same person again whenever the list refreshes.
func setText(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

func showPhone(label *widget.Label, copyButton *widget.Button, text, number string) {
	if number == "" {
		label.Hide()
		copyButton.Hide()
		return
	}
	setText(label, text)
	label.Show()
	copyButton.Show()
}

func (r *personRow) onCopyMobile() { r.d.onCopy(r.person.Mobile) }
func (r *personRow) onCopyOffice() { r.d.onCopy(r.person.Office) }
func (r *personRow) onEdit()       { r.d.onEditPerson(r.person) }
func (r *personRow) onRemove()     { r.d.onRemovePerson(r.person) }
