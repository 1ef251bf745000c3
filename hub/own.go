package hub

import (
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// A station's own operations, by seq (protocol "Own operations"). A duty
// room restored from an older backup asks for what it made after the
// backup; one whose last acknowledgement was lost asks to compare. The
// log is in commit order across every station, so an index finds one
// station's operations after a seq without reading the log:
//
//	hub1/own_seqs: <station id><seq> → <position><operation id>
//
// position 0 marks an operation the hub refused: it keeps no copy of
// those, only that the seq is taken and by which id.

var bucketOwnSeqs = []byte("own_seqs")

// ownPageBytes keeps a page of own operations under the frame limit, with
// room for the envelope and the fields around each operation.
const ownPageBytes = wire.MaxFrame - 64*1024

// createOwnSeqsV3 adds the index and fills it from the log. Operations
// refused before the index existed were never logged, so their seqs stay
// absent: a client reads a missing seq below lastSeq as refused.
func createOwnSeqsV3(tx *bolt.Tx) error {
	root := tx.Bucket(bucketRoot)
	if root == nil {
		return fmt.Errorf("no hub1 bucket to add %s to", bucketOwnSeqs)
	}
	own, err := root.CreateBucketIfNotExists(bucketOwnSeqs)
	if err != nil {
		return fmt.Errorf("create hub1/%s: %w", bucketOwnSeqs, err)
	}
	c := bucket(tx, bucketLog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		pos, _ := u64Value(k)
		var head struct {
			ID     app.ID `json:"id"`
			Origin app.ID `json:"origin"`
			Seq    uint64 `json:"seq"`
		}
		if err := json.Unmarshal(v, &head); err != nil {
			return fmt.Errorf("log entry %d is damaged: %w", pos, err)
		}
		if head.Origin == app.NilID {
			continue // the hub's own (a station import): no station asks for them
		}
		if err := own.Put(ownSeqKey(head.Origin, head.Seq), ownSeqValue(pos, head.ID)); err != nil {
			return err
		}
	}
	return nil
}

func ownSeqKey(origin app.ID, seq uint64) []byte {
	key := make([]byte, 0, 24)
	key = append(key, origin[:]...)
	return append(key, u64Key(seq)...)
}

func ownSeqValue(pos uint64, id app.ID) []byte {
	v := make([]byte, 0, 24)
	v = append(v, u64Key(pos)...)
	return append(v, id[:]...)
}

// putOwnSeq files an operation under its origin and seq, at pos, or 0
// when it was refused. Seqs only grow per station, so pages fill up.
func putOwnSeq(tx *bolt.Tx, op *app.Operation, pos uint64) error {
	if op.Origin == app.NilID {
		return nil
	}
	own := bucket(tx, bucketOwnSeqs)
	own.FillPercent = 0.9
	return own.Put(ownSeqKey(op.Origin, op.Seq), ownSeqValue(pos, op.ID))
}

// ownPage is one page of a station's own operations.
type ownPage struct {
	frame   []byte
	entries int
}

// readOwn encodes the own_ops page answering id: the station's entries
// with seq above after, at most wire.MaxOwnOps and ownPageBytes of them.
// Stored operations are copied from the log as they are, not decoded.
func readOwn(tx *bolt.Tx, station app.ID, after uint64, id string) (ownPage, error) {
	lastSeq, _ := u64Value(bucket(tx, bucketOrigins).Get(station[:]))
	logB := bucket(tx, bucketLog)
	c := bucket(tx, bucketOwnSeqs).Cursor()
	var body []byte
	n, more := 0, false
	for k, v := c.Seek(ownSeqKey(station, after+1)); k != nil; k, v = c.Next() {
		if len(k) != 24 || string(k[:16]) != string(station[:]) {
			break
		}
		if len(v) != 24 {
			return ownPage{}, app.Errorf(app.ECORRUPT, "the own-seq index entry %x is damaged", k)
		}
		if n == wire.MaxOwnOps {
			more = true
			break
		}
		seq, _ := u64Value(k[16:])
		lastSeq = max(lastSeq, seq) // the index and origins are written together; never promise less than is sent
		pos, _ := u64Value(v[:8])
		opID, _ := idFromBytes(v[8:])
		var raw []byte
		if pos != 0 {
			if raw = logB.Get(u64Key(pos)); raw == nil {
				return ownPage{}, app.Errorf(app.ECORRUPT, "the own-seq index names position %d, which the log does not hold", pos)
			}
		}
		if n > 0 && len(body)+len(raw)+128 > ownPageBytes {
			more = true
			break
		}
		if n > 0 {
			body = append(body, ',')
		}
		body = append(body, `{"seq":`...)
		body = strconv.AppendUint(body, seq, 10)
		body = append(body, `,"id":"`...)
		body = append(body, opID.String()...)
		body = append(body, '"')
		if raw != nil {
			body = append(body, `,"op":`...)
			body = append(body, raw...)
		}
		body = append(body, '}')
		n++
	}
	idJSON, err := json.Marshal(id)
	if err != nil {
		return ownPage{}, err
	}
	frame := make([]byte, 0, len(body)+128)
	frame = append(frame, `{"type":"`+wire.TypeOwnOps+`","id":`...)
	frame = append(frame, idJSON...)
	frame = append(frame, `,"data":{"ops":[`...)
	frame = append(frame, body...)
	frame = append(frame, `],"lastSeq":`...)
	frame = strconv.AppendUint(frame, lastSeq, 10)
	if more {
		frame = append(frame, `,"more":true`...)
	}
	frame = append(frame, `}}`...)
	return ownPage{frame: frame, entries: n}, nil
}

// handleOwn answers an own request with one page. Only the session's own
// station is read: the request names no station.
func (c *conn) handleOwn(env wire.Envelope) error {
	req, err := wire.DecodeOwn(env)
	if err != nil {
		return err
	}
	var page ownPage
	err = c.s.db.bolt.View(func(tx *bolt.Tx) (err error) {
		page, err = readOwn(tx, c.station, req.After, env.ID)
		return err
	})
	if err != nil {
		c.s.log.Error("cannot read a station's own operations", "station", c.station, "after", req.After, "err", err)
		return wire.Errorf(wire.CodeInternal, "the hub cannot read this station's operations")
	}
	c.s.log.Info("own operations sent", "user", c.user, "station", c.station, "after", req.After, "entries", page.entries)
	c.s.metrics.opsOut.Add(int64(page.entries))
	c.queue(page.frame)
	return nil
}
