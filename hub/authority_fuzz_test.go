package hub

import (
	"testing"

	"dutyroom/app"
)

// The owners bucket's entries are read back on every change; a damaged one
// must be an error, never a panic or a record without an owner.
func FuzzDecodeOwnerRecord(f *testing.F) {
	f.Add([]byte(`{"f":"person","o":"019c8a6e-4b2a-7c1d-9e3f-0a1b2c3d4e5f"}`))
	f.Add([]byte(`{"f":"consult","o":"019c8a6e-4b2a-7c1d-9e3f-0a1b2c3d4e5f","to":["019c8a6e-0000-7000-8000-00000000000a"]}`))
	f.Add([]byte(`{"f":"","o":"00000000-0000-0000-0000-000000000000"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := decodeOwnerRecord(raw)
		if err != nil {
			return
		}
		if r.Family == "" || r.Owner == app.NilID {
			t.Fatalf("decoded a record without family or owner: %+v", r)
		}
		again, err := encodeOwnerRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		if r2, err := decodeOwnerRecord(again); err != nil || r2.Owner != r.Owner || r2.Family != r.Family || len(r2.To) != len(r.To) {
			t.Fatalf("round trip: %+v → %s → %+v, %v", r, again, r2, err)
		}
	})
}

// The station file of `dutyhub station import` comes from outside.
func FuzzDecodeDirectory(f *testing.F) {
	f.Add([]byte(`[{"id":"019c8a6e-4b2a-7c1d-9e3f-0a1b2c3d4e5f","code":"433100","name":"湘西州","tier":1}]`))
	f.Add([]byte(`{"stations":[{"code":"433100","name":"湘西州","tier":1}],"people":[{"id":"019c8a6f-aaaa-7bbb-8ccc-0d0e0f101112","station":"019c8a6e-4b2a-7c1d-9e3f-0a1b2c3d4e5f","name":"张三"}]}`))
	f.Add([]byte(`{"people":[{"name":"无站"}]}`))
	f.Add([]byte(`"x"`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := DecodeDirectory(raw)
		if err != nil {
			return
		}
		for _, p := range d.People {
			if p.ID == app.NilID || p.Station == app.NilID {
				t.Fatalf("decoded a person without id or station: %+v", p)
			}
		}
	})
}
