package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
)

// stationForm adds a station under the selected one, or edits a station. The
// tier follows from the parent (a station sits exactly one tier below it) and
// neither changes once created, so both are shown, not asked.
type stationForm struct {
	u       *UI
	station app.Station // as it was when the form opened
	isNew   bool
	onSaved func(app.Station)

	name, code, phone *widget.Entry
	tier, parent      *widget.Label
	errs              map[string]*widget.Label // by field; "" for the whole record
	save, cancel      *widget.Button
	body              *fyne.Container
	dlg               *dialog.CustomDialog
}

func newStationForm(u *UI, s app.Station, parent *app.Station, isNew bool, onSaved func(app.Station)) *stationForm {
	f := &stationForm{u: u, station: s, isNew: isNew, onSaved: onSaved}
	f.errs = map[string]*widget.Label{"": errorLabel()}
	for _, field := range []string{"name", "code", "tier", "phone"} {
		f.errs[field] = errorLabel()
	}
	f.name = f.entry("name", s.Name)
	f.code = f.entry("code", s.Code)
	f.code.SetPlaceHolder("433101")
	f.phone = f.entry("phone", s.Phone)
	f.phone.SetPlaceHolder("0743-8221234")
	f.tier = widget.NewLabel(tierLabel(s.Tier))
	f.parent = widget.NewLabel(lang.L("station.no_parent"))
	if parent != nil {
		f.parent.SetText(parent.Name)
	}

	form := widget.NewForm(
		widget.NewFormItem(lang.L("station.parent"), f.parent),
		widget.NewFormItem(lang.L("station.tier"), container.NewVBox(f.tier, f.errs["tier"])),
		widget.NewFormItem(lang.L("station.name"), container.NewVBox(f.name, f.errs["name"])),
		widget.NewFormItem(lang.L("station.code"), container.NewVBox(f.code, f.errs["code"])),
		widget.NewFormItem(lang.L("station.phone"), container.NewVBox(f.phone, f.errs["phone"])),
	)
	hint := widget.NewLabel(lang.L("station.code_hint"))
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord

	f.save = widget.NewButton(lang.L("action.save"), f.onSave)
	f.save.Importance = widget.HighImportance
	f.cancel = widget.NewButton(lang.L("action.cancel"), f.onCancel)

	title := lang.L("station.edit_title")
	if isNew {
		title = lang.L("station.add_title")
	}
	f.body = container.NewVBox(form, hint, f.errs[""])
	f.dlg = dialog.NewCustomWithoutButtons(title, f.body, u.win)
	f.dlg.SetButtons([]fyne.CanvasObject{f.cancel, f.save})
	f.resize()
	return f
}

func (f *stationForm) entry(field, text string) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(text)
	e.OnChanged = func(string) { f.clearError(field) }
	e.OnSubmitted = func(string) { f.onSave() }
	return e
}

func (f *stationForm) show() {
	f.dlg.Show()
	f.u.win.Canvas().Focus(f.name)
}

func (f *stationForm) entered() app.Station {
	s := f.station
	s.Name = f.name.Text
	s.Code = f.code.Text
	s.Phone = f.phone.Text
	return s
}

func (f *stationForm) onSave() {
	if f.save.Disabled() {
		return // Enter pressed while the last save is still running
	}
	s := f.entered()
	for field := range f.errs {
		f.clearError(field)
	}
	f.save.Disable()
	ctx, svc, isNew := f.u.ctx, f.u.svc.Stations, f.isNew
	runAsync(func() (app.Station, error) {
		stored := s
		if isNew {
			return stored, svc.CreateStation(ctx, &stored)
		}
		return stored, svc.UpdateStation(ctx, &stored)
	}, func(stored app.Station, err error) { f.onSaveDone(s, stored, err) })
}

func (f *stationForm) onSaveDone(entered, stored app.Station, err error) {
	f.save.Enable()
	if err != nil {
		f.showError(err, entered)
		return
	}
	f.dlg.Hide()
	f.onSaved(stored)
}

func (f *stationForm) onCancel() { f.dlg.Hide() }

func (f *stationForm) showError(err error, entered app.Station) {
	field := stationErrorField(err)
	label, ok := f.errs[field]
	if !ok {
		label = f.errs[""]
	}
	label.SetText(stationErrorText(err, entered))
	label.Show()
	f.resize()
	switch field {
	case "name":
		f.u.win.Canvas().Focus(f.name)
	case "code":
		f.u.win.Canvas().Focus(f.code)
	case "phone":
		f.u.win.Canvas().Focus(f.phone)
	}
}

func (f *stationForm) clearError(field string) {
	if l := f.errs[field]; l != nil && l.Visible() {
		l.SetText("")
		l.Hide()
		f.resize()
	}
}

// resize lays the form out again after an error message came or went, so
// the message sits under its field instead of over the next one.
func (f *stationForm) resize() {
	f.body.Refresh()
	f.dlg.Resize(fyne.NewSize(520, 0))
}
