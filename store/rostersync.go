package store

import (
	"encoding/json"
	"fmt"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// Rosters between stations. Every roster operation reports upward (the
// hub's default for a kind it does not know by name: every ancestor of the
// origin), so a prefecture holds the rosters of its counties and townships
// and a county those of its townships, in the same buckets as its own and
// keyed by the station they belong to: Assignments, Roster, History,
// Settings and the duty log of a station below read the same as at that
// station.
//
// Drafts are taken in as well as published months. A month is generated
// and edited as a draft and then published by one operation naming the
// month only, so the posts must already be here when the publication
// arrives; what a station above shows of a station below is decided by the
// month's state (screens show published months only).
//
// A station above only mirrors: nothing it takes in queues an operation or
// a notice (the people affected were told at their own station). Each
// operation is checked before anything is written: the roster must belong
// to a station below this one, and the sender must be that station or a
// station above it, as the hub and writableStation require of changes.
// Otherwise the operation is kept with the reason and changes nothing.
//
// Absences (leave and trips, with their reasons) stay at the station that
// entered them and are kept unapplied here, as are calendar operations.

// applyRosterOp takes in a roster or duty log operation from another
// station. err is only for the file.
func applyRosterOp(tx *txn, op *app.Operation) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return op.Kind + ": " + fmt.Sprintf(format, args...), nil
	}
	decode := func(v any) string {
		if err := unmarshalRecord(op.Payload, v); err != nil {
			return op.Kind + ": " + app.ErrorMessage(err)
		}
		return ""
	}
	switch op.Kind {
	case roster.OpAssign, roster.OpUnassign:
		var p assignPayload
		if r := decode(&p); r != "" {
			return r, nil
		}
		if r, err := rosterSender(tx, op, p.Station); r != "" || err != nil {
			return r, err
		}
		if !p.Day.Valid() {
			return fail("no valid duty day")
		}
		post := roster.Post(p.Post)
		if (op.Kind == roster.OpAssign) != (p.Person != app.NilID) {
			return fail("the person of the %s post on %s does not fit the kind", post, p.Day)
		}
		var changes []changeRecord
		if p.Change != nil {
			c := p.Change
			if c.Day != p.Day || roster.Post(c.Post) != post || c.After != p.Person {
				return fail("the change it carries is not the one of the %s post on %s", post, p.Day)
			}
			changes = append(changes, *c)
		} else if op.Kind == roster.OpUnassign {
			return fail("the clearing of the %s post on %s carries no change", post, p.Day)
		}
		if r := checkChanges(p.Station, changes); r != "" {
			return fail("%s", r)
		}
		if p.Person == app.NilID {
			return "", applyChanges(tx, p.Station, changes, false)
		}
		if err := putChanges(tx, changes); err != nil {
			return "", err
		}
		return "", putAssignment(tx, roster.Assignment{Station: p.Station, Day: p.Day, Post: post, Person: p.Person, Manual: p.Manual})
	case roster.OpGenerate, roster.OpImport:
		var p batchPayload
		if r := decode(&p); r != "" {
			return r, nil
		}
		if r, err := rosterSender(tx, op, p.Station); r != "" || err != nil {
			return r, err
		}
		if !p.Month.Valid() {
			return fail("no valid month")
		}
		for _, c := range p.Changes {
			if roster.MonthOf(c.Day) != p.Month {
				return fail("a change of %s lies outside its month %s", c.Day, p.Month)
			}
		}
		if r := checkChanges(p.Station, p.Changes); r != "" {
			return fail("%s", r)
		}
		return "", applyChanges(tx, p.Station, p.Changes, p.Manual || op.Kind == roster.OpImport)
	case roster.OpPublish:
		var rec monthRecord
		if r := decode(&rec); r != "" {
			return r, nil
		}
		if r, err := rosterSender(tx, op, rec.Station); r != "" || err != nil {
			return r, err
		}
		if !rec.Month.Valid() || !rec.State.Valid() {
			return fail("no valid month and state")
		}
		b, err := mustBucket(tx.Tx, bucketRosterMonths)
		if err != nil {
			return "", err
		}
		var stored monthRecord
		if found, err := getJSON(b, monthKey(rec.Station, rec.Month), &stored, "the roster of "+rec.Month.String()); err != nil {
			return "", err
		} else if found && stored.PublishedAt.After(rec.PublishedAt) {
			return "", nil // a later publication is here already
		}
		_, err = putJSON(b, monthKey(rec.Station, rec.Month), rec)
		return "", err
	case roster.OpSettings:
		var rec settingsRecord
		if r := decode(&rec); r != "" {
			return r, nil
		}
		if r, err := rosterSender(tx, op, op.Entity); r != "" || err != nil {
			return r, err
		}
		s := rec.settings()
		if err := s.Validate(); err != nil {
			return fail("%s", app.ErrorMessage(err))
		}
		b, err := mustBucket(tx.Tx, bucketRosterSettings)
		if err != nil {
			return "", err
		}
		_, err = putJSON(b, idKey(op.Entity), toSettingsRecord(s))
		return "", err
	case roster.OpSpecialCreate, roster.OpSpecialUpdate, roster.OpSpecialDelete:
		return applySpecialOp(tx, op)
	case roster.OpSwapRequest, roster.OpSwapApprove, roster.OpSwapReject:
		return applySwapOp(tx, op)
	case roster.OpLog:
		var rec logRecord
		if r := decode(&rec); r != "" {
			return r, nil
		}
		if rec.ID != op.Entity {
			return fail("the payload is entry %s but the operation names %s", rec.ID, op.Entity)
		}
		if rec.Auto {
			return fail("entry %s is an automatic entry; each station writes its own from the records", rec.ID)
		}
		if r, err := rosterSender(tx, op, rec.Station); r != "" || err != nil {
			return r, err
		}
		e := rec.entry()
		if err := e.Validate(); err != nil {
			return fail("%s", app.ErrorMessage(err))
		}
		b, err := mustBucket(tx.Tx, bucketDutyLog)
		if err != nil {
			return "", err
		}
		_, err = putJSON(b, stationDayIDKey(e.Station, e.Day, e.ID), toLogRecord(&e))
		return "", err
	case roster.OpCheckIn:
		var rec checkInRecord
		if r := decode(&rec); r != "" {
			return r, nil
		}
		if r, err := rosterSender(tx, op, rec.Station); r != "" || err != nil {
			return r, err
		}
		c := roster.CheckIn{Station: rec.Station, Day: rec.Day, Person: rec.Person, At: rec.At}
		if err := c.Validate(); err != nil {
			return fail("%s", app.ErrorMessage(err))
		}
		b, err := mustBucket(tx.Tx, bucketDutyCheckIns)
		if err != nil {
			return "", err
		}
		_, err = putJSON(b, stationDayIDKey(c.Station, c.Day, c.Person), rec)
		return "", err
	case roster.OpHandover, roster.OpHandoverConfirm:
		var rec handoverRecord
		if r := decode(&rec); r != "" {
			return r, nil
		}
		if r, err := rosterSender(tx, op, rec.Station); r != "" || err != nil {
			return r, err
		}
		h := rec.handover()
		if err := h.Validate(); err != nil {
			return fail("%s", app.ErrorMessage(err))
		}
		if old, err := findHandover(tx, h.Station, h.Day); err == nil && old.Confirmed() && !h.Confirmed() {
			return "", nil // the confirmation is here already
		} else if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
			return "", err
		}
		b, err := mustBucket(tx.Tx, bucketDutyHandovers)
		if err != nil {
			return "", err
		}
		_, err = putJSON(b, stationDayKey(h.Station, h.Day), toHandoverRecord(&h))
		return "", err
	}
	return fail("not a roster operation this version applies")
}

// rosterSender checks that an operation on station's roster may be taken
// in here: station is below this one and keeps a duty room, op comes from
// that station or one above it, and op names the station it changes when
// its entity is a station. A non-empty result is the reason to keep it.
func rosterSender(tx *txn, op *app.Operation, station app.ID) (string, error) {
	if station == app.NilID {
		return op.Kind + ": the operation names no station", nil
	}
	switch op.Kind {
	case roster.OpLog, roster.OpSpecialCreate, roster.OpSpecialUpdate, roster.OpSpecialDelete,
		roster.OpSwapRequest, roster.OpSwapApprove, roster.OpSwapReject:
		// The entity is the record, checked by the caller.
	default:
		if op.Entity != station {
			return fmt.Sprintf("%s: the payload is about station %s but the operation names %s", op.Kind, station, op.Entity), nil
		}
	}
	self, err := identityID(tx.Tx)
	if err != nil {
		return "", err
	}
	if self == app.NilID {
		return op.Kind + ": this duty room has not chosen its station, so it keeps no rosters of stations below it", nil
	}
	tree, err := lineage(tx, station, op.Origin, self)
	if err != nil {
		return "", err
	}
	switch {
	case tree.Station(station) == nil:
		return fmt.Sprintf("%s: the roster of station %s, which this client does not have", op.Kind, station), nil
	case tree.Station(op.Origin) == nil:
		return fmt.Sprintf("%s: it comes from station %s, which this client does not have", op.Kind, op.Origin), nil
	case !tree.IsWithin(station, op.Origin):
		return fmt.Sprintf("%s: %s cannot change the roster of %s; only that station and those above it can",
			op.Kind, tree.Path(op.Origin), tree.Path(station)), nil
	case station == self && op.Origin != self:
		// Its own change comes back only to a file restored from a
		// backup older than it (TakeOwn), and applies like any other.
		return fmt.Sprintf("%s: the roster of %s is kept by this duty room itself; a change from %s does not replace it",
			op.Kind, tree.Path(station), tree.Path(op.Origin)), nil
	case !tree.IsWithin(station, self):
		return fmt.Sprintf("%s: %s is not below %s; a station keeps the rosters of the stations below it only",
			op.Kind, tree.Path(station), tree.Path(self)), nil
	case !tree.Station(station).Tier.HasDutyRoom():
		return fmt.Sprintf("%s: %s keeps no duty roster", op.Kind, tree.Path(station)), nil
	}
	return "", nil
}

// checkChanges checks changes of station's posts as they came, before any
// is applied: each is whole and of that station, and no post is changed
// twice in one operation.
func checkChanges(station app.ID, changes []changeRecord) string {
	seen := make(map[slotKey]bool, len(changes))
	for _, c := range changes {
		k := slotKey{c.Day, roster.Post(c.Post)}
		switch {
		case c.Station != station:
			return fmt.Sprintf("a change of %s is of station %s, not %s", c.Day, c.Station, station)
		case c.ID == app.NilID:
			return fmt.Sprintf("the change of the %s post on %s has no id", k.post, c.Day)
		case !c.Day.Valid():
			return "a change has no valid duty day"
		case seen[k]:
			return fmt.Sprintf("the %s post on %s is changed twice", k.post, c.Day)
		}
		if err := k.post.Validate(); err != nil {
			return app.ErrorMessage(err)
		}
		seen[k] = true
	}
	return ""
}

// applyChanges makes each post what its change says, whoever holds it
// here: the station's own roster is the one in force. All posts are
// cleared before any is set, so a person moving between posts of a day
// leaves the old one first. The changes join the audit trail under their
// own ids, so taking them in again writes the same records.
func applyChanges(tx *txn, station app.ID, changes []changeRecord, manual bool) error {
	for _, c := range changes {
		old, found, err := getAssignment(tx, station, c.Day, roster.Post(c.Post))
		if err != nil {
			return err
		}
		if found {
			if err := deleteAssignment(tx, old); err != nil {
				return err
			}
		}
	}
	for _, c := range changes {
		if c.After == app.NilID {
			continue
		}
		a := roster.Assignment{Station: station, Day: c.Day, Post: roster.Post(c.Post), Person: c.After, Manual: manual}
		if err := putAssignment(tx, a); err != nil {
			return err
		}
	}
	return putChanges(tx, changes)
}

func putChanges(tx *txn, changes []changeRecord) error {
	if len(changes) == 0 {
		return nil
	}
	b, err := mustBucket(tx.Tx, bucketRosterChanges)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if _, err := putJSON(b, stationDayIDKey(c.Station, c.Day, c.ID), c); err != nil {
			return err
		}
	}
	return nil
}

func applySpecialOp(tx *txn, op *app.Operation) (string, error) {
	bs, err := buckets(tx, bucketRosterSpecials, bucketRosterSpecialsByStn)
	if err != nil {
		return "", err
	}
	if op.Kind == roster.OpSpecialDelete {
		var id app.ID
		if err := json.Unmarshal(op.Payload, &id); err != nil || id != op.Entity {
			return op.Kind + ": the payload does not name the period the operation names", nil
		}
		p, err := findSpecial(tx, id)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return "", nil
		} else if err != nil {
			return "", err
		}
		if r, err := rosterSender(tx, op, p.Station); r != "" || err != nil {
			return r, err
		}
		if err := bs[0].Delete(idKey(id)); err != nil {
			return "", err
		}
		return "", bs[1].Delete(pairKey(p.Station, id))
	}
	var rec specialRecord
	if err := unmarshalRecord(op.Payload, &rec); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if rec.ID != op.Entity {
		return fmt.Sprintf("%s: the payload is period %s but the operation names %s", op.Kind, rec.ID, op.Entity), nil
	}
	if r, err := rosterSender(tx, op, rec.Station); r != "" || err != nil {
		return r, err
	}
	p := rec.period()
	if err := p.Validate(); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if old, err := findSpecial(tx, p.ID); err == nil && old.Station != p.Station {
		return fmt.Sprintf("%s: period %s belongs to station %s here, not %s", op.Kind, p.ID, old.Station, p.Station), nil
	} else if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	if _, err := putJSON(bs[0], idKey(p.ID), toSpecialRecord(&p)); err != nil {
		return "", err
	}
	return "", bs[1].Put(pairKey(p.Station, p.ID), nil)
}

// applySwapOp keeps the swap request as it now stands and, for an approved
// one, applies the two changes that carry it out.
func applySwapOp(tx *txn, op *app.Operation) (string, error) {
	var p swapPayload
	if op.Kind == roster.OpSwapRequest {
		if err := unmarshalRecord(op.Payload, &p.Swap); err != nil {
			return op.Kind + ": " + app.ErrorMessage(err), nil
		}
	} else if err := unmarshalRecord(op.Payload, &p); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	s := p.Swap.swap()
	if s.ID != op.Entity {
		return fmt.Sprintf("%s: the payload is swap %s but the operation names %s", op.Kind, s.ID, op.Entity), nil
	}
	if r, err := rosterSender(tx, op, s.Station); r != "" || err != nil {
		return r, err
	}
	if err := s.Validate(); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if old, err := findSwap(tx, s.ID); err == nil && old.Station != s.Station {
		return fmt.Sprintf("%s: swap %s belongs to station %s here, not %s", op.Kind, s.ID, old.Station, s.Station), nil
	} else if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	if op.Kind != roster.OpSwapApprove && len(p.Changes) > 0 {
		return op.Kind + ": only an approval changes posts", nil
	}
	if r := checkChanges(s.Station, p.Changes); r != "" {
		return op.Kind + ": " + r, nil
	}
	if err := applyChanges(tx, s.Station, p.Changes, true); err != nil {
		return "", err
	}
	bs, err := buckets(tx, bucketRosterSwaps, bucketRosterSwapsByStation)
	if err != nil {
		return "", err
	}
	if _, err := putJSON(bs[0], idKey(s.ID), toSwapRecord(&s)); err != nil {
		return "", err
	}
	return "", bs[1].Put(pairKey(s.Station, s.ID), nil)
}
