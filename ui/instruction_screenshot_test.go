package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/assets"
)

// TestInstructionScreenshots renders the 批示 screen, its form and its
// detail to PNG files in the folder named by DUTYROOM_SCREENSHOTS, in
// both languages, at 1366×768 and at the smallest supported window.
func TestInstructionScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the 批示 screen")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		for _, size := range []fyne.Size{fyne.NewSize(1366, 768), smallest} {
			t.Run(language, func(t *testing.T) {
				inLanguage(t, language)
				d := newInstructionDemo(t, "2026-07-14 10:00")
				in := d.issue(t, 2*time.Hour, []string{"州水文局"}, d.jishou, d.luxi)
				d.answerAs(t, d.jishou, in, "已组织转移群众120人，无人员伤亡，道路已抢通。", true)
				d.issue(t, 30*time.Minute, nil, d.luxi)
				d.now = d.now.Add(time.Hour)
				u := d.open(t)
				u.win.Resize(size)
				u.onTick()
				name := func(what string) string {
					return filepath.Join(dir, "instructions-"+language+"-"+what+"-"+itoaSize(size)+".png")
				}
				s := u.instructions
				s.list.Select(1)
				test.Tap(s.detail.feedbackDraft)
				captureLaidOut(t, u, name("detail"))
				f := newForm(t, u)
				f.source.SetSelected(lang.L("instruction.source_phone"))
				test.Tap(f.save)
				captureLaidOut(t, u, name("form-refused"))
				f.dlg.Hide()
				d.store.identity = d.luxi.ID
				s.reload()
				s.list.Select(0)
				captureLaidOut(t, u, name("county"))
			})
		}
	}
}
