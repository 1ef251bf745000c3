package store

import (
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/syncer"
)

// Rejoining the hub after a restore. A data folder restored from an older
// backup lacks the operations its station made after the backup, which the
// hub holds, and its seq counter is behind the hub's: the next change would
// take a seq the hub has given another operation. The sync engine asks the
// hub for the station's own operations, hands them to TakeOwn (applied here
// once each, and filed in the sent journal under the hub's seqs), then
// Renumber moves what this folder queued meanwhile after the hub's last seq.
//
// Restore marks the file it puts in place (v1/meta restored → unix seconds):
// only a folder known to be restored may renumber queued operations over
// seqs the hub holds. A folder with that mark whose operations differ from
// the hub's is this station's past catching up; one without it is another
// live folder of the same station, and must not push over the first.

var keyRestored = []byte("restored")

// The sync engine finds this by a type assertion; a changed signature
// must fail the build, not silently turn rejoining off.
var _ syncer.Rejoiner = (*DB)(nil)

// markRestored writes the restore mark into the database file at path,
// which nothing else has open.
func markRestored(path string, at time.Time) error {
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: DefaultTimeout})
	if err != nil {
		return openError(path, err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		meta, err := mustBucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(keyRestored, u64Key(uint64(at.Unix())))
	})
	if cerr := bdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return app.Errorf(app.EINTERNAL, "cannot mark %s as restored: %v", path, err)
	}
	return nil
}

// Restored reports whether this file was put in place by Restore and has
// not rejoined the hub since.
func (db *DB) Restored(ctx context.Context) (bool, error) {
	var ok bool
	err := db.view(ctx, func(tx *txn) error {
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err != nil {
			return err
		}
		ok = meta.Get(keyRestored) != nil
		return nil
	})
	return ok, err
}

// ForgetRestore drops the restore mark once the hub has shown that this
// folder is in step with it: nothing to take back, nothing to renumber.
func (db *DB) ForgetRestore(ctx context.Context) error {
	return db.update(ctx, func(tx *txn) error {
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.Delete(keyRestored)
	})
}

// TakeOwn takes in operations of this station that the hub holds, in one
// transaction. Each that this file lacks (not queued in the outbox, not
// taken in before) is applied like an incoming one, or kept with the
// reason when it does not apply; each is filed in the sent journal under
// its seq, as the hub acknowledged it, so that a hub restored later gets
// it back. It returns how many were taken in. EINVALID for an operation
// of another station; ECORRUPT for a damaged file.
func (db *DB) TakeOwn(ctx context.Context, ops []app.Operation) (int, error) {
	var n int
	err := db.update(ctx, func(tx *txn) error {
		n = 0
		bs, err := buckets(tx, bucketOutbox, bucketSent, bucketApplied)
		if err != nil {
			return err
		}
		outbox, sent, applied := bs[0], bs[1], bs[2]
		self, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		queued, err := outboxIDs(outbox)
		if err != nil {
			return err
		}
		sent.FillPercent = outboxFillPercent
		for i := range ops {
			op := &ops[i]
			if self == app.NilID || op.Origin != self {
				return app.Errorf(app.EINVALID, "operation %s comes from station %s, not this duty room's own station; it is not taken in as its own", op.ID, op.Origin)
			}
			if !queued[op.ID] && applied.Get(op.ID[:]) == nil {
				reason, known, err := applyOne(tx, op)
				if err != nil {
					return err
				}
				if !known || reason != "" {
					if err := keepOp(tx, op, reason); err != nil {
						return err
					}
				} else if err := shiftLogOp(tx, op, true); err != nil {
					return err
				}
				if err := applied.Put(idKey(op.ID), nil); err != nil {
					return err
				}
				n++
			}
			buf, err := json.Marshal(op)
			if err != nil {
				return err
			}
			if err := sent.Put(u64Key(op.Seq), buf); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

func outboxIDs(outbox *bolt.Bucket) (map[app.ID]bool, error) {
	ids := make(map[app.ID]bool)
	c := outbox.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		op, err := DecodeOperation(v)
		if err != nil {
			seq, _ := u64Value(k)
			return nil, app.Errorf(app.ECORRUPT, "outbox entry %d is damaged: %s", seq, app.ErrorMessage(err))
		}
		ids[op.ID] = true
	}
	return ids, nil
}

// Renumber makes the outbox follow the hub's sequence, in one transaction:
// queued operations the hub holds (held: the ids of the hub's seqs after
// this folder's acknowledged ones) leave the outbox, the hub's copy being
// in the sent journal by TakeOwn; the others keep their order and take the
// seqs after hubLast; the seq counter continues after them, and the
// restore mark goes. It returns how many operations changed seq.
func (db *DB) Renumber(ctx context.Context, hubLast uint64, held []app.ID) (int, error) {
	var moved int
	err := db.update(ctx, func(tx *txn) error {
		moved = 0
		bs, err := buckets(tx, bucketMeta, bucketOutbox)
		if err != nil {
			return err
		}
		meta, outbox := bs[0], bs[1]
		isHeld := make(map[app.ID]bool, len(held))
		for _, id := range held {
			isHeld[id] = true
		}
		var ops []app.Operation
		c := outbox.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			op, err := DecodeOperation(v)
			if err != nil {
				seq, _ := u64Value(k)
				return app.Errorf(app.ECORRUPT, "outbox entry %d is damaged: %s", seq, app.ErrorMessage(err))
			}
			ops = append(ops, op)
		}
		// An intake not yet filed is marked under its outbox seq: the
		// mark moves with the operation.
		marked := make(map[uint64]bool)
		for _, op := range ops {
			if meta.Get(intakeKey(op.Seq)) != nil {
				marked[op.Seq] = true
				if err := meta.Delete(intakeKey(op.Seq)); err != nil {
					return err
				}
			}
			if err := outbox.Delete(u64Key(op.Seq)); err != nil {
				return err
			}
		}
		next := hubLast
		for i := range ops {
			op := &ops[i]
			if isHeld[op.ID] {
				continue // the hub has it; its copy is in the sent journal
			}
			next++
			old := op.Seq
			if op.Seq != next {
				moved++
			}
			op.Seq = next
			if err := putOp(outbox, op); err != nil {
				return err
			}
			if marked[old] {
				if err := meta.Put(intakeKey(next), nil); err != nil {
					return err
				}
			}
		}
		if err := meta.Put(keySeq, u64Key(next)); err != nil {
			return err
		}
		return meta.Delete(keyRestored)
	})
	return moved, err
}
