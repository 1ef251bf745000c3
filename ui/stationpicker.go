package ui

import (
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/directory"
)

// stationPicker is a dialog for choosing one station from the tree: a list
// of two thousand stations is unreadable, a tree is how people think of them.
// A caller names a village, though, not its county: typing part of a name or
// its pinyin initials ("qyc" for 乾元村) lists the stations that match, each
// with its path, in place of the tree.
type stationPicker struct {
	nodes    *stationNodes
	chosen   app.ID
	tree     *widget.Tree
	search   *widget.Entry
	matches  []*app.Station
	results  *widget.List
	noMatch  *widget.Label
	all      []pickName // every station, with its initials, for the search
	choose   *widget.Button
	dlg      *dialog.CustomDialog
	onChosen func(*app.Station)
}

// pickName is a station with the pinyin initials of its name, worked
// out once when the picker opens.
type pickName struct {
	st       *app.Station
	name     string // lower case
	initials string
}

// maxStationMatches bounds the list a search shows: beyond it the query is
// too short to help, and the officer types on.
const maxStationMatches = 50

func newStationPicker(win fyne.Window, tree *app.Tree, title string, current app.ID, onChosen func(*app.Station)) *stationPicker {
	p := &stationPicker{nodes: &stationNodes{tree: tree}, onChosen: onChosen}
	p.tree = newStationTree(p.nodes)
	p.tree.OnSelected = p.onSelected
	p.tree.OnUnselected = p.onUnselected
	p.choose = widget.NewButton(lang.L("action.choose"), p.onChoose)
	p.choose.Importance = widget.HighImportance
	p.choose.Disable()
	cancel := widget.NewButton(lang.L("action.cancel"), func() { p.dlg.Hide() })

	var walk func(id app.ID)
	walk = func(id app.ID) {
		for _, st := range tree.Children(id) {
			p.all = append(p.all, pickName{st: st, name: strings.ToLower(st.Name), initials: directory.Initials(st.Name)})
			walk(st.ID)
		}
	}
	walk(app.NilID)
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder(lang.L("station.search_placeholder"))
	p.search.OnChanged = p.onSearch
	p.search.OnSubmitted = func(string) {
		// Enter on a single match chooses it: the commonest case of all.
		if len(p.matches) == 1 {
			p.chosen = p.matches[0].ID
			p.onChoose()
		}
	}
	p.results = widget.NewList(func() int { return len(p.matches) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(p.matches) {
				o.(*widget.Label).SetText(tree.Path(p.matches[id].ID))
			}
		})
	p.results.OnSelected = func(id widget.ListItemID) {
		if id < len(p.matches) {
			p.chosen = p.matches[id].ID
			p.choose.Enable()
		}
	}
	p.noMatch = hintLabel(lang.L("station.search_none"))
	p.results.Hide()
	p.noMatch.Hide()

	body := container.NewBorder(p.search, nil, nil, nil, container.NewStack(p.tree, p.results, container.NewVBox(p.noMatch)))
	p.dlg = dialog.NewCustomWithoutButtons(title, body, win)
	p.dlg.SetButtons([]fyne.CanvasObject{cancel, p.choose})
	p.dlg.Resize(fyne.NewSize(420, 520))

	for _, root := range tree.Children(app.NilID) {
		p.tree.OpenBranch(root.ID.String())
	}
	if tree.Station(current) != nil {
		revealStation(p.tree, tree, current)
	}
	return p
}

func (p *stationPicker) show() {
	p.dlg.Show()
	if c := fyne.CurrentApp().Driver().CanvasForObject(p.search); c != nil {
		c.Focus(p.search)
	}
}

// onSearch shows the stations matching the query in place of the tree, or
// the tree again once the query is cleared.
func (p *stationPicker) onSearch(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	p.results.UnselectAll()
	p.chosen = app.NilID
	p.choose.Disable()
	p.tree.UnselectAll()
	if q == "" {
		p.matches = nil
		p.results.Hide()
		p.noMatch.Hide()
		p.tree.Show()
		return
	}
	p.matches = matchStations(p.all, q)
	p.tree.Hide()
	p.results.Refresh()
	p.results.ScrollToTop()
	if len(p.matches) == 0 {
		p.results.Hide()
		p.noMatch.Show()
		return
	}
	p.noMatch.Hide()
	p.results.Show()
	if len(p.matches) == 1 {
		p.results.Select(0)
	}
}

// matchStations finds the stations whose name contains q, or whose pinyin
// initials do, q in lower case: a name that is q comes first, then names
// or initials that start with it, then the rest, each group in tree order.
func matchStations(all []pickName, q string) []*app.Station {
	rank := func(s pickName) int {
		switch {
		case s.name == q || s.initials == q:
			return 0
		case strings.HasPrefix(s.name, q) || strings.HasPrefix(s.initials, q):
			return 1
		case strings.Contains(s.name, q) || strings.Contains(s.initials, q):
			return 2
		}
		return -1
	}
	type hit struct {
		st   *app.Station
		rank int
	}
	var hits []hit
	for _, s := range all {
		if r := rank(s); r >= 0 {
			hits = append(hits, hit{s.st, r})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].rank < hits[j].rank })
	var out []*app.Station
	for _, h := range hits {
		if len(out) == maxStationMatches {
			break
		}
		out = append(out, h.st)
	}
	return out
}

func (p *stationPicker) onSelected(uid widget.TreeNodeID) {
	if s := p.nodes.station(uid); s != nil {
		p.chosen = s.ID
		p.choose.Enable()
	}
}

func (p *stationPicker) onUnselected(widget.TreeNodeID) {
	p.chosen = app.NilID
	p.choose.Disable()
}

func (p *stationPicker) onChoose() {
	s := p.nodes.tree.Station(p.chosen)
	if s == nil {
		return
	}
	p.dlg.Hide()
	p.onChosen(s)
}
