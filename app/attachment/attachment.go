// Package attachment is the one description of a file filed with an
// incident, a report or a message: what the record carries, how its name
// and size are checked, and which files must never be handed to the
// system's opener. The bytes travel and are stored elsewhere, addressed by
// their SHA-256.
package attachment

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"dutyroom/app"
)

// Attachment is a file as a record lists it.
type Attachment struct {
	ID     app.ID `json:"id,omitzero"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"` // lowercase hex
	MIME   string `json:"mime,omitempty"`
}

// Limits of one list of attachments.
type Limits struct {
	MaxCount int   // attachments in one record
	MaxSize  int64 // bytes in one file
	// NeedDigest refuses a file without its SHA-256: messages carry every
	// file's digest; an incident may list a file before its bytes are known.
	NeedDigest bool
}

// Validate cleans each name (CleanName) and lowercases each digest in
// place, then checks the list. Errors are on the field "attachments".
func Validate(as []Attachment, lim Limits) error {
	if len(as) > lim.MaxCount {
		return app.FieldErrorf("attachments", "%d attachments; at most %d", len(as), lim.MaxCount)
	}
	for i := range as {
		a := &as[i]
		a.Name = CleanName(a.Name)
		a.SHA256 = strings.ToLower(a.SHA256)
		switch {
		case a.Name == "":
			return app.FieldErrorf("attachments", "attachment %d has no file name", i+1)
		case utf8.RuneCountInString(a.Name) > 255 || strings.ContainsAny(a.Name, `/\`):
			return app.FieldErrorf("attachments", "%q is not a plain file name", a.Name)
		case a.Size < 0:
			return app.FieldErrorf("attachments", "%s has a negative size", a.Name)
		case a.Size > lim.MaxSize:
			return app.FieldErrorf("attachments", "%s is %s; the limit is %s", a.Name, FormatBytes(a.Size), FormatBytes(lim.MaxSize))
		case (lim.NeedDigest || a.SHA256 != "") && !IsDigest(a.SHA256):
			return app.FieldErrorf("attachments", "%s: the SHA-256 digest must be 64 hex digits", a.Name)
		case len(a.MIME) > 100:
			return app.FieldErrorf("attachments", "%s: the media type is longer than 100 characters", a.Name)
		}
	}
	return nil
}

// CleanName returns a file name as it may be shown, saved and opened:
// without the characters that reorder or hide text (a right-to-left
// override turns "photo‮gpj.exe" into what reads as "photoexe.jpg"), without
// control characters, and trimmed of the spaces and dots Windows drops from
// the end of a name (so "report.pdf.exe ." cannot pass as something else).
func CleanName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r) {
			continue
		}
		b.WriteRune(r)
	}
	return strings.TrimRightFunc(strings.TrimSpace(b.String()), func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
}

// risky are the extensions of files that run code when the desktop opens
// them: programs, installers, scripts and shortcuts on Windows, and their
// counterparts on the Linux desktops of duty rooms.
var risky = map[string]bool{
	// Windows programs, installers and libraries
	"exe": true, "com": true, "scr": true, "pif": true, "msi": true, "msp": true, "mst": true,
	"dll": true, "cpl": true, "sys": true, "drv": true, "ocx": true, "appx": true, "msix": true,
	"appxbundle": true, "msixbundle": true, "appref-ms": true, "application": true, "gadget": true,
	// Windows scripts and shell documents
	"bat": true, "cmd": true, "vbs": true, "vbe": true, "js": true, "jse": true, "wsf": true,
	"wsh": true, "wsc": true, "ps1": true, "ps1xml": true, "ps2": true, "psc1": true, "psm1": true,
	"hta": true, "msc": true, "reg": true, "inf": true, "sct": true, "scf": true, "url": true,
	"lnk": true, "chm": true, "jar": true, "settingcontent-ms": true, "library-ms": true,
	"search-ms": true, "diagcab": true, "xbap": true, "iso": true, "img": true, "vhd": true, "vhdx": true,
	// Office documents with macros
	"docm": true, "dotm": true, "xlsm": true, "xltm": true, "xlam": true, "pptm": true, "potm": true, "ppam": true, "ppsm": true,
	// Linux and Unix programs, packages and launchers
	"sh": true, "bash": true, "zsh": true, "csh": true, "ksh": true, "run": true, "bin": true,
	"desktop": true, "deb": true, "rpm": true, "appimage": true, "elf": true, "so": true,
	"py": true, "pyw": true, "pl": true, "rb": true, "php": true, "command": true, "app": true, "pkg": true, "dmg": true,
}

// Risky reports whether a file of this name runs code when opened, so
// that it is offered for saving, with a warning, and never handed to the
// system's opener.
func Risky(name string) bool {
	name = strings.ToLower(CleanName(name))
	ext := strings.TrimPrefix(path.Ext(name), ".")
	return risky[ext]
}

// FormatBytes writes a size as the messages of this program do.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// IsDigest reports whether s is a SHA-256 digest as records carry it: 64
// lowercase hex digits.
func IsDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
