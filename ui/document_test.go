package ui

import (
	"context"
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
)

// fakeNumbers numbers documents as the store does: per station and year,
// fixed per record.
type fakeNumbers struct {
	last map[[2]any]int
	got  map[app.ID][2]int
}

func (f *fakeNumbers) DocumentNumber(_ context.Context, station, record app.ID, year int) (int, int, error) {
	if f.got == nil {
		f.last, f.got = map[[2]any]int{}, map[app.ID][2]int{}
	}
	if g, ok := f.got[record]; ok {
		return g[0], g[1], nil
	}
	k := [2]any{station, year}
	f.last[k]++
	f.got[record] = [2]int{year, f.last[k]}
	return year, f.last[k], nil
}

// reportList is the report tab's list, in sight.
func reportList(v *incidentView) fyne.CanvasObject {
	v.tabs.SelectIndex(1)
	return v.reports
}

// A draft before signing, then the signed report's document: numbered in
// the station's series, the leader named, saved as a PDF whose text an
// independent reader finds.
func TestReportDocumentIsPreviewedAndSavedAsPDF(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	svc := d.services()
	svc.Documents = &fakeNumbers{}
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open("incidents")
	dir := t.TempDir()
	u.incidents.chooseSave = func(name string, _ []string, done func(fyne.URIWriteCloser, error)) {
		done(storage.Writer(storage.NewFileURI(filepath.Join(dir, name))))
	}
	v := intake(t, u, "3")
	writeInitialReport(t, u, v, "G65 吉首段两车追尾，3 人死亡。", true)

	test.Tap(findButton(t, reportList(v), "公文"))
	if !hasText(overlay(t, u), "待签发稿") {
		t.Errorf("an unsigned report's document does not say it is a draft: %v", texts(overlay(t, u)))
	}
	test.Tap(findButton(t, overlay(t, u), "关闭"))

	sign(t, u, v, "张三")
	test.Tap(findButton(t, reportList(v), "公文"))
	if !hasText(overlay(t, u), "本站2026年第1期") {
		t.Errorf("the signed report's document is not numbered: %v", texts(overlay(t, u)))
	}
	test.Tap(findButton(t, overlay(t, u), "保存为 PDF…"))
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) != 1 || !strings.HasPrefix(filepath.Base(files[0]), "2026年第1期 关于") {
		t.Fatalf("saved %v", files)
	}
	out, err := exec.Command("pdftotext", files[0], "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	flat := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"吉首市应急管理局值班信息", "第1期", "签发人：张三", "的初报", "湘西州应急管理局、省应急管理厅：", "K1234道路交通事故的初报", "G65吉首段两车追尾，3人死亡。"} {
		if !strings.Contains(flat, want) {
			t.Errorf("%q missing from the saved document:\n%s", want, out)
		}
	}
	if !hasText(u.incidents.view.content, "已保存") {
		t.Error("saving is not confirmed in the view")
	}
	if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
		test.Tap(findButton(t, reportList(v), "公文"))
		capture(t, u, filepath.Join(dir, "zh-document-1366x768.png"))
	}
}

// The reply to a leader's 批示, once recorded, is a numbered document that
// quotes the instruction and carries the reply.
func TestInstructionReplyIsANumberedDocument(t *testing.T) {
	d := newInstructionDemo(t, "2026-07-14 10:00")
	in := d.issue(t, 2*time.Hour, nil, d.jishou)
	d.answerAs(t, d.jishou, in, "已转移群众120人，无人员伤亡", true)
	s := d.store.services()
	s.Instructions = d.svc
	s.Documents = &fakeNumbers{}
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open("instructions")
	dir := t.TempDir()
	u.instructions.chooseSave = func(name string, _ []string, done func(fyne.URIWriteCloser, error)) {
		done(storage.Writer(storage.NewFileURI(filepath.Join(dir, name))))
	}
	u.instructions.list.Select(0)
	test.Tap(u.instructions.detail.feedbackDraft)
	test.Tap(u.instructions.detail.feedbackSave)
	test.Tap(findButton(t, u.instructions.detail.body, "公文"))
	if !hasText(overlay(t, u), "本站2026年第1期") {
		t.Fatalf("the reply's document is not numbered: %v", texts(overlay(t, u)))
	}
	test.Tap(findButton(t, overlay(t, u), "保存为 PDF…"))
	files, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(files) != 1 {
		t.Fatalf("saved %v", files)
	}
	out, err := exec.Command("pdftotext", files[0], "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	flat := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"第1期", "关于落实" + in.Leader + in.LeaderPost + "批示情况的报告", "作出批示：“", "已转移群众120人，无人员伤亡"} {
		if !strings.Contains(flat, strings.ReplaceAll(want, " ", "")) {
			t.Errorf("%q missing from the reply's document:\n%s", want, out)
		}
	}
}
