package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
)

// hubSettings is the 联网 card of the settings screen: which hub this duty
// room syncs with, the certificate pin to confirm on first use, the login,
// and what went wrong last, in words a duty officer can act on.
type hubSettings struct {
	u *UI

	addr       *shortcutEntry
	pin        *shortcutEntry
	user       *shortcutEntry
	password   *widget.Entry
	connect    *widget.Button
	disconnect *widget.Button
	formError  *widget.Label

	state  *widget.Label
	err    *widget.Label
	detail *widget.Label

	pinBox     *fyne.Container
	pinShown   *widget.Label
	confirmPin *widget.Button
	presented  string // the pin the hub presented, waiting for confirmation

	filled  bool // the entries were filled from the kept settings once
	content fyne.CanvasObject
}

func newHubSettings(u *UI) *hubSettings {
	h := &hubSettings{u: u}
	h.addr = newShortcutEntry()
	h.addr.SetPlaceHolder("wss://10.0.0.5:7443")
	h.pin = newShortcutEntry()
	h.pin.SetPlaceHolder(lang.L("hub.pin_placeholder"))
	h.user = newShortcutEntry()
	h.password = widget.NewPasswordEntry()
	h.password.OnSubmitted = func(string) { h.onConnect() }
	h.connect = widget.NewButton(lang.L("hub.connect"), h.onConnect)
	h.connect.Importance = widget.HighImportance
	h.disconnect = widget.NewButton(lang.L("hub.disconnect"), h.onDisconnect)
	h.disconnect.Disable()
	h.formError = errorLabel()

	h.state = widget.NewLabel(lang.L("hub.state_none"))
	h.state.TextStyle.Bold = true
	h.state.Wrapping = fyne.TextWrapWord
	h.err = errorLabel()
	h.detail = hintLabel("")
	h.detail.Hide()

	h.pinShown = widget.NewLabel("")
	h.pinShown.TextStyle.Monospace = true
	h.pinShown.Selectable = true
	h.confirmPin = widget.NewButton(lang.L("hub.confirm_pin"), h.onConfirmPin)
	h.confirmPin.Importance = widget.HighImportance
	h.pinBox = container.NewVBox(
		widget.NewLabelWithStyle(lang.L("hub.pin_presented"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		h.pinShown, hintLabel(lang.L("hub.pin_check")), container.NewHBox(h.confirmPin))
	h.pinBox.Hide()

	form := widget.NewForm(
		widget.NewFormItem(lang.L("hub.addr"), h.addr),
		widget.NewFormItem(lang.L("hub.pin"), h.pin),
		widget.NewFormItem(lang.L("hub.user"), h.user),
		widget.NewFormItem(lang.L("hub.password"), h.password),
	)
	h.content = widget.NewCard(lang.L("settings.hub"), "", container.NewVBox(
		h.state, h.err, h.detail, h.pinBox, form, h.formError,
		container.NewHBox(h.connect, h.disconnect),
		hintLabel(lang.L("hub.password_hint")),
	))
	if u.svc.Hub == nil {
		for _, w := range []fyne.Disableable{h.addr, h.pin, h.user, h.password, h.connect} {
			w.Disable()
		}
		h.state.SetText(lang.L("hub.unavailable"))
	}
	return h
}

// show puts the connection's status on the card. The entries are filled
// from the kept settings the first time only, so news from the engine
// never overwrites what someone is typing.
func (h *hubSettings) show(s syncer.Status) {
	if !h.filled {
		h.filled = true
		h.addr.SetText(s.Addr)
		if s.Pin != "" {
			h.pin.SetText(wire.FormatPin(s.Pin))
		}
		h.user.SetText(s.Account)
	}
	h.state.SetText(hubStateText(s))
	if s.Running {
		h.disconnect.Enable()
	} else {
		h.disconnect.Disable()
	}

	h.presented = s.PinToConfirm
	if s.PinToConfirm != "" {
		h.pinShown.SetText(wire.FormatPin(s.PinToConfirm))
		h.pinBox.Show()
	} else {
		h.pinBox.Hide()
	}

	if msg := hubErrorText(s); msg != "" {
		h.err.SetText(msg)
		h.err.Show()
		// The hub's or the network's own words, for whoever looks after
		// the hub; the line above says it for the duty officer.
		h.detail.SetText(lang.L("hub.detail", map[string]any{"Detail": s.Err}))
		h.detail.Show()
	} else {
		h.err.Hide()
		h.detail.Hide()
	}
}

func (h *hubSettings) onConnect() {
	if h.u.svc.Hub == nil {
		return
	}
	hub := h.u.svc.Hub
	addr, pin, user, password := h.addr.Text, h.pin.Text, h.user.Text, h.password.Text
	h.formError.Hide()
	h.connect.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, hub.Connect(addr, pin, user, password) },
		func(_ struct{}, err error) {
			h.connect.Enable()
			if err != nil {
				h.formError.SetText(hubFormErrorText(err))
				h.formError.Show()
				return
			}
			// The engine holds the password until the hub answers; the
			// form must not keep it on screen.
			h.password.SetText("")
		})
}

func (h *hubSettings) onDisconnect() {
	hub := h.u.svc.Hub
	h.disconnect.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, hub.Disconnect() },
		func(_ struct{}, err error) {
			if err != nil {
				h.formError.SetText(errorText(err))
				h.formError.Show()
			}
		})
}

func (h *hubSettings) onConfirmPin() {
	hub, pin := h.u.svc.Hub, h.presented
	if pin == "" {
		return
	}
	h.confirmPin.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, hub.ConfirmPin(pin) },
		func(_ struct{}, err error) {
			h.confirmPin.Enable()
			if err != nil {
				h.formError.SetText(hubFormErrorText(err))
				h.formError.Show()
				return
			}
			h.pin.SetText(wire.FormatPin(pin))
		})
}

// hubStateText is the card's first line: the status bar's word with what
// goes with it.
func hubStateText(s syncer.Status) string {
	switch s.Reason() {
	case syncer.ReasonOnline:
		return lang.L("hub.state_online", map[string]any{"User": s.User})
	case syncer.ReasonReconnecting:
		if s.NextTry.IsZero() {
			return lang.L("hub.state_connecting")
		}
		return lang.L("hub.state_retrying", map[string]any{"Time": s.NextTry.Local().Format("15:04:05")})
	case syncer.ReasonNeedLogin:
		return lang.L("hub.state_need_login")
	case syncer.ReasonConfirmPin:
		return lang.L("hub.state_confirm_pin")
	}
	if s.Addr == "" {
		return lang.L("hub.state_none")
	}
	return lang.L("hub.state_off")
}

// hubErrorText says the last problem in plain words, by its code; the
// message itself is shown below it as detail.
func hubErrorText(s syncer.Status) string {
	if s.Err == "" {
		return ""
	}
	switch s.ErrCode {
	case "pin":
		if s.Pin != "" && s.PinToConfirm != "" && s.PinToConfirm != s.Pin {
			return lang.L("hub.error_pin_changed")
		}
		return lang.L("hub.error_pin_first")
	case wire.CodeUnauthorized:
		return lang.L("hub.error_unauthorized")
	case wire.CodeThrottled:
		return lang.L("hub.error_throttled")
	case wire.CodeVersion:
		return lang.L("hub.error_version")
	case wire.CodeForbidden:
		return lang.L("hub.error_forbidden")
	case wire.CodeConflict:
		return lang.L("hub.error_conflict")
	case syncer.CodeSecondFolder:
		return lang.L("hub.error_second_folder")
	case wire.CodeInvalid:
		return lang.L("hub.error_refused")
	}
	if s.Online {
		return ""
	}
	return lang.L("hub.error_unreachable")
}

// hubFormErrorText says what is wrong with what was typed.
func hubFormErrorText(err error) string {
	if app.ErrorCode(err) == app.EINVALID {
		switch app.ErrorField(err) {
		case "addr":
			return lang.L("hub.error_addr")
		case "pin":
			return lang.L("hub.error_pin_format")
		case "user":
			return lang.L("hub.error_user")
		case "password":
			return lang.L("hub.error_password")
		}
	}
	return errorText(err)
}
