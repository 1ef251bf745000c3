package sms

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
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
