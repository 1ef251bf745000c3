package store

import (
	"context"
	"encoding/json"
	"math"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// outboxFillPercent packs outbox pages full: seqs only grow, so new keys
// always land at the right edge and a half-empty split page would never be
// filled later.
const outboxFillPercent = 0.95

// appendOp records a change in the outbox, inside the transaction that makes
// it. payload is marshalled as it is: the record after the change, or the
// id for a delete.
func appendOp(tx *txn, kind string, entity app.ID, payload []byte) (app.Operation, error) {
	meta, err := mustBucket(tx.Tx, bucketMeta)
	if err != nil {
		return app.Operation{}, err
	}
	outbox, err := mustBucket(tx.Tx, bucketOutbox)
	if err != nil {
		return app.Operation{}, err
	}
	origin, err := identityID(tx.Tx)
	if err != nil {
		return app.Operation{}, err
	}
	var last uint64
	if raw := meta.Get(keySeq); raw != nil {
		var ok bool
		if last, ok = u64Value(raw); !ok {
			return app.Operation{}, app.Errorf(app.ECORRUPT, "the operation counter in v1/meta is damaged; restore a backup")
		}
	}
	actor := app.ActorFrom(tx.ctx)
	op := app.Operation{
		ID:       app.NewID(),
		Origin:   origin,
		Seq:      last + 1,
		Author:   actor.Name,
		AuthorID: actor.ID,
		At:       tx.now,
		Kind:     kind,
		Entity:   entity,
		Payload:  json.RawMessage(payload),
	}
	if err := putOp(outbox, &op); err != nil {
		return app.Operation{}, err
	}
	if err := meta.Put(keySeq, u64Key(op.Seq)); err != nil {
		return app.Operation{}, err
	}
	if err := shiftLogOp(tx, &op, true); err != nil {
		return app.Operation{}, err
	}
	return op, nil
}

func putOp(outbox *bolt.Bucket, op *app.Operation) error {
	buf, err := json.Marshal(op)
	if err != nil {
		return err
	}
	outbox.FillPercent = outboxFillPercent
	return outbox.Put(u64Key(op.Seq), buf)
}

// appendIDOp records a delete, whose payload is the id alone.
func appendIDOp(tx *txn, kind string, id app.ID) error {
	payload, err := json.Marshal(id)
	if err != nil {
		return err
	}
	_, err = appendOp(tx, kind, id, payload)
	return err
}

// Outbox returns up to limit queued operations with seq above afterSeq,
// oldest first. EINVALID for a limit below 1; ECORRUPT for a damaged entry.
func (db *DB) Outbox(ctx context.Context, afterSeq uint64, limit int) ([]app.Operation, error) {
	if limit < 1 {
		return nil, app.Errorf(app.EINVALID, "outbox limit must be at least 1, not %d", limit)
	}
	if afterSeq == math.MaxUint64 {
		return nil, nil // nothing can follow, and afterSeq+1 would wrap to the start
	}
	var ops []app.Operation
	err := db.view(ctx, func(tx *txn) error {
		outbox, err := mustBucket(tx.Tx, bucketOutbox)
		if err != nil {
			return err
		}
		c := outbox.Cursor()
		for k, v := c.Seek(u64Key(afterSeq + 1)); k != nil && len(ops) < limit; k, v = c.Next() {
			op, err := DecodeOperation(v)
			if err != nil {
				seq, _ := u64Value(k)
				return app.Errorf(app.ECORRUPT, "outbox entry %d is damaged: %s", seq, app.ErrorMessage(err))
			}
			ops = append(ops, op)
		}
		return nil
	})
	return ops, err
}

// OutboxLen returns how many operations wait to be sent.
func (db *DB) OutboxLen(ctx context.Context) (int, error) {
	var n int
	err := db.view(ctx, func(tx *txn) error {
		outbox, err := mustBucket(tx.Tx, bucketOutbox)
		if err != nil {
			return err
		}
		n = outbox.Stats().KeyN
		return nil
	})
	return n, err
}

// AckOutbox removes the operations up to and including throughSeq, once
// the hub has stored them durably, and returns how many went.
func (db *DB) AckOutbox(ctx context.Context, throughSeq uint64) (int, error) {
	var n int
	err := db.update(ctx, func(tx *txn) error {
		outbox, err := mustBucket(tx.Tx, bucketOutbox)
		if err != nil {
			return err
		}
		c := outbox.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.First() {
			if seq, _ := u64Value(k); seq > throughSeq {
				break
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
