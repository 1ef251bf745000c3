package hub_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
	"dutyroom/app/warning"
	"dutyroom/hub"
	"dutyroom/hub/sms"
	"dutyroom/store"
)

// TestHubSMSNotifierKnowsWhoIsOnDutyFromTheRosterOperationsItRoutesAndAfterARestart
// runs a real hub with the SMS notifier observing what it stores: a
// township's client publishes its roster over the socket, and a warning's
// 叫应 goes to the leader and officer on duty by it, not to the others
// with the role; restarted, the hub rebuilds the roster from its log.
func TestHubSMSNotifierKnowsWhoIsOnDutyFromTheRosterOperationsItRoutesAndAfterARestart(t *testing.T) {
	ctx := app.WithAuthor(context.Background(), "龙值班")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := sms.NewNotifier(nil, nil, quiet)
	h := startHub(t, hub.Config{Observe: n.Observe, Replay: sms.ObservedKinds})
	q, err := sms.Open(h.db.Bolt(), nil, sms.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	tree := app.NewTree(h.tree.list())
	n.Queue, n.Tree = q, func() *app.Tree { return tree }
	n.Live()

	c := newClient(t, "t1")
	c.start(h.addr, "t1")
	c.caughtUp()
	c.setIdentity(h.tree.T1)
	person := func(name string, role app.Role, mobile string) app.Person {
		p := app.Person{Station: h.tree.T1.ID, Name: name, Mobile: mobile, Roles: []app.Role{role}}
		if err := c.dir.CreatePerson(ctx, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leader := person("田书记", app.RoleLeader, "13900000001")
	person("石镇长", app.RoleLeader, "13900000002")
	officer := person("龙值班", app.RoleOfficer, "13900000003")
	person("向值班", app.RoleOfficer, "13900000004")
	r := store.NewRosters(c.db)
	today := roster.DutyDayAt(roster.DefaultHandover, h.tree.T1.Location(), time.Now())
	for _, a := range []roster.Assignment{
		{Station: h.tree.T1.ID, Day: today, Post: roster.Post{Role: app.RoleLeader}, Person: leader.ID},
		{Station: h.tree.T1.ID, Day: today, Post: roster.Post{Role: app.RoleOfficer}, Person: officer.ID},
	} {
		if _, _, err := r.SetAssignment(ctx, a, "排班"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Publish(ctx, h.tree.T1.ID, roster.MonthOf(today), true); err != nil {
		t.Fatal(err)
	}
	c.eng.Kick()
	c.caughtUp()

	reached := func() map[string]string {
		now := time.Now()
		w := warning.Warning{ID: app.NewID(), Issuer: h.tree.C1.ID, Level: warning.Red, Type: warning.Rainstorm,
			ValidFrom: now, ValidUntil: now.Add(time.Hour), Text: "t", IssuedBy: "吴局长", IssuedAt: now}
		n.Warn(&w)
		ms, err := q.Messages()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, m := range ms {
			if m.Event == sms.WarningEvent(w.ID) && m.Station == h.tree.T1.ID.String() {
				got[m.Name] = m.Basis
			}
		}
		return got
	}
	want := map[string]string{"田书记": sms.BasisRoster, "龙值班": sms.BasisRoster}
	check := func(when string, got map[string]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: the warning reached %v at 乾州街道, want %v", when, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s: the warning reached %v at 乾州街道, want %v", when, got, want)
			}
		}
	}
	check("live", reached())

	// Restarted: a new notifier sees the stored roster operations replayed.
	c.stop()
	h.stop()
	n = sms.NewNotifier(q, func() *app.Tree { return tree }, quiet)
	h.serve(hub.Config{Observe: n.Observe, Replay: sms.ObservedKinds})
	n.Live()
	check("after a restart", reached())
}

// TestHubSMSEscalatesAMajorIncidentFiledAtATownshipUntilItsGradeIsConfirmed
// files two 较大 road accidents at a township's real client: the hub
// routes them, the notifier reads them, and the township's leader gets
// the first message of each; the one whose grade the leader confirms at
// the client stops there, the other goes on to the county's leader after
// the wait.
func TestHubSMSEscalatesAMajorIncidentFiledAtATownshipUntilItsGradeIsConfirmed(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)}
	n := sms.NewNotifier(nil, nil, quiet)
	h := startHub(t, hub.Config{Observe: n.Observe, Replay: sms.ObservedKinds})
	tr := h.tree
	q, err := sms.Open(h.db.Bolt(), nil, sms.Config{Logger: quiet, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tree := app.NewTree(tr.list())
	n.Queue, n.Tree = q, func() *app.Tree { return tree }
	n.Live()

	c1 := startIncClient(t, h, "c1", tr.C1, clk)
	chief := app.Person{Station: tr.C1.ID, Name: "吴局长", Title: "局长", Mobile: "13900000006", Roles: []app.Role{app.RoleLeader}}
	if err := c1.dir.CreatePerson(dutyCtx, &chief); err != nil {
		t.Fatal(err)
	}
	c1.eng.Kick()
	c1.caughtUp()
	t1 := startIncClient(t, h, "t1", tr.T1, clk)
	for _, p := range []app.Person{
		{Station: tr.T1.ID, Name: "田乡长", Title: "副主任", Mobile: "13900000001", Roles: []app.Role{app.RoleLeader}},
		{Station: tr.T1.ID, Name: "龙值班", Mobile: "13900000003", Roles: []app.Role{app.RoleOfficer}},
	} {
		if err := t1.dir.CreatePerson(dutyCtx, &p); err != nil {
			t.Fatal(err)
		}
	}
	file := func(title string) incident.Incident {
		inc := incident.Incident{Station: tr.T1.ID, ReceivedAt: clk.Now().Add(-5 * time.Minute), Channel: incident.ChannelPhone,
			Place: incident.Place{Station: tr.T1.ID, Text: "G209 国道 K1203"}, Category: incident.RoadTraffic,
			Title: title, Counts: incident.Counts{Dead: 3}}
		_, _, err := t1.svc.CreateIncident(dutyCtx, &inc)
		t1.do(err)
		return inc
	}
	inc := file("客车侧翻")
	other := file("货车坠河") // nobody at a client handles this one
	t1.eng.Kick()
	incidentMessages := func(inc incident.Incident) map[string]sms.Message {
		ms, err := q.Messages()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]sms.Message{}
		for _, m := range ms {
			if strings.HasPrefix(m.Event, "incident:"+inc.ID.String()) {
				out[m.Name] = m
			}
		}
		return out
	}
	waitFor(t, "the leader's messages about the incidents", func() bool {
		n.Escalate(clk.Now())
		_, ok := incidentMessages(inc)["田乡长"]
		_, ok2 := incidentMessages(other)["田乡长"]
		return ok && ok2
	})
	if m := incidentMessages(inc)["田乡长"]; !strings.Contains(m.Text, "较大突发事件") || !strings.Contains(m.Text, "客车侧翻") || m.Code == "" {
		t.Fatalf("the leader is sent %+v", m)
	}

	t1.do(t1.svc.ConfirmGrade(dutyCtx, inc.ID, "田乡长"))
	t1.eng.Kick()
	t1.caughtUp()
	clk.advance(sms.DefaultEscalateAfter + time.Minute)
	n.Escalate(clk.Now())
	if got := incidentMessages(inc); len(got) != 1 {
		t.Fatalf("after the grade was confirmed the incident reached %d people, want only the leader", len(got))
	}
	// The township has no principal by title: the unhandled one goes
	// up to the county's leader.
	if _, ok := incidentMessages(other)["吴局长"]; !ok {
		t.Fatalf("the unhandled incident did not reach the level above: %v", incidentMessages(other))
	}
}
