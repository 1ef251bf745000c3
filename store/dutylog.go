package store

import (
	"bytes"
	"context"
	"sort"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// LogEntries returns a station's log of a duty day, by time. ENOTFOUND for
// an unknown station.
func (r *Rosters) LogEntries(ctx context.Context, station app.ID, day roster.Date) ([]roster.LogEntry, error) {
	var out []roster.LogEntry
	err := r.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		return eachUnder(tx, bucketDutyLog, stationDayKey(station, day), func(v []byte) error {
			var rec logRecord
			if err := decodeJSON(v, &rec, "a duty log entry of "+day.String()); err != nil {
				return err
			}
			out = append(out, rec.entry())
			return nil
		})
	})
	// Entries are keyed by id, which is the time they were written; an
	// officer may write up a call some minutes after it came in, so order
	// by when it happened.
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, err
}

// eachUnder calls fn with every value whose key starts with prefix.
func eachUnder(tx *txn, bucket, prefix []byte, fn func(v []byte) error) error {
	b, err := mustBucket(tx.Tx, bucket)
	if err != nil {
		return err
	}
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// AddLogEntry assigns the ID, and the author from the context. EINVALID,
// ENOTFOUND for an unknown station, EFORBIDDEN.
func (r *Rosters) AddLogEntry(ctx context.Context, e *roster.LogEntry) error {
	n := *e
	n.ID = app.NewID()
	actor := app.ActorFrom(ctx)
	n.Author, n.AuthorID = actor.Name, actor.ID
	n.At = n.At.UTC()
	// Automatic entries are written by the records they follow, never by hand.
	n.Auto, n.Record = false, roster.LogRecord{}
	if err := n.Validate(); err != nil {
		return err
	}
	err := r.db.update(ctx, func(tx *txn) error {
		if _, err := dutyRoomStation(tx, n.Station); err != nil {
			return err
		}
		b, err := mustBucket(tx.Tx, bucketDutyLog)
		if err != nil {
			return err
		}
		buf, err := putJSON(b, stationDayIDKey(n.Station, n.Day, n.ID), toLogRecord(&n))
		if err != nil {
			return err
		}
		_, err = appendOp(tx, roster.OpLog, n.ID, buf)
		return err
	})
	if err == nil {
		*e = n
	}
	return err
}

// CheckIns returns a station's check-ins of a duty day, by time. ENOTFOUND
// for an unknown station.
func (r *Rosters) CheckIns(ctx context.Context, station app.ID, day roster.Date) ([]roster.CheckIn, error) {
	var out []roster.CheckIn
	err := r.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		return eachUnder(tx, bucketDutyCheckIns, stationDayKey(station, day), func(v []byte) error {
			var rec checkInRecord
			if err := decodeJSON(v, &rec, "a check-in of "+day.String()); err != nil {
				return err
			}
			out = append(out, roster.CheckIn{Station: rec.Station, Day: rec.Day, Person: rec.Person, At: rec.At})
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, err
}

// CheckIn records that a person took up their post. EINVALID, ENOTFOUND
// for an unknown station or person, ECONFLICT when the person holds no post
// at the station that day or has checked in already, EFORBIDDEN.
func (r *Rosters) CheckIn(ctx context.Context, c *roster.CheckIn) error {
	n := *c
	n.At = n.At.UTC()
	if err := n.Validate(); err != nil {
		return err
	}
	err := r.db.update(ctx, func(tx *txn) error {
		st, err := dutyRoomStation(tx, n.Station)
		if err != nil {
			return err
		}
		p, err := findPersonByID(tx, n.Person)
		if err != nil {
			return &app.Error{Code: app.ErrorCode(err), Field: "person", Message: app.ErrorMessage(err)}
		}
		duties, err := personDuties(tx, n.Person, n.Day, n.Day)
		if err != nil {
			return err
		}
		onDuty := false
		for _, d := range duties {
			onDuty = onDuty || d.Station == n.Station
		}
		if !onDuty {
			return app.Errorf(app.ECONFLICT, "%s holds no post at %s on %s", p.Name, st.Name, n.Day)
		}
		b, err := mustBucket(tx.Tx, bucketDutyCheckIns)
		if err != nil {
			return err
		}
		key := stationDayIDKey(n.Station, n.Day, n.Person)
		var prev checkInRecord
		if found, err := getJSON(b, key, &prev, "a check-in"); err != nil {
			return err
		} else if found {
			return app.Errorf(app.ECONFLICT, "%s already checked in for %s at %s", p.Name, n.Day, prev.At.In(st.Location()).Format("15:04"))
		}
		buf, err := putJSON(b, key, checkInRecord{Station: n.Station, Day: n.Day, Person: n.Person, At: n.At})
		if err != nil {
			return err
		}
		_, err = appendOp(tx, roster.OpCheckIn, n.Station, buf)
		return err
	})
	if err == nil {
		*c = n
	}
	return err
}

// Handover returns the handover of a duty day. ENOTFOUND before one.
func (r *Rosters) Handover(ctx context.Context, station app.ID, day roster.Date) (*roster.Handover, error) {
	var h roster.Handover
	err := r.db.view(ctx, func(tx *txn) (err error) {
		h, err = findHandover(tx, station, day)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &h, nil
}

func findHandover(tx *txn, station app.ID, day roster.Date) (roster.Handover, error) {
	b, err := mustBucket(tx.Tx, bucketDutyHandovers)
	if err != nil {
		return roster.Handover{}, err
	}
	var rec handoverRecord
	found, err := getJSON(b, stationDayKey(station, day), &rec, "the handover of "+day.String())
	if err != nil {
		return roster.Handover{}, err
	}
	if !found {
		return roster.Handover{}, app.Errorf(app.ENOTFOUND, "the duty day %s has not been handed over", day)
	}
	return rec.handover(), nil
}

// HandOver records the outgoing side: the officer, the time and the open
// matters. The outgoing name is taken from the directory, so the record
// still reads right after the person leaves it. EINVALID (also for an
// incoming side, which ConfirmHandover records), ENOTFOUND for an unknown
// station or person, ECONFLICT when the day was handed over already,
// EFORBIDDEN.
func (r *Rosters) HandOver(ctx context.Context, h *roster.Handover) error {
	n := *h
	n.OpenMatters = append([]string(nil), h.OpenMatters...)
	n.OutAt = n.OutAt.UTC()
	if n.Incoming != app.NilID || !n.InAt.IsZero() {
		return app.FieldErrorf("incoming", "the incoming officer confirms separately, after the handover")
	}
	if err := n.Validate(); err != nil {
		return err
	}
	err := r.db.update(ctx, func(tx *txn) error {
		if _, err := dutyRoomStation(tx, n.Station); err != nil {
			return err
		}
		p, err := findPersonByID(tx, n.Outgoing)
		if err != nil {
			return &app.Error{Code: app.ErrorCode(err), Field: "outgoing", Message: app.ErrorMessage(err)}
		}
		n.OutgoingName = p.Name
		if _, err := findHandover(tx, n.Station, n.Day); err == nil {
			return app.Errorf(app.ECONFLICT, "the duty day %s was handed over already", n.Day)
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return err
		}
		return putHandover(tx, &n, roster.OpHandover)
	})
	if err == nil {
		*h = n
	}
	return err
}

func putHandover(tx *txn, h *roster.Handover, kind string) error {
	b, err := mustBucket(tx.Tx, bucketDutyHandovers)
	if err != nil {
		return err
	}
	buf, err := putJSON(b, stationDayKey(h.Station, h.Day), toHandoverRecord(h))
	if err != nil {
		return err
	}
	_, err = appendOp(tx, kind, h.Station, buf)
	return err
}

// ConfirmHandover records the incoming side. EINVALID (the outgoing
// officer, or a time before the handover), ENOTFOUND before HandOver or
// for an unknown person, ECONFLICT when already confirmed, EFORBIDDEN.
func (r *Rosters) ConfirmHandover(ctx context.Context, station app.ID, day roster.Date, incoming app.ID, at time.Time) error {
	if incoming == app.NilID || at.IsZero() {
		return app.FieldErrorf("incoming", "the incoming officer and time are required")
	}
	return r.db.update(ctx, func(tx *txn) error {
		if _, err := dutyRoomStation(tx, station); err != nil {
			return err
		}
		h, err := findHandover(tx, station, day)
		if err != nil {
			return err
		}
		if h.Confirmed() {
			return app.Errorf(app.ECONFLICT, "%s already took over the duty day %s", h.IncomingName, day)
		}
		p, err := findPersonByID(tx, incoming)
		if err != nil {
			return &app.Error{Code: app.ErrorCode(err), Field: "incoming", Message: app.ErrorMessage(err)}
		}
		h.Incoming, h.IncomingName, h.InAt = incoming, p.Name, at.UTC()
		if err := h.Validate(); err != nil {
			return err
		}
		return putHandover(tx, &h, roster.OpHandoverConfirm)
	})
}
