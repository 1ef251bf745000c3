package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLogAddListAndExport(t *testing.T) {
	dir := demoStation(t, "433101")
	when := time.Now().Add(-10 * time.Minute).Truncate(time.Minute)
	var e logOut
	jsonRun(t, dir, &e, "log", "add", "--kind", "call", "--text", "州应急局来电：加强夜间值守", "--at", local(when), "--json")
	if e.ID == "" || e.Station != "433101" || e.Kind != "call" || e.Text != "州应急局来电：加强夜间值守" || !e.At.Equal(when) || e.Day == "" || e.Author == "" {
		t.Errorf("logged %+v", e)
	}
	var list []logOut
	jsonRun(t, dir, &list, "log", "list", "--day", e.Day, "--json")
	found := 0
	for _, l := range list {
		if l.ID == e.ID {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("log list holds the entry %d times: %+v", found, list)
	}
	file := filepath.Join(t.TempDir(), "log.csv")
	if code, _, stderr := run(t, dir, "log", "export", "--from", e.Day, "--to", e.Day, "-o", file); code != 0 {
		t.Fatalf("log export: exit %d: %s", code, stderr)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v", err)
	}
	if len(rows) != len(list)+1 || strings.Join(rows[0], ",") != "day,time,kind,author,text" {
		t.Fatalf("export rows %q, want a header and %d entries", rows, len(list))
	}
	exportedRow := false
	for _, r := range rows[1:] {
		exportedRow = exportedRow || (r[0] == e.Day && r[4] == e.Text && r[2] == "call")
	}
	if !exportedRow {
		t.Errorf("the entry is not among the rows %q", rows)
	}
	var exported []logOut
	jsonRun(t, dir, &exported, "log", "export", "--from", e.Day, "--json")
	if len(exported) != len(list) {
		t.Errorf("JSON export has %d entries, want %d", len(exported), len(list))
	}
}

func TestBadLogEntriesAreRefusedAndNothingIsStored(t *testing.T) {
	dir := demoStation(t, "433101")
	checkRefusals(t, dir, []refusal{
		{[]string{"log", "add", "--kind", "gossip", "--text", "x"}, `kind (--kind): unknown kind "gossip"`},
		{[]string{"log", "add", "--text", "   "}, "text (--text): write what happened"},
		{[]string{"log", "add", "--text", "x", "--at", "yesterday"}, `at (--at): "yesterday" is not a time`},
		{[]string{"log", "add", "--text", "x", "--at", local(time.Now().Add(2 * time.Hour))}, "at (--at): "},
		{[]string{"log", "add", "--text", strings.Repeat("长", 5000)}, "text (--text): text is longer than"},
		{[]string{"log", "list", "--day", "2026-02-30"}, `day (--day): "2026-02-30" is not a date`},
		{[]string{"log", "export", "--from", "2026-03-02", "--to", "2026-03-01"}, "to (--to): 2026-03-01 is before 2026-03-02"},
		{[]string{"log", "export", "--from", "2020-01-01", "--to", "2026-01-01"}, "at most 366"},
	})
}
