package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// pressKey types a key the way the desktop driver does: to the focused
// widget, else to the window.
func pressKey(c fyne.Canvas, name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

func TestEnterAndEscapeCloseAnInformationDialog(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	c := u.win.Canvas()
	for _, key := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape} {
		u.showMessage("签到", "已签到")
		if !hasText(overlay(t, u), "已签到") {
			t.Fatal("the message is not shown")
		}
		pressKey(c, key)
		if c.Overlays().Top() != nil {
			t.Errorf("%s leaves the message open", key)
		}
	}
	u.showError(errFake("写入失败"))
	pressKey(c, fyne.KeyEscape)
	if c.Overlays().Top() != nil {
		t.Error("Escape leaves the error open")
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }

func TestCtrlNumberOpensEachScreenInNavigationOrder(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	u := openIncidents(t, d)
	c := u.win.Canvas()
	want := []string{"duty", "incidents", "instructions", "messages", "warnings", "spotchecks", "consultation", "directory", "settings"}
	if len(u.nav.screens) != len(want) {
		t.Fatalf("%d screens", len(u.nav.screens))
	}
	for i := len(want) - 1; i >= 0; i-- {
		pressShortcut(c, screenShortcut(i))
		if u.nav.current != want[i] {
			t.Errorf("Ctrl+%d opened %q, want %q", i+1, u.nav.current, want[i])
		}
	}
}

func TestCtrlNOpensANewIntakeWithTheCursorOnTheCaller(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	u := openIncidents(t, d)
	c := u.win.Canvas()
	f := u.incidents.form
	u.incidents.tabs.SelectIndex(1)
	u.nav.open("duty")
	pressShortcut(c, newIntakeShortcut)
	if u.nav.current != "incidents" || u.incidents.tabs.SelectedIndex() != 0 {
		t.Fatalf("Ctrl+N opened %q tab %d, want the intake form", u.nav.current, u.incidents.tabs.SelectedIndex())
	}
	if c.Focused() != f.reporterName {
		t.Fatalf("the cursor is on %T, want the caller's name", c.Focused())
	}
	// With the cursor in a field of the form, the window's shortcuts still
	// work, and a call half typed is kept, not emptied, by the next Ctrl+N.
	test.Type(f.reporterName, "田师傅")
	pressShortcut(c, screenShortcut(0))
	if u.nav.current != "duty" {
		t.Fatalf("Ctrl+1 in the caller's name opened %q", u.nav.current)
	}
	pressShortcut(c, newIntakeShortcut)
	if f.reporterName.Text != "田师傅" {
		t.Errorf("Ctrl+N emptied a call being taken: %q", f.reporterName.Text)
	}
}

func TestF1AndTheNavigationButtonShowTheShortcuts(t *testing.T) {
	u := newTestUI(t, newDutyDemo(t, "2026-10-03 09:00").store)
	c := u.win.Canvas()
	c.Unfocus()
	pressKey(c, fyne.KeyF1)
	help := overlay(t, u)
	for _, want := range []string{"快捷键", "Ctrl+1", "打开值班", "Ctrl+8", "打开设置", "Ctrl+N", "Enter / Esc", "F1"} {
		if !hasText(help, want) {
			t.Errorf("the help lacks %q: %v", want, texts(help))
		}
	}
	pressKey(c, fyne.KeyEscape)
	if c.Overlays().Top() != nil {
		t.Fatal("Escape leaves the help open")
	}
	test.Tap(findButton(t, u.win.Content(), "快捷键 F1"))
	if !hasText(overlay(t, u), "Ctrl+N") {
		t.Error("the navigation's button does not open the help")
	}
}

func TestCtrlNFromTheDutyLogFieldOpensTheIntake(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	u := openIncidents(t, d)
	c := u.win.Canvas()
	u.nav.open("duty")
	c.Focus(u.duty.today.logText)
	pressShortcut(c, newIntakeShortcut)
	if u.nav.current != "incidents" || c.Focused() != u.incidents.form.reporterName {
		t.Errorf("Ctrl+N in the duty log opened %q with the cursor on %T", u.nav.current, c.Focused())
	}
	// The directory's search passes them on too.
	u.nav.open("directory")
	test.Type(u.directory.search, "张")
	c.Focus(u.directory.search)
	pressShortcut(c, screenShortcut(0))
	if u.nav.current != "duty" {
		t.Errorf("Ctrl+1 in the directory's search opened %q", u.nav.current)
	}
}

// The fields a duty officer's cursor rests in on the screens pass Ctrl+1…
// and Ctrl+N on to the window instead of swallowing them.
func TestScreenShortcutsReachTheWindowFromTheScreensFields(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	c := u.win.Canvas()
	u.nav.open("settings")
	c.Focus(u.settings.hub.addr)
	if c.Focused() != u.settings.hub.addr {
		t.Fatal("the hub's address does not take the keyboard")
	}
	pressShortcut(c, screenShortcut(0))
	if u.nav.current != "duty" {
		t.Errorf("Ctrl+1 in the hub's address left the window on %q", u.nav.current)
	}

	m := openMessages(t, newMessageDemo(t, "2026-10-03 09:00"))
	mc := m.win.Canvas()
	mc.Focus(m.messages.search)
	pressShortcut(mc, screenShortcut(0))
	if m.nav.current != "duty" {
		t.Errorf("Ctrl+1 in the messages' search left the window on %q", m.nav.current)
	}

	_, iu := fullIncidentDemo(t)
	ic := iu.win.Canvas()
	iu.incidents.tabs.SelectIndex(1)
	ic.Focus(iu.incidents.register.search)
	pressShortcut(ic, newIntakeShortcut)
	if iu.incidents.tabs.SelectedIndex() != 0 || ic.Focused() != iu.incidents.form.reporterName {
		t.Errorf("Ctrl+N in the register's search left tab %d with the cursor on %T", iu.incidents.tabs.SelectedIndex(), ic.Focused())
	}
}
