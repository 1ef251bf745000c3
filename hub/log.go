package hub

import (
	"bytes"
	"crypto/sha256"
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
	chain     [sha256.Size]byte // the log's hash chain at pos, for checkpoints
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

	treeOwned bool                    // tree is this transaction's copy, edited in place
	byCode    map[string]*app.Station // the tree's stations by code, built when first asked
	owners    *bolt.Bucket            // hub1/owners, once opened in this transaction

	chain       [sha256.Size]byte // chain(head), once chainLoaded
	chainLoaded bool
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
	st.treeChanged, st.treeOwned, st.byCode = true, true, nil
	return nil
}

// editTree returns the tree to change in place. The writer shares its tree
// with readers, so the first change in a transaction copies it (once per
// commit, however many station operations the commit holds); each change
// is then a few map operations rather than a re-read of every station.
func (st *txState) editTree() *app.Tree {
	if !st.treeOwned {
		st.tree = st.tree.Clone()
		st.treeOwned = true
	}
	st.treeChanged = true
	return st.tree
}

func (st *txState) putStation(s app.Station) {
	tree := st.editTree()
	if st.byCode != nil {
		if old := tree.Station(s.ID); old != nil && st.byCode[old.Code] == old {
			delete(st.byCode, old.Code)
		}
	}
	tree.Put(s)
	if st.byCode != nil {
		st.byCode[s.Code] = tree.Station(s.ID)
	}
}

func (st *txState) removeStation(id app.ID) {
	tree := st.editTree()
	if old := tree.Station(id); old != nil && st.byCode != nil {
		delete(st.byCode, old.Code)
	}
	tree.Remove(id)
}

// codes indexes the tree by code, once per transaction that needs it.
func (st *txState) codes() map[string]*app.Station {
	if st.byCode == nil {
		st.byCode = make(map[string]*app.Station)
		var walk func(id app.ID)
		walk = func(id app.ID) {
			for _, c := range st.tree.Children(id) {
				st.byCode[c.Code] = c
				walk(c.ID)
			}
		}
		walk(app.NilID)
	}
	return st.byCode
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
	if !st.chainLoaded {
		// Read once per transaction; later appends in it extend the
		// copy held here.
		chain, ok := chainAt(tx, st.head)
		if !ok {
			return app.Errorf(app.ECORRUPT, "the log's hash chain has no entry at its head %d", st.head)
		}
		st.chain, st.chainLoaded = chain, true
	}
	logB := bucket(tx, bucketLog)
	logB.FillPercent = 0.95 // positions only grow: pack pages full
	if err := logB.Put(u64Key(pos), raw); err != nil {
		return err
	}
	chain := nextChain(st.chain, raw)
	chainB := bucket(tx, bucketChain)
	chainB.FillPercent = 0.95
	if err := chainB.Put(u64Key(pos), chain[:]); err != nil {
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
	st.head, st.chain = pos, chain
	st.logged = append(st.logged, logged{pos: pos, origin: op.Origin, audiences: audiences, item: deliveryItem(pos, raw), op: op, chain: chain})
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

// admit authorises an operation by the rule table (hub/authority.go,
// app/authority), applies its effect on the hub's own directory and owners,
// and routes it. A refusal is returned, not an error: it concerns the
// operation only.
func admit(tx *bolt.Tx, st *txState, op *app.Operation) ([]Audience, *wire.Error, error) {
	d, refusal, err := judge(tx, st, op)
	if err != nil || refusal != nil {
		return nil, refusal, err
	}
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
		if other := stationByCode(st, s.Code); other != nil && other.ID != s.ID {
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
			st.putStation(s)
			return nil
		}
	case app.OpStationDelete:
		effect = func() error {
			if err := bucket(tx, bucketStations).Delete(op.Entity[:]); err != nil {
				return err
			}
			st.removeStation(op.Entity)
			return nil
		}
	case app.OpPersonCreate, app.OpPersonUpdate:
		// The table judged whose the person is; the person itself must
		// also be one every client can store.
		var p app.Person
		err := decodeObject(op.Payload, &p)
		if err == nil {
			err = p.Validate()
		}
		if err != nil {
			return nil, wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err)), nil
		}
	case app.OpPersonDelete:
		effect = func() error {
			if err := bucket(tx, bucketPersons).Delete(op.Entity[:]); err != nil {
				return err
			}
			b, err := st.ownersBucket(tx)
			if err != nil {
				return err
			}
			return b.Delete(op.Entity[:])
		}
	}
	if d.Remember {
		remember := effect
		effect = func() error {
			if remember != nil {
				if err := remember(); err != nil {
					return err
				}
			}
			return st.rememberOwner(tx, op.Entity, d.Record)
		}
	}
	audiences, err := st.router.Route(st.tree, op, d.Subject)
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

// stationByCode finds a station of the transaction's tree by code.
func stationByCode(st *txState, code string) *app.Station {
	return st.codes()[code]
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
