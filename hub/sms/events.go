package sms

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// EventMessages returns the messages queued for one event (one per
// person), in the order of their creation. Escalation reads them to know
// which steps went out, when, and whether one was answered.
func (q *Queue) EventMessages(event string) ([]Message, error) {
	var out []Message
	prefix := []byte(event + "\x00")
	err := q.db.View(func(tx *bolt.Tx) error {
		c := bk(tx, bucketEvents).Cursor()
		for k, id := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, id = c.Next() {
			m, err := getMsg(tx, string(id))
			if err != nil {
				return err
			}
			if m != nil {
				out = append(out, *m)
			}
		}
		return nil
	})
	sortMessages(out)
	return out, err
}
