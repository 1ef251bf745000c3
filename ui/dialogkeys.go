package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// closeKeys closes an information dialog with Enter or Escape. Fyne's
// dialogs take no keys of their own, so the dialog carries this invisible
// widget and it holds the keyboard while the dialog is open; a dialog
// with one button has nothing else to type into.
type closeKeys struct {
	widget.BaseWidget
	close   func()
	confirm func() // set on a two-button dialog: Enter confirms, Escape cancels
}

func newCloseKeys() *closeKeys {
	k := &closeKeys{}
	k.ExtendBaseWidget(k)
	return k
}

func (k *closeKeys) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

func (k *closeKeys) FocusGained()   {}
func (k *closeKeys) FocusLost()     {}
func (k *closeKeys) TypedRune(rune) {}

func (k *closeKeys) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if k.confirm != nil {
			k.confirm()
			return
		}
		if k.close != nil {
			k.close()
		}
	case fyne.KeyEscape:
		if k.close != nil {
			k.close()
		}
	}
}

// newKeyedDialog is dialog.NewCustom whose dialog closes with Enter and
// Escape as well as its button; show it with showKeyed.
func newKeyedDialog(title, dismiss string, content fyne.CanvasObject, win fyne.Window) (*dialog.CustomDialog, *closeKeys) {
	k := newCloseKeys()
	d := dialog.NewCustom(title, dismiss, container.NewStack(k, content), win)
	k.close = d.Hide
	return d, k
}

// showKeyed shows d and gives its keys the keyboard.
func showKeyed(d dialog.Dialog, k *closeKeys, win fyne.Window) {
	d.Show()
	win.Canvas().Focus(k)
}

// showKeyedMessage shows a short message with one button in win, closing
// with Enter and Escape too: UI.showMessage for the main window, and for
// the consultation window, which has its own.
func showKeyedMessage(win fyne.Window, title, text, dismiss string) {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	d, keys := newKeyedDialog(title, dismiss, msg, win)
	d.Resize(fyne.NewSize(420, 0))
	showKeyed(d, keys, win)
}

// newKeyedConfirm is dialog.NewCustomConfirm whose dialog answers Enter
// with its confirm button and Escape with its dismiss button, as a person
// at a keyboard expects of a two-button dialog; show it with showKeyed.
func newKeyedConfirm(title, confirm, dismiss string, content fyne.CanvasObject, callback func(bool), win fyne.Window) (*dialog.ConfirmDialog, *closeKeys) {
	k := newCloseKeys()
	d := dialog.NewCustomConfirm(title, confirm, dismiss, container.NewStack(k, content), callback, win)
	k.close, k.confirm = d.Dismiss, d.Confirm
	return d, k
}

// showKeyedConfirm shows a question with a button that does it, named for
// what it does, and 取消; Enter and Escape answer too.
func showKeyedConfirm(win fyne.Window, title, text, confirm string, callback func(bool)) {
	showKeyedQuestion(win, title, text, confirm, widget.HighImportance, callback)
}

// showKeyedQuestion is showKeyedConfirm with the importance of the button
// that does it: danger for what cannot be undone.
func showKeyedQuestion(win fyne.Window, title, text, confirm string, importance widget.Importance, callback func(bool)) {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	d, keys := newKeyedConfirm(title, confirm, lang.L("action.cancel"), msg, callback, win)
	d.SetConfirmImportance(importance)
	d.Resize(fyne.NewSize(420, 0))
	showKeyed(d, keys, win)
}
