package store

import (
	"bytes"
	"encoding/json"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// stationRecord is how a station is written, in the file and in operation
// payloads. The names match app.Station's fields up to case, so a plain
// json.Unmarshal into app.Station reads it too; the tags pin the format so
// renaming a Go field cannot silently change what is on disk.
type stationRecord struct {
	ID        app.ID    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Tier      app.Tier  `json:"tier"`
	Parent    app.ID    `json:"parent,omitzero"`
	Zone      string    `json:"zone,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

type personRecord struct {
	ID        app.ID     `json:"id"`
	Station   app.ID     `json:"station"`
	Name      string     `json:"name"`
	Title     string     `json:"title,omitempty"`
	Mobile    string     `json:"mobile,omitempty"`
	Office    string     `json:"office,omitempty"`
	Roles     []app.Role `json:"roles,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
}

func encodeStation(s *app.Station) ([]byte, error) {
	return json.Marshal(stationRecord{
		ID: s.ID, Code: s.Code, Name: s.Name, Tier: s.Tier, Parent: s.Parent,
		Zone: s.Zone, Phone: s.Phone, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	})
}

func encodePerson(p *app.Person) ([]byte, error) {
	return json.Marshal(personRecord{
		ID: p.ID, Station: p.Station, Name: p.Name, Title: p.Title, Mobile: p.Mobile,
		Office: p.Office, Roles: p.Roles, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	})
}

// unmarshalRecord refuses anything but one JSON object: a record that
// decodes from "null" or "[]" into zero values is damage, not data.
func unmarshalRecord(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return app.Errorf(app.EINVALID, "not a JSON object")
	}
	if !utf8.Valid(data) {
		return app.Errorf(app.EINVALID, "not valid UTF-8")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return app.Errorf(app.EINVALID, "malformed JSON: %v", err)
	}
	return nil
}

// decodeStation reads a stored record without re-validating it: a rule
// tightened in a later release must not make old records unreadable.
func decodeStation(data []byte) (app.Station, error) {
	var r stationRecord
	if err := unmarshalRecord(data, &r); err != nil {
		return app.Station{}, err
	}
	return app.Station{
		ID: r.ID, Code: r.Code, Name: r.Name, Tier: r.Tier, Parent: r.Parent,
		Zone: r.Zone, Phone: r.Phone, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}, nil
}

func decodePerson(data []byte) (app.Person, error) {
	var r personRecord
	if err := unmarshalRecord(data, &r); err != nil {
		return app.Person{}, err
	}
	return app.Person{
		ID: r.ID, Station: r.Station, Name: r.Name, Title: r.Title, Mobile: r.Mobile,
		Office: r.Office, Roles: r.Roles, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}, nil
}

// DecodeStation reads a station that came from outside this file (an
// operation payload, an import) and checks it as a form entry would be.
// EINVALID names what is wrong.
func DecodeStation(data []byte) (app.Station, error) {
	s, err := decodeStation(data)
	if err != nil {
		return app.Station{}, app.Errorf(app.EINVALID, "station: %s", app.ErrorMessage(err))
	}
	if s.ID == app.NilID {
		return app.Station{}, app.FieldErrorf("id", "station has no id")
	}
	if err := s.Validate(); err != nil {
		return app.Station{}, err
	}
	return s, nil
}

// DecodePerson is DecodeStation for people.
func DecodePerson(data []byte) (app.Person, error) {
	p, err := decodePerson(data)
	if err != nil {
		return app.Person{}, app.Errorf(app.EINVALID, "person: %s", app.ErrorMessage(err))
	}
	if p.ID == app.NilID {
		return app.Person{}, app.FieldErrorf("id", "person has no id")
	}
	if err := p.Validate(); err != nil {
		return app.Person{}, err
	}
	return p, nil
}

// maxKindLen bounds the kind so a hostile peer cannot make us keep and
// index megabytes of "kind".
const maxKindLen = 64

// DecodeOperation reads one operation from the outbox or the wire and
// checks the fields every operation must have. The payload is kept as it
// came; the service that applies the kind decodes it.
func DecodeOperation(data []byte) (app.Operation, error) {
	var op app.Operation
	if err := unmarshalRecord(data, &op); err != nil {
		return app.Operation{}, app.Errorf(app.EINVALID, "operation: %s", app.ErrorMessage(err))
	}
	switch {
	case op.ID == app.NilID:
		return app.Operation{}, app.FieldErrorf("id", "operation has no id")
	case op.Seq == 0:
		return app.Operation{}, app.FieldErrorf("seq", "operation %s has no seq (they start at 1)", op.ID)
	case op.Kind == "" || len(op.Kind) > maxKindLen:
		return app.Operation{}, app.FieldErrorf("kind", "operation %s has no usable kind", op.ID)
	case op.Entity == app.NilID:
		return app.Operation{}, app.FieldErrorf("entity", "operation %s names no entity", op.ID)
	case op.At.IsZero():
		return app.Operation{}, app.FieldErrorf("at", "operation %s has no time", op.ID)
	}
	if len(op.Payload) > 0 && string(op.Payload) == "null" {
		op.Payload = nil
	}
	return op, nil
}
