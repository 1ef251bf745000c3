package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app/roster"
	"dutyroom/assets"
)

// TestScreenshots renders the duty screens to PNG files for a person to
// look at, in the folder named by DUTYROOM_SCREENSHOTS: the layout tests
// catch overlap, only eyes catch a cramped or unreadable screen.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the duty screens")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		for _, size := range []fyne.Size{smallest, defaultWindowSize} {
			t.Run(language, func(t *testing.T) {
				inLanguage(t, language)
				d := newDutyDemo(t, "2026-10-03 09:00")
				d.put("2026-10-02", leader0, d.zhang)
				d.put("2026-10-02", officer0, d.liu)
				u := newTestUI(t, d.store)
				u.win.Resize(size)
				name := func(what string) string {
					return filepath.Join(dir, language+"-"+what+"-"+itoaSize(size)+".png")
				}
				u.duty.tabs.SelectIndex(1)
				test.Tap(u.duty.month.generate)
				test.Tap(findButton(t, overlay(t, u), lang.L("roster.generate_run")))
				capture(t, u, name("month"))
				files := answerFiles(t, u)
				test.Tap(u.duty.month.export)
				capture(t, u, name("export-menu"))
				tapMenuItem(t, u, lang.L("roster.export_xlsx"))
				files.file(t, "bad.csv", "日期,岗位,姓名\n2026-10-12,带班领导,孙局长\n2026-10-32,值班员,陈值班\n2026-10-13,值班员,王小二\n2026-10-14,值班干部,刘值班\n")
				test.Tap(u.duty.month.importBtn)
				capture(t, u, name("import-refused"))
				test.Tap(findButton(t, overlay(t, u), lang.L("action.close")))
				u.duty.month.stationSel.SetSelected("乾州街道")
				capture(t, u, name("month-below"))
				u.duty.month.stationSel.SetSelectedIndex(0)
				test.Tap(cellOf(t, u, date(t, "2026-10-01")))
				capture(t, u, name("day"))
				tab(t, overlay(t, u), lang.L("roster.day_swap"))
				capture(t, u, name("day-swap"))
				tab(t, overlay(t, u), lang.L("roster.day_history"))
				capture(t, u, name("day-history"))
				test.Tap(findButton(t, overlay(t, u), lang.L("action.close")))
				u.duty.month.side.SelectIndex(1)
				capture(t, u, name("fairness"))
				test.Tap(u.duty.month.rules)
				capture(t, u, name("rules"))
				tab(t, overlay(t, u), lang.L("roster.calendar_tab"))
				capture(t, u, name("rules-calendar"))
				test.Tap(findButton(t, overlay(t, u), lang.L("action.close")))
				u.duty.tabs.SelectIndex(0)
				test.Type(u.duty.today.logText, "泸溪县来电：G65 吉首段发生追尾，1 人受伤，已通知交警")
				test.Tap(u.duty.today.logAdd)
				capture(t, u, name("today"))
				test.Tap(u.duty.today.handOver)
				capture(t, u, name("handover"))
				test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))
				// Published, then one of 冯备勤's duties taken away: he has
				// a notice of each kind the month gives.
				ctx := setupContext(t)
				if _, err := d.store.rosters.Publish(ctx, d.jishou.ID, roster.Month{Y: 2026, M: 10}, true); err != nil {
					t.Fatal(err)
				}
				duties, _ := d.store.rosters.PersonDuties(ctx, d.feng.ID, date(t, "2026-10-01"), date(t, "2026-10-31"))
				if len(duties) > 0 {
					if _, err := d.store.rosters.ClearAssignment(ctx, d.jishou.ID, duties[0].Day, duties[0].Post, "出差"); err != nil {
						t.Fatal(err)
					}
				}
				u.duty.tabs.SelectIndex(2)
				u.duty.mine.personSel.SetSelectedIndex(0)
				capture(t, u, name("mine"))
			})
		}
	}
}

func itoaSize(s fyne.Size) string {
	return strconv.Itoa(int(s.Width)) + "x" + strconv.Itoa(int(s.Height))
}

func capture(t *testing.T, u *UI, path string) {
	t.Helper()
	img := u.win.Canvas().Capture()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
