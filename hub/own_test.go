package hub_test

import (
	"testing"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// ownPages asks for the station's operations after `after` until the hub
// says no more follow, and returns every entry.
func (r *raw) ownPages(after uint64) (entries []wire.OwnEntry, pages int, lastSeq uint64) {
	r.t.Helper()
	for {
		r.send(wire.TypeOwn, "own", wire.Own{After: after})
		page, err := wire.DecodeOwnOps(r.expect(wire.TypeOwnOps))
		if err != nil {
			r.t.Fatal(err)
		}
		pages++
		entries = append(entries, page.Ops...)
		lastSeq = page.LastSeq
		if !page.More {
			return entries, pages, lastSeq
		}
		after = page.Ops[len(page.Ops)-1].Seq
	}
}

// The hub gives a station back its own operations after a seq, in seq
// order, whole; a seq it refused comes as the id alone; another station's
// operations never come.
func TestOwnGivesBackTheStationsOperationsAfterASeq(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	t1, c2 := dialRaw(t, h.addr), dialRaw(t, h.addr)
	t1.login("t1")
	c2.login("c2")
	c2.send(wire.TypePush, "c2", wire.Push{Ops: []app.Operation{op(tr.C2.ID, 1, "roster.log")}})
	c2.expect(wire.TypeAck)

	var ops []app.Operation
	for seq := uint64(1); seq <= 4; seq++ {
		ops = append(ops, op(tr.T1.ID, seq, "roster.log"))
	}
	// Seq 3 changes a station T1 does not own: refused, the seq consumed.
	ops[2].Kind, ops[2].Entity = app.OpStationDelete, tr.C2.ID
	t1.send(wire.TypePush, "p1", wire.Push{Ops: ops})
	if e := t1.expectError(); e.Code != wire.CodeForbidden || e.Seq != 3 {
		t.Fatalf("the refusal: %+v", e)
	}
	if a, _ := wire.DecodeAck(t1.expect(wire.TypeAck)); a.Through != 4 {
		t.Fatalf("ack through %d, want 4", a.Through)
	}

	entries, _, last := t1.ownPages(1)
	if last != 4 || len(entries) != 3 {
		t.Fatalf("after seq 1: %d entries, last seq %d; want 3 and 4", len(entries), last)
	}
	for i, e := range entries {
		want := ops[i+1]
		if e.Seq != want.Seq || e.ID != want.ID {
			t.Fatalf("entry %d is seq %d id %s, want seq %d id %s", i, e.Seq, e.ID, want.Seq, want.ID)
		}
		if (e.Op == nil) != (want.Seq == 3) {
			t.Fatalf("seq %d: operation present %v; only the refused seq 3 comes without one", e.Seq, e.Op != nil)
		}
		if e.Op != nil && (e.Op.Origin != tr.T1.ID || string(e.Op.Payload) != string(want.Payload)) {
			t.Fatalf("seq %d came back as %+v", e.Seq, e.Op)
		}
	}
	if entries, _, _ := t1.ownPages(4); len(entries) != 0 {
		t.Fatalf("after the last seq: %d entries", len(entries))
	}
}

// A station far behind gets its operations in pages the frame limit
// holds, none lost or repeated between pages.
func TestOwnPagesALongHistory(t *testing.T) {
	h := startHub(t, hub.Config{})
	r := dialRaw(t, h.addr)
	r.login("t1")
	const n = 2*wire.MaxOwnOps + 100
	var seq uint64
	for seq < n {
		var push []app.Operation
		for len(push) < wire.MaxPushOps && seq < n {
			seq++
			push = append(push, op(h.tree.T1.ID, seq, "roster.log"))
		}
		r.send(wire.TypePush, "p", wire.Push{Ops: push})
		r.expect(wire.TypeAck)
	}
	entries, pages, last := r.ownPages(0)
	if last != n || len(entries) != n || pages < 3 {
		t.Fatalf("%d entries in %d pages, last seq %d; want %d in at least 3", len(entries), pages, last, n)
	}
	for i, e := range entries {
		if e.Seq != uint64(i+1) || e.Op == nil {
			t.Fatalf("entry %d is seq %d (operation present %v)", i, e.Seq, e.Op != nil)
		}
	}
}

// A push whose seq another operation holds acknowledges only what came
// before the conflict: the client must not file its own differing
// operation as stored.
func TestConflictAcknowledgesOnlyBeforeTheConflict(t *testing.T) {
	h := startHub(t, hub.Config{})
	first, second := dialRaw(t, h.addr), dialRaw(t, h.addr)
	first.login("t1")
	a1, a2 := op(h.tree.T1.ID, 1, "roster.log"), op(h.tree.T1.ID, 2, "roster.log")
	first.send(wire.TypePush, "p", wire.Push{Ops: []app.Operation{a1, a2}})
	first.expect(wire.TypeAck)

	second.login("t1")
	b2 := op(h.tree.T1.ID, 2, "roster.log")
	second.send(wire.TypePush, "p", wire.Push{Ops: []app.Operation{a1, b2}})
	if a, _ := wire.DecodeAck(second.expect(wire.TypeAck)); a.Through != 1 {
		t.Fatalf("ack through %d, want 1", a.Through)
	}
	if e := second.expectError(); e.Code != wire.CodeConflict || e.Seq != 2 {
		t.Fatalf("the refusal: %+v", e)
	}
}
