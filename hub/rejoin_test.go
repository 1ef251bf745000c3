package hub_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/syncer"
	"dutyroom/hub"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// backupClient writes a backup of the client's data file, as 设置 → 备份 does.
func backupClient(t *testing.T, c *client) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.db.Backup(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// reopen stops the client, lets change work on its closed data folder, and
// opens the folder again (the engine is not started).
func (c *incClient) reopen(clk *alertClock, change func(dir string)) {
	c.t.Helper()
	c.stop()
	dir := filepath.Dir(c.db.Path())
	if err := c.db.Close(); err != nil {
		c.t.Fatal(err)
	}
	change(dir)
	db := storetest.OpenDir(c.t, dir)
	db.Now = clk.Now
	c.db, c.dir, c.svc = db, store.NewDirectory(db), store.NewIncidents(db)
}

func (c *incClient) file(clk *alertClock, title string) incident.Incident {
	c.t.Helper()
	inc := incident.Incident{Station: c.st.ID, ReceivedAt: clk.Now().Add(-5 * time.Minute), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: c.st.ID, Text: "G65 K1234"}, Category: incident.RoadTraffic,
		Title: title, Counts: incident.Counts{Injured: 1}}
	_, _, err := c.svc.CreateIncident(dutyCtx, &inc)
	if err != nil {
		c.t.Fatalf("%s: file %s: %v", c.name, title, err)
	}
	if c.eng != nil {
		c.eng.Kick()
	}
	return inc
}

// checkSeqs checks that the hub's log holds the station's operations under
// seqs 1, 2, 3, ... once each, and returns how many.
func checkSeqs(t *testing.T, h *testHub, station app.ID) int {
	t.Helper()
	ids := make(map[app.ID]bool)
	var want uint64 = 1
	for _, d := range h.logOps() {
		if d.Op.Origin != station {
			continue
		}
		if d.Op.Seq != want || ids[d.Op.ID] {
			t.Fatalf("the hub holds seq %d (operation %s) where seq %d comes next, or twice", d.Op.Seq, d.Op.ID, want)
		}
		ids[d.Op.ID] = true
		want++
	}
	return int(want - 1)
}

// A county restored from a backup older than its last changes gets them
// back from the hub (the incident and the person it made after the
// backup), and goes on: the incident it files after the restore, before
// reconnecting, and one filed after, reach the prefecture; the hub's log
// holds the county's seqs gap-free with every operation once.
func TestRestoredCountyGetsBackWhatItMadeAfterTheBackupAndGoesOn(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)}
	p := startIncClient(t, h, "p", tr.P, clk)
	c1 := startIncClient(t, h, "c1", tr.C1, clk)

	first := c1.file(clk, "备份前的事件")
	c1.caughtUp()
	backup := backupClient(t, c1.client)

	afterBackup := c1.file(clk, "备份后的事件")
	person := c1.addPerson(tr.C1, "备份后新来")
	msg := message.Message{Kind: message.KindMessage, To: []app.ID{tr.P.ID}, Text: "备份后发出的消息"}
	if err := store.NewMessages(c1.db).Send(dutyCtx, &msg, nil); err != nil {
		t.Fatal(err)
	}
	c1.eng.Kick()
	c1.caughtUp()
	waitFor(t, "the county's changes at the prefecture", func() bool { return p.has(afterBackup.ID) && p.hasPerson(person.ID) })
	delivered := func() bool {
		list, err := store.NewMessages(c1.db).Receipts(dutyCtx, msg.ID)
		return err == nil && len(list) == 1 && !list[0].Delivered.IsZero()
	}
	waitFor(t, "the prefecture's receipt of the message at the county", delivered)

	c1.reopen(clk, func(dir string) {
		if err := store.Restore(dir, backup); err != nil {
			t.Fatal(err)
		}
	})
	if c1.has(afterBackup.ID) || c1.hasPerson(person.ID) {
		t.Fatal("the backup holds the changes made after it")
	}
	// Filed while the restored folder is offline: it takes a seq the hub
	// holds another operation under.
	offline := c1.file(clk, "恢复后未联网时的事件")

	c1.start(h.addr, "c1")
	waitFor(t, "the county's changes back from the hub", func() bool { return c1.has(afterBackup.ID) && c1.hasPerson(person.ID) })
	c1.caughtUp()
	waitFor(t, "the incident filed offline at the prefecture", func() bool { return p.has(offline.ID) })
	online := c1.file(clk, "恢复后联网时的事件")
	waitFor(t, "the incident filed online at the prefecture", func() bool { return p.has(online.ID) })
	c1.caughtUp()

	// The prefecture's receipt comes again with the re-pull from the
	// backup's cursor: it must find the message back, not be kept aside.
	waitFor(t, "the prefecture's receipt of the message back at the county", delivered)
	if kept := c1.kept(); len(kept) != 0 {
		t.Fatalf("the county kept operations aside: %+v", kept)
	}
	s := c1.eng.State()
	if s.Rejoined < 3 || s.Err != "" {
		t.Fatalf("the county's state after rejoining: %d taken back, error %q", s.Rejoined, s.Err)
	}
	for _, id := range []app.ID{first.ID, afterBackup.ID, offline.ID, online.ID} {
		if !c1.has(id) {
			t.Fatalf("incident %s is missing at the county", id)
		}
	}
	n := checkSeqs(t, h, tr.C1.ID)
	if last, _ := c1.db.LastSeq(context.Background()); last != uint64(n) {
		t.Fatalf("the county's seq counter is %d; the hub holds %d of its operations", last, n)
	}
	if restored, _ := c1.db.Restored(context.Background()); restored {
		t.Fatal("the county still counts as restored after rejoining")
	}
	list, _, err := p.svc.Incidents(dutyCtx, incident.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Fatalf("the prefecture holds %d incidents, want 4 (each once)", len(list))
	}
}

// Two live data folders of one station: the copy that made changes of its
// own under seqs the hub has from the first is told so and sends nothing;
// its changes stay queued, not renumbered; the first goes on.
func TestSecondLiveFolderOfAStationIsRefusedAndTheFirstGoesOn(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)}
	p := startIncClient(t, h, "p", tr.P, clk)
	a := startIncClient(t, h, "c1", tr.C1, clk)
	a.file(clk, "共同的事件")
	a.caughtUp()

	// The second folder: the first's file copied by hand, not restored.
	dirB := t.TempDir()
	copyFile(t, a.db.Path(), filepath.Join(dirB, store.FileName))
	dbB := storetest.OpenDir(t, dirB)
	dbB.Now = clk.Now
	b := &incClient{client: &client{t: t, name: "c1-copy", db: dbB, dir: store.NewDirectory(dbB)}, svc: store.NewIncidents(dbB), st: tr.C1}

	fromA := a.file(clk, "第一个目录的事件")
	a.caughtUp()
	fromB := b.file(clk, "第二个目录的事件")
	seqB, _ := b.db.LastSeq(context.Background())

	b.start(h.addr, "c1")
	waitFor(t, "the second folder refused", func() bool { return b.eng.State().ErrCode == syncer.CodeSecondFolder })
	if queued, _ := b.db.Outbox(context.Background(), 0, 10); len(queued) != 1 || queued[0].Seq != seqB || queued[0].Entity != fromB.ID {
		t.Fatalf("the second folder's queue after the refusal: %+v", queued)
	}

	later := a.file(clk, "第一个目录继续")
	waitFor(t, "the first folder's incidents at the prefecture", func() bool { return p.has(fromA.ID) && p.has(later.ID) })
	a.caughtUp()
	if b.eng.State().ErrCode != syncer.CodeSecondFolder {
		t.Fatalf("the second folder's state changed: %+v", b.eng.State())
	}
	if p.has(fromB.ID) {
		t.Fatal("the second folder's incident reached the prefecture")
	}
	checkSeqs(t, h, tr.C1.ID)
	for _, d := range h.logOps() {
		if d.Op.Entity == fromB.ID {
			t.Fatalf("the hub logged the second folder's incident at seq %d", d.Op.Seq)
		}
	}
}

// Two live folders of one station, both connected and both making
// changes at once: the hub keeps one sequence, gap-free, each operation
// once; the folder whose changes it holds goes on and gets everything to
// the prefecture; the other is told and keeps its changes queued.
func TestTwoLiveFoldersAtOnceKeepOneSequence(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p := newClient(t, "p")
	p.start(h.addr, "p")
	p.caughtUp()
	p.setIdentity(tr.P)
	a := newClient(t, "c1")
	a.start(h.addr, "c1")
	a.caughtUp()
	a.setIdentity(tr.C1)
	a.addPerson(tr.C1, "共同的人")
	a.caughtUp()

	dirB := t.TempDir()
	copyFile(t, backupClient(t, a), filepath.Join(dirB, store.FileName))
	dbB := storetest.OpenDir(t, dirB)
	b := &client{t: t, name: "c1-copy", db: dbB, dir: store.NewDirectory(dbB)}
	b.start(h.addr, "c1")

	made := map[*client][]app.Person{}
	for i := range 5 {
		for _, c := range []*client{a, b} {
			made[c] = append(made[c], c.addPerson(tr.C1, c.name+"-"+string(rune('甲'+i))))
		}
	}
	refused := func(c *client) bool { return c.eng.State().ErrCode == syncer.CodeSecondFolder }
	waitFor(t, "one of the two folders refused", func() bool { return refused(a) || refused(b) })
	winner, loser := a, b
	if refused(a) {
		winner, loser = b, a
	}
	winner.caughtUp()
	waitFor(t, "the going folder's people at the prefecture", func() bool {
		for _, person := range made[winner] {
			if !p.hasPerson(person.ID) {
				return false
			}
		}
		return true
	})
	if refused(winner) {
		t.Fatal("both folders were refused")
	}
	n := checkSeqs(t, h, tr.C1.ID)
	if last, _ := winner.db.LastSeq(context.Background()); last != uint64(n) {
		t.Fatalf("the going folder's seq counter is %d; the hub holds %d of the station's operations", last, n)
	}
	// The hub took the first folder's changes after the split and none
	// of the other's: it pushed each of its own into a seq already taken.
	logged := h.logOps()
	for _, person := range made[loser] {
		for _, d := range logged {
			if d.Op.Entity == person.ID {
				t.Fatalf("the hub logged the refused folder's %s at seq %d", person.Name, d.Op.Seq)
			}
		}
	}
	if queued, _ := loser.db.Outbox(context.Background(), 0, 100); len(queued) != len(made[loser]) {
		t.Fatalf("the refused folder queues %d operations, want its %d", len(queued), len(made[loser]))
	}
}
