package store

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
)

// The fuzz targets decode what arrives from outside: operations from the
// wire and the records in their payloads. Seeds are in testdata/fuzz.

func FuzzDecodeOperation(f *testing.F) {
	f.Add([]byte(`{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70","origin":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a71","seq":1,"author":"张值班","at":"2026-02-15T00:30:00Z","kind":"station.create","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","payload":{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		op, err := DecodeOperation(data)
		if err != nil {
			if app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("error code %q for bad input: %v", app.ErrorCode(err), err)
			}
			return
		}
		if op.ID == app.NilID || op.Seq == 0 || op.Kind == "" || op.Entity == app.NilID || op.At.IsZero() {
			t.Fatalf("accepted an incomplete operation %+v", op)
		}
		again, err := DecodeOperation(mustJSON(t, &op))
		if err != nil {
			t.Fatalf("re-encoded operation does not decode: %v", err)
		}
		if again.ID != op.ID || again.Origin != op.Origin || again.Seq != op.Seq || again.Author != op.Author ||
			!again.At.Equal(op.At) || again.Kind != op.Kind || again.Entity != op.Entity || !sameJSON(again.Payload, op.Payload) {
			t.Fatalf("round trip changed the operation:\n%+v\n%+v", op, again)
		}
	})
}

func FuzzDecodeStation(f *testing.F) {
	f.Add([]byte(`{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","code":"433101","name":"吉首市","tier":2,"parent":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a71","zone":"Asia/Shanghai","createdAt":"2026-02-15T00:30:00Z","updatedAt":"2026-02-15T00:30:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeStation(data)
		if err != nil {
			if app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("error code %q for bad input: %v", app.ErrorCode(err), err)
			}
			return
		}
		buf, err := encodeStation(&s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeStation(buf)
		if err != nil {
			t.Fatalf("re-encoded station does not decode: %v", err)
		}
		if again.ID != s.ID || again.Code != s.Code || again.Name != s.Name || again.Tier != s.Tier || again.Parent != s.Parent ||
			again.Zone != s.Zone || again.Phone != s.Phone || !again.CreatedAt.Equal(s.CreatedAt) || !again.UpdatedAt.Equal(s.UpdatedAt) {
			t.Fatalf("round trip changed the station:\n%+v\n%+v", s, again)
		}
	})
}

func FuzzDecodePerson(f *testing.F) {
	f.Add([]byte(`{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a73","station":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","name":"彭局长","title":"副局长","mobile":"13900000001","roles":["leader","cadre"],"createdAt":"2026-02-15T00:30:00Z","updatedAt":"2026-02-15T00:30:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePerson(data)
		if err != nil {
			if app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("error code %q for bad input: %v", app.ErrorCode(err), err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted a person that does not validate: %v", err)
		}
		buf, err := encodePerson(&p)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodePerson(buf)
		if err != nil {
			t.Fatalf("re-encoded person does not decode: %v", err)
		}
		if again.ID != p.ID || again.Station != p.Station || again.Name != p.Name || again.Title != p.Title ||
			again.Mobile != p.Mobile || again.Office != p.Office || !sameRoles(again.Roles, p.Roles) ||
			!again.CreatedAt.Equal(p.CreatedAt) || !again.UpdatedAt.Equal(p.UpdatedAt) {
			t.Fatalf("round trip changed the person:\n%+v\n%+v", p, again)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	buf, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func sameJSON(a, b []byte) bool {
	var ca, cb bytes.Buffer
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return false
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

func sameRoles(a, b []app.Role) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Decoding is strict about shape but lenient about what it does not know,
// so a newer DutyRoom can add fields.
func TestDecodeOperationRejectsAndAccepts(t *testing.T) {
	good := `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70","seq":3,"at":"2026-02-15T00:30:00Z","kind":"person.delete","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","payload":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","hlc":17}`
	op, err := DecodeOperation([]byte(good))
	if err != nil {
		t.Fatalf("good operation refused: %v", err)
	}
	if op.Seq != 3 || op.Origin != app.NilID || !op.At.Equal(time.Date(2026, 2, 15, 0, 30, 0, 0, time.UTC)) {
		t.Errorf("decoded %+v", op)
	}
	for name, bad := range map[string]string{
		"null":       `null`,
		"array":      `[]`,
		"empty":      ``,
		"trailing":   good + `{}`,
		"no id":      `{"seq":1,"at":"2026-02-15T00:30:00Z","kind":"x","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72"}`,
		"seq zero":   `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70","seq":0,"at":"2026-02-15T00:30:00Z","kind":"x","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72"}`,
		"seq string": `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70","seq":"1","at":"2026-02-15T00:30:00Z","kind":"x","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72"}`,
		"no kind":    `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70","seq":1,"at":"2026-02-15T00:30:00Z","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72"}`,
		"no time":    `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70","seq":1,"kind":"x","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72"}`,
		"bad id":     `{"id":"433101","seq":1,"at":"2026-02-15T00:30:00Z","kind":"x","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72"}`,
		"bad utf8":   "{\"id\":\"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70\",\"author\":\"\xff\"}",
		"no entity":  `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70","seq":1,"at":"2026-02-15T00:30:00Z","kind":"x"}`,
		"long kind":  `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a70","seq":1,"at":"2026-02-15T00:30:00Z","kind":"` + string(bytes.Repeat([]byte("k"), 65)) + `","entity":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72"}`,
	} {
		if _, err := DecodeOperation([]byte(bad)); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("%s: error %v, want EINVALID", name, err)
		}
	}
}

func TestDecodeStationValidates(t *testing.T) {
	for name, bad := range map[string]string{
		"no id":            `{"code":"433101","name":"吉首市","tier":1}`,
		"empty name":       `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","code":"433101","name":" ","tier":1}`,
		"bad tier":         `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","code":"433101","name":"吉首市","tier":"county"}`,
		"county no parent": `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","code":"433101","name":"吉首市","tier":2}`,
		"bad zone":         `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","code":"433101","name":"吉首市","tier":1,"zone":"Mars/Olympus"}`,
	} {
		if _, err := DecodeStation([]byte(bad)); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("%s: error %v, want EINVALID", name, err)
		}
	}
}

func TestDecodePersonValidates(t *testing.T) {
	for name, bad := range map[string]string{
		"no id":      `{"station":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","name":"张三","mobile":"13900000001"}`,
		"bad mobile": `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a73","station":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","name":"张三","mobile":"139"}`,
		"bad role":   `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a73","station":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","name":"张三","mobile":"13900000001","roles":["king"]}`,
		"roles type": `{"id":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a73","station":"019b7a7e-8e2c-7c3a-9a4e-2f1d3c5b6a72","name":"张三","mobile":"13900000001","roles":"leader"}`,
	} {
		if _, err := DecodePerson([]byte(bad)); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("%s: error %v, want EINVALID", name, err)
		}
	}
}
