package hub_test

import (
	"context"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// Operations travel by the tree: a township's people reach its county and
// the prefecture but never the sibling township or the other county; the
// prefecture's reach everyone; station records reach everyone.
func TestOpsFlowUpAndDownTheTree(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clients := map[string]*client{}
	for _, name := range []string{"p", "c1", "c2", "t1", "t2"} {
		c := newClient(t, name)
		c.start(h.addr, name)
		clients[name] = c
	}
	for _, c := range clients {
		c.caughtUp()
		if got := c.stations(); len(got) != 6 {
			t.Fatalf("%s has %d stations after the first sync, want the 6 of the tree", c.name, len(got))
		}
	}
	for name, st := range map[string]app.Station{"p": tr.P, "c1": tr.C1, "c2": tr.C2, "t1": tr.T1, "t2": tr.T2} {
		clients[name].setIdentity(st)
	}

	fromT1 := clients["t1"].addPerson(tr.T1, "乾州值班员")
	fromP := clients["p"].addPerson(tr.P, "州带班领导")
	village := app.Station{Code: "433101001201", Name: "乾州村", Tier: app.TierVillage, Parent: tr.T1.ID}
	if err := clients["c1"].dir.CreateStation(context.Background(), &village); err != nil {
		t.Fatal(err)
	}
	clients["c1"].eng.Kick()

	for _, c := range clients {
		c.caughtUp()
	}
	// Everyone has pushed; wait until every delivery has landed.
	waitFor(t, "deliveries", func() bool {
		return clients["c1"].hasPerson(fromT1.ID) && clients["p"].hasPerson(fromT1.ID) &&
			clients["t2"].hasPerson(fromP.ID) && clients["c2"].hasPerson(fromP.ID) && clients["t1"].hasPerson(fromP.ID) &&
			clients["t2"].stations()[village.ID] && clients["p"].stations()[village.ID] && clients["c2"].stations()[village.ID]
	})
	for _, name := range []string{"t2", "c2"} {
		if clients[name].hasPerson(fromT1.ID) {
			t.Errorf("%s received a person of township T1, which is not above it", name)
		}
	}
	ops := h.logOps()
	if n := countOp(ops, fromT1.ID); n != 1 {
		t.Errorf("the hub's log holds T1's person.create %d times", n)
	}
}

func countOp(ops []wire.Delivery, entity app.ID) int {
	n := 0
	for _, d := range ops {
		if d.Op.Entity == entity {
			n++
		}
	}
	return n
}

// A client that was offline for the whole exchange receives everything
// once it connects.
func TestOfflineClientGetsEverythingOnReconnect(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, t1 := newClient(t, "p"), newClient(t, "t1")
	p.start(h.addr, "p")
	t1.start(h.addr, "t1")
	p.caughtUp()
	t1.caughtUp()
	p.setIdentity(tr.P)
	t1.setIdentity(tr.T1)
	t1.stop()

	var people []app.Person
	for i := range 30 {
		people = append(people, p.addPerson(tr.P, "人员"+string(rune('A'+i))))
	}
	p.caughtUp()
	for _, person := range people {
		if t1.hasPerson(person.ID) {
			t.Fatal("the offline client received something while offline")
		}
	}
	t1.start(h.addr, "t1")
	t1.caughtUp()
	for _, person := range people {
		if !t1.hasPerson(person.ID) {
			t.Fatalf("after reconnecting, %s is missing", person.Name)
		}
	}
}

// The same operation pushed twice, on two connections, is stored once and
// applied once.
func TestSameOpPushedTwiceIsAppliedOnce(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	c1 := newClient(t, "c1")
	c1.start(h.addr, "c1")
	c1.caughtUp()

	report := op(tr.T1.ID, 1, "roster.log")
	for range 2 {
		r := dialRaw(t, h.addr)
		r.login("t1")
		r.send(wire.TypePush, "1", wire.Push{Ops: []app.Operation{report}})
		a, err := wire.DecodeAck(r.expect(wire.TypeAck))
		if err != nil || a.Through != 1 {
			t.Fatalf("ack = %+v, %v", a, err)
		}
		r.ws.Close()
	}
	waitFor(t, "the report at the county", func() bool {
		ok, _ := c1.db.HasApplied(context.Background(), report.ID)
		return ok
	})
	if n := countOp(h.logOps(), report.Entity); n != 1 {
		t.Fatalf("the hub stored the operation %d times", n)
	}
	before, _ := c1.db.AppliedCount(context.Background())
	// And the client applies a repeated delivery once: deliver it again.
	if _, err := c1.db.ApplyIncoming(context.Background(), h.srv.Epoch(), 1, []app.Operation{report}); err != nil {
		t.Fatal(err)
	}
	after, _ := c1.db.AppliedCount(context.Background())
	if after != before {
		t.Fatalf("a repeated delivery was taken in again: %d → %d", before, after)
	}
	kept, _ := c1.db.KeptOps(context.Background(), 10)
	if len(kept) != 1 || kept[0].Op.ID != report.ID {
		t.Fatalf("the unknown kind was not kept for later: %+v", kept)
	}
}

// A township cannot push as another station: the whole push is refused
// with a clear error and a log line, nothing is stored, and the
// connection stays usable.
func TestTownshipCannotPushAsAnotherStation(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	r := dialRaw(t, h.addr)
	r.login("t1")
	before := len(h.logOps())
	r.send(wire.TypePush, "x", wire.Push{Ops: []app.Operation{op(tr.T2.ID, 1, "roster.log")}})
	e := r.expectError()
	if e.Code != wire.CodeForbidden || !strings.Contains(e.Message, tr.T2.ID.String()) {
		t.Fatalf("push as a sibling: %+v", e)
	}
	if len(h.logOps()) != before {
		t.Fatal("a refused push reached the log")
	}
	if !strings.Contains(h.log.String(), "code=forbidden") {
		t.Fatalf("no log line for the refusal:\n%s", h.log.String())
	}
	// Its own operations still go through on the same connection.
	r.send(wire.TypePush, "y", wire.Push{Ops: []app.Operation{op(tr.T1.ID, 1, "roster.log")}})
	if a, _ := wire.DecodeAck(r.expect(wire.TypeAck)); a.Through != 1 {
		t.Fatalf("ack after a refusal: %+v", a)
	}
}

// A township cannot change a record of its county, nor address an unknown
// station; each such operation is refused and skipped, and the stream goes
// on.
func TestRefusedOperationsAreSkipped(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	r := dialRaw(t, h.addr)
	r.login("t1")
	county := tr.C1
	county.Name = "改名"
	payload, _ := hubStationPayload(county)
	change := op(tr.T1.ID, 1, app.OpStationUpdate)
	change.Entity, change.Payload = county.ID, payload
	lost := op(tr.T1.ID, 2, "message.send")
	lost.To = []app.ID{app.NewID()}
	good := op(tr.T1.ID, 3, "message.send")
	good.To = []app.ID{tr.T3.ID}
	r.send(wire.TypePush, "1", wire.Push{Ops: []app.Operation{change, lost, good}})
	e1, e2 := r.expectError(), r.expectError()
	if e1.Code != wire.CodeForbidden || e1.Seq != 1 || e2.Code != wire.CodeInvalid || e2.Seq != 2 || !strings.Contains(e2.Message, "does not know") {
		t.Fatalf("refusals: %+v, %+v", e1, e2)
	}
	if a, _ := wire.DecodeAck(r.expect(wire.TypeAck)); a.Through != 3 {
		t.Fatalf("ack through %d, want 3: refused seqs are consumed", a.Through)
	}
	ops := h.logOps()
	if countOp(ops, good.Entity) != 1 || countOp(ops, change.Entity) != 1 /* the import */ || countOp(ops, lost.Entity) != 0 {
		t.Fatal("the log holds a refused operation or lacks the good one")
	}
	// Resending the refused operation is a harmless duplicate.
	r.send(wire.TypePush, "2", wire.Push{Ops: []app.Operation{change}})
	if a, _ := wire.DecodeAck(r.expect(wire.TypeAck)); a.Through != 3 {
		t.Fatalf("ack after resending: %+v", a)
	}
}

func hubStationPayload(s app.Station) ([]byte, error) {
	return []byte(`{"id":"` + s.ID.String() + `","code":"` + s.Code + `","name":"` + s.Name + `","tier":` + string(rune('0'+int(s.Tier))) + `,"parent":"` + s.Parent.String() + `","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-06-01T00:00:00Z"}`), nil
}

// A township never receives what a sibling addressed elsewhere, and
// receives what anyone addresses to it, even across counties.
func TestAddressedOperationsReachOnlyTheirAddressees(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	t2, t3 := newClient(t, "t2"), newClient(t, "t3")
	t2.start(h.addr, "t2")
	t3.start(h.addr, "t3")
	t2.caughtUp()
	t3.caughtUp()

	r := dialRaw(t, h.addr)
	r.login("t1")
	direct := op(tr.T1.ID, 1, "message.send") // 越级直报 to the prefecture, copy to the county
	direct.To, direct.Scope = []app.ID{tr.P.ID, tr.C1.ID}, app.ScopeNone
	toT3 := op(tr.T1.ID, 2, "message.send")
	toT3.To, toT3.Scope = []app.ID{tr.T3.ID}, app.ScopeNone
	r.send(wire.TypePush, "1", wire.Push{Ops: []app.Operation{direct, toT3}})
	r.expect(wire.TypeAck)

	waitFor(t, "the message at T3", func() bool {
		ok, _ := t3.db.HasApplied(context.Background(), toT3.ID)
		return ok
	})
	// Deliveries keep log order: once T2 has an operation pushed after
	// both, it would have had either of them by then.
	marker := op(tr.T1.ID, 3, "message.send")
	marker.To, marker.Scope = []app.ID{tr.T2.ID}, app.ScopeNone
	r.send(wire.TypePush, "2", wire.Push{Ops: []app.Operation{marker}})
	r.expect(wire.TypeAck)
	waitFor(t, "the marker at T2", func() bool {
		ok, _ := t2.db.HasApplied(context.Background(), marker.ID)
		return ok
	})
	for _, o := range []app.Operation{direct, toT3} {
		if ok, _ := t2.db.HasApplied(context.Background(), o.ID); ok {
			t.Errorf("sibling T2 received %s addressed elsewhere", o.Kind)
		}
	}
	if ok, _ := t3.db.HasApplied(context.Background(), direct.ID); ok {
		t.Error("T3 received the direct report to the prefecture")
	}
}

// Changes made before the duty room chose its station wait; once it is
// chosen they carry it and go out.
func TestChangesWaitUntilTheStationIsChosen(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	c1, t1 := newClient(t, "c1"), newClient(t, "t1")
	c1.start(h.addr, "c1")
	t1.start(h.addr, "t1")
	c1.caughtUp()
	waitFor(t, "the tree at T1", func() bool { return len(t1.stations()) == 6 })
	early := t1.addPerson(tr.T1, "早到的人")
	waitFor(t, "the engine to say why it waits", func() bool {
		return strings.Contains(t1.eng.State().Err, "choose this duty room's station")
	})
	t1.setIdentity(tr.T1)
	t1.eng.Kick()
	t1.caughtUp()
	waitFor(t, "the person at the county", func() bool { return c1.hasPerson(early.ID) })
	if s := t1.eng.State(); s.Err != "" {
		t.Fatalf("the engine still reports %q", s.Err)
	}
}
