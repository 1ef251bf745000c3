package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// reserveLines keeps room for a label of so many lines whether or not it
// shows, so that hints and errors coming and going move nothing below
// them: a click aimed at a field while a flag appears lands on that field.
func reserveLines(o fyne.CanvasObject, lines int) fyne.CanvasObject {
	return container.New(&reservedHeight{lines: lines}, o)
}

type reservedHeight struct{ lines int }

// height is that of a plain label of the reserved number of lines, the
// same widget the hints and errors are made of, in the current theme.
func (l *reservedHeight) height() float32 {
	return widget.NewLabel(strings.TrimSuffix(strings.Repeat("X\n", l.lines), "\n")).MinSize().Height
}

func (l *reservedHeight) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var min fyne.Size
	for _, o := range objects {
		if o.Visible() {
			min = min.Max(o.MinSize())
		}
	}
	// A text longer than the room kept still shows whole: better to move
	// once for an unusual text than to cut it.
	return fyne.NewSize(min.Width, max(min.Height, l.height()))
}

func (l *reservedHeight) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// mouseButton is a button for the mouse only: Tab passes it by and a key
// never presses it. 现在 beside the time received is one: a person typing
// a time and tabbing on must not land on it, where the space between date
// and hour would press it and overwrite the time just typed.
type mouseButton struct {
	widget.DisableableWidget
	text     string
	onTapped func()
	hovered  bool
}

func newMouseButton(text string, onTapped func()) *mouseButton {
	b := &mouseButton{text: text, onTapped: onTapped}
	b.ExtendBaseWidget(b)
	return b
}

func (b *mouseButton) Tapped(*fyne.PointEvent) {
	if !b.Disabled() && b.onTapped != nil {
		b.onTapped()
	}
}

func (b *mouseButton) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (b *mouseButton) MouseIn(*desktop.MouseEvent) { b.hovered = true; b.Refresh() }

func (b *mouseButton) MouseMoved(*desktop.MouseEvent) {}

func (b *mouseButton) MouseOut() { b.hovered = false; b.Refresh() }

func (b *mouseButton) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(color.Transparent)
	bg.CornerRadius = theme.InputRadiusSize()
	text := canvas.NewText(b.text, theme.Color(theme.ColorNameForeground))
	text.Alignment = fyne.TextAlignCenter
	r := &mouseButtonRenderer{b: b, bg: bg, text: text}
	r.Refresh()
	return r
}

type mouseButtonRenderer struct {
	b    *mouseButton
	bg   *canvas.Rectangle
	text *canvas.Text
}

func (r *mouseButtonRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	ts := r.text.MinSize()
	r.text.Move(fyne.NewPos(0, (size.Height-ts.Height)/2))
	r.text.Resize(fyne.NewSize(size.Width, ts.Height))
}

// MinSize matches a plain button's, so it lines up beside the entry.
func (r *mouseButtonRenderer) MinSize() fyne.Size {
	pad := theme.InnerPadding()
	ts := r.text.MinSize()
	return fyne.NewSize(ts.Width+pad*2, ts.Height+pad*2)
}

func (r *mouseButtonRenderer) Refresh() {
	r.text.Text = r.b.text
	r.text.TextSize = theme.TextSize()
	switch {
	case r.b.Disabled():
		r.bg.FillColor = theme.Color(theme.ColorNameDisabledButton)
		r.text.Color = theme.Color(theme.ColorNameDisabled)
	case r.b.hovered:
		r.bg.FillColor = theme.Color(theme.ColorNameHover)
		r.text.Color = theme.Color(theme.ColorNameForeground)
	default:
		r.bg.FillColor = theme.Color(theme.ColorNameButton)
		r.text.Color = theme.Color(theme.ColorNameForeground)
	}
	r.bg.Refresh()
	r.text.Refresh()
}

func (r *mouseButtonRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.text} }

func (r *mouseButtonRenderer) Destroy() {}
