package authority

import (
	"dutyroom/app"
	"dutyroom/app/wire"
)

// CheckAuthor decides whether the person an operation names as its author
// may sign it. The author is a person of the origin station or of a station
// below it: a station speaks for its own subtree (it may already create and
// change the people there), and a county officer covering a township's desk
// from the county still signs as who they are. It never speaks for a station
// beside or above it, so a hostile station cannot put another station's
// officer under its records.
//
// An operation without an author id passes (the hub's own, older clients).
// An author the caller does not know is refused when Strict (the hub knows
// every person it admitted or imported) and passes otherwise (a client may
// not hold that station's people). The refusal's code is CodeForeignAuthor.
func CheckAuthor(op *app.Operation, f Facts) (*wire.Error, error) {
	if op.AuthorID == app.NilID {
		return nil, nil
	}
	rec, known, err := f.Lookup(FamilyPerson, op.AuthorID)
	if err != nil {
		return nil, err
	}
	if !known {
		if f.Strict {
			return wire.Errorf(wire.CodeForeignAuthor, "%s: the author %s (%s) is not a person this hub knows; sign records only with people of the station", op.Kind, op.Author, op.AuthorID), nil
		}
		return nil, nil
	}
	if rec.Family != FamilyPerson {
		return wire.Errorf(wire.CodeForeignAuthor, "%s: the author id %s names a %s, not a person", op.Kind, op.AuthorID, rec.Family), nil
	}
	if op.Origin == app.NilID || f.Tree.Station(op.Origin) == nil || !f.Tree.IsWithin(rec.Owner, op.Origin) {
		return wire.Errorf(wire.CodeForeignAuthor, "%s: the author %s (%s) is a person of %s, not of %s or a station below it; a station signs records only with its own people", op.Kind, op.Author, op.AuthorID, stationLabel(f.Tree, rec.Owner), stationLabel(f.Tree, op.Origin)), nil
	}
	return nil, nil
}
