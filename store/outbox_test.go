package store_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

func TestOperationsInOrderWithGapFreeSeq(t *testing.T) {
	tr := newTree(t)
	p := app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001"}
	mustCreatePerson(t, tr.dir, &p)
	// Refusals in between must not use up a seq.
	bad := app.Person{Station: tr.county.ID, Name: "", Mobile: "13900000001"}
	_ = tr.dir.CreatePerson(ctx, &bad)
	dup := app.Station{Code: tr.county.Code, Name: "x", Tier: app.TierCounty, Parent: tr.prefecture.ID}
	_ = tr.dir.CreateStation(ctx, &dup)
	p.Title = "科长"
	if err := tr.dir.UpdatePerson(ctx, &p); err != nil {
		t.Fatal(err)
	}

	ops := allOps(t, tr.db)
	wantKinds := []string{app.OpStationCreate, app.OpStationCreate, app.OpStationCreate, app.OpStationCreate, app.OpPersonCreate, app.OpPersonUpdate}
	wantEntities := []app.ID{tr.prefecture.ID, tr.county.ID, tr.township.ID, tr.village.ID, p.ID, p.ID}
	if len(ops) != len(wantKinds) {
		t.Fatalf("%d operations, want %d", len(ops), len(wantKinds))
	}
	seen := map[app.ID]bool{}
	for i, op := range ops {
		if op.Seq != uint64(i+1) {
			t.Errorf("operation %d has seq %d", i, op.Seq)
		}
		if op.Kind != wantKinds[i] || op.Entity != wantEntities[i] {
			t.Errorf("operation %d = %s %s, want %s %s", i, op.Kind, op.Entity, wantKinds[i], wantEntities[i])
		}
		if op.Author != "张值班" {
			t.Errorf("operation %d author %q", i, op.Author)
		}
		if op.Origin != app.NilID {
			t.Errorf("operation %d origin %s before an identity is set", i, op.Origin)
		}
		if seen[op.ID] || op.ID == app.NilID {
			t.Errorf("operation %d id %s not unique", i, op.ID)
		}
		seen[op.ID] = true
	}
	// The payload is the record after the change.
	got, err := store.DecodePerson(ops[5].Payload)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "科长" || got.ID != p.ID || !got.UpdatedAt.Equal(p.UpdatedAt) {
		t.Errorf("payload %+v", got)
	}
	st, err := store.DecodeStation(ops[1].Payload)
	if err != nil || st.Code != tr.county.Code || st.Parent != tr.prefecture.ID {
		t.Errorf("station payload %+v %v", st, err)
	}
}

// The payload decodes into the app types with the standard library alone,
// so packages that cannot import store can read it.
func TestPayloadReadsAsAppType(t *testing.T) {
	tr := newTree(t)
	ops := allOps(t, tr.db)
	var s app.Station
	if err := json.Unmarshal(ops[3].Payload, &s); err != nil {
		t.Fatal(err)
	}
	if s != tr.village {
		t.Errorf("payload as app.Station = %+v, want %+v", s, tr.village)
	}
}

func TestOutboxPagingAndAck(t *testing.T) {
	tr := newTree(t)
	page, err := tr.db.Outbox(ctx, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].Seq != 2 || page[1].Seq != 3 {
		t.Fatalf("Outbox(1, 2) = %v", page)
	}
	_, err = tr.db.Outbox(ctx, 0, 0)
	wantCode(t, err, app.EINVALID)
	if end, err := tr.db.Outbox(ctx, math.MaxUint64, 10); err != nil || len(end) != 0 {
		t.Errorf("Outbox after the largest seq = %v, %v; want nothing", end, err)
	}

	n, err := tr.db.AckOutbox(ctx, 3)
	if err != nil || n != 3 {
		t.Fatalf("AckOutbox = %d, %v", n, err)
	}
	if got := outboxLen(t, tr.db); got != 1 {
		t.Errorf("OutboxLen = %d after ack, want 1", got)
	}
	rest := allOps(t, tr.db)
	if len(rest) != 1 || rest[0].Seq != 4 {
		t.Errorf("left %v", rest)
	}
	// Seqs keep counting after an ack: they are never reused.
	s := app.Station{Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: tr.prefecture.ID}
	mustCreateStation(t, tr.dir, &s)
	rest = allOps(t, tr.db)
	if rest[len(rest)-1].Seq != 5 {
		t.Errorf("next seq %d, want 5", rest[len(rest)-1].Seq)
	}
}

func TestOutboxSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := store.NewDirectory(db)
	s := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	mustCreateStation(t, d, &s)
	db.Close()

	db, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer storetest.CloseAndCheck(t, db)
	c := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: s.ID}
	mustCreateStation(t, store.NewDirectory(db), &c)
	ops := allOps(t, db)
	if len(ops) != 2 || ops[1].Seq != 2 {
		t.Errorf("after reopen: %v", ops)
	}
}

func TestIdentity(t *testing.T) {
	tr := newTree(t)
	id := store.NewIdentity(tr.db)
	_, err := id.Identity(ctx)
	wantCode(t, err, app.ENOTFOUND)
	wantCode(t, id.SetIdentity(ctx, app.NewID()), app.ENOTFOUND)

	if err := id.SetIdentity(ctx, tr.county.ID); err != nil {
		t.Fatal(err)
	}
	got, err := id.Identity(ctx)
	if err != nil || got.ID != tr.county.ID {
		t.Fatalf("Identity = %v, %v", got, err)
	}
	if err := id.SetIdentity(ctx, tr.county.ID); err != nil {
		t.Errorf("setting the same station again: %v", err)
	}
	err = id.SetIdentity(ctx, tr.township.ID)
	wantCode(t, err, app.ECONFLICT)
	if !strings.Contains(err.Error(), "already belongs to 吉首市 (433101)") {
		t.Errorf("message %q", err)
	}
	if got, _ := id.Identity(ctx); got.ID != tr.county.ID {
		t.Error("a refused SetIdentity changed the identity")
	}
}

// Changes made before the station was chosen were made by that station:
// they take it as origin, so its seqs start at 1.
func TestSetIdentityStampsQueuedOperations(t *testing.T) {
	tr := newTree(t)
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.county.ID); err != nil {
		t.Fatal(err)
	}
	p := app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001"}
	mustCreatePerson(t, tr.dir, &p)
	ops := allOps(t, tr.db)
	if len(ops) != 5 {
		t.Fatalf("%d operations; setting the identity must not add one", len(ops))
	}
	for i, op := range ops {
		if op.Origin != tr.county.ID || op.Seq != uint64(i+1) {
			t.Errorf("operation %d: origin %s seq %d", i, op.Origin, op.Seq)
		}
	}
}

// A change and its operation commit together: when the transaction fails
// after the record was written, neither is kept.
func TestChangeAndOperationCommitTogether(t *testing.T) {
	tr := newTree(t)
	before := outboxLen(t, tr.db)
	// The third person fails after the first two are written in the same
	// transaction.
	batch := []app.Person{
		{Station: tr.county.ID, Name: "甲", Mobile: "13900000001"},
		{Station: tr.county.ID, Name: "乙", Mobile: "13900000002"},
		{Station: app.NewID(), Name: "丙", Mobile: "13900000003"},
	}
	if err := tr.dir.ImportPersons(ctx, batch); err == nil {
		t.Fatal("import with an unknown station succeeded")
	}
	all, _ := tr.dir.Persons(ctx, app.PersonFilter{})
	if len(all) != 0 {
		t.Errorf("%d people kept from a failed transaction", len(all))
	}
	if got := outboxLen(t, tr.db); got != before {
		t.Errorf("%d operations kept from a failed transaction", got-before)
	}
	ok := app.Person{Station: tr.county.ID, Name: "丁", Mobile: "13900000004"}
	mustCreatePerson(t, tr.dir, &ok)
	ops := allOps(t, tr.db)
	if ops[len(ops)-1].Seq != uint64(before+1) {
		t.Errorf("seq %d after a failed transaction, want %d", ops[len(ops)-1].Seq, before+1)
	}
}

func TestCancelledContextChangesNothing(t *testing.T) {
	tr := newTree(t)
	c, cancel := context.WithCancel(ctx)
	cancel()
	p := app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001"}
	if err := tr.dir.CreatePerson(c, &p); err == nil {
		t.Fatal("CreatePerson with a cancelled context succeeded")
	}
	if all, _ := tr.dir.Persons(ctx, app.PersonFilter{}); len(all) != 0 {
		t.Error("a cancelled call stored a person")
	}
}
