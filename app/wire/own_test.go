package wire

import (
	"encoding/json"
	"testing"

	"dutyroom/app"
)

func ownPage(ops ...OwnEntry) OwnOps {
	var last uint64
	for _, e := range ops {
		last = max(last, e.Seq)
	}
	return OwnOps{Ops: ops, LastSeq: last}
}

func entry(origin app.ID, seq uint64) OwnEntry {
	op := validOp(seq)
	op.Origin = origin
	return OwnEntry{Seq: seq, ID: op.ID, Op: &op}
}

func TestDecodeOwnOpsTakesAPageWithARefusedSeq(t *testing.T) {
	origin := app.NewID()
	page := ownPage(entry(origin, 7), OwnEntry{Seq: 8, ID: app.NewID()}, entry(origin, 9))
	page.More = true
	frame, err := Encode(TypeOwnOps, "own.1", page)
	if err != nil {
		t.Fatal(err)
	}
	env, err := DecodeEnvelope(frame)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeOwnOps(env)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Ops) != 3 || got.Ops[1].Op != nil || got.Ops[2].Op.Seq != 9 || !got.More || got.LastSeq != 9 {
		t.Fatalf("decoded %+v", got)
	}
}

func TestDecodeOwnOpsRefusesPagesThatBreakTheRules(t *testing.T) {
	origin := app.NewID()
	a, b := entry(origin, 3), entry(origin, 4)
	other := entry(app.NewID(), 5)
	misfiled := entry(origin, 6)
	misfiled.Seq = 7
	noID := entry(origin, 8)
	noID.ID = app.NilID
	tooMany := make([]OwnEntry, MaxOwnOps+1)
	for i := range tooMany {
		tooMany[i] = OwnEntry{Seq: uint64(i + 1), ID: app.NewID()}
	}
	for name, tc := range map[string]struct {
		page OwnOps
		code string
	}{
		"seqs falling":       {ownPage(b, a), CodeBadMessage},
		"seq repeated":       {ownPage(a, a), CodeBadMessage},
		"seq zero":           {ownPage(OwnEntry{Seq: 0, ID: app.NewID()}), CodeBadMessage},
		"beyond last seq":    {OwnOps{Ops: []OwnEntry{a}, LastSeq: 2}, CodeBadMessage},
		"two stations":       {ownPage(a, b, other), CodeBadMessage},
		"op filed elsewhere": {ownPage(misfiled), CodeBadMessage},
		"no id":              {ownPage(noID), CodeBadMessage},
		"more after nothing": {OwnOps{LastSeq: 4, More: true}, CodeBadMessage},
		"too many":           {ownPage(tooMany...), CodeTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			frame, _ := Encode(TypeOwnOps, "", tc.page)
			env, err := DecodeEnvelope(frame)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecodeOwnOps(env); code(err) != tc.code {
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
		})
	}
	bad := a
	op := *a.Op
	op.Kind = ""
	bad.Op = &op
	frame, _ := Encode(TypeOwnOps, "", ownPage(bad))
	env, _ := DecodeEnvelope(frame)
	if _, err := DecodeOwnOps(env); code(err) != CodeInvalid {
		t.Fatalf("an invalid operation: got %v, want invalid", err)
	}
}

// FuzzDecodeOwnOps feeds the decoder of own pages arbitrary frames: it
// must never panic, every refusal carries a code, and a page it accepts
// keeps its promises (rising seqs within LastSeq, each operation under its
// own id and seq).
func FuzzDecodeOwnOps(f *testing.F) {
	origin := app.NewID()
	for _, page := range []OwnOps{
		ownPage(entry(origin, 1), OwnEntry{Seq: 2, ID: app.NewID()}, entry(origin, 3)),
		{LastSeq: 12},
	} {
		frame, _ := Encode(TypeOwnOps, "own.1", page)
		f.Add(frame)
	}
	own, _ := Encode(TypeOwn, "own.1", Own{After: 41})
	f.Add(own)
	f.Add([]byte(`{"type":"own_ops","data":{"ops":[{"seq":1,"id":"019c8a72-0001-7aaa-8bbb-0c0d0e0f1011","op":null}],"lastSeq":1}}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		env, err := DecodeEnvelope(frame)
		if err != nil {
			return
		}
		if _, err := DecodeOwn(env); err != nil && code(err) == "" {
			t.Fatalf("own: an error without a code: %v", err)
		}
		o, err := DecodeOwnOps(env)
		if err != nil {
			if code(err) == "" {
				t.Fatalf("own_ops: an error without a code: %v", err)
			}
			return
		}
		if len(o.Ops) > MaxOwnOps {
			t.Fatalf("accepted %d entries", len(o.Ops))
		}
		for i, e := range o.Ops {
			if e.Seq == 0 || e.Seq > o.LastSeq || (i > 0 && e.Seq <= o.Ops[i-1].Seq) || e.ID == app.NilID {
				t.Fatalf("accepted entry %d: %+v of a page with last seq %d", i, e, o.LastSeq)
			}
			if e.Op != nil && (e.Op.ID != e.ID || e.Op.Seq != e.Seq || e.Op.Validate() != nil) {
				t.Fatalf("accepted entry %d holding %+v", i, e.Op)
			}
		}
		if _, err := json.Marshal(o); err != nil {
			t.Fatalf("an accepted page does not encode again: %v", err)
		}
	})
}
