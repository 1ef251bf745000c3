package ui

import (
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
)

// stationNodes feeds a widget.Tree from an app.Tree. Node ids are the
// stations' ids in text form; "" is the invisible root above the prefecture.
type stationNodes struct {
	tree *app.Tree
}

func newStationTree(n *stationNodes) *widget.Tree {
	return widget.NewTree(n.childUIDs, n.isBranch, n.create, n.update)
}

func (n *stationNodes) station(uid widget.TreeNodeID) *app.Station {
	if n.tree == nil || uid == "" {
		return nil
	}
	id, err := app.ParseID(uid)
	if err != nil {
		return nil
	}
	return n.tree.Station(id)
}

func (n *stationNodes) childUIDs(uid widget.TreeNodeID) []widget.TreeNodeID {
	if n.tree == nil {
		return nil
	}
	parent := app.NilID
	if uid != "" {
		s := n.station(uid)
		if s == nil {
			return nil
		}
		parent = s.ID
	}
	children := n.tree.Children(parent)
	out := make([]widget.TreeNodeID, len(children))
	for i, c := range children {
		out[i] = c.ID.String()
	}
	return out
}

func (n *stationNodes) isBranch(uid widget.TreeNodeID) bool {
	return uid == "" || len(n.childUIDs(uid)) > 0
}

func (n *stationNodes) create(bool) fyne.CanvasObject {
	l := widget.NewLabel("")
	// Clip: an ellipsis costs a full text shaping on every refresh.
	l.Truncation = fyne.TextTruncateClip
	return l
}

func (n *stationNodes) update(uid widget.TreeNodeID, _ bool, o fyne.CanvasObject) {
	s := n.station(uid)
	if s == nil {
		o.(*widget.Label).SetText("")
		return
	}
	o.(*widget.Label).SetText(s.Name)
}

// revealStation opens the branches above id, selects it and scrolls to it.
func revealStation(t *widget.Tree, tree *app.Tree, id app.ID) {
	anc := tree.Ancestors(id)
	for i := len(anc) - 1; i >= 0; i-- {
		t.OpenBranch(anc[i].ID.String())
	}
	t.Select(id.String())
	t.ScrollTo(id.String())
}

// sortStations orders stations by tier, then administrative code, which is
// parents before children and siblings in their official order.
func sortStations(stations []app.Station) {
	sort.SliceStable(stations, func(i, j int) bool {
		if stations[i].Tier != stations[j].Tier {
			return stations[i].Tier < stations[j].Tier
		}
		return stations[i].Code < stations[j].Code
	})
}

// tierLabel is the name of a tier in the reader's language.
func tierLabel(t app.Tier) string {
	switch t {
	case app.TierPrefecture:
		return lang.L("tier.prefecture")
	case app.TierCounty:
		return lang.L("tier.county")
	case app.TierTownship:
		return lang.L("tier.township")
	case app.TierVillage:
		return lang.L("tier.village")
	}
	return lang.L("tier.unknown")
}

// roleLabel is the name of a duty role in the reader's language.
func roleLabel(r app.Role) string {
	switch r {
	case app.RoleLeader:
		return lang.L("role.leader")
	case app.RoleCadre:
		return lang.L("role.cadre")
	case app.RoleOfficer:
		return lang.L("role.officer")
	case app.RoleStandby:
		return lang.L("role.standby")
	case app.RoleInfoOfficer:
		return lang.L("role.info_officer")
	}
	return string(r)
}
