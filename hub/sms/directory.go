package sms

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// People known only from the station file: the prefecture's office may
// import its directory (`dutyhub station import`, written by `dutyroom
// station export`) with people no client has sent an operation about,
// village information officers above all. The hub learns only their
// owners from it; their numbers are kept here, under the queue's root
// (sms1/people), for the notifier, which takes them in at its start
// (Live) where no operation names them.
var bucketPeople = []byte("people")

// KeepPeople records the people of an imported station file for the SMS
// directory, replacing any kept before under the same id.
func KeepPeople(db *bolt.DB, people []app.Person) error {
	if len(people) == 0 {
		return nil
	}
	return db.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketRoot)
		if err != nil {
			return err
		}
		b, err := root.CreateBucketIfNotExists(bucketPeople)
		if err != nil {
			return err
		}
		for i := range people {
			p := &people[i]
			data, err := json.Marshal(p)
			if err != nil {
				return err
			}
			if err := b.Put(p.ID[:], data); err != nil {
				return err
			}
		}
		return nil
	})
}

// FiledPeople returns the people KeepPeople recorded.
func FiledPeople(db *bolt.DB) ([]app.Person, error) {
	var out []app.Person
	err := db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketRoot)
		if root == nil {
			return nil
		}
		b := root.Bucket(bucketPeople)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var p app.Person
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("a person of the SMS directory (%x): %w", k, err)
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}
