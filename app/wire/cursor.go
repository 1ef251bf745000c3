package wire

import (
	"encoding/hex"
)

// CodeBadCursor refuses a pull whose cursor the hub cannot trust: a
// checkpoint it did not issue (forged, damaged, or of a key it no longer
// has), or a position beyond the log's head with no checkpoint to prove it.
// It concerns that connection only: the hub goes on to read the client
// the same epoch from position 0, and the client drops its cursor and
// checkpoint before those deliveries, applying nothing twice.
const CodeBadCursor = "bad_cursor"

// HashLen is the length in bytes of a checkpoint's chain and mac.
const HashLen = 32

// Checkpoint is the hub's signed statement of what its log held: the hash
// chain of the log at Position and an HMAC over the epoch, the position and
// the chain, under a key only the hub has. A client keeps the latest one
// with its cursor and shows it back when it pulls. A checkpoint the hub
// signed but its log no longer matches proves the log was rolled back
// (restore, file copy, disk snapshot); a client cannot make one up, so it
// cannot make the hub start a new epoch.
type Checkpoint struct {
	Position uint64 `json:"position"`
	Chain    string `json:"chain"` // hex SHA-256 chain of the log at Position
	MAC      string `json:"mac"`   // hex HMAC-SHA-256(key, epoch|position|chain)
}

// Check makes sure the chain and mac are HashLen bytes each in lowercase
// hex, the form the hub writes.
func (c *Checkpoint) Check() error {
	if !isHash(c.Chain) {
		return Errorf(CodeBadCursor, "checkpoint: the chain is not %d bytes of lowercase hex", HashLen)
	}
	if !isHash(c.MAC) {
		return Errorf(CodeBadCursor, "checkpoint: the mac is not %d bytes of lowercase hex", HashLen)
	}
	return nil
}

// Bytes returns the chain and mac as bytes; ok is false unless Check passes.
func (c *Checkpoint) Bytes() (chain, mac []byte, ok bool) {
	if c.Check() != nil {
		return nil, nil, false
	}
	chain, _ = hex.DecodeString(c.Chain)
	mac, _ = hex.DecodeString(c.MAC)
	return chain, mac, true
}

func isHash(s string) bool {
	if len(s) != 2*HashLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkDelivered checks a checkpoint that came with a delivery ending at
// last: it must be well formed and no earlier than what it comes with, since
// the client's cursor moves to it.
func checkDelivered(typ string, c *Checkpoint, last uint64) error {
	if c == nil {
		return nil
	}
	if err := c.Check(); err != nil {
		return Errorf(CodeBadMessage, "%s: %s", typ, err.(*Error).Message)
	}
	if c.Position < last {
		return Errorf(CodeBadMessage, "%s: the checkpoint at position %d is before the delivery's last position %d", typ, c.Position, last)
	}
	return nil
}
