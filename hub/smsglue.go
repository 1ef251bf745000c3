package hub

import (
	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// Bolt is the open file, for the SMS queue (hub/sms), which keeps its
// messages under a root bucket of its own (sms1) beside hub1.
func (db *DB) Bolt() *bolt.DB { return db.bolt }

// Tree reads the station tree as stored now.
func (db *DB) Tree() (*app.Tree, error) {
	var tree *app.Tree
	err := db.bolt.View(func(tx *bolt.Tx) error {
		list, err := allStations(tx)
		if err != nil {
			return err
		}
		tree = app.NewTree(list)
		return nil
	})
	return tree, err
}
