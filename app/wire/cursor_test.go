package wire

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

func goodCheckpoint(pos uint64) *Checkpoint {
	return &Checkpoint{Position: pos, Chain: strings.Repeat("ab", HashLen), MAC: strings.Repeat("0f", HashLen)}
}

func pullFrame(t testing.TB, cur Cursor) []byte {
	frame, err := Encode(TypePull, "pull", Pull{Cursor: cur})
	if err != nil {
		t.Fatal(err)
	}
	return frame
}

func TestDecodePullKeepsAWellFormedCheckpoint(t *testing.T) {
	cur := Cursor{Epoch: "e", Position: 12, Checkpoint: goodCheckpoint(12)}
	env, err := DecodeEnvelope(pullFrame(t, cur))
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePull(env)
	if err != nil {
		t.Fatal(err)
	}
	if p.Cursor.Checkpoint == nil || *p.Cursor.Checkpoint != *cur.Checkpoint {
		t.Fatalf("the checkpoint came through as %+v", p.Cursor.Checkpoint)
	}
	if _, err := DecodePull(Envelope{Type: TypePull, Data: []byte(`{"cursor":{"epoch":"e","position":3}}`)}); err != nil {
		t.Fatalf("a pull without a checkpoint (an older client) was refused: %v", err)
	}
}

func TestGarbledCheckpointIsLeftToTheHubAndFailsItsCheck(t *testing.T) {
	for name, cp := range map[string]Checkpoint{
		"empty":           {Position: 1},
		"short chain":     {Position: 1, Chain: "abcd", MAC: strings.Repeat("00", HashLen)},
		"upper case mac":  {Position: 1, Chain: strings.Repeat("00", HashLen), MAC: strings.Repeat("AB", HashLen)},
		"not hex":         {Position: 1, Chain: strings.Repeat("zz", HashLen), MAC: strings.Repeat("00", HashLen)},
		"long mac":        {Position: 1, Chain: strings.Repeat("00", HashLen), MAC: strings.Repeat("00", HashLen+1)},
		"multibyte chain": {Position: 1, Chain: strings.Repeat("é", HashLen), MAC: strings.Repeat("00", HashLen)},
	} {
		t.Run(name, func(t *testing.T) {
			env, err := DecodeEnvelope(pullFrame(t, Cursor{Epoch: "e", Position: 1, Checkpoint: &cp}))
			if err != nil {
				t.Fatal(err)
			}
			p, err := DecodePull(env)
			if err != nil || p.Cursor.Checkpoint == nil {
				t.Fatalf("DecodePull = %+v, %v; the hub must see the checkpoint to refuse it", p, err)
			}
			if err := p.Cursor.Checkpoint.Check(); code(err) != CodeBadCursor {
				t.Fatalf("Check = %v, want code %s", err, CodeBadCursor)
			}
			if _, _, ok := p.Cursor.Checkpoint.Bytes(); ok {
				t.Fatal("Bytes gave hashes of a garbled checkpoint")
			}
		})
	}
}

func TestDeliveredCheckpointMustNotLagItsDelivery(t *testing.T) {
	op := validOp(1)
	frame, _ := Encode(TypeOps, "", Ops{Epoch: "e", Ops: []Delivery{{Pos: 9, Op: op}}, Checkpoint: goodCheckpoint(8)})
	env, _ := DecodeEnvelope(frame)
	if _, err := DecodeOps(env); code(err) != CodeBadMessage {
		t.Fatalf("an ops frame whose checkpoint lags its last position: %v", err)
	}
	frame, _ = Encode(TypeOps, "", Ops{Epoch: "e", Ops: []Delivery{{Pos: 9, Op: op}}, Checkpoint: goodCheckpoint(15)})
	env, _ = DecodeEnvelope(frame)
	if o, err := DecodeOps(env); err != nil || o.Checkpoint.Position != 15 {
		t.Fatalf("an ops frame with a checkpoint at the batch's head: %+v, %v", o.Checkpoint, err)
	}
	frame, _ = Encode(TypeCaughtUp, "", CaughtUp{Epoch: "e", Position: 15, Checkpoint: goodCheckpoint(14)})
	env, _ = DecodeEnvelope(frame)
	if _, err := DecodeCaughtUp(env); code(err) != CodeBadMessage {
		t.Fatalf("a caught_up whose checkpoint is elsewhere: %v", err)
	}
}

// FuzzDecodePullCheckpoint feeds the hub's pull decoder arbitrary cursors:
// it never panics and refuses with a code; of a checkpoint it lets
// through, Check refuses as bad_cursor exactly what Bytes cannot read, and
// what Bytes reads is exactly HashLen bytes of chain and of mac, as sent.
func FuzzDecodePullCheckpoint(f *testing.F) {
	f.Add(pullFrame(f, Cursor{Epoch: "e", Position: 12, Checkpoint: goodCheckpoint(12)}))
	f.Add(pullFrame(f, Cursor{Epoch: "e", Position: 1 << 62}))
	f.Add([]byte(`{"type":"pull","data":{"cursor":{"epoch":"e","position":3,"checkpoint":{"position":-1,"chain":7}}}}`))
	f.Add([]byte(`{"type":"pull","data":{"cursor":{"checkpoint":null}}}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		env, err := DecodeEnvelope(frame)
		if err != nil {
			return
		}
		p, err := DecodePull(env)
		if err != nil {
			if code(err) == "" {
				t.Fatalf("a refusal without a code: %v", err)
			}
			return
		}
		cp := p.Cursor.Checkpoint
		if cp == nil {
			return
		}
		chain, mac, ok := cp.Bytes()
		if (cp.Check() == nil) != ok {
			t.Fatalf("Check and Bytes disagree on %+v", cp)
		}
		if !ok {
			if code(cp.Check()) != CodeBadCursor {
				t.Fatalf("a malformed checkpoint checked as %v", cp.Check())
			}
			return
		}
		if len(chain) != HashLen || len(mac) != HashLen {
			t.Fatalf("accepted a checkpoint that does not give %d-byte hashes: %+v", HashLen, cp)
		}
		if hex.EncodeToString(chain) != cp.Chain || hex.EncodeToString(mac) != cp.MAC {
			t.Fatalf("the checkpoint's hashes do not read back as sent: %+v", cp)
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	})
}
