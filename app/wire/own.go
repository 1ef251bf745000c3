package wire

import (
	"fmt"

	"dutyroom/app"
)

// A station's own operations back from the hub (protocol 1.1, optional).
// A data folder restored from an older backup lacks the operations it made
// after the backup, which the hub holds; so does a folder whose last
// acknowledgement was lost with the connection. The client asks for its own
// station's operations after a seq and the hub answers with one page; the
// client asks again after the page's last seq while More is set.
//
// Client to hub: own. Hub to client: own_ops, with the request's id.
const (
	TypeOwn    = "own"
	TypeOwnOps = "own_ops"
)

// MaxOwnOps is the most entries in one own_ops page. The hub also keeps a
// page under MaxFrame, so a page may hold fewer.
const MaxOwnOps = 1024

// Own asks for the operations of the session's own station with seq above
// After, in seq order.
type Own struct {
	After uint64 `json:"after"`
}

// OwnEntry is what the hub holds under one seq of the station. Op is nil
// for an operation the hub refused: it kept only the id, so that the seq
// stays taken and a resend stays a duplicate.
type OwnEntry struct {
	Seq uint64         `json:"seq"`
	ID  app.ID         `json:"id"`
	Op  *app.Operation `json:"op,omitempty"`
}

// OwnOps is one page of a station's own operations. LastSeq is the
// highest seq of the station the hub holds (as in the welcome); More says
// that entries beyond the page's last seq follow on request.
type OwnOps struct {
	Ops     []OwnEntry `json:"ops"`
	LastSeq uint64     `json:"lastSeq"`
	More    bool       `json:"more,omitempty"`
}

// DecodeOwn reads an own request.
func DecodeOwn(env Envelope) (Own, error) {
	var o Own
	err := body(env, &o)
	return o, err
}

// DecodeOwnOps reads a page of own operations and checks it: at most
// MaxOwnOps entries, seqs strictly rising and not beyond LastSeq, each
// entry naming an id, and each operation valid and filed under its own id
// and seq. That the operations come from the client's station is the
// client's check: the page does not say which station asked.
func DecodeOwnOps(env Envelope) (OwnOps, error) {
	var o OwnOps
	if err := body(env, &o); err != nil {
		return OwnOps{}, err
	}
	if len(o.Ops) > MaxOwnOps {
		return OwnOps{}, Errorf(CodeTooLarge, "own_ops: %d entries; the limit is %d", len(o.Ops), MaxOwnOps)
	}
	var origin app.ID
	for i := range o.Ops {
		e := &o.Ops[i]
		switch {
		case e.Seq == 0:
			return OwnOps{}, Errorf(CodeBadMessage, "own_ops: seq 0 is never used")
		case i > 0 && e.Seq <= o.Ops[i-1].Seq:
			return OwnOps{}, Errorf(CodeBadMessage, "own_ops: seq %d follows %d; entries go in rising seq order", e.Seq, o.Ops[i-1].Seq)
		case e.Seq > o.LastSeq:
			return OwnOps{}, Errorf(CodeBadMessage, "own_ops: seq %d is beyond the last seq %d the page names", e.Seq, o.LastSeq)
		case e.ID == app.NilID:
			return OwnOps{}, Errorf(CodeBadMessage, "own_ops: the entry at seq %d names no operation", e.Seq)
		}
		if e.Op == nil {
			continue
		}
		normalise(e.Op)
		if err := e.Op.Validate(); err != nil {
			return OwnOps{}, &Error{Code: CodeInvalid, Message: fmt.Sprintf("own_ops: at seq %d: %v", e.Seq, err), Op: e.ID, Seq: e.Seq}
		}
		switch {
		case e.Op.ID != e.ID || e.Op.Seq != e.Seq:
			return OwnOps{}, Errorf(CodeBadMessage, "own_ops: the entry at seq %d names operation %s but holds %s at seq %d", e.Seq, e.ID, e.Op.ID, e.Op.Seq)
		case origin != app.NilID && e.Op.Origin != origin:
			return OwnOps{}, Errorf(CodeBadMessage, "own_ops: operations of two stations, %s and %s, in one page", origin, e.Op.Origin)
		}
		origin = e.Op.Origin
	}
	if o.More && len(o.Ops) == 0 {
		return OwnOps{}, Errorf(CodeBadMessage, "own_ops: an empty page that says more follows")
	}
	return o, nil
}
