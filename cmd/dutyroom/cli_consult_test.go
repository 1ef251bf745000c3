package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConsultScheduleListShowAndEnd(t *testing.T) {
	dir := demoStation(t, "433100")
	when := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	var c consultOut
	jsonRun(t, dir, &c, "consult", "schedule", "--title", "防汛会商", "--at", local(when), "--invite", "吉首市,433122", "--json")
	if c.ID == "" || c.Title != "防汛会商" || c.Host != "433100" || !slices.Equal(c.Invited, []string{"433101", "433122"}) ||
		c.State != "scheduled" || c.Scheduled == nil || !c.Scheduled.Equal(when) {
		t.Errorf("scheduled %+v", c)
	}
	var list []consultOut
	jsonRun(t, dir, &list, "consult", "list", "--json")
	if len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("consult list = %+v", list)
	}
	var shown consultOut
	jsonRun(t, dir, &shown, "consult", "show", c.ID, "--json")
	if shown.ID != c.ID || shown.State != "scheduled" {
		t.Errorf("consult show = %+v", shown)
	}
	if code, stdout, stderr := run(t, dir, "consult", "end", c.ID); code != 0 || !strings.Contains(stdout, "ended") {
		t.Fatalf("consult end: exit %d: %s%s", code, stdout, stderr)
	}
	jsonRun(t, dir, &shown, "consult", "show", c.ID, "--json")
	if shown.State != "ended" || shown.EndedAt == nil {
		t.Errorf("after end: %+v", shown)
	}
}

func TestBadConsultationsAreRefusedAndNothingIsStored(t *testing.T) {
	dir := demoStation(t, "433100")
	later := local(time.Now().Add(2 * time.Hour))
	checkRefusals(t, dir, []refusal{
		{[]string{"consult", "schedule", "--title", " ", "--at", later, "--invite", "433101"}, "title (--title): the consultation needs a title"},
		{[]string{"consult", "schedule", "--title", "会商", "--invite", "433101"}, "scheduled (--at): give the time it starts"},
		{[]string{"consult", "schedule", "--title", "会商", "--at", "2020-01-01 09:00", "--invite", "433101"}, "scheduled (--at): 2020-01-01 09:00 has passed"},
		{[]string{"consult", "schedule", "--title", "会商", "--at", "9am", "--invite", "433101"}, `scheduled (--at): "9am" is not a time`},
		{[]string{"consult", "schedule", "--title", "会商", "--at", later}, "invited (--invite): name at least one station"},
		{[]string{"consult", "schedule", "--title", "会商", "--at", later, "--invite", "433101001001"}, "is a village"},
		{[]string{"consult", "schedule", "--title", strings.Repeat("题", 101), "--at", later, "--invite", "433101"}, "title (--title): the title is longer"},
		{[]string{"consult", "show", "?"}, `"?" is not a consultation id`},
		{[]string{"consult", "end", "01a2513a-4846-7dff-b7cd-7ad77868991d"}, "01a2513a-4846-7dff-b7cd-7ad77868991d"},
	})
}
