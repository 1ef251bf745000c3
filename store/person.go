package store

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"dutyroom/app"
)

// FindPersonByID returns ENOTFOUND when there is no such person.
func (d *Directory) FindPersonByID(ctx context.Context, id app.ID) (*app.Person, error) {
	var p app.Person
	err := d.db.view(ctx, func(tx *txn) (err error) {
		p, err = findPersonByID(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Persons returns the people matching the filter, in the order of their
// stations in Stations (tier, then code), then by name.
func (d *Directory) Persons(ctx context.Context, f app.PersonFilter) ([]app.Person, error) {
	var list []app.Person
	err := d.db.view(ctx, func(tx *txn) error {
		var ids []app.ID
		var err error
		if f.Station != nil {
			ids, err = personIDsOfStation(tx, *f.Station)
		} else {
			ids, err = allPersonIDs(tx)
		}
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := findPersonByID(tx, id)
			if err != nil {
				return err
			}
			if f.Role != nil && !p.Has(*f.Role) {
				continue
			}
			list = append(list, p)
		}
		return sortPersons(tx, list)
	})
	return list, err
}

// CreatePerson assigns ID and times and stores the person. EINVALID,
// ENOTFOUND for an unknown station. p is filled in only when stored.
func (d *Directory) CreatePerson(ctx context.Context, p *app.Person) error {
	n := clonePerson(p)
	n.ID = app.NewID()
	if err := n.Validate(); err != nil {
		return err
	}
	err := d.db.update(ctx, func(tx *txn) error {
		n.CreatedAt, n.UpdatedAt = tx.now, tx.now
		return insertPerson(tx, &n)
	})
	if err != nil {
		return err
	}
	*p = n
	return nil
}

// UpdatePerson replaces the person's fields, keeping CreatedAt; the person
// may move to another station. EINVALID, ENOTFOUND for the person or the
// new station.
func (d *Directory) UpdatePerson(ctx context.Context, p *app.Person) error {
	n := clonePerson(p)
	if err := n.Validate(); err != nil {
		return err
	}
	err := d.db.update(ctx, func(tx *txn) error {
		old, err := findPersonByID(tx, n.ID)
		if err != nil {
			return err
		}
		if err := checkPersonStation(tx, &n); err != nil {
			return err
		}
		if n.Station != old.Station {
			idx, err := mustBucket(tx.Tx, bucketPersonsByStation)
			if err != nil {
				return err
			}
			if err := idx.Delete(pairKey(old.Station, n.ID)); err != nil {
				return err
			}
			if err := idx.Put(pairKey(n.Station, n.ID), nil); err != nil {
				return err
			}
		}
		n.CreatedAt, n.UpdatedAt = old.CreatedAt, tx.now
		buf, err := putPerson(tx, &n)
		if err != nil {
			return err
		}
		_, err = appendOp(tx, app.OpPersonUpdate, n.ID, buf)
		return err
	})
	if err != nil {
		return err
	}
	*p = n
	return nil
}

// DeletePerson removes the person. ENOTFOUND.
func (d *Directory) DeletePerson(ctx context.Context, id app.ID) error {
	return d.db.update(ctx, func(tx *txn) error {
		p, err := findPersonByID(tx, id)
		if err != nil {
			return err
		}
		persons, err := mustBucket(tx.Tx, bucketPersons)
		if err != nil {
			return err
		}
		idx, err := mustBucket(tx.Tx, bucketPersonsByStation)
		if err != nil {
			return err
		}
		if err := persons.Delete(idKey(id)); err != nil {
			return err
		}
		if err := idx.Delete(pairKey(p.Station, id)); err != nil {
			return err
		}
		return appendIDOp(tx, app.OpPersonDelete, id)
	})
}

// ImportPersons adds a batch of people in one transaction, all or nothing:
// one fsync for the lot instead of one per person. Ids the batch sets are
// kept, missing ones assigned; an id already stored or given twice is
// ECONFLICT. EINVALID and ENOTFOUND as CreatePerson, naming the entry. On
// success the elements of list get their ids and times.
func (d *Directory) ImportPersons(ctx context.Context, list []app.Person) error {
	if len(list) == 0 {
		return nil
	}
	batch := make([]app.Person, len(list))
	seen := make(map[app.ID]int, len(list))
	for i := range list {
		batch[i] = clonePerson(&list[i])
		p := &batch[i]
		if err := p.Validate(); err != nil {
			return batchError(i, p.Name, err)
		}
		if p.ID == app.NilID {
			p.ID = app.NewID()
		}
		if j, dup := seen[p.ID]; dup {
			return batchError(i, p.Name, app.Errorf(app.ECONFLICT, "id %s is also given to entry %d", p.ID, j+1))
		}
		seen[p.ID] = i
	}
	err := d.db.update(ctx, func(tx *txn) error {
		persons, err := mustBucket(tx.Tx, bucketPersons)
		if err != nil {
			return err
		}
		for i := range batch {
			p := &batch[i]
			if persons.Get(idKey(p.ID)) != nil {
				return batchError(i, p.Name, app.Errorf(app.ECONFLICT, "id %s is already stored", p.ID))
			}
			p.CreatedAt, p.UpdatedAt = tx.now, tx.now
			if err := insertPerson(tx, p); err != nil {
				return batchError(i, p.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	copy(list, batch)
	return nil
}

// batchError says which entry of an import is wrong, keeping the code and
// field of the underlying error.
func batchError(i int, name string, err error) error {
	code := app.ErrorCode(err)
	if code == app.EINTERNAL {
		return err
	}
	return &app.Error{Code: code, Field: app.ErrorField(err), Message: fmt.Sprintf("entry %d (%s): %s", i+1, name, app.ErrorMessage(err))}
}

func insertPerson(tx *txn, p *app.Person) error {
	if err := checkPersonStation(tx, p); err != nil {
		return err
	}
	idx, err := mustBucket(tx.Tx, bucketPersonsByStation)
	if err != nil {
		return err
	}
	buf, err := putPerson(tx, p)
	if err != nil {
		return err
	}
	if err := idx.Put(pairKey(p.Station, p.ID), nil); err != nil {
		return err
	}
	_, err = appendOp(tx, app.OpPersonCreate, p.ID, buf)
	return err
}

// checkPersonStation returns ENOTFOUND, about the station field, when the
// person's station is not stored.
func checkPersonStation(tx *txn, p *app.Person) error {
	stations, err := mustBucket(tx.Tx, bucketStations)
	if err != nil {
		return err
	}
	if stations.Get(idKey(p.Station)) == nil {
		return &app.Error{Code: app.ENOTFOUND, Field: "station", Message: fmt.Sprintf("station %s not found", p.Station)}
	}
	return nil
}

func putPerson(tx *txn, p *app.Person) ([]byte, error) {
	b, err := mustBucket(tx.Tx, bucketPersons)
	if err != nil {
		return nil, err
	}
	buf, err := encodePerson(p)
	if err != nil {
		return nil, err
	}
	return buf, b.Put(idKey(p.ID), buf)
}

func findPersonByID(tx *txn, id app.ID) (app.Person, error) {
	b, err := mustBucket(tx.Tx, bucketPersons)
	if err != nil {
		return app.Person{}, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return app.Person{}, app.Errorf(app.ENOTFOUND, "person %s not found", id)
	}
	p, err := decodePerson(raw)
	if err != nil {
		return app.Person{}, app.Errorf(app.ECORRUPT, "person %s is damaged: %s", id, app.ErrorMessage(err))
	}
	return p, nil
}

func personIDsOfStation(tx *txn, station app.ID) ([]app.ID, error) {
	idx, err := mustBucket(tx.Tx, bucketPersonsByStation)
	if err != nil {
		return nil, err
	}
	prefix := idKey(station)
	var ids []app.ID
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); len(k) == 32 && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id, _ := idFromBytes(k[16:])
		ids = append(ids, id)
	}
	return ids, nil
}

func allPersonIDs(tx *txn) ([]app.ID, error) {
	b, err := mustBucket(tx.Tx, bucketPersons)
	if err != nil {
		return nil, err
	}
	var ids []app.ID
	err = b.ForEach(func(k, _ []byte) error {
		id, ok := idFromBytes(k)
		if !ok {
			return app.Errorf(app.ECORRUPT, "the persons bucket holds a key that is not an id")
		}
		ids = append(ids, id)
		return nil
	})
	return ids, err
}

// sortPersons orders people by their station's place in Stations, then by
// name, then by id so that equal names keep a stable order.
func sortPersons(tx *txn, list []app.Person) error {
	if len(list) == 0 {
		return nil
	}
	stations, err := allStations(tx)
	if err != nil {
		return err
	}
	rank := make(map[app.ID]int, len(stations))
	for i, s := range stations {
		rank[s.ID] = i
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := &list[i], &list[j]
		if ra, rb := rank[a.Station], rank[b.Station]; ra != rb {
			return ra < rb
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return string(a.ID[:]) < string(b.ID[:])
	})
	return nil
}

// clonePerson copies p so that Validate's trimming and a failed call leave
// the caller's value and its Roles slice alone.
func clonePerson(p *app.Person) app.Person {
	n := *p
	n.Roles = append([]app.Role(nil), p.Roles...)
	return n
}
