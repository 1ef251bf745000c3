package hub

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/authority"
	"dutyroom/app/wire"
)

// The hub is the authority for every operation kind: each pushed
// operation is judged by the rule table of app/authority against the
// station tree and the owners bucket, and only what it admits is stored
// and routed. Clients judge again on receipt with the same table.
//
// The owners bucket (hub1/owners: entity id → ownerRecord as JSON) holds,
// for every record the hub has seen created, its family, its owning
// station and the stations it was addressed to. It is learned from
// admitted creates and from imports (dutyhub station import with people),
// and is created at the first write that needs it, so an older file needs
// no migration. People a hub stored before it kept owners are read from
// hub1/persons.
var bucketOwners = []byte("owners")

// ownerRecord is the stored form of authority.Record.
type ownerRecord struct {
	Family authority.Family `json:"f"`
	Owner  app.ID           `json:"o"`
	To     []app.ID         `json:"to,omitempty"`
}

// decodeOwnerRecord reads an owners entry. A damaged one is ECORRUPT: the
// hub then refuses the operation with an internal error rather than guess.
func decodeOwnerRecord(raw []byte) (authority.Record, error) {
	var r ownerRecord
	if err := app.UnmarshalObject(raw, &r); err != nil {
		return authority.Record{}, app.Errorf(app.ECORRUPT, "owner record: %s", app.ErrorMessage(err))
	}
	if r.Family == "" || r.Owner == app.NilID || len(r.To) > authority.MaxAddressees {
		return authority.Record{}, app.Errorf(app.ECORRUPT, "owner record names no family or owner, or too many stations")
	}
	return authority.Record{Family: r.Family, Owner: r.Owner, To: r.To}, nil
}

func encodeOwnerRecord(r authority.Record) ([]byte, error) {
	return json.Marshal(ownerRecord{Family: r.Family, Owner: r.Owner, To: r.To})
}

// ownersBucket returns hub1/owners. In a file that predates it, it is
// created and filled from the log first (learnOwnersFromLog), once.
func (st *txState) ownersBucket(tx *bolt.Tx) (*bolt.Bucket, error) {
	if st.owners != nil {
		return st.owners, nil
	}
	root := tx.Bucket(bucketRoot)
	if b := root.Bucket(bucketOwners); b != nil {
		st.owners = b
		return b, nil
	}
	b, err := root.CreateBucket(bucketOwners)
	if err != nil {
		return nil, err
	}
	st.owners = b
	return b, learnOwnersFromLog(tx, st)
}

// learnOwnersFromLog fills a new owners bucket from the operations a hub
// stored before it kept owners: every one of them was admitted then, so
// each is taken as the rule table would decide it now, against today's
// tree, and its owner remembered. Without this, an upgraded hub would
// refuse every change to a record created before the upgrade as
// unknown_owner. It reads the whole log once, in the first transaction
// that needs owners.
func learnOwnersFromLog(tx *bolt.Tx, st *txState) error {
	c := bucket(tx, bucketLog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var op app.Operation
		if err := json.Unmarshal(v, &op); err != nil {
			pos, _ := u64Value(k)
			return app.Errorf(app.ECORRUPT, "log entry %d is damaged: %v", pos, err)
		}
		if op.Kind == app.OpPersonDelete {
			if err := st.owners.Delete(op.Entity[:]); err != nil {
				return err
			}
			continue
		}
		d, refusal, err := authority.Check(&op, authority.Facts{Tree: st.tree, Lookup: func(f authority.Family, entity app.ID) (authority.Record, bool, error) {
			return st.lookupOwner(tx, f, entity)
		}})
		if err != nil {
			return err
		}
		if refusal == nil && d.Remember {
			if err := st.rememberOwner(tx, op.Entity, d.Record); err != nil {
				return err
			}
		}
	}
	return nil
}

// lookupOwner is authority.Facts.Lookup on the hub.
func (st *txState) lookupOwner(tx *bolt.Tx, f authority.Family, entity app.ID) (authority.Record, bool, error) {
	b, err := st.ownersBucket(tx)
	if err != nil {
		return authority.Record{}, false, err
	}
	if raw := b.Get(entity[:]); raw != nil {
		r, err := decodeOwnerRecord(raw)
		if err != nil {
			return r, false, app.Errorf(app.ECORRUPT, "%s %s: %s", f, entity, app.ErrorMessage(err))
		}
		return r, true, nil
	}
	if f == authority.FamilyPerson {
		if station, ok := personStation(tx, entity); ok {
			return authority.Record{Family: authority.FamilyPerson, Owner: station}, true, nil
		}
	}
	return authority.Record{}, false, nil
}

func (st *txState) rememberOwner(tx *bolt.Tx, entity app.ID, r authority.Record) error {
	b, err := st.ownersBucket(tx)
	if err != nil {
		return err
	}
	raw, err := encodeOwnerRecord(r)
	if err != nil {
		return err
	}
	return b.Put(entity[:], raw)
}

// judge applies the rule table to one pushed operation.
func judge(tx *bolt.Tx, st *txState, op *app.Operation) (authority.Decision, *wire.Error, error) {
	if st.tree.Station(op.Origin) == nil {
		return authority.Decision{}, wire.Errorf(wire.CodeForbidden, "station %s is not in the hub's tree", op.Origin), nil
	}
	facts := authority.Facts{
		Tree:   st.tree,
		Strict: true,
		Lookup: func(f authority.Family, entity app.ID) (authority.Record, bool, error) {
			return st.lookupOwner(tx, f, entity)
		},
	}
	d, refusal, err := authority.Check(op, facts)
	if refusal != nil || err != nil {
		return d, refusal, err
	}
	// The author signs for the origin: a person of it or below it.
	refusal, err = authority.CheckAuthor(op, facts)
	return d, refusal, err
}

// learnPeople records the owners of people the hub imports with its tree
// (seeded or imported directories it never saw created), so that changes
// to them can be judged. A person already known keeps its owner.
func learnPeople(tx *bolt.Tx, st *txState, people []app.Person) error {
	for i := range people {
		p := &people[i]
		if p.ID == app.NilID || st.tree.Station(p.Station) == nil {
			return app.Errorf(app.EINVALID, "person %d of the file (%s): no id, or a station not in the tree", i+1, p.Name)
		}
		if err := rememberOfficerPerson(tx, p); err != nil {
			return err
		}
		if _, known, err := st.lookupOwner(tx, authority.FamilyPerson, p.ID); err != nil {
			return err
		} else if known {
			continue
		}
		if err := st.rememberOwner(tx, p.ID, authority.Record{Family: authority.FamilyPerson, Owner: p.Station}); err != nil {
			return err
		}
	}
	return nil
}
