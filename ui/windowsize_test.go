package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// screen1366 is the smallest screen duty rooms still have, less a title
// bar and a taskbar (about 72 px together on Windows and GNOME).
var screen1366 = fyne.NewSize(1366, 768-72)

func TestWindowOpensAtASizeThatFits1366x768WithItsStatusBar(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	size := u.win.Canvas().Size()
	if size.Width > screen1366.Width || size.Height > screen1366.Height {
		t.Fatalf("the window opens at %v, larger than a 1366×768 screen leaves (%v)", size, screen1366)
	}
	if min := u.win.Content().MinSize(); min.Width > size.Width || min.Height > size.Height {
		t.Errorf("the window's content needs %v, more than the %v it opens at", min, size)
	}
	bar := u.status.content
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(bar)
	if bottom := pos.Y + bar.Size().Height; !bar.Visible() || bar.Size().Height <= 0 || bottom > size.Height {
		t.Errorf("the status bar ends at y=%v (height %v), outside the %v window", bottom, bar.Size().Height, size)
	}
}

func TestWindowOpensAtTheSizeItWasLastClosedAt(t *testing.T) {
	a := test.NewTempApp(t)
	p := a.Preferences()
	if got := startWindowSize(p); got != defaultWindowSize {
		t.Errorf("first start opens at %v, want the default %v", got, defaultWindowSize)
	}
	rememberWindowSize(p, fyne.NewSize(1800, 1000))
	if got := startWindowSize(p); got != fyne.NewSize(1800, 1000) {
		t.Errorf("after closing at 1800×1000 the window opens at %v", got)
	}
	rememberWindowSize(p, fyne.NewSize(200, 100))
	if got := startWindowSize(p); got != fyne.NewSize(1800, 1000) {
		t.Errorf("a sliver of a window was remembered: opens at %v", got)
	}
}
