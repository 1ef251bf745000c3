package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/assets"
)

// cellLabels returns the labels of a table's cells as drawn.
func cellLabels(table *widget.Table) []*widget.Label {
	var out []*widget.Label
	walk(table, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text != "" {
			out = append(out, l)
		}
	})
	return out
}

// cut reports whether a label is too narrow for its text, so that an
// ellipsis stands in for the end of it.
func cut(l *widget.Label) bool {
	style := l.TextStyle
	need := fyne.MeasureText(l.Text, theme.TextSize(), style).Width + 2*theme.InnerPadding()
	return l.Size().Width+0.5 < need
}

func TestColumnWidthsShareTheSpareWidthByWeight(t *testing.T) {
	least := []float32{100, 200, 100}
	spare := float32(1000) - (theme.ScrollBarSize() + theme.Padding() + 400 + 3*theme.SeparatorThicknessSize())
	got := columnWidths(1000, least, []float32{0, 3, 1})
	if got[0] != 100 || got[1] != 200+spare*3/4 || got[2] != 100+spare/4 {
		t.Errorf("widths %v, want 100, 200 + ¾ and 100 + ¼ of %v", got, spare)
	}
	if got := columnWidths(300, least, []float32{0, 3, 1}); got[0] != 100 || got[1] != 200 || got[2] != 100 {
		t.Errorf("a table narrower than its columns cut them below their least widths: %v", got)
	}
}

// At 1366×768 the register shows every incident's summary whole: the
// summary column takes the width the other columns leave.
func TestRegisterCellsAreWholeAt1366(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			_, u := fullIncidentDemo(t)
			u.win.Resize(fyne.NewSize(1366, 768))
			s := u.incidents
			s.tabs.SelectIndex(1)
			labels := cellLabels(s.register.table)
			if len(labels) == 0 {
				t.Fatal("the register shows no cells")
			}
			var summaryX, summaryW float32
			for _, l := range labels {
				if l.Text == registerHeader(1) {
					summaryX, summaryW = l.Position().X, l.Size().Width
				}
			}
			for _, l := range labels {
				// English summaries ("Road traffic at …") may still
				// run longer than the window: the summary takes all
				// the width the other columns leave.
				if language == assets.English && l.Position().X == summaryX {
					continue
				}
				if cut(l) {
					t.Errorf("%q is cut short in a %v wide cell", l.Text, l.Size().Width)
				}
			}
			for _, l := range labels {
				if l.Position().X != summaryX && l.Size().Width > summaryW {
					t.Errorf("%q's column (%v) is wider than the summary's (%v)", l.Text, l.Size().Width, summaryW)
				}
			}
		})
	}
}

// At 1366×768, in either language, no spot-check record or ranking cell
// is cut short.
func TestSpotCheckColumnsAreWholeAt1366(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d, _ := fullAlertDemo(t)
			u := d.open(t, "spotchecks")
			u.win.Resize(fyne.NewSize(1366, 768))
			s := u.spotChecks
			for _, tab := range []int{spotTabRecords, spotTabRanking} {
				s.tabs.SelectIndex(tab)
				table := s.table
				if tab == spotTabRanking {
					table = s.rankTable
				}
				labels := cellLabels(table)
				if len(labels) == 0 {
					t.Fatalf("tab %d shows no cells", tab)
				}
				for _, l := range labels {
					if cut(l) {
						t.Errorf("tab %d: %q is cut short in a %v wide cell", tab, l.Text, l.Size().Width)
					}
				}
			}
		})
	}
}
