package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/assets"
)

// inLanguage switches the translations for one test and back afterwards.
func inLanguage(t *testing.T, language string) {
	t.Helper()
	assets.ChooseLanguage(language)
	if err := assets.LoadTranslations(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		assets.ChooseLanguage(assets.Chinese)
		if err := assets.LoadTranslations(); err != nil {
			t.Fatal(err)
		}
	})
}

var smallest = fyne.NewSize(1024, 700)

func fits(t *testing.T, what string, min fyne.Size) {
	t.Helper()
	if min.Width > smallest.Width || min.Height > smallest.Height {
		t.Errorf("%s needs %v, more than the smallest supported window %v", what, min, smallest)
	}
}

// TestScreensFitSmallestWindow checks, in both languages, that every screen
// and form can be laid out at its minimum size in a 1024×700 window: below
// that, Fyne squeezes objects over one another.
func TestScreensFitSmallestWindow(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := newDemo()
			d.store.identity = d.jishou.ID
			d.store.queued = 12345
			u := newTestUI(t, d.store)
			u.win.Resize(smallest)
			for _, s := range u.nav.screens {
				u.nav.open(s.id)
				fits(t, s.id, u.win.Content().MinSize())
			}

			u.nav.open("directory")
			test.Tap(u.directory.addPerson)
			form := overlay(t, u)
			// An error message makes the form taller.
			test.Tap(findButton(t, form, lang.L("action.save")))
			fits(t, "person form", form.MinSize())
			test.Tap(findButton(t, form, lang.L("action.cancel")))

			test.Tap(u.directory.addStation)
			fits(t, "station form", overlay(t, u).MinSize())
		})
	}
}

// TestDutyScreensFitSmallestWindow does the same for every tab and dialog
// of the duty screen, filled with a generated holiday month: the fullest
// it gets.
func TestDutyScreensFitSmallestWindow(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := newDutyDemo(t, "2026-10-03 09:00")
			d.store.queued = 12345
			u := newTestUI(t, d.store)
			u.win.Resize(smallest)
			m := u.duty.month
			for i := range u.duty.tabs.Items {
				u.duty.tabs.SelectIndex(i)
				fits(t, u.duty.tabs.Items[i].Text, u.win.Content().MinSize())
			}
			u.duty.tabs.SelectIndex(1)
			test.Tap(m.generate)
			fits(t, "generate dialog", overlay(t, u).MinSize())
			test.Tap(findButton(t, overlay(t, u), lang.L("roster.generate_run")))
			fits(t, "generated month", u.win.Content().MinSize())

			test.Tap(cellOf(t, u, date(t, "2026-10-01")))
			for _, name := range []string{lang.L("roster.day_posts"), lang.L("roster.day_swap"), lang.L("roster.day_history")} {
				tab(t, overlay(t, u), name)
				fits(t, "day dialog "+name, overlay(t, u).MinSize())
			}
			test.Tap(findButton(t, overlay(t, u), lang.L("action.close")))

			test.Tap(m.rules)
			for _, name := range []string{lang.L("roster.rules_tab"), lang.L("roster.specials_tab"), lang.L("roster.absences_tab"), lang.L("roster.calendar_tab")} {
				tab(t, overlay(t, u), name)
				fits(t, "rules dialog "+name, overlay(t, u).MinSize())
			}
			test.Tap(findButton(t, overlay(t, u), lang.L("action.close")))

			files := answerFiles(t, u)
			test.Tap(m.export)
			fits(t, "export menu", overlay(t, u).MinSize())
			tapMenuItem(t, u, lang.L("roster.export_csv"))
			fits(t, "month with the export notice", u.win.Content().MinSize())
			// A refusal lists up to fifty rows; each long line wraps.
			var bad strings.Builder
			bad.WriteString("日期,岗位,姓名\n")
			for i := range 60 {
				fmt.Fprintf(&bad, "2026-10-%02d,值班员,一位名字很长而且不在通讯录里的人员%d\n", i%28+1, i)
			}
			files.file(t, "bad.csv", bad.String())
			test.Tap(m.importBtn)
			fits(t, "import refusal", overlay(t, u).MinSize())
			test.Tap(findButton(t, overlay(t, u), lang.L("action.close")))
			files.file(t, "good.csv", "日期,岗位,姓名\n2026-10-12,值班员,刘值班\n2026-10-13,值班员,刘值班\n")
			test.Tap(m.importBtn)
			fits(t, "import confirmation", overlay(t, u).MinSize())
			test.Tap(findButton(t, overlay(t, u), lang.L("roster.import_run")))
			fits(t, "import result", overlay(t, u).MinSize())
			test.Tap(findButton(t, overlay(t, u), lang.L("action.close")))

			// Published, the toolbar says by whom, and the people have notices.
			test.Tap(m.publish)
			test.Tap(findButton(t, overlay(t, u), lang.L("roster.publish_anyway")))
			fits(t, "published month", u.win.Content().MinSize())
			u.duty.tabs.SelectIndex(2)
			u.duty.mine.personSel.SetSelected("刘值班")
			fits(t, "my duties with notices", u.win.Content().MinSize())

			u.duty.tabs.SelectIndex(0)
			test.Tap(u.duty.today.handOver)
			fits(t, "handover dialog", overlay(t, u).MinSize())
		})
	}
}

// TestNavigationLabelsAreNotCut checks that the navigation is as wide as its
// widest label in both languages.
func TestNavigationLabelsAreNotCut(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			u := newTestUI(t, newDemo().store)
			u.win.Resize(smallest)
			for _, s := range u.nav.screens {
				need := fyne.MeasureText(s.label, u.app.Settings().Theme().Size("text"), fyne.TextStyle{Bold: true}).Width
				if got := u.nav.list.Size().Width; got < need {
					t.Errorf("navigation is %v wide, %q needs %v", got, s.label, need)
				}
			}
		})
	}
}
