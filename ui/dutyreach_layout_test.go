package ui

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"dutyroom/assets"
)

// TestDutyReachRowsFitAt1366 lays 今日值班 out at 1366×768 as the
// prefecture sees it, in both languages, and checks that every row below
// keeps its four buttons inside the row and room for the station's name.
// With DUTYROOM_SCREENSHOTS naming a folder it also writes the screen, and
// 通讯录 with its 今日值班 badges, for a person to look at.
func TestDutyReachRowsFitAt1366(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := newConsultDemo(t)
			publishQianzhou(t, d)
			st := d.store.stations[d.jishou.ID]
			st.Phone = "0743-8221100"
			d.store.stations[d.jishou.ID] = st
			d.store.identity = d.xiangxi.ID
			u := d.open(t, "duty")
			u.win.Resize(fyne.NewSize(1366, 768))
			layoutAll(u.win.Canvas().Content())
			rows := subRows(u)
			if len(rows) != 4 {
				t.Fatalf("%d rows below 湘西州, want 4", len(rows))
			}
			for _, r := range rows {
				rowEnd := r.Position().X + r.Size().Width
				for _, b := range []fyne.CanvasObject{r.copy, r.call, r.check, r.consult} {
					pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
					rowPos := fyne.CurrentApp().Driver().AbsolutePositionForObject(r)
					if pos.X+b.Size().Width > rowPos.X+r.Size().Width+1 || b.Size().Width < b.MinSize().Width {
						t.Errorf("%s: a button is cut off (ends %v, row ends %v)", r.sd.station.Name, pos.X+b.Size().Width, rowEnd)
					}
				}
				if w := r.station.Size().Width; w < 120 {
					t.Errorf("%s: the station's name has %v pixels", r.sd.station.Name, w)
				}
			}
			if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
				captureLaidOut(t, u, filepath.Join(dir, "duty-today-reach-"+language+".png"))
				u.nav.open("directory")
				u.directory.stationTree.Select(d.jishou.ID.String())
				captureLaidOut(t, u, filepath.Join(dir, "directory-on-duty-"+language+".png"))
				u.nav.open("duty")
				u.showShortcuts()
				captureLaidOut(t, u, filepath.Join(dir, "shortcuts-"+language+".png"))
			}
		})
	}
}
