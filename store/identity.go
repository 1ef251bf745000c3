package store

import (
	"context"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// Identity records which station this data folder belongs to. It
// implements app.IdentityService.
type Identity struct {
	db *DB
}

var _ app.IdentityService = (*Identity)(nil)

// NewIdentity returns the identity service of db.
func NewIdentity(db *DB) *Identity { return &Identity{db: db} }

// identityID returns this duty room's station, or NilID before one is set.
func identityID(tx *bolt.Tx) (app.ID, error) {
	meta, err := mustBucket(tx, bucketMeta)
	if err != nil {
		return app.NilID, err
	}
	raw := meta.Get(keyIdentity)
	if raw == nil {
		return app.NilID, nil
	}
	id, ok := idFromBytes(raw)
	if !ok {
		return app.NilID, app.Errorf(app.ECORRUPT, "this duty room's station in v1/meta is damaged; restore a backup")
	}
	return id, nil
}

// Identity returns this client's station. ENOTFOUND before one is set.
func (s *Identity) Identity(ctx context.Context) (*app.Station, error) {
	var st app.Station
	err := s.db.view(ctx, func(tx *txn) error {
		id, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		if id == app.NilID {
			return app.Errorf(app.ENOTFOUND, "this duty room has not chosen its station yet")
		}
		st, err = findStationByID(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// SetIdentity makes id this client's station. ENOTFOUND for an unknown
// station; ECONFLICT when the folder already belongs to another station.
//
// Changes made before a station was chosen sit in the outbox with no
// origin; they were made here, so they take the station now, and the
// station's seqs run 1, 2, 3, ... from the first change as app.Operation
// promises. For the same reason the station cannot change afterwards: the
// new one's seqs would not start at 1.
//
// Choosing the station is not itself an operation: it says which duty room
// this folder is, which the hub learns from the login, not from sync.
func (s *Identity) SetIdentity(ctx context.Context, id app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		st, err := findStationByID(tx, id)
		if err != nil {
			return err
		}
		current, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		switch {
		case current == id:
			return nil
		case current != app.NilID:
			was, err := findStationByID(tx, current)
			name := current.String()
			if err == nil {
				name = was.Name + " (" + was.Code + ")"
			}
			return app.Errorf(app.ECONFLICT, "this data folder already belongs to %s; to run as %s (%s), start with a new data folder", name, st.Name, st.Code)
		}
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keyIdentity, idKey(id)); err != nil {
			return err
		}
		// The warnings owed an acknowledgement are kept for this station.
		if err := rebuildWarningPending(tx.Tx, id); err != nil {
			return err
		}
		return stampOrigin(tx, id)
	})
}

// stampOrigin gives the queued operations without an origin the station
// that made them.
func stampOrigin(tx *txn, origin app.ID) error {
	outbox, err := mustBucket(tx.Tx, bucketOutbox)
	if err != nil {
		return err
	}
	type entry struct {
		key []byte
		op  app.Operation
	}
	var changed []entry
	err = outbox.ForEach(func(k, v []byte) error {
		op, err := DecodeOperation(v)
		if err != nil {
			seq, _ := u64Value(k)
			return app.Errorf(app.ECORRUPT, "outbox entry %d is damaged: %s", seq, app.ErrorMessage(err))
		}
		if op.Origin == app.NilID {
			op.Origin = origin
			changed = append(changed, entry{key: append([]byte(nil), k...), op: op})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Writing inside ForEach would move the pages under the cursor.
	for _, e := range changed {
		buf, err := json.Marshal(&e.op)
		if err != nil {
			return err
		}
		if err := outbox.Put(e.key, buf); err != nil {
			return err
		}
	}
	return nil
}
