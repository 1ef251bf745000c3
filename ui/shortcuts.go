package ui

import (
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// screenKeys are the keys that, with Ctrl (Cmd on a Mac), open the screens
// in navigation order: Ctrl+1 值班 … Ctrl+8 设置.
var screenKeys = []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9}

// newIntakeShortcut is Ctrl+N: a call is coming in.
var newIntakeShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}

// helpKey opens the list of shortcuts.
const helpKey = fyne.KeyF1

// addShortcuts registers the window's shortcuts. Fyne hands a shortcut to
// the focused widget when it takes shortcuts, so an entry would swallow
// these: the entries of the forms pass them on with windowShortcut.
func (u *UI) addShortcuts() {
	c := u.win.Canvas()
	for i, s := range u.nav.screens {
		if i >= len(screenKeys) {
			break
		}
		id := s.id
		c.AddShortcut(screenShortcut(i), func(fyne.Shortcut) { u.nav.open(id) })
	}
	c.AddShortcut(newIntakeShortcut, func(fyne.Shortcut) { u.newIntake() })
	// F1 has no modifier, so it arrives as a typed key, and only while no
	// widget holds the keyboard; the navigation's 快捷键 button is the way
	// from anywhere.
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == helpKey {
			u.showShortcuts()
		}
	})
}

func screenShortcut(i int) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: screenKeys[i], Modifier: fyne.KeyModifierShortcutDefault}
}

// windowShortcut passes s to the window when it is one of the window's own
// shortcuts, and reports whether it did; an entry calls it first from its
// TypedShortcut, so Ctrl+1 switches screens with the cursor in a field.
func windowShortcut(o fyne.CanvasObject, s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok || cs.Modifier != fyne.KeyModifierShortcutDefault {
		return false
	}
	ours := cs.KeyName == fyne.KeyN
	for _, k := range screenKeys {
		ours = ours || cs.KeyName == k
	}
	if !ours {
		return false
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(o)
	if sc, ok := c.(fyne.Shortcutable); ok {
		sc.TypedShortcut(s)
		return true
	}
	return false
}

// newIntake opens 接报 on its intake form with the cursor in the caller's
// name, the first thing asked. A form already typed into is kept as it
// is, not emptied: it is a call not yet saved, worth more than a blank form.
func (u *UI) newIntake() {
	u.nav.open("incidents")
	s := u.incidents
	if s == nil {
		return
	}
	if len(s.body.Objects) > 0 && s.body.Objects[0] != s.tabs {
		s.closeIncident()
	}
	s.tabs.SelectIndex(0)
	if !s.form.touched {
		s.form.reset()
	}
	u.win.Canvas().Focus(s.form.reporterName)
}

// modifierName is how the shortcut modifier is written on this system.
func modifierName() string {
	if runtime.GOOS == "darwin" {
		return "⌘"
	}
	return "Ctrl"
}

// shortcutRows are the lines of the 快捷键 help: keys, then what they do.
func (u *UI) shortcutRows() [][2]string {
	mod := modifierName()
	var rows [][2]string
	for i, s := range u.nav.screens {
		if i >= len(screenKeys) {
			break
		}
		rows = append(rows, [2]string{mod + "+" + string(screenKeys[i]), lang.L("shortcuts.open", map[string]any{"Screen": s.label})})
	}
	return append(rows,
		[2]string{mod + "+N", lang.L("shortcuts.new_intake")},
		[2]string{mod + "+S", lang.L("shortcuts.save_intake")},
		[2]string{"Enter / Esc", lang.L("shortcuts.close_message")},
		[2]string{"F1", lang.L("shortcuts.help")},
	)
}

// showShortcuts lists the keyboard shortcuts in a dialog.
func (u *UI) showShortcuts() {
	grid := container.New(layout.NewFormLayout())
	for _, r := range u.shortcutRows() {
		key := widget.NewLabel(r[0])
		key.TextStyle = fyne.TextStyle{Bold: true}
		grid.Add(key)
		grid.Add(widget.NewLabel(r[1]))
	}
	note := hintLabel(lang.L("shortcuts.note"))
	d, keys := newKeyedDialog(lang.L("shortcuts.title"), lang.L("action.close"), container.NewVBox(grid, note), u.win)
	d.Resize(fyne.NewSize(460, 0))
	showKeyed(d, keys, u.win)
}

// helpButton is the navigation's way to the 快捷键 help.
func (u *UI) helpButton() *widget.Button {
	b := widget.NewButtonWithIcon(lang.L("shortcuts.button"), theme.HelpIcon(), u.showShortcuts)
	b.Importance = widget.LowImportance
	b.Alignment = widget.ButtonAlignLeading
	return b
}

// shortcutEntry is a plain entry that passes the window's shortcuts on
// rather than swallowing them: for the fields a duty officer's cursor
// rests in between calls, the duty log and the directory's search.
type shortcutEntry struct {
	widget.Entry
}

func newShortcutEntry() *shortcutEntry {
	e := &shortcutEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// newShortcutMultiLineEntry is widget.NewMultiLineEntry passing the
// window's shortcuts on.
func newShortcutMultiLineEntry() *shortcutEntry {
	e := newShortcutEntry()
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	return e
}

func (e *shortcutEntry) TypedShortcut(s fyne.Shortcut) {
	if windowShortcut(e, s) {
		return
	}
	e.Entry.TypedShortcut(s)
}
