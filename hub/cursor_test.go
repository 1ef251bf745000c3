package hub

import (
	"crypto/sha256"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// cursorDB opens a hub database with a few stations logged, so the log
// has positions and the chain entries to check.
func cursorDB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	c := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID}
	tw := app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: c.ID}
	if err := db.ImportStations([]app.Station{p, c, tw}); err != nil {
		t.Fatal(err)
	}
	return db
}

func chainOf(t testing.TB, db *DB) [][sha256.Size]byte {
	t.Helper()
	var out [][sha256.Size]byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		head := lastPosition(tx)
		for pos := uint64(1); pos <= head; pos++ {
			c, ok := chainAt(tx, pos)
			if !ok {
				t.Fatalf("no chain entry at position %d of %d", pos, head)
			}
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The chain the appends build is the chain the schema-2 migration computes
// from the stored log, so a hub upgraded from schema 1 signs the same
// checkpoints a hub born on schema 2 would; and the checkpoint key, once
// made, is kept by a second run of the migration.
func TestMigrationBuildsTheSameChainAsTheAppends(t *testing.T) {
	db := cursorDB(t)
	built := chainOf(t, db)
	if len(built) != 3 {
		t.Fatalf("%d chain entries for 3 stations", len(built))
	}
	key := append([]byte(nil), db.macKey...)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketRoot).DeleteBucket(bucketChain); err != nil {
			return err
		}
		return bucket(tx, bucketMeta).Put(keySchema, u64Key(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := db.Dir()
	db.Close()
	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	migrated := chainOf(t, db)
	for i := range built {
		if migrated[i] != built[i] {
			t.Fatalf("position %d: the migration's chain differs from the appends'", i+1)
		}
	}
	if string(db.macKey) != string(key) {
		t.Fatal("the migration replaced an existing checkpoint key: every checkpoint clients hold would stop verifying")
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestJudgeCursor(t *testing.T) {
	db := cursorDB(t)
	epoch := db.Epoch()
	var chain2 [sha256.Size]byte
	_ = db.bolt.View(func(tx *bolt.Tx) error { chain2, _ = chainAt(tx, 2); return nil })
	genuine := db.checkpoint(epoch, 2, chain2)
	other := *genuine
	other.Chain = strings.Repeat("00", wire.HashLen)
	resigned := db.checkpoint(epoch, 2, [sha256.Size]byte{}) // what a rolled-back log's chain looks like to a client that read the other one
	beyond := db.checkpoint(epoch, 9, chain2)
	for name, tc := range map[string]struct {
		cur      wire.Cursor
		start    uint64
		refused  bool
		rollback bool
	}{
		"another epoch":                   {cur: wire.Cursor{Epoch: "old", Position: 99, Checkpoint: beyond}, start: 0},
		"no checkpoint within the log":    {cur: wire.Cursor{Epoch: epoch, Position: 3}, start: 3},
		"no checkpoint beyond the head":   {cur: wire.Cursor{Epoch: epoch, Position: 4}, refused: true},
		"genuine":                         {cur: wire.Cursor{Epoch: epoch, Position: 2, Checkpoint: genuine}, start: 2},
		"genuine behind the position":     {cur: wire.Cursor{Epoch: epoch, Position: 3, Checkpoint: genuine}, start: 2},
		"genuine, position far past head": {cur: wire.Cursor{Epoch: epoch, Position: 1 << 50, Checkpoint: genuine}, start: 2},
		"unsigned chain":                  {cur: wire.Cursor{Epoch: epoch, Position: 2, Checkpoint: &other}, refused: true},
		"malformed":                       {cur: wire.Cursor{Epoch: epoch, Position: 2, Checkpoint: &wire.Checkpoint{Position: 2, Chain: "xyz"}}, refused: true},
		"signed, another chain":           {cur: wire.Cursor{Epoch: epoch, Position: 2, Checkpoint: resigned}, rollback: true},
		"signed, beyond the head":         {cur: wire.Cursor{Epoch: epoch, Position: 9, Checkpoint: beyond}, rollback: true},
	} {
		v, err := db.judgeCursor(tc.cur, epoch)
		if err != nil {
			t.Fatal(err)
		}
		if (v.refusal != nil) != tc.refused || v.rollback != tc.rollback || (!tc.refused && !tc.rollback && v.start != tc.start) {
			t.Errorf("%s: verdict %+v (refusal %v), want start %d refused %v rollback %v", name, v, v.refusal, tc.start, tc.refused, tc.rollback)
		}
		if v.refusal != nil && v.refusal.Code != wire.CodeBadCursor {
			t.Errorf("%s: refused with %s", name, v.refusal.Code)
		}
	}
}

// FuzzJudgeCursor gives the hub's pull check arbitrary cursors and
// checkpoints. Without the key nothing may pass for proof of a rollback,
// every refusal is bad_cursor, and an accepted cursor never starts past
// the head.
func FuzzJudgeCursor(f *testing.F) {
	db := cursorDB(f)
	epoch := db.Epoch()
	var chain2 [sha256.Size]byte
	_ = db.bolt.View(func(tx *bolt.Tx) error { chain2, _ = chainAt(tx, 2); return nil })
	genuine := db.checkpoint(epoch, 2, chain2)
	f.Add(true, uint64(2), genuine.Position, genuine.Chain, genuine.MAC)
	f.Add(true, uint64(1<<60), uint64(1<<60), genuine.Chain, genuine.MAC)
	f.Add(false, uint64(7), uint64(0), "", "")
	f.Fuzz(func(t *testing.T, withCheckpoint bool, pos, cpPos uint64, chain, mac string) {
		cur := wire.Cursor{Epoch: epoch, Position: pos}
		if withCheckpoint {
			cur.Checkpoint = &wire.Checkpoint{Position: cpPos, Chain: chain, MAC: mac}
		}
		v, err := db.judgeCursor(cur, epoch)
		if err != nil {
			t.Fatal(err)
		}
		genuineCP := cur.Checkpoint != nil && cur.Checkpoint.Position == genuine.Position && cur.Checkpoint.Chain == genuine.Chain && cur.Checkpoint.MAC == genuine.MAC
		switch {
		case v.rollback:
			t.Fatalf("a cursor made without the key proved a rollback: %+v", cur.Checkpoint)
		case v.refusal != nil:
			if v.refusal.Code != wire.CodeBadCursor {
				t.Fatalf("refused with %s", v.refusal.Code)
			}
			if genuineCP {
				t.Fatal("the genuine checkpoint was refused")
			}
		case cur.Checkpoint != nil && cur.Checkpoint.Check() != nil:
			t.Fatalf("a malformed checkpoint was accepted: %+v", cur.Checkpoint)
		case v.start > v.head:
			t.Fatalf("a pull starts at %d, past the head %d", v.start, v.head)
		}
	})
}

// BenchmarkChainAndCheckpoint measures what checkpoints add: the chain
// step the writer takes per appended operation (a warning-sized
// operation), and the signature the table makes once per committed batch.
// Run: go test ./hub -run '^$' -bench ChainAndCheckpoint
func BenchmarkChainAndCheckpoint(b *testing.B) {
	op := []byte(`{"id":"019c0000-0000-7000-8000-000000000000","origin":"019c0000-0000-7000-8000-000000000001","seq":12,"author":"州值班员","at":"2026-07-14T02:00:00Z","kind":"warning.issue","entity":"019c0000-0000-7000-8000-000000000002","payload":{"grade":"orange","type":"暴雨","area":"全州","text":"预计未来6小时内有大暴雨，请各地做好防范"},"scope":"down"}`)
	b.Run("chain-per-op", func(b *testing.B) {
		var c [sha256.Size]byte
		for b.Loop() {
			c = nextChain(c, op)
		}
	})
	b.Run("checkpoint-per-batch", func(b *testing.B) {
		db := &DB{macKey: make([]byte, macKeyLen)}
		var c [sha256.Size]byte
		for b.Loop() {
			_ = db.checkpoint("9f2c4e7a0b1d4c3e8a5b6c7d8e9f0a1b", 18234, c)
		}
	})
}
