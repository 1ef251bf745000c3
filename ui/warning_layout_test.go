package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
	"dutyroom/assets"
)

// fullAlertDemo fills the demo as a busy day leaves it: a red and a blue
// warning received, one issued here with some acknowledgements, checks
// started here in every state, and a check of this station waiting with
// an older one never answered.
func fullAlertDemo(t *testing.T) (*alertDemo, warning.Warning) {
	t.Helper()
	d := newAlertDemo(t, "2026-07-14 10:00:40")
	d.fromPrefecture(warning.Blue)
	d.fromPrefecture(warning.Red)
	issued := warning.Warning{Level: warning.Orange, Type: warning.Geological, Area: "乾州街道、石家冲街道沿河各村",
		ValidUntil: d.now.Add(48 * time.Hour), Text: "受持续强降雨影响，沿河低洼地带和地质灾害隐患点发生险情的可能性大，请立即组织巡查，必要时转移群众。", IssuedBy: "孙局长"}
	if err := d.warnings.Issue(setupContext(t), &issued); err != nil {
		t.Fatal(err)
	}
	d.warnings.receiveAck(warning.Ack{Warning: issued.ID, Station: d.qianzhou.ID, RecordedBy: d.qianzhou.ID, Person: "林值班", At: d.now.Add(time.Minute)})
	for i, answer := range []time.Duration{time.Minute, 5 * time.Minute, 0, -1} {
		at := d.now.Add(-time.Duration(3-i) * 24 * time.Hour)
		if answer < 0 {
			at = d.now.Add(-30 * time.Second)
		}
		target := d.qianzhou
		if i%2 == 1 {
			target = d.shiqiao
		}
		c := d.checks.receive(spotcheck.Check{By: d.jishou.ID, Target: target.ID, StartedAt: at.UTC(), Deadline: at.Add(3 * time.Minute).UTC(), StartedBy: "值班员甲"})
		if answer > 0 {
			d.checks.answers = append(d.checks.answers, spotcheck.Answer{Check: c.ID, Station: target.ID, Person: "林值班", At: at.Add(answer).UTC()})
		}
	}
	d.checkFromPrefecture(t, "2026-07-12 22:15:00")
	d.checkFromPrefecture(t, "2026-07-14 10:00:00")
	return d, issued
}

// TestAlertScreensFitSmallestWindow checks every tab and dialog of the
// warning and spot-check screens, and the prompt over them, at 1024×700
// in both languages, with the banners shown.
func TestAlertScreensFitSmallestWindow(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d, _ := fullAlertDemo(t)
			d.store.queued = 12345
			u := d.open(t, "warnings")
			u.win.Resize(smallest)
			p := u.spotPrompt
			fits(t, "spot-check prompt", p.overlay.MinSize())
			if p.overlay.Size() != u.win.Canvas().Size() {
				t.Errorf("the prompt covers %v of %v", p.overlay.Size(), u.win.Canvas().Size())
			}
			p.tick()
			d.now = d.now.Add(5 * time.Minute)
			p.tick()
			test.Tap(p.answer) // late, with the error and the note shown before
			test.Tap(findButton(t, overlay(t, u), lang.L("action.ok")))
			if !u.warnBanner.content.Visible() || !p.banner.Visible() {
				t.Fatal("the banners are not both shown")
			}

			w := u.warnings
			for i := range w.tabs.Items {
				w.tabs.SelectIndex(i)
				switch i {
				case warningTabReceived:
					w.received.list.Select(0)
				case warningTabIssue:
					test.Tap(w.form.issue) // an error beside a field
				case warningTabIssued:
					w.issued.list.Select(0)
				}
				fits(t, "warnings "+w.tabs.Items[i].Text, u.win.Content().MinSize())
			}
			test.Tap(progressRows(u)[1].proxy)
			fits(t, "proxy acknowledgement", overlay(t, u).MinSize())
			test.Tap(findButton(t, overlay(t, u), lang.L("warning.proxy_save")))

			u.nav.open("spotchecks")
			s := u.spotChecks
			test.Tap(s.startOne)
			typeIntoEntry(s.limit, "0")
			test.Tap(s.saveLimit)
			for i := range s.tabs.Items {
				s.tabs.SelectIndex(i)
				fits(t, "spot checks "+s.tabs.Items[i].Text, u.win.Content().MinSize())
			}
		})
	}
}

// TestAlertScreenshots renders the warning and spot-check screens to PNG
// files in the folder named by DUTYROOM_SCREENSHOTS, for a person to look
// at: the prompt most of all.
func TestAlertScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the screens")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		for _, size := range []fyne.Size{smallest, defaultWindowSize} {
			t.Run(language, func(t *testing.T) {
				inLanguage(t, language)
				d, _ := fullAlertDemo(t)
				u := d.open(t, "warnings")
				u.win.Resize(size)
				name := func(what string) string {
					return filepath.Join(dir, language+"-"+what+"-"+itoaSize(size)+".png")
				}
				capture(t, u, name("spotcheck-prompt"))
				d.now = d.now.Add(3 * time.Minute)
				u.spotPrompt.tick()
				typeIntoEntry(u.spotPrompt.name, "")
				test.Tap(u.spotPrompt.answer)
				capture(t, u, name("spotcheck-prompt-late"))
				test.Type(u.spotPrompt.name, "刘值班")
				test.Tap(u.spotPrompt.answer)
				capture(t, u, name("spotcheck-answered"))
				test.Tap(findButton(t, overlay(t, u), lang.L("action.ok")))

				w := u.warnings
				w.received.list.Select(0)
				capture(t, u, name("warnings-received"))
				w.tabs.SelectIndex(warningTabIssue)
				test.Tap(w.form.chips[2])
				test.Tap(w.form.issue)
				capture(t, u, name("warnings-issue"))
				w.tabs.SelectIndex(warningTabIssued)
				w.issued.list.Select(0)
				capture(t, u, name("warnings-progress"))
				test.Tap(progressRows(u)[1].proxy)
				capture(t, u, name("warnings-proxy"))
				test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))

				u.nav.open("spotchecks")
				s := u.spotChecks
				capture(t, u, name("spotchecks-start"))
				s.tabs.SelectIndex(spotTabRecords)
				capture(t, u, name("spotchecks-records"))
				s.tabs.SelectIndex(spotTabRanking)
				capture(t, u, name("spotchecks-ranking"))
				u.spotPrompt.onBannerAnswer()
				capture(t, u, name("spotcheck-prompt-stale"))
			})
		}
	}
}
