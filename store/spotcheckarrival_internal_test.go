package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
)

// A file of schema 13 holds a spot check recorded missed under the old
// rule (counted from the start). Migration 16 gives it an arrival at its
// start, so it stays 脱岗 rather than turning 未送达, and adds the
// warning deliveries bucket.
func TestMigrationKeepsOldSpotCheckOutcomes(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	c := spotcheck.Check{ID: app.NewID(), By: app.NewID(), Target: app.NewID(), StartedAt: t0, Deadline: t0.Add(3 * time.Minute)}
	miss := spotcheck.Result{Check: c.ID, Station: c.By, Outcome: spotcheck.Missed, At: c.Deadline}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketV1)
		for _, name := range [][]byte{bucketSpotCheckArrivals, bucketWarningDeliveries} {
			if err := root.DeleteBucket(name); err != nil {
				return err
			}
		}
		cb, _ := json.Marshal(c)
		rb, _ := json.Marshal(miss)
		if err := root.Bucket(bucketSpotChecks).Put(idKey(c.ID), cb); err != nil {
			return err
		}
		if err := root.Bucket(bucketSpotCheckResults).Put(idKey(c.ID), rb); err != nil {
			return err
		}
		return root.Bucket(bucketMeta).Put(keySchema, u64Key(13))
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
	if db.SchemaVersion() != SchemaVersion {
		t.Fatalf("schema %d after opening", db.SchemaVersion())
	}
	r, err := NewSpotChecks(db).Record(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Arrival == nil || !r.Arrival.At.Equal(t0) || r.Outcome(t0.Add(time.Hour)) != spotcheck.Missed {
		t.Fatalf("the old miss after the migration: arrival %+v, outcome %s", r.Arrival, r.Outcome(t0.Add(time.Hour)))
	}
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketV1).Bucket(bucketWarningDeliveries) == nil {
			t.Error("no warning deliveries bucket")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
