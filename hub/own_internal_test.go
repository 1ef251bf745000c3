package hub

import (
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// A hub file from before the index gets it at open, built from the log:
// each station's logged operations are found by seq.
func TestMigrationIndexesTheLoggedOperationsBySeq(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	origin, other := app.NewID(), app.NewID()
	var ids []app.ID
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		st := &txState{head: lastPosition(tx), now: time.Now()}
		for seq := uint64(1); seq <= 3; seq++ {
			for _, o := range []app.ID{origin, other} {
				op := app.Operation{ID: app.NewID(), Origin: o, Seq: seq, At: time.Now().UTC(), Kind: "roster.log", Entity: app.NewID()}
				if o == origin {
					ids = append(ids, op.ID)
				}
				if err := st.append(tx, &op, nil); err != nil {
					return err
				}
			}
		}
		// Back to schema 1, as a file of the previous version was.
		if err := tx.Bucket(bucketRoot).DeleteBucket(bucketOwnSeqs); err != nil {
			return err
		}
		return bucket(tx, bucketMeta).Put(keySchema, u64Key(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var page ownPage
	err = db.bolt.View(func(tx *bolt.Tx) (err error) {
		page, err = readOwn(tx, origin, 1, "own")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	env, err := wire.DecodeEnvelope(page.frame)
	if err != nil {
		t.Fatal(err)
	}
	got, err := wire.DecodeOwnOps(env)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Ops) != 2 || got.Ops[0].ID != ids[1] || got.Ops[1].ID != ids[2] || got.Ops[1].Op == nil || got.Ops[1].Op.Origin != origin {
		t.Fatalf("after the migration, seqs after 1 of the station: %+v", got.Ops)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
