package ui

import (
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
