package store

import (
	"context"
	"testing"
)

// SetIndexShare makes the register read its indexes for filters narrower
// than share of it (0: never, 2: always) until the test ends, so tests
// cover both ways of answering a filter.
func SetIndexShare(tb testing.TB, share float64) {
	old := indexShare
	indexShare = share
	tb.Cleanup(func() { indexShare = old })
}

// IncidentRecordCounts counts the entries of every incident bucket, of the
// alarms and of the outbox, so a test can show that a refused change left
// nothing behind.
func IncidentRecordCounts(db *DB) (map[string]int, error) {
	out := map[string]int{}
	err := db.view(context.Background(), func(tx *txn) error {
		for _, name := range append([][]byte{bucketOutbox, bucketIncidentArrivals, bucketIncidentArrivalsPending}, incidentBuckets...) {
			n := 0
			err := bucket(tx.Tx, name).ForEach(func(_, _ []byte) error {
				n++
				return nil
			})
			if err != nil {
				return err
			}
			out[string(name)] = n
		}
		return nil
	})
	return out, err
}
