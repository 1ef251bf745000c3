package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fillColumns lays a table out so its columns use the width the window
// gives it: each column has its least width, and what is left over goes
// to the columns a reader needs whole (an incident's summary, a station's
// name), in proportion to their weights. Fixed widths cut the summary
// short while the space after the last column stood empty.
type fillColumns struct {
	table   *widget.Table
	least   []float32 // each column's least width
	weights []float32 // each column's share of the space left; 0 for none
	width   float32   // the width last laid out for
}

// newFillTable returns t in a container that sets its column widths from
// its own width, least and weights as fillColumns has them.
func newFillTable(t *widget.Table, least, weights []float32) *fyne.Container {
	l := &fillColumns{table: t, least: least, weights: weights, width: -1}
	l.setWidths(0)
	return container.New(l, t)
}

func (l *fillColumns) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	if size.Width != l.width {
		l.width = size.Width
		l.setWidths(size.Width)
	}
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l *fillColumns) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var min fyne.Size
	for _, o := range objects {
		min = min.Max(o.MinSize())
	}
	return min
}

// setWidths gives each column its least width and shares out what the
// width leaves beyond them; the scroll bar's width is kept free so the
// last column is not drawn under it.
func (l *fillColumns) setWidths(width float32) {
	for i, w := range columnWidths(width, l.least, l.weights) {
		l.table.SetColumnWidth(i, w)
	}
}

// columnWidths is the width of each column of a table width wide.
func columnWidths(width float32, least, weights []float32) []float32 {
	out := append([]float32(nil), least...)
	used := theme.ScrollBarSize() + theme.Padding()
	for _, w := range least {
		used += w + theme.SeparatorThicknessSize()
	}
	var total float32
	for _, w := range weights {
		total += w
	}
	spare := width - used
	if spare <= 0 || total == 0 {
		return out
	}
	for i := range out {
		if i < len(weights) {
			out[i] += spare * weights[i] / total
		}
	}
	return out
}

// labelWidth is the width a table cell's label needs to show the longest
// of texts whole, at most max: columns whose words differ in length
// between languages ("火灾" and "Low temperature, snow and ice") take
// their least width from what they will show.
func labelWidth(max float32, texts ...string) float32 {
	var w float32
	for _, t := range texts {
		w = fyne.Max(w, fyne.MeasureText(t, theme.TextSize(), fyne.TextStyle{}).Width)
	}
	return fyne.Min(w+2*theme.InnerPadding()+1, max)
}
