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

// Font returns the bundled Noto Sans SC for text; monospace and symbols keep
// the default fonts, which the bundled one does not replace. Noto has no
// italic, so italic text is drawn upright.
func (t *dutyTheme) Font(style fyne.TextStyle) fyne.Resource {
	switch {
	case style.Monospace, style.Symbol:
		return t.Theme.Font(style)
	case style.Bold:
		return assets.FontBold
	default:
		return assets.FontRegular
	}
}
