package instruction_test

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/instruction"
)

type stations struct{ p, c1, c2, t1 app.Station }

func testTree() (*app.Tree, stations) {
	var s stations
	s.p = app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	s.c1 = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: s.p.ID}
	s.c2 = app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: s.p.ID}
	s.t1 = app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: s.c1.ID}
	return app.NewTree([]app.Station{s.p, s.c1, s.c2, s.t1}), s
}

var now = time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)

func phoneInstruction(s stations) instruction.Instruction {
	return instruction.Instruction{
		ID: app.NewID(), Station: s.p.ID, RecordedAt: now, Leader: "张明", LeaderPost: "州长",
		GivenAt: now.Add(-10 * time.Minute), Source: instruction.SourcePhone,
		Words:    "请州应急局牵头，2小时内报告处置情况。",
		ReadBack: &instruction.ReadBack{By: "李值班", At: now.Add(-8 * time.Minute)},
		Tasks: []instruction.Task{
			{ID: app.NewID(), Text: "报告处置情况", Stations: []app.ID{s.c1.ID, s.t1.ID}, Units: []string{"州水文局"}, Deadline: now.Add(2 * time.Hour)},
		},
	}
}

func TestValidInstructionIsAccepted(t *testing.T) {
	tree, s := testTree()
	in := phoneInstruction(s)
	if err := in.Validate(tree, now); err != nil {
		t.Fatal(err)
	}
}

func TestBadInstructionsNameTheirField(t *testing.T) {
	tree, s := testTree()
	cases := []struct {
		name, field string
		change      func(in *instruction.Instruction)
	}{
		{"no words", "words", func(in *instruction.Instruction) { in.Words = "  " }},
		{"no source", "source", func(in *instruction.Instruction) { in.Source = "" }},
		{"no leader", "leader", func(in *instruction.Instruction) { in.Leader = "" }},
		{"phone without read-back", "read_back", func(in *instruction.Instruction) { in.ReadBack = nil }},
		{"deadline past", "deadline", func(in *instruction.Instruction) { in.Tasks[0].Deadline = now.Add(-time.Minute) }},
		{"no task", "tasks", func(in *instruction.Instruction) { in.Tasks = nil }},
		{"task to nobody", "tasks", func(in *instruction.Instruction) { in.Tasks[0].Stations, in.Tasks[0].Units = nil, nil }},
		{"station outside reach", "stations", func(in *instruction.Instruction) {
			in.Station = s.c1.ID
			in.Tasks[0].Stations = []app.ID{s.c2.ID}
		}},
		{"station itself", "stations", func(in *instruction.Instruction) { in.Tasks[0].Stations = []app.ID{s.p.ID} }},
		{"words too long", "words", func(in *instruction.Instruction) { in.Words = strings.Repeat("字", instruction.MaxWordsRunes+1) }},
		{"post two lines", "leader_post", func(in *instruction.Instruction) { in.LeaderPost = "州长\n书记" }},
		{"unit too long", "units", func(in *instruction.Instruction) {
			in.Tasks[0].Units = []string{strings.Repeat("单", instruction.MaxUnitRunes+1)}
		}},
		{"given in the future", "given_at", func(in *instruction.Instruction) { in.GivenAt = now.Add(time.Hour) }},
	}
	for _, c := range cases {
		in := phoneInstruction(s)
		c.change(&in)
		err := in.Validate(tree, now)
		if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != c.field {
			t.Errorf("%s: want invalid %s, got %v (field %q)", c.name, c.field, err, app.ErrorField(err))
		}
	}
}

func TestPaperInstructionNeedsNoReadBack(t *testing.T) {
	tree, s := testTree()
	in := phoneInstruction(s)
	in.Source, in.ReadBack = instruction.SourcePaper, nil
	if err := in.Validate(tree, now); err != nil {
		t.Fatal(err)
	}
}

func TestOnlyTheNamedStationAnswersItsTask(t *testing.T) {
	tree, s := testTree()
	in := phoneInstruction(s)
	if err := in.Validate(tree, now); err != nil {
		t.Fatal(err)
	}
	task := in.Tasks[0].ID
	good := instruction.Answer{ID: app.NewID(), Instruction: in.ID, Task: task, For: instruction.Assignee{Station: s.c1.ID}, From: s.c1.ID, Text: "已处置", At: now}
	if err := good.Validate(&in); err != nil {
		t.Fatal(err)
	}
	forged := good
	forged.From = s.c2.ID
	if err := forged.Validate(&in); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("c2 answering for c1: %v", err)
	}
	notNamed := good
	notNamed.For, notNamed.From = instruction.Assignee{Station: s.c2.ID}, s.c2.ID
	if err := notNamed.Validate(&in); app.ErrorField(err) != "for" {
		t.Fatalf("c2 answering a task not for it: %v", err)
	}
	unit := good
	unit.For, unit.From = instruction.Assignee{Unit: "州水文局"}, s.p.ID
	if err := unit.Validate(&in); err != nil {
		t.Fatalf("the issuer recording the unit's answer: %v", err)
	}
	unit.From = s.c1.ID
	if err := unit.Validate(&in); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("c1 recording the unit's answer: %v", err)
	}
	fb := instruction.Feedback{ID: app.NewID(), Instruction: in.ID, From: s.c1.ID, Text: "x", By: "王", At: now}
	if err := fb.Validate(&in); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("feedback from c1: %v", err)
	}
}

func TestStateMovesFromOpenToOverdueToAnsweredToFedBack(t *testing.T) {
	tree, s := testTree()
	in := phoneInstruction(s)
	if err := in.Validate(tree, now); err != nil {
		t.Fatal(err)
	}
	r := instruction.Record{Instruction: in}
	task := in.Tasks[0]
	if st := r.State(now); st != instruction.StateOpen {
		t.Fatalf("fresh: %s", st)
	}
	late := task.Deadline.Add(time.Minute)
	if st := r.State(late); st != instruction.StateOverdue {
		t.Fatalf("after the deadline: %s", st)
	}
	sum := r.Summary()
	if n := sum.OverdueCount(late); n != 3 {
		t.Fatalf("overdue assignees: %d, want 3", n)
	}
	for _, a := range task.Assignees() {
		from := a.Station
		if a.Unit != "" {
			from = s.p.ID
		}
		r.Answers = append(r.Answers, instruction.Answer{ID: app.NewID(), Instruction: in.ID, Task: task.ID, For: a, From: from, Text: "已办结", Done: true, At: now.Add(time.Hour)})
	}
	if st := r.State(late); st != instruction.StateAnswered {
		t.Fatalf("all done: %s", st)
	}
	draft := r.AssembleFeedback(func(id app.ID) string { return tree.Station(id).Name }, time.UTC)
	for _, want := range []string{"吉首市", "乾州街道", "州水文局", "已办结", "报告处置情况"} {
		if !strings.Contains(draft, want) {
			t.Errorf("the draft reply lacks %q:\n%s", want, draft)
		}
	}
	r.Feedback = append(r.Feedback, instruction.Feedback{ID: app.NewID(), Instruction: in.ID, From: s.p.ID, Text: draft, By: "李值班", At: late})
	if st := r.State(late); st != instruction.StateFedBack {
		t.Fatalf("after the reply: %s", st)
	}
}

func TestRemindersComeBeforeTheDeadlineForTheStationsConcerned(t *testing.T) {
	tree, s := testTree()
	in := phoneInstruction(s)
	if err := in.Validate(tree, now); err != nil {
		t.Fatal(err)
	}
	r := instruction.Record{Instruction: in}
	d := in.Tasks[0].Deadline
	if got := r.Reminders(s.p.ID, d.Add(-time.Hour), instruction.DefaultRemindBefore); len(got) != 0 {
		t.Fatalf("an hour before: %v", got)
	}
	if got := r.Reminders(s.p.ID, d.Add(-10*time.Minute), instruction.DefaultRemindBefore); len(got) != 3 || got[0].Overdue {
		t.Fatalf("ten minutes before, the issuer: %v", got)
	}
	if got := r.Reminders(s.c1.ID, d.Add(-10*time.Minute), instruction.DefaultRemindBefore); len(got) != 1 || got[0].For.Station != s.c1.ID {
		t.Fatalf("ten minutes before, the county: %v", got)
	}
	if got := r.Reminders(s.c1.ID, d.Add(time.Minute), instruction.DefaultRemindBefore); len(got) != 1 || !got[0].Overdue {
		t.Fatalf("after, the county: %v", got)
	}
}

func TestFilterMatchesStateDatesStationAndWords(t *testing.T) {
	tree, s := testTree()
	in := phoneInstruction(s)
	if err := in.Validate(tree, now); err != nil {
		t.Fatal(err)
	}
	r := instruction.Record{Instruction: in}
	sum := r.Summary()
	match := func(f instruction.Filter) bool { return f.Match(&sum, now, instruction.Words(f.Query)) }
	if !match(instruction.Filter{State: instruction.StateOpen, Station: s.t1.ID, Query: "处置 州长"}) {
		t.Error("open, the township, two words: no match")
	}
	if match(instruction.Filter{Station: s.c2.ID}) || match(instruction.Filter{State: instruction.StateOverdue}) || match(instruction.Filter{Query: "地震"}) {
		t.Error("a filter that should not match did")
	}
	if match(instruction.Filter{From: now}) || !match(instruction.Filter{From: now.Add(-time.Hour), To: now}) {
		t.Error("date range")
	}
	in.Incident = app.NewID()
	r = instruction.Record{Instruction: in}
	sum = r.Summary()
	if !match(instruction.Filter{Incident: in.Incident}) || match(instruction.Filter{Incident: app.NewID()}) {
		t.Error("incident")
	}
	bad := instruction.Filter{State: "lost"}
	if app.ErrorField(bad.Validate()) != "state" {
		t.Error("an unknown state is accepted")
	}
}
