package ui

import (
	"image/color"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app/roster"
)

// Text sizes of a day cell: its lines are set smaller than body text so a
// holiday's five posts fit a 1024×700 window, and no smaller than a
// caption, which is the least a duty officer reads at arm's length.
const (
	cellNumberSize = 14
	cellTagSize    = 11
	cellLineSize   = 12
	cellSmallSize  = 11 // a line too long at cellLineSize tries this before it is cut
	cellPad        = 4
	cellMaxLines   = 6
)

// dayView is what one cell of the month grid shows.
type dayView struct {
	date  roster.Date
	blank bool // a day of the month before or after
	today bool
	info  roster.DayInfo
	lines []cellLine
}

// cellLine is one role of the day: its mark and who holds it.
type cellLine struct {
	abbr  string
	names string
	gap   bool // a post of the day's template is empty
}

// dayCell is one day of the month grid. It draws text directly rather than
// with labels: a label's padding would leave room for two posts, not five.
type dayCell struct {
	widget.BaseWidget
	view  dayView
	onTap func(roster.Date)
}

func newDayCell(onTap func(roster.Date)) *dayCell {
	c := &dayCell{onTap: onTap, view: dayView{blank: true}}
	c.ExtendBaseWidget(c)
	return c
}

func (c *dayCell) set(v dayView) {
	c.view = v
	c.Refresh()
}

// Tapped opens the day.
func (c *dayCell) Tapped(*fyne.PointEvent) {
	if !c.view.blank && c.onTap != nil {
		c.onTap(c.view.date)
	}
}

func (c *dayCell) CreateRenderer() fyne.WidgetRenderer {
	r := &dayCellRenderer{
		c:      c,
		bg:     canvas.NewRectangle(color.Transparent),
		number: canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		tag:    canvas.NewText("", theme.Color(theme.ColorNameForeground)),
	}
	r.number.TextSize = cellNumberSize
	r.number.TextStyle.Bold = true
	r.tag.TextSize = cellTagSize
	for i := 0; i < cellMaxLines; i++ {
		t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
		t.TextSize = cellLineSize
		r.lines = append(r.lines, t)
	}
	r.update()
	return r
}

type dayCellRenderer struct {
	c       *dayCell
	bg      *canvas.Rectangle
	number  *canvas.Text
	tag     *canvas.Text
	tagText string // before cutting to the cell's width
	lines   []*canvas.Text
}

func (r *dayCellRenderer) Destroy() {}

func (r *dayCellRenderer) MinSize() fyne.Size {
	// Small: the grid, not the cell, decides the size; the text is cut to
	// whatever room there is.
	return fyne.NewSize(40, 40)
}

func (r *dayCellRenderer) Objects() []fyne.CanvasObject {
	out := []fyne.CanvasObject{r.bg, r.number, r.tag}
	for _, t := range r.lines {
		out = append(out, t)
	}
	return out
}

func (r *dayCellRenderer) Refresh() {
	r.update()
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

// update sets texts and colours from the view; Layout places and cuts them.
func (r *dayCellRenderer) update() {
	v := r.c.view
	fg := theme.Color(theme.ColorNameForeground)
	red := theme.Color(theme.ColorNameError)
	r.bg.StrokeWidth = 1
	r.bg.StrokeColor = theme.Color(theme.ColorNameSeparator)
	r.bg.FillColor = color.Transparent
	if v.blank {
		r.bg.StrokeColor = color.Transparent
		r.number.Text, r.tag.Text, r.tagText = "", "", ""
		for _, t := range r.lines {
			t.Text = ""
		}
		return
	}
	switch {
	case v.info.Kind == roster.Holiday:
		r.bg.FillColor = withAlpha(red, 0x1c)
	case v.info.Kind == roster.Weekend:
		r.bg.FillColor = withAlpha(fg, 0x0e)
	}
	if v.today {
		r.bg.StrokeColor = theme.Color(theme.ColorNamePrimary)
		r.bg.StrokeWidth = 2
	}
	r.number.Text = strconv.Itoa(v.date.D)
	r.number.Color = fg
	if v.info.Kind == roster.Holiday {
		r.number.Color = red
	}
	r.tagText, r.tag.Color, r.tag.TextStyle = cellTag(v.info)
	for i, t := range r.lines {
		t.Text = ""
		if i >= len(v.lines) {
			continue
		}
		l := v.lines[i]
		t.Text = l.abbr + " " + l.names
		t.Color = fg
		if l.gap {
			t.Color = red
		}
	}
}

// cellTag is the mark at the top right: the holiday's name in red, 班 on a
// make-up working day, or the special period's name.
func cellTag(info roster.DayInfo) (string, color.Color, fyne.TextStyle) {
	switch {
	case info.Kind == roster.Holiday:
		name := info.Name
		if name == "" {
			name = dayKindLabel(roster.DayInfo{Kind: roster.Holiday})
		}
		return name, theme.Color(theme.ColorNameError), fyne.TextStyle{Bold: true}
	case info.Kind == roster.Workday && info.Date.IsWeekend():
		return lang.L("roster.makeup_mark"), theme.Color(theme.ColorNameWarning), fyne.TextStyle{Bold: true}
	case info.Special != "":
		return info.Special, theme.Color(theme.ColorNamePrimary), fyne.TextStyle{}
	}
	return "", theme.Color(theme.ColorNameForeground), fyne.TextStyle{}
}

func (r *dayCellRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.bg.Move(fyne.NewPos(0, 0))
	width := size.Width - 2*cellPad
	numSize := fyne.MeasureText(r.number.Text, r.number.TextSize, r.number.TextStyle)
	r.number.Move(fyne.NewPos(cellPad, cellPad/2))
	r.number.Resize(numSize)

	r.tag.Text = fitText(r.tagText, width-numSize.Width-cellPad, r.tag.TextSize, r.tag.TextStyle)
	tagSize := fyne.MeasureText(r.tag.Text, r.tag.TextSize, r.tag.TextStyle)
	r.tag.Move(fyne.NewPos(size.Width-cellPad-tagSize.Width, cellPad/2+(numSize.Height-tagSize.Height)/2))
	r.tag.Resize(tagSize)

	y := cellPad/2 + numSize.Height
	// Lines are spaced at the font's line height while they fit; in a
	// short cell (a 1366×768 screen, a holiday with four posts) they close
	// up, down to a point more than the text size, before the last one is
	// dropped: Noto's line height leaves room to spare for Chinese.
	step := fyne.MeasureText("国", cellLineSize, fyne.TextStyle{}).Height
	if n := r.shownLines(); n > 0 {
		if avail := size.Height - 1 - y; float32(n)*step > avail {
			step = fyne.Max(avail/float32(n), cellLineSize+1)
		}
	}
	for i, t := range r.lines {
		if i < len(r.c.view.lines) && !r.c.view.blank {
			l := r.c.view.lines[i]
			full := l.abbr + " " + l.names
			t.TextSize = cellLineSize
			if !fitsText(full, width, cellLineSize, t.TextStyle) {
				t.TextSize = cellSmallSize
			}
			t.Text = fitText(full, width, t.TextSize, t.TextStyle)
		}
		h := fyne.MeasureText("国", cellLineSize, t.TextStyle).Height
		if y+step > size.Height-1 {
			t.Hide()
			continue
		}
		t.Show()
		t.Move(fyne.NewPos(cellPad, y))
		t.Resize(fyne.NewSize(width, h))
		y += step
	}
}

// shownLines is how many of the cell's lines have something to show.
func (r *dayCellRenderer) shownLines() int {
	if r.c.view.blank {
		return 0
	}
	return min(len(r.c.view.lines), len(r.lines))
}

func fitsText(s string, width, size float32, style fyne.TextStyle) bool {
	return fyne.MeasureText(s, size, style).Width <= width
}

// fitText cuts s to width, marking the cut with an ellipsis.
func fitText(s string, width, size float32, style fyne.TextStyle) string {
	if s == "" || fitsText(s, width, size, style) {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		if t := string(r) + "…"; fitsText(t, width, size, style) {
			return t
		}
	}
	return ""
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// monthGrid is the calendar: seven columns Monday to Sunday under their
// headings, four to six weeks.
type monthGrid struct {
	headers []fyne.CanvasObject
	cells   []*dayCell
	layout  *gridLayout
	content *fyne.Container
}

func newMonthGrid(onTap func(roster.Date)) *monthGrid {
	g := &monthGrid{layout: &gridLayout{rows: 6}}
	var objects []fyne.CanvasObject
	for i := 0; i < 7; i++ {
		w := time.Weekday((i + 1) % 7)
		t := canvas.NewText(weekdayShort(w), theme.Color(theme.ColorNameForeground))
		t.TextStyle.Bold = true
		t.Alignment = fyne.TextAlignCenter
		if w == time.Saturday || w == time.Sunday {
			t.Color = theme.Color(theme.ColorNamePlaceHolder)
		}
		g.headers = append(g.headers, t)
		objects = append(objects, t)
	}
	for i := 0; i < 42; i++ {
		c := newDayCell(onTap)
		g.cells = append(g.cells, c)
		objects = append(objects, c)
	}
	g.content = container.New(g.layout, objects...)
	return g
}

// gridLayout puts the seven headings in a row and the cells under them in
// as many weeks as the month spans.
type gridLayout struct {
	rows int
}

const gridGap = 2

func (l *gridLayout) headerHeight() float32 {
	return fyne.MeasureText("一", theme.TextSize(), fyne.TextStyle{Bold: true}).Height + 2*cellPad
}

func (l *gridLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	colW := (size.Width - 6*gridGap) / 7
	hh := l.headerHeight()
	for i := 0; i < 7; i++ {
		objects[i].Move(fyne.NewPos(float32(i)*(colW+gridGap), cellPad))
		objects[i].Resize(fyne.NewSize(colW, hh-2*cellPad))
	}
	rowH := (size.Height - hh - float32(l.rows-1)*gridGap) / float32(l.rows)
	for i, o := range objects[7:] {
		row, col := i/7, i%7
		if row >= l.rows {
			o.Hide()
			continue
		}
		o.Show()
		o.Move(fyne.NewPos(float32(col)*(colW+gridGap), hh+float32(row)*(rowH+gridGap)))
		o.Resize(fyne.NewSize(colW, rowH))
	}
}

func (l *gridLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(7*56+6*gridGap, l.headerHeight()+6*56)
}

// show puts the month's days in the grid, Monday first.
func (g *monthGrid) show(m roster.Month, views map[roster.Date]dayView) {
	first := m.First()
	offset := (int(first.Weekday()) + 6) % 7 // Monday is column 0
	days := m.Last().D
	g.layout.rows = (offset + days + 6) / 7
	for i, c := range g.cells {
		d := i - offset + 1
		if d < 1 || d > days {
			c.set(dayView{blank: true})
			continue
		}
		date := roster.NewDate(m.Y, m.M, d)
		v, ok := views[date]
		if !ok {
			v = dayView{date: date}
		}
		c.set(v)
	}
	g.content.Refresh()
}
