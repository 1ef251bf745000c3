package ui

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/assets"
)

// screen1366Window is the window a 1366×768 screen shows: the size the
// window opens at there.
var screen1366Window = defaultWindowSize

// TestSurfaceScreenshots renders, in both languages at the size the window
// opens at on a 1366×768 screen, the screens and dialogs the other
// screenshot tests leave out: 通讯录, 设置 (top, the hub, the data and its
// backups), the file dialog, 会商 with its new-consultation dialog, the
// 快捷键 help and the 结束会商 question. Files go to the folder named by
// DUTYROOM_SCREENSHOTS.
func TestSurfaceScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the screens")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			name := func(what string) string {
				return filepath.Join(dir, language+"-"+what+"-"+itoaSize(screen1366Window)+".png")
			}

			u := openBackupSettings(t, newFakeBackups())
			u.win.Resize(screen1366Window)
			captureLaidOut(t, u, name("settings"))
			scroll := u.settings.content.(*container.Scroll)
			scroll.Offset = fyne.NewPos(0, scroll.Content.MinSize().Height/2-screen1366Window.Height/2)
			scroll.Refresh()
			captureLaidOut(t, u, name("settings-middle"))
			scroll.ScrollToBottom()
			captureLaidOut(t, u, name("settings-backups"))
			scroll.ScrollToTop()
			test.Tap(u.settings.backup)
			captureLaidOut(t, u, name("file-dialog"))
			u.win.Canvas().Overlays().Top().Hide()
			u.nav.open("directory")
			captureLaidOut(t, u, name("directory"))
			u.showShortcuts()
			captureLaidOut(t, u, name("shortcuts"))

			d := newConsultDemo(t)
			c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID, d.qianzhou.ID, d.xiangxi.ID}}
			if err := d.consults.Schedule(t.Context(), &c); err != nil {
				t.Fatal(err)
			}
			cu := d.open(t, "consultation")
			cu.win.Resize(screen1366Window)
			cu.consults.list.Select(0)
			captureLaidOut(t, cu, name("consultation"))
			cu.consults.onNew()
			captureLaidOut(t, cu, name("consultation-new"))
			test.Tap(findButton(t, overlay(t, cu), lang.L("action.cancel")))
			cu.consults.onEnd()
			captureLaidOut(t, cu, name("consultation-end"))
		})
	}
}
