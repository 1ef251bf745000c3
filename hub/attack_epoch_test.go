package hub_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"dutyroom/app/wire"
	"dutyroom/hub"
)

// rawCaughtUp pulls on a raw connection from the cursor and returns the
// caught_up that ends the backlog.
func rawCaughtUp(r *raw, cur wire.Cursor) wire.CaughtUp {
	r.t.Helper()
	r.send(wire.TypePull, "pull", wire.Pull{Cursor: cur})
	c, err := wire.DecodeCaughtUp(r.expect(wire.TypeCaughtUp))
	if err != nil {
		r.t.Fatal(err)
	}
	if c.Checkpoint == nil {
		r.t.Fatal("caught_up without a checkpoint")
	}
	return c
}

// A station that pulls far past the log's head, again and again, gets a
// bad_cursor error each time and is read from 0, as if it had asked for
// that; nothing else happens: the epoch stays, no other connection is
// dropped, and an honest station goes on syncing in the same run.
func TestHostilePullBeyondTheHeadIsRefusedAndChangesNoEpoch(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, t1 := newClient(t, "p"), newClient(t, "t1")
	p.start(h.addr, "p")
	t1.start(h.addr, "t1")
	p.caughtUp()
	t1.caughtUp()
	t1.setIdentity(tr.T1)
	epoch := h.srv.Epoch()
	dropped := strings.Count(h.log.String(), "client disconnected")

	for i := range 5 {
		r := dialRaw(t, h.addr)
		w := r.login("c1")
		r.send(wire.TypePull, "pull", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch, Position: w.Head + 1_000_000 + uint64(i)}})
		if e := r.expectError(); e.Code != wire.CodeBadCursor {
			t.Fatalf("attempt %d: a pull past the head got %+v, want %s", i+1, e, wire.CodeBadCursor)
		}
		// The connection is read from 0 instead, like any client's first pull.
		if o, err := wire.DecodeOps(r.expect(wire.TypeOps)); err != nil || o.Ops[0].Pos != 1 {
			t.Fatalf("attempt %d: after the refusal the hub sent %+v, %v; want the log from position 1", i+1, o, err)
		}
		r.expect(wire.TypeCaughtUp)
		person := t1.addPerson(tr.T1, "诚实站"+string(rune('A'+i)))
		waitFor(t, "the honest station's person at the prefecture", func() bool { return p.hasPerson(person.ID) })
	}
	if h.srv.Epoch() != epoch {
		t.Fatal("a client's claim changed the epoch")
	}
	log := h.log.String()
	if strings.Contains(log, "new epoch") {
		t.Fatal("the hub logged a new epoch")
	}
	// The five raw connections were replaced one by another (same
	// station); p and t1 were never dropped.
	if n := strings.Count(log, "client disconnected") - dropped; n > 4 {
		t.Fatalf("%d connections dropped; only the four replaced attackers should be", n)
	}
	if !strings.Contains(log, "refused a pull") || !strings.Contains(log, "code="+wire.CodeBadCursor) {
		t.Fatal("the refusal left no log line naming its code")
	}
	if s := p.eng.State(); !s.Online || s.Epoch != epoch || !s.CaughtUp {
		t.Fatalf("the prefecture's engine after the attack: %+v", s)
	}
}

// A checkpoint the hub did not sign, or signed for another position, is
// refused for that connection only, which is read from 0; the genuine one
// is read from; none of them changes the epoch.
func TestForgedOrGarbledCheckpointIsRefusedForThatConnectionOnly(t *testing.T) {
	h := startHub(t, hub.Config{})
	t1 := newClient(t, "t1")
	t1.start(h.addr, "t1")
	t1.caughtUp()
	t1.setIdentity(h.tree.T1)
	t1.addPerson(h.tree.T1, "张三")
	t1.caughtUp()

	r := dialRaw(t, h.addr)
	w := r.login("c1")
	genuine := *rawCaughtUp(r, wire.Cursor{Epoch: w.Epoch}).Checkpoint
	flip := func(s string) string {
		if s[0] == '0' {
			return "1" + s[1:]
		}
		return "0" + s[1:]
	}
	forged := map[string]wire.Checkpoint{
		"mac changed":          {Position: genuine.Position, Chain: genuine.Chain, MAC: flip(genuine.MAC)},
		"chain changed":        {Position: genuine.Position, Chain: flip(genuine.Chain), MAC: genuine.MAC},
		"moved past the head":  {Position: genuine.Position + 1000, Chain: genuine.Chain, MAC: genuine.MAC},
		"moved back":           {Position: genuine.Position - 1, Chain: genuine.Chain, MAC: genuine.MAC},
		"garbled":              {Position: genuine.Position, Chain: "not hex", MAC: genuine.MAC},
		"all zero past head":   {Position: 1 << 40, Chain: strings.Repeat("00", wire.HashLen), MAC: strings.Repeat("00", wire.HashLen)},
		"upper-case same hash": {Position: genuine.Position, Chain: strings.ToUpper(genuine.Chain), MAC: genuine.MAC},
	}
	for name, cp := range forged {
		r := dialRaw(t, h.addr)
		r.login("c1")
		r.send(wire.TypePull, "pull", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch, Position: cp.Position, Checkpoint: &cp}})
		if e := r.expectError(); e.Code != wire.CodeBadCursor {
			t.Errorf("%s: got %+v, want %s", name, e, wire.CodeBadCursor)
		}
		if o, err := wire.DecodeOps(r.expect(wire.TypeOps)); err != nil || o.Ops[0].Pos != 1 {
			t.Errorf("%s: after the refusal the hub sent %+v, %v; want the log from position 1", name, o, err)
		}
	}
	r = dialRaw(t, h.addr)
	r.login("c1")
	if c := rawCaughtUp(r, wire.Cursor{Epoch: w.Epoch, Position: genuine.Position, Checkpoint: &genuine}); c.Position < genuine.Position {
		t.Fatalf("the genuine checkpoint led to caught_up at %d", c.Position)
	}
	// A checkpoint of an older epoch is no claim on this one: read from 0.
	r = dialRaw(t, h.addr)
	r.login("c1")
	r.send(wire.TypePull, "pull", wire.Pull{Cursor: wire.Cursor{Epoch: "an older epoch", Position: 1 << 40, Checkpoint: &genuine}})
	if o, err := wire.DecodeOps(r.expect(wire.TypeOps)); err != nil || o.Ops[0].Pos != 1 {
		t.Fatalf("a cursor of another epoch was not read from the start: %+v, %v", o, err)
	}
	if h.srv.Epoch() != w.Epoch || strings.Contains(h.log.String(), "new epoch") {
		t.Fatal("a forged checkpoint changed the epoch")
	}
	if s := t1.eng.State(); !s.Online || !s.CaughtUp {
		t.Fatalf("the township's engine after the forgeries: %+v", s)
	}
}

// A duty room whose stored checkpoint the hub refuses (damaged, or from a
// hub whose key is gone) reads the epoch again from 0 and takes in nothing
// twice.
func TestEngineWithARefusedCheckpointRereadsAndAppliesNothingTwice(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, t1 := newClient(t, "p"), newClient(t, "t1")
	p.start(h.addr, "p")
	t1.start(h.addr, "t1")
	p.caughtUp()
	t1.caughtUp()
	t1.setIdentity(tr.T1)
	first := t1.addPerson(tr.T1, "张三")
	waitFor(t, "the person at the prefecture", func() bool { return p.hasPerson(first.ID) })
	p.caughtUp()
	p.stop()

	ctx := context.Background()
	before, _ := p.db.AppliedCount(ctx)
	epoch, pos, _ := p.db.SyncCursor(ctx)
	bad := wire.Checkpoint{Position: pos, Chain: strings.Repeat("12", wire.HashLen), MAC: strings.Repeat("34", wire.HashLen)}
	if _, err := p.db.ApplyCheckpointed(ctx, epoch, bad, nil); err != nil {
		t.Fatal(err)
	}
	p.start(h.addr, "p")
	second := t1.addPerson(tr.T1, "李四")
	waitFor(t, "the second person at the prefecture", func() bool { return p.hasPerson(second.ID) })
	p.caughtUp()
	if after, _ := p.db.AppliedCount(ctx); after != before+1 {
		t.Fatalf("the prefecture took in %d operations after re-reading, want %d: the re-read applied something twice or lost it", after, before+1)
	}
	if cp, _ := p.db.SyncCheckpoint(ctx); cp == nil || *cp == bad {
		t.Fatalf("the prefecture still keeps the refused checkpoint: %+v", cp)
	}
	if h.srv.Epoch() != epoch {
		t.Fatal("the refused checkpoint changed the epoch")
	}
	if !strings.Contains(h.log.String(), "refused a pull") {
		t.Fatal("the hub did not refuse the damaged checkpoint")
	}
}

// A copy of the whole data folder (file and boot marker together) put back
// by hand escapes the boot check, but the first checkpoint from after the
// copy proves the rollback: one new epoch.
func TestGenuineCheckpointFromBeyondAPutBackFolderStartsNewEpoch(t *testing.T) {
	h := startHub(t, hub.Config{})
	t1 := newClient(t, "t1")
	t1.start(h.addr, "t1")
	t1.caughtUp()
	t1.setIdentity(h.tree.T1)
	t1.caughtUp()

	saved := t.TempDir()
	for _, name := range []string{hub.FileName, "hub.boot"} {
		copyFile(t, filepath.Join(h.dir, name), filepath.Join(saved, name))
	}
	t1.addPerson(h.tree.T1, "复制后")
	t1.caughtUp()
	r := dialRaw(t, h.addr)
	w := r.login("c1")
	later := rawCaughtUp(r, wire.Cursor{Epoch: w.Epoch})
	t1.stop()

	h.restart(func(dir string) {
		for _, name := range []string{hub.FileName, "hub.boot"} {
			copyFile(t, filepath.Join(saved, name), filepath.Join(dir, name))
		}
	})
	if h.srv.Epoch() != w.Epoch {
		t.Fatal("the folder put back changed the epoch at start; this test needs the boot check to pass")
	}
	r = dialRaw(t, h.addr)
	r.login("c1")
	r.send(wire.TypePull, "pull", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch, Position: later.Position, Checkpoint: later.Checkpoint}})
	if !r.closed() {
		t.Fatal("the connection stayed open after the proof of a rollback")
	}
	waitFor(t, "a new epoch", func() bool { return h.srv.Epoch() != w.Epoch })
	if n := strings.Count(h.log.String(), "level=WARN msg=\"new epoch\""); n != 1 {
		t.Fatalf("%d new epochs logged, want 1", n)
	}
}

// A restart of the same file (a crash, an upgrade) keeps the epoch, though
// every client comes back with a checkpoint: each names an operation the
// file still holds, since checkpoints go out only after the commit.
func TestRestartWithCheckpointsKeepsTheEpoch(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, t1 := newClient(t, "p"), newClient(t, "t1")
	p.start(h.addr, "p")
	t1.start(h.addr, "t1")
	p.caughtUp()
	t1.caughtUp()
	t1.setIdentity(tr.T1)
	for i := range 3 {
		person := t1.addPerson(tr.T1, "重启前"+string(rune('A'+i)))
		waitFor(t, "the person at the prefecture", func() bool { return p.hasPerson(person.ID) })
	}
	ctx := context.Background()
	if cp, _ := p.db.SyncCheckpoint(ctx); cp == nil {
		t.Fatal("the prefecture holds no checkpoint; the test would prove nothing")
	}
	epoch := h.srv.Epoch()
	for range 2 {
		h.restart(nil)
		person := t1.addPerson(tr.T1, "重启后")
		waitFor(t, "the person after the restart at the prefecture", func() bool { return p.hasPerson(person.ID) })
	}
	p.caughtUp()
	if h.srv.Epoch() != epoch || strings.Contains(h.log.String(), "rolled back") {
		t.Fatal("a restart of the same file changed the epoch")
	}
	if s := p.eng.State(); s.Epoch != epoch {
		t.Fatalf("the prefecture is on epoch %s, want %s", s.Epoch, epoch)
	}
}
