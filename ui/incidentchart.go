package ui

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"dutyroom/assets"
)

// A chart is laid out once, as shapes, and drawn two ways: with Fyne's
// canvas objects on the screen, and straight into an image for the PNG
// export. The export needs no window, so it works headless and under
// Xvfb, where capturing a window gives a blank image.

// chartSeries is one layer of stacked bars, named in the legend.
type chartSeries struct {
	name  string
	color color.NRGBA
}

// chartBar is one bar: a value per series, stacked; a label under or
// beside it; a note at its end, the total when empty.
type chartBar struct {
	label  string
	values []float64
	note   string
	color  *color.NRGBA // overrides the series colour for a bar of its own colour
}

// chartData is everything a chart shows.
type chartData struct {
	title      string
	horizontal bool // bars grow to the right, one row each: rankings and long names
	series     []chartSeries
	bars       []chartBar
	max        float64 // the end of the value axis; 0 means the largest bar
	percent    bool    // the axis counts percent
	empty      string  // said when there are no bars
}

// chartPalette is the colours of everything but the bars.
type chartPalette struct {
	bg, fg, muted, grid color.NRGBA
}

// printPalette is black on white, for files.
var printPalette = chartPalette{
	bg:    color.NRGBA{0xff, 0xff, 0xff, 0xff},
	fg:    color.NRGBA{0x21, 0x21, 0x21, 0xff},
	muted: color.NRGBA{0x61, 0x61, 0x61, 0xff},
	grid:  color.NRGBA{0xe0, 0xe0, 0xe0, 0xff},
}

func screenPalette() chartPalette {
	nrgba := func(c color.Color) color.NRGBA { return color.NRGBAModel.Convert(c).(color.NRGBA) }
	return chartPalette{
		bg:    nrgba(theme.Color(theme.ColorNameInputBackground)),
		fg:    nrgba(theme.Color(theme.ColorNameForeground)),
		muted: nrgba(theme.Color(theme.ColorNamePlaceHolder)),
		grid:  nrgba(theme.Color(theme.ColorNameSeparator)),
	}
}

// Sizes of the chart's text, in points on the screen and pixels in a file.
const (
	chartTitleSize = 14
	chartTextSize  = 12
	chartPad       = 8
	chartRowHeight = 26 // a row of a ranking
)

type shapeKind int

const (
	shapeRect shapeKind = iota
	shapeText
	shapeLine
)

// chartShape is one thing drawn. For text, (x, y) is the top of the line
// at the left edge, the centre or the right edge as align says.
type chartShape struct {
	kind       shapeKind
	x, y, w, h float32
	color      color.NRGBA
	text       string
	size       float32
	bold       bool
	align      fyne.TextAlign
}

// measureFunc returns the width and height of a text at a size.
type measureFunc func(text string, size float32, bold bool) (float32, float32)

// chartMinSize is the least room a chart needs to be read.
func (d chartData) minSize() fyne.Size {
	header := float32(chartPad * 2)
	if d.title != "" {
		header += chartTitleSize * 1.6
	}
	if len(d.series) > 1 {
		header += chartTextSize * 1.8
	}
	if d.horizontal {
		return fyne.NewSize(360, header+float32(max(len(d.bars), 1))*chartRowHeight+chartPad)
	}
	return fyne.NewSize(360, 240)
}

// layoutChart places everything of a chart in a w×h box.
func layoutChart(d chartData, w, h float32, measure measureFunc, pal chartPalette) []chartShape {
	var out []chartShape
	add := func(s chartShape) { out = append(out, s) }
	add(chartShape{kind: shapeRect, w: w, h: h, color: pal.bg})
	top := float32(chartPad)
	if d.title != "" {
		_, titleH := measure(d.title, chartTitleSize, true)
		add(chartShape{kind: shapeText, x: chartPad, y: chartPad, text: d.title, size: chartTitleSize, bold: true, color: pal.fg})
		top += titleH + chartPad/2
	}

	_, textH := measure("0", chartTextSize, false)
	if len(d.series) > 1 {
		x := float32(chartPad)
		for _, s := range d.series {
			tw, _ := measure(s.name, chartTextSize, false)
			if x+textH+4+tw > w-chartPad && x > chartPad {
				x = chartPad
				top += textH + 4
			}
			add(chartShape{kind: shapeRect, x: x, y: top + textH*0.15, w: textH * 0.7, h: textH * 0.7, color: s.color})
			add(chartShape{kind: shapeText, x: x + textH*0.7 + 4, y: top, text: s.name, size: chartTextSize, color: pal.fg})
			x += textH*0.7 + 4 + tw + 12
		}
		top += textH + 6
	}

	if len(d.bars) == 0 {
		add(chartShape{kind: shapeText, x: w / 2, y: (top + h) / 2, text: d.empty, size: chartTextSize, color: pal.muted, align: fyne.TextAlignCenter})
		return out
	}
	end := d.max
	if end <= 0 {
		for _, b := range d.bars {
			end = max(end, total(b))
		}
	}
	step, steps := axisSteps(end)
	end = step * float64(steps)
	if d.horizontal {
		return append(out, layoutRows(d, end, w, h, top, measure, pal)...)
	}
	return append(out, layoutColumns(d, end, steps, w, h, top, measure, pal)...)
}

func total(b chartBar) float64 {
	t := 0.0
	for _, v := range b.values {
		t += v
	}
	return t
}

// axisSteps divides an axis reaching at least v into at most five equal
// steps of 1, 2 or 5 times a power of ten, so every grid line falls on a
// round number and counts stay whole. It returns the step and how many.
func axisSteps(v float64) (float64, int) {
	if v <= 0 {
		return 1, 1
	}
	for p := 1.0; ; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			step := m * p
			if n := math.Ceil(v / step); n <= 5 {
				return step, int(n)
			}
		}
	}
}

func axisLabel(v float64, percent bool) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if percent {
		return s + "%"
	}
	return s
}

func barColor(d chartData, b chartBar, series int) color.NRGBA {
	if b.color != nil {
		return *b.color
	}
	if series < len(d.series) {
		return d.series[series].color
	}
	return color.NRGBA{0x54, 0x70, 0xc6, 0xff}
}

// layoutColumns draws bars standing on a value axis, one per label.
func layoutColumns(d chartData, end float64, steps int, w, h, top float32, measure measureFunc, pal chartPalette) []chartShape {
	var out []chartShape
	add := func(s chartShape) { out = append(out, s) }
	_, textH := measure("0", chartTextSize, false)
	axisW := float32(0)
	for i := 0; i <= steps; i++ {
		tw, _ := measure(axisLabel(end*float64(i)/float64(steps), d.percent), chartTextSize, false)
		axisW = max(axisW, tw)
	}
	left := chartPad + axisW + 6
	right := w - chartPad
	bottom := h - chartPad - textH - 4
	plotTop := top + textH + 2 // room for the notes above the bars
	plotH := bottom - plotTop
	if plotH < 10 || right-left < 10 {
		return out
	}
	for i := 0; i <= steps; i++ {
		y := bottom - plotH*float32(i)/float32(steps)
		add(chartShape{kind: shapeLine, x: left, y: y, w: right - left, color: pal.grid})
		add(chartShape{kind: shapeText, x: left - 6, y: y - textH/2, text: axisLabel(end*float64(i)/float64(steps), d.percent),
			size: chartTextSize, color: pal.muted, align: fyne.TextAlignTrailing})
	}
	slot := (right - left) / float32(len(d.bars))
	barW := slot * 0.62
	// Labels too wide for their slot show every few bars, never on top of
	// one another.
	widest := float32(0)
	for _, b := range d.bars {
		tw, _ := measure(b.label, chartTextSize, false)
		widest = max(widest, tw)
	}
	every := 1
	for float32(every)*slot < widest+6 && every < len(d.bars) {
		every++
	}
	for i, b := range d.bars {
		cx := left + slot*(float32(i)+0.5)
		y := bottom
		for s, v := range b.values {
			if v <= 0 {
				continue
			}
			bh := plotH * float32(v/end)
			y -= bh
			add(chartShape{kind: shapeRect, x: cx - barW/2, y: y, w: barW, h: bh, color: barColor(d, b, s)})
		}
		note := b.note
		if note == "" && total(b) > 0 {
			note = axisLabel(total(b), false)
		}
		if nw, _ := measure(note, chartTextSize, false); note != "" && nw <= slot {
			add(chartShape{kind: shapeText, x: cx, y: y - textH - 1, text: note, size: chartTextSize, color: pal.fg, align: fyne.TextAlignCenter})
		}
		if i%every == 0 {
			add(chartShape{kind: shapeText, x: cx, y: bottom + 3, text: b.label, size: chartTextSize, color: pal.fg, align: fyne.TextAlignCenter})
		}
	}
	add(chartShape{kind: shapeLine, x: left, y: bottom, w: right - left, color: pal.muted})
	return out
}

// layoutRows draws one bar per row growing to the right, the label before
// it and the note after it: long names and rankings read best this way.
func layoutRows(d chartData, end float64, w, h, top float32, measure measureFunc, pal chartPalette) []chartShape {
	var out []chartShape
	add := func(s chartShape) { out = append(out, s) }
	_, textH := measure("0", chartTextSize, false)
	labelW, noteW := float32(0), float32(0)
	for _, b := range d.bars {
		tw, _ := measure(b.label, chartTextSize, false)
		labelW = max(labelW, tw)
		nw, _ := measure(b.note, chartTextSize, false)
		noteW = max(noteW, nw)
	}
	labelW = min(labelW, w*0.4)
	left := chartPad + labelW + 8
	// The note needs its room whatever the bar's length; a scroll bar may
	// lie over the last few pixels.
	right := w - chartPad*2 - noteW - 6
	rowH := min((h-top-chartPad)/float32(len(d.bars)), chartRowHeight*1.2)
	if right-left < 10 || rowH < 4 {
		return out
	}
	for i, b := range d.bars {
		y := top + rowH*float32(i)
		label := b.label
		for tw, _ := measure(label, chartTextSize, false); tw > labelW && len([]rune(label)) > 1; tw, _ = measure(label, chartTextSize, false) {
			r := []rune(label)
			label = string(r[:len(r)-2]) + "…"
		}
		add(chartShape{kind: shapeText, x: left - 8, y: y + (rowH-textH)/2, text: label, size: chartTextSize, color: pal.fg, align: fyne.TextAlignTrailing})
		x := left
		barH := rowH * 0.66
		for s, v := range b.values {
			if v <= 0 {
				continue
			}
			bw := (right - left) * float32(v/end)
			add(chartShape{kind: shapeRect, x: x, y: y + (rowH-barH)/2, w: bw, h: barH, color: barColor(d, b, s)})
			x += bw
		}
		note := b.note
		if note == "" {
			note = axisLabel(total(b), d.percent)
		}
		add(chartShape{kind: shapeText, x: x + 6, y: y + (rowH-textH)/2, text: note, size: chartTextSize, color: pal.fg})
	}
	add(chartShape{kind: shapeLine, x: left, y: top, h: rowH * float32(len(d.bars)), color: pal.muted})
	return out
}

// barChart shows chartData on the screen.
type barChart struct {
	widget.BaseWidget
	data chartData
}

func newBarChart(d chartData) *barChart {
	c := &barChart{data: d}
	c.ExtendBaseWidget(c)
	return c
}

// set replaces what the chart shows.
func (c *barChart) set(d chartData) {
	c.data = d
	c.Refresh()
}

func (c *barChart) MinSize() fyne.Size {
	c.ExtendBaseWidget(c)
	return c.data.minSize()
}

func (c *barChart) CreateRenderer() fyne.WidgetRenderer {
	return &chartRenderer{c: c}
}

type chartRenderer struct {
	c       *barChart
	objects []fyne.CanvasObject
}

func (r *chartRenderer) Layout(size fyne.Size) {
	shapes := layoutChart(r.c.data, size.Width, size.Height, fyneMeasure, screenPalette())
	r.objects = r.objects[:0]
	for _, s := range shapes {
		r.objects = append(r.objects, canvasObject(s))
	}
}

func (r *chartRenderer) MinSize() fyne.Size           { return r.c.data.minSize() }
func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *chartRenderer) Destroy()                     {}

func (r *chartRenderer) Refresh() {
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

func fyneMeasure(text string, size float32, bold bool) (float32, float32) {
	s := fyne.MeasureText(text, size, fyne.TextStyle{Bold: bold})
	return s.Width, s.Height
}

func canvasObject(s chartShape) fyne.CanvasObject {
	switch s.kind {
	case shapeText:
		t := canvas.NewText(s.text, s.color)
		t.TextSize = s.size
		t.TextStyle.Bold = s.bold
		size := t.MinSize()
		x := s.x
		switch s.align {
		case fyne.TextAlignCenter:
			x -= size.Width / 2
		case fyne.TextAlignTrailing:
			x -= size.Width
		}
		t.Move(fyne.NewPos(x, s.y))
		t.Resize(size)
		return t
	case shapeLine:
		l := canvas.NewLine(s.color)
		l.StrokeWidth = 1
		l.Position1 = fyne.NewPos(s.x, s.y)
		l.Position2 = fyne.NewPos(s.x+s.w, s.y+s.h)
		return l
	}
	rect := canvas.NewRectangle(s.color)
	rect.Move(fyne.NewPos(s.x, s.y))
	rect.Resize(fyne.NewSize(s.w, s.h))
	return rect
}

// Drawing into an image.

// chartFonts are the bundled fonts parsed once, for drawing charts into
// files.
var chartFonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	var out [2]*opentype.Font
	var err error
	if out[0], err = opentype.Parse(assets.FontRegular.Content()); err != nil {
		return out, err
	}
	out[1], err = opentype.Parse(assets.FontBold.Content())
	return out, err
})

// imageText measures and draws text with the bundled fonts at one pixel
// per point, caching a face per size and weight.
type imageText struct {
	fonts [2]*opentype.Font
	faces map[[2]int]font.Face
}

func (t *imageText) face(size float32, bold bool) font.Face {
	b := 0
	if bold {
		b = 1
	}
	key := [2]int{int(size * 10), b}
	if f, ok := t.faces[key]; ok {
		return f
	}
	f, err := opentype.NewFace(t.fonts[b], &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		f = nil
	}
	t.faces[key] = f
	return f
}

func (t *imageText) measure(text string, size float32, bold bool) (float32, float32) {
	f := t.face(size, bold)
	if f == nil {
		return 0, size
	}
	m := f.Metrics()
	return float32(font.MeasureString(f, text).Ceil()), float32((m.Ascent + m.Descent).Ceil())
}

// renderChart draws a chart into an image of w×h pixels, on white.
func renderChart(d chartData, w, h int) (*image.RGBA, error) {
	fonts, err := chartFonts()
	if err != nil {
		return nil, err
	}
	txt := &imageText{fonts: fonts, faces: map[[2]int]font.Face{}}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for _, s := range layoutChart(d, float32(w), float32(h), txt.measure, printPalette) {
		src := image.NewUniform(s.color)
		switch s.kind {
		case shapeRect:
			r := image.Rect(round(s.x), round(s.y), round(s.x+s.w), round(s.y+s.h))
			draw.Draw(img, r, src, image.Point{}, draw.Over)
		case shapeLine:
			r := image.Rect(round(s.x), round(s.y), max(round(s.x+s.w), round(s.x)+1), max(round(s.y+s.h), round(s.y)+1))
			draw.Draw(img, r, src, image.Point{}, draw.Over)
		case shapeText:
			f := txt.face(s.size, s.bold)
			if f == nil {
				continue
			}
			width, _ := txt.measure(s.text, s.size, s.bold)
			x := s.x
			switch s.align {
			case fyne.TextAlignCenter:
				x -= width / 2
			case fyne.TextAlignTrailing:
				x -= width
			}
			dr := font.Drawer{Dst: img, Src: src, Face: f,
				Dot: fixed.Point26_6{X: fixed.I(round(x)), Y: fixed.I(round(s.y)) + f.Metrics().Ascent}}
			dr.DrawString(s.text)
		}
	}
	return img, nil
}

func round(v float32) int { return int(math.Round(float64(v))) }

// chartExportSize is the picture size of an exported chart: wide enough
// for a slide or a report page.
var chartExportSize = image.Pt(960, 540)

// writeChartPNG draws a chart as a PNG file.
func writeChartPNG(w io.Writer, d chartData) error {
	size := chartExportSize
	if d.horizontal {
		// A ranking is as tall as its rows: a few stations make a short
		// picture, many a long one rather than a crammed one.
		size.Y = int(d.minSize().Height*1.2) + chartPad
	}
	img, err := renderChart(d, size.X, size.Y)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}
