package ui

import (
	"fyne.io/fyne/v2"
)

// defaultWindowSize is the main window's size on first start. Fyne tells
// a program nothing of the screen it opens on, so the default is one that
// fits the smallest screen duty rooms still have, 1366×768, with the
// window's title bar and a taskbar: 1280×800 there hid the status bar.
var defaultWindowSize = fyne.NewSize(1340, 690)

// minWindowSize is the least a remembered size is taken back at: a window
// shrunk to a sliver by accident opens usable again.
var minWindowSize = fyne.NewSize(1024, 600)

// Preference keys under which the window's last size is kept.
const (
	prefWindowWidth  = "window.width"
	prefWindowHeight = "window.height"
)

// startWindowSize is the size the window was last closed at, or the
// default the first time: whoever made it bigger on a big screen keeps it.
func startWindowSize(p fyne.Preferences) fyne.Size {
	w := float32(p.FloatWithFallback(prefWindowWidth, 0))
	h := float32(p.FloatWithFallback(prefWindowHeight, 0))
	if w < minWindowSize.Width || h < minWindowSize.Height {
		return defaultWindowSize
	}
	return fyne.NewSize(w, h)
}

// sizeWindow opens the main window at its start size and keeps its size
// when it closes, for the next start.
func (u *UI) sizeWindow() {
	p := u.app.Preferences()
	u.win.Resize(startWindowSize(p))
	u.win.SetOnClosed(func() { rememberWindowSize(p, u.win.Canvas().Size()) })
}

func rememberWindowSize(p fyne.Preferences, s fyne.Size) {
	if s.Width < minWindowSize.Width || s.Height < minWindowSize.Height {
		return
	}
	p.SetFloat(prefWindowWidth, float64(s.Width))
	p.SetFloat(prefWindowHeight, float64(s.Height))
}
