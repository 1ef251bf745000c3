package store

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"dutyroom/app"
)

// Directory keeps the station tree and its people. It implements
// app.StationService and app.PersonService.
type Directory struct {
	db *DB
}

var (
	_ app.StationService = (*Directory)(nil)
	_ app.PersonService  = (*Directory)(nil)
)

// NewDirectory returns the directory service of db.
func NewDirectory(db *DB) *Directory { return &Directory{db: db} }

// FindStationByID returns ENOTFOUND when there is no such station.
func (d *Directory) FindStationByID(ctx context.Context, id app.ID) (*app.Station, error) {
	var s app.Station
	err := d.db.view(ctx, func(tx *txn) (err error) {
		s, err = findStationByID(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// FindStationByCode returns ENOTFOUND when no station has the code.
func (d *Directory) FindStationByCode(ctx context.Context, code string) (*app.Station, error) {
	var s app.Station
	err := d.db.view(ctx, func(tx *txn) (err error) {
		s, err = findStationByCode(tx, code)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Stations returns every station, parents before children: by tier, then
// code.
func (d *Directory) Stations(ctx context.Context) ([]app.Station, error) {
	var list []app.Station
	err := d.db.view(ctx, func(tx *txn) (err error) {
		list, err = allStations(tx)
		return err
	})
	return list, err
}

// CreateStation assigns ID and times and stores the station. EINVALID for
// a bad station or placement, ECONFLICT for a code already in use. s is
// filled in only when the station is stored.
func (d *Directory) CreateStation(ctx context.Context, s *app.Station) error {
	n := *s
	n.ID = app.NewID()
	if err := n.Validate(); err != nil {
		return err
	}
	err := d.db.update(ctx, func(tx *txn) error {
		if n.Tier != app.TierPrefecture {
			parent, err := findStationByID(tx, n.Parent)
			var placeErr error
			switch app.ErrorCode(err) {
			case "":
				placeErr = app.CheckPlacement(&n, &parent)
			case app.ENOTFOUND:
				placeErr = app.CheckPlacement(&n, nil)
			default:
				return err
			}
			if placeErr != nil {
				return placeErr
			}
		}
		if err := checkCodeFree(tx, n.Code, n.ID); err != nil {
			return err
		}
		n.CreatedAt, n.UpdatedAt = tx.now, tx.now
		return insertStation(tx, &n)
	})
	if err != nil {
		return err
	}
	*s = n
	return nil
}

// UpdateStation changes name, code, phone and zone. Tier and parent are
// fixed once created: a zero Tier or Parent means "as stored", any other
// different value is EINVALID. ENOTFOUND, ECONFLICT for a code in use.
func (d *Directory) UpdateStation(ctx context.Context, s *app.Station) error {
	var n app.Station
	err := d.db.update(ctx, func(tx *txn) error {
		old, err := findStationByID(tx, s.ID)
		if err != nil {
			return err
		}
		if s.Tier != 0 && s.Tier != old.Tier {
			return app.FieldErrorf("tier", "the tier of %s cannot change; create a new station instead", old.Name)
		}
		if s.Parent != app.NilID && s.Parent != old.Parent {
			return app.FieldErrorf("parent", "%s cannot move to another parent; create a new station instead", old.Name)
		}
		n = old
		n.Name, n.Code, n.Phone, n.Zone = s.Name, s.Code, s.Phone, s.Zone
		if err := n.Validate(); err != nil {
			return err
		}
		if err := checkCodeFree(tx, n.Code, n.ID); err != nil {
			return err
		}
		codes, err := mustBucket(tx.Tx, bucketStationCodes)
		if err != nil {
			return err
		}
		if n.Code != old.Code {
			if err := codes.Delete([]byte(old.Code)); err != nil {
				return err
			}
			if err := codes.Put([]byte(n.Code), idKey(n.ID)); err != nil {
				return err
			}
		}
		n.UpdatedAt = tx.now
		buf, err := putStation(tx, &n)
		if err != nil {
			return err
		}
		_, err = appendOp(tx, app.OpStationUpdate, n.ID, buf)
		return err
	})
	if err != nil {
		return err
	}
	*s = n
	return nil
}

// DeleteStation removes a station with no child stations and no people.
// ENOTFOUND; ECONFLICT when something still hangs under it or when it is
// this duty room's own station.
func (d *Directory) DeleteStation(ctx context.Context, id app.ID) error {
	return d.db.update(ctx, func(tx *txn) error {
		s, err := findStationByID(tx, id)
		if err != nil {
			return err
		}
		if n, err := countPrefix(tx, bucketStationChildren, id); err != nil {
			return err
		} else if n > 0 {
			return app.Errorf(app.ECONFLICT, "%s (%s) still has %d stations under it; delete or move them first", s.Name, s.Code, n)
		}
		if n, err := countPrefix(tx, bucketPersonsByStation, id); err != nil {
			return err
		} else if n > 0 {
			return app.Errorf(app.ECONFLICT, "%s (%s) still has %d people; delete them or move them to another station first", s.Name, s.Code, n)
		}
		if self, err := identityID(tx.Tx); err != nil {
			return err
		} else if self == id {
			return app.Errorf(app.ECONFLICT, "%s (%s) is this duty room's own station and cannot be deleted", s.Name, s.Code)
		}
		for _, del := range []struct {
			bucket []byte
			key    []byte
		}{
			{bucketStations, idKey(id)},
			{bucketStationCodes, []byte(s.Code)},
			{bucketStationChildren, pairKey(s.Parent, id)},
		} {
			b, err := mustBucket(tx.Tx, del.bucket)
			if err != nil {
				return err
			}
			if err := b.Delete(del.key); err != nil {
				return err
			}
		}
		return appendIDOp(tx, app.OpStationDelete, id)
	})
}

// ImportStations adds a batch of stations, all or nothing. The batch is
// checked together with the stored tree (app.ValidateTree), so it may
// bring its own parents; ids it sets are kept, missing ones assigned. An
// id or code already stored is ECONFLICT, any other fault EINVALID. The operations go out parents first,
// so whoever applies them in order never meets an orphan. On success the
// elements of list get their ids and times.
func (d *Directory) ImportStations(ctx context.Context, list []app.Station) error {
	if len(list) == 0 {
		return nil
	}
	batch := make([]app.Station, len(list))
	copy(batch, list)
	for i := range batch {
		if batch[i].ID == app.NilID {
			batch[i].ID = app.NewID()
		}
	}
	err := d.db.update(ctx, func(tx *txn) error {
		stored, err := allStations(tx)
		if err != nil {
			return err
		}
		storedIDs := make(map[app.ID]bool, len(stored))
		for _, s := range stored {
			storedIDs[s.ID] = true
		}
		for _, s := range batch {
			if storedIDs[s.ID] {
				return app.Errorf(app.ECONFLICT, "station %s %s: id %s is already stored", s.Code, s.Name, s.ID)
			}
			// ValidateTree would catch this too, but as a bad batch; a code
			// taken by a stored station is the same conflict CreateStation
			// reports.
			if err := checkCodeFree(tx, strings.TrimSpace(s.Code), s.ID); err != nil {
				return err
			}
		}
		// ValidateTree trims and fills in defaults in place, on the batch
		// part of this slice; the stored part is only read.
		whole := append(stored, batch...)
		if err := app.ValidateTree(whole); err != nil {
			return err
		}
		copy(batch, whole[len(stored):])
		order := make([]*app.Station, len(batch))
		for i := range batch {
			batch[i].CreatedAt, batch[i].UpdatedAt = tx.now, tx.now
			order[i] = &batch[i]
		}
		sort.SliceStable(order, func(i, j int) bool { return stationLess(order[i], order[j]) })
		for _, s := range order {
			if err := insertStation(tx, s); err != nil {
				return err
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

// insertStation writes a new station, its indexes and its operation.
func insertStation(tx *txn, s *app.Station) error {
	codes, err := mustBucket(tx.Tx, bucketStationCodes)
	if err != nil {
		return err
	}
	children, err := mustBucket(tx.Tx, bucketStationChildren)
	if err != nil {
		return err
	}
	buf, err := putStation(tx, s)
	if err != nil {
		return err
	}
	if err := codes.Put([]byte(s.Code), idKey(s.ID)); err != nil {
		return err
	}
	if err := children.Put(pairKey(s.Parent, s.ID), nil); err != nil {
		return err
	}
	_, err = appendOp(tx, app.OpStationCreate, s.ID, buf)
	return err
}

// putStation writes the record alone and returns its encoding, which is
// also the payload of the operation.
func putStation(tx *txn, s *app.Station) ([]byte, error) {
	b, err := mustBucket(tx.Tx, bucketStations)
	if err != nil {
		return nil, err
	}
	buf, err := encodeStation(s)
	if err != nil {
		return nil, err
	}
	return buf, b.Put(idKey(s.ID), buf)
}

func findStationByID(tx *txn, id app.ID) (app.Station, error) {
	b, err := mustBucket(tx.Tx, bucketStations)
	if err != nil {
		return app.Station{}, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return app.Station{}, app.Errorf(app.ENOTFOUND, "station %s not found", id)
	}
	s, err := decodeStation(raw)
	if err != nil {
		return app.Station{}, app.Errorf(app.ECORRUPT, "station %s is damaged: %s", id, app.ErrorMessage(err))
	}
	return s, nil
}

func findStationByCode(tx *txn, code string) (app.Station, error) {
	code = strings.TrimSpace(code)
	b, err := mustBucket(tx.Tx, bucketStationCodes)
	if err != nil {
		return app.Station{}, err
	}
	raw := b.Get([]byte(code))
	if raw == nil {
		return app.Station{}, app.Errorf(app.ENOTFOUND, "no station has code %q", code)
	}
	id, ok := idFromBytes(raw)
	if !ok {
		return app.Station{}, app.Errorf(app.ECORRUPT, "the index entry of station code %q is damaged", code)
	}
	return findStationByID(tx, id)
}

// checkCodeFree returns ECONFLICT when another station than self uses code.
func checkCodeFree(tx *txn, code string, self app.ID) error {
	other, err := findStationByCode(tx, code)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return nil
	case err != nil:
		return err
	case other.ID == self:
		return nil
	}
	return &app.Error{Code: app.ECONFLICT, Field: "code", Message: fmt.Sprintf("station code %s is already used by %s", code, other.Name)}
}

func allStations(tx *txn) ([]app.Station, error) {
	b, err := mustBucket(tx.Tx, bucketStations)
	if err != nil {
		return nil, err
	}
	list := make([]app.Station, 0, b.Stats().KeyN)
	err = b.ForEach(func(k, v []byte) error {
		s, err := decodeStation(v)
		if err != nil {
			id, _ := idFromBytes(k)
			return app.Errorf(app.ECORRUPT, "station %s is damaged: %s", id, app.ErrorMessage(err))
		}
		list = append(list, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool { return stationLess(&list[i], &list[j]) })
	return list, nil
}

func stationLess(a, b *app.Station) bool {
	if a.Tier != b.Tier {
		return a.Tier < b.Tier
	}
	return a.Code < b.Code
}

// countPrefix counts the entries of an index bucket under one id.
func countPrefix(tx *txn, name []byte, id app.ID) (int, error) {
	b, err := mustBucket(tx.Tx, name)
	if err != nil {
		return 0, err
	}
	prefix := idKey(id)
	n := 0
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n, nil
}
