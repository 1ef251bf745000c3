package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// The 附件 tab shows each file of the incident and of its reports with
// where it stands here: 已收到 opens and saves; 接收中 n% and 校验失败 do
// neither.
func TestIncidentFilesShowTheirState(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	photo := []byte("\xff\xd8\xff 现场照片")
	inc := incident.Incident{Station: d.qianzhou.ID, ReceivedAt: d.now.Add(-10 * 60e9), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: d.qianzhou.ID, Text: "G209 K1203"}, Category: incident.RoadTraffic, Title: "货车侧翻"}
	if _, _, err := d.svc.createWithFiles(t.Context(), &inc, []IncidentFile{{Name: "现场.jpg", MIME: "image/jpeg", Size: int64(len(photo)), Content: bytes.NewReader(photo)}}); err != nil {
		t.Fatal(err)
	}
	arriving := incident.Attachment{ID: app.NewID(), Name: "勘查记录.pdf", Size: 600 << 10, SHA256: strings.Repeat("a1", 32)}
	refused := incident.Attachment{ID: app.NewID(), Name: "示意图.png", Size: 300 << 10, SHA256: strings.Repeat("b2", 32)}
	d.svc.incidents[inc.ID].Attachments = append(d.svc.incidents[inc.ID].Attachments, arriving)
	d.svc.reports = append(d.svc.reports, &incident.Report{ID: app.NewID(), Incident: inc.ID, Station: d.qianzhou.ID,
		Kind: incident.KindFollowUp, Text: "续报", CreatedAt: d.now, Attachments: []incident.Attachment{refused}})
	d.svc.arriving[arriving.SHA256] = incident.ContentState{Parts: 5, Have: 2}
	d.svc.arriving[refused.SHA256] = incident.ContentState{Parts: 3, Damaged: "the 3 parts received do not make the file sent"}

	svc := d.services()
	svc.IncidentContents = d.svc
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open("incidents")
	dir := t.TempDir()
	u.incidents.chooseSave = func(name string, _ []string, done func(fyne.URIWriteCloser, error)) {
		done(storage.Writer(storage.NewFileURI(filepath.Join(dir, name))))
	}
	var opened string
	var openedData []byte
	u.incidents.openFile = func(name string, data []byte) error {
		opened, openedData = name, data
		return nil
	}
	u.incidents.openIncident(inc.ID)
	v := u.incidents.view
	v.tabs.SelectIndex(3)
	if v.tabs.Selected().Text != "附件" {
		t.Fatalf("the fourth tab is %q", v.tabs.Selected().Text)
	}
	if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
		captureLaidOut(t, u, filepath.Join(dir, "incident-files.png"))
	}
	rows := listRows(v.files)
	if len(rows) != 3 {
		t.Fatalf("%d rows: %v", len(rows), texts(v.files))
	}
	want := []struct{ name, state, source string }{
		{"现场.jpg", "已收到", "随事件"},
		{"勘查记录.pdf（600.0 KB）", "接收中 40%", "随事件"},
		{"示意图.png", "校验失败", "随续报"},
	}
	for i, w := range want {
		got := strings.Join(texts(rows[i]), " | ")
		if !strings.Contains(got, w.name) || !strings.Contains(got, w.state) || !strings.Contains(got, w.source) {
			t.Errorf("row %d reads %q, want %s, %s, %s", i, got, w.name, w.state, w.source)
		}
		open, save := findButton(t, rows[i], "打开"), findButton(t, rows[i], "另存为…")
		if open.Disabled() != (i > 0) || save.Disabled() != (i > 0) {
			t.Errorf("row %d: open disabled %v, save disabled %v", i, open.Disabled(), save.Disabled())
		}
	}

	test.Tap(findButton(t, rows[0], "打开"))
	if opened != "现场.jpg" || !bytes.Equal(openedData, photo) {
		t.Fatalf("opened %q with %d bytes", opened, len(openedData))
	}
	test.Tap(findButton(t, rows[0], "另存为…"))
	if got, err := os.ReadFile(filepath.Join(dir, "现场.jpg")); err != nil || !bytes.Equal(got, photo) {
		t.Fatalf("saved: %v", err)
	}
	if !hasText(v.content, "已保存 现场.jpg") {
		t.Errorf("no notice of the save: %v", texts(v.content))
	}
	state := rows[2].Objects[1].(*widget.Label)
	if state.Importance != widget.DangerImportance {
		t.Errorf("a refused file is shown as %v", state.Importance)
	}
}

// A program from another station, even one whose name a right-to-left
// override disguises as a photo, is never handed to the system's opener:
// 打开 explains why and offers 另存为… instead.
func TestIncidentFileThatWouldRunIsOnlySaved(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	body := []byte("MZ\x90\x00 not a photo")
	inc := incident.Incident{Station: d.qianzhou.ID, ReceivedAt: d.now.Add(-10 * 60e9), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: d.qianzhou.ID, Text: "G209 K1203"}, Category: incident.RoadTraffic, Title: "货车侧翻"}
	if _, _, err := d.svc.createWithFiles(t.Context(), &inc, []IncidentFile{{Name: "现场照片\u202egpj.exe", Size: int64(len(body)), Content: bytes.NewReader(body)}}); err != nil {
		t.Fatal(err)
	}
	svc := d.services()
	svc.IncidentContents = d.svc
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open("incidents")
	dir := t.TempDir()
	var saved string
	u.incidents.chooseSave = func(name string, _ []string, done func(fyne.URIWriteCloser, error)) {
		saved = name
		done(storage.Writer(storage.NewFileURI(filepath.Join(dir, name))))
	}
	opened := false
	u.incidents.openFile = func(string, []byte) error { opened = true; return nil }
	u.incidents.openIncident(inc.ID)
	v := u.incidents.view
	v.tabs.SelectIndex(3)
	rows := listRows(v.files)
	if len(rows) != 1 {
		t.Fatalf("%d rows", len(rows))
	}
	if got := strings.Join(texts(rows[0]), " | "); strings.ContainsRune(got, '\u202e') || !strings.Contains(got, "现场照片gpj.exe") {
		t.Errorf("the row shows %q, not the name without its override", got)
	}
	test.Tap(findButton(t, rows[0], "打开"))
	if opened {
		t.Fatal("a program was handed to the system's opener")
	}
	top := u.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "可能是程序、脚本或快捷方式") {
		t.Fatalf("no warning shown: %v", top)
	}
	test.Tap(findButton(t, top, "另存为…"))
	if saved != "现场照片gpj.exe" {
		t.Fatalf("offered to save as %q", saved)
	}
	if got, err := os.ReadFile(filepath.Join(dir, saved)); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("saved: %v", err)
	}
	if err := openWithSystem("setup.exe", body); err == nil {
		t.Error("the system opener was asked to open setup.exe")
	}
}
