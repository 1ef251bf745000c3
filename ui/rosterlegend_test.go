package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"dutyroom/assets"
)

// The month's legend is shown whole in both languages, from the smallest
// window to one on a 1366×768 screen: it wraps rather than being clipped.
func TestRosterLegendIsShownWhole(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		for _, size := range []fyne.Size{smallest, defaultWindowSize} {
			t.Run(language+itoaSize(size), func(t *testing.T) {
				inLanguage(t, language)
				d := newDutyDemo(t, "2026-10-03 09:00")
				u := openDuty(t, d, 1)
				// A wrapped label knows its lines once it has a width: the
				// window lays out again, as a frame would.
				u.win.Resize(size.AddWidthHeight(1, 0))
				u.win.Resize(size)
				l := u.duty.month.legend
				if l.Truncation != fyne.TextTruncateOff || l.Wrapping == fyne.TextWrapOff {
					t.Fatalf("the legend is cut (truncation %v, wrapping %v)", l.Truncation, l.Wrapping)
				}
				lines := fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle).Width/(l.Size().Width-2*theme.InnerPadding()) + 0.99
				lineHeight := fyne.MeasureText("领", theme.TextSize(), l.TextStyle).Height
				if l.Size().Height < float32(int(lines))*lineHeight {
					t.Errorf("the legend needs about %d lines of %v px but is %v px high", int(lines), lineHeight, l.Size().Height)
				}
			})
		}
	}
}

// In the window a 1366×768 screen shows, a holiday with four posts shows
// all four lines in its cell, the standby's included.
func TestRosterCellsShowEveryPostAtTheDefaultWindow(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	u := openDuty(t, d, 1)
	u.win.Resize(defaultWindowSize)
	test.Tap(u.duty.month.generate)
	test.Tap(findButton(t, overlay(t, u), lang.L("roster.generate_run")))
	c := cellOf(t, u, date(t, "2026-10-05"))
	if len(c.view.lines) < 4 {
		t.Fatalf("10-05 has %d posts, want a holiday's four: %q", len(c.view.lines), cellText(c))
	}
	r := test.WidgetRenderer(c).(*dayCellRenderer)
	shown := 0
	for _, l := range r.lines[:len(c.view.lines)] {
		if l.Visible() {
			shown++
		}
	}
	if shown != len(c.view.lines) {
		t.Errorf("the cell is %v high and shows %d of its %d lines: %q", c.Size().Height, shown, len(c.view.lines), cellText(c))
	}
}
