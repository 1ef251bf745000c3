// Package authority decides who may do what to whose record. The hub
// applies it to every operation pushed to it (and stores only what it
// admits); each client applies it again to every operation delivered, so
// that a hub that has been tampered with still cannot let one station
// rewrite another's records (DESIGN.md, "Identity, time, ownership").
//
// The rules are one table, Rules, written down in docs/protocol.md
// ("Who may do what"). The package knows no storage: the caller tells it
// the station tree and what it knows of the record an operation names.
package authority

import (
	"fmt"
	"slices"
	"sort"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
	"dutyroom/app/instruction"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/spotcheck"
	"dutyroom/app/villagereport"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
)

// Family is the kind of record an operation's entity names. An entity id
// belongs to one family for ever: an operation of another family naming it
// is refused.
type Family string

const (
	FamilyStation   Family = "station"
	FamilyPerson    Family = "person"
	FamilyIncident  Family = "incident"
	FamilyMessage   Family = "message"
	FamilyWarning   Family = "warning"
	FamilySpotCheck Family = "spotcheck"
	FamilyConsult   Family = "consult"
	FamilyRoster    Family = "roster"
	FamilyCalendar  Family = "calendar"
	// FamilyInstruction: a leader's instruction (批示) and everything
	// recorded against it; chunks name the instruction too.
	FamilyInstruction Family = "instruction"
	// FamilyVillageReport: a village information officer's report, owned
	// by the village; its photos' chunks and its verification name it.
	FamilyVillageReport Family = "villagereport"
)

// Who says which stations may operate on a record that exists.
type Who int

const (
	// Owner: the owning station alone (a consultation's host).
	Owner Who = iota + 1
	// OwnerOrAbove: the owner or a station above it.
	OwnerOrAbove
	// Addressee: a station the owner addressed the record to (invited
	// to a consultation, sent a message, the station a spot check checks).
	Addressee
	// OwnerOrAddressee: either (a stay in a consultation).
	OwnerOrAddressee
	// Below: a station under the owner (acknowledging a warning, which
	// goes down the tree).
	Below
	// Holder: a station that holds the record: the owner, those above it,
	// and those it was addressed to by any holder (an incident's stations).
	Holder
	// TheStation: the entity is a station and the record is that
	// station's own (its roster, its grading rules): the station itself
	// or a station above it. Nothing to look up.
	TheStation
	// Anyone: the record is the origin's own by construction (its holiday
	// calendar, sent to its subtree); no owner is kept.
	Anyone
)

func (w Who) String() string {
	switch w {
	case Owner:
		return "the owner"
	case OwnerOrAbove:
		return "the owner or a station above it"
	case Addressee:
		return "a station the record is addressed to"
	case OwnerOrAddressee:
		return "the owner or a station the record is addressed to"
	case Below:
		return "a station below the owner"
	case Holder:
		return "a station holding the record (its owner, those above, those it was sent to)"
	case TheStation:
		return "the station the entity names, or a station above it"
	case Anyone:
		return "any station, for its own subtree"
	}
	return "nobody"
}

// Addressing limits whom an operation may name in To.
type Addressing int

const (
	// Routed: To and Scope as the kind's service sets them; the hub checks
	// only that every address is a station.
	Routed Addressing = iota
	// Down: no To; the operation goes to the origin's subtree.
	Down
	// BelowOrigin: To names stations strictly below the origin only.
	BelowOrigin
)

// Rule is what the table says of one operation kind.
type Rule struct {
	Kind   string
	Family Family
	// Creates: an operation naming an entity nobody has seen creates the
	// record, owned by the origin (for a person: by the person's station,
	// which must be the origin or below it).
	Creates bool
	// Who may operate on a record that exists.
	Who Who
	// To: whom it may address.
	To Addressing
	// Proof names the test that shows the rule holds.
	Proof string

	// HubSubject, for the kinds the hub itself writes (origin nil) on
	// behalf of someone with no client of their own (an SMS reply, a
	// village officer's phone), reads from the operation the station the
	// hub speaks for: the village of a report, the station of an
	// acknowledgement. The hub's operation is then judged as if that
	// station had sent it. A nil station means "the record's owner" (a
	// report's photo). Nil for kinds the hub never writes.
	HubSubject func(op *app.Operation) (app.ID, error)
	// HubOnly: only the hub writes this kind; a station's is refused.
	HubOnly bool
}

// Rules is the table. A kind not in it is refused by the hub (code
// unknown_kind) and kept unapplied by clients: a newer client's new kind
// is accepted once the hub, then the clients, are upgraded to a version
// whose table names it.
var Rules = []Rule{
	{Kind: app.OpStationCreate, Family: FamilyStation, Creates: true, Who: OwnerOrAbove, Proof: "TestStationCreateOnlyBelowTheOriginAndCapped"},
	{Kind: app.OpStationUpdate, Family: FamilyStation, Who: OwnerOrAbove, Proof: "TestStationChangedOnlyByItselfOrAbove"},
	{Kind: app.OpStationDelete, Family: FamilyStation, Who: OwnerOrAbove, Proof: "TestStationChangedOnlyByItselfOrAbove"},

	{Kind: app.OpPersonCreate, Family: FamilyPerson, Creates: true, Who: OwnerOrAbove, Proof: "TestPersonOfAnotherStationRefused"},
	{Kind: app.OpPersonUpdate, Family: FamilyPerson, Who: OwnerOrAbove, Proof: "TestTownshipCannotRenameThePrefecturesDeputy"},
	{Kind: app.OpPersonDelete, Family: FamilyPerson, Who: OwnerOrAbove, Proof: "TestPersonOfAnotherStationRefused"},

	{Kind: incident.OpIncidentCreate, Family: FamilyIncident, Creates: true, Who: Owner, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentShare, Family: FamilyIncident, Creates: true, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentCounts, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentGrade, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentReport, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentSign, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentSend, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentAck, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentClose, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentTasks, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpIncidentEvent, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpChunk, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpResend, Family: FamilyIncident, Who: Holder, Proof: "TestIncidentChangedOnlyByItsHolders"},
	{Kind: incident.OpSettingsUpdate, Family: FamilyStation, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},

	{Kind: message.OpSend, Family: FamilyMessage, Creates: true, Who: Owner, Proof: "TestMessageReceiptOnlyFromAnAddressee"},
	{Kind: message.OpChunk, Family: FamilyMessage, Creates: true, Who: Owner, Proof: "TestMessageReceiptOnlyFromAnAddressee"},
	{Kind: message.OpReceipt, Family: FamilyMessage, Who: Addressee, Proof: "TestMessageReceiptOnlyFromAnAddressee"},

	{Kind: warning.OpIssue, Family: FamilyWarning, Creates: true, Who: Owner, To: Down, Proof: "TestWarningOnlyFromAboveAndAckedFromBelow"},
	{Kind: warning.OpAck, Family: FamilyWarning, Who: Below, HubSubject: warning.HubSubject, Proof: "TestWarningOnlyFromAboveAndAckedFromBelow"},
	{Kind: warning.OpDeliver, Family: FamilyWarning, Who: Below, Proof: "TestWarningDeliveryOnlyFromAStationBelowInItsOwnName"},

	{Kind: spotcheck.OpStart, Family: FamilySpotCheck, Creates: true, Who: Owner, To: BelowOrigin, Proof: "TestSpotCheckAnsweredOnlyByTheStationChecked"},
	{Kind: spotcheck.OpAnswer, Family: FamilySpotCheck, Who: Addressee, Proof: "TestSpotCheckAnsweredOnlyByTheStationChecked"},
	{Kind: spotcheck.OpResult, Family: FamilySpotCheck, Who: Owner, Proof: "TestSpotCheckAnsweredOnlyByTheStationChecked"},
	{Kind: spotcheck.OpArrive, Family: FamilySpotCheck, Who: Addressee, Proof: "TestSpotCheckArrivalOnlyFromTheStationChecked"},

	{Kind: consult.OpSchedule, Family: FamilyConsult, Creates: true, Who: Owner, Proof: "TestConsultationBoundToItsFirstHost"},
	{Kind: consult.OpStart, Family: FamilyConsult, Creates: true, Who: Owner, Proof: "TestConsultationBoundToItsFirstHost"},
	{Kind: consult.OpEnd, Family: FamilyConsult, Who: Owner, Proof: "TestConsultationBoundToItsFirstHost"},
	{Kind: consult.OpRollCall, Family: FamilyConsult, Who: Owner, Proof: "TestConsultationBoundToItsFirstHost"},
	{Kind: consult.OpRecordings, Family: FamilyConsult, Who: Owner, Proof: "TestConsultationBoundToItsFirstHost"},
	{Kind: consult.OpReply, Family: FamilyConsult, Who: Addressee, Proof: "TestConsultationRepliesOnlyFromTheInvited"},
	{Kind: consult.OpAnswer, Family: FamilyConsult, Who: Addressee, Proof: "TestConsultationRepliesOnlyFromTheInvited"},
	{Kind: consult.OpPresence, Family: FamilyConsult, Who: OwnerOrAddressee, Proof: "TestConsultationRepliesOnlyFromTheInvited"},

	{Kind: roster.OpSettings, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpAssign, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpUnassign, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpGenerate, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpImport, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpPublish, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpCheckIn, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpHandover, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpHandoverConfirm, Family: FamilyRoster, Who: TheStation, Proof: "TestStationRecordsChangedOnlyByTheStationOrAbove"},
	{Kind: roster.OpSpecialCreate, Family: FamilyRoster, Creates: true, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpSpecialUpdate, Family: FamilyRoster, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpSpecialDelete, Family: FamilyRoster, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpAbsenceCreate, Family: FamilyRoster, Creates: true, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpAbsenceUpdate, Family: FamilyRoster, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpAbsenceDelete, Family: FamilyRoster, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpSwapRequest, Family: FamilyRoster, Creates: true, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpSwapApprove, Family: FamilyRoster, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpSwapReject, Family: FamilyRoster, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},
	{Kind: roster.OpLog, Family: FamilyRoster, Creates: true, Who: OwnerOrAbove, Proof: "TestRosterRecordsChangedOnlyByTheOwnerOrAbove"},

	{Kind: instruction.OpCreate, Family: FamilyInstruction, Creates: true, Who: Owner, To: BelowOrigin, Proof: "TestInstructionAnsweredOnlyByTheStationsNamed"},
	{Kind: instruction.OpChunk, Family: FamilyInstruction, Who: OwnerOrAddressee, Proof: "TestInstructionAnsweredOnlyByTheStationsNamed"},
	{Kind: instruction.OpAnswer, Family: FamilyInstruction, Who: OwnerOrAddressee, Proof: "TestInstructionAnsweredOnlyByTheStationsNamed"},
	{Kind: instruction.OpDone, Family: FamilyInstruction, Who: OwnerOrAddressee, Proof: "TestInstructionAnsweredOnlyByTheStationsNamed"},
	{Kind: instruction.OpFeedback, Family: FamilyInstruction, Who: Owner, Proof: "TestInstructionAnsweredOnlyByTheStationsNamed"},

	{Kind: villagereport.OpCreate, Family: FamilyVillageReport, Creates: true, Who: Owner, HubSubject: villagereport.HubSubject, HubOnly: true, Proof: "TestVillageReportOnlyFromTheHubForItsVillage"},
	{Kind: villagereport.OpChunk, Family: FamilyVillageReport, Who: Owner, HubSubject: villagereport.HubSubject, HubOnly: true, Proof: "TestVillageReportOnlyFromTheHubForItsVillage"},
	{Kind: villagereport.OpVerify, Family: FamilyVillageReport, Who: OwnerOrAbove, Proof: "TestVillageReportOnlyFromTheHubForItsVillage"},

	{Kind: roster.OpCalendarImport, Family: FamilyCalendar, Who: Anyone, To: Down, Proof: "TestCalendarIsTheOriginsOwn"},
	{Kind: roster.OpCalendarDay, Family: FamilyCalendar, Who: Anyone, To: Down, Proof: "TestCalendarIsTheOriginsOwn"},
}

var byKind = func() map[string]*Rule {
	m := make(map[string]*Rule, len(Rules))
	for i := range Rules {
		m[Rules[i].Kind] = &Rules[i]
	}
	return m
}()

// RuleOf returns the rule of a kind, or nil for a kind the table does not
// know.
func RuleOf(kind string) *Rule { return byKind[kind] }

// Kinds returns every kind of the table, sorted.
func Kinds() []string {
	out := make([]string, 0, len(Rules))
	for _, r := range Rules {
		out = append(out, r.Kind)
	}
	sort.Strings(out)
	return out
}

// MaxAddressees bounds the stations a record remembers as addressed: an
// incident reaches its chain and the levels a report skips, a
// consultation or a message at most app.MaxOpTo stations.
const MaxAddressees = 256

// Record is what the judge knows of a record that exists.
type Record struct {
	Family Family
	Owner  app.ID
	// To: the stations the record was addressed to by those allowed to
	// (its invited stations, a message's readers, an incident's stations).
	To []app.ID
}

// Facts is what the caller knows.
type Facts struct {
	Tree *app.Tree
	// Lookup returns the record an entity names, if the caller knows it.
	Lookup func(f Family, entity app.ID) (Record, bool, error)
	// Strict (the hub): a change to a record the caller does not know is
	// refused, for an owner that cannot be named cannot be checked. A
	// client is not strict: it may simply not hold the record (it was not
	// addressed to it), and the kind's own checks on applying decide.
	Strict bool
}

// Decision is what an admitted operation does to the record it names.
type Decision struct {
	Rule *Rule
	// Owner after the operation (NilID for kinds that keep none).
	Owner app.ID
	// Remember: the caller should store Record (a create, an owner
	// change, or new addressees).
	Remember bool
	Record   Record
	// Subject is the station the operation is about, for routing: the
	// person's station for a person, otherwise the origin.
	Subject app.ID
}

// Check decides whether op may be applied. A refusal is a *wire.Error
// with code unknown_kind, unknown_owner, forbidden or invalid; an error
// is only the Lookup's own failure.
func Check(op *app.Operation, f Facts) (Decision, *wire.Error, error) {
	rule := RuleOf(op.Kind)
	if rule == nil {
		return Decision{}, wire.Errorf(wire.CodeUnknownKind, "%s is not an operation kind this hub knows; upgrade the hub before the clients that send it", op.Kind), nil
	}
	d := Decision{Rule: rule, Subject: op.Origin}
	if op.Origin == app.NilID && rule.Family != FamilyStation {
		return checkHubOwn(op, rule, f, d)
	}
	if rule.HubOnly {
		return d, wire.Errorf(wire.CodeForbidden, "%s is written by the hub alone, for a person signed in at its web page; a station does not send it", op.Kind), nil
	}
	if refusal := checkAddressing(op, rule, f.Tree); refusal != nil {
		return d, refusal, nil
	}
	switch rule.Who {
	case Anyone:
		return d, nil, nil
	case TheStation:
		s := f.Tree.Station(op.Entity)
		if s == nil {
			return d, wire.Errorf(wire.CodeInvalid, "%s: %s names station %s, which is not in the tree", op.Kind, op.Entity, op.Entity), nil
		}
		if !f.Tree.IsWithin(s.ID, op.Origin) {
			return d, wire.Errorf(wire.CodeForbidden, "%s: the records of %s (%s) may be changed only by it or a station above it", op.Kind, s.Name, s.Code), nil
		}
		return d, nil, nil
	}
	if rule.Family == FamilyStation {
		return checkStation(op, rule, f, d)
	}
	var person *personFields
	if rule.Family == FamilyPerson && op.Kind != app.OpPersonDelete {
		p, refusal := decodePerson(op)
		if refusal != nil {
			return d, refusal, nil
		}
		person = &p
		d.Subject = p.Station
		if s := f.Tree.Station(p.Station); s == nil {
			if f.Strict {
				return d, wire.Errorf(wire.CodeInvalid, "%s: %s belongs to station %s, which this hub does not know", op.Kind, p.Name, p.Station), nil
			}
		} else if f.Tree.Station(op.Origin) != nil && !f.Tree.IsWithin(p.Station, op.Origin) {
			return d, wire.Errorf(wire.CodeForbidden, "%s: %s would belong to %s (%s); a station puts people only in itself or the stations below it", op.Kind, p.Name, s.Name, s.Code), nil
		}
	}
	if rule.Family == FamilyConsult && (op.Kind == consult.OpSchedule || op.Kind == consult.OpStart || op.Kind == consult.OpEnd) {
		if refusal := checkConsultHost(op); refusal != nil {
			return d, refusal, nil
		}
	}
	if op.Kind == spotcheck.OpArrive || op.Kind == warning.OpDeliver {
		if refusal := checkOwnReport(op); refusal != nil {
			return d, refusal, nil
		}
	}
	rec, known, err := f.Lookup(rule.Family, op.Entity)
	if err != nil {
		return d, nil, err
	}
	if !known {
		if rule.Creates {
			owner := op.Origin
			if person != nil {
				owner = person.Station
			}
			d.Owner, d.Remember = owner, true
			d.Record = Record{Family: rule.Family, Owner: owner, To: capTo(slices.Clone(op.To))}
			return d, nil, nil
		}
		if f.Strict {
			return d, wire.Errorf(wire.CodeUnknownOwner, "%s: %s %s is not known here, so its owner cannot be checked; it is refused rather than passed on", op.Kind, rule.Family, op.Entity), nil
		}
		return d, nil, nil
	}
	if rec.Family != rule.Family {
		return d, wire.Errorf(wire.CodeInvalid, "%s: %s is a %s, not a %s", op.Kind, op.Entity, rec.Family, rule.Family), nil
	}
	if person != nil {
		d.Subject = person.Station
	} else if rule.Family == FamilyPerson {
		d.Subject = rec.Owner
	}
	if refusal := checkWho(op, rule, rec, f.Tree); refusal != nil {
		return d, refusal, nil
	}
	d.Owner, d.Record = rec.Owner, rec
	if person != nil && person.Station != rec.Owner {
		// A person moved to another station: the origin is above both
		// (checked), and the new station owns the person from now on.
		d.Owner, d.Remember = person.Station, true
		d.Record.Owner = person.Station
	}
	if rule.Who == Holder || (rule.Family == FamilyConsult && op.Origin == rec.Owner) {
		// Holders share an incident onward; a host re-invites. Either
		// widens who may answer, never who owns.
		if merged, grew := mergeTo(rec.To, op.To); grew {
			d.Record.To, d.Remember = merged, true
		}
	}
	return d, nil, nil
}

// checkHubOwn judges an operation the hub wrote itself (origin nil) as if
// the station it speaks for had sent it (Rule.HubSubject).
func checkHubOwn(op *app.Operation, rule *Rule, f Facts, d Decision) (Decision, *wire.Error, error) {
	if rule.HubSubject == nil {
		return d, wire.Errorf(wire.CodeForbidden, "%s is written by stations only, never by the hub itself", op.Kind), nil
	}
	subject, err := rule.HubSubject(op)
	if err != nil {
		return d, wire.Errorf(wire.CodeInvalid, "%s: %s", op.Kind, app.ErrorMessage(err)), nil
	}
	if subject != app.NilID && f.Tree.Station(subject) == nil {
		return d, wire.Errorf(wire.CodeInvalid, "%s speaks for station %s, which is not in the tree", op.Kind, subject), nil
	}
	rec, known, err := f.Lookup(rule.Family, op.Entity)
	if err != nil {
		return d, nil, err
	}
	if !known {
		if rule.Creates && subject != app.NilID {
			d.Subject, d.Owner, d.Remember = subject, subject, true
			d.Record = Record{Family: rule.Family, Owner: subject}
			return d, nil, nil
		}
		if f.Strict {
			return d, wire.Errorf(wire.CodeUnknownOwner, "%s: %s %s is not known here, so its owner cannot be checked", op.Kind, rule.Family, op.Entity), nil
		}
		return d, nil, nil
	}
	if rec.Family != rule.Family {
		return d, wire.Errorf(wire.CodeInvalid, "%s: %s is a %s, not a %s", op.Kind, op.Entity, rec.Family, rule.Family), nil
	}
	if subject == app.NilID {
		subject = rec.Owner
	}
	speaking := *op
	speaking.Origin = subject
	if refusal := checkWho(&speaking, rule, rec, f.Tree); refusal != nil {
		return d, refusal, nil
	}
	d.Subject, d.Owner, d.Record = subject, rec.Owner, rec
	return d, nil, nil
}

func checkWho(op *app.Operation, rule *Rule, rec Record, tree *app.Tree) *wire.Error {
	origin, owner := op.Origin, rec.Owner
	ok := false
	switch rule.Who {
	case Owner:
		ok = origin == owner
	case OwnerOrAbove:
		ok = tree.IsWithin(owner, origin)
	case Addressee:
		ok = slices.Contains(rec.To, origin)
	case OwnerOrAddressee:
		ok = origin == owner || slices.Contains(rec.To, origin)
	case Below:
		ok = origin != owner && tree.IsWithin(origin, owner)
	case Holder:
		ok = tree.IsWithin(owner, origin) || slices.Contains(rec.To, origin)
	}
	if ok {
		return nil
	}
	return wire.Errorf(wire.CodeForbidden, "%s: %s %s belongs to %s; only %s may do this", op.Kind, rule.Family, op.Entity, stationLabel(tree, owner), rule.Who)
}

func checkAddressing(op *app.Operation, rule *Rule, tree *app.Tree) *wire.Error {
	switch rule.To {
	case Down:
		if len(op.To) > 0 || (op.Scope != app.ScopeDown && op.Scope != app.ScopeDefault) {
			return wire.Errorf(wire.CodeInvalid, "%s goes down the tree to the origin's subtree and names nobody", op.Kind)
		}
	case BelowOrigin:
		for _, to := range op.To {
			if to == op.Origin || !tree.IsWithin(to, op.Origin) {
				return wire.Errorf(wire.CodeForbidden, "%s may address only stations below the origin, not %s", op.Kind, stationLabel(tree, to))
			}
		}
	}
	return nil
}

func capTo(to []app.ID) []app.ID {
	if len(to) > MaxAddressees {
		to = to[:MaxAddressees]
	}
	return to
}

// mergeTo adds the new addresses to a record's, up to MaxAddressees.
func mergeTo(have, add []app.ID) ([]app.ID, bool) {
	out := have
	grew := false
	for _, id := range add {
		if len(out) >= MaxAddressees {
			break
		}
		if !slices.Contains(out, id) {
			if !grew {
				out = slices.Clone(have)
				grew = true
			}
			out = append(out, id)
		}
	}
	return out, grew
}

func stationLabel(tree *app.Tree, id app.ID) string {
	if s := tree.Station(id); s != nil {
		return fmt.Sprintf("%s (%s)", s.Name, s.Code)
	}
	return "station " + id.String()
}
