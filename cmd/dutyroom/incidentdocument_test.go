package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A report's document: a draft before signing, 第1期 once signed, the same
// number when written again; bad input refused with nothing written.
func TestIncidentDocumentWritesTheReportAsAPDF(t *testing.T) {
	dir := demoFolder(t)
	id := addIncident(t, dir, "--dead", "1")
	if code, _, stderr := run(t, dir, "incident", "report", id, "--kind", "initial", "--text", "初报：货车侧翻，1人死亡。"); code != 0 {
		t.Fatalf("initial report: exit %d: %s", code, stderr)
	}
	rep := showIncident(t, dir, id).Reports[0].ID.String()
	out := filepath.Join(t.TempDir(), "初报.pdf")

	code, stdout, stderr := run(t, dir, "incident", "document", rep, "-o", out)
	if code != 0 || !strings.Contains(stdout, "a draft of 关于货车侧翻的初报") {
		t.Fatalf("draft: exit %d: %s %s", code, stdout, stderr)
	}
	if text := pdfText(t, out); !strings.Contains(text, "待签发稿") {
		t.Errorf("the draft does not say so:\n%s", text)
	}

	if code, _, stderr := run(t, dir, "incident", "sign", rep, "--by", "彭建国"); code != 0 {
		t.Fatalf("sign: exit %d: %s", code, stderr)
	}
	for range 2 {
		code, stdout, stderr = run(t, dir, "incident", "document", rep, "-o", out)
		if code != 0 || !strings.Contains(stdout, "第1期 关于货车侧翻的初报") {
			t.Fatalf("signed: exit %d: %s %s", code, stdout, stderr)
		}
	}
	text := pdfText(t, out)
	for _, want := range []string{"湘西州应急管理局值班信息", "第1期", "签发人：彭建国", "关于货车侧翻的初报", "初报：货车侧翻，1人死亡。"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing from the document:\n%s", want, text)
		}
	}

	before, _ := os.ReadFile(out)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"incident", "document", rep}, "needs -o FILE.pdf"},
		{[]string{"incident", "document", "not-an-id", "-o", out}, "is not an id"},
		{[]string{"incident", "document", id, "-o", out}, "not found"},
		{[]string{"incident", "document", rep, "-o", filepath.Join(t.TempDir(), "no", "such", "folder", "x.pdf")}, "cannot write"},
	} {
		code, _, stderr := run(t, dir, c.args...)
		if code == 0 || !strings.Contains(strings.ToLower(stderr), strings.ToLower(c.want)) {
			t.Errorf("%v: exit %d, %q; want an error saying %q", c.args, code, stderr, c.want)
		}
	}
	if after, _ := os.ReadFile(out); string(after) != string(before) {
		t.Error("a refused command changed the document already written")
	}
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), "")
}
