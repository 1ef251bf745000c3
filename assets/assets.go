// Package assets owns the files built into the program: translations, the
// bundled Chinese font and the icon.
package assets

import (
	"embed"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"dutyroom/assets/fonts"
	"dutyroom/assets/locale"
)

// Languages the program speaks. The Chinese file is named zh-Hans.json, not
// zh-CN.json: with zh-CN Fyne's own strings (dialog buttons) stop translating.
const (
	Chinese = locale.Chinese
	English = locale.English
)

//go:embed translations
var translations embed.FS

//go:embed icon.png
var icon []byte

// Resources for the theme and the window.
var (
	FontRegular = fyne.NewStaticResource("NotoSansSC-Regular.otf", fonts.Regular)
	FontBold    = fyne.NewStaticResource("NotoSansSC-Bold.otf", fonts.Bold)
	Icon        = fyne.NewStaticResource("icon.png", icon)
)

// LoadTranslations adds the program's translations to Fyne's. Call it after
// ChooseLanguage: Fyne picks the language from the environment as it loads.
func LoadTranslations() error {
	return lang.AddTranslationsFS(translations, "translations")
}

// Translations returns the embedded translation files, for tests that check
// them against the code.
func Translations() embed.FS { return translations }

// ChooseLanguage decides the language from pref (Chinese, English, or "" to
// follow the system) and returns it. Duty rooms run Chinese systems or bare
// ones, so an unset, "C" or "POSIX" locale means Chinese; any other
// non-Chinese locale means English, the one other language the program has.
//
// Fyne reads the language from the environment only, so the choice is made
// by setting LC_ALL (and clearing LANGUAGE, which Fyne would prefer to it).
// Call it before LoadTranslations.
func ChooseLanguage(pref string) string {
	choice := pref
	if choice != Chinese && choice != English {
		choice = locale.System()
	}
	locale := "en_US.UTF-8"
	if choice == Chinese {
		locale = "zh_CN.UTF-8"
	}
	os.Setenv("LC_ALL", locale)
	os.Unsetenv("LANGUAGE")
	return choice
}
