package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The main window's questions answer the keyboard too: Escape leaves the
// intake form as it was, Enter clears it.
func TestQuestionDialogsAnswerEscapeAndEnter(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	test.Type(f.placeText, "G65 吉首段")
	press := func(key fyne.KeyName) {
		t.Helper()
		focused := u.win.Canvas().Focused()
		if focused == nil {
			t.Fatal("the question holds no keyboard")
		}
		focused.TypedKey(&fyne.KeyEvent{Name: key})
	}
	f.onClear()
	press(fyne.KeyEscape)
	if u.win.Canvas().Overlays().Top() != nil || f.placeText.Text != "G65 吉首段" {
		t.Fatalf("Escape: dialog open %v, place %q", u.win.Canvas().Overlays().Top() != nil, f.placeText.Text)
	}
	f.onClear()
	press(fyne.KeyReturn)
	if u.win.Canvas().Overlays().Top() != nil || f.placeText.Text != "" {
		t.Fatalf("Enter: dialog open %v, place %q", u.win.Canvas().Overlays().Top() != nil, f.placeText.Text)
	}
}
