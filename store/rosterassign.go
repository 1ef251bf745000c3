package store

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// An assignment's value is the person's 16 id bytes and a flags byte:
// binary rather than JSON because a month view reads a few hundred of them
// and they are the most numerous records of the file.
const (
	assignmentValueLen = 17
	flagManual         = 1
)

func assignmentValue(a *roster.Assignment) []byte {
	v := make([]byte, assignmentValueLen)
	copy(v, a.Person[:])
	if a.Manual {
		v[16] |= flagManual
	}
	return v
}

func decodeAssignment(k, v []byte) (roster.Assignment, error) {
	if len(k) != assignmentKeyLen || len(v) != assignmentValueLen {
		return roster.Assignment{}, app.Errorf(app.ECORRUPT, "a roster assignment entry has the wrong size; restore a backup")
	}
	var a roster.Assignment
	copy(a.Station[:], k[:16])
	day, err := roster.DateFromKey(k[16:])
	if err != nil {
		return roster.Assignment{}, err
	}
	if a.Post, err = postFromKey(k[16+roster.KeyLen:]); err != nil {
		return roster.Assignment{}, err
	}
	a.Day = day
	copy(a.Person[:], v[:16])
	a.Manual = v[16]&flagManual != 0
	return a, nil
}

// assignmentsRange returns the station's assignments from..to in day and
// post order: one Seek and a walk, whatever the years stored around them.
func assignmentsRange(tx *txn, station app.ID, from, to roster.Date) ([]roster.Assignment, error) {
	b, err := mustBucket(tx.Tx, bucketRosterAssignments)
	if err != nil {
		return nil, err
	}
	end := stationDayKey(station, to.AddDays(1))
	var out []roster.Assignment
	c := b.Cursor()
	for k, v := c.Seek(stationDayKey(station, from)); k != nil && bytes.Compare(k, end) < 0; k, v = c.Next() {
		a, err := decodeAssignment(k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func getAssignment(tx *txn, station app.ID, day roster.Date, post roster.Post) (roster.Assignment, bool, error) {
	b, err := mustBucket(tx.Tx, bucketRosterAssignments)
	if err != nil {
		return roster.Assignment{}, false, err
	}
	k := assignmentKey(station, day, post)
	v := b.Get(k)
	if v == nil {
		return roster.Assignment{}, false, nil
	}
	a, err := decodeAssignment(k, v)
	return a, err == nil, err
}

// personDuties returns the person's assignments from..to at every station,
// by day, from the person index.
func personDuties(tx *txn, person app.ID, from, to roster.Date) ([]roster.Assignment, error) {
	bs, err := buckets(tx, bucketRosterDutiesByPerson, bucketRosterAssignments)
	if err != nil {
		return nil, err
	}
	start := append(idKey(person), from.Key()...)
	end := append(idKey(person), to.AddDays(1).Key()...)
	var out []roster.Assignment
	c := bs[0].Cursor()
	for k, _ := c.Seek(start); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
		if len(k) != 16+roster.KeyLen+16+postKeyLen {
			return nil, app.Errorf(app.ECORRUPT, "a duty index entry has the wrong size; restore a backup")
		}
		// The index key holds the assignment key after the person id, with
		// day and station swapped; rebuild it to read the manual flag.
		ak := make([]byte, 0, assignmentKeyLen)
		ak = append(ak, k[16+roster.KeyLen:16+roster.KeyLen+16]...)
		ak = append(ak, k[16:16+roster.KeyLen]...)
		ak = append(ak, k[16+roster.KeyLen+16:]...)
		v := bs[1].Get(ak)
		if v == nil {
			return nil, app.Errorf(app.ECORRUPT, "the duty index names an assignment that is not stored; restore a backup")
		}
		a, err := decodeAssignment(ak, v)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// putAssignment stores a, replacing whoever held the post, and keeps the
// person index in step.
func putAssignment(tx *txn, a roster.Assignment) error {
	bs, err := buckets(tx, bucketRosterAssignments, bucketRosterDutiesByPerson)
	if err != nil {
		return err
	}
	old, found, err := getAssignment(tx, a.Station, a.Day, a.Post)
	if err != nil {
		return err
	}
	if found && old.Person != a.Person {
		if err := bs[1].Delete(personDutyKey(old.Person, old.Day, old.Station, old.Post)); err != nil {
			return err
		}
	}
	if err := bs[0].Put(assignmentKey(a.Station, a.Day, a.Post), assignmentValue(&a)); err != nil {
		return err
	}
	return bs[1].Put(personDutyKey(a.Person, a.Day, a.Station, a.Post), nil)
}

func deleteAssignment(tx *txn, a roster.Assignment) error {
	bs, err := buckets(tx, bucketRosterAssignments, bucketRosterDutiesByPerson)
	if err != nil {
		return err
	}
	if err := bs[0].Delete(assignmentKey(a.Station, a.Day, a.Post)); err != nil {
		return err
	}
	return bs[1].Delete(personDutyKey(a.Person, a.Day, a.Station, a.Post))
}

// Assignments returns the station's assignments from..to in day and post
// order. ENOTFOUND for an unknown station, EINVALID for a bad range.
func (r *Rosters) Assignments(ctx context.Context, station app.ID, from, to roster.Date) ([]roster.Assignment, error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	var out []roster.Assignment
	err := r.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		var err error
		out, err = assignmentsRange(tx, station, from, to)
		return err
	})
	return out, err
}

// PersonDuties returns a person's assignments from..to at every station,
// by day. EINVALID for a bad range.
func (r *Rosters) PersonDuties(ctx context.Context, person app.ID, from, to roster.Date) ([]roster.Assignment, error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	var out []roster.Assignment
	err := r.db.view(ctx, func(tx *txn) (err error) {
		out, err = personDuties(tx, person, from, to)
		return err
	})
	return out, err
}

func checkRange(from, to roster.Date) error {
	switch {
	case !from.Valid():
		return app.FieldErrorf("from", "a valid start date is required")
	case !to.Valid():
		return app.FieldErrorf("to", "a valid end date is required")
	case to.Before(from):
		return app.FieldErrorf("to", "%s is before %s", to, from)
	}
	return nil
}

// SetAssignment puts a person on a post by hand (Manual is forced true),
// recording a Change with the reason when the holder changes. It returns
// roster.CheckAssignment's warnings, and on a published month the people to
// notify. EINVALID (bad post, role not held), ENOTFOUND (unknown station
// or person), ECONFLICT (another post that day, away), EFORBIDDEN.
func (r *Rosters) SetAssignment(ctx context.Context, a roster.Assignment, reason string) (warnings []string, notify []app.ID, err error) {
	a.Manual = true
	if err := a.Validate(); err != nil {
		return nil, nil, err
	}
	err = r.db.update(ctx, func(tx *txn) error {
		st, err := dutyRoomStation(tx, a.Station)
		if err != nil {
			return err
		}
		p, err := findPersonByID(tx, a.Person)
		if err != nil {
			return &app.Error{Code: app.ErrorCode(err), Field: "person", Message: app.ErrorMessage(err)}
		}
		settings, err := settingsOf(tx, a.Station)
		if err != nil {
			return err
		}
		rest := settings.MinRestDays
		duties, err := personDuties(tx, a.Person, a.Day.AddDays(-rest), a.Day.AddDays(rest))
		if err != nil {
			return err
		}
		away, err := absences(tx, roster.AbsenceFilter{Person: &a.Person, From: &a.Day, To: &a.Day})
		if err != nil {
			return err
		}
		if warnings, err = roster.CheckAssignment(a, &p, duties, away, rest); err != nil {
			return err
		}
		old, found, err := getAssignment(tx, a.Station, a.Day, a.Post)
		if err != nil {
			return err
		}
		if found && old.Person == a.Person && old.Manual {
			return nil // nothing changes
		}
		if err := putAssignment(tx, a); err != nil {
			return err
		}
		payload := assignPayload{Station: a.Station, Day: a.Day, Post: postText(a.Post), Person: a.Person, Manual: true}
		var changes []roster.Change
		if !found || old.Person != a.Person {
			changes = []roster.Change{{Station: a.Station, Day: a.Day, Post: a.Post, Before: old.Person, After: a.Person, Reason: reason}}
			if err := recordChanges(tx, changes); err != nil {
				return err
			}
			rec := toChangeRecord(&changes[0])
			payload.Change = &rec
		}
		buf, err := marshalPayload(payload)
		if err != nil {
			return err
		}
		if _, err := appendOp(tx, roster.OpAssign, a.Station, buf); err != nil {
			return err
		}
		notify, err = noticeChanges(tx, st, changes)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return warnings, notify, nil
}

// assignPayload is the operation of one post set or cleared by hand.
type assignPayload struct {
	Station app.ID        `json:"station"`
	Day     roster.Date   `json:"day"`
	Post    postText      `json:"post"`
	Person  app.ID        `json:"person,omitzero"` // NilID when cleared
	Manual  bool          `json:"manual,omitempty"`
	Change  *changeRecord `json:"change,omitempty"`
}

// ClearAssignment empties a post and records a Change. ENOTFOUND when the
// post is empty, EFORBIDDEN. On a published month it returns the people to
// notify.
func (r *Rosters) ClearAssignment(ctx context.Context, station app.ID, day roster.Date, post roster.Post, reason string) (notify []app.ID, err error) {
	if err := post.Validate(); err != nil {
		return nil, err
	}
	if !day.Valid() {
		return nil, app.FieldErrorf("day", "a valid duty day is required")
	}
	err = r.db.update(ctx, func(tx *txn) error {
		st, err := dutyRoomStation(tx, station)
		if err != nil {
			return err
		}
		old, found, err := getAssignment(tx, station, day, post)
		if err != nil {
			return err
		}
		if !found {
			return app.Errorf(app.ENOTFOUND, "no one holds the %s post on %s", post, day)
		}
		if err := deleteAssignment(tx, old); err != nil {
			return err
		}
		changes := []roster.Change{{Station: station, Day: day, Post: post, Before: old.Person, Reason: reason}}
		if err := recordChanges(tx, changes); err != nil {
			return err
		}
		rec := toChangeRecord(&changes[0])
		buf, err := marshalPayload(assignPayload{Station: station, Day: day, Post: postText(post), Change: &rec})
		if err != nil {
			return err
		}
		if _, err := appendOp(tx, roster.OpUnassign, station, buf); err != nil {
			return err
		}
		notify, err = noticeChanges(tx, st, changes)
		return err
	})
	return notify, err
}

// recordChanges gives each change its id, time and author and appends it to
// the audit trail of its day.
func recordChanges(tx *txn, changes []roster.Change) error {
	b, err := mustBucket(tx.Tx, bucketRosterChanges)
	if err != nil {
		return err
	}
	author := app.AuthorFrom(tx.ctx)
	for i := range changes {
		c := &changes[i]
		c.ID, c.At, c.Author = app.NewID(), tx.now, author
		if _, err := putJSON(b, stationDayIDKey(c.Station, c.Day, c.ID), toChangeRecord(c)); err != nil {
			return err
		}
	}
	return nil
}

// History returns the audit trail of a station's duty day, oldest first.
// ENOTFOUND for an unknown station.
func (r *Rosters) History(ctx context.Context, station app.ID, day roster.Date) ([]roster.Change, error) {
	var out []roster.Change
	err := r.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		b, err := mustBucket(tx.Tx, bucketRosterChanges)
		if err != nil {
			return err
		}
		prefix := stationDayKey(station, day)
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var rec changeRecord
			if err := decodeJSON(v, &rec, "a change of "+day.String()); err != nil {
				return err
			}
			out = append(out, rec.change())
		}
		return nil
	})
	// Change ids are uuid v7, so key order is already time order; the sort
	// only settles changes made in the same transaction by post.
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, err
}

// SaveGenerated replaces the station's non-manual assignments from..to with
// as, recording a Change per post that differs. EINVALID for assignments
// outside the range or station, a post given twice, a person on two posts
// of a day or in a role they do not hold; ENOTFOUND for an unknown person;
// ECONFLICT when a manual assignment changed since generating or a person
// is on duty at another station that day; EFORBIDDEN. On published months
// it returns the people to notify.
func (r *Rosters) SaveGenerated(ctx context.Context, station app.ID, from, to roster.Date, as []roster.Assignment) (notify []app.ID, err error) {
	if err := checkRange(from, to); err != nil {
		return nil, err
	}
	err = r.db.update(ctx, func(tx *txn) error {
		st, err := dutyRoomStation(tx, station)
		if err != nil {
			return err
		}
		notify, err = saveGenerated(tx, st, from, to, as, "generated")
		return err
	})
	return notify, err
}

type slotKey struct {
	day  roster.Date
	post roster.Post
}

type personDay struct {
	person app.ID
	day    roster.Date
}

func saveGenerated(tx *txn, st app.Station, from, to roster.Date, as []roster.Assignment, reason string) ([]app.ID, error) {
	existing, err := assignmentsRange(tx, st.ID, from, to)
	if err != nil {
		return nil, err
	}
	stored := make(map[slotKey]roster.Assignment, len(existing))
	for _, e := range existing {
		stored[slotKey{e.Day, e.Post}] = e
	}
	people := personCache{tx: tx}
	changed := func(a roster.Assignment) error {
		return app.Errorf(app.ECONFLICT, "the %s post on %s was set by hand since the roster was generated; generate again", a.Post, a.Day)
	}
	seen := make(map[slotKey]bool, len(as))
	busy := make(map[personDay]bool, len(as))
	for _, a := range as {
		switch {
		case a.Station != st.ID:
			return nil, app.FieldErrorf("station", "an assignment on %s is for another station than %s", a.Day, st.Name)
		case !a.Day.Within(from, to):
			return nil, app.FieldErrorf("day", "an assignment on %s lies outside %s to %s", a.Day, from, to)
		}
		if err := a.Validate(); err != nil {
			return nil, err
		}
		k := slotKey{a.Day, a.Post}
		if seen[k] {
			return nil, app.FieldErrorf("post", "the %s post on %s is given twice", a.Post, a.Day)
		}
		seen[k] = true
		p, err := people.find(a.Person)
		if err != nil {
			return nil, err
		}
		if busy[personDay{a.Person, a.Day}] {
			return nil, app.FieldErrorf("person", "%s is given two posts on %s", p.Name, a.Day)
		}
		busy[personDay{a.Person, a.Day}] = true
		s, held := stored[k]
		if a.Manual != (held && s.Manual) || a.Manual && s.Person != a.Person {
			return nil, changed(a)
		}
		if !a.Manual && !p.Has(a.Post.Role) {
			return nil, app.FieldErrorf("person", "%s may not take the %s post (%s)", p.Name, a.Post.Role, a.Day)
		}
	}
	for _, e := range existing {
		if e.Manual && !seen[slotKey{e.Day, e.Post}] {
			return nil, changed(e)
		}
	}
	return applyBatch(tx, st, existing, as, reason, roster.OpGenerate)
}

// applyBatch makes the station's posts of a checked range what as says:
// posts that change holder or manual flag are written, posts missing from as
// cleared. It records a Change per post whose holder differs and one
// operation per month touched (months are what an office drafts and
// publishes, and it bounds the size of one operation), and returns the
// people to notify on published months.
func applyBatch(tx *txn, st app.Station, existing, as []roster.Assignment, reason, kind string) ([]app.ID, error) {
	stored := make(map[slotKey]roster.Assignment, len(existing))
	for _, e := range existing {
		stored[slotKey{e.Day, e.Post}] = e
	}
	people := personCache{tx: tx}
	for _, a := range as {
		if s, ok := stored[slotKey{a.Day, a.Post}]; ok && s.Person == a.Person {
			if s.Manual != a.Manual {
				if err := putAssignment(tx, a); err != nil {
					return nil, err
				}
			}
			continue
		}
		duties, err := personDuties(tx, a.Person, a.Day, a.Day)
		if err != nil {
			return nil, err
		}
		for _, d := range duties {
			if d.Station != st.ID {
				p, _ := people.find(a.Person)
				return nil, app.Errorf(app.ECONFLICT, "%s is on duty at another station on %s", p.Name, a.Day)
			}
		}
	}
	changes := roster.Diff(existing, as)
	byPost := make(map[slotKey]roster.Assignment, len(as))
	for _, a := range as {
		byPost[slotKey{a.Day, a.Post}] = a
	}
	// Clear first: a person who moves from one post of a day to another
	// must leave the old one before taking the new.
	for _, c := range changes {
		if old, ok := stored[slotKey{c.Day, c.Post}]; ok {
			if err := deleteAssignment(tx, old); err != nil {
				return nil, err
			}
		}
	}
	for i := range changes {
		c := &changes[i]
		c.Reason = reason
		if c.After != app.NilID {
			if err := putAssignment(tx, byPost[slotKey{c.Day, c.Post}]); err != nil {
				return nil, err
			}
		}
	}
	if len(changes) == 0 {
		return nil, nil
	}
	if err := recordChanges(tx, changes); err != nil {
		return nil, err
	}
	for start := 0; start < len(changes); {
		m := roster.MonthOf(changes[start].Day)
		end := start
		for end < len(changes) && roster.MonthOf(changes[end].Day) == m {
			end++
		}
		payload := batchPayload{Station: st.ID, Month: m, Reason: reason, Manual: kind == roster.OpImport}
		for i := start; i < end; i++ {
			payload.Changes = append(payload.Changes, toChangeRecord(&changes[i]))
		}
		buf, err := marshalPayload(payload)
		if err != nil {
			return nil, err
		}
		if _, err := appendOp(tx, kind, st.ID, buf); err != nil {
			return nil, err
		}
		start = end
	}
	return noticeChanges(tx, st, changes)
}

// batchPayload is the operation of a month's generated or imported posts:
// the changes to apply, each naming its post's holder before and after.
type batchPayload struct {
	Station app.ID         `json:"station"`
	Month   roster.Month   `json:"month"`
	Reason  string         `json:"reason,omitempty"`
	Manual  bool           `json:"manual,omitempty"` // the posts it sets were set by hand (imported)
	Changes []changeRecord `json:"changes"`
}

// personCache looks people up once per transaction.
type personCache struct {
	tx   *txn
	byID map[app.ID]*app.Person
}

func (c *personCache) find(id app.ID) (*app.Person, error) {
	if p, ok := c.byID[id]; ok {
		return p, nil
	}
	p, err := findPersonByID(c.tx, id)
	if err != nil {
		return nil, &app.Error{Code: app.ErrorCode(err), Field: "person", Message: app.ErrorMessage(err)}
	}
	if c.byID == nil {
		c.byID = map[app.ID]*app.Person{}
	}
	c.byID[id] = &p
	return &p, nil
}

// name returns the person's name, or a placeholder for someone who has left
// the directory, so a message about an old change still reads.
// holder is the name of whoever holds a post, "" for nobody: for the
// notice's facts, which the window words in the reader's language.
func (c *personCache) holder(id app.ID) string {
	if id == app.NilID {
		return ""
	}
	return c.name(id)
}

func (c *personCache) name(id app.ID) string {
	if id == app.NilID {
		return "(empty)"
	}
	if p, err := c.find(id); err == nil {
		return p.Name
	}
	return "(" + id.String()[:8] + ")"
}

func monthOf(tx *txn, station app.ID, m roster.Month) (roster.Roster, error) {
	b, err := mustBucket(tx.Tx, bucketRosterMonths)
	if err != nil {
		return roster.Roster{}, err
	}
	var rec monthRecord
	found, err := getJSON(b, monthKey(station, m), &rec, "the roster of "+m.String())
	if err != nil {
		return roster.Roster{}, err
	}
	if !found {
		return roster.Roster{Station: station, Month: m, State: roster.StateDraft}, nil
	}
	return rec.roster(), nil
}

// noticeChanges keeps a notice for everyone a change to a published month
// gives or takes a duty, and returns them (roster.Affected). Changes to
// drafts notify no one: nobody has been told those duties yet.
func noticeChanges(tx *txn, st app.Station, changes []roster.Change) ([]app.ID, error) {
	var published []roster.Change
	state := map[roster.Month]roster.State{}
	for _, c := range changes {
		m := roster.MonthOf(c.Day)
		if _, ok := state[m]; !ok {
			r, err := monthOf(tx, st.ID, m)
			if err != nil {
				return nil, err
			}
			state[m] = r.State
		}
		if state[m] == roster.StatePublished {
			published = append(published, c)
		}
	}
	people := personCache{tx: tx}
	var notices []roster.Notice
	for _, c := range published {
		msg := fmt.Sprintf("%s %s %s: %s → %s", st.Name, c.Day, c.Post, people.name(c.Before), people.name(c.After))
		if c.Reason != "" {
			msg += " (" + c.Reason + ")"
		}
		facts := roster.NoticeFacts{Before: people.holder(c.Before), After: people.holder(c.After), Reason: c.Reason}
		for _, id := range []app.ID{c.Before, c.After} {
			if id != app.NilID {
				notices = append(notices, roster.Notice{Person: id, Station: st.ID, Kind: roster.NoticeChanged,
					Month: roster.MonthOf(c.Day), Day: c.Day, Post: c.Post, Message: msg, Facts: facts})
			}
		}
	}
	if err := putNotices(tx, notices); err != nil {
		return nil, err
	}
	return roster.Affected(published), nil
}

func putNotices(tx *txn, notices []roster.Notice) error {
	if len(notices) == 0 {
		return nil
	}
	b, err := mustBucket(tx.Tx, bucketRosterNotices)
	if err != nil {
		return err
	}
	for i := range notices {
		n := &notices[i]
		n.ID, n.At = app.NewID(), tx.now
		if _, err := putJSON(b, pairKey(n.Person, n.ID), toNoticeRecord(n)); err != nil {
			return err
		}
	}
	return nil
}

// Notices returns a person's notices, newest first.
func (r *Rosters) Notices(ctx context.Context, person app.ID, unreadOnly bool) ([]roster.Notice, error) {
	var out []roster.Notice
	err := r.db.view(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketRosterNotices)
		if err != nil {
			return err
		}
		prefix := idKey(person)
		c := b.Cursor()
		// Notice ids are uuid v7: walking the person's keys backwards is
		// newest first.
		last := pairKey(person, uuidMax)
		k, v := c.Seek(last)
		if k == nil {
			k, v = c.Last()
		} else if !bytes.Equal(k, last) {
			k, v = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			var rec noticeRecord
			if err := decodeJSON(v, &rec, "a notice"); err != nil {
				return err
			}
			if unreadOnly && rec.Read {
				continue
			}
			out = append(out, rec.notice())
		}
		return nil
	})
	return out, err
}

var uuidMax = app.ID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// MarkNoticeRead marks one notice read. Notices are this client's own
// reminders, not shared records, so no operation is queued. ENOTFOUND.
func (r *Rosters) MarkNoticeRead(ctx context.Context, person, id app.ID) error {
	return r.db.update(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketRosterNotices)
		if err != nil {
			return err
		}
		var rec noticeRecord
		found, err := getJSON(b, pairKey(person, id), &rec, "notice "+id.String())
		if err != nil {
			return err
		}
		if !found {
			return app.Errorf(app.ENOTFOUND, "notice %s not found", id)
		}
		if rec.Read {
			return nil
		}
		rec.Read = true
		_, err = putJSON(b, pairKey(person, id), rec)
		return err
	})
}

// Roster returns a month's roster, a draft while nothing was published.
// ENOTFOUND for an unknown station, EINVALID for a bad month.
func (r *Rosters) Roster(ctx context.Context, station app.ID, m roster.Month) (*roster.Roster, error) {
	if !m.Valid() {
		return nil, app.FieldErrorf("month", "%s is not a valid month", m)
	}
	var out roster.Roster
	err := r.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		var err error
		out, err = monthOf(tx, station, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Publish puts the month in force and returns every person with a duty in
// it, each of whom gets a notice listing their duties. EINVALID when posts
// of the station's templates are empty, unless allowGaps; ENOTFOUND,
// EFORBIDDEN.
func (r *Rosters) Publish(ctx context.Context, station app.ID, m roster.Month, allowGaps bool) (notify []app.ID, err error) {
	if !m.Valid() {
		return nil, app.FieldErrorf("month", "%s is not a valid month", m)
	}
	err = r.db.update(ctx, func(tx *txn) error {
		st, err := dutyRoomStation(tx, station)
		if err != nil {
			return err
		}
		as, err := assignmentsRange(tx, station, m.First(), m.Last())
		if err != nil {
			return err
		}
		if !allowGaps {
			gaps, err := emptyPosts(tx, station, m, as)
			if err != nil {
				return err
			}
			if len(gaps) > 0 {
				return app.Errorf(app.EINVALID, "%d posts of %s are empty, the first on %s (%s); fill them, or publish with gaps allowed",
					len(gaps), m, gaps[0].day, gaps[0].post)
			}
		}
		rec := roster.Roster{Station: station, Month: m, State: roster.StatePublished, PublishedAt: tx.now, PublishedBy: app.AuthorFrom(tx.ctx)}
		b, err := mustBucket(tx.Tx, bucketRosterMonths)
		if err != nil {
			return err
		}
		buf, err := putJSON(b, monthKey(station, m), toMonthRecord(&rec))
		if err != nil {
			return err
		}
		if _, err := appendOp(tx, roster.OpPublish, station, buf); err != nil {
			return err
		}
		notify, err = noticePublished(tx, st, m, as)
		return err
	})
	return notify, err
}

// emptyPosts lists the posts of the month's templates that no one holds.
func emptyPosts(tx *txn, station app.ID, m roster.Month, as []roster.Assignment) ([]slotKey, error) {
	settings, err := settingsOf(tx, station)
	if err != nil {
		return nil, err
	}
	specials, err := specialsOf(tx, station)
	if err != nil {
		return nil, err
	}
	cal, err := calendarOf(tx)
	if err != nil {
		return nil, err
	}
	held := make(map[slotKey]bool, len(as))
	for _, a := range as {
		held[slotKey{a.Day, a.Post}] = true
	}
	var gaps []slotKey
	for d := m.First(); !d.After(m.Last()); d = d.AddDays(1) {
		for _, p := range settings.TemplateFor(roster.Classify(cal, specials, d)).Posts() {
			if !held[slotKey{d, p}] {
				gaps = append(gaps, slotKey{d, p})
			}
		}
	}
	return gaps, nil
}

func noticePublished(tx *txn, st app.Station, m roster.Month, as []roster.Assignment) ([]app.ID, error) {
	duties := map[app.ID][]string{}
	slots := map[app.ID][]roster.NamedSlot{}
	var order []app.ID
	for _, a := range as {
		if _, ok := duties[a.Person]; !ok {
			order = append(order, a.Person)
		}
		duties[a.Person] = append(duties[a.Person], a.Day.String()+" "+a.Post.String())
		slots[a.Person] = append(slots[a.Person], roster.NamedSlot{Day: a.Day, Post: a.Post})
	}
	sort.Slice(order, func(i, j int) bool { return bytes.Compare(order[i][:], order[j][:]) < 0 })
	notices := make([]roster.Notice, 0, len(order))
	for _, id := range order {
		notices = append(notices, roster.Notice{Person: id, Station: st.ID, Kind: roster.NoticePublished, Month: m,
			Message: fmt.Sprintf("%s roster for %s published; your duties: %s", st.Name, m, strings.Join(duties[id], ", ")),
			Facts:   roster.NoticeFacts{Duties: slots[id]}})
	}
	return order, putNotices(tx, notices)
}

// ImportAssignments makes the station's posts from..to exactly as, every one
// set by hand: a roster read from a file the office wrote. Each assignment
// is checked as SetAssignment checks it, against the batch itself and the
// duties and absences stored, and nothing is stored unless all pass. It
// records a Change per post whose holder differs and one operation per
// month. EINVALID (an assignment outside the range or station, a post given
// twice, a role not held), ENOTFOUND (unknown station or person), ECONFLICT
// (two posts of a day, away, on duty at another station), EFORBIDDEN.
// Returns the rest warnings, and the people to notify on published months.
func (r *Rosters) ImportAssignments(ctx context.Context, station app.ID, from, to roster.Date, as []roster.Assignment, reason string) (warnings []string, notify []app.ID, err error) {
	if err := checkRange(from, to); err != nil {
		return nil, nil, err
	}
	batch := make([]roster.Assignment, len(as))
	for i, a := range as {
		a.Manual = true
		batch[i] = a
	}
	err = r.db.update(ctx, func(tx *txn) error {
		st, err := dutyRoomStation(tx, station)
		if err != nil {
			return err
		}
		settings, err := settingsOf(tx, station)
		if err != nil {
			return err
		}
		rest := settings.MinRestDays
		people := personCache{tx: tx}
		mine := map[app.ID][]roster.Assignment{} // each person's duties in the batch
		seen := make(map[slotKey]bool, len(batch))
		for _, a := range batch {
			switch {
			case a.Station != st.ID:
				return app.FieldErrorf("station", "an assignment on %s is for another station than %s", a.Day, st.Name)
			case !a.Day.Within(from, to):
				return app.FieldErrorf("day", "an assignment on %s lies outside %s to %s", a.Day, from, to)
			}
			if err := a.Validate(); err != nil {
				return err
			}
			if k := (slotKey{a.Day, a.Post}); seen[k] {
				return app.FieldErrorf("post", "the %s post on %s is given twice", a.Post, a.Day)
			} else {
				seen[k] = true
			}
			mine[a.Person] = append(mine[a.Person], a)
		}
		for _, a := range batch {
			p, err := people.find(a.Person)
			if err != nil {
				return err
			}
			// What counts against the person: their duties in the batch and,
			// from the store, every duty around the day except this
			// station's in the range, which the batch replaces.
			stored, err := personDuties(tx, a.Person, a.Day.AddDays(-rest), a.Day.AddDays(rest))
			if err != nil {
				return err
			}
			duties := mine[a.Person]
			for _, d := range stored {
				if d.Station != st.ID || !d.Day.Within(from, to) {
					duties = append(duties, d)
				}
			}
			away, err := absences(tx, roster.AbsenceFilter{Person: &a.Person, From: &a.Day, To: &a.Day})
			if err != nil {
				return err
			}
			w, err := roster.CheckAssignment(a, p, duties, away, rest)
			if err != nil {
				return fmt.Errorf("%s %s: %w", a.Day, a.Post, err)
			}
			warnings = append(warnings, w...)
		}
		existing, err := assignmentsRange(tx, station, from, to)
		if err != nil {
			return err
		}
		roster.SortAssignments(batch)
		notify, err = applyBatch(tx, st, existing, batch, reason, roster.OpImport)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return warnings, notify, nil
}
