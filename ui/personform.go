package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
)

// personForm adds or edits one person. A rejected save keeps the dialog open
// with the reason beside the field at fault; nothing is stored.
type personForm struct {
	u       *UI
	tree    *app.Tree
	person  app.Person // as it was when the form opened
	station app.ID
	isNew   bool
	onSaved func(app.Person)

	name, title, mobile, office *widget.Entry
	stationPath                 *widget.Label
	chooseStation               *widget.Button
	roles                       []*widget.Check          // one per app.Roles entry, in that order
	errs                        map[string]*widget.Label // by app field name; "" for the whole record
	save, cancel                *widget.Button
	body                        *fyne.Container
	dlg                         *dialog.CustomDialog
}

func newPersonForm(u *UI, tree *app.Tree, p app.Person, isNew bool, onSaved func(app.Person)) *personForm {
	f := &personForm{u: u, tree: tree, person: p, station: p.Station, isNew: isNew, onSaved: onSaved}

	f.name = f.entry("name", p.Name)
	f.title = f.entry("title", p.Title)
	f.title.SetPlaceHolder(lang.L("person.title_placeholder"))
	f.mobile = f.entry("mobile", p.Mobile)
	f.mobile.SetPlaceHolder("13800000000")
	f.office = f.entry("office", p.Office)
	f.office.SetPlaceHolder("0743-8221234")

	f.stationPath = widget.NewLabel("")
	f.stationPath.Truncation = fyne.TextTruncateEllipsis
	f.chooseStation = widget.NewButton(lang.L("action.choose"), f.onChooseStation)
	f.showStation()

	// A grid rather than one row: the English role names are long.
	roleGrid := container.NewGridWithColumns(3)
	for _, r := range app.Roles {
		c := widget.NewCheck(roleLabel(r), nil)
		c.Checked = p.Has(r)
		f.roles = append(f.roles, c)
		roleGrid.Add(c)
	}

	f.errs = map[string]*widget.Label{"": errorLabel()}
	for _, field := range []string{"name", "title", "mobile", "office", "station", "roles"} {
		f.errs[field] = errorLabel()
	}

	form := widget.NewForm(
		widget.NewFormItem(lang.L("person.name"), f.withError("name", f.name)),
		widget.NewFormItem(lang.L("person.title"), f.withError("title", f.title)),
		widget.NewFormItem(lang.L("person.mobile"), f.withError("mobile", f.mobile)),
		widget.NewFormItem(lang.L("person.office"), f.withError("office", f.office)),
		widget.NewFormItem(lang.L("person.station"), f.withError("station",
			container.NewBorder(nil, nil, nil, f.chooseStation, f.stationPath))),
		widget.NewFormItem(lang.L("person.roles"), f.withError("roles", roleGrid)),
	)
	hint := widget.NewLabel(lang.L("person.phone_hint"))
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord

	f.save = widget.NewButton(lang.L("action.save"), f.onSave)
	f.save.Importance = widget.HighImportance
	f.cancel = widget.NewButton(lang.L("action.cancel"), f.onCancel)

	title := lang.L("person.edit_title")
	if isNew {
		title = lang.L("person.add_title")
	}
	f.body = container.NewVBox(form, hint, f.errs[""])
	f.dlg = dialog.NewCustomWithoutButtons(title, f.body, u.win)
	f.dlg.SetButtons([]fyne.CanvasObject{f.cancel, f.save})
	f.resize()
	return f
}

// entry makes a form entry whose error clears as soon as it is edited.
func (f *personForm) entry(field, text string) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(text)
	e.OnChanged = func(string) { f.clearError(field) }
	e.OnSubmitted = func(string) { f.onSave() }
	return e
}

func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func (f *personForm) withError(field string, w fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(w, f.errs[field])
}

func (f *personForm) show() {
	f.dlg.Show()
	f.u.win.Canvas().Focus(f.name)
}

func (f *personForm) showStation() {
	if f.tree == nil || f.tree.Station(f.station) == nil {
		f.stationPath.SetText(lang.L("person.no_station"))
		return
	}
	f.stationPath.SetText(f.tree.Path(f.station))
}

func (f *personForm) onChooseStation() {
	newStationPicker(f.u.win, f.tree, lang.L("person.choose_station"), f.station, f.onStationChosen).show()
}

func (f *personForm) onStationChosen(s *app.Station) {
	f.station = s.ID
	f.clearError("station")
	f.showStation()
}

// entered is the person as the form stands.
func (f *personForm) entered() app.Person {
	p := f.person
	p.Name = f.name.Text
	p.Title = f.title.Text
	p.Mobile = f.mobile.Text
	p.Office = f.office.Text
	p.Station = f.station
	p.Roles = nil
	for i, r := range app.Roles {
		if f.roles[i].Checked {
			p.Roles = append(p.Roles, r)
		}
	}
	return p
}

func (f *personForm) onSave() {
	if f.save.Disabled() {
		return // Enter pressed while the last save is still running
	}
	p := f.entered()
	for field := range f.errs {
		f.clearError(field)
	}
	f.save.Disable()
	ctx, svc, isNew := f.u.ctx, f.u.svc.Persons, f.isNew
	runAsync(func() (app.Person, error) {
		stored := p
		stored.Roles = append([]app.Role(nil), p.Roles...)
		if isNew {
			return stored, svc.CreatePerson(ctx, &stored)
		}
		return stored, svc.UpdatePerson(ctx, &stored)
	}, func(stored app.Person, err error) { f.onSaveDone(p, stored, err) })
}

func (f *personForm) onSaveDone(entered, stored app.Person, err error) {
	f.save.Enable()
	if err != nil {
		f.showError(err, entered)
		return
	}
	f.dlg.Hide()
	f.onSaved(stored)
}

func (f *personForm) onCancel() { f.dlg.Hide() }

// showError puts the message beside its field, or under the form when it is
// about the whole record, and moves the cursor to the field at fault.
func (f *personForm) showError(err error, entered app.Person) {
	field := app.ErrorField(err)
	label, ok := f.errs[field]
	if !ok {
		label = f.errs[""]
	}
	label.SetText(personErrorText(err, entered))
	label.Show()
	f.resize()
	if e := f.entryFor(field); e != nil {
		f.u.win.Canvas().Focus(e)
	}
}

func (f *personForm) clearError(field string) {
	if l := f.errs[field]; l != nil && l.Visible() {
		l.SetText("")
		l.Hide()
		f.resize()
	}
}

// resize lays the form out again after an error message came or went, so
// the message sits under its field instead of over the next one.
func (f *personForm) resize() {
	f.body.Refresh()
	f.dlg.Resize(fyne.NewSize(640, 0))
}

func (f *personForm) entryFor(field string) *widget.Entry {
	switch field {
	case "name":
		return f.name
	case "title":
		return f.title
	case "mobile":
		return f.mobile
	case "office":
		return f.office
	}
	return nil
}
