package hub

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// The log's hash chain and the checkpoints made from it.
//
// chain(0) is 32 zero bytes and chain(p) = SHA-256(chain(p-1) || the
// stored bytes of the operation at p), kept per position in hub1/chain and
// extended in the transaction that appends. A checkpoint is
// {p, chain(p), HMAC-SHA-256(key, epoch | p | chain(p))} under the key in
// hub1/meta/mac_key. The key travels with the file, so a database rolled
// back by any means (restore, a copy of the folder put back, a disk
// snapshot) still verifies the checkpoints it signed before: one whose
// position is beyond the head, or whose chain differs from the log's at
// that position, proves the log lost operations that clients had read.
// A client cannot make one up, so it cannot make the hub change epoch.

var (
	bucketChain = []byte("chain")
	keyMACKey   = []byte("mac_key")
)

const macKeyLen = 32

// chainV2 adds the hash chain over the existing log and the hub's
// checkpoint key.
func chainV2(tx *bolt.Tx) error {
	root := tx.Bucket(bucketRoot)
	chainB, err := root.CreateBucketIfNotExists(bucketChain)
	if err != nil {
		return fmt.Errorf("create hub1/%s: %w", bucketChain, err)
	}
	chainB.FillPercent = 0.95 // positions only grow
	var chain [sha256.Size]byte
	c := root.Bucket(bucketLog).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		chain = nextChain(chain, v)
		// bbolt keeps the slices it is given until the commit: each
		// entry needs its own copy, not the loop's variable.
		if err := chainB.Put(bytes.Clone(k), bytes.Clone(chain[:])); err != nil {
			return err
		}
	}
	meta := root.Bucket(bucketMeta)
	if len(meta.Get(keyMACKey)) == macKeyLen {
		return nil
	}
	key := make([]byte, macKeyLen)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	return meta.Put(keyMACKey, key)
}

func nextChain(prev [sha256.Size]byte, rawOp []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(rawOp)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// chainAt returns chain(pos); ok is false when the log does not reach pos.
func chainAt(tx *bolt.Tx, pos uint64) (chain [sha256.Size]byte, ok bool) {
	if pos == 0 {
		return chain, true
	}
	v := bucket(tx, bucketChain).Get(u64Key(pos))
	if len(v) != sha256.Size {
		return chain, false
	}
	copy(chain[:], v)
	return chain, true
}

// loadMACKey reads the checkpoint key after the migrations.
func (db *DB) loadMACKey() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		key := bucket(tx, bucketMeta).Get(keyMACKey)
		if len(key) != macKeyLen {
			return app.Errorf(app.ECORRUPT, "%s is damaged: its checkpoint key is missing; restore a backup", db.path)
		}
		db.macKey = append([]byte(nil), key...)
		return nil
	})
}

func (db *DB) checkpointMAC(epoch string, pos uint64, chain []byte) []byte {
	m := hmac.New(sha256.New, db.macKey)
	// The epoch's length goes first, so no epoch and position can be
	// read as another pair.
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(epoch)))
	m.Write(n[:])
	m.Write([]byte(epoch))
	binary.BigEndian.PutUint64(n[:], pos)
	m.Write(n[:])
	m.Write(chain)
	return m.Sum(nil)
}

// checkpoint signs chain(pos) for a client of epoch.
func (db *DB) checkpoint(epoch string, pos uint64, chain [sha256.Size]byte) *wire.Checkpoint {
	return &wire.Checkpoint{
		Position: pos,
		Chain:    hex.EncodeToString(chain[:]),
		MAC:      hex.EncodeToString(db.checkpointMAC(epoch, pos, chain[:])),
	}
}

// pullVerdict is what a pull's cursor means to the hub.
type pullVerdict struct {
	start    uint64      // read the log after this position
	refusal  *wire.Error // the cursor cannot be trusted: say so, and read this connection from 0
	rollback bool        // a genuine checkpoint the log no longer matches
	head     uint64
}

// judgeCursor decides where a pull starts. The epoch changes only on
// proof: a checkpoint this hub signed for this epoch that its log no
// longer matches. Anything else a client says is its own business:
//   - another epoch, or none: read from the start;
//   - a checkpoint that does not verify: refused (bad_cursor), and the
//     connection is read from 0;
//   - a verified checkpoint the log still holds: read from the earlier of
//     it and the position (what lies between them came without proof);
//   - no checkpoint (a client older than checkpoints, or one that has
//     received none yet): the position, if the log reaches it; beyond
//     the head it is refused and read from 0, never believed.
func (db *DB) judgeCursor(cur wire.Cursor, epoch string) (pullVerdict, error) {
	var v pullVerdict
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v.head = lastPosition(tx)
		if cur.Epoch != epoch {
			return nil
		}
		cp := cur.Checkpoint
		if cp == nil {
			if cur.Position > v.head {
				v.refusal = wire.Errorf(wire.CodeBadCursor, "pull: position %d is beyond the log's head %d and comes with no checkpoint; reading this connection from 0", cur.Position, v.head)
				return nil
			}
			v.start = cur.Position
			return nil
		}
		chain, mac, ok := cp.Bytes()
		if !ok || !hmac.Equal(mac, db.checkpointMAC(epoch, cp.Position, chain)) {
			v.refusal = wire.Errorf(wire.CodeBadCursor, "pull: the checkpoint at position %d is not one this hub signed for epoch %s; reading this connection from 0", cp.Position, epoch)
			return nil
		}
		have, ok := chainAt(tx, cp.Position)
		if !ok || !hmac.Equal(have[:], chain) {
			v.rollback = true
			return nil
		}
		v.start = min(cur.Position, cp.Position)
		return nil
	})
	return v, err
}
