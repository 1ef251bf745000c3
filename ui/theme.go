package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"dutyroom/assets"
)

// dutyTheme is Fyne's default theme with a bundled Chinese font, so Chinese
// never shows as boxes on a machine without a CJK font and screens measure the
// same everywhere. Characters outside the bundled subset still fall back to
// the system's fonts.
type dutyTheme struct {
	fyne.Theme
}

func newTheme() fyne.Theme {
	return &dutyTheme{Theme: theme.DefaultTheme()}
}

// Font returns the bundled Noto Sans SC for every style but symbols. The
// monospace style gets it too: the default monospace font has no Chinese,
// and without a CJK monospace font on the machine (the usual case) the
// holiday-import example drew 节 as boxes. Noto's digits are all one
// width, so a countdown in monospace still holds still; only Latin letters
// lose their fixed pitch. Noto has no italic, so italic text is drawn
// upright.
func (t *dutyTheme) Font(style fyne.TextStyle) fyne.Resource {
	switch {
	case style.Symbol:
		return t.Theme.Font(style)
	case style.Bold:
		return assets.FontBold
	default:
		return assets.FontRegular
	}
}
