package document

import (
	"strings"
	"time"

	"dutyroom/app"
)

// Lay lays the bulletin out on pages. EINVALID when the bulletin is not
// valid, EINTERNAL when the bundled fonts cannot be read.
func Lay(b *Bulletin) ([]Page, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	m, err := loadMetrics()
	if err != nil {
		return nil, app.Errorf(app.EINTERNAL, "cannot read the document fonts: %v", err)
	}
	c := &composer{m: m, y: marginTop}
	c.pages = []Page{{}}
	c.header(b)
	c.title(b.Title)
	if len(b.To) > 0 {
		c.paragraph(strings.Join(b.To, "、")+"：", 0)
	}
	for _, p := range strings.Split(b.Body, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			c.paragraph(p, 2*bodySize)
		}
	}
	c.signature(b)
	c.closing(b)
	c.pageNumbers()
	return c.pages, nil
}

type composer struct {
	m     *metrics
	pages []Page
	y     float64 // the top of the next line on the current page
}

func (c *composer) page() *Page { return &c.pages[len(c.pages)-1] }

func (c *composer) newPage() {
	c.pages = append(c.pages, Page{})
	c.y = marginTop
}

// line reserves a line of the given pitch, on a new page when this one is
// full, and returns its baseline.
func (c *composer) line(pitch, size float64) float64 {
	if c.y+pitch > textBottom+0.01 {
		c.newPage()
	}
	base := c.y + (pitch-size)/2 + size*0.88
	c.y += pitch
	return base
}

func (c *composer) text(x, y float64, s string, f Face, size float64, red bool) {
	c.page().Texts = append(c.page().Texts, Text{X: x, Y: y, S: s, Face: f, Size: size, Red: red})
}

func (c *composer) centred(s string, f Face, size, pitch float64, red bool) {
	y := c.line(pitch, size)
	w := c.m.width(f, size, s)
	c.text(marginLeft+(textWidth-w)/2, y, s, f, size, red)
}

// header is the 版头: the office's name in red, shrunk to the text width,
// the issue number under it, the office and the signer, the red rule.
func (c *composer) header(b *Bulletin) {
	size := mastSize
	for size > 16 && c.m.width(Bold, size, b.Masthead) > textWidth {
		size -= 1
	}
	c.centred(b.Masthead, Bold, size, size*1.7, true)
	number := "第" + itoa(b.Number) + "期"
	if b.Number == 0 {
		number = "（待签发稿，签发后编号）"
	}
	c.centred(number, Regular, bodySize, bodyPitch, false)
	y := c.line(bodyPitch, bodySize)
	c.text(marginLeft, y, b.Office, Regular, bodySize, false)
	if b.Signer != "" {
		s := "签发人：" + b.Signer
		c.text(marginLeft+textWidth-c.m.width(Regular, bodySize, s), y, s, Regular, bodySize, false)
	}
	ruleY := y + 4*mm
	c.page().Rules = append(c.page().Rules, Rule{X1: marginLeft, X2: marginLeft + textWidth, Y: ruleY, Width: ruleRed, Red: true})
	c.y = ruleY + bodyPitch*0.8
}

func (c *composer) title(t string) {
	for _, l := range c.m.wrap(t, Bold, titleSize, textWidth, 0) {
		c.centred(l, Bold, titleSize, titlePitch, false)
	}
	c.y += bodyPitch * 0.5
}

func (c *composer) paragraph(p string, indent float64) {
	for i, l := range c.m.wrap(p, Regular, bodySize, textWidth, indent) {
		y := c.line(bodyPitch, bodySize)
		x := marginLeft
		if i == 0 {
			x += indent
		}
		c.text(x, y, l, Regular, bodySize, false)
	}
}

// signature is the office and the date under the text: the date four
// characters in from the right, the office centred over it (GB/T 9704,
// 7.3.5.2), then the duty phone as a note.
func (c *composer) signature(b *Bulletin) {
	date := ChineseDate(b.Date.In(location(b.Location)))
	dw := c.m.width(Regular, bodySize, date)
	dx := marginLeft + textWidth - 4*bodySize - dw
	c.y += bodyPitch
	y := c.line(bodyPitch, bodySize)
	ow := c.m.width(Regular, bodySize, b.Office)
	ox := dx + dw/2 - ow/2
	if ox+ow > marginLeft+textWidth {
		ox = marginLeft + textWidth - ow
	}
	c.text(ox, y, b.Office, Regular, bodySize, false)
	y = c.line(bodyPitch, bodySize)
	c.text(dx, y, date, Regular, bodySize, false)
	if b.Phone != "" {
		c.paragraph("（值班电话："+b.Phone+"）", 2*bodySize)
	}
}

// closing is the 版记 at the foot of the last page: 抄送 between a thick
// and a thin rule, then who issued it and when, over a last thick rule.
func (c *composer) closing(b *Bulletin) {
	var copyLines []string
	if len(b.Copy) > 0 {
		copyLines = c.m.wrap("抄送："+strings.Join(b.Copy, "，")+"。", Regular, closingSize, textWidth-2*closingSize, 0)
	}
	height := float64(len(copyLines)+1) * closingLine
	if c.y+height+bodyPitch > textBottom {
		c.newPage()
	}
	p := c.page()
	right := marginLeft + textWidth
	y := textBottom - height
	p.Rules = append(p.Rules, Rule{X1: marginLeft, X2: right, Y: y, Width: ruleThick})
	for _, l := range copyLines {
		y += closingLine
		p.Texts = append(p.Texts, Text{X: marginLeft + closingSize, Y: y - closingLine*0.3, S: l, Face: Regular, Size: closingSize})
	}
	if len(copyLines) > 0 {
		p.Rules = append(p.Rules, Rule{X1: marginLeft, X2: right, Y: y, Width: ruleThin})
	}
	y += closingLine
	issued := ChineseDate(b.Date.In(location(b.Location))) + "印发"
	p.Texts = append(p.Texts,
		Text{X: marginLeft + closingSize, Y: y - closingLine*0.3, S: b.Office, Face: Regular, Size: closingSize},
		Text{X: right - closingSize - c.m.width(Regular, closingSize, issued), Y: y - closingLine*0.3, S: issued, Face: Regular, Size: closingSize})
	p.Rules = append(p.Rules, Rule{X1: marginLeft, X2: right, Y: y, Width: ruleThick})
}

// pageNumbers puts "— N —" under the text block: odd pages at the right,
// even pages at the left, one character in (GB/T 9704, 7.5).
func (c *composer) pageNumbers() {
	y := textBottom + pageNoDrop + closingSize*0.88
	for i := range c.pages {
		s := "— " + itoa(i+1) + " —"
		x := marginLeft + closingSize
		if (i+1)%2 == 1 {
			x = marginLeft + textWidth - closingSize - c.m.width(Regular, closingSize, s)
		}
		c.pages[i].Texts = append(c.pages[i].Texts, Text{X: x, Y: y, S: s, Face: Regular, Size: closingSize})
	}
}

func location(loc *time.Location) *time.Location {
	if loc != nil {
		return loc
	}
	if l, err := time.LoadLocation(app.DefaultZone); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}
