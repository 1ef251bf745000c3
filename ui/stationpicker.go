package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
)

// stationPicker is a dialog for choosing one station from the tree: a list
// of two thousand stations is unreadable, a tree is how people think of them.
type stationPicker struct {
	nodes    *stationNodes
	chosen   app.ID
	tree     *widget.Tree
	choose   *widget.Button
	dlg      *dialog.CustomDialog
	onChosen func(*app.Station)
}

func newStationPicker(win fyne.Window, tree *app.Tree, title string, current app.ID, onChosen func(*app.Station)) *stationPicker {
	p := &stationPicker{nodes: &stationNodes{tree: tree}, onChosen: onChosen}
	p.tree = newStationTree(p.nodes)
	p.tree.OnSelected = p.onSelected
	p.tree.OnUnselected = p.onUnselected
	p.choose = widget.NewButton(lang.L("action.choose"), p.onChoose)
	p.choose.Importance = widget.HighImportance
	p.choose.Disable()
	cancel := widget.NewButton(lang.L("action.cancel"), func() { p.dlg.Hide() })

	p.dlg = dialog.NewCustomWithoutButtons(title, p.tree, win)
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

func (p *stationPicker) show() { p.dlg.Show() }

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
