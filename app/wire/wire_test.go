package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
)

func validOp(seq uint64) app.Operation {
	return app.Operation{
		ID: app.NewID(), Origin: app.NewID(), Seq: seq, Author: "张三",
		At: time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC), Kind: app.OpStationUpdate,
		Entity: app.NewID(), Payload: json.RawMessage(`{"name":"吉首市"}`),
	}
}

func code(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	return ""
}

func TestDecodeEnvelopeRefusesWhatIsNotAnEnvelope(t *testing.T) {
	for name, tc := range map[string]struct {
		frame string
		code  string
	}{
		"empty":          {"", CodeBadMessage},
		"array":          {`[1,2]`, CodeBadMessage},
		"malformed":      {`{"type":"push",`, CodeBadMessage},
		"no type":        {`{"id":"1"}`, CodeBadMessage},
		"type not text":  {`{"type":7}`, CodeBadMessage},
		"long type":      {`{"type":"` + strings.Repeat("x", MaxTypeLen+1) + `"}`, CodeBadMessage},
		"control in id":  {`{"type":"push","id":"a\u0001"}`, CodeBadMessage},
		"data not obj":   {`{"type":"push","data":[1]}`, CodeBadMessage},
		"invalid utf-8":  {"{\"type\":\"p\xffush\"}", CodeBadMessage},
		"oversize frame": {`{"type":"push","data":{"x":"` + strings.Repeat("a", MaxFrame) + `"}}`, CodeTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeEnvelope([]byte(tc.frame))
			if code(err) != tc.code {
				t.Fatalf("DecodeEnvelope(%.40q) = %v, want code %s", tc.frame, err, tc.code)
			}
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	op := validOp(1)
	frame, err := Encode(TypePush, "42", Push{Ops: []app.Operation{op}})
	if err != nil {
		t.Fatal(err)
	}
	env, err := DecodeEnvelope(frame)
	if err != nil {
		t.Fatal(err)
	}
	if env.Type != TypePush || env.ID != "42" {
		t.Fatalf("envelope %+v", env)
	}
	p, err := DecodePush(env)
	if err != nil {
		t.Fatal(err)
	}
	got := p.Ops[0]
	if got.ID != op.ID || got.Seq != 1 || !got.At.Equal(op.At) || !bytes.Equal(got.Payload, op.Payload) {
		t.Fatalf("round trip changed the operation: %+v", got)
	}
}

func TestCheckVersionRefusesAnotherMajor(t *testing.T) {
	for _, v := range []string{"1.0", "1.7"} {
		if err := CheckVersion(v); err != nil {
			t.Errorf("CheckVersion(%q) = %v", v, err)
		}
	}
	for _, v := range []string{"2.0", "0.9", "", "1", "x.1", "-1.0"} {
		err := CheckVersion(v)
		if code(err) != CodeVersion {
			t.Errorf("CheckVersion(%q) = %v, want code version", v, err)
		}
	}
	env, _ := DecodeEnvelope([]byte(`{"type":"hello","data":{"version":"2.3","token":"x"}}`))
	_, err := DecodeHello(env)
	if code(err) != CodeVersion || !strings.Contains(err.Error(), "2.3") {
		t.Fatalf("DecodeHello of a v2 client = %v", err)
	}
}

func TestDecodeHelloNeedsOneCredential(t *testing.T) {
	for frame, want := range map[string]string{
		`{"type":"hello","data":{"version":"1.0"}}`:                                                 CodeUnauthorized,
		`{"type":"hello","data":{"version":"1.0","token":"t","login":{"user":"a","password":"b"}}}`: CodeBadMessage,
		`{"type":"hello","data":{"version":"1.0","login":{"user":"","password":"b"}}}`:              CodeBadMessage,
		`{"type":"hello"}`: CodeBadMessage,
		`{"type":"hello","data":{"version":"1.0","token":"` + strings.Repeat("t", MaxTokenLen+1) + `"}}`: CodeUnauthorized,
		`{"type":"hello","data":{"version":"1.0","token":"t"}}`:                                          "",
		`{"type":"hello","data":{"version":"1.0","login":{"user":"zhang","password":"pw"}}}`:             "",
	} {
		env, err := DecodeEnvelope([]byte(frame))
		if err != nil {
			t.Fatal(err)
		}
		_, err = DecodeHello(env)
		if code(err) != want {
			t.Errorf("DecodeHello(%s) = %v, want %q", frame, err, want)
		}
	}
}

func TestDecodePushChecksEveryOperation(t *testing.T) {
	push := func(ops ...app.Operation) Envelope {
		frame, err := Encode(TypePush, "", Push{Ops: ops})
		if err != nil {
			t.Fatal(err)
		}
		env, err := DecodeEnvelope(frame)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	noKind := validOp(1)
	noKind.Kind = ""
	badScope := validOp(1)
	badScope.Scope = "sideways"
	tooMany := make([]app.Operation, MaxPushOps+1)
	for i := range tooMany {
		tooMany[i] = validOp(uint64(i + 1))
	}
	for name, tc := range map[string]struct {
		env  Envelope
		code string
	}{
		"ok":         {push(validOp(1), validOp(2)), ""},
		"empty":      {push(), CodeBadMessage},
		"no kind":    {push(noKind), CodeInvalid},
		"bad scope":  {push(badScope), CodeInvalid},
		"seq falls":  {push(validOp(2), validOp(1)), CodeOutOfOrder},
		"seq repeat": {push(validOp(2), validOp(2)), CodeOutOfOrder},
		"too many":   {push(tooMany...), CodeTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodePush(tc.env)
			if code(err) != tc.code {
				t.Fatalf("DecodePush = %v, want %q", err, tc.code)
			}
		})
	}
}

func TestDecodeOpsNeedsRisingPositions(t *testing.T) {
	frame, _ := Encode(TypeOps, "", Ops{Epoch: "e1", Ops: []Delivery{{Pos: 5, Op: validOp(1)}, {Pos: 5, Op: validOp(2)}}})
	env, _ := DecodeEnvelope(frame)
	if _, err := DecodeOps(env); code(err) != CodeBadMessage {
		t.Fatalf("DecodeOps with a repeated position = %v", err)
	}
	frame, _ = Encode(TypeOps, "", Ops{Epoch: "e1", Ops: []Delivery{{Pos: 5, Op: validOp(1)}, {Pos: 9, Op: validOp(2)}}})
	env, _ = DecodeEnvelope(frame)
	if o, err := DecodeOps(env); err != nil || len(o.Ops) != 2 {
		t.Fatalf("DecodeOps = %+v, %v", o, err)
	}
}

func TestDecodeErrorWithoutCode(t *testing.T) {
	env, _ := DecodeEnvelope([]byte(`{"type":"error","data":{"message":"x"}}`))
	if e := DecodeError(env); e.Code != CodeBadMessage {
		t.Fatalf("DecodeError = %+v", e)
	}
	env, _ = DecodeEnvelope(EncodeError("3", Errorf(CodeForbidden, "no")))
	if e := DecodeError(env); e.Code != CodeForbidden || env.ID != "3" {
		t.Fatalf("DecodeError = %+v, id %q", e, env.ID)
	}
}

// decodeBody runs the decoder of the envelope's type, as the hub and the
// client do, so the fuzzer reaches every body decoder.
func decodeBody(env Envelope) error {
	var err error
	switch env.Type {
	case TypeHello:
		_, err = DecodeHello(env)
	case TypeWelcome:
		_, err = DecodeWelcome(env)
	case TypePush:
		_, err = DecodePush(env)
	case TypeAck:
		_, err = DecodeAck(env)
	case TypePull:
		_, err = DecodePull(env)
	case TypeOps:
		_, err = DecodeOps(env)
	case TypeCaughtUp:
		_, err = DecodeCaughtUp(env)
	case TypeRoomRecord:
		_, err = DecodeRoomRecord(env)
	case TypeRoomRecording:
		_, err = DecodeRoomRecording(env)
	case TypeRoomRecordings:
		_, err = DecodeRoomRecordings(env)
	case TypeOwn:
		_, err = DecodeOwn(env)
	case TypeOwnOps:
		_, err = DecodeOwnOps(env)
	case TypeError:
		err = DecodeError(env)
	}
	return err
}

func FuzzDecodeEnvelope(f *testing.F) {
	op := validOp(1)
	for _, seed := range []any{
		Hello{Version: Version, Token: "abc"},
		Push{Ops: []app.Operation{op}},
		Ops{Epoch: "e", Ops: []Delivery{{Pos: 1, Op: op}}},
		Pull{Cursor: Cursor{Epoch: "e", Position: 3}},
	} {
		frame, _ := json.Marshal(map[string]any{"type": "x", "data": seed})
		f.Add(frame)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		env, err := DecodeEnvelope(frame)
		if err != nil {
			if code(err) == "" || err.Error() == "" {
				t.Fatalf("an error without a code or message: %v", err)
			}
			return
		}
		if env.Type == "" {
			t.Fatal("accepted an envelope without a type")
		}
		// Whatever the body decoders say, they must say it as a protocol
		// error, never panic, and a decoded envelope must encode again.
		if err := decodeBody(env); err != nil && code(err) == "" {
			t.Fatalf("body error without a code: %v", err)
		}
		again, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if _, err := DecodeEnvelope(again); err != nil && len(again) <= MaxFrame {
			t.Fatalf("a decoded envelope does not decode again: %v\n%s", err, again)
		}
	})
}

func TestPinForms(t *testing.T) {
	pin := Pin([]byte("certificate"))
	if len(pin) != 64 {
		t.Fatalf("pin %q", pin)
	}
	for _, form := range []string{pin, FormatPin(pin), strings.ToUpper(pin), "SHA256:" + pin, "sha256/" + pin} {
		if NormalisePin(form) != pin {
			t.Errorf("NormalisePin(%q) = %q", form, NormalisePin(form))
		}
	}
	for _, bad := range []string{"", "abc", strings.Repeat("z", 64), pin + "00"} {
		if NormalisePin(bad) != "" {
			t.Errorf("NormalisePin(%q) accepted", bad)
		}
	}
}
