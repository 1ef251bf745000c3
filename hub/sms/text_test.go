package sms

import (
	"strings"
	"testing"
	"unicode/utf16"
)

func TestPartsCountsUCS2AndGSMLengths(t *testing.T) {
	for _, c := range []struct {
		text string
		want int
	}{
		{strings.Repeat("雨", 70), 1},
		{strings.Repeat("雨", 71), 2},
		{strings.Repeat("雨", 134), 2},
		{strings.Repeat("雨", 135), 3},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("😀", 35), 1}, // two UTF-16 units each
		{strings.Repeat("😀", 36), 2},
	} {
		if got := Parts(c.text); got != c.want {
			t.Errorf("Parts(%d × %q) = %d, want %d", len([]rune(c.text)), []rune(c.text)[0], got, c.want)
		}
	}
}

func TestSplitKeepsEachPartWithinOneConcatenatedSMS(t *testing.T) {
	text := strings.Repeat("暴雨红色预警😀", 30)
	parts := Split(text)
	if len(parts) != Parts(text) || strings.Join(parts, "") != text {
		t.Fatalf("split into %d parts (Parts says %d), joined equal: %v", len(parts), Parts(text), strings.Join(parts, "") == text)
	}
	for i, p := range parts {
		if n := len(utf16.Encode([]rune(p))); n > UCS2Part {
			t.Fatalf("part %d takes %d UCS-2 units", i, n)
		}
	}
}
