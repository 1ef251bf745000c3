package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// keyDesk holds who is signed in at this client's desk (v1/meta "desk" →
// deskRecord as JSON). It is a local setting: it survives restarts but is
// not an operation. What the other stations learn is the duty-log entry
// each sign-in writes, and the author id on every record made afterwards.
var keyDesk = []byte("desk")

type deskRecord struct {
	Person app.ID    `json:"person"`
	Name   string    `json:"name"`
	At     time.Time `json:"at"`
}

// Desk keeps who is at this client's desk (到岗签到).
type Desk struct {
	db *DB
}

var _ roster.Desk = (*Desk)(nil)

// NewDesk returns the desk of db.
func NewDesk(db *DB) *Desk { return &Desk{db: db} }

// SignedIn returns who is signed in. ENOTFOUND when nobody is, or when the
// person signed in has since left this station or the directory: a record
// must not be signed by someone who is no longer here.
func (d *Desk) SignedIn(ctx context.Context) (roster.SignIn, error) {
	var out roster.SignIn
	err := d.db.view(ctx, func(tx *txn) error {
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err != nil {
			return err
		}
		raw := meta.Get(keyDesk)
		if raw == nil {
			return app.Errorf(app.ENOTFOUND, "nobody is signed in at this desk")
		}
		var rec deskRecord
		if err := decodeJSON(raw, &rec, "the desk's sign-in"); err != nil {
			return err
		}
		self, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		p, err := findPersonByID(tx, rec.Person)
		if app.ErrorCode(err) == app.ENOTFOUND || err == nil && p.Station != self {
			return app.Errorf(app.ENOTFOUND, "%s, signed in at this desk, is no longer a person of this station", rec.Name)
		} else if err != nil {
			return err
		}
		out = roster.SignIn{Person: p, At: rec.At}
		return nil
	})
	return out, err
}

// SignIn makes person the officer at this desk from now on and writes entry
// (none when its text is empty)
// (its day, kind and text, as the caller words it in the window's language)
// to this station's duty log, signed by that person, in one transaction.
// The person must be one of this station's own people. EINVALID for a bad
// entry or a person of another station, ENOTFOUND for an unknown person,
// EFORBIDDEN before this duty room has chosen its station.
func (d *Desk) SignIn(ctx context.Context, person app.ID, entry roster.LogEntry) (roster.SignIn, error) {
	var out roster.SignIn
	err := d.db.update(ctx, func(tx *txn) error {
		self, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		if self == app.NilID {
			return app.Errorf(app.EFORBIDDEN, "this duty room has not chosen its station yet; nobody can sign in")
		}
		p, err := findPersonByID(tx, person)
		if err != nil {
			return err
		}
		if p.Station != self {
			st, _ := findStationByID(tx, p.Station)
			return app.FieldErrorf("person", "%s is a person of %s, not of this station; sign in with one of this station's people", p.Name, st.Name)
		}
		out = roster.SignIn{Person: p, At: tx.now}
		raw, err := json.Marshal(deskRecord{Person: p.ID, Name: p.Name, At: tx.now})
		if err != nil {
			return err
		}
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keyDesk, raw); err != nil {
			return err
		}
		// The entry is the new officer's own. An empty one writes nothing:
		// a sign-in that comes with a confirmed handover is already in the
		// log as that handover.
		tx.ctx = app.WithActor(tx.ctx, out.Actor())
		if strings.TrimSpace(entry.Text) == "" {
			return nil
		}
		entry.ID, entry.Station = app.NewID(), self
		entry.Author, entry.AuthorID = p.Name, p.ID
		if entry.At.IsZero() {
			entry.At = tx.now
		}
		entry.At = entry.At.UTC()
		if err := entry.Validate(); err != nil {
			return err
		}
		if _, err := dutyRoomStation(tx, self); err != nil {
			return err
		}
		b, err := mustBucket(tx.Tx, bucketDutyLog)
		if err != nil {
			return err
		}
		buf, err := putJSON(b, stationDayIDKey(self, entry.Day, entry.ID), toLogRecord(&entry))
		if err != nil {
			return err
		}
		_, err = appendOp(tx, roster.OpLog, entry.ID, buf)
		return err
	})
	return out, err
}

// leaderNamed returns the person of station called name who signs off (签发)
// a report: the one with the leader role, else the one person of that
// name; NilID when the name is typed free and matches nobody, or more than
// one person, so the record keeps the name alone.
func leaderNamed(tx *txn, station app.ID, name string) (app.ID, error) {
	idx, err := mustBucket(tx.Tx, bucketPersonsByStation)
	if err != nil {
		return app.NilID, err
	}
	var named, leaders []app.ID
	c := idx.Cursor()
	prefix := station[:]
	for k, _ := c.Seek(prefix); k != nil && len(k) == 32 && string(k[:16]) == string(prefix); k, _ = c.Next() {
		id, ok := idFromBytes(k[16:])
		if !ok {
			continue
		}
		p, err := findPersonByID(tx, id)
		if app.ErrorCode(err) == app.ENOTFOUND {
			continue
		} else if err != nil {
			return app.NilID, err
		}
		if p.Name != name {
			continue
		}
		named = append(named, p.ID)
		if p.Has(app.RoleLeader) {
			leaders = append(leaders, p.ID)
		}
	}
	switch {
	case len(leaders) == 1:
		return leaders[0], nil
	case len(named) == 1:
		return named[0], nil
	}
	return app.NilID, nil
}
