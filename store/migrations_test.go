package store

import (
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestMigrationsAreNumberedWithoutGaps(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migration %d (%s) has version %d, want %d", i, m.name, m.version, i+1)
		}
		if m.name == "" || m.migrate == nil {
			t.Errorf("migration %d is incomplete", m.version)
		}
	}
	if last := migrations[len(migrations)-1].version; last != SchemaVersion {
		t.Errorf("SchemaVersion = %d, but the last migration is %d", SchemaVersion, last)
	}
}

// A file left at an older version is brought up to date at open, and
// every bucket the program uses exists afterwards.
func TestOpenRunsPendingMigrations(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	// Pretend the file stopped at version 0: remove everything.
	err = db.bolt.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketV1) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	if db.SchemaVersion() != SchemaVersion || db.Path() != path {
		t.Errorf("schema %d after migrating, want %d", db.SchemaVersion(), SchemaVersion)
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketStations, bucketStationCodes, bucketStationChildren, bucketPersons, bucketPersonsByStation, bucketOutbox} {
			if bucket(tx, name) == nil {
				t.Errorf("bucket v1/%s missing after migration", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A migration that fails leaves the recorded version where it was, so the
// next start tries it again.
func TestFailedMigrationKeepsVersion(t *testing.T) {
	saved := migrations
	t.Cleanup(func() { migrations = saved })

	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	migrations = append(append([]migration(nil), saved...), migration{
		version: SchemaVersion + 1,
		name:    "one that fails half way",
		migrate: func(tx *bolt.Tx) error {
			if _, err := tx.Bucket(bucketV1).CreateBucket([]byte("half")); err != nil {
				return err
			}
			return errors.New("disk on fire")
		},
	})
	_, err = Open(dir)
	if err == nil {
		t.Fatal("Open succeeded although a migration failed")
	}
	migrations = saved
	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	err = db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketV1).Bucket([]byte("half")) != nil {
			t.Error("the failed migration's first step was kept")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if db.SchemaVersion() != SchemaVersion {
		t.Errorf("schema %d, want %d", db.SchemaVersion(), SchemaVersion)
	}
}
