package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/assets"
)

// The offline wording and 未送达 at 1366×768 in both languages: each line
// is in the window's language, and with DUTYROOM_SCREENSHOTS naming a
// folder the screens are written there to be looked at.
func TestOfflineScreensInBothLanguages(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			shot := func(u *UI, what string) {
				if dir != "" {
					capture(t, u, filepath.Join(dir, language+"-offline-"+what+"-1366x768.png"))
				}
			}
			inWindowLanguage := func(what, text string) {
				t.Helper()
				if text == "" || (language == assets.Chinese) != strings.ContainsAny(text, "线送达") {
					t.Errorf("%s in %s reads %q", what, language, text)
				}
			}

			// 查岗: the form offline, two checks that never left, and the ranking.
			cd := newConsultDemo(t)
			d := cd.alertDemo
			d.checks.undelivered = true
			u, _ := d.openWithHub(t, "spotchecks", reconnecting)
			s := u.spotChecks
			inWindowLanguage("the spot-check form's line", s.reach.Text)
			typeIntoEntry(s.count, "2")
			test.Tap(s.startRandom)
			shot(u, "spotcheck-form")
			d.now = d.now.Add(4 * time.Minute)
			u.pollAlerts()
			s.tabs.SelectIndex(spotTabRecords)
			shot(u, "spotcheck-records")
			s.tabs.SelectIndex(spotTabRanking)
			shot(u, "spotcheck-ranking")

			// 预警: the form offline, and a warning's progress with 未送达.
			w := warning.Warning{Level: warning.Orange, Type: warning.Flood, ValidUntil: d.now.Add(12 * time.Hour), Text: "沅水将出现超警戒水位。", IssuedBy: "孙局长"}
			if err := d.warnings.Issue(app.WithAuthor(setupContext(t), "值班员甲"), &w); err != nil {
				t.Fatal(err)
			}
			d.warnings.deliveries = append(d.warnings.deliveries, warning.Delivery{Warning: w.ID, Station: d.qianzhou.ID, At: d.now.UTC()})
			u.nav.open("warnings")
			u.warnings.tabs.SelectIndex(warningTabIssue)
			inWindowLanguage("the warning form's line", u.warnings.form.reach.Text)
			shot(u, "warning-form")
			u.warnings.tabs.SelectIndex(warningTabIssued)
			u.warnings.issued.list.Select(0)
			shot(u, "warning-progress")

			// 会商: the new-consultation form offline, and 进入会商 refused.
			cu, _ := cd.openOffline(t, "consultation")
			cu.consults.onNew()
			shot(cu, "consult-new")
			test.Tap(findButton(t, overlay(t, cu), lang.L("consult.create")))
			shot(cu, "consult-new-refused")
		})
	}
}
