package ui

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dutyroom/assets"
)

// TestSignInScreenshots renders the status bar before and after a sign-in,
// the sign-in and 换人 dialogs and 我的值班 signed in, at 1366×768 and the
// smallest window in both languages, into DUTYROOM_SCREENSHOTS (else a temporary folder), and
// checks the status bar's sign-in button lies wholly inside the window.
func TestSignInScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		for _, size := range []fyne.Size{fyne.NewSize(1366, 768), smallest} {
			t.Run(language, func(t *testing.T) {
				inLanguage(t, language)
				d := newDutyDemo(t, "2026-10-03 09:00")
				d.put("2026-10-03", leader0, d.sun)
				d.put("2026-10-03", officer0, d.chen)
				d.put("2026-10-05", officer0, d.chen)
				u, _ := openDeskUI(t, d, 0)
				u.win.Resize(size)
				name := func(what string) string {
					return filepath.Join(dir, "signin-"+language+"-"+what+"-"+itoaSize(size)+".png")
				}
				captureLaidOut(t, u, name("before"))
				inWindow(t, u, u.status.signIn)

				test.Tap(u.status.signIn)
				captureLaidOut(t, u, name("dialog"))
				u.status.signInDialog.dlg.Hide()
				signInAs(t, u, "陈值班")
				captureLaidOut(t, u, name("after"))
				inWindow(t, u, u.status.signIn)

				test.Tap(u.status.signIn)
				captureLaidOut(t, u, name("change"))
				u.status.signInDialog.dlg.Hide()
				u.duty.tabs.SelectIndex(2)
				captureLaidOut(t, u, name("mine"))
			})
		}
	}
}

// inWindow fails when o is hidden or not wholly inside the window.
func inWindow(t *testing.T, u *UI, o fyne.CanvasObject) {
	t.Helper()
	layoutAll(u.win.Canvas().Content())
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	win := u.win.Canvas().Size()
	if !o.Visible() || pos.X < 0 || pos.Y < 0 || pos.X+o.Size().Width > win.Width+0.5 || pos.Y+o.Size().Height > win.Height+0.5 || o.Size().Width < 1 {
		t.Errorf("%T at %v size %v lies outside the window %v", o, pos, o.Size(), win)
	}
}
