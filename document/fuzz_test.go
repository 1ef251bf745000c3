package document_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"dutyroom/document"
)

// Whatever text an officer types, the layout neither panics nor loses a
// character: every printable rune of the title and body is on a page, in
// order.
func FuzzLayKeepsEveryCharacter(f *testing.F) {
	f.Add("关于G65吉首段交通事故的续报（二）", "12月7日2时50分，G65包茂高速吉首段发生事故。\n（一）伤员已送医。")
	f.Add("title", strings.Repeat("a", 500)+" b")
	f.Add("“引号”", "，，，。。。（（（")
	f.Fuzz(func(t *testing.T, title, body string) {
		if !utf8.ValidString(title) || !utf8.ValidString(body) {
			return
		}
		b := sample()
		b.Title, b.Body = title, body
		pages, err := document.Lay(b)
		if err != nil {
			return // refused input is the validator's business
		}
		var all strings.Builder
		for _, p := range pages {
			for _, tx := range p.Texts {
				all.WriteString(tx.S)
			}
		}
		got := printable(all.String())
		for _, want := range []string{printable(b.Title), printable(strings.ReplaceAll(b.Body, "\n", ""))} {
			if !strings.Contains(got, want) {
				t.Fatalf("laid-out text lost characters of %q", want)
			}
		}
	})
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
}
