package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// newPlaceholder is the panel of a capability that is not built yet: it says
// what is coming, so nobody takes an empty screen for a fault.
func newPlaceholder(icon fyne.Resource, title, text string) fyne.CanvasObject {
	img := widget.NewIcon(icon)
	heading := widget.NewLabel(title)
	heading.TextStyle.Bold = true
	heading.SizeName = theme.SizeNameHeadingText
	heading.Alignment = fyne.TextAlignCenter
	body := widget.NewLabel(text)
	body.Alignment = fyne.TextAlignCenter
	body.Wrapping = fyne.TextWrapWord
	note := widget.NewLabel(lang.L("placeholder.note"))
	note.Alignment = fyne.TextAlignCenter
	note.Importance = widget.LowImportance
	note.Wrapping = fyne.TextWrapWord
	iconBox := container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(64), img))
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(480, 240),
		container.NewVBox(iconBox, heading, body, note)))
}
