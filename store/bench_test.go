package store

import (
	"context"
	"fmt"
	"os"
	"testing"

	"dutyroom/app"
)

// checkOnCleanup closes db when the benchmark ends and runs the full
// consistency check on its file, as storetest.Open does for other tests
// (which this package's own tests cannot import).
func checkOnCleanup(tb testing.TB, db *DB) {
	tb.Cleanup(func() {
		db.Close()
		if err := CheckFile(db.Path()); err != nil {
			tb.Errorf("consistency check: %v", err)
		}
	})
}

// fillOutbox appends n operations shaped like a person.create in batches.
// It is for building fixtures only: it switches fsync off while it runs,
// because a fixture that a crash would lose is simply built again, and a
// million fsynced operations would take the benchmark most of an hour.
// User data is never written this way.
func fillOutbox(tb testing.TB, db *DB, n int) {
	tb.Helper()
	db.bolt.NoSync = true
	defer func() {
		db.bolt.NoSync = false
		if err := db.bolt.Sync(); err != nil {
			tb.Fatal(err)
		}
	}()
	station := app.NewID()
	const batch = 20_000
	ctx := app.WithAuthor(context.Background(), "fixture")
	for done := 0; done < n; done += batch {
		err := db.update(ctx, func(tx *txn) error {
			for i := done; i < done+batch && i < n; i++ {
				p := app.Person{ID: app.NewID(), Station: station, Name: fmt.Sprintf("信息员%07d", i),
					Mobile: fmt.Sprintf("139%08d", i), Roles: []app.Role{app.RoleInfoOfficer},
					CreatedAt: tx.now, UpdatedAt: tx.now}
				buf, err := encodePerson(&p)
				if err != nil {
					return err
				}
				if _, err := appendOp(tx, app.OpPersonCreate, p.ID, buf); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkOpen1MOperations opens a data folder whose outbox holds a million
// operations (a client offline for a very long time): start-up must not
// read the outbox.
func BenchmarkOpen1MOperations(b *testing.B) {
	dir := b.TempDir()
	db, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	fillOutbox(b, db, 1_000_000)
	if n, err := db.OutboxLen(context.Background()); err != nil || n != 1_000_000 {
		b.Fatalf("fixture holds %d operations (%v)", n, err)
	}
	db.Close()

	for b.Loop() {
		db, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// After the loop: b.Loop's first call clears metrics reported earlier.
	if info, err := os.Stat(db.Path()); err == nil {
		b.ReportMetric(float64(info.Size())/(1<<20), "MB-file")
	}
	db, err = Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	checkOnCleanup(b, db)
}

// BenchmarkOutboxLen counts a million queued operations, as a status bar would.
func BenchmarkOutboxLen(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	checkOnCleanup(b, db)
	fillOutbox(b, db, 1_000_000)
	ctx := context.Background()
	for b.Loop() {
		if _, err := db.OutboxLen(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreatePerson is one person typed into the form: one fsynced
// transaction with the record, its index entry and its operation.
func BenchmarkCreatePerson(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	checkOnCleanup(b, db)
	d := NewDirectory(db)
	ctx := context.Background()
	s := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierPrefecture}
	if err := d.CreateStation(ctx, &s); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		p := app.Person{Station: s.ID, Name: "张三", Mobile: fmt.Sprintf("139%08d", i), Roles: []app.Role{app.RoleOfficer}}
		if err := d.CreatePerson(ctx, &p); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkImportPersons700 is the demo seed's people in one transaction.
func BenchmarkImportPersons700(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	checkOnCleanup(b, db)
	d := NewDirectory(db)
	ctx := context.Background()
	s := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierPrefecture}
	if err := d.CreateStation(ctx, &s); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		batch := make([]app.Person, 700)
		for i := range batch {
			batch[i] = app.Person{Station: s.ID, Name: fmt.Sprintf("信息员%03d", i), Mobile: fmt.Sprintf("139%08d", i)}
		}
		if err := d.ImportPersons(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}
