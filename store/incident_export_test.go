package store

import (
	bolt "go.etcd.io/bbolt"
)

// IncidentRecordCounts counts the entries of every incident bucket and of
// the outbox, so a test can show that a refused change left nothing behind.
func IncidentRecordCounts(db *DB) (map[string]int, error) {
	out := map[string]int{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range append([][]byte{bucketOutbox}, incidentBuckets...) {
			n := 0
			err := bucket(tx, name).ForEach(func(_, _ []byte) error {
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
