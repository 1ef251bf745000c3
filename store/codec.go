package store

import (
	"encoding/json"

	"dutyroom/app"
)

// Stations and people are stored as their JSON (app.Station, app.Person),
// which is also their operation payload.

func encodeStation(s *app.Station) ([]byte, error) { return json.Marshal(s) }

func encodePerson(p *app.Person) ([]byte, error) { return json.Marshal(p) }

// unmarshalRecord refuses anything but one JSON object.
func unmarshalRecord(data []byte, v any) error { return app.UnmarshalObject(data, v) }

// decodeStation reads a stored record without re-validating it: a rule
// tightened in a later release must not make old records unreadable.
func decodeStation(data []byte) (app.Station, error) {
	var s app.Station
	err := unmarshalRecord(data, &s)
	return s, err
}

func decodePerson(data []byte) (app.Person, error) {
	var p app.Person
	err := unmarshalRecord(data, &p)
	return p, err
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
