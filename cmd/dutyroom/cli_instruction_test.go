package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutyroom/store/storetest"
)

var savedInstruction = regexp.MustCompile(`(?m)^saved ([0-9a-f-]{36}) with (\d+) task\(s\)$`)

func instructionArgs(due time.Time) []string {
	return []string{"instruction", "add", "--leader", "张明", "--post", "州长", "--source", "phone", "--read-back-by", "李值班",
		"--words", "请吉首市核查灾情，2小时内报告", "--task", "核查灾情", "--to", "433101", "--to", "433101001", "--unit", "州水文局",
		"--due", due.Format(time.RFC3339)}
}

func TestInstructionAddAnswerShowFeedbackAndExport(t *testing.T) {
	dir := demoFolder(t)
	code, stdout, stderr := run(t, dir, instructionArgs(time.Now().Add(2*time.Hour))...)
	m := savedInstruction.FindStringSubmatch(stdout)
	if code != 0 || m == nil || m[2] != "1" {
		t.Fatalf("instruction add: exit %d, %q, %q", code, stdout, stderr)
	}
	id := m[1]
	if code, stdout, stderr = run(t, dir, "instruction", "answer", id, "--task", "1", "--unit", "州水文局", "--text", "水位回落", "--done"); code != 0 {
		t.Fatalf("answer for the unit: %d %s %s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, dir, "instruction", "show", id, "--json")
	var shown instructionOut
	if code != 0 || json.Unmarshal([]byte(stdout), &shown) != nil {
		t.Fatalf("show --json: %d %s", code, stdout)
	}
	if shown.ReadBackBy != "李值班" || len(shown.Tasks) != 1 || len(shown.Tasks[0].For) != 3 {
		t.Fatalf("shown: %+v", shown)
	}
	unit := shown.Tasks[0].For[2]
	if unit.Unit != "州水文局" || unit.Done == nil || unit.Last != "水位回落" || shown.Tasks[0].For[0].Station != "433101" || shown.Tasks[0].For[0].Answered {
		t.Fatalf("who has answered: %+v", shown.Tasks[0].For)
	}
	code, stdout, _ = run(t, dir, "instruction", "feedback", id, "--draft")
	if code != 0 || !strings.Contains(stdout, "吉首市：尚未反馈") || !strings.Contains(stdout, "水位回落") {
		t.Fatalf("draft: %s", stdout)
	}
	if code, _, stderr = run(t, dir, "instruction", "feedback", id, "--from-draft", "--json"); code != 0 {
		t.Fatalf("feedback: %s", stderr)
	}
	code, stdout, _ = run(t, dir, "instruction", "list", "--json", "--state", "fed_back")
	if code != 0 || !strings.Contains(stdout, `"total": 1`) {
		t.Fatalf("list fed back: %s", stdout)
	}
	file := filepath.Join(t.TempDir(), "批示台账.xlsx")
	if code, _, stderr = run(t, dir, "instruction", "list", "--xlsx", file); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("批示台账")
	if len(rows) != 3 || rows[2][2] != "张明" || rows[2][9] != "已反馈" || !strings.Contains(rows[0][0], "湘西州") {
		t.Fatalf("the workbook: %q", rows)
	}
}

func TestInstructionBadInputIsRefusedOnStderrAndStoresNothing(t *testing.T) {
	dir := demoFolder(t)
	due := time.Now().Add(2 * time.Hour)
	replace := func(flag, value string) []string {
		args := instructionArgs(due)
		for i := range args {
			if args[i] == flag {
				args[i+1] = value
				return args
			}
		}
		return append(args, flag, value)
	}
	cases := []struct {
		args []string
		want string
	}{
		{replace("--words", " "), "words (--words): the instruction has no words"},
		{replace("--source", "pigeon"), "source (--source)"},
		{replace("--due", time.Now().Add(-time.Hour).Format(time.RFC3339)), "deadline (--due)"},
		{replace("--to", "999999"), `no station has code "999999"`},
		{replace("--read-back-by", ""), "read_back (--read-back-by)"},
		{replace("--incident", "01a25143-e169-7f35-88eb-19a0e3d09d1a"), "incident (--incident)"},
	}
	for _, c := range cases {
		code, stdout, stderr := run(t, dir, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Contains(stdout, "saved") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a refusal mentioning %q", c.args, code, stdout, stderr, c.want)
		}
	}
	if code, _, stderr := run(t, dir, "instruction", "add", "--to", "433101"); code != 2 || !strings.Contains(stderr, "give --task TEXT first") {
		t.Errorf("--to before --task: %d %s", code, stderr)
	}
	code, stdout, _ := run(t, dir, "instruction", "list", "--json")
	if code != 0 || !strings.Contains(stdout, `"total": 0`) {
		t.Errorf("after refusals the register holds: %s", stdout)
	}
	db := storetest.OpenDir(t, dir)
	ops, err := db.Outbox(t.Context(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if strings.HasPrefix(op.Kind, "instruction.") {
			t.Errorf("a refused instruction queued %s", op.Kind)
		}
	}
	_ = os.Remove
}
