package store_test

import (
	"testing"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// The demo seed is the largest batch the client writes at once; it must go
// in whole, and every record must leave its operation.
func TestDemoSeed(t *testing.T) {
	db := storetest.Open(t)
	dir := store.NewDirectory(db)
	if err := demo.Seed(ctx, dir, store.NewIdentity(db)); err != nil {
		t.Fatal(err)
	}
	wantStations, wantPersons := demo.Prefecture()
	stations, err := dir.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	persons, err := dir.Persons(ctx, app.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stations) != len(wantStations) || len(persons) != len(wantPersons) {
		t.Errorf("seeded %d stations and %d people, want %d and %d", len(stations), len(persons), len(wantStations), len(wantPersons))
	}
	if n := outboxLen(t, db); n != len(wantStations)+len(wantPersons) {
		t.Errorf("%d operations for %d records", n, len(wantStations)+len(wantPersons))
	}
	self, err := store.NewIdentity(db).Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range allOps(t, db) {
		if op.Origin != self.ID {
			t.Fatalf("operation %d has origin %s, want the seeded identity %s", op.Seq, op.Origin, self.ID)
		}
	}
	// Seeding twice is refused as a whole: the ids are taken.
	wantCode(t, demo.Seed(ctx, dir, store.NewIdentity(db)), app.ECONFLICT)
}
