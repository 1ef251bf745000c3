// Package locale reads the language the system asks for, and settles the
// C locale before the window toolkit reads it.
//
// A duty-room PC set up without a locale (LANG unset, C or POSIX) is a
// Chinese duty room's PC: the program speaks Chinese there. Fyne reads the
// locale in its lang package's init and logs a parse error for "C" on every
// start, command-line commands included. Go initialises ready packages in
// import-path order, and "dutyroom/..." sorts before "fyne.io/...", so this
// package's init runs first and turns the C locale into zh_CN.UTF-8.
package locale

import (
	"os"
	"strings"
)

// Chinese and English are the languages the program has.
const (
	Chinese = "zh-Hans"
	English = "en"
)

func init() {
	if isC(current()) {
		os.Setenv("LC_ALL", "zh_CN.UTF-8")
	}
}

// current follows the lookup order of gettext and of Fyne: LC_ALL,
// LC_MESSAGES, LANG.
func current() string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return ""
}

// System returns the language the environment asks for: Chinese for a
// Chinese or C locale, English for any other. LANGUAGE, when set, comes
// ahead of the locale, as in gettext.
func System() string {
	loc := current()
	if isC(loc) {
		return Chinese
	}
	if list := os.Getenv("LANGUAGE"); list != "" {
		loc = strings.Split(list, ":")[0]
	}
	if strings.HasPrefix(strings.ToLower(loc), "zh") {
		return Chinese
	}
	return English
}

func isC(loc string) bool {
	return loc == "" || loc == "C" || loc == "POSIX" || strings.HasPrefix(loc, "C.")
}
