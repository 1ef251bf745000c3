package hub

import (
	"bytes"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// replayObserved hands Observe, in log order, every stored operation whose
// kind starts with one of prefixes: what the observer keeps outside the
// file (the SFU's open rooms) is built again after a restart. It runs
// before the server takes any push, so a replayed operation never lands
// after a newer live one. The kind is matched on the stored bytes before
// anything is decoded, so a long log of other kinds costs one read.
func replayObserved(db *DB, prefixes []string, observe func(app.Operation)) (int, error) {
	marks := make([][]byte, len(prefixes))
	for i, p := range prefixes {
		marks[i] = []byte(`"kind":"` + p)
	}
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketLog)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, raw []byte) error {
			for _, m := range marks {
				if bytes.Contains(raw, m) {
					var op app.Operation
					if err := json.Unmarshal(raw, &op); err != nil {
						return err
					}
					observe(op)
					n++
					return nil
				}
			}
			return nil
		})
	})
	return n, err
}
