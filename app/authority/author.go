package authority

import (
	"bytes"
	"encoding/json"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
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
	if refusal := checkRecordAuthor(op); refusal != nil {
		return refusal, nil
	}
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

// recordAuthor is where the records that carry their author's id keep it in
// the operation that creates them: a duty-log entry at the top, a message
// under "message", an incident under "incident".
type recordAuthor struct {
	AuthorID app.ID `json:"author_id"`
	Message  *struct {
		AuthorID app.ID `json:"author_id"`
	} `json:"message"`
	Incident *struct {
		CreatedByID app.ID `json:"created_by_id"`
	} `json:"incident"`
}

// checkRecordAuthor refuses a creating operation whose record names another
// author than the operation does: otherwise a station could sign the
// operation with its own officer and the record, which the screens show,
// with another station's. Only the kinds that create such a record at their
// origin are read (a shared incident carries its first station's taker).
func checkRecordAuthor(op *app.Operation) *wire.Error {
	switch op.Kind {
	case roster.OpLog, message.OpSend, incident.OpIncidentCreate:
	default:
		return nil
	}
	if !bytes.Contains(op.Payload, []byte(`_id"`)) {
		return nil // no author id anywhere in it: nothing to compare
	}
	var r recordAuthor
	if err := json.Unmarshal(op.Payload, &r); err != nil {
		return nil // the kind's own checks refuse a payload that does not decode
	}
	named := r.AuthorID
	if r.Message != nil && r.Message.AuthorID != app.NilID {
		named = r.Message.AuthorID
	}
	if r.Incident != nil && r.Incident.CreatedByID != app.NilID {
		named = r.Incident.CreatedByID
	}
	if named != app.NilID && named != op.AuthorID {
		return wire.Errorf(wire.CodeForeignAuthor, "%s: the record names author %s but the operation is signed by %s", op.Kind, named, op.AuthorID)
	}
	return nil
}
