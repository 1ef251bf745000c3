package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// Fyne writes the file dialog's places in English; the Chinese window
// names them in Chinese.
func TestFileDialogNamesItsPlacesInTheWindowsLanguage(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	u.nav.open("settings")
	test.Tap(u.settings.backup)
	shown := texts(overlay(t, u))
	for _, english := range []string{"Home", "Computer"} {
		for _, s := range shown {
			if s == english {
				t.Errorf("the file dialog shows %q in the Chinese window: %v", english, shown)
			}
		}
	}
	if !hasText(overlay(t, u), "主文件夹") {
		t.Errorf("the file dialog does not name the home folder 主文件夹: %v", shown)
	}
}
