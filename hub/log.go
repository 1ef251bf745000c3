package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// logged is an operation just written to the log, as the connection table
// needs it to deliver: where it sits, whose it is, who reads it, and its
// delivery item already encoded.
type logged struct {
	pos       uint64
	origin    app.ID
	audiences []Audience
	item      []byte // {"pos":N,"op":{...}}
	op        *app.Operation
}

// txState carries what one writing transaction knows beyond bbolt: the
// station tree (changed by station operations inside it), the head of the
// log, and what it logged.
type txState struct {
	router      Router
	tree        *app.Tree
	head        uint64
	now         time.Time
	logged      []logged
	treeChanged bool
}

func newTxState(tx *bolt.Tx, router Router, now time.Time) (*txState, error) {
	st := &txState{router: router, now: now, head: lastPosition(tx)}
	if err := st.reloadTree(tx); err != nil {
		return nil, err
	}
	st.treeChanged = false
	return st, nil
}

func (st *txState) reloadTree(tx *bolt.Tx) error {
	list, err := allStations(tx)
	if err != nil {
		return err
	}
	st.tree = app.NewTree(list)
	st.treeChanged = true
	return nil
}

func lastPosition(tx *bolt.Tx) uint64 {
	k, _ := bucket(tx, bucketLog).Cursor().Last()
	pos, _ := u64Value(k)
	return pos
}

// feedKey is the index entry of one audience at one position.
func feedKey(a Audience, pos uint64) []byte {
	k := a.key()
	key := make([]byte, 0, 25)
	key = append(key, k[:]...)
	return append(key, u64Key(pos)...)
}

// append writes op at the next position, marks its id, and files it under
// each audience. The feed entry holds the origin, so readers can skip
// their own operations without decoding them.
func (st *txState) append(tx *bolt.Tx, op *app.Operation, audiences []Audience) error {
	raw, err := json.Marshal(op)
	if err != nil {
		return err
	}
	pos := st.head + 1
	logB := bucket(tx, bucketLog)
	logB.FillPercent = 0.95 // positions only grow: pack pages full
	if err := logB.Put(u64Key(pos), raw); err != nil {
		return err
	}
	if err := bucket(tx, bucketOpIDs).Put(op.ID[:], u64Key(pos)); err != nil {
		return err
	}
	if err := putOwnSeq(tx, op, pos); err != nil {
		return err
	}
	feeds := bucket(tx, bucketFeeds)
	for _, a := range audiences {
		if err := feeds.Put(feedKey(a, pos), op.Origin[:]); err != nil {
			return err
		}
	}
	st.head = pos
	st.logged = append(st.logged, logged{pos: pos, origin: op.Origin, audiences: audiences, item: deliveryItem(pos, raw), op: op})
	return nil
}

func deliveryItem(pos uint64, rawOp []byte) []byte {
	item := make([]byte, 0, len(rawOp)+32)
	item = append(item, `{"pos":`...)
	item = strconv.AppendUint(item, pos, 10)
	item = append(item, `,"op":`...)
	item = append(item, rawOp...)
	return append(item, '}')
}

// pushResult is the outcome of one push: every seq up to through is
// stored or refused; refused lists the refusals; stop, when set, ended the
// push early (a seq conflict or gap) and the rest was not looked at.
type pushResult struct {
	through uint64
	refused []*wire.Error
	stored  int
	dups    int
	stop    *wire.Error
}

// applyPush stores a push from one station. The caller has checked that
// every operation's origin is the station. Each operation is:
//   - a duplicate (its id is known): skipped, so resending is harmless;
//   - the next seq: authorised, routed and logged, or refused, which
//     consumes the seq so the station's stream goes on;
//   - anything else: a conflict or a gap, which stops the push.
//
// Only an I/O failure returns an error, and it aborts the transaction.
func applyPush(tx *bolt.Tx, st *txState, station app.ID, ops []app.Operation) (pushResult, error) {
	origins := bucket(tx, bucketOrigins)
	opIDs := bucket(tx, bucketOpIDs)
	last, _ := u64Value(origins.Get(station[:]))
	var res pushResult
	for i := range ops {
		op := &ops[i]
		if raw := opIDs.Get(op.ID[:]); raw != nil {
			if op.Seq > last {
				res.stop = &wire.Error{Code: wire.CodeConflict, Op: op.ID, Seq: op.Seq,
					Message: fmt.Sprintf("operation %s is already stored under an earlier seq, not %d", op.ID, op.Seq)}
				break
			}
			res.dups++
			continue
		}
		if op.Seq <= last {
			res.stop = &wire.Error{Code: wire.CodeConflict, Op: op.ID, Seq: op.Seq,
				Message: fmt.Sprintf("seq %d of this station already holds another operation; was this data folder restored from an older backup? Its changes after the backup cannot be sent", op.Seq)}
			break
		}
		if op.Seq > last+1 {
			res.stop = &wire.Error{Code: wire.CodeOutOfOrder, Op: op.ID, Seq: op.Seq,
				Message: fmt.Sprintf("seq %d follows %d: operations %d to %d are missing; send from %d", op.Seq, last, last+1, op.Seq-1, last+1)}
			break
		}
		last = op.Seq
		if err := origins.Put(station[:], u64Key(last)); err != nil {
			return res, err
		}
		audiences, refusal, err := admit(tx, st, op)
		if err != nil {
			return res, err
		}
		if refusal != nil {
			refusal.Op, refusal.Seq = op.ID, op.Seq
			res.refused = append(res.refused, refusal)
			// Remember the id, so that resending the refused operation is
			// a harmless duplicate, not a seq conflict.
			if err := opIDs.Put(op.ID[:], u64Key(0)); err != nil {
				return res, err
			}
			if err := putOwnSeq(tx, op, 0); err != nil {
				return res, err
			}
			continue
		}
		if err := st.append(tx, op, audiences); err != nil {
			return res, err
		}
		res.stored++
	}
	res.through = last
	return res, nil
}

// admit authorises an operation, applies its effect on the hub's own
// directory, and routes it. A refusal is returned, not an error: it
// concerns the operation only. Only the owning station and its ancestors
// may change a record (DESIGN.md, "Identity, time, ownership").
func admit(tx *bolt.Tx, st *txState, op *app.Operation) ([]Audience, *wire.Error, error) {
	tree := st.tree
	if tree.Station(op.Origin) == nil {
		return nil, wire.Errorf(wire.CodeForbidden, "station %s is not in the hub's tree", op.Origin), nil
	}
	subject := op.Origin
	var effect func() error
	switch op.Kind {
	case app.OpStationCreate, app.OpStationUpdate:
		s, err := decodeStation(op.Payload)
		if err == nil {
			err = s.Validate()
		}
		if err != nil {
			return nil, wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err)), nil
		}
		if s.ID != op.Entity {
			return nil, wire.Errorf(wire.CodeInvalid, "%s: the payload is station %s but the operation names %s", op.Kind, s.ID, op.Entity), nil
		}
		if refusal := checkStationChange(tree, op, &s); refusal != nil {
			return nil, refusal, nil
		}
		if other := stationByCode(tree, s.Code); other != nil && other.ID != s.ID {
			return nil, wire.Errorf(wire.CodeInvalid, "%s: station code %s is already used by %s", op.Kind, s.Code, other.Name), nil
		}
		effect = func() error {
			payload, err := encodeStation(&s)
			if err != nil {
				return err
			}
			if err := bucket(tx, bucketStations).Put(s.ID[:], payload); err != nil {
				return err
			}
			return st.reloadTree(tx)
		}
	case app.OpStationDelete:
		s := tree.Station(op.Entity)
		switch {
		case s == nil:
			return nil, wire.Errorf(wire.CodeInvalid, "station.delete: no station %s", op.Entity), nil
		case !tree.IsWithin(s.ID, op.Origin) || s.ID == op.Origin:
			return nil, wire.Errorf(wire.CodeForbidden, "station.delete: %s (%s) may be deleted only by a station above it", s.Name, s.Code), nil
		case len(tree.Children(s.ID)) > 0:
			return nil, wire.Errorf(wire.CodeInvalid, "station.delete: %s (%s) still has stations under it", s.Name, s.Code), nil
		}
		effect = func() error {
			if err := bucket(tx, bucketStations).Delete(s.ID[:]); err != nil {
				return err
			}
			return st.reloadTree(tx)
		}
	case app.OpPersonCreate, app.OpPersonUpdate:
		var p app.Person
		err := decodeObject(op.Payload, &p)
		if err == nil {
			err = p.Validate()
		}
		if err != nil {
			return nil, wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err)), nil
		}
		if p.ID != op.Entity {
			return nil, wire.Errorf(wire.CodeInvalid, "%s: the payload is person %s but the operation names %s", op.Kind, p.ID, op.Entity), nil
		}
		if tree.Station(p.Station) == nil {
			return nil, wire.Errorf(wire.CodeInvalid, "%s: %s belongs to station %s, which this hub does not know", op.Kind, p.Name, p.Station), nil
		}
		old, known := personStation(tx, p.ID)
		if !tree.IsWithin(p.Station, op.Origin) || (known && !tree.IsWithin(old, op.Origin)) {
			return nil, wire.Errorf(wire.CodeForbidden, "%s: %s belongs to another station; only that station and those above it may change it", op.Kind, p.Name), nil
		}
		subject = p.Station
		effect = func() error { return bucket(tx, bucketPersons).Put(p.ID[:], p.Station[:]) }
	case app.OpPersonDelete:
		station, known := personStation(tx, op.Entity)
		if known {
			if !tree.IsWithin(station, op.Origin) {
				return nil, wire.Errorf(wire.CodeForbidden, "person.delete: person %s belongs to another station", op.Entity), nil
			}
			subject = station
		}
		effect = func() error { return bucket(tx, bucketPersons).Delete(op.Entity[:]) }
	}
	audiences, err := st.router.Route(tree, op, subject)
	if err != nil {
		return nil, wire.Errorf(wire.CodeInvalid, "%s", app.ErrorMessage(err)), nil
	}
	if effect != nil {
		if err := effect(); err != nil {
			return nil, nil, err
		}
	}
	return audiences, nil, nil
}

// checkStationChange applies the ownership rule to a station create or
// update: a new station goes under the origin or below it, in its proper
// tier; an existing one is changed by itself or a station above it, and
// keeps its tier and parent.
func checkStationChange(tree *app.Tree, op *app.Operation, s *app.Station) *wire.Error {
	old := tree.Station(s.ID)
	if op.Kind == app.OpStationCreate {
		if old != nil {
			return wire.Errorf(wire.CodeInvalid, "station.create: station %s already exists (%s)", s.ID, old.Name)
		}
		if s.Tier == app.TierPrefecture {
			return wire.Errorf(wire.CodeForbidden, "station.create: a prefecture is added with dutyhub station import, not by a client")
		}
		if err := app.CheckPlacement(s, tree.Station(s.Parent)); err != nil {
			return wire.Errorf(wire.CodeInvalid, "station.create: %s", app.ErrorMessage(err))
		}
		if !tree.IsWithin(s.Parent, op.Origin) {
			return wire.Errorf(wire.CodeForbidden, "station.create: %s may be added only under this station or below it", s.Name)
		}
		return nil
	}
	switch {
	case old == nil:
		return wire.Errorf(wire.CodeInvalid, "station.update: no station %s", s.ID)
	case !tree.IsWithin(s.ID, op.Origin):
		return wire.Errorf(wire.CodeForbidden, "station.update: %s (%s) may be changed only by itself or a station above it", old.Name, old.Code)
	case s.Tier != old.Tier || s.Parent != old.Parent:
		return wire.Errorf(wire.CodeInvalid, "station.update: the tier and parent of %s cannot change", old.Name)
	}
	return nil
}

func stationByCode(tree *app.Tree, code string) *app.Station {
	var found *app.Station
	var walk func(id app.ID)
	walk = func(id app.ID) {
		for _, c := range tree.Children(id) {
			if found != nil {
				return
			}
			if c.Code == code {
				found = c
				return
			}
			walk(c.ID)
		}
	}
	walk(app.NilID)
	return found
}

func personStation(tx *bolt.Tx, person app.ID) (app.ID, bool) {
	return idFromBytes(bucket(tx, bucketPersons).Get(person[:]))
}

func decodeObject(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return app.Errorf(app.EINVALID, "the payload must be a JSON object")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return app.Errorf(app.EINVALID, "malformed payload: %v", err)
	}
	return nil
}

// feedRead is one page of a station's feeds.
type feedRead struct {
	items [][]byte // delivery items in position order
	last  uint64   // the last position looked at: the cursor after this page
	done  bool     // nothing routed to the station after last, as of head
	head  uint64   // the log's head in the transaction that read the page
}

// readFeeds returns what station reads after position `after`, merging its
// audiences in position order and skipping its own operations, up to
// maxItems items or maxBytes of them.
func readFeeds(tx *bolt.Tx, feeds []Audience, station app.ID, after uint64, maxItems, maxBytes int) (feedRead, error) {
	res := feedRead{head: lastPosition(tx), last: after}
	streams := make([]*feedStream, 0, len(feeds))
	fb := bucket(tx, bucketFeeds)
	for _, a := range feeds {
		s := &feedStream{c: fb.Cursor(), prefix: a.key()}
		k, v := s.c.Seek(append(s.prefix[:], u64Key(after+1)...))
		s.set(k, v)
		streams = append(streams, s)
	}
	logB := bucket(tx, bucketLog)
	size := 0
	for len(res.items) < maxItems {
		var next *feedStream
		for _, s := range streams {
			if s.ok && (next == nil || s.pos < next.pos) {
				next = s
			}
		}
		if next == nil {
			res.done = true
			res.last = max(res.last, res.head)
			return res, nil
		}
		pos, origin := next.pos, next.origin
		for _, s := range streams {
			for s.ok && s.pos == pos {
				s.set(s.c.Next())
			}
		}
		if origin == station {
			res.last = pos
			continue
		}
		raw := logB.Get(u64Key(pos))
		if raw == nil {
			return res, app.Errorf(app.ECORRUPT, "the feed index names position %d, which the log does not hold", pos)
		}
		if size > 0 && size+len(raw) > maxBytes {
			break
		}
		res.items = append(res.items, deliveryItem(pos, raw))
		size += len(raw) + 32
		res.last = pos
	}
	return res, nil
}

// feedStream walks one audience's index entries in position order.
type feedStream struct {
	c      *bolt.Cursor
	prefix [17]byte
	pos    uint64
	origin app.ID
	ok     bool
}

func (s *feedStream) set(k, v []byte) {
	s.ok = len(k) == 25 && bytes.Equal(k[:17], s.prefix[:])
	if s.ok {
		s.pos, _ = u64Value(k[17:])
		s.origin, _ = idFromBytes(v)
	}
}

// Log returns up to limit operations after position `after`, in order: for
// checks, tests and administration.
func (db *DB) Log(after uint64, limit int) ([]wire.Delivery, error) {
	var list []wire.Delivery
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := bucket(tx, bucketLog).Cursor()
		for k, v := c.Seek(u64Key(after + 1)); k != nil && len(list) < limit; k, v = c.Next() {
			pos, _ := u64Value(k)
			var op app.Operation
			if err := json.Unmarshal(v, &op); err != nil {
				return app.Errorf(app.ECORRUPT, "log entry %d is damaged: %v", pos, err)
			}
			list = append(list, wire.Delivery{Pos: pos, Op: op})
		}
		return nil
	})
	return list, err
}

// Head returns the last position of the log.
func (db *DB) Head() (uint64, error) {
	var head uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		head = lastPosition(tx)
		return nil
	})
	return head, err
}

// LastSeq returns the highest seq stored or refused from a station.
func (db *DB) LastSeq(origin app.ID) (uint64, error) {
	var seq uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		seq, _ = u64Value(bucket(tx, bucketOrigins).Get(origin[:]))
		return nil
	})
	return seq, err
}
