package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
)

// The day's report as a bulletin: numbered, signed by the leader on duty,
// addressed to the station above, with the posts, the log, the incidents
// and the handover; made again, it keeps its number.
func TestDailyReportDocumentIsNumberedAndCarriesTheShift(t *testing.T) {
	d := newDutyDemo(t, "2026-10-04 08:10")
	d.put("2026-10-03", leader0, d.sun)
	d.put("2026-10-03", officer0, d.chen)
	ctx := app.WithAuthor(t.Context(), "陈值班")
	day := date(t, "2026-10-03")
	if err := d.store.rosters.AddLogEntry(ctx, &roster.LogEntry{Station: d.jishou.ID, Day: day, At: d.now.Add(-time.Hour),
		Kind: roster.LogCall, Text: "泸溪县报告道路交通事故"}); err != nil {
		t.Fatal(err)
	}
	if err := d.store.rosters.HandOver(ctx, &roster.Handover{Station: d.jishou.ID, Day: day, Outgoing: d.chen.ID, OutgoingName: "陈值班",
		OutAt: d.now, OpenMatters: []string{"续报待核"}}); err != nil {
		t.Fatal(err)
	}
	svc := d.store.services()
	svc.Documents = &fakeNumbers{}
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open("duty")
	u.duty.tabs.SelectIndex(0)
	u.duty.today.data.incidents = []incident.Incident{{
		ReceivedAt: d.now.Add(-2 * time.Hour), Category: incident.RoadTraffic, Title: "G65 两车相撞",
		Counts: incident.Counts{Dead: 2, Injured: 3}, Provisional: incident.GradeGeneral, Status: incident.StatusOpen,
	}}
	dir := t.TempDir()
	u.duty.chooseSave = func(name string, _ []string, done func(fyne.URIWriteCloser, error)) {
		done(storage.Writer(storage.NewFileURI(filepath.Join(dir, name))))
	}
	for range 2 {
		test.Tap(u.duty.today.reportDoc)
		if !hasText(overlay(t, u), "本站2026年第1期") {
			t.Fatalf("the daily report's document is not 第1期: %v", texts(overlay(t, u)))
		}
		if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
			capture(t, u, filepath.Join(dir, "zh-daily-document-1366x768.png"))
		}
		test.Tap(findButton(t, overlay(t, u), "保存为 PDF…"))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) != 1 {
		t.Fatalf("saved %v", files)
	}
	out, err := exec.Command("pdftotext", files[0], "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	flat := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"吉首市应急管理局值班信息", "第1期", "签发人：孙局长", "吉首市2026年10月3日值班日报",
		"湘西州应急管理局：", "带班领导：孙局长", "值班员：陈值班", "泸溪县报告道路交通事故（陈值班）",
		"G65两车相撞，死亡2人、失踪0人、受伤3人，一般级", "陈值班于08:10交班", "待办事项一：续报待核"} {
		if !strings.Contains(flat, strings.ReplaceAll(want, " ", "")) {
			t.Errorf("%q missing from the daily report document:\n%s", want, out)
		}
	}
}
