package hub_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"dutyroom/app"
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
