package incident_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

var names = map[app.ID]string{
	prefecture.ID: "prefecture", jishou.ID: "county", aizhai.ID: "township", dehang.ID: "village",
	luxi.ID: "luxi", baisha.ID: "baisha",
}

// describe renders tasks as "from>to mode +offset", sorted, so a test reads
// like the rule it checks.
func describe(tasks []incident.ReportTask, start time.Time) []string {
	out := make([]string, len(tasks))
	for i, t := range tasks {
		to := string(t.To.Level)
		if !t.To.External() {
			to = names[t.To.Station]
		}
		out[i] = fmt.Sprintf("%s>%s %s +%s", names[t.From], to, t.Mode, t.Due.Sub(start))
	}
	slices.Sort(out)
	return out
}

func assertTasks(t *testing.T, got []incident.ReportTask, start time.Time, want ...string) {
	t.Helper()
	slices.Sort(want)
	g := describe(got, start)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("tasks:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(want, "\n  "))
	}
}

// required grades inc (received at from) and returns its initial tasks.
func required(inc *incident.Incident, from app.ID) []incident.ReportTask {
	inc.Station = from
	a := incident.Assess(inc, incident.DefaultThresholds())
	return incident.RequiredReports(inc, a, testTree(), incident.DefaultEscalationRules(), received)
}

func withCounts(c incident.Category, counts incident.Counts, loss int64) *incident.Incident {
	inc := sample()
	inc.Category, inc.Counts, inc.Loss = c, counts, loss
	return inc
}

func TestDeadlinesGeneral(t *testing.T) {
	general := func() *incident.Incident { return withCounts(incident.Fire, incident.Counts{Dead: 1}, 0) }
	t.Run("from village", func(t *testing.T) {
		assertTasks(t, required(general(), dehang.ID), received,
			"village>township written +1h0m0s",
			"township>county written +3h0m0s",
			"county>prefecture written +5h0m0s")
	})
	t.Run("from township", func(t *testing.T) {
		assertTasks(t, required(general(), aizhai.ID), received,
			"township>county written +1h0m0s",
			"county>prefecture written +3h0m0s")
	})
	t.Run("from county", func(t *testing.T) {
		assertTasks(t, required(general(), jishou.ID), received,
			"county>prefecture written +2h0m0s")
	})
	t.Run("from prefecture", func(t *testing.T) {
		assertTasks(t, required(general(), prefecture.ID), received)
	})
}

func TestDeadlinesLargeGoBeyondThePrefecture(t *testing.T) {
	large := func() *incident.Incident { return withCounts(incident.Fire, incident.Counts{Dead: 3}, 0) }
	t.Run("from township", func(t *testing.T) {
		assertTasks(t, required(large(), aizhai.ID), received,
			"township>county written +1h0m0s",
			"county>prefecture written +3h0m0s",
			"prefecture>province written +5h0m0s")
	})
	t.Run("from county", func(t *testing.T) {
		assertTasks(t, required(large(), jishou.ID), received,
			"county>prefecture written +2h0m0s",
			"prefecture>province written +4h0m0s")
	})
	t.Run("from prefecture", func(t *testing.T) {
		assertTasks(t, required(large(), prefecture.ID), received,
			"prefecture>province written +2h0m0s")
	})
}

// Major and above: every level reports by phone within 30 minutes and in
// writing within 1 hour, up to the State Council.
func TestDeadlinesMajorAndAbove(t *testing.T) {
	for _, inc := range []*incident.Incident{
		withCounts(incident.Fire, incident.Counts{SeriousInjured: 50}, 0),              // major
		withCounts(incident.HazardousChemicals, incident.Counts{}, 100_000_000),        // especially major
		withCounts(incident.Construction, incident.Counts{SeriousInjured: 100}, 1_000), // especially major
	} {
		assertTasks(t, required(inc, aizhai.ID), received,
			"township>county phone +30m0s",
			"township>county written +1h0m0s",
			"county>prefecture phone +30m0s",
			"county>prefecture written +1h0m0s",
			"prefecture>state_council phone +30m0s",
			"prefecture>state_council written +1h0m0s")
	}
	major := func() *incident.Incident { return withCounts(incident.Fire, incident.Counts{SeriousInjured: 50}, 0) }
	t.Run("from village", func(t *testing.T) {
		assertTasks(t, required(major(), dehang.ID), received,
			"village>township phone +30m0s",
			"village>township written +1h0m0s",
			"township>county phone +30m0s",
			"township>county written +1h0m0s",
			"county>prefecture phone +30m0s",
			"county>prefecture written +1h0m0s",
			"prefecture>state_council phone +30m0s",
			"prefecture>state_council written +1h0m0s")
	})
	t.Run("from county", func(t *testing.T) {
		assertTasks(t, required(major(), jishou.ID), received,
			"county>prefecture phone +30m0s",
			"county>prefecture written +1h0m0s",
			"prefecture>state_council phone +30m0s",
			"prefecture>state_council written +1h0m0s")
	})
	t.Run("from prefecture", func(t *testing.T) {
		assertTasks(t, required(major(), prefecture.ID), received,
			"prefecture>state_council phone +30m0s",
			"prefecture>state_council written +1h0m0s")
	})
}

// A province that tightens the urgent rule (15 minutes by phone, 35 in
// writing) gets its own figures.
func TestDeadlinesUrgentFiguresEditable(t *testing.T) {
	rules := incident.DefaultEscalationRules()
	rules.UrgentPhone, rules.UrgentWritten = 15*time.Minute, 35*time.Minute
	inc := withCounts(incident.Fire, incident.Counts{Dead: 30}, 0)
	inc.Station = prefecture.ID
	a := incident.Assess(inc, incident.DefaultThresholds())
	a.DirectReport = false
	assertTasks(t, incident.RequiredReports(inc, a, testTree(), rules, received), received,
		"prefecture>state_council phone +15m0s",
		"prefecture>state_council written +35m0s")
}

// A county's initial report of a natural disaster is due 2 hours after
// receipt, in place of the accident schedule, unless the report can only
// reach the county later.
func TestDeadlinesDisasterCountyTwoHours(t *testing.T) {
	flood := func() *incident.Incident { return withCounts(incident.Flood, incident.Counts{Dead: 1}, 0) }
	t.Run("from county", func(t *testing.T) {
		assertTasks(t, required(flood(), jishou.ID), received,
			"county>prefecture written +2h0m0s")
	})
	t.Run("from township", func(t *testing.T) {
		assertTasks(t, required(flood(), aizhai.ID), received,
			"township>county written +1h0m0s",
			"county>prefecture written +2h0m0s")
	})
	t.Run("from village", func(t *testing.T) {
		assertTasks(t, required(flood(), dehang.ID), received,
			"village>township written +1h0m0s",
			"township>county written +3h0m0s",
			"county>prefecture written +5h0m0s")
	})
	t.Run("accident from county", func(t *testing.T) {
		assertTasks(t, required(withCounts(incident.Fire, incident.Counts{Dead: 1}, 0), jishou.ID), received,
			"county>prefecture written +2h0m0s")
	})
}

// Ten dead or missing in a disaster: the county also reports straight to
// the province and the ministry.
func TestDeadlinesDirectReport(t *testing.T) {
	inc := withCounts(incident.Geological, incident.Counts{Dead: 3, Missing: 7}, 0)
	assertTasks(t, required(inc, aizhai.ID), received,
		"township>county phone +30m0s",
		"township>county written +1h0m0s",
		"county>prefecture phone +30m0s",
		"county>prefecture written +1h0m0s",
		"prefecture>state_council phone +30m0s",
		"prefecture>state_council written +1h0m0s",
		"county>province phone +30m0s",
		"county>province written +1h0m0s",
		"county>ministry phone +30m0s",
		"county>ministry written +1h0m0s")
}

// Twelve missing in a mine stay a general accident by Decree 493, yet the
// county reports straight up at once.
func TestDeadlinesDirectReportOfGeneralAccident(t *testing.T) {
	inc := withCounts(incident.NonCoalMine, incident.Counts{Missing: 12}, 0)
	assertTasks(t, required(inc, aizhai.ID), received,
		"township>county written +1h0m0s",
		"county>prefecture written +3h0m0s",
		"county>province phone +30m0s",
		"county>province written +1h0m0s",
		"county>ministry phone +30m0s",
		"county>ministry written +1h0m0s")
}

func TestDeadlinesFollowEditedRules(t *testing.T) {
	rules := incident.DefaultEscalationRules()
	rules.FirstReport = 30 * time.Minute
	rules.PerLevel = time.Hour
	rules.Reach[incident.GradeGeneral] = incident.LevelCounty
	inc := withCounts(incident.Fire, incident.Counts{Dead: 1}, 0)
	inc.Station = dehang.ID
	a := incident.Assess(inc, incident.DefaultThresholds())
	assertTasks(t, incident.RequiredReports(inc, a, testTree(), rules, received), received,
		"village>township written +30m0s",
		"township>county written +1h30m0s")
}

func TestDiffAfterGradeRaiseAddsOnlyNewTasks(t *testing.T) {
	inc := withCounts(incident.RoadTraffic, incident.Counts{Dead: 2}, 0)
	first := required(inc, aizhai.ID)
	inc.Regrade(incident.Assess(inc, incident.DefaultThresholds()))

	// A follow-up two hours later: three more died in hospital.
	raisedAt := received.Add(2 * time.Hour)
	inc.Counts.Dead = 5
	a := incident.Assess(inc, incident.DefaultThresholds())
	if !inc.Regrade(a) || inc.Provisional != incident.GradeLarge {
		t.Fatalf("provisional %s after 5 deaths, want large", inc.Provisional)
	}
	again := incident.RequiredReports(inc, a, testTree(), incident.DefaultEscalationRules(), raisedAt)
	added := incident.Diff(first, again)
	assertTasks(t, added, raisedAt, "prefecture>province written +5h0m0s")

	// Raised again to major: phone reports at every level, and the State
	// Council beyond the province.
	all := append(first, added...)
	majorAt := raisedAt.Add(time.Hour)
	inc.Counts.Dead = 10
	a = incident.Assess(inc, incident.DefaultThresholds())
	inc.Regrade(a)
	added = incident.Diff(all, incident.RequiredReports(inc, a, testTree(), incident.DefaultEscalationRules(), majorAt))
	assertTasks(t, added, majorAt,
		"township>county phone +30m0s",
		"county>prefecture phone +30m0s",
		"prefecture>state_council phone +30m0s",
		"prefecture>state_council written +1h0m0s",
		"county>province phone +30m0s",
		"county>province written +1h0m0s",
		"county>ministry phone +30m0s",
		"county>ministry written +1h0m0s")

	if again := incident.Diff(append(all, added...), incident.RequiredReports(inc, a, testTree(), incident.DefaultEscalationRules(), majorAt)); len(again) != 0 {
		t.Errorf("re-running with nothing changed added %v", describe(again, majorAt))
	}
}

func TestTightenBringsDeadlinesForward(t *testing.T) {
	inc := withCounts(incident.Fire, incident.Counts{Dead: 1}, 0)
	first := required(inc, aizhai.ID) // township>county +1h, county>prefecture +3h

	// Half an hour in, the fire is major: every written report is due
	// within the hour.
	raisedAt := received.Add(30 * time.Minute)
	inc.Counts.SeriousInjured = 60
	a := incident.Assess(inc, incident.DefaultThresholds())
	again := incident.RequiredReports(inc, a, testTree(), incident.DefaultEscalationRules(), raisedAt)
	tightened := incident.Tighten(first, again)
	assertTasks(t, tightened, raisedAt, "county>prefecture written +1h0m0s")
	if len(tightened) == 1 && tightened[0].ID != first[1].ID {
		t.Error("Tighten returned a new task, want a copy of the existing one")
	}
	if !first[1].Due.Equal(received.Add(3 * time.Hour)) {
		t.Error("Tighten changed its input")
	}

	// A report already sent keeps the deadline it was sent under.
	if err := first[1].Sign(app.NewID(), "彭建国", received.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := first[1].Send(received.Add(25 * time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := incident.Tighten(first, again); len(got) != 0 {
		t.Errorf("sent task tightened: %v", describe(got, raisedAt))
	}
}

func TestRequiredReportsUseTheLeadersGrade(t *testing.T) {
	inc := withCounts(incident.Fire, incident.Counts{Dead: 1}, 0)
	inc.Station = jishou.ID
	a := incident.Assess(inc, incident.DefaultThresholds())
	inc.Regrade(a)
	if err := inc.ApplyOverride(incident.Override{Grade: incident.GradeLarge, By: "彭建国", Reason: "涉及危化品运输车辆"}, received); err != nil {
		t.Fatal(err)
	}
	assertTasks(t, incident.RequiredReports(inc, a, testTree(), incident.DefaultEscalationRules(), received), received,
		"county>prefecture written +2h0m0s",
		"prefecture>province written +4h0m0s")
}

func TestRequiredReportsIgnoreLowerLeadersGradeAfterNewFigures(t *testing.T) {
	inc := withCounts(incident.Fire, incident.Counts{}, 20_000_000) // large by loss
	inc.Station = jishou.ID
	inc.Regrade(incident.Assess(inc, incident.DefaultThresholds()))
	if err := inc.ApplyOverride(incident.Override{Grade: incident.GradeGeneral, By: "彭建国", Reason: "损失为初步估计，明显偏高"}, received); err != nil {
		t.Fatal(err)
	}
	a := incident.Assess(inc, incident.DefaultThresholds())
	assertTasks(t, incident.RequiredReports(inc, a, testTree(), incident.DefaultEscalationRules(), received), received,
		"county>prefecture written +2h0m0s")

	// Four deaths later: large again on figures the leader has not seen.
	a, err := inc.SetFigures(incident.Counts{Dead: 4}, inc.Loss, incident.DefaultThresholds())
	if err != nil {
		t.Fatal(err)
	}
	if inc.Grade != 0 {
		t.Errorf("leader's general stands at %s after four deaths, want it lapsed", inc.Grade)
	}
	assertTasks(t, incident.RequiredReports(inc, a, testTree(), incident.DefaultEscalationRules(), received), received,
		"county>prefecture written +2h0m0s",
		"prefecture>province written +4h0m0s")
}

func TestFollowUpTasksCarryTheReport(t *testing.T) {
	inc := withCounts(incident.Fire, incident.Counts{Dead: 1}, 0)
	a := incident.Assess(inc, incident.DefaultThresholds())
	rep := &incident.Report{ID: app.NewID(), Incident: inc.ID, Station: aizhai.ID, Kind: incident.KindFollowUp, Text: "续报", CreatedAt: received.Add(5 * time.Hour)}
	tasks := incident.FollowUpTasks(inc, rep, a, testTree(), incident.DefaultEscalationRules())
	assertTasks(t, tasks, rep.CreatedAt,
		"township>county written +1h0m0s",
		"county>prefecture written +3h0m0s")
	for _, tk := range tasks {
		if tk.Report != rep.ID || tk.Kind != incident.KindFollowUp {
			t.Errorf("task carries report %s kind %s, want %s followup", tk.Report, tk.Kind, rep.ID)
		}
	}
	// Two follow-ups to the same recipient are two deliveries.
	rep2 := *rep
	rep2.ID = app.NewID()
	if d := incident.Diff(tasks, incident.FollowUpTasks(inc, &rep2, a, testTree(), incident.DefaultEscalationRules())); len(d) != 2 {
		t.Errorf("second follow-up adds %d tasks, want 2", len(d))
	}
}

func TestTaskLifecycle(t *testing.T) {
	due := received.Add(time.Hour)
	written := incident.ReportTask{ID: app.NewID(), Mode: incident.ModeWritten, Due: due, Status: incident.TaskPending}

	assertCode(t, written.Send(due), app.ECONFLICT) // not signed yet
	assertField(t, written.Sign(app.NilID, "彭建国", received), "report")
	assertField(t, written.Sign(app.NewID(), " ", received), "by")
	if err := written.Sign(app.NewID(), "彭建国", received.Add(50*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if written.Status != incident.TaskSigned || written.SignedBy != "彭建国" {
		t.Errorf("after signing: %s by %q", written.Status, written.SignedBy)
	}
	assertCode(t, written.Acknowledge("县值班室", due), app.ECONFLICT) // not sent yet
	if err := written.Send(due); err != nil {
		t.Fatal(err)
	}
	if written.Late {
		t.Error("sent exactly at the deadline, marked late")
	}
	assertCode(t, written.Send(due), app.ECONFLICT)
	if err := written.Acknowledge("吉首市值班室 石秀兰", due.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if written.Status != incident.TaskAcknowledged || written.AckedBy == "" {
		t.Errorf("after acknowledging: %s by %q", written.Status, written.AckedBy)
	}

	// A phone report goes without signature.
	phone := incident.ReportTask{ID: app.NewID(), Mode: incident.ModePhone, Due: received.Add(30 * time.Minute), Status: incident.TaskPending}
	if err := phone.Send(received.Add(31 * time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !phone.Late {
		t.Error("phone report sent a minute after its deadline is not marked late")
	}
}

func TestTaskOverdue(t *testing.T) {
	due := received.Add(time.Hour)
	tk := incident.ReportTask{Mode: incident.ModePhone, Due: due, Status: incident.TaskPending}
	if tk.Overdue(due) {
		t.Error("overdue at the deadline itself")
	}
	if !tk.Overdue(due.Add(time.Second)) {
		t.Error("not overdue a second after the deadline")
	}
	if tk.Remaining(due.Add(-time.Minute)) != time.Minute {
		t.Errorf("remaining %s, want 1m", tk.Remaining(due.Add(-time.Minute)))
	}
	if err := tk.Send(due.Add(2 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if tk.Overdue(due.Add(3*time.Hour)) || !tk.Late {
		t.Errorf("sent two hours late: overdue %v, late %v; want not overdue, late", tk.Overdue(due.Add(3*time.Hour)), tk.Late)
	}
}

func TestNextDueSkipsSentTasks(t *testing.T) {
	tasks := []incident.ReportTask{
		{Due: received.Add(time.Hour), Status: incident.TaskSent},
		{Due: received.Add(3 * time.Hour), Status: incident.TaskPending},
		{Due: received.Add(2 * time.Hour), Status: incident.TaskSigned},
	}
	if got := incident.NextDue(tasks); !got.Equal(received.Add(2 * time.Hour)) {
		t.Errorf("NextDue %s, want +2h", got.Sub(received))
	}
	if got := incident.NextDue(tasks[:1]); !got.IsZero() {
		t.Errorf("NextDue with nothing open = %s, want zero", got)
	}
}

func TestEscalationRulesValidate(t *testing.T) {
	if err := incident.DefaultEscalationRules().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	r := incident.DefaultEscalationRules()
	r.FirstReport = 0
	assertField(t, r.Validate(), "first_report")
	r = incident.DefaultEscalationRules()
	r.Reach[incident.GradeMajor] = incident.LevelCounty
	assertField(t, r.Validate(), "reach")
	r = incident.DefaultEscalationRules()
	r.DirectTo = []incident.Level{"county_party_office"}
	assertField(t, r.Validate(), "direct_to")
	r = incident.DefaultEscalationRules()
	r.PerLevel = 30 * 24 * time.Hour
	assertField(t, r.Validate(), "per_level")
}

func TestReportTaskValidate(t *testing.T) {
	inc := withCounts(incident.Fire, incident.Counts{Dead: 3}, 0)
	for _, tk := range required(inc, aizhai.ID) {
		if err := tk.Validate(); err != nil {
			t.Errorf("generated task invalid: %v", err)
		}
	}
	tk := required(inc, aizhai.ID)[0]
	tk.To = incident.Recipient{Level: "galaxy"}
	assertField(t, tk.Validate(), "to")
}

// Decree 493 art. 11: a prefecture or county that takes the call has two
// hours for its first hop, like every further level; a township owes the
// county the first hour of art. 9.
func TestFirstHopFollowsTheTierOfTheReceivingStation(t *testing.T) {
	r := incident.DefaultEscalationRules()
	for tier, want := range map[app.Tier]time.Duration{
		app.TierPrefecture: 2 * time.Hour,
		app.TierCounty:     2 * time.Hour,
		app.TierTownship:   time.Hour,
	} {
		if got := r.FirstHop(tier); got != want {
			t.Errorf("first hop from tier %s: %s, want %s", tier.Key(), got, want)
		}
	}
}

func TestLocalDeadlinesNameWhatDiffersFromTheNationalRules(t *testing.T) {
	r := incident.DefaultEscalationRules()
	if got := r.LocalDeadlines(); len(got) != 0 {
		t.Errorf("national rules report local deadlines %v", got)
	}
	r.PerLevel = 90 * time.Minute
	r.UrgentPhone = 15 * time.Minute
	if got := r.LocalDeadlines(); !slices.Equal(got, []string{"per_level", "urgent_phone"}) {
		t.Errorf("local deadlines %v, want per_level and urgent_phone", got)
	}
}
