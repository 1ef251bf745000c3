package document

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"dutyroom/assets/fonts/serif"
)

// Measures in points (1/72 inch). GB/T 9704-2012, 5.2: A4, the text block
// 156 mm × 225 mm, 37 mm from the top and 28 mm from the left edge; 22
// lines of 28 characters in 3号 (16 pt) type.
const (
	mm         = 72 / 25.4
	PageWidth  = 210 * mm
	PageHeight = 297 * mm
	marginTop  = 37 * mm
	marginLeft = 28 * mm
	textWidth  = 156 * mm
	textHeight = 225 * mm
	textBottom = marginTop + textHeight

	bodySize    = 16.0              // 3号
	bodyPitch   = textHeight / 22   // 22 lines to the page
	titleSize   = 22.0              // 2号
	titlePitch  = titleSize * 1.45  //
	mastSize    = 30.0              // the red header, shrunk to fit
	closingSize = 14.0              // 4号: 抄送, 印发, page numbers
	closingLine = closingSize * 1.9 // a line of the closing block
	pageNoDrop  = 7 * mm            // page numbers sit 7 mm under the text block
	ruleRed     = 1.0               // the red separator
	ruleThick   = 0.35 * mm * 2.8   // the closing block's first and last rules (about 1 pt)
	ruleThin    = 0.25 * mm * 2.8   // its middle rule
)

// Face is a weight of the document's typeface.
type Face int

const (
	Regular Face = iota
	Bold
)

// Text is one run of text on a page, placed by its baseline's left end.
type Text struct {
	X, Y float64
	S    string
	Face Face
	Size float64
	Red  bool
}

// Rule is a horizontal line across a page.
type Rule struct {
	X1, X2, Y float64
	Width     float64
	Red       bool
}

// Page is what one sheet carries.
type Page struct {
	Texts []Text
	Rules []Rule
}

// metrics measures runes in the document's faces. sfnt.Font is not safe
// for use from two goroutines with one buffer, so one lock guards the
// buffer and the cache of advances (a document uses a few hundred runes).
type metrics struct {
	mu    sync.Mutex
	fonts [2]*sfnt.Font
	upem  [2]float64
	buf   sfnt.Buffer
	adv   [2]map[rune]float64 // in ems
	err   error
}

var (
	metricsOnce sync.Once
	faces       metrics
)

func loadMetrics() (*metrics, error) {
	metricsOnce.Do(func() {
		for i, data := range [][]byte{serif.Regular, serif.Bold} {
			f, err := sfnt.Parse(data)
			if err != nil {
				faces.err = err
				return
			}
			faces.fonts[i] = f
			faces.upem[i] = float64(f.UnitsPerEm())
			faces.adv[i] = map[rune]float64{}
		}
	})
	return &faces, faces.err
}

// width is how wide s is in face f at size.
func (m *metrics) width(f Face, size float64, s string) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := 0.0
	for _, r := range s {
		a, ok := m.adv[f][r]
		if !ok {
			a = m.advance(f, r)
			m.adv[f][r] = a
		}
		w += a
	}
	return w * size
}

func (m *metrics) advance(f Face, r rune) float64 {
	font0 := m.fonts[f]
	idx, err := font0.GlyphIndex(&m.buf, r)
	if err != nil {
		return 1
	}
	ppem := fixed.Int26_6(m.upem[f]) << 6
	a, err := font0.GlyphAdvance(&m.buf, idx, ppem, font.HintingNone)
	if err != nil {
		return 1
	}
	return float64(a) / 64 / m.upem[f]
}

// Characters that may not begin a line (closing punctuation) and may not
// end one (opening punctuation), as Chinese typesetting keeps them.
const (
	noStart = "，。、；：？！）》」』〉】〕”’…—%‰·,.;:?!)]}"
	noEnd   = "（《「『〈【〔“‘([{"
)

// units splits a paragraph into the pieces a line may break between:
// each Han character alone, a run of Latin letters and digits whole, a
// space alone; then glues closing punctuation to what precedes it and
// opening punctuation to what follows.
func units(p string) []string {
	var raw []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			raw = append(raw, word.String())
			word.Reset()
		}
	}
	for _, r := range p {
		switch {
		case r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_/.:@#%+'", r)) && !unicode.IsSpace(r):
			word.WriteRune(r)
		default:
			flush()
			raw = append(raw, string(r))
		}
	}
	flush()
	var out []string
	glueNext := false
	for _, u := range raw {
		first, _ := firstRune(u)
		switch {
		case glueNext && len(out) > 0:
			out[len(out)-1] += u
		case strings.ContainsRune(noStart, first) && len(out) > 0 && out[len(out)-1] != " ":
			out[len(out)-1] += u
		default:
			out = append(out, u)
		}
		last, _ := lastRune(out[len(out)-1])
		glueNext = strings.ContainsRune(noEnd, last)
	}
	return out
}

func firstRune(s string) (rune, bool) {
	for _, r := range s {
		return r, true
	}
	return 0, false
}

func lastRune(s string) (rune, bool) {
	var last rune
	ok := false
	for _, r := range s {
		last, ok = r, true
	}
	return last, ok
}

// wrap breaks a paragraph into lines no wider than width, the first
// indent narrower. A piece wider than a whole line is cut by character.
func (m *metrics) wrap(p string, f Face, size, width, indent float64) []string {
	var lines []string
	var line strings.Builder
	used, room := 0.0, width-indent
	emit := func() {
		lines = append(lines, strings.TrimRight(line.String(), " "))
		line.Reset()
		used, room = 0, width
	}
	for _, u := range units(p) {
		w := m.width(f, size, u)
		if u == " " && used == 0 {
			continue // no line begins with a space
		}
		if used+w <= room+0.01 {
			line.WriteString(u)
			used += w
			continue
		}
		if used > 0 {
			emit()
			if u == " " {
				continue
			}
		}
		if w <= room+0.01 {
			line.WriteString(u)
			used = w
			continue
		}
		for _, r := range u { // longer than a line: cut anywhere
			rw := m.width(f, size, string(r))
			if used+rw > room+0.01 && used > 0 {
				emit()
			}
			line.WriteRune(r)
			used += rw
		}
	}
	if line.Len() > 0 || len(lines) == 0 {
		emit()
	}
	return lines
}
