package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/roster"
	"dutyroom/app/syncer"
	"dutyroom/app/villagereport"
	"dutyroom/app/wire"
)

// The sync side of the store: what the hub has acknowledged (sent), how far
// this client has read the hub's log (sync), which incoming operations it
// has applied (applied) and those it could not (kept).

var (
	bucketSent    = []byte("sent")
	bucketSync    = []byte("sync")
	bucketApplied = []byte("applied")
	bucketKept    = []byte("kept")

	keyEpoch      = []byte("epoch")
	keyPosition   = []byte("position")
	keyCheckpoint = []byte("checkpoint") // JSON syncCheckpoint: the hub's latest, shown back when pulling
)

// syncCheckpoint is the hub's latest checkpoint with the epoch it was
// signed for; one of another epoch than the cursor's is never shown.
type syncCheckpoint struct {
	Epoch string `json:"epoch"`
	wire.Checkpoint
}

func createSyncV4(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the sync buckets to")
	}
	for _, name := range [][]byte{bucketSent, bucketSync, bucketApplied, bucketKept} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}

// keptRecord is an incoming operation this client did not apply: a kind a
// later version will understand, or one that did not fit (its station is
// missing here, say). Keeping it means nothing a hub delivered is lost.
type keptRecord struct {
	Op     app.Operation `json:"op"`
	Reason string        `json:"reason,omitempty"` // "" for a kind this version does not apply
}

// KeptOp is an incoming operation that was stored but not applied.
type KeptOp struct {
	Op     app.Operation
	Reason string
}

// SyncCursor returns the hub epoch and the last log position read; "" and
// 0 before the first sync.
func (db *DB) SyncCursor(ctx context.Context) (epoch string, position uint64, err error) {
	err = db.view(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketSync)
		if err != nil {
			return err
		}
		epoch = string(b.Get(keyEpoch))
		position, _ = u64Value(b.Get(keyPosition))
		return nil
	})
	return epoch, position, err
}

// ApplyIncoming applies operations delivered by the hub, in order, in one
// transaction that also moves the cursor to (epoch, position). Each
// operation id takes effect at most once, so a delivery repeated after a
// reconnect or a new epoch changes nothing. Directory kinds are applied;
// other kinds, and directory changes that do not fit here, are kept with
// the reason. An operation is never dropped. Errors are only for the
// file itself (ECORRUPT, EINTERNAL): then nothing is applied and the
// cursor stays, so the delivery comes again.
func (db *DB) ApplyIncoming(ctx context.Context, epoch string, position uint64, ops []app.Operation) (syncer.Applied, error) {
	return db.applyIncoming(ctx, epoch, position, nil, ops)
}

// ApplyCheckpointed is ApplyIncoming for a delivery that came with the
// hub's checkpoint: the cursor moves to the checkpoint's position, and the
// checkpoint is kept with it, in the same transaction, to be shown back at
// the next pull.
func (db *DB) ApplyCheckpointed(ctx context.Context, epoch string, cp wire.Checkpoint, ops []app.Operation) (syncer.Applied, error) {
	return db.applyIncoming(ctx, epoch, cp.Position, &cp, ops)
}

// SyncCheckpoint returns the checkpoint kept with the cursor, or nil when
// there is none for the cursor's epoch.
func (db *DB) SyncCheckpoint(ctx context.Context) (*wire.Checkpoint, error) {
	var cp *wire.Checkpoint
	err := db.view(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketSync)
		if err != nil {
			return err
		}
		raw := b.Get(keyCheckpoint)
		if raw == nil {
			return nil
		}
		var rec syncCheckpoint
		if err := json.Unmarshal(raw, &rec); err != nil || rec.Epoch != string(b.Get(keyEpoch)) {
			// A damaged one is no worse than none: the hub reads the
			// position alone, or refuses it and the engine starts over.
			return nil
		}
		cp = &rec.Checkpoint
		return nil
	})
	return cp, err
}

// ResetSyncCursor moves the cursor to position 0 of epoch and forgets the
// checkpoint: the hub would not trust them, so everything is read again
// (what was applied before is skipped by id).
func (db *DB) ResetSyncCursor(ctx context.Context, epoch string) error {
	return db.update(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketSync)
		if err != nil {
			return err
		}
		if err := b.Delete(keyCheckpoint); err != nil {
			return err
		}
		return putCursor(tx, epoch, 0, nil)
	})
}

func (db *DB) applyIncoming(ctx context.Context, epoch string, position uint64, cp *wire.Checkpoint, ops []app.Operation) (syncer.Applied, error) {
	var res syncer.Applied
	err := db.update(ctx, func(tx *txn) error {
		res = syncer.Applied{}
		applied, err := mustBucket(tx.Tx, bucketApplied)
		if err != nil {
			return err
		}
		self, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		judge := newReceipt(tx, self)
		for i := range ops {
			op := &ops[i]
			if applied.Get(op.ID[:]) != nil || (self != app.NilID && op.Origin == self) {
				res.Skipped++
				continue
			}
			// The hub has judged it already; judging again here means a
			// hub that has been tampered with still cannot make this
			// station apply another's change to a record it does not own.
			reason, err := judge.check(op)
			if err != nil {
				return err
			}
			known := true
			if reason == "" {
				if reason, known, err = applyOne(tx, op); err != nil {
					return err
				}
				if reason == "" && known {
					if err := judge.applied(op); err != nil {
						return err
					}
					if err := shiftLogOp(tx, op, false); err != nil {
						return err
					}
				}
			}
			if !known || reason != "" {
				if err := keepOp(tx, op, reason); err != nil {
					return err
				}
				res.Kept++
			} else {
				res.Applied++
			}
			if err := applied.Put(idKey(op.ID), nil); err != nil {
				return err
			}
		}
		return putCursor(tx, epoch, position, cp)
	})
	return res, err
}

// putCursor moves the cursor, and keeps cp with it when given. Without
// one the older checkpoint stays (the hub reads from the earlier of it and
// the position); a new epoch drops it.
func putCursor(tx *txn, epoch string, position uint64, cp *wire.Checkpoint) error {
	b, err := mustBucket(tx.Tx, bucketSync)
	if err != nil {
		return err
	}
	if string(b.Get(keyEpoch)) != epoch {
		if err := b.Delete(keyCheckpoint); err != nil {
			return err
		}
	}
	if err := b.Put(keyEpoch, []byte(epoch)); err != nil {
		return err
	}
	if cp != nil {
		raw, err := json.Marshal(syncCheckpoint{Epoch: epoch, Checkpoint: *cp})
		if err != nil {
			return err
		}
		if err := b.Put(keyCheckpoint, raw); err != nil {
			return err
		}
	}
	return b.Put(keyPosition, u64Key(position))
}

func keepOp(tx *txn, op *app.Operation, reason string) error {
	kept, err := mustBucket(tx.Tx, bucketKept)
	if err != nil {
		return err
	}
	buf, err := json.Marshal(keptRecord{Op: *op, Reason: reason})
	if err != nil {
		return err
	}
	return kept.Put(idKey(op.ID), buf)
}

// applyOne applies a directory operation without adding to the outbox:
// the change is another station's, already on its way everywhere it
// should go. known is false for kinds this version does not apply. A
// non-empty reason says why a known kind was not applied; err is only for
// faults of the file.
func applyOne(tx *txn, op *app.Operation) (reason string, known bool, err error) {
	var fault error
	switch op.Kind {
	case app.OpStationCreate, app.OpStationUpdate:
		s, err := DecodeStation(op.Payload)
		if err != nil {
			return app.ErrorMessage(err), true, nil
		}
		reason, fault = applyStation(tx, &s)
	case app.OpStationDelete:
		reason, fault = applyStationDelete(tx, op.Entity)
	case app.OpPersonCreate, app.OpPersonUpdate:
		p, err := DecodePerson(op.Payload)
		if err != nil {
			return app.ErrorMessage(err), true, nil
		}
		reason, fault = applyPerson(tx, &p)
	case app.OpPersonDelete:
		reason, fault = applyPersonDelete(tx, op.Entity)
	case opWarningIssue, opWarningAck, opWarningDel:
		reason, fault = applyWarningOp(tx, op)
	case opSpotCheckStart, opSpotCheckAns, opSpotCheckRes, opSpotCheckArr:
		reason, fault = applySpotCheckOp(tx, op)
	case consult.OpSchedule, consult.OpStart, consult.OpEnd, consult.OpReply, consult.OpPresence, consult.OpRollCall, consult.OpAnswer, consult.OpRecordings:
		reason, fault = applyConsultOp(tx, op)
	case opMessageSend, opMessageChunk, opMessageReceipt:
		reason, fault = applyMessageOp(tx, op)
	case opInstructionCreate, opInstructionChunk, opInstructionAnswer, opInstructionDone, opInstructionFeedback:
		reason, fault = applyInstructionOp(tx, op)
	case opIncidentCreate, opIncidentCounts, opIncidentGrade, opIncidentReport, opIncidentSign, opIncidentSend, opIncidentAck, opIncidentClose, opIncidentShare, opIncidentTasks, opIncidentSettings, opIncidentEvent, opIncidentChunk, opIncidentResend:
		reason, fault = applyIncidentOp(tx, op)
	case roster.OpAssign, roster.OpUnassign, roster.OpGenerate, roster.OpImport, roster.OpPublish, roster.OpSettings, roster.OpSpecialCreate, roster.OpSpecialUpdate, roster.OpSpecialDelete, roster.OpSwapRequest, roster.OpSwapApprove, roster.OpSwapReject, roster.OpLog, roster.OpCheckIn, roster.OpHandover, roster.OpHandoverConfirm:
		reason, fault = applyRosterOp(tx, op)
	case villagereport.OpCreate, villagereport.OpChunk, villagereport.OpVerify:
		reason, fault = applyVillageReportOp(tx, op)
	default:
		return "", false, nil
	}
	return reason, true, fault
}

// applyStation writes a station as it came. A station stored here and
// changed later than the incoming copy stays: the later write wins.
func applyStation(tx *txn, s *app.Station) (string, error) {
	old, err := findStationByID(tx, s.ID)
	exists := err == nil
	if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	if exists {
		if s.UpdatedAt.Before(old.UpdatedAt) {
			return "", nil
		}
		if s.Tier != old.Tier || s.Parent != old.Parent {
			return fmt.Sprintf("station %s (%s) would change its tier or parent, which stations never do", s.Name, s.Code), nil
		}
	} else if s.Parent != app.NilID {
		if _, err := findStationByID(tx, s.Parent); app.ErrorCode(err) == app.ENOTFOUND {
			return fmt.Sprintf("station %s (%s) hangs under station %s, which this client does not have", s.Name, s.Code, s.Parent), nil
		} else if err != nil {
			return "", err
		}
	}
	if other, err := findStationByCode(tx, s.Code); err == nil && other.ID != s.ID {
		return fmt.Sprintf("station code %s is used here by %s", s.Code, other.Name), nil
	} else if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	codes, err := mustBucket(tx.Tx, bucketStationCodes)
	if err != nil {
		return "", err
	}
	children, err := mustBucket(tx.Tx, bucketStationChildren)
	if err != nil {
		return "", err
	}
	if exists && old.Code != s.Code {
		if err := codes.Delete([]byte(old.Code)); err != nil {
			return "", err
		}
	}
	if _, err := putStation(tx, s); err != nil {
		return "", err
	}
	if err := codes.Put([]byte(s.Code), idKey(s.ID)); err != nil {
		return "", err
	}
	return "", children.Put(pairKey(s.Parent, s.ID), nil)
}

func applyStationDelete(tx *txn, id app.ID) (string, error) {
	s, err := findStationByID(tx, id)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if self, err := identityID(tx.Tx); err != nil {
		return "", err
	} else if self == id {
		return fmt.Sprintf("%s (%s) is this duty room's own station", s.Name, s.Code), nil
	}
	if n, err := countPrefix(tx, bucketStationChildren, id); err != nil {
		return "", err
	} else if n > 0 {
		return fmt.Sprintf("%s (%s) still has %d stations under it here", s.Name, s.Code, n), nil
	}
	if n, err := countPrefix(tx, bucketPersonsByStation, id); err != nil {
		return "", err
	} else if n > 0 {
		return fmt.Sprintf("%s (%s) still has %d people here", s.Name, s.Code, n), nil
	}
	for _, del := range []struct {
		bucket []byte
		key    []byte
	}{
		{bucketStations, idKey(id)},
		{bucketStationCodes, []byte(s.Code)},
		{bucketStationChildren, pairKey(s.Parent, id)},
	} {
		b, err := mustBucket(tx.Tx, del.bucket)
		if err != nil {
			return "", err
		}
		if err := b.Delete(del.key); err != nil {
			return "", err
		}
	}
	return "", nil
}

func applyPerson(tx *txn, p *app.Person) (string, error) {
	old, err := findPersonByID(tx, p.ID)
	exists := err == nil
	if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	if exists && p.UpdatedAt.Before(old.UpdatedAt) {
		return "", nil
	}
	if err := checkPersonStation(tx, p); app.ErrorCode(err) == app.ENOTFOUND {
		return fmt.Sprintf("%s belongs to station %s, which this client does not have", p.Name, p.Station), nil
	} else if err != nil {
		return "", err
	}
	idx, err := mustBucket(tx.Tx, bucketPersonsByStation)
	if err != nil {
		return "", err
	}
	if exists && old.Station != p.Station {
		if err := idx.Delete(pairKey(old.Station, p.ID)); err != nil {
			return "", err
		}
	}
	if _, err := putPerson(tx, p); err != nil {
		return "", err
	}
	return "", idx.Put(pairKey(p.Station, p.ID), nil)
}

func applyPersonDelete(tx *txn, id app.ID) (string, error) {
	p, err := findPersonByID(tx, id)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	persons, err := mustBucket(tx.Tx, bucketPersons)
	if err != nil {
		return "", err
	}
	idx, err := mustBucket(tx.Tx, bucketPersonsByStation)
	if err != nil {
		return "", err
	}
	if err := persons.Delete(idKey(id)); err != nil {
		return "", err
	}
	return "", idx.Delete(pairKey(p.Station, id))
}

// KeptOps returns up to limit incoming operations that were stored but not
// applied, oldest first.
func (db *DB) KeptOps(ctx context.Context, limit int) ([]KeptOp, error) {
	var list []KeptOp
	err := db.view(ctx, func(tx *txn) error {
		kept, err := mustBucket(tx.Tx, bucketKept)
		if err != nil {
			return err
		}
		c := kept.Cursor()
		for k, v := c.First(); k != nil && len(list) < limit; k, v = c.Next() {
			var r keptRecord
			if err := unmarshalRecord(v, &r); err != nil {
				id, _ := idFromBytes(k)
				return app.Errorf(app.ECORRUPT, "kept operation %s is damaged: %s", id, app.ErrorMessage(err))
			}
			list = append(list, KeptOp{Op: r.Op, Reason: r.Reason})
		}
		return nil
	})
	return list, err
}

// AppliedCount returns how many incoming operations this client has taken
// in, applied or kept.
func (db *DB) AppliedCount(ctx context.Context) (int, error) {
	var n int
	err := db.view(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketApplied)
		if err != nil {
			return err
		}
		n = b.Stats().KeyN
		return nil
	})
	return n, err
}

// HasApplied reports whether an incoming operation was taken in.
func (db *DB) HasApplied(ctx context.Context, id app.ID) (bool, error) {
	var ok bool
	err := db.view(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketApplied)
		if err != nil {
			return err
		}
		ok = b.Get(idKey(id)) != nil
		return nil
	})
	return ok, err
}

// MarkSent moves the outbox entries up to throughSeq, which the hub has
// stored durably, into the sent journal, and returns how many moved. The
// journal is what lets a hub restored from an older backup get back
// operations it had acknowledged and lost.
func (db *DB) MarkSent(ctx context.Context, throughSeq uint64) (int, error) {
	var n int
	err := db.update(ctx, func(tx *txn) error {
		outbox, err := mustBucket(tx.Tx, bucketOutbox)
		if err != nil {
			return err
		}
		sent, err := mustBucket(tx.Tx, bucketSent)
		if err != nil {
			return err
		}
		sent.FillPercent = outboxFillPercent
		c := outbox.Cursor()
		for k, v := c.First(); k != nil; k, v = c.First() {
			if seq, _ := u64Value(k); seq > throughSeq {
				break
			}
			if err := sent.Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
				return err
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

// Sent returns up to limit acknowledged operations with seq above
// afterSeq, oldest first.
func (db *DB) Sent(ctx context.Context, afterSeq uint64, limit int) ([]app.Operation, error) {
	if limit < 1 {
		return nil, app.Errorf(app.EINVALID, "limit must be at least 1, not %d", limit)
	}
	if afterSeq == math.MaxUint64 {
		return nil, nil
	}
	var ops []app.Operation
	err := db.view(ctx, func(tx *txn) error {
		sent, err := mustBucket(tx.Tx, bucketSent)
		if err != nil {
			return err
		}
		c := sent.Cursor()
		for k, v := c.Seek(u64Key(afterSeq + 1)); k != nil && len(ops) < limit; k, v = c.Next() {
			op, err := DecodeOperation(v)
			if err != nil {
				seq, _ := u64Value(k)
				return app.Errorf(app.ECORRUPT, "sent entry %d is damaged: %s", seq, app.ErrorMessage(err))
			}
			ops = append(ops, op)
		}
		return nil
	})
	return ops, err
}

// LastSeq returns the last origin seq given to an operation here: what the
// hub should hold from this station once everything is sent.
func (db *DB) LastSeq(ctx context.Context) (uint64, error) {
	var seq uint64
	err := db.view(ctx, func(tx *txn) error {
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err != nil {
			return err
		}
		seq, _ = u64Value(meta.Get(keySeq))
		return nil
	})
	return seq, err
}
