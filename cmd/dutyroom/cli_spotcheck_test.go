package main

import (
	"testing"
	"time"
)

func TestSpotCheckStartListAndRank(t *testing.T) {
	dir := demoStation(t, "433101")
	var one []checkOut
	jsonRun(t, dir, &one, "spotcheck", "start", "乾州街道", "--json")
	if len(one) != 1 || one[0].ID == "" || one[0].By != "433101" || one[0].Target != "433101001" || one[0].Outcome != "pending" ||
		one[0].Deadline.Sub(one[0].StartedAt) != 3*time.Minute {
		t.Errorf("started %+v", one)
	}
	var random []checkOut
	jsonRun(t, dir, &random, "spotcheck", "start", "--random", "2", "--prompt", "请报姓名", "--json")
	if len(random) != 2 || random[0].Round == "" || random[0].Round != random[1].Round || random[0].Prompt != "请报姓名" {
		t.Errorf("random round %+v", random)
	}
	var list []checkOut
	jsonRun(t, dir, &list, "spotcheck", "list", "--json")
	if len(list) != 3 {
		t.Errorf("spotcheck list has %d checks, want 3", len(list))
	}
	jsonRun(t, dir, &list, "spotcheck", "list", "--quarter", "2020Q1", "--json")
	if len(list) != 0 {
		t.Errorf("spotcheck list of 2020Q1 has %d checks", len(list))
	}
	var ranks []rankOut
	jsonRun(t, dir, &ranks, "spotcheck", "rank", "--json")
	checks := 0
	for _, r := range ranks {
		checks += r.Checks
		if r.Pending != r.Checks {
			t.Errorf("a check still within its time counts against %s: %+v", r.Name, r)
		}
	}
	if checks != 3 {
		t.Errorf("ranking counts %d checks, want 3: %+v", checks, ranks)
	}
}

func TestBadSpotChecksAreRefusedAndNothingIsStored(t *testing.T) {
	dir := demoStation(t, "433101")
	checkRefusals(t, dir, []refusal{
		{[]string{"spotcheck", "start"}, "needs a STATION"},
		{[]string{"spotcheck", "start", "433101001", "--random", "2"}, "not both"},
		{[]string{"spotcheck", "start", "999999"}, `no station has code or name "999999"`},
		{[]string{"spotcheck", "start", "433101001001"}, "is a village and keeps no duty room"},
		{[]string{"spotcheck", "start", "湘西州"}, "spot checks go only to duty rooms below"},
		{[]string{"spotcheck", "start", "--random", "0"}, "n (--random): choose at least one"},
		{[]string{"spotcheck", "start", "--random", "99"}, "has only 5 duty rooms below it"},
		{[]string{"spotcheck", "list", "--quarter", "Q9"}, `period (--quarter): "Q9" is not a quarter`},
		{[]string{"spotcheck", "rank", "--quarter", "2026Q5"}, "quarters 1 to 4"},
		{[]string{"spotcheck", "answer", "nope", "--name", "x"}, `"nope" is not a spot check id`},
		{[]string{"spotcheck", "answer", "01a2513a-4846-7dff-b7cd-7ad77868991d", "--name", "x"}, "01a2513a-4846-7dff-b7cd-7ad77868991d"},
	})
}
