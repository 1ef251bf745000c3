package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/warning"
)

// The window asks every few seconds which warnings this station still owes
// an acknowledgement, which invitations ring and which scheduled
// consultations are about to start. Years of warnings and consultations
// are history; these answers are a handful of records. Two indexes, kept
// in the same transactions that write the records, answer them without
// reading the history, as spotcheck_due does for spot checks.
var (
	bucketWarningPending = []byte("warning_pending")
	bucketConsultOpen    = []byte("consult_open")
)

// keyPendingOwner names the station warning_pending is kept for. Its
// length differs from a warning id's, so it never reads as an entry.
var keyPendingOwner = []byte("owner")

// Prefixes of the consult_open keys.
const (
	consultLive      = 'L' // L<consultation id>: live
	consultScheduled = 'S' // S<time key><consultation id>: scheduled, by its time
	consultWhere     = 'I' // I<consultation id> → the L or S key it holds now
)

// createAlertIndexesV13 adds the two indexes and fills them from the
// records already in the file.
func createAlertIndexesV13(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the alert indexes to")
	}
	for _, name := range [][]byte{bucketWarningPending, bucketConsultOpen} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	self, err := identityID(tx)
	if err != nil {
		return err
	}
	if err := rebuildWarningPending(tx, self); err != nil {
		return err
	}
	return rebuildConsultOpen(tx)
}

// ---- warnings owed an acknowledgement ----

// pendingOwner returns the station warning_pending is kept for: NilID
// before the station is chosen, when it holds every warning.
func pendingOwner(b *bolt.Bucket) app.ID {
	id, _ := idFromBytes(b.Get(keyPendingOwner))
	return id
}

// rebuildWarningPending refills warning_pending for station from the
// warnings and acknowledgements held: every warning station did not
// issue and has not acknowledged. Run by the migration and when the
// station is chosen.
func rebuildWarningPending(tx *bolt.Tx, station app.ID) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket")
	}
	if root.Bucket(bucketWarningPending) != nil {
		if err := root.DeleteBucket(bucketWarningPending); err != nil {
			return err
		}
	}
	idx, err := root.CreateBucket(bucketWarningPending)
	if err != nil {
		return err
	}
	if err := idx.Put(keyPendingOwner, idKey(station)); err != nil {
		return err
	}
	warnings, err := mustBucket(tx, bucketWarnings)
	if err != nil {
		return err
	}
	acks, err := mustBucket(tx, bucketWarningAcks)
	if err != nil {
		return err
	}
	return warnings.ForEach(func(k, v []byte) error {
		var w warning.Warning
		if err := unmarshalRecord(v, &w); err != nil {
			id, _ := idFromBytes(k)
			return app.Errorf(app.ECORRUPT, "warning %s is damaged: %s", id, app.ErrorMessage(err))
		}
		if w.Issuer == station || acks.Get(pairKey(w.ID, station)) != nil {
			return nil
		}
		return idx.Put(idKey(w.ID), nil)
	})
}

// indexWarning enters a warning just stored, unless the index's station
// issued it or has acknowledged it already (an ack can arrive first).
func indexWarning(tx *txn, w *warning.Warning) error {
	idx, err := mustBucket(tx.Tx, bucketWarningPending)
	if err != nil {
		return err
	}
	owner := pendingOwner(idx)
	if w.Issuer == owner {
		return nil
	}
	if acks := bucket(tx.Tx, bucketWarningAcks); acks != nil && acks.Get(pairKey(w.ID, owner)) != nil {
		return nil
	}
	return idx.Put(idKey(w.ID), nil)
}

// indexAck takes out the warning an acknowledgement by the index's
// station settles.
func indexAck(tx *txn, a *warning.Ack) error {
	idx, err := mustBucket(tx.Tx, bucketWarningPending)
	if err != nil {
		return err
	}
	if a.Station != pendingOwner(idx) {
		return nil
	}
	return idx.Delete(idKey(a.Warning))
}

// pendingFromIndex returns the warnings the index holds that reach station
// and that it has not acknowledged, newest first. ok is false when the
// index is kept for another station; the caller then reads them all.
func pendingFromIndex(tx *txn, tree *app.Tree, station app.ID) (out []warning.Warning, ok bool, err error) {
	idx, err := mustBucket(tx.Tx, bucketWarningPending)
	if err != nil {
		return nil, false, err
	}
	if pendingOwner(idx) != station || station == app.NilID {
		return nil, false, nil
	}
	acks, err := mustBucket(tx.Tx, bucketWarningAcks)
	if err != nil {
		return nil, false, err
	}
	c := idx.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) != 16 {
			continue // the owner
		}
		id, _ := idFromBytes(k)
		w, err := getWarning(tx, id)
		if err != nil {
			return nil, false, err
		}
		// Reaches is asked again: the tree may have changed since the
		// warning was entered.
		if warning.Reaches(tree, w, station) && acks.Get(pairKey(w.ID, station)) == nil {
			out = append(out, *w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].IssuedAt.After(out[j].IssuedAt) })
	return out, true, nil
}

// ---- consultations live or scheduled ----

func consultWhereKey(id app.ID) []byte { return append([]byte{consultWhere}, id[:]...) }

// consultOpenKey is where r belongs in consult_open, nil for an ended one.
func consultOpenKey(c *consult.Consultation) []byte {
	switch {
	case c.State == consult.Live:
		return append([]byte{consultLive}, c.ID[:]...)
	case c.State == consult.Scheduled && c.Scheduled != nil:
		tk := timeKey(*c.Scheduled)
		k := append([]byte{consultScheduled}, tk[:]...)
		return append(k, c.ID[:]...)
	}
	return nil
}

// indexConsultation moves c to its place in consult_open: out of the one
// it held, into the one of its state now.
func indexConsultation(b *bolt.Bucket, c *consult.Consultation) error {
	where := consultWhereKey(c.ID)
	if old := b.Get(where); old != nil {
		if err := b.Delete(bytes.Clone(old)); err != nil {
			return err
		}
	}
	k := consultOpenKey(c)
	if k == nil {
		return b.Delete(where)
	}
	if err := b.Put(k, nil); err != nil {
		return err
	}
	return b.Put(where, k)
}

// rebuildConsultOpen fills consult_open from the consultations held.
func rebuildConsultOpen(tx *bolt.Tx) error {
	idx, err := mustBucket(tx, bucketConsultOpen)
	if err != nil {
		return err
	}
	all, err := mustBucket(tx, bucketConsultations)
	if err != nil {
		return err
	}
	return all.ForEach(func(k, v []byte) error {
		var r consult.Record
		if err := unmarshalRecord(v, &r); err != nil {
			id, _ := idFromBytes(k)
			return app.Errorf(app.ECORRUPT, "consultation %s is damaged: %s", id, app.ErrorMessage(err))
		}
		return indexConsultation(idx, &r.Consultation)
	})
}

// liveConsultations returns the live consultations, oldest first.
func liveConsultations(tx *txn) ([]consult.Record, error) {
	idx, err := mustBucket(tx.Tx, bucketConsultOpen)
	if err != nil {
		return nil, err
	}
	var out []consult.Record
	c := idx.Cursor()
	for k, _ := c.Seek([]byte{consultLive}); k != nil && k[0] == consultLive; k, _ = c.Next() {
		id, _ := idFromBytes(k[1:])
		r, err := getConsultation(tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Consultation.CreatedAt.Before(out[j].Consultation.CreatedAt)
	})
	return out, nil
}

// ringingFor returns the live consultations self is invited to and has
// neither answered nor joined, oldest first.
func ringingFor(tx *txn, self app.ID) ([]consult.Consultation, error) {
	live, err := liveConsultations(tx)
	if err != nil {
		return nil, err
	}
	var out []consult.Consultation
	for _, r := range live {
		c := r.Consultation
		if !slices.Contains(c.Invited, self) {
			continue
		}
		answered := slices.ContainsFunc(r.Replies, func(x consult.Reply) bool { return x.Station == self }) ||
			slices.ContainsFunc(r.Participations, func(x consult.Participation) bool { return x.Station == self })
		if !answered {
			out = append(out, c)
		}
	}
	return out, nil
}

// scheduledBetween returns the consultations still scheduled for a time
// within [from, to], soonest first.
func scheduledBetween(tx *txn, from, to time.Time) ([]consult.Record, error) {
	idx, err := mustBucket(tx.Tx, bucketConsultOpen)
	if err != nil {
		return nil, err
	}
	fk, tk := timeKey(from), timeKey(to)
	start := append([]byte{consultScheduled}, fk[:]...)
	var out []consult.Record
	c := idx.Cursor()
	for k, _ := c.Seek(start); k != nil && k[0] == consultScheduled; k, _ = c.Next() {
		if len(k) != 1+timeKeyLen+16 || bytes.Compare(k[1:1+timeKeyLen], tk[:]) > 0 {
			break
		}
		id, _ := idFromBytes(k[1+timeKeyLen:])
		r, err := getConsultation(tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// Scheduled implements consult.Service.
func (s *Consultations) Scheduled(ctx context.Context, from, to time.Time) ([]consult.Record, error) {
	var out []consult.Record
	err := s.db.view(ctx, func(tx *txn) (err error) {
		out, err = scheduledBetween(tx, from, to)
		return err
	})
	return out, err
}
