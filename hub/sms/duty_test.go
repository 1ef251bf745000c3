package sms

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/instruction"
	"dutyroom/app/roster"
)

func TestWarningReachesTheLeaderAndOfficerOnDutyOnceTheRosterIsPublishedAndEveryoneWithTheRoleBefore(t *testing.T) {
	g := newReachRig(t)
	g.kannel()
	g.assign("2026-07-01", leaderPost, "石镇长")
	g.assign("2026-07-01", officerPost, "向值班")

	// A draft roster is not in force: everyone with the role.
	w1 := g.warn()
	got := g.messages(WarningEvent(w1.ID))
	want := []string{"向值班", "张镇长", "李值班", "杨信息员", "田书记", "石镇长", "龙值班"}
	if strings.Join(names(got), ",") != strings.Join(want, ",") {
		t.Fatalf("before publication the warning reached %v, want %v", names(got), want)
	}
	for name, m := range got {
		if m.Basis != BasisRole {
			t.Fatalf("%s was chosen by %q, want %q", name, m.Basis, BasisRole)
		}
	}

	// Published: the leader and officer on duty of the day in force. At
	// 07:00 on the 2nd the handover (08:30) has not come: still the 1st.
	g.publish("2026-07")
	g.clock.Set(time.Date(2026, 7, 2, 7, 0, 0, 0, shanghai))
	w2 := g.warn()
	got = g.messages(WarningEvent(w2.ID))
	// 镇溪街道 has published nothing: everyone with the role there.
	want = []string{"向值班", "张镇长", "李值班", "杨信息员", "石镇长"}
	if strings.Join(names(got), ",") != strings.Join(want, ",") {
		t.Fatalf("after publication the warning reached %v, want %v", names(got), want)
	}
	if got["石镇长"].Basis != BasisRoster || got["向值班"].Basis != BasisRoster {
		t.Fatalf("the people on duty were chosen by %q and %q, want %q", got["石镇长"].Basis, got["向值班"].Basis, BasisRoster)
	}

	// After the handover the 2nd's roster holds, and nobody is on it:
	// everyone with the role again.
	g.clock.Set(time.Date(2026, 7, 2, 9, 0, 0, 0, shanghai))
	w3 := g.warn()
	if got := g.messages(WarningEvent(w3.ID)); len(got) != 7 || got["田书记"].Basis != BasisRole {
		t.Fatalf("a day with nobody rostered reached %v", names(got))
	}

	g.send()
	if texts := g.waitReceived(g.people["石镇长"].Mobile, 3); !strings.Contains(texts[1], "暴雨红色预警") {
		t.Fatalf("the leader on duty received %q", texts)
	}
	if texts := g.waitReceived(g.people["田书记"].Mobile, 2); len(texts) != 2 {
		t.Fatalf("the leader off duty received %d messages, want 2 (not the one of the published day)", len(texts))
	}
}

func TestPeopleKnownOnlyFromTheImportedStationFileAreReached(t *testing.T) {
	g := newReachRig(t)
	officer := app.Person{ID: app.NewID(), Station: g.village.ID, Name: "符信息员", Mobile: "13900000099",
		Roles: []app.Role{app.RoleInfoOfficer}}
	// Known from an operation too: the operation's record wins.
	known := g.people["杨信息员"]
	stale := known
	stale.Mobile = "13900000098"
	if err := KeepPeople(g.q.db, []app.Person{officer, stale}); err != nil {
		t.Fatal(err)
	}
	g.n.Live()
	w := g.warn()
	got := g.messages(WarningEvent(w.ID))
	if got["符信息员"].To != "13900000099" {
		t.Fatalf("the officer of the station file was not reached: %v", names(got))
	}
	if got["杨信息员"].To != known.Mobile {
		t.Fatalf("the officer's number from the file (%s) replaced the operation's (%s)", got["杨信息员"].To, known.Mobile)
	}
}

func TestEveningReminderGoesOnceToEachPersonOnTomorrowsPublishedRoster(t *testing.T) {
	g := newReachRig(t)
	g.kannel()
	g.assign("2026-07-02", leaderPost, "田书记")
	g.assign("2026-07-02", officerPost, "龙值班")
	g.assign("2026-07-03", officerPost, "向值班")
	g.publish("2026-07")
	g.n.Live()

	if n := g.n.EveReminders(time.Date(2026, 7, 1, 17, 59, 0, 0, shanghai)); n != 0 {
		t.Fatalf("%d reminders before 18:00", n)
	}
	g.clock.Set(time.Date(2026, 7, 1, 18, 0, 0, 0, shanghai))
	if n := g.n.EveReminders(g.clock.Now()); n != 2 {
		t.Fatalf("%d reminders at 18:00, want tomorrow's leader and officer", n)
	}
	g.clock.Set(time.Date(2026, 7, 1, 21, 0, 0, 0, shanghai))
	if n := g.n.EveReminders(g.clock.Now()); n != 0 {
		t.Fatalf("reminded again at 21:00: %d", n)
	}
	// A restart: the replayed roster, the same evening, no second reminder.
	g.n = NewNotifier(g.q, g.n.Tree, g.n.Log)
	g.fed = 0
	g.feed()
	g.n.Live()
	g.n.EveReminders(g.clock.Now())
	got := g.messages("duty-eve:")
	if strings.Join(names(got), ",") != "田书记,龙值班" || g.count() != 2 {
		t.Fatalf("reminded %v (%d messages), want 田书记 and 龙值班 once", names(got), g.count())
	}
	g.send()
	texts := g.waitReceived(g.people["田书记"].Mobile, 1)
	if !strings.Contains(texts[0], "明日值班提醒") || !strings.Contains(texts[0], "7月2日") || !strings.Contains(texts[0], "乾州街道") ||
		!strings.Contains(texts[0], "带班领导") || !strings.Contains(texts[0], "08:30") {
		t.Fatalf("the leader received %q", texts[0])
	}
}

func TestApprovedSwapMessagesBothPeopleOnceAndAReplayedChangeNobody(t *testing.T) {
	g := newReachRig(t)
	g.kannel()
	g.assign("2026-07-03", leaderPost, "田书记")
	g.assign("2026-07-05", leaderPost, "石镇长")
	g.publish("2026-07")
	g.n.Live()

	s := roster.SwapRequest{Station: g.town.ID, Reason: "家中有事",
		First:  roster.Slot{Day: g.day("2026-07-03"), Post: leaderPost, Person: g.people["田书记"].ID},
		Second: roster.Slot{Day: g.day("2026-07-05"), Post: leaderPost, Person: g.people["石镇长"].ID}}
	if err := g.r.RequestSwap(storeCtx, &s); err != nil {
		t.Fatal(err)
	}
	if _, err := g.r.ApproveSwap(storeCtx, s.ID, g.people["田书记"].ID, ""); err != nil {
		t.Fatal(err)
	}
	g.feed()
	g.n.sendRosterNews(g.clock.Now())
	g.n.sendRosterNews(g.clock.Now()) // nothing pending: nothing again
	got := g.messages("roster:")
	if strings.Join(names(got), ",") != "田书记,石镇长" || g.count() != 2 {
		t.Fatalf("the swap messaged %v (%d messages), want both sides once", names(got), g.count())
	}
	if !strings.Contains(got["田书记"].Text, "调班已批准") || !strings.Contains(got["田书记"].Text, "新增7月5日带班领导") ||
		!strings.Contains(got["田书记"].Text, "取消7月3日带班领导") {
		t.Fatalf("田书记 is told %q", got["田书记"].Text)
	}

	// A post given after publication: the new holder only.
	g.assign("2026-07-04", officerPost, "向值班")
	g.n.sendRosterNews(g.clock.Now())
	if m, ok := g.messages("roster:")["向值班"]; !ok || !strings.Contains(m.Text, "新增7月4日值班员") {
		t.Fatalf("the officer given a post after publication was not told: %+v", m)
	}
	// The same day's post on a draft month (August) is nobody's news yet.
	g.assign("2026-08-04", officerPost, "龙值班")
	g.n.sendRosterNews(g.clock.Now())
	if _, ok := g.messages("roster:")["龙值班"]; ok {
		t.Fatal("a change of a draft month was messaged")
	}

	g.send()
	for _, name := range []string{"田书记", "石镇长"} {
		if texts := g.waitReceived(g.people[name].Mobile, 1); !strings.Contains(texts[0], "调班已批准") {
			t.Fatalf("%s received %q", name, texts[0])
		}
	}

	// A restart replays every roster operation: none is news again.
	before := g.count()
	g.n = NewNotifier(g.q, g.n.Tree, g.n.Log)
	g.fed = 0
	g.feed()
	g.n.Live()
	g.n.sendRosterNews(g.clock.Now())
	if g.count() != before {
		t.Fatalf("the replay messaged %d people again", g.count()-before)
	}
}

func TestInstructionReminderGoesToThePeopleOnDutyOnceTheRosterIsPublished(t *testing.T) {
	g := newReachRig(t)
	g.onDutyToday()
	g.n.Live()
	now := g.clock.Now()
	in := instruction.Instruction{ID: app.NewID(), Station: g.county.ID, Leader: "吴局长", GivenAt: now,
		Tasks: []instruction.Task{{ID: app.NewID(), Text: "排查乾州村地质灾害隐患点", Stations: []app.ID{g.town.ID}, Deadline: now.Add(20 * time.Minute)}}}
	data, _ := json.Marshal(instruction.Created{Instruction: in})
	g.n.Observe(app.Operation{ID: app.NewID(), Kind: instruction.OpCreate, Entity: in.ID, At: now, Payload: data})
	if n := g.n.RemindInstructions(now); n != 2 {
		t.Fatalf("%d reminders, want the leader and officer on duty", n)
	}
	got := g.messages("instruction:")
	if strings.Join(names(got), ",") != "向值班,石镇长" || got["石镇长"].Basis != BasisRoster {
		t.Fatalf("reminded %v", names(got))
	}
}
