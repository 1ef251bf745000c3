package sms

import (
	"unicode/utf16"
)

// Lengths of an SMS. Chinese text goes as UCS-2: 70 characters in one
// message, 67 in each part of a concatenated one (the user data header
// takes 6 bytes). Text in the GSM 7-bit alphabet fits 160, or 153 a part.
const (
	UCS2Single = 70
	UCS2Part   = 67
	GSMSingle  = 160
	GSMPart    = 153
	// DefaultMaxParts bounds how many concatenated parts one message may
	// take; a longer text is refused with a message, not cut.
	DefaultMaxParts = 4
)

// gsmBasic is the GSM 03.38 basic character set (plus the extension
// table characters, which count twice).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const gsmExtended = "^{}\\[~]|€\f"

func gsmUnits(text string) (int, bool) {
	n := 0
	for _, r := range text {
		switch {
		case containsRune(gsmBasic, r):
			n++
		case containsRune(gsmExtended, r):
			n += 2
		default:
			return 0, false
		}
	}
	return n, true
}

func containsRune(s string, r rune) bool {
	for _, x := range s {
		if x == r {
			return true
		}
	}
	return false
}

// Parts returns how many SMS the text takes: 1 when it fits one message,
// else the count of concatenated parts. An empty text takes one.
func Parts(text string) int {
	if n, ok := gsmUnits(text); ok {
		if n <= GSMSingle {
			return 1
		}
		return (n + GSMPart - 1) / GSMPart
	}
	// UCS-2 counts UTF-16 code units: a character outside the basic
	// plane (some emoji, rare 汉字) takes two.
	n := len(utf16.Encode([]rune(text)))
	if n <= UCS2Single {
		return 1
	}
	return (n + UCS2Part - 1) / UCS2Part
}

// Split cuts text into the parts a phone joins again, each within one
// concatenated SMS, never inside a surrogate pair. A gateway that does
// not concatenate by itself sends them in order with one reference.
func Split(text string) []string {
	if Parts(text) == 1 {
		return []string{text}
	}
	var out []string
	if _, ok := gsmUnits(text); ok {
		cur, n := []rune{}, 0
		for _, r := range text {
			w := 1
			if containsRune(gsmExtended, r) {
				w = 2
			}
			if n+w > GSMPart {
				out = append(out, string(cur))
				cur, n = nil, 0
			}
			cur = append(cur, r)
			n += w
		}
		return append(out, string(cur))
	}
	cur, n := []rune{}, 0
	for _, r := range text {
		w := 1
		if r > 0xFFFF {
			w = 2
		}
		if n+w > UCS2Part {
			out = append(out, string(cur))
			cur, n = nil, 0
		}
		cur = append(cur, r)
		n += w
	}
	return append(out, string(cur))
}
