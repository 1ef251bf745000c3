package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// showFileDialog shows one of Fyne's file dialogs with the places on its
// left named in the window's language. Fyne 2.7 translates the dialog's
// buttons and title but writes its places (Home, Computer, Documents…) in
// English whatever the language, so the Chinese window showed "Home".
func showFileDialog(d *dialog.FileDialog, win fyne.Window) {
	d.Show()
	if list := filePlaces(win); list != nil {
		update := list.UpdateItem
		list.UpdateItem = func(id widget.ListItemID, item fyne.CanvasObject) {
			update(id, item)
			if l := placeLabel(item); l != nil {
				l.SetText(placeName(l.Text))
			}
		}
		list.Refresh()
	}
}

// filePlaces finds the list of places in the file dialog just shown: the
// leading side of the split in the dialog's pop-up. It returns nil when
// the dialog is laid out otherwise (another Fyne version, a system
// dialog), which leaves the places as Fyne named them.
func filePlaces(win fyne.Window) *widget.List {
	pop, ok := win.Canvas().Overlays().Top().(*widget.PopUp)
	if !ok {
		return nil
	}
	var found *widget.List
	var search func(o fyne.CanvasObject)
	search = func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *fyne.Container:
			for _, c := range o.Objects {
				search(c)
			}
		case *container.Split:
			if l, ok := o.Leading.(*widget.List); ok && found == nil {
				found = l
			}
		}
	}
	search(pop.Content)
	return found
}

// placeLabel is the name label of one row of the places list: an icon,
// then the name.
func placeLabel(item fyne.CanvasObject) *widget.Label {
	row, ok := item.(*fyne.Container)
	if !ok || len(row.Objects) != 2 {
		return nil
	}
	l, _ := row.Objects[1].(*widget.Label)
	return l
}

// placeName is a place in the window's language; names Fyne does not use
// for its places (a drive such as C:\) are kept.
func placeName(name string) string {
	switch name {
	case "Home":
		return lang.X("file.place_home", name)
	case "Computer":
		return lang.X("file.place_computer", name)
	case "App Files":
		return lang.X("file.place_app_files", name)
	case "Desktop":
		return lang.X("file.place_desktop", name)
	case "Documents":
		return lang.X("file.place_documents", name)
	case "Downloads":
		return lang.X("file.place_downloads", name)
	case "Music":
		return lang.X("file.place_music", name)
	case "Pictures":
		return lang.X("file.place_pictures", name)
	case "Videos", "Movies":
		return lang.X("file.place_videos", name)
	}
	return name
}
