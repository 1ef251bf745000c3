package store_test

import (
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

func testCheckpoint(pos uint64, fill string) wire.Checkpoint {
	return wire.Checkpoint{Position: pos, Chain: strings.Repeat(fill, wire.HashLen), MAC: strings.Repeat("0f", wire.HashLen)}
}

func checkpointAt(t *testing.T, db *store.DB) *wire.Checkpoint {
	t.Helper()
	cp, err := db.SyncCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// The hub's checkpoint is kept with the cursor, in the file, until a
// newer one replaces it; a delivery without one moves the cursor and
// leaves it; a new epoch or a reset forgets it.
func TestCheckpointIsKeptWithTheCursorUntilTheEpochChanges(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cp := checkpointAt(t, db); cp != nil {
		t.Fatalf("a new file holds checkpoint %+v", cp)
	}
	person := app.Person{ID: app.NewID(), Station: app.NewID(), Name: "张三", Mobile: "13800000000"}
	op := incoming(app.OpPersonCreate, person.ID, person)
	first := testCheckpoint(7, "ab")
	if _, err := db.ApplyCheckpointed(ctx, "e1", first, []app.Operation{op}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = storetest.OpenDir(t, dir)
	if epoch, pos, _ := db.SyncCursor(ctx); epoch != "e1" || pos != 7 {
		t.Fatalf("the cursor after a checkpointed delivery is %s %d, want e1 7", epoch, pos)
	}
	if cp := checkpointAt(t, db); cp == nil || *cp != first {
		t.Fatalf("after reopening the checkpoint is %+v, want %+v", cp, first)
	}
	if res, err := db.ApplyCheckpointed(ctx, "e1", testCheckpoint(9, "cd"), []app.Operation{op}); err != nil || res.Skipped != 1 {
		t.Fatalf("the same operation again under a newer checkpoint: %+v, %v", res, err)
	}
	if _, err := db.ApplyIncoming(ctx, "e1", 12, nil); err != nil {
		t.Fatal(err)
	}
	if cp := checkpointAt(t, db); cp == nil || cp.Position != 9 {
		t.Fatalf("a delivery without a checkpoint replaced it: %+v", cp)
	}
	if _, err := db.ApplyIncoming(ctx, "e2", 3, nil); err != nil {
		t.Fatal(err)
	}
	if cp := checkpointAt(t, db); cp != nil {
		t.Fatalf("a checkpoint of epoch e1 outlived the move to e2: %+v", cp)
	}
	if _, err := db.ApplyCheckpointed(ctx, "e2", testCheckpoint(5, "ee"), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.ResetSyncCursor(ctx, "e2"); err != nil {
		t.Fatal(err)
	}
	if epoch, pos, _ := db.SyncCursor(ctx); epoch != "e2" || pos != 0 {
		t.Fatalf("after a reset the cursor is %s %d, want e2 0", epoch, pos)
	}
	if cp := checkpointAt(t, db); cp != nil {
		t.Fatalf("a reset kept checkpoint %+v", cp)
	}
}
