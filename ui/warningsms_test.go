package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/assets"
)

// smsAckDemo is a warning 吉首市 issued, 乾州街道 acknowledged by a reply to
// the 叫应 SMS and 乾元村's officer on the hub's phone page, both recorded
// by the hub (no recording station).
func smsAckDemo(t *testing.T) (*alertDemo, warning.Warning) {
	t.Helper()
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, ValidUntil: d.now.Add(12 * time.Hour), Text: "预计未来6小时有大暴雨。", IssuedBy: "孙局长"}
	if err := d.warnings.Issue(app.WithAuthor(setupContext(t), "值班员甲"), &w); err != nil {
		t.Fatal(err)
	}
	d.warnings.receiveAck(warning.Ack{Warning: w.ID, Station: d.qianzhou.ID, Person: "林值班", Via: warning.ViaSMS,
		Number: "138****1111", At: d.now.Add(3 * time.Minute)})
	d.warnings.receiveAck(warning.Ack{Warning: w.ID, Station: d.village.ID, Person: "向信息员", Via: warning.ViaPage,
		At: d.now.Add(4 * time.Minute)})
	return d, w
}

// The issuer's progress says how each hub-recorded acknowledgement came:
// 短信签收 with the person, the masked number and the time; 信息员签收 for
// the officer's page; neither claims a duty room recorded it.
func TestProgressShowsSMSAndPageAcknowledgements(t *testing.T) {
	d, _ := smsAckDemo(t)
	u := d.open(t, "warnings")
	u.warnings.tabs.SelectIndex(warningTabIssued)
	u.warnings.issued.list.Select(0)
	rows := progressRows(u)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	if rows[0].state.Text != "短信签收" || rows[0].detail.Text != "林值班 138****1111 07-14 10:03" {
		t.Errorf("乾州街道: %q %q, want 短信签收 with the person, number and time", rows[0].state.Text, rows[0].detail.Text)
	}
	if rows[1].state.Text != "信息员签收" || rows[1].detail.Text != "向信息员 07-14 10:04" {
		t.Errorf("乾元村: %q %q, want 信息员签收 with the person and time", rows[1].state.Text, rows[1].detail.Text)
	}
	for _, r := range rows[:2] {
		if strings.Contains(r.detail.Text, "代录") {
			t.Errorf("a hub-recorded acknowledgement names a recording duty room: %q", r.detail.Text)
		}
	}
	if rows[1].proxy.Visible() {
		t.Error("a village acknowledged on the page is still offered a recording")
	}
	if u.warnings.issued.progress.counts.Text != "已签收 2/3（值班室 1/2，村 1/1）" {
		t.Errorf("counts %q", u.warnings.issued.progress.counts.Text)
	}
}

// TestSMSProgressScreenshots renders the issuer's progress with SMS and
// page acknowledgements to the folder named by DUTYROOM_SCREENSHOTS.
func TestSMSProgressScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the screens")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d, _ := smsAckDemo(t)
			u := d.open(t, "warnings")
			u.win.Resize(defaultWindowSize)
			u.warnings.tabs.SelectIndex(warningTabIssued)
			u.warnings.issued.list.Select(0)
			capture(t, u, filepath.Join(dir, language+"-warnings-progress-sms-"+itoaSize(defaultWindowSize)+".png"))
		})
	}
}
