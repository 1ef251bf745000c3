package ui

import (
	"bytes"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/go-text/typesetting/font"
)

// Every style text is drawn in, monospace included, must have the
// Chinese of the window's own strings: a missing glyph is a box (tofu) on a
// machine without CJK fonts, as the holiday-import example was.
func TestThemeFontsHaveTheChineseTheWindowWrites(t *testing.T) {
	text := lang.L("roster.calendar_example") + "值班室接报台账会商抽查预警0123456789：（）"
	th := newTheme()
	for _, style := range []fyne.TextStyle{{}, {Bold: true}, {Monospace: true}, {Monospace: true, Bold: true}, {Italic: true}} {
		res := th.Font(style)
		face, err := font.ParseTTF(bytes.NewReader(res.Content()))
		if err != nil {
			t.Fatalf("style %+v: the theme's font %s does not parse: %v", style, res.Name(), err)
		}
		for _, r := range text {
			if r == '\n' || r == ' ' {
				continue
			}
			if _, ok := face.NominalGlyph(r); !ok {
				t.Errorf("style %+v: the theme's font %s has no glyph for %q", style, res.Name(), r)
			}
		}
	}
}
