package store

import (
	"fmt"

	"dutyroom/app"
	"dutyroom/app/authority"
)

// receipt judges incoming operations on this client with the hub's own
// rule table (app/authority), against this client's tree and records, so
// that a hub that has been tampered with cannot make this station apply
// another's change to a record it does not own. One receipt serves one
// ApplyIncoming transaction; the tree follows the station operations
// applied in it.
type receipt struct {
	tx   *txn
	self app.ID
	tree *app.Tree
}

func newReceipt(tx *txn, self app.ID) *receipt { return &receipt{tx: tx, self: self} }

func (r *receipt) loadTree() (*app.Tree, error) {
	if r.tree == nil {
		list, err := allStations(r.tx)
		if err != nil {
			return nil, err
		}
		r.tree = app.NewTree(list)
	}
	return r.tree, nil
}

// check returns why op must be kept unapplied, or "". Kinds the table does
// not name are left to applyOne, which keeps them as kinds this version
// does not apply.
func (r *receipt) check(op *app.Operation) (string, error) {
	if authority.RuleOf(op.Kind) == nil {
		return "", nil
	}
	tree, err := r.loadTree()
	if err != nil {
		return "", err
	}
	facts := authority.Facts{Tree: tree, Lookup: r.lookup}
	_, refusal, err := authority.Check(op, facts)
	if err != nil {
		return "", err
	}
	if refusal == nil {
		if refusal, err = authority.CheckAuthor(op, facts); err != nil {
			return "", err
		}
	}
	if refusal != nil {
		return fmt.Sprintf("refused by the rules of its kind (%s): %s", refusal.Code, refusal.Message), nil
	}
	return r.checkReceiver(op, tree), nil
}

// checkReceiver applies the rules about who may send this station what:
// a warning comes only from a station above this one.
func (r *receipt) checkReceiver(op *app.Operation, tree *app.Tree) string {
	if op.Kind != opWarningIssue || r.self == app.NilID || tree.Station(r.self) == nil {
		return ""
	}
	if op.Origin == r.self || !tree.IsWithin(r.self, op.Origin) {
		return fmt.Sprintf("a warning from %s, which is not above this station; warnings come only from above", stationOrID(tree, op.Origin))
	}
	return ""
}

// applied tells the receipt what an applied station operation changed.
func (r *receipt) applied(op *app.Operation) error {
	if r.tree == nil {
		return nil
	}
	switch op.Kind {
	case app.OpStationCreate, app.OpStationUpdate:
		s, err := findStationByID(r.tx, op.Entity)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		r.tree.Put(s)
	case app.OpStationDelete:
		r.tree.Remove(op.Entity)
	}
	return nil
}

// lookup is authority.Facts.Lookup on a client: the owner of each record
// as this client holds it. Families whose records carry their own checks
// on applying (incidents, rosters) are not looked up.
func (r *receipt) lookup(f authority.Family, id app.ID) (authority.Record, bool, error) {
	tx := r.tx
	notFound := func(err error) (authority.Record, bool, error) {
		if app.ErrorCode(err) == app.ENOTFOUND {
			return authority.Record{}, false, nil
		}
		return authority.Record{}, false, err
	}
	switch f {
	case authority.FamilyPerson:
		p, err := findPersonByID(tx, id)
		if err != nil {
			return notFound(err)
		}
		return authority.Record{Family: f, Owner: p.Station}, true, nil
	case authority.FamilyConsult:
		c, err := getConsultation(tx, id)
		if err != nil {
			return notFound(err)
		}
		return authority.Record{Family: f, Owner: c.Consultation.Host, To: c.Consultation.Invited}, true, nil
	case authority.FamilyWarning:
		w, err := getWarning(tx, id)
		if err != nil {
			return notFound(err)
		}
		return authority.Record{Family: f, Owner: w.Issuer}, true, nil
	case authority.FamilyMessage:
		m, err := findMessage(tx, id)
		if err != nil {
			return notFound(err)
		}
		return authority.Record{Family: f, Owner: m.From, To: append(append([]app.ID(nil), m.To...), m.CC...)}, true, nil
	case authority.FamilyInstruction:
		rec, err := getInstruction(tx, id)
		if err != nil {
			return notFound(err)
		}
		return authority.Record{Family: f, Owner: rec.Instruction.Station, To: rec.Instruction.Stations()}, true, nil
	case authority.FamilySpotCheck:
		c, err := getCheck(tx, id)
		if err != nil {
			return notFound(err)
		}
		return authority.Record{Family: f, Owner: c.By, To: []app.ID{c.Target}}, true, nil
	case authority.FamilyVillageReport:
		rec, err := getVillageReport(tx, id)
		if err != nil {
			return notFound(err)
		}
		return authority.Record{Family: f, Owner: rec.Report.Village}, true, nil
	}
	return authority.Record{}, false, nil
}

func stationOrID(tree *app.Tree, id app.ID) string {
	if s := tree.Station(id); s != nil {
		return fmt.Sprintf("%s (%s)", s.Name, s.Code)
	}
	return "station " + id.String()
}
