package ui

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/assets"
)

// fullIncidentDemo is the fullest the screens get: incidents of every
// kind, reports due and overdue, a report written, an alarm waiting.
func fullIncidentDemo(t *testing.T) (*incidentDemo, *UI) {
	t.Helper()
	d := newIncidentDemo(t, "2026-10-03 09:00")
	seed(t, d, "2026-10-03 07:40", d.qianzhou.ID, "G65 沪昆高速吉首段 K1234 处两辆货车追尾起火", incident.RoadTraffic, 3)
	sendOnTime(t, d, seed(t, d, "2026-10-02 22:00", d.village.ID, "乾元村三组山体滑坡", incident.Geological, 0), "2026-10-02 22:30")
	seed(t, d, "2026-10-03 08:30", d.village.ID, "乾元村民房火灾", incident.Fire, 2)
	seed(t, d, "2026-09-01 10:00", app.NilID, "吉首大学实验室危化品泄漏", incident.HazardousChemicals, 0)
	u := openIncidents(t, d)
	u.win.Resize(smallest)
	u.IncidentArrived(arrivedIncident(d, incident.GradeMajor, 12))
	return d, u
}

// TestIncidentScreensFitSmallestWindow checks, in both languages, that
// every part of the 接报 screen and its dialogs can be laid out in a
// 1024×700 window, with the alarm banner taking its row.
func TestIncidentScreensFitSmallestWindow(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			_, u := fullIncidentDemo(t)
			s := u.incidents
			for i := range s.tabs.Items {
				s.tabs.SelectIndex(i)
				fits(t, s.tabs.Items[i].Text, u.win.Content().MinSize())
			}
			s.tabs.SelectIndex(0)
			f := s.form
			test.Type(f.counts["counts.dead"], "-1")
			test.Tap(f.save)
			fits(t, "intake form with an error", u.win.Content().MinSize())

			s.tabs.SelectIndex(1)
			s.register.table.Select(tableRow(0))
			v := s.view
			for i := range v.tabs.Items {
				v.tabs.SelectIndex(i)
				fits(t, "incident "+v.tabs.Items[i].Text, u.win.Content().MinSize())
			}
			v.tabs.SelectIndex(1)
			test.Tap(v.newInitial)
			fits(t, "report dialog", overlay(t, u).MinSize())
			test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))
			test.Tap(v.override)
			test.Tap(findButton(t, overlay(t, u), lang.L("incident.override_grade")))
			fits(t, "override dialog with an error", overlay(t, u).MinSize())
			test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))
			test.Tap(v.confirm)
			fits(t, "confirm dialog", overlay(t, u).MinSize())
		})
	}
}

// TestIncidentScreenshots renders the 接报 screens for a person to look
// at, in the folder named by DUTYROOM_SCREENSHOTS.
func TestIncidentScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the incident screens")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		for _, size := range []fyne.Size{smallest, fyne.NewSize(1366, 768), defaultWindowSize} {
			t.Run(language+itoaSize(size), func(t *testing.T) {
				inLanguage(t, language)
				d, u := fullIncidentDemo(t)
				u.win.Resize(size)
				name := func(what string) string {
					return filepath.Join(dir, language+"-incident-"+what+"-"+itoaSize(size)+".png")
				}
				s := u.incidents
				f := s.form
				test.Type(f.reporterName, "王五")
				test.Type(f.reporterUnit, "吉首市交警大队")
				test.Type(f.reporterPhone, "13800000000")
				fill(t, f, incident.RoadTraffic)
				test.Type(f.counts["counts.dead"], "2")
				test.Type(f.counts["counts.serious_injured"], "4")
				test.Type(f.description, "两辆货车追尾后起火，交警、消防已到场。")
				capture(t, u, name("intake"))
				test.Tap(f.placeChoose)
				test.Type(u.win.Canvas().Focused().(fyne.Focusable).(*widget.Entry), "qz")
				capture(t, u, name("place-search"))
				test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))
				typeInto(f.counts["counts.dead"], "3a")
				capture(t, u, name("intake-correct"))
				typeInto(f.counts["counts.dead"], "12")
				capture(t, u, name("intake-major"))
				f.formArea.ScrollToBottom()
				capture(t, u, name("intake-deadlines"))
				f.formArea.ScrollToTop()
				typeInto(f.counts["counts.dead"], "2")
				test.Type(f.counts["counts.injured"], "-1")
				test.Tap(f.save)
				capture(t, u, name("intake-error"))
				s.tabs.SelectIndex(1)
				capture(t, u, name("register"))
				s.tabs.SelectIndex(2)
				capture(t, u, name("stats"))
				u.alarm.onAcknowledge()
				s.tabs.SelectIndex(1)
				s.register.table.Select(tableRow(0))
				d.setClock(t, "2026-10-03 09:00:25")
				s.onSecond()
				capture(t, u, name("view-tasks"))
				v := s.view
				v.tabs.SelectIndex(1)
				test.Tap(v.newInitial)
				capture(t, u, name("report-dialog"))
				test.Tap(findButton(t, overlay(t, u), lang.L("incident.report_save")))
				capture(t, u, name("view-reports"))
				v.tabs.SelectIndex(2)
				capture(t, u, name("view-timeline"))
				test.Tap(v.override)
				capture(t, u, name("override"))
			})
		}
	}
}

func tableRow(row int) widget.TableCellID { return widget.TableCellID{Row: row, Col: 1} }
