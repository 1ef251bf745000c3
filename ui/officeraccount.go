package ui

import (
	"slices"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/villagereport"
	"dutyroom/app/wire"
)

// 通讯录 → 手机填报账号: a village's information officer gets an account
// for the hub's phone page (/report) from the township or county. The
// account lives at the hub alone and is set there at once, so the dialog
// works online only and says so.

// canSetAccount reports whether p is an information officer of a village
// and the window can reach the hub's accounts.
func (d *directoryScreen) canSetAccount(p app.Person) bool {
	if d.u.svc.OfficerAccounts == nil || d.data.tree == nil || !slices.Contains(p.Roles, app.RoleInfoOfficer) {
		return false
	}
	s := d.data.tree.Station(p.Station)
	return s != nil && s.Tier == app.TierVillage
}

// officerDialog sets up, changes or revokes one officer's account.
type officerDialog struct {
	d      *directoryScreen
	person app.Person

	login    *widget.Entry
	password *widget.Entry
	again    *widget.Entry
	disable  *widget.Check
	offline  *widget.Label
	err      *widget.Label
	ok       *widget.Button
	dlg      *dialog.CustomDialog
}

func (d *directoryScreen) onOfficerAccount(p app.Person) {
	o := &officerDialog{d: d, person: p, err: errorLabel()}
	o.login = widget.NewEntry()
	o.login.SetText(p.Mobile)
	o.login.SetPlaceHolder(lang.L("officer.login_placeholder"))
	o.password = widget.NewPasswordEntry()
	o.password.SetPlaceHolder(lang.L("officer.password_placeholder", map[string]any{"N": villagereport.MinPasswordLen}))
	o.again = widget.NewPasswordEntry()
	o.disable = widget.NewCheck(lang.L("officer.disable"), o.onDisable)
	for _, e := range []*widget.Entry{o.login, o.password, o.again} {
		e.OnChanged = func(string) { o.err.Hide() }
	}
	o.again.OnSubmitted = func(string) { o.onOK() }

	village := stationName(d.data.tree, p.Station)
	hint := widget.NewLabel(lang.L("officer.hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	o.offline = widget.NewLabel(lang.L("officer.error_offline"))
	o.offline.Wrapping = fyne.TextWrapWord
	o.offline.Importance = widget.WarningImportance
	o.offline.Hide()
	if h := d.u.svc.Hub; h == nil || h.Status().Reason() != syncer.ReasonOnline {
		o.offline.Show()
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("officer.person"), widget.NewLabel(p.Name+" · "+village)),
		widget.NewFormItem(lang.L("officer.login"), o.login),
		widget.NewFormItem(lang.L("officer.password"), o.password),
		widget.NewFormItem(lang.L("officer.again"), o.again),
		widget.NewFormItem("", o.disable),
	)
	o.ok = widget.NewButton(lang.L("officer.save"), o.onOK)
	o.ok.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { o.dlg.Hide() })
	o.dlg = dialog.NewCustomWithoutButtons(lang.L("officer.title"), container.NewVBox(hint, form, o.offline, o.err), d.u.win)
	o.dlg.SetButtons([]fyne.CanvasObject{cancel, o.ok})
	o.dlg.Resize(fyne.NewSize(560, 0))
	o.dlg.Show()
	d.u.win.Canvas().Focus(o.password)
}

// onDisable: a revoked account needs no password.
func (o *officerDialog) onDisable(on bool) {
	o.err.Hide()
	enable(o.password, !on)
	enable(o.again, !on)
	if on {
		o.ok.SetText(lang.L("officer.revoke"))
		o.ok.Importance = widget.DangerImportance
	} else {
		o.ok.SetText(lang.L("officer.save"))
		o.ok.Importance = widget.HighImportance
	}
	o.ok.Refresh()
}

func (o *officerDialog) fail(text string) {
	o.err.SetText(text)
	o.err.Show()
	o.dlg.Refresh()
}

func (o *officerDialog) onOK() {
	if o.ok.Disabled() {
		return
	}
	login, password, again, revoke := strings.TrimSpace(o.login.Text), o.password.Text, o.again.Text, o.disable.Checked
	switch {
	case login == "":
		o.fail(lang.L("officer.error_login_required"))
		return
	case !revoke && password != "" && utf8.RuneCountInString(password) < villagereport.MinPasswordLen:
		o.fail(lang.L("officer.error_password_short", map[string]any{"N": villagereport.MinPasswordLen}))
		return
	case !revoke && password != again:
		o.fail(lang.L("officer.error_password_differ"))
		return
	}
	o.ok.Disable()
	ctx, svc, person := o.d.u.ctx, o.d.u.svc.OfficerAccounts, o.person.ID
	runAsync(func() (wire.OfficerAccountState, error) {
		if revoke {
			return svc.Revoke(ctx, person, login)
		}
		return svc.SetAccount(ctx, person, login, password)
	}, func(st wire.OfficerAccountState, err error) {
		o.ok.Enable()
		if err != nil {
			o.fail(officerErrorText(err))
			return
		}
		o.dlg.Hide()
		if st.Disabled {
			o.d.flash(lang.L("officer.revoked", map[string]any{"Name": o.person.Name, "Login": st.Login}))
		} else {
			o.d.flash(lang.L("officer.saved", map[string]any{"Name": o.person.Name, "Login": st.Login}))
		}
	})
}

// officerErrorText says in words why the hub, or the missing link to it,
// refused the account.
func officerErrorText(err error) string {
	switch app.ErrorField(err) {
	case villagereport.FieldOffline:
		return lang.L("officer.error_offline")
	case villagereport.FieldPassword:
		return lang.L("officer.error_password_short", map[string]any{"N": villagereport.MinPasswordLen})
	case villagereport.FieldLogin:
		if app.ErrorCode(err) == app.EINVALID && strings.Contains(app.ErrorMessage(err), "already used") {
			return lang.L("officer.error_login_taken")
		}
		return lang.L("officer.error_login_required")
	case villagereport.FieldHub:
		switch app.ErrorCode(err) {
		case app.EFORBIDDEN:
			return lang.L("officer.error_forbidden", map[string]any{"Detail": app.ErrorMessage(err)})
		case app.ECONFLICT:
			return lang.L("officer.error_busy")
		}
		return lang.L("officer.error_hub", map[string]any{"Detail": app.ErrorMessage(err)})
	}
	return errorText(err)
}
