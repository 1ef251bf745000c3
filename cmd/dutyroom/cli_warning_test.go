package main

import (
	"strings"
	"testing"
	"time"
)

func TestWarningIssueListAndShowWithEveryStationReached(t *testing.T) {
	dir := demoStation(t, "433101") // 吉首市: 5 townships, 6 villages
	until := time.Now().Add(24 * time.Hour).Truncate(time.Minute)
	var w warningOut
	jsonRun(t, dir, &w, "warning", "issue", "--level", "orange", "--kind", "rainstorm", "--title", "暴雨橙色预警",
		"--text", "未来6小时降雨量将达50毫米以上", "--scope", "吉首市全境", "--until", local(until), "--by", "彭建国", "--json")
	if w.ID == "" || w.Issuer != "433101" || w.Level != "orange" || w.Kind != "rainstorm" || w.Area != "吉首市全境" ||
		w.Text != "暴雨橙色预警\n未来6小时降雨量将达50毫米以上" || w.IssuedBy != "彭建国" || !w.ValidUntil.Equal(until) ||
		!w.Active || w.Direction != "issued" || w.Reached != 11 || w.AckedBy != 0 {
		t.Errorf("issued %+v", w)
	}
	var list []warningOut
	jsonRun(t, dir, &list, "warning", "list", "--json")
	if len(list) == 0 || list[0].ID != w.ID {
		t.Fatalf("warning list = %+v, want the one issued first", list)
	}
	var shown warningOut
	jsonRun(t, dir, &shown, "warning", "show", w.ID, "--json")
	if len(shown.Stations) != 11 || shown.Stations[0].Station != "433101001" || shown.Stations[0].Acked || shown.Stations[1].Depth != 2 {
		t.Errorf("warning show's stations: %+v", shown.Stations)
	}
	// A village's officer acknowledges by phone; the county records it.
	if code, _, stderr := run(t, dir, "warning", "ack", w.ID, "--station", "433101001001", "--by", "田秀兰"); code != 0 {
		t.Fatalf("ack for a village: exit %d: %s", code, stderr)
	}
	jsonRun(t, dir, &shown, "warning", "show", w.ID, "--json")
	if shown.AckedBy != 1 || !shown.Stations[1].Acked || shown.Stations[1].Person != "田秀兰" || shown.Stations[1].RecordedBy != "433101" {
		t.Errorf("after the village's ack: %+v", shown.Stations[:2])
	}
}

func TestBadWarningsAreRefusedAndNothingIsStored(t *testing.T) {
	dir := demoStation(t, "433101")
	until := local(time.Now().Add(24 * time.Hour))
	ok := []string{"warning", "issue", "--level", "red", "--kind", "flood", "--text", "洪水", "--until", until}
	with := func(extra ...string) []string { return append(append([]string(nil), ok...), extra...) }
	checkRefusals(t, dir, []refusal{
		{[]string{"warning", "issue", "--level", "purple", "--kind", "flood", "--text", "x", "--until", until}, `level (--level): unknown warning level "purple"`},
		{[]string{"warning", "issue", "--level", "red", "--kind", "volcano", "--text", "x", "--until", until}, `type (--kind): unknown warning kind "volcano"`},
		{[]string{"warning", "issue", "--level", "red", "--kind", "flood", "--text", " ", "--until", until}, "text (--text): the warning has no text"},
		{[]string{"warning", "issue", "--level", "red", "--kind", "flood", "--text", "x"}, "valid_until (--until): give the time"},
		{with("--until", "soon"), `valid_until (--until): "soon" is not a time`},
		{with("--from", local(time.Now().Add(48*time.Hour))), "valid_until (--until): valid until"},
		{with("--until", local(time.Now().Add(40*24*time.Hour))), "at most 31 days"},
		{with("--to", "433101001"), "to: a warning goes to every station below"},
		{with("--by", strings.Repeat("名", 40)), "issued_by (--by)"},
		{[]string{"warning", "show", "x"}, `"x" is not a warning id`},
		{[]string{"warning", "ack", "01a2513a-4846-7dff-b7cd-7ad77868991d"}, "01a2513a-4846-7dff-b7cd-7ad77868991d"},
	})
	// A township without stations below cannot issue; a village-less one
	// is 马颈坳镇.
	checkRefusals(t, demoStation(t, "433101003"), []refusal{{ok, "has no stations below it to warn"}})
}
