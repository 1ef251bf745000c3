package main

import (
	"bytes"
	"io"
	"strings"
)

// table lines up tab-separated columns like text/tabwriter, but counts a
// Chinese character as two columns, the width a terminal gives it:
// tabwriter assumes every character is one column wide, so station and
// person names pushed every later column out of line.
//
// Write rows of cells separated by '\t' and ended by '\n'; Flush writes them
// out. Lines without a tab pass through unchanged.
type table struct {
	w   io.Writer
	buf bytes.Buffer
}

func newTable(w io.Writer) *table { return &table{w: w} }

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush pads every cell but the last of a row to its column's width plus
// two spaces.
func (t *table) Flush() error {
	lines := strings.Split(strings.TrimSuffix(t.buf.String(), "\n"), "\n")
	t.buf.Reset()
	var widths []int
	rows := make([][]string, len(lines))
	for i, line := range lines {
		if !strings.Contains(line, "\t") {
			continue
		}
		rows[i] = strings.Split(line, "\t")
		for c, cell := range rows[i] {
			if c == len(widths) {
				widths = append(widths, 0)
			}
			widths[c] = max(widths[c], displayWidth(cell))
		}
	}
	var out strings.Builder
	for i, line := range lines {
		if rows[i] == nil {
			out.WriteString(line)
			out.WriteByte('\n')
			continue
		}
		cells := rows[i]
		for c, cell := range cells {
			out.WriteString(cell)
			if c < len(cells)-1 {
				out.WriteString(strings.Repeat(" ", widths[c]-displayWidth(cell)+2))
			}
		}
		out.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// displayWidth is the number of terminal columns s takes: two for East Asian
// wide and full-width characters, one for the rest.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if isWide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func isWide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0x303E, // CJK radicals, symbols and punctuation
		r >= 0x3041 && r <= 0x33FF, // kana, bopomofo, CJK compatibility
		r >= 0x3400 && r <= 0x4DBF, // CJK extension A
		r >= 0x4E00 && r <= 0x9FFF, // CJK unified ideographs
		r >= 0xA000 && r <= 0xA4CF, // Yi
		r >= 0xAC00 && r <= 0xD7A3, // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF, // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F, // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60, // full-width forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x20000 && r <= 0x3FFFD: // CJK extensions B and beyond
		return true
	}
	return false
}
