package store_test

import (
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// When a station's thresholds change, the open incidents they govern are
// graded anew: a changed provisional grade is a 重新定级 event; a rise runs
// the escalation rules again from the moment of the change; the leader's
// grade stands and the event says so; closed incidents, unchanged grades
// and stations with rules of their own are left alone. The clock is
// fixed: the new deadlines are counted from the change.
func TestSetSettingsRegradesOpenIncidents(t *testing.T) {
	type setup struct {
		dead      int
		confirm   bool   // the leader confirms the provisional grade first
		override  bool   // the leader sets the grade to large by hand first
		close     bool   // the incident is closed first
		ownRules  bool   // the township has rules of its own
		deadLarge int64  // the county's new lowest deaths for a large accident
		by        string // "county" or "prefecture" changes the rules
	}
	cases := []struct {
		name  string
		setup setup
		// what follows
		provisional incident.Grade
		effective   incident.Grade
		regraded    bool
		from, to    incident.Grade
		kept        incident.Grade // the leader's grade the event says stood
		newTasks    bool
	}{
		{name: "two dead become large", setup: setup{dead: 2, deadLarge: 2, by: "county"},
			provisional: incident.GradeLarge, effective: incident.GradeLarge, regraded: true, from: incident.GradeGeneral, to: incident.GradeLarge, newTasks: true},
		{name: "the prefecture's change reaches the township's incidents", setup: setup{dead: 2, deadLarge: 2, by: "prefecture"},
			provisional: incident.GradeLarge, effective: incident.GradeLarge, regraded: true, from: incident.GradeGeneral, to: incident.GradeLarge, newTasks: true},
		{name: "three dead fall to general", setup: setup{dead: 3, deadLarge: 5, by: "county"},
			provisional: incident.GradeGeneral, effective: incident.GradeGeneral, regraded: true, from: incident.GradeLarge, to: incident.GradeGeneral},
		{name: "a confirmed grade stands", setup: setup{dead: 2, confirm: true, deadLarge: 2, by: "county"},
			provisional: incident.GradeLarge, effective: incident.GradeGeneral, regraded: true, from: incident.GradeGeneral, to: incident.GradeLarge, kept: incident.GradeGeneral},
		{name: "an overridden grade stands", setup: setup{dead: 3, override: true, deadLarge: 5, by: "county"},
			provisional: incident.GradeGeneral, effective: incident.GradeLarge, regraded: true, from: incident.GradeLarge, to: incident.GradeGeneral, kept: incident.GradeLarge},
		{name: "the same grade under new figures", setup: setup{dead: 1, deadLarge: 2, by: "county"},
			provisional: incident.GradeGeneral, effective: incident.GradeGeneral},
		{name: "a closed incident keeps its grade", setup: setup{dead: 2, close: true, deadLarge: 2, by: "county"},
			provisional: incident.GradeGeneral, effective: incident.GradeGeneral},
		{name: "a township with rules of its own", setup: setup{dead: 2, ownRules: true, deadLarge: 2, by: "county"},
			provisional: incident.GradeGeneral, effective: incident.GradeGeneral},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newIncidentEnv(t)
			if c.setup.ownRules {
				if err := e.svc.SetSettings(ctx, e.township.ID, incident.DefaultSettings()); err != nil {
					t.Fatal(err)
				}
			}
			inc := e.sample()
			inc.Counts = incident.Counts{Dead: c.setup.dead}
			e.create(t, inc)
			switch {
			case c.setup.confirm:
				if err := e.svc.ConfirmGrade(ctx, inc.ID, "田局长"); err != nil {
					t.Fatal(err)
				}
			case c.setup.override:
				if _, err := e.svc.OverrideGrade(ctx, inc.ID, incident.Override{Grade: incident.GradeLarge, By: "田局长", Reason: "危化品车辆，从重"}); err != nil {
					t.Fatal(err)
				}
			case c.setup.close:
				if err := e.svc.CloseIncident(ctx, inc.ID, "重复接报"); err != nil {
					t.Fatal(err)
				}
			}
			before := e.tasks(t, inc.ID)
			eventsBefore := len(e.kinds(t, inc.ID))

			e.at(e.now.Add(20 * time.Minute))
			rules := incident.DefaultSettings()
			rules.Thresholds.Accident.Dead.Large = c.setup.deadLarge
			station := e.county.ID
			if c.setup.by == "prefecture" {
				station = e.prefecture.ID
			}
			if err := e.svc.SetSettings(ctx, station, rules); err != nil {
				t.Fatal(err)
			}

			got, err := e.svc.FindIncidentByID(ctx, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Provisional != c.provisional || got.EffectiveGrade() != c.effective {
				t.Errorf("provisional %s, effective %s; want %s, %s", got.Provisional, got.EffectiveGrade(), c.provisional, c.effective)
			}
			events, _ := e.svc.Timeline(ctx, inc.ID)
			added := events[eventsBefore:]
			if !c.regraded {
				if len(added) != 0 {
					t.Fatalf("events added: %+v", added)
				}
				return
			}
			ev := added[0]
			if ev.Kind != incident.EventRegraded || ev.Note == nil || ev.Note.Kind != incident.NoteRegraded || !ev.At.Equal(e.now) {
				t.Fatalf("the first event is %+v", ev)
			}
			args := map[string]string{}
			for _, a := range ev.Note.Args {
				args[a.Name] = a.Value
			}
			if args["from"] != gradeNum(c.from) || args["to"] != gradeNum(c.to) || args["station"] != station.String() {
				t.Errorf("the note says %v", args)
			}
			if (c.kept != 0) != (args["kept"] != "") || c.kept != 0 && args["kept"] != gradeNum(c.kept) {
				t.Errorf("the note keeps %q, want %s", args["kept"], c.kept)
			}
			after := e.tasks(t, inc.ID)
			fresh := len(after) - len(before)
			if c.newTasks != (fresh > 0) {
				t.Fatalf("%d tasks added; want some: %v", fresh, c.newTasks)
			}
			if c.newTasks {
				if len(added) != 2 || added[1].Kind != incident.EventTasksCreated {
					t.Errorf("events after the regrade: %+v", added)
				}
				for _, tk := range after {
					if !containsTask(before, tk.ID) && !tk.Due.After(e.now) {
						t.Errorf("a new task is due %s, not after the change at %s", tk.Due, e.now)
					}
				}
			} else if len(added) != 1 {
				t.Errorf("events after the regrade: %+v", added)
			}
		})
	}
}

func gradeNum(g incident.Grade) string {
	return incident.GradeArg("", g).Value
}

func containsTask(tasks []incident.ReportTask, id app.ID) bool {
	for _, t := range tasks {
		if t.ID == id {
			return true
		}
	}
	return false
}

// A county's new thresholds re-grade the township's incident held at the
// county; the re-grading and the reports it adds reach the township and
// the prefecture as one change, with the note, and nothing is kept.
func TestRegradeTravelsToTheStationsHoldingTheIncident(t *testing.T) {
	n := newSyncNet(t)
	inc := n.accident(incident.Counts{Dead: 2})
	n.file(t, inc)
	n.flush(t, n.t1)
	if !n.c.has(inc.ID) || !n.p.has(inc.ID) {
		t.Fatal("the incident did not reach the county and the prefecture")
	}
	n.setNow(n.now.Add(15 * time.Minute))
	rules := incident.DefaultSettings()
	rules.Thresholds.Accident.Dead.Large = 2
	if err := n.c.svc.SetSettings(ctx, n.c.st.ID, rules); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.c)
	for _, p := range []*syncPeer{n.t1, n.c, n.p} {
		got, err := p.svc.FindIncidentByID(ctx, inc.ID)
		if err != nil || got.Provisional != incident.GradeLarge {
			t.Fatalf("%s holds %+v, %v", p.name, got, err)
		}
		events, _ := p.svc.Timeline(ctx, inc.ID)
		var regraded *incident.Event
		for i := range events {
			if events[i].Kind == incident.EventRegraded {
				regraded = &events[i]
			}
		}
		if regraded == nil || regraded.Note == nil || regraded.Station != n.c.st.ID {
			t.Fatalf("%s: no re-grading by the county on the timeline: %+v", p.name, events)
		}
		if k := kept(t, p.db); len(k) != 0 {
			t.Errorf("%s kept %+v", p.name, k)
		}
	}
	// The township's own thresholds did not change: it took the grade
	// from the county's change, not from rules of its own.
	if st, _ := n.t1.svc.Settings(ctx, n.t1.st.ID); st.Thresholds.Accident.Dead.Large != 2 {
		t.Errorf("the township's rules in force: %+v", st.Thresholds.Accident.Dead)
	}
	if list := pending(t, n.p); len(list) != 1 || list[0].Grade != incident.GradeLarge {
		t.Errorf("the prefecture rings with %+v", list)
	}
}

// Rules set above and arriving by sync: the prefecture does not hold a
// county matter of the township, so the township, which received it,
// grades it anew when the prefecture's thresholds reach it; the county,
// which holds it too, leaves it to the township; the rise brings the
// prefecture in. Each station's timeline has the re-grading once.
func TestRegradeOfAnIncidentTheSetterDoesNotHold(t *testing.T) {
	n := newSyncNet(t)
	rules := incident.DefaultSettings()
	rules.Rules.Reach[incident.GradeGeneral] = incident.LevelCounty
	if err := n.p.svc.SetSettings(ctx, n.p.st.ID, rules); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.p)
	inc := n.accident(incident.Counts{Dead: 2})
	n.file(t, inc)
	n.flush(t, n.t1)
	if n.p.has(inc.ID) || !n.c.has(inc.ID) {
		t.Fatalf("a county matter: at the prefecture %v, at the county %v", n.p.has(inc.ID), n.c.has(inc.ID))
	}

	n.setNow(n.now.Add(time.Hour))
	rules.Thresholds.Accident.Dead.Large = 2
	if err := n.p.svc.SetSettings(ctx, n.p.st.ID, rules); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.p)
	if ops := n.flush(t, n.c); len(ops) != 0 {
		t.Fatalf("the county re-graded the township's incident itself: %v", kinds(ops))
	}
	n.flush(t, n.t1)
	n.flush(t, n.c)
	for _, p := range []*syncPeer{n.t1, n.c, n.p} {
		got, err := p.svc.FindIncidentByID(ctx, inc.ID)
		if err != nil || got.Provisional != incident.GradeLarge {
			t.Fatalf("%s holds %+v, %v", p.name, got, err)
		}
		events, _ := p.svc.Timeline(ctx, inc.ID)
		regraded := 0
		for _, ev := range events {
			if ev.Kind == incident.EventRegraded {
				regraded++
				if ev.Station != n.t1.st.ID {
					t.Errorf("%s: re-graded at %s", p.name, ev.Station)
				}
			}
		}
		if regraded != 1 {
			t.Errorf("%s has the re-grading %d times", p.name, regraded)
		}
		if k := kept(t, p.db); len(k) != 0 {
			t.Errorf("%s kept %+v", p.name, k)
		}
	}
}
