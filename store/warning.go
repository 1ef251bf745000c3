package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
)

// Warnings and acknowledgements are stored as the JSON of their domain
// types, which is also their operation payload. Both are append-only: a
// warning is never edited, and a station's acknowledgement is written once
// (of two from two clients, every client keeps the earlier).

// Warnings issues and acknowledges warnings. It implements warning.Service.
type Warnings struct {
	db *DB
}

var _ warning.Service = (*Warnings)(nil)

// NewWarnings returns the warning service of db.
func NewWarnings(db *DB) *Warnings { return &Warnings{db: db} }

// Issue implements warning.Service.
func (s *Warnings) Issue(ctx context.Context, w *warning.Warning) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		if err := warning.CanIssue(tree, self); err != nil {
			return err
		}
		n := *w
		n.ID, n.Issuer, n.IssuedAt = app.NewID(), self, tx.now
		n.Tracked = true // the stations it reaches report delivery
		if n.IssuedBy == "" {
			n.IssuedBy = app.AuthorFrom(tx.ctx)
		}
		if n.ValidFrom.IsZero() {
			n.ValidFrom = n.IssuedAt
		}
		n.ValidFrom, n.ValidUntil = n.ValidFrom.UTC(), n.ValidUntil.UTC()
		if err := n.Validate(); err != nil {
			return err
		}
		buf, err := putWarning(tx, &n)
		if err != nil {
			return err
		}
		if err := appendAlertOp(tx, warning.OpIssue, n.ID, buf, app.ScopeDown, nil); err != nil {
			return err
		}
		*w = n
		return nil
	})
}

// Acknowledge implements warning.Service. An ack a duty room records for
// a village goes to the village and the stations between as well as up
// the recorder's lineage, so the township sees what its county took by
// phone.
func (s *Warnings) Acknowledge(ctx context.Context, a *warning.Ack) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		w, err := getWarning(tx, a.Warning)
		if err != nil {
			return err
		}
		n := *a
		n.At, n.RecordedBy = tx.now, self
		if n.Station == app.NilID {
			n.Station = self
		}
		if err := n.Validate(); err != nil {
			return err
		}
		if err := warning.CheckAck(tree, w, &n); err != nil {
			return err
		}
		if old, err := getAck(tx, n.Warning, n.Station); err == nil {
			return app.Errorf(app.ECONFLICT, "%s acknowledged this warning already: %s at %s",
				stationName(tree, n.Station), old.Person, old.At.In(stationLoc(tree, self)).Format("2006-01-02 15:04"))
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return err
		}
		buf, err := putAck(tx, &n)
		if err != nil {
			return err
		}
		var to []app.ID
		if n.Station != self {
			to = append(to, n.Station)
			for _, anc := range tree.Ancestors(n.Station) {
				if anc.ID == self {
					break
				}
				to = append(to, anc.ID)
			}
		}
		if err := appendAlertOp(tx, warning.OpAck, n.Warning, buf, app.ScopeUp, to); err != nil {
			return err
		}
		*a = n
		return nil
	})
}

// Warning implements warning.Service.
func (s *Warnings) Warning(ctx context.Context, id app.ID) (*warning.Warning, error) {
	var w *warning.Warning
	err := s.db.view(ctx, func(tx *txn) (err error) {
		w, err = getWarning(tx, id)
		return err
	})
	return w, err
}

// Warnings implements warning.Service.
func (s *Warnings) Warnings(ctx context.Context, since time.Time) ([]warning.Warning, error) {
	var list []warning.Warning
	err := s.db.view(ctx, func(tx *txn) (err error) {
		list, err = allWarnings(tx, since)
		return err
	})
	return list, err
}

// Acks implements warning.Service.
func (s *Warnings) Acks(ctx context.Context, id app.ID) ([]warning.Ack, error) {
	var list []warning.Ack
	err := s.db.view(ctx, func(tx *txn) (err error) {
		list, err = acksOf(tx, id)
		return err
	})
	return list, err
}

// Progress implements warning.Service.
func (s *Warnings) Progress(ctx context.Context, id app.ID) (*warning.Report, error) {
	var r warning.Report
	err := s.db.view(ctx, func(tx *txn) error {
		w, err := getWarning(tx, id)
		if err != nil {
			return err
		}
		acks, err := acksOf(tx, id)
		if err != nil {
			return err
		}
		stations, err := allStations(tx)
		if err != nil {
			return err
		}
		r = warning.Progress(w, app.NewTree(stations), acks)
		if !w.Tracked {
			return nil
		}
		deliveries, err := deliveriesOf(tx, id)
		if err != nil {
			return err
		}
		r.AddDeliveries(deliveries)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Pending implements warning.Service.
func (s *Warnings) Pending(ctx context.Context, station app.ID) ([]warning.Warning, error) {
	var out []warning.Warning
	err := s.db.view(ctx, func(tx *txn) error {
		stations, err := allStations(tx)
		if err != nil {
			return err
		}
		out, err = pendingWarnings(tx, app.NewTree(stations), station)
		return err
	})
	return out, err
}

// pendingWarnings is Pending within tx.
func pendingWarnings(tx *txn, tree *app.Tree, station app.ID) ([]warning.Warning, error) {
	out, ok, err := pendingFromIndex(tx, tree, station)
	if ok || err != nil {
		return out, err
	}
	// Another station than the index is kept for: read them all.
	list, err := allWarnings(tx, time.Time{})
	if err != nil {
		return nil, err
	}
	acks, err := mustBucket(tx.Tx, bucketWarningAcks)
	if err != nil {
		return nil, err
	}
	for i := range list {
		w := &list[i]
		if warning.Reaches(tree, w, station) && acks.Get(pairKey(w.ID, station)) == nil {
			out = append(out, *w)
		}
	}
	return out, nil
}

// applyWarningOp takes in a warning or an ack from another station. A
// non-empty reason says why it was kept instead.
func applyWarningOp(tx *txn, op *app.Operation) (string, error) {
	switch op.Kind {
	case warning.OpIssue:
		var w warning.Warning
		if err := unmarshalRecord(op.Payload, &w); err != nil {
			return "warning: " + app.ErrorMessage(err), nil
		}
		if err := w.Validate(); err != nil {
			return "warning: " + err.Error(), nil
		}
		switch {
		case w.ID != op.Entity:
			return fmt.Sprintf("the payload is warning %s but the operation names %s", w.ID, op.Entity), nil
		case w.Issuer != op.Origin:
			return fmt.Sprintf("warning %s names issuer %s but came from station %s; a station issues only its own warnings", w.ID, w.Issuer, op.Origin), nil
		}
		if _, err := getWarning(tx, w.ID); err == nil {
			return "", nil
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return "", err
		}
		if _, err := putWarning(tx, &w); err != nil {
			return "", err
		}
		return "", deliveredHere(tx, &w)
	case warning.OpDeliver:
		return applyWarningDelivery(tx, op)
	case warning.OpAck:
		var a warning.Ack
		if err := unmarshalRecord(op.Payload, &a); err != nil {
			return "warning ack: " + app.ErrorMessage(err), nil
		}
		if err := a.Validate(); err != nil {
			return "warning ack: " + err.Error(), nil
		}
		switch {
		case a.Warning != op.Entity:
			return fmt.Sprintf("the payload acknowledges warning %s but the operation names %s", a.Warning, op.Entity), nil
		case a.RecordedBy != op.Origin:
			return fmt.Sprintf("the acknowledgement says it was recorded by %s but came from station %s", a.RecordedBy, op.Origin), nil
		}
		// An ack for a warning not held here is still kept as a record:
		// it may only mean this station sees the ack's path but not the
		// warning's, and dropping it would lose an acknowledgement.
		if w, err := getWarning(tx, a.Warning); err == nil {
			stations, err := allStations(tx)
			if err != nil {
				return "", err
			}
			if err := warning.CheckAck(app.NewTree(stations), w, &a); err != nil {
				return "warning ack: " + app.ErrorMessage(err), nil
			}
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return "", err
		}
		if old, err := getAck(tx, a.Warning, a.Station); err == nil {
			if !warning.Earlier(&a, old) {
				return "", nil
			}
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return "", err
		}
		_, err := putAck(tx, &a)
		return "", err
	}
	return fmt.Sprintf("%s is not a warning operation", op.Kind), nil
}

func putWarning(tx *txn, w *warning.Warning) ([]byte, error) {
	b, err := mustBucket(tx.Tx, bucketWarnings)
	if err != nil {
		return nil, err
	}
	buf, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	if err := b.Put(idKey(w.ID), buf); err != nil {
		return nil, err
	}
	return buf, indexWarning(tx, w)
}

func getWarning(tx *txn, id app.ID) (*warning.Warning, error) {
	b, err := mustBucket(tx.Tx, bucketWarnings)
	if err != nil {
		return nil, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return nil, app.Errorf(app.ENOTFOUND, "no warning %s here", id)
	}
	var w warning.Warning
	if err := unmarshalRecord(raw, &w); err != nil {
		return nil, app.Errorf(app.ECORRUPT, "warning %s is damaged: %s", id, app.ErrorMessage(err))
	}
	return &w, nil
}

// allWarnings returns the warnings issued at or after since, newest first.
func allWarnings(tx *txn, since time.Time) ([]warning.Warning, error) {
	b, err := mustBucket(tx.Tx, bucketWarnings)
	if err != nil {
		return nil, err
	}
	var list []warning.Warning
	err = b.ForEach(func(k, v []byte) error {
		var w warning.Warning
		if err := unmarshalRecord(v, &w); err != nil {
			id, _ := idFromBytes(k)
			return app.Errorf(app.ECORRUPT, "warning %s is damaged: %s", id, app.ErrorMessage(err))
		}
		if !w.IssuedAt.Before(since) {
			list = append(list, w)
		}
		return nil
	})
	sort.SliceStable(list, func(i, j int) bool { return list[i].IssuedAt.After(list[j].IssuedAt) })
	return list, err
}

func putAck(tx *txn, a *warning.Ack) ([]byte, error) {
	b, err := mustBucket(tx.Tx, bucketWarningAcks)
	if err != nil {
		return nil, err
	}
	buf, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	if err := b.Put(pairKey(a.Warning, a.Station), buf); err != nil {
		return nil, err
	}
	return buf, indexAck(tx, a)
}

func getAck(tx *txn, w, station app.ID) (*warning.Ack, error) {
	b, err := mustBucket(tx.Tx, bucketWarningAcks)
	if err != nil {
		return nil, err
	}
	raw := b.Get(pairKey(w, station))
	if raw == nil {
		return nil, app.Errorf(app.ENOTFOUND, "station %s has not acknowledged warning %s", station, w)
	}
	var a warning.Ack
	if err := unmarshalRecord(raw, &a); err != nil {
		return nil, app.Errorf(app.ECORRUPT, "an acknowledgement of warning %s is damaged: %s", w, app.ErrorMessage(err))
	}
	return &a, nil
}

// acksOf returns the acks of one warning, by time.
func acksOf(tx *txn, w app.ID) ([]warning.Ack, error) {
	b, err := mustBucket(tx.Tx, bucketWarningAcks)
	if err != nil {
		return nil, err
	}
	var list []warning.Ack
	c := b.Cursor()
	for k, v := c.Seek(w[:]); k != nil && bytes.HasPrefix(k, w[:]); k, v = c.Next() {
		var a warning.Ack
		if err := unmarshalRecord(v, &a); err != nil {
			return nil, app.Errorf(app.ECORRUPT, "an acknowledgement of warning %s is damaged: %s", w, app.ErrorMessage(err))
		}
		list = append(list, a)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].At.Before(list[j].At) })
	return list, nil
}

// selfAndTree returns this client's station and the tree, for changes
// whose rules depend on where the station sits. ENOTFOUND before the
// station is chosen.
func selfAndTree(tx *txn) (app.ID, *app.Tree, error) {
	self, err := identityID(tx.Tx)
	if err != nil {
		return app.NilID, nil, err
	}
	if self == app.NilID {
		return app.NilID, nil, app.Errorf(app.ENOTFOUND, "this duty room has not chosen its station yet")
	}
	stations, err := allStations(tx)
	if err != nil {
		return app.NilID, nil, err
	}
	return self, app.NewTree(stations), nil
}

// appendAlertOp appends an operation with its addressing: warnings and
// spot checks are not reports upward, the default of their kinds.
func appendAlertOp(tx *txn, kind string, entity app.ID, payload []byte, scope app.Scope, to []app.ID) error {
	op, err := appendOp(tx, kind, entity, payload)
	if err != nil {
		return err
	}
	if scope == app.ScopeDefault && len(to) == 0 {
		return nil
	}
	op.Scope, op.To = scope, to
	outbox, err := mustBucket(tx.Tx, bucketOutbox)
	if err != nil {
		return err
	}
	return putOp(outbox, &op)
}

func stationName(tree *app.Tree, id app.ID) string {
	if s := tree.Station(id); s != nil {
		return s.Name
	}
	return "station " + id.String()
}

func stationLoc(tree *app.Tree, id app.ID) *time.Location {
	if s := tree.Station(id); s != nil {
		return s.Location()
	}
	return time.UTC
}

// The kinds applyOne hands to this file and spotcheck.go.
const (
	opWarningIssue   = warning.OpIssue
	opWarningAck     = warning.OpAck
	opWarningDel     = warning.OpDeliver
	opSpotCheckStart = spotcheck.OpStart
	opSpotCheckAns   = spotcheck.OpAnswer
	opSpotCheckRes   = spotcheck.OpResult
)
