package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

var ctx = app.WithAuthor(context.Background(), "张值班")

// clockAt fixes db's clock so times can be compared exactly. The clock is
// set once per DB and moved under a lock afterwards: the store's filer
// reads it from its own goroutine.
func clockAt(db *store.DB, t time.Time) {
	c, loaded := testClocks.LoadOrStore(db, &testClock{})
	c.(*testClock).set(t)
	if !loaded {
		db.Now = c.(*testClock).Now
	}
}

var testClocks sync.Map // *store.DB → *testClock

// testClock is a clock a test moves while the store's goroutines read it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// tree is a small prefecture → county → township → village chain.
type tree struct {
	db                                    *store.DB
	dir                                   *store.Directory
	prefecture, county, township, village app.Station
}

func newTree(t *testing.T) *tree {
	t.Helper()
	db := storetest.Open(t)
	tr := &tree{db: db, dir: store.NewDirectory(db)}
	tr.prefecture = app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture, Phone: "0743-8221234"}
	mustCreateStation(t, tr.dir, &tr.prefecture)
	tr.county = app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: tr.prefecture.ID}
	mustCreateStation(t, tr.dir, &tr.county)
	tr.township = app.Station{Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: tr.county.ID}
	mustCreateStation(t, tr.dir, &tr.township)
	tr.village = app.Station{Code: "433101001001", Name: "乾州村", Tier: app.TierVillage, Parent: tr.township.ID}
	mustCreateStation(t, tr.dir, &tr.village)
	return tr
}

func mustCreateStation(t *testing.T, d *store.Directory, s *app.Station) {
	t.Helper()
	if err := d.CreateStation(ctx, s); err != nil {
		t.Fatalf("create station %s: %v", s.Name, err)
	}
}

func mustCreatePerson(t *testing.T, d *store.Directory, p *app.Person) {
	t.Helper()
	if err := d.CreatePerson(ctx, p); err != nil {
		t.Fatalf("create person %s: %v", p.Name, err)
	}
}

// wantCode fails the test unless err carries the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := app.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func outboxLen(t *testing.T, db *store.DB) int {
	t.Helper()
	n, err := db.OutboxLen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func allOps(t *testing.T, db *store.DB) []app.Operation {
	t.Helper()
	ops, err := db.Outbox(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return ops
}
