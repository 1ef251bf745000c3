package store_test

import (
	"path/filepath"
	"slices"
	"testing"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// A folder restored from an older backup takes back, once each, the
// operations its station made after the backup (the hub's copies), and
// what it queued since the restore moves after the hub's last seq, in its
// order, in one transaction.
func TestRestoredFolderTakesBackItsOwnOperationsAndRenumbersItsQueue(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := store.NewDirectory(db)
	pref := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	mustCreateStation(t, d, &pref)
	if err := store.NewIdentity(db).SetIdentity(ctx, pref.ID); err != nil {
		t.Fatal(err)
	}
	before := app.Person{Station: pref.ID, Name: "备份前", Mobile: "13800000001"}
	mustCreatePerson(t, d, &before)
	backupLast, _ := db.LastSeq(ctx)
	if _, err := db.MarkSent(ctx, backupLast); err != nil {
		t.Fatal(err)
	}
	backup := writeBackup(t, db)
	if restored, _ := db.Restored(ctx); restored {
		t.Fatal("a folder never restored says it was")
	}

	// After the backup: two people, sent and acknowledged, so only the hub
	// and this file hold them.
	after := []app.Person{{Station: pref.ID, Name: "备份后甲", Mobile: "13800000002"}, {Station: pref.ID, Name: "备份后乙", Mobile: "13800000003"}}
	for i := range after {
		mustCreatePerson(t, d, &after[i])
	}
	hubLast, _ := db.LastSeq(ctx)
	if _, err := db.MarkSent(ctx, hubLast); err != nil {
		t.Fatal(err)
	}
	hubOps, err := db.Sent(ctx, backupLast, 100)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	if err := store.Restore(dir, backup); err != nil {
		t.Fatal(err)
	}
	db = storetest.OpenDir(t, dir)
	d = store.NewDirectory(db)
	if restored, _ := db.Restored(ctx); !restored {
		t.Fatal("Restore did not mark the file")
	}
	since := app.Person{Station: pref.ID, Name: "恢复后", Mobile: "13800000004"}
	mustCreatePerson(t, d, &since)
	if last, _ := db.LastSeq(ctx); last != backupLast+1 {
		t.Fatalf("the change after the restore took seq %d, want %d (the one the hub gave another)", last, backupLast+1)
	}

	if n, err := db.TakeOwn(ctx, hubOps); err != nil || n != len(hubOps) {
		t.Fatalf("TakeOwn took %d, %v; want %d", n, err, len(hubOps))
	}
	if n, err := db.TakeOwn(ctx, hubOps); err != nil || n != 0 {
		t.Fatalf("TakeOwn again took %d, %v; want 0", n, err)
	}
	for _, p := range after {
		if _, err := d.FindPersonByID(ctx, p.ID); err != nil {
			t.Fatalf("%s is not back: %v", p.Name, err)
		}
	}
	moved, err := db.Renumber(ctx, hubLast, []app.ID{hubOps[0].ID, hubOps[1].ID})
	if err != nil || moved != 1 {
		t.Fatalf("Renumber moved %d, %v; want 1", moved, err)
	}
	queued, err := db.Outbox(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(queued) != 1 || queued[0].Seq != hubLast+1 || queued[0].Entity != since.ID {
		t.Fatalf("the queue after renumbering: %+v; want the change since the restore at seq %d", queued, hubLast+1)
	}
	if last, _ := db.LastSeq(ctx); last != hubLast+1 {
		t.Fatalf("the seq counter is %d, want %d", last, hubLast+1)
	}
	journal, _ := db.Sent(ctx, backupLast, 10)
	if len(journal) != 2 || journal[0].ID != hubOps[0].ID || journal[1].ID != hubOps[1].ID {
		t.Fatalf("the sent journal after the backup's seqs holds %d operations, want the hub's 2", len(journal))
	}
	if restored, _ := db.Restored(ctx); restored {
		t.Fatal("the restore mark stays after renumbering")
	}
	next := app.Person{Station: pref.ID, Name: "再后", Mobile: "13800000005"}
	mustCreatePerson(t, d, &next)
	if last, _ := db.LastSeq(ctx); last != hubLast+2 {
		t.Fatalf("the next change took seq %d, want %d", last, hubLast+2)
	}
}

// Another station's operation is never taken in as this station's own.
func TestTakeOwnRefusesAnotherStationsOperation(t *testing.T) {
	db := storetest.Open(t)
	d := store.NewDirectory(db)
	pref := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	mustCreateStation(t, d, &pref)
	if err := store.NewIdentity(db).SetIdentity(ctx, pref.ID); err != nil {
		t.Fatal(err)
	}
	ops := allOps(t, db)
	ops[0].Origin = app.NewID()
	_, err := db.TakeOwn(ctx, ops[:1])
	wantCode(t, err, app.EINVALID)
}

// Every kind of the station's own records comes back: a roster change, a
// message it sent, a person. Nothing is kept aside as if another station
// had sent it.
func TestTakeOwnBringsBackRostersAndMessagesTooNothingKept(t *testing.T) {
	county := demoRostersAs(t, "433101")[0]
	dir := filepath.Dir(county.db.Path())
	c := county.county
	last, _ := county.db.LastSeq(ctx)
	if _, err := county.db.MarkSent(ctx, last); err != nil {
		t.Fatal(err)
	}
	backup := writeBackup(t, county.db)

	officer := county.offDuty(t, app.RoleOfficer, "2026-10-02")
	if _, _, err := county.r.SetAssignment(ctx, roster.Assignment{Station: c.ID, Day: day(t, "2026-10-02"), Post: officerPost, Person: officer}, "顶班"); err != nil {
		t.Fatal(err)
	}
	pref := county.station(t, "433100")
	m := message.Message{Kind: message.KindMessage, To: []app.ID{pref.ID}, Text: "备份后发出的消息"}
	if err := store.NewMessages(county.db).Send(ctx, &m, nil); err != nil {
		t.Fatal(err)
	}
	p := app.Person{Station: c.ID, Name: "备份后新来", Mobile: "13800000009"}
	mustCreatePerson(t, county.dir, &p)
	hubLast, _ := county.db.LastSeq(ctx)
	if _, err := county.db.MarkSent(ctx, hubLast); err != nil {
		t.Fatal(err)
	}
	hubOps, err := county.db.Sent(ctx, last, 100)
	if err != nil {
		t.Fatal(err)
	}
	county.db.Close()
	if err := store.Restore(dir, backup); err != nil {
		t.Fatal(err)
	}
	db := storetest.OpenDir(t, dir)

	if n, err := db.TakeOwn(ctx, hubOps); err != nil || n != len(hubOps) {
		t.Fatalf("TakeOwn took %d of %d: %v", n, len(hubOps), err)
	}
	if kept, _ := db.KeptOps(ctx, 100); len(kept) != 0 {
		t.Fatalf("own operations kept aside: %+v", kept)
	}
	as, err := store.NewRosters(db).Assignments(ctx, c.ID, day(t, "2026-10-02"), day(t, "2026-10-02"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(as, func(a roster.Assignment) bool { return a.Post == officerPost && a.Person == officer }) {
		t.Fatalf("the roster change is not back: %+v", as)
	}
	got, err := store.NewMessages(db).FindMessage(ctx, m.ID)
	if err != nil {
		t.Fatalf("the sent message is not back: %v", err)
	}
	if got.From != c.ID {
		t.Fatalf("the message came back from %s", got.From)
	}
	if _, err := store.NewDirectory(db).FindPersonByID(ctx, p.ID); err != nil {
		t.Fatalf("the person is not back: %v", err)
	}
}
