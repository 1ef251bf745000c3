package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// Routine test calls stay at the calling station: v1/testcalls holds the
// schedule under "schedule" and each record under "c" + its start in
// nanoseconds (big-endian) + its id, so a range scan from a day reads the
// records since then in order.

var (
	bucketTestCalls   = []byte("testcalls")
	keyTestSchedule   = []byte("schedule")
	prefixTestCallKey = []byte("c")
)

func createTestCallsV10(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the test-call bucket to")
	}
	if _, err := root.CreateBucketIfNotExists(bucketTestCalls); err != nil {
		return fmt.Errorf("create v1/%s: %w", bucketTestCalls, err)
	}
	return nil
}

// TestCalls keeps the routine test-call schedule and records. It
// implements consult.TestCalls.
type TestCalls struct {
	db *DB
}

var _ consult.TestCalls = (*TestCalls)(nil)

// NewTestCalls returns the test-call service of db.
func NewTestCalls(db *DB) *TestCalls { return &TestCalls{db: db} }

func testCallKey(started time.Time, id app.ID) []byte {
	k := make([]byte, 0, 1+8+16)
	k = append(k, prefixTestCallKey...)
	k = binary.BigEndian.AppendUint64(k, uint64(started.UnixNano()))
	return append(k, id[:]...)
}

func getTestSchedule(tx *txn) (consult.TestSchedule, error) {
	b, err := mustBucket(tx.Tx, bucketTestCalls)
	if err != nil {
		return consult.TestSchedule{}, err
	}
	raw := b.Get(keyTestSchedule)
	if raw == nil {
		return consult.DefaultTestSchedule(), nil
	}
	var s consult.TestSchedule
	if err := unmarshalRecord(raw, &s); err != nil {
		return s, app.Errorf(app.ECORRUPT, "the test-call schedule is damaged: %s", app.ErrorMessage(err))
	}
	return s, nil
}

// TestSchedule implements consult.TestCalls.
func (s *TestCalls) TestSchedule(ctx context.Context) (consult.TestSchedule, error) {
	var out consult.TestSchedule
	err := s.db.view(ctx, func(tx *txn) (err error) {
		out, err = getTestSchedule(tx)
		return err
	})
	return out, err
}

// SetTestSchedule implements consult.TestCalls.
func (s *TestCalls) SetTestSchedule(ctx context.Context, sc consult.TestSchedule) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		sc.Stations = slices.Clone(sc.Stations)
		sc.Days = slices.Clone(sc.Days)
		slices.Sort(sc.Days)
		sc.UpdatedAt, sc.UpdatedBy = tx.now, strings.TrimSpace(app.AuthorFrom(tx.ctx))
		if err := sc.Validate(); err != nil {
			return err
		}
		for _, id := range sc.Stations {
			st := tree.Station(id)
			if st == nil || st.Parent != self || !st.Tier.HasDutyRoom() {
				return app.Errorf(app.ENOTFOUND, "station %s is not a duty room directly under this station", id)
			}
		}
		b, err := mustBucket(tx.Tx, bucketTestCalls)
		if err != nil {
			return err
		}
		buf, err := json.Marshal(sc)
		if err != nil {
			return err
		}
		return b.Put(keyTestSchedule, buf)
	})
}

// TestTargets implements consult.TestCalls.
func (s *TestCalls) TestTargets(ctx context.Context) ([]app.ID, error) {
	var out []app.ID
	err := s.db.view(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		sc, err := getTestSchedule(tx)
		if err != nil {
			return err
		}
		out = sc.Targets(tree, self)
		return nil
	})
	return out, err
}

// DueTestCalls implements consult.TestCalls.
func (s *TestCalls) DueTestCalls(ctx context.Context, now time.Time) ([]app.ID, error) {
	var out []app.ID
	err := s.db.view(ctx, func(tx *txn) error {
		sc, err := getTestSchedule(tx)
		if err != nil {
			return err
		}
		slot, ok := sc.Slot(now)
		if !ok {
			return nil
		}
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		calls, err := testCallsSince(tx, slot)
		if err != nil {
			return err
		}
		out = consult.Due(&sc, sc.Targets(tree, self), calls, now)
		return nil
	})
	return out, err
}

// RecordTestCall implements consult.TestCalls.
func (s *TestCalls) RecordTestCall(ctx context.Context, c *consult.TestCall) error {
	return s.db.update(ctx, func(tx *txn) error {
		n := *c
		n.ID = app.NewID()
		n.Detail = strings.TrimSpace(n.Detail)
		if n.Ended.IsZero() {
			n.Ended = tx.now
		}
		if err := n.Validate(); err != nil {
			return err
		}
		b, err := mustBucket(tx.Tx, bucketTestCalls)
		if err != nil {
			return err
		}
		buf, err := json.Marshal(n)
		if err != nil {
			return err
		}
		if err := b.Put(testCallKey(n.Started, n.ID), buf); err != nil {
			return err
		}
		*c = n
		return nil
	})
}

func testCallsSince(tx *txn, since time.Time) ([]consult.TestCall, error) {
	b, err := mustBucket(tx.Tx, bucketTestCalls)
	if err != nil {
		return nil, err
	}
	var out []consult.TestCall
	cur := b.Cursor()
	// A since before 1970, the zero time above all ("from the beginning",
	// as the interface reads), reads from the first record: its
	// nanoseconds are negative or beyond int64, and as the key's unsigned
	// number they would seek past every record and find none.
	from := prefixTestCallKey
	if since.After(time.Unix(0, 0)) {
		from = testCallKey(since, app.NilID)
	}
	for k, v := cur.Seek(from); k != nil && bytes.HasPrefix(k, prefixTestCallKey); k, v = cur.Next() {
		var c consult.TestCall
		if err := unmarshalRecord(v, &c); err != nil {
			return nil, app.Errorf(app.ECORRUPT, "a test-call record is damaged: %s", app.ErrorMessage(err))
		}
		out = append(out, c)
	}
	return out, nil
}

// TestCallsSince implements consult.TestCalls.
func (s *TestCalls) TestCallsSince(ctx context.Context, since time.Time) ([]consult.TestCall, error) {
	var out []consult.TestCall
	err := s.db.view(ctx, func(tx *txn) (err error) {
		out, err = testCallsSince(tx, since)
		return err
	})
	return out, err
}
