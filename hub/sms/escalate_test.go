package sms

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// incidentOp is an incident operation as a client sends it: the incident
// as the change left it and the tasks it touched.
func incidentOp(t *testing.T, kind string, at time.Time, inc *incident.Incident, tasks ...incident.ReportTask) app.Operation {
	t.Helper()
	body := map[string]any{"incident": inc}
	if len(tasks) > 0 {
		body["tasks"] = tasks
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return app.Operation{ID: app.NewID(), Kind: kind, Entity: inc.ID, At: at, Payload: data}
}

func (g *reachRig) onDutyToday() {
	g.t.Helper()
	g.assign("2026-07-01", leaderPost, "石镇长")
	g.assign("2026-07-01", officerPost, "向值班")
	g.publish("2026-07")
}

func (g *reachRig) majorIncident() (*incident.Incident, app.Operation) {
	inc := &incident.Incident{ID: app.NewID(), Station: g.town.ID, Title: "乾州村山体滑坡，3人失联", Provisional: incident.GradeLarge,
		Status: incident.StatusOpen, ReceivedAt: g.clock.Now()}
	op := incidentOp(g.t, incident.OpIncidentCreate, g.clock.Now(), inc)
	g.n.Observe(op)
	return inc, op
}

func (g *reachRig) count() int {
	g.t.Helper()
	ms, err := g.q.Messages()
	if err != nil {
		g.t.Fatal(err)
	}
	return len(ms)
}

func TestUnansweredMajorIncidentEscalatesToTheNextPersonAfterTheWaitAndStopsWhenAnsweredBySMS(t *testing.T) {
	g := newReachRig(t)
	g.kannel()
	g.onDutyToday()
	g.n.EscalateAfter = 200 * time.Millisecond
	g.n.Live()
	t0 := g.clock.Now()
	_, create := g.majorIncident()

	// Step 1: the leader on duty, at once.
	if n := g.n.Escalate(t0); n != 1 {
		t.Fatalf("step 1 queued %d messages, want 1", n)
	}
	g.send()
	first := g.waitReceived(g.people["石镇长"].Mobile, 1)
	if !strings.Contains(first[0], "较大突发事件") || !strings.Contains(first[0], "乾州村山体滑坡") {
		t.Fatalf("the leader on duty received %q", first[0])
	}
	// Within the wait nothing more.
	g.clock.Set(t0.Add(150 * time.Millisecond))
	if n := g.n.Escalate(g.clock.Now()); n != 0 {
		t.Fatalf("%d messages queued within the wait", n)
	}
	// After it, step 2: the township's principal (党工委书记), not the deputy.
	g.clock.Set(t0.Add(201 * time.Millisecond))
	if n := g.n.Escalate(g.clock.Now()); n != 1 {
		t.Fatalf("step 2 queued %d messages, want 1", n)
	}
	g.send()
	g.waitReceived(g.people["田书记"].Mobile, 1)

	// The hub restarts: a new notifier sees the log replayed and finds
	// step 2 sent; within its wait nothing is repeated.
	g.n = NewNotifier(g.q, g.n.Tree, g.n.Log)
	g.n.EscalateAfter = 200 * time.Millisecond
	g.fed = 0
	g.feed()
	g.n.Observe(create)
	g.n.Live()
	before := g.count()
	g.clock.Set(t0.Add(300 * time.Millisecond))
	if n := g.n.Escalate(g.clock.Now()); n != 0 || g.count() != before {
		t.Fatalf("after a restart %d messages queued again", g.count()-before)
	}

	// The principal answers by SMS with the code: the chain stops before
	// the level above.
	m := g.messages("incident:")["田书记"]
	g.reply(m.To, "收到"+m.Code+"，马上到")
	g.clock.Set(t0.Add(time.Second))
	if n := g.n.Escalate(g.clock.Now()); n != 0 {
		t.Fatalf("an answered incident queued %d more messages", n)
	}
	if _, sent := g.messages("incident:")["吴局长"]; sent {
		t.Fatal("the level above was messaged after the answer")
	}
	if got := g.messages("incident:")["田书记"]; got.State != Answered {
		t.Fatalf("the principal's message is %s, want answered", got.State)
	}
}

func TestIncidentHandledAtAClientAndReportSentStopTheirEscalation(t *testing.T) {
	g := newReachRig(t)
	g.kannel()
	g.onDutyToday()
	g.n.EscalateAfter = 200 * time.Millisecond
	g.n.Live()
	t0 := g.clock.Now()
	inc, _ := g.majorIncident()
	// A report to the county due a minute ago, unsent.
	task := incident.ReportTask{ID: app.NewID(), Incident: inc.ID, Kind: "initial", From: g.town.ID,
		To: incident.Recipient{Station: g.county.ID}, Mode: incident.ModeWritten, Due: t0.Add(-time.Minute), Status: incident.TaskPending}
	g.n.Observe(incidentOp(t, incident.OpIncidentTasks, t0, inc, task))
	if n := g.n.Escalate(t0); n != 2 {
		t.Fatalf("step 1 of the incident and of the report queued %d messages, want 2", n)
	}
	g.send()
	texts := g.waitReceived(g.people["石镇长"].Mobile, 2)
	if !strings.Contains(strings.Join(texts, "|"), "报送超时") {
		t.Fatalf("the leader on duty received %q", texts)
	}

	// At the client: the leader confirms the grade, the report is sent.
	graded := *inc
	graded.Grade, graded.GradedBy, graded.GradedAt = incident.GradeLarge, "石镇长", t0.Add(time.Minute)
	g.n.Observe(incidentOp(t, incident.OpIncidentGrade, t0.Add(50*time.Millisecond), &graded))
	sent := task
	sent.Status, sent.SentAt = incident.TaskSent, t0.Add(60*time.Millisecond)
	g.n.Observe(incidentOp(t, incident.OpIncidentSend, t0.Add(60*time.Millisecond), &graded, sent))

	g.clock.Set(t0.Add(time.Second))
	if n := g.n.Escalate(g.clock.Now()); n != 0 {
		t.Fatalf("handled at the client, %d more messages queued", n)
	}
	for name := range g.messages("") {
		if name != "石镇长" {
			t.Fatalf("%s was messaged after the incident was handled", name)
		}
	}
}

func TestEscalationChainPassesAStepWithNobodyAndFollowsTheFlag(t *testing.T) {
	chain, err := ParseChain("leader, above")
	if err != nil || len(chain) != 2 || chain[1] != StepAbove {
		t.Fatalf("ParseChain: %v %v", chain, err)
	}
	if _, err := ParseChain("leader,mayor"); err == nil {
		t.Fatal("an unknown step was taken")
	}
	g := newReachRig(t)
	g.n.EscalateAfter = 200 * time.Millisecond
	g.n.EscalateChain = []Step{StepPrincipal, StepAbove}
	// Nobody at the township has a principal's title now.
	p := g.people["田书记"]
	p.Title = "副书记"
	data, _ := json.Marshal(p)
	g.n.Observe(app.Operation{ID: app.NewID(), Kind: app.OpPersonUpdate, Entity: p.ID, Payload: data})
	g.n.Live()
	g.majorIncident()
	if n := g.n.Escalate(g.clock.Now()); n != 1 {
		t.Fatalf("queued %d, want the county's leader at once", n)
	}
	if m, ok := g.messages("incident:")["吴局长"]; !ok || m.Basis != BasisRole {
		t.Fatalf("the level above was not reached by role: %v", names(g.messages("incident:")))
	}
}

func TestRunQueuesTheFirstStepOfANewMajorIncidentWithoutWaitingForItsTick(t *testing.T) {
	g := newReachRig(t)
	g.onDutyToday()
	g.n.Tick = time.Hour
	g.n.Live()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { g.n.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	g.majorIncident()
	waitFor(t, "the leader on duty's message", func() bool {
		_, ok := g.messages("incident:")["石镇长"]
		return ok
	})
}

func TestHandledIncidentStaysHandledAtItsGradeAndARisenGradeEscalatesAgain(t *testing.T) {
	g := newReachRig(t)
	g.onDutyToday()
	g.n.EscalateAfter = 200 * time.Millisecond
	g.n.Live()
	t0 := g.clock.Now()
	inc, _ := g.majorIncident()
	g.n.Escalate(t0)
	// A report sent at the client handles it, though nobody confirmed
	// the grade; a later operation at the same grade does not reopen it.
	g.n.Observe(incidentOp(t, incident.OpIncidentSend, t0.Add(time.Millisecond), inc))
	g.n.Observe(incidentOp(t, incident.OpIncidentReport, t0.Add(2*time.Millisecond), inc))
	if n := g.n.Escalate(t0.Add(time.Second)); n != 0 {
		t.Fatalf("a handled incident queued %d more messages", n)
	}
	// The figures rise to 重大: a chain of its own, from its first step.
	risen := *inc
	risen.Provisional = incident.GradeMajor
	g.n.Observe(incidentOp(t, incident.OpIncidentCounts, t0.Add(2*time.Second), &risen))
	if n := g.n.Escalate(t0.Add(2 * time.Second)); n != 1 {
		t.Fatalf("the risen grade queued %d messages, want the leader on duty again", n)
	}
	ms, _ := g.q.Messages()
	risenMsgs := 0
	for _, m := range ms {
		if strings.Contains(m.Event, ":major:") && strings.Contains(m.Text, "重大突发事件") && m.Name == "石镇长" {
			risenMsgs++
		}
	}
	if len(ms) != 2 || risenMsgs != 1 {
		t.Fatalf("messages %+v, want one of each grade", ms)
	}
}
