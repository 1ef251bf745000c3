package hub_test

import (
	"context"
	"path/filepath"
	"testing"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// A hub restored from an older backup starts a new epoch. The clients
// re-send what the backup lacks, from their journal of acknowledged
// operations, and re-pull from the start: afterwards the hub holds every
// operation exactly once, and no client has anything twice.
func TestRestoredHubGetsEverythingBackOnce(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, t1 := newClient(t, "p"), newClient(t, "t1")
	p.start(h.addr, "p")
	t1.start(h.addr, "t1")
	p.caughtUp()
	t1.caughtUp()
	p.setIdentity(tr.P)
	t1.setIdentity(tr.T1)

	var before, after []app.Person
	for i := range 5 {
		before = append(before, t1.addPerson(tr.T1, "备份前"+string(rune('A'+i))))
	}
	t1.caughtUp()
	backup := filepath.Join(t.TempDir(), "hub-backup.db")
	if err := h.db.Backup(backup); err != nil {
		t.Fatal(err)
	}
	oldEpoch := h.srv.Epoch()
	for i := range 5 {
		after = append(after, t1.addPerson(tr.T1, "备份后"+string(rune('A'+i))))
	}
	fromP := p.addPerson(tr.P, "州值班员")
	t1.caughtUp()
	p.caughtUp()
	waitFor(t, "everything at P", func() bool { return p.hasPerson(after[4].ID) })
	if n, _ := t1.db.OutboxLen(context.Background()); n != 0 {
		t.Fatalf("T1 still queues %d operations", n)
	}

	h.restart(func(dir string) {
		if err := hub.Restore(dir, backup); err != nil {
			t.Fatal(err)
		}
	})
	if h.srv.Epoch() == oldEpoch {
		t.Fatal("the restored hub kept its epoch")
	}
	waitFor(t, "both clients on the new epoch", func() bool {
		return p.eng.State().Epoch == h.srv.Epoch() && t1.eng.State().Epoch == h.srv.Epoch() &&
			p.eng.State().CaughtUp && t1.eng.State().CaughtUp
	})
	p.caughtUp()
	t1.caughtUp()

	// Caught up is about the re-pull, and the outbox is empty all along:
	// the re-sent operations come from the journal, so neither says the
	// hub has acknowledged them yet. Wait for the hub's log itself to hold
	// every one, then check that it holds each exactly once.
	everyone := append(append(before, after...), fromP)
	var ops []wire.Delivery
	waitFor(t, "every operation back in the restored hub's log", func() bool {
		ops = h.logOps()
		for _, person := range everyone {
			if countOp(ops, person.ID) == 0 {
				return false
			}
		}
		return true
	})
	for _, person := range everyone {
		if n := countOp(ops, person.ID); n != 1 {
			t.Errorf("the restored hub holds the creation of %s %d times, want 1", person.Name, n)
		}
	}
	waitFor(t, "P's person back at T1", func() bool { return t1.hasPerson(fromP.ID) })
	people, err := p.dir.Persons(context.Background(), app.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 11 {
		t.Fatalf("P has %d people after the re-pull, want 11", len(people))
	}
}

// A database copied back by hand, without Restore, is caught by the boot
// id: the hub starts a new epoch all the same.
func TestCopiedBackDatabaseGetsNewEpoch(t *testing.T) {
	h := startHub(t, hub.Config{})
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := h.db.Backup(backup); err != nil {
		t.Fatal(err)
	}
	old := h.srv.Epoch()
	h.restart(nil)
	if h.srv.Epoch() != old {
		t.Fatal("a plain restart changed the epoch: clients would re-pull for nothing")
	}
	h.restart(func(dir string) { copyFile(t, backup, filepath.Join(dir, hub.FileName)) })
	if h.srv.Epoch() == old {
		t.Fatal("a database copied back by hand kept its epoch")
	}
}
