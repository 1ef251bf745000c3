package hub

import (
	"context"
	"errors"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/authority"
	"dutyroom/app/wire"
)

// AppendOwn stores operations the hub writes itself, on behalf of people
// who have no client of their own: an SMS reply that acknowledges a warning,
// a village officer's report or 签收 from the phone page. Each gets the
// nil origin and the hub's next seq, is judged by the rule table as if the
// station it speaks for had sent it (authority.Rule.HubSubject), routed as
// that station's would be, logged and delivered like any push, all in one
// transaction.
//
// An operation whose id is stored already is skipped (stored[i] false), so
// a caller that retries with the same id (a phone resending its report)
// stores it once. A refusal by the table is a *wire.Error: the refused
// operation and those after it are not stored, those before it are (a
// caller puts a record's create first).
func (s *Server) AppendOwn(ctx context.Context, ops []app.Operation) (stored []bool, err error) {
	stored = make([]bool, len(ops))
	var refused *wire.Error
	err = s.writer.submit(ctx, func(tx *bolt.Tx, st *txState) error {
		// A refusal must not fail the transaction, which other stations'
		// pushes share: it stops the batch here, before anything of the
		// refused operation is written.
		clear(stored)
		refused = nil
		for i := range ops {
			op := &ops[i]
			ok, refusal, err := appendOwn(tx, st, op)
			if err != nil {
				return err
			}
			if refusal != nil {
				refused = refusal
				return nil
			}
			stored[i] = ok
		}
		return nil
	})
	if errors.Is(err, errStopping) {
		return stored, wire.Errorf(wire.CodeUnavailable, "the hub is stopping")
	}
	if err != nil {
		return stored, err
	}
	n := 0
	for _, ok := range stored {
		if ok {
			n++
		}
	}
	s.metrics.opsIn.Add(int64(n))
	if refused != nil {
		s.log.Warn("refused an operation of the hub's own", "code", refused.Code, "err", refused.Message)
		return stored, refused
	}
	return stored, nil
}

func appendOwn(tx *bolt.Tx, st *txState, op *app.Operation) (bool, *wire.Error, error) {
	if bucket(tx, bucketOpIDs).Get(op.ID[:]) != nil {
		return false, nil, nil
	}
	op.Origin, op.Seq = app.NilID, 1 // the seq is taken once the operation is admitted
	if op.Author == "" {
		op.Author = "dutyhub"
	}
	if op.At.IsZero() {
		op.At = st.now
	}
	if err := op.Validate(); err != nil {
		return false, wire.Errorf(wire.CodeInvalid, "%s", app.ErrorMessage(err)), nil
	}
	facts := authority.Facts{Tree: st.tree, Strict: true, Lookup: func(f authority.Family, entity app.ID) (authority.Record, bool, error) {
		return st.lookupOwner(tx, f, entity)
	}}
	d, refusal, err := authority.Check(op, facts)
	if err != nil || refusal != nil {
		return false, refusal, err
	}
	audiences, err := st.router.Route(st.tree, op, d.Subject)
	if err != nil {
		return false, wire.Errorf(wire.CodeInvalid, "%s", app.ErrorMessage(err)), nil
	}
	if op.Seq, err = nextSeq(tx, app.NilID); err != nil {
		return false, nil, err
	}
	if d.Remember {
		if err := st.rememberOwner(tx, op.Entity, d.Record); err != nil {
			return false, nil, err
		}
	}
	return true, nil, st.append(tx, op, audiences)
}
