package authority

import (
	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
)

// MaxChildren bounds the stations under one station. A county has a few
// dozen townships and a township a few dozen villages; the bound keeps one
// account from growing the tree (and every station's copy of it) without
// end. The prefecture's import is not bound by it.
const MaxChildren = 200

// checkStation applies the station rules. A station owns itself: it and
// the stations above it change it. A client adds a station only under its
// own or below it, one operation per station, and no station may have
// more than MaxChildren under it; whole trees come from the prefecture's
// import, which the cap does not bind.
// Stations keep their tier and parent. Operations with the nil origin are
// the hub's own (an import) and only create.
func checkStation(op *app.Operation, rule *Rule, f Facts, d Decision) (Decision, *wire.Error, error) {
	tree := f.Tree
	if op.Kind == app.OpStationDelete {
		s := tree.Station(op.Entity)
		switch {
		case s == nil && f.Strict:
			return d, wire.Errorf(wire.CodeInvalid, "station.delete: no station %s", op.Entity), nil
		case s == nil:
			return d, nil, nil
		case s.ID == op.Origin || !tree.IsWithin(s.ID, op.Origin):
			return d, wire.Errorf(wire.CodeForbidden, "station.delete: %s (%s) may be deleted only by a station above it", s.Name, s.Code), nil
		case len(tree.Children(s.ID)) > 0:
			return d, wire.Errorf(wire.CodeInvalid, "station.delete: %s (%s) still has stations under it", s.Name, s.Code), nil
		}
		return d, nil, nil
	}
	var s app.Station
	if err := app.UnmarshalObject(op.Payload, &s); err != nil {
		return d, wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err)), nil
	}
	if err := s.Validate(); err != nil {
		return d, wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err)), nil
	}
	if s.ID != op.Entity {
		return d, wire.Errorf(wire.CodeInvalid, "%s: the payload is station %s but the operation names %s", op.Kind, s.ID, op.Entity), nil
	}
	old := tree.Station(s.ID)
	if op.Kind == app.OpStationCreate && old == nil {
		if !f.Strict && tree.Station(op.Origin) == nil {
			// The hub's import (the nil origin), or a station this
			// client does not hold: the tree's additions are the hub's
			// to judge; applying checks the placement.
			return d, nil, nil
		}
		if s.Tier == app.TierPrefecture {
			return d, wire.Errorf(wire.CodeForbidden, "station.create: a prefecture is added with dutyhub station import, not by a client"), nil
		}
		if !tree.IsWithin(s.Parent, op.Origin) {
			return d, wire.Errorf(wire.CodeForbidden, "station.create: %s may be added only under the station adding it or below it; whole trees come from the prefecture's import", s.Name), nil
		}
		parent := tree.Station(s.Parent)
		if parent == nil {
			if f.Strict {
				return d, wire.Errorf(wire.CodeInvalid, "station.create: %s hangs under station %s, which this hub does not know", s.Name, s.Parent), nil
			}
			return d, nil, nil
		}
		if err := app.CheckPlacement(&s, parent); err != nil {
			return d, wire.Errorf(wire.CodeInvalid, "station.create: %s", app.ErrorMessage(err)), nil
		}
		if n := len(tree.Children(parent.ID)); n >= MaxChildren {
			return d, wire.Errorf(wire.CodeStationLimit, "station.create: %s (%s) already has %d stations under it, the most one station may have (%d)", parent.Name, parent.Code, n, MaxChildren), nil
		}
		d.Owner = s.ID
		return d, nil, nil
	}
	if old == nil {
		if f.Strict {
			return d, wire.Errorf(wire.CodeInvalid, "station.update: no station %s", s.ID), nil
		}
		return d, nil, nil
	}
	if op.Kind == app.OpStationCreate && op.Origin == app.NilID && !f.Strict {
		return d, nil, nil // the hub's import again, after a new epoch
	}
	switch {
	case !tree.IsWithin(s.ID, op.Origin):
		return d, wire.Errorf(wire.CodeForbidden, "%s: %s (%s) may be changed only by itself or a station above it", op.Kind, old.Name, old.Code), nil
	case op.Kind == app.OpStationCreate && f.Strict:
		return d, wire.Errorf(wire.CodeInvalid, "station.create: station %s already exists (%s)", s.ID, old.Name), nil
	case s.Tier != old.Tier || s.Parent != old.Parent:
		return d, wire.Errorf(wire.CodeInvalid, "%s: the tier and parent of %s cannot change", op.Kind, old.Name), nil
	}
	d.Owner = s.ID
	return d, nil, nil
}

// personFields are what the rules read of a person's payload.
type personFields struct {
	ID      app.ID `json:"id"`
	Station app.ID `json:"station"`
	Name    string `json:"name"`
}

func decodePerson(op *app.Operation) (personFields, *wire.Error) {
	var p personFields
	if err := app.UnmarshalObject(op.Payload, &p); err != nil {
		return p, wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err))
	}
	if p.ID != op.Entity {
		return p, wire.Errorf(wire.CodeInvalid, "%s: the payload is person %s but the operation names %s", op.Kind, p.ID, op.Entity)
	}
	if p.Station == app.NilID {
		return p, wire.Errorf(wire.CodeInvalid, "%s: person %s names no station", op.Kind, p.ID)
	}
	return p, nil
}

// checkConsultHost: a consultation's schedule, start and end carry the
// whole consultation, whose host must be the station sending it (the
// table then holds it to the first host).
func checkConsultHost(op *app.Operation) *wire.Error {
	var c struct {
		ID   app.ID `json:"id"`
		Host app.ID `json:"host"`
	}
	if err := app.UnmarshalObject(op.Payload, &c); err != nil {
		return wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err))
	}
	if c.ID != op.Entity {
		return wire.Errorf(wire.CodeInvalid, "%s: the payload is consultation %s but the operation names %s", op.Kind, c.ID, op.Entity)
	}
	if c.Host != op.Origin {
		return wire.Errorf(wire.CodeForbidden, "%s: consultation %s names host %s but comes from station %s; a station hosts only its own consultations", op.Kind, c.ID, c.Host, op.Origin)
	}
	return nil
}

// checkOwnReport: a spot check's arrival and a warning's delivery name
// the record they report on and the station that has it, which must be
// the station sending it; the table then holds it to a station the record
// was for (the station checked; a station below the warning's issuer).
// The time is judged by the stations that read it.
func checkOwnReport(op *app.Operation) *wire.Error {
	var r struct {
		Check   app.ID `json:"check"`
		Warning app.ID `json:"warning"`
		Station app.ID `json:"station"`
	}
	if err := app.UnmarshalObject(op.Payload, &r); err != nil {
		return wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err))
	}
	record := r.Check
	if op.Kind == warning.OpDeliver {
		record = r.Warning
	}
	if record != op.Entity {
		return wire.Errorf(wire.CodeInvalid, "%s: the payload reports on %s but the operation names %s", op.Kind, record, op.Entity)
	}
	if r.Station != op.Origin {
		return wire.Errorf(wire.CodeForbidden, "%s: the report names station %s but comes from station %s; a station reports only its own arrivals and deliveries", op.Kind, r.Station, op.Origin)
	}
	return nil
}
