package authority_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/authority"
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

// The test prefecture:
//
//	P 湘西州
//	├── C1 吉首市
//	│   ├── T1 乾州街道
//	│   └── T2 峒河街道
//	└── C2 泸溪县
type world struct {
	P, C1, C2, T1, T2 app.Station
	tree              *app.Tree
	records           map[app.ID]authority.Record
}

func newWorld() *world {
	w := &world{records: map[app.ID]authority.Record{}}
	w.P = app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	w.C1 = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: w.P.ID}
	w.C2 = app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: w.P.ID}
	w.T1 = app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: w.C1.ID}
	w.T2 = app.Station{ID: app.NewID(), Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: w.C1.ID}
	w.tree = app.NewTree([]app.Station{w.P, w.C1, w.C2, w.T1, w.T2})
	return w
}

func (w *world) facts(strict bool) authority.Facts {
	return authority.Facts{Tree: w.tree, Strict: strict, Lookup: func(f authority.Family, id app.ID) (authority.Record, bool, error) {
		r, ok := w.records[id]
		return r, ok, nil
	}}
}

// judge checks op on the hub (strict) and, when admitted, remembers what
// the decision says, as the hub does.
func (w *world) judge(t *testing.T, op app.Operation) *wire.Error {
	t.Helper()
	d, refusal, err := authority.Check(&op, w.facts(true))
	if err != nil {
		t.Fatal(err)
	}
	if refusal == nil && d.Remember {
		w.records[op.Entity] = d.Record
	}
	return refusal
}

func mkop(origin app.ID, kind string, entity app.ID, payload any, to ...app.ID) app.Operation {
	raw, _ := json.Marshal(payload)
	return app.Operation{ID: app.NewID(), Origin: origin, Seq: 1, At: time.Now(), Kind: kind, Entity: entity, Payload: raw, To: to}
}

func admitted(t *testing.T, what string, e *wire.Error) {
	t.Helper()
	if e != nil {
		t.Errorf("%s: refused (%s) %s", what, e.Code, e.Message)
	}
}

func refused(t *testing.T, what string, e *wire.Error, code string) {
	t.Helper()
	if e == nil {
		t.Errorf("%s: admitted, want %s", what, code)
	} else if e.Code != code {
		t.Errorf("%s: refused with %s (%s), want %s", what, e.Code, e.Message, code)
	}
}

// Every operation kind the code defines has a rule: a kind added without
// one would be refused by every hub.
func TestEveryKindOfTheCodeHasARule(t *testing.T) {
	var src strings.Builder
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		src.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := src.String()
	re := regexp.MustCompile(`\bOp[A-Za-z]* *= *"([a-z.]+)"`)
	n := 0
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		n++
		if authority.RuleOf(m[1]) == nil {
			t.Errorf("kind %s has no rule in the table", m[1])
		}
	}
	if n < 50 {
		t.Fatalf("found only %d kinds in the code", n)
	}
	for _, r := range authority.Rules {
		if r.Family == "" || r.Who == 0 || !strings.HasPrefix(r.Proof, "Test") {
			t.Errorf("rule %s is incomplete: %+v", r.Kind, r)
		}
	}
}

func TestUnknownKindRefused(t *testing.T) {
	w := newWorld()
	refused(t, "a kind of a newer client", w.judge(t, mkop(w.T1.ID, "drill.start", app.NewID(), map[string]any{})), wire.CodeUnknownKind)
}

func TestStationCreateOnlyBelowTheOriginAndCapped(t *testing.T) {
	w := newWorld()
	village := func(parent app.Station, code string) app.Operation {
		s := app.Station{ID: app.NewID(), Code: code, Name: "村" + code, Tier: app.TierVillage, Parent: parent.ID}
		return mkop(w.T1.ID, app.OpStationCreate, s.ID, s)
	}
	admitted(t, "a village under the township itself", w.judge(t, village(w.T1, "433101001201")))
	refused(t, "a village under the sibling township", w.judge(t, village(w.T2, "433101002201")), wire.CodeForbidden)
	pref := app.Station{ID: app.NewID(), Code: "439900", Name: "伪州", Tier: app.TierPrefecture}
	refused(t, "a second prefecture", w.judge(t, mkop(w.C1.ID, app.OpStationCreate, pref.ID, pref)), wire.CodeForbidden)

	list := []app.Station{w.P, w.C1, w.T1}
	for i := range authority.MaxChildren {
		list = append(list, app.Station{ID: app.NewID(), Code: "9" + strings.Repeat("0", 3) + string(rune('a'+i%26)) + string(rune('a'+i/26)), Name: "村", Tier: app.TierVillage, Parent: w.T1.ID})
	}
	w.tree = app.NewTree(list)
	refused(t, "one village more than the cap", w.judge(t, village(w.T1, "433101001999")), wire.CodeStationLimit)
}

func TestStationChangedOnlyByItselfOrAbove(t *testing.T) {
	w := newWorld()
	renamed := w.C1
	renamed.Name = "吉首"
	admitted(t, "the county renames itself", w.judge(t, mkop(w.C1.ID, app.OpStationUpdate, w.C1.ID, renamed)))
	admitted(t, "the prefecture renames the county", w.judge(t, mkop(w.P.ID, app.OpStationUpdate, w.C1.ID, renamed)))
	refused(t, "the sibling county renames it", w.judge(t, mkop(w.C2.ID, app.OpStationUpdate, w.C1.ID, renamed)), wire.CodeForbidden)
	refused(t, "its township renames it", w.judge(t, mkop(w.T1.ID, app.OpStationUpdate, w.C1.ID, renamed)), wire.CodeForbidden)
	moved := w.T1
	moved.Parent = w.C2.ID
	refused(t, "a township moved to another county", w.judge(t, mkop(w.P.ID, app.OpStationUpdate, w.T1.ID, moved)), wire.CodeInvalid)
	refused(t, "a township deletes its county", w.judge(t, mkop(w.T1.ID, app.OpStationDelete, w.C1.ID, w.C1.ID)), wire.CodeForbidden)
	admitted(t, "the county deletes its township", w.judge(t, mkop(w.C1.ID, app.OpStationDelete, w.T2.ID, w.T2.ID)))
}

func person(id, station app.ID, name string) map[string]any {
	return map[string]any{"id": id, "station": station, "name": name}
}

// The attack of issue #10: a township renames the prefecture's deputy
// director by claiming him for itself. The hub refuses a change to a
// person it does not know, and one it knows is the prefecture's.
func TestTownshipCannotRenameThePrefecturesDeputy(t *testing.T) {
	w := newWorld()
	deputy := app.NewID()
	claim := mkop(w.T1.ID, app.OpPersonUpdate, deputy, person(deputy, w.T1.ID, "改名"))
	refused(t, "a change to a person the hub never saw", w.judge(t, claim), wire.CodeUnknownOwner)
	w.records[deputy] = authority.Record{Family: authority.FamilyPerson, Owner: w.P.ID}
	refused(t, "the township claims the prefecture's deputy", w.judge(t, claim), wire.CodeForbidden)
	admitted(t, "the prefecture changes its deputy", w.judge(t, mkop(w.P.ID, app.OpPersonUpdate, deputy, person(deputy, w.P.ID, "副局长"))))
	// A client that holds the deputy keeps the forgery too.
	_, e, _ := authority.Check(&claim, w.facts(false))
	refused(t, "a client receiving the claim", e, wire.CodeForbidden)
}

func TestPersonOfAnotherStationRefused(t *testing.T) {
	w := newWorld()
	id := app.NewID()
	refused(t, "a township adds a person to its county", w.judge(t, mkop(w.T1.ID, app.OpPersonCreate, id, person(id, w.C1.ID, "甲"))), wire.CodeForbidden)
	admitted(t, "the county adds a person to its township", w.judge(t, mkop(w.C1.ID, app.OpPersonCreate, id, person(id, w.T1.ID, "甲"))))
	if r := w.records[id]; r.Owner != w.T1.ID || r.Family != authority.FamilyPerson {
		t.Fatalf("the person's owner is %+v, want the township", r)
	}
	refused(t, "the sibling township deletes the person", w.judge(t, mkop(w.T2.ID, app.OpPersonDelete, id, id)), wire.CodeForbidden)
	admitted(t, "the township itself deletes it", w.judge(t, mkop(w.T1.ID, app.OpPersonDelete, id, id)))
	refused(t, "a person named as a message", w.judge(t, mkop(w.T1.ID, message.OpReceipt, id, map[string]any{})), wire.CodeInvalid)
}

func consultation(id, host app.ID, invited ...app.ID) map[string]any {
	return map[string]any{"id": id, "host": host, "invited": invited}
}

// The attack of issue #10: an invited station starts another station's
// consultation again naming itself host.
func TestConsultationBoundToItsFirstHost(t *testing.T) {
	w := newWorld()
	room := app.NewID()
	admitted(t, "the host starts", w.judge(t, mkop(w.C1.ID, consult.OpStart, room, consultation(room, w.C1.ID, w.T1.ID), w.T1.ID)))
	refused(t, "the invited township starts it as host", w.judge(t, mkop(w.T1.ID, consult.OpStart, room, consultation(room, w.T1.ID, w.C1.ID), w.C1.ID)), wire.CodeForbidden)
	refused(t, "the township starts it naming the real host", w.judge(t, mkop(w.T1.ID, consult.OpStart, room, consultation(room, w.C1.ID, w.T1.ID))), wire.CodeForbidden)
	refused(t, "the prefecture above the host ends it", w.judge(t, mkop(w.P.ID, consult.OpEnd, room, consultation(room, w.P.ID))), wire.CodeForbidden)
	refused(t, "the township calls the roll", w.judge(t, mkop(w.T1.ID, consult.OpRollCall, room, map[string]any{})), wire.CodeForbidden)
	refused(t, "the township lists recordings", w.judge(t, mkop(w.T1.ID, consult.OpRecordings, room, map[string]any{})), wire.CodeForbidden)
	admitted(t, "the host ends it", w.judge(t, mkop(w.C1.ID, consult.OpEnd, room, consultation(room, w.C1.ID, w.T1.ID), w.T1.ID)))
	refused(t, "an end of a consultation never started", w.judge(t, mkop(w.C1.ID, consult.OpEnd, app.NewID(), nil)), wire.CodeInvalid)
}

func TestConsultationRepliesOnlyFromTheInvited(t *testing.T) {
	w := newWorld()
	room := app.NewID()
	admitted(t, "the host schedules", w.judge(t, mkop(w.C1.ID, consult.OpSchedule, room, consultation(room, w.C1.ID, w.T1.ID), w.T1.ID)))
	admitted(t, "the invited replies", w.judge(t, mkop(w.T1.ID, consult.OpReply, room, map[string]any{})))
	admitted(t, "the invited answers the roll", w.judge(t, mkop(w.T1.ID, consult.OpAnswer, room, map[string]any{})))
	admitted(t, "the host joins", w.judge(t, mkop(w.C1.ID, consult.OpPresence, room, map[string]any{})))
	refused(t, "a station not invited replies", w.judge(t, mkop(w.T2.ID, consult.OpReply, room, map[string]any{})), wire.CodeForbidden)
	refused(t, "a station not invited joins", w.judge(t, mkop(w.T2.ID, consult.OpPresence, room, map[string]any{})), wire.CodeForbidden)
	admitted(t, "the host invites T2 at the start", w.judge(t, mkop(w.C1.ID, consult.OpStart, room, consultation(room, w.C1.ID, w.T1.ID, w.T2.ID), w.T1.ID, w.T2.ID)))
	admitted(t, "T2, now invited, joins", w.judge(t, mkop(w.T2.ID, consult.OpPresence, room, map[string]any{})))
}

func TestMessageReceiptOnlyFromAnAddressee(t *testing.T) {
	w := newWorld()
	m := app.NewID()
	admitted(t, "a report up", w.judge(t, mkop(w.T1.ID, message.OpSend, m, map[string]any{}, w.C1.ID)))
	admitted(t, "its part", w.judge(t, mkop(w.T1.ID, message.OpChunk, app.NewID(), map[string]any{}, w.C1.ID)))
	admitted(t, "the reader's receipt", w.judge(t, mkop(w.C1.ID, message.OpReceipt, m, map[string]any{}, w.T1.ID)))
	refused(t, "a receipt from a station not addressed", w.judge(t, mkop(w.T2.ID, message.OpReceipt, m, map[string]any{}, w.T1.ID)), wire.CodeForbidden)
	refused(t, "the same message id sent by another", w.judge(t, mkop(w.T2.ID, message.OpSend, m, map[string]any{}, w.C1.ID)), wire.CodeForbidden)
}

func TestInstructionAnsweredOnlyByTheStationsNamed(t *testing.T) {
	w := newWorld()
	id := app.NewID()
	refused(t, "an instruction to a station above", w.judge(t, mkop(w.C1.ID, instruction.OpCreate, app.NewID(), map[string]any{}, w.P.ID)), wire.CodeForbidden)
	refused(t, "an instruction to a sibling's township", w.judge(t, mkop(w.C2.ID, instruction.OpCreate, app.NewID(), map[string]any{}, w.T1.ID)), wire.CodeForbidden)
	admitted(t, "the prefecture instructs C1 and T1", w.judge(t, mkop(w.P.ID, instruction.OpCreate, id, map[string]any{}, w.C1.ID, w.T1.ID)))
	admitted(t, "its photo", w.judge(t, mkop(w.P.ID, instruction.OpChunk, id, map[string]any{}, w.C1.ID, w.T1.ID)))
	for _, k := range []string{instruction.OpAnswer, instruction.OpDone, instruction.OpChunk} {
		admitted(t, "T1: "+k, w.judge(t, mkop(w.T1.ID, k, id, map[string]any{}, w.P.ID)))
		refused(t, "T2, not named: "+k, w.judge(t, mkop(w.T2.ID, k, id, map[string]any{}, w.P.ID)), wire.CodeForbidden)
	}
	admitted(t, "the prefecture records a unit's answer", w.judge(t, mkop(w.P.ID, instruction.OpAnswer, id, map[string]any{})))
	admitted(t, "the prefecture replies to the leader", w.judge(t, mkop(w.P.ID, instruction.OpFeedback, id, map[string]any{}, w.C1.ID, w.T1.ID)))
	refused(t, "C1 replies to the leader", w.judge(t, mkop(w.C1.ID, instruction.OpFeedback, id, map[string]any{}, w.P.ID)), wire.CodeForbidden)
	refused(t, "C1 re-creates it as its own", w.judge(t, mkop(w.C1.ID, instruction.OpCreate, id, map[string]any{}, w.T1.ID)), wire.CodeForbidden)
}

func TestWarningOnlyFromAboveAndAckedFromBelow(t *testing.T) {
	w := newWorld()
	id := app.NewID()
	issue := mkop(w.C1.ID, warning.OpIssue, id, map[string]any{})
	issue.Scope = app.ScopeDown
	admitted(t, "the county issues", w.judge(t, issue))
	aimed := mkop(w.T1.ID, warning.OpIssue, app.NewID(), map[string]any{}, w.T2.ID)
	refused(t, "a warning aimed at a sibling", w.judge(t, aimed), wire.CodeInvalid)
	admitted(t, "its township acks", w.judge(t, mkop(w.T1.ID, warning.OpAck, id, map[string]any{})))
	refused(t, "the sibling county acks", w.judge(t, mkop(w.C2.ID, warning.OpAck, id, map[string]any{})), wire.CodeForbidden)
	refused(t, "the issuer acks itself", w.judge(t, mkop(w.C1.ID, warning.OpAck, id, map[string]any{})), wire.CodeForbidden)

	// The hub records an SMS reply as the acknowledging station's.
	admitted(t, "the hub acks for a township below", w.judge(t, mkop(app.NilID, warning.OpAck, id, map[string]any{"station": w.T1.ID})))
	refused(t, "the hub acks for a county beside the issuer", w.judge(t, mkop(app.NilID, warning.OpAck, id, map[string]any{"station": w.C2.ID})), wire.CodeForbidden)
	refused(t, "the hub acks naming no station", w.judge(t, mkop(app.NilID, warning.OpAck, id, map[string]any{})), wire.CodeInvalid)
	refused(t, "the hub acks an unknown warning", w.judge(t, mkop(app.NilID, warning.OpAck, app.NewID(), map[string]any{"station": w.T1.ID})), wire.CodeUnknownOwner)
	refused(t, "the hub issues a warning", w.judge(t, mkop(app.NilID, warning.OpIssue, app.NewID(), map[string]any{})), wire.CodeForbidden)
}

func TestVillageReportOnlyFromTheHubForItsVillage(t *testing.T) {
	w := newWorld()
	v := app.Station{ID: app.NewID(), Code: "433101001001", Name: "长潭村", Tier: app.TierVillage, Parent: w.T1.ID}
	w.tree = app.NewTree([]app.Station{w.P, w.C1, w.C2, w.T1, w.T2, v})
	id := app.NewID()
	report := map[string]any{"id": id, "village": v.ID}
	refused(t, "a township writes a village report", w.judge(t, mkop(w.T1.ID, villagereport.OpCreate, id, report)), wire.CodeForbidden)
	refused(t, "the hub writes a report for no village", w.judge(t, mkop(app.NilID, villagereport.OpCreate, id, map[string]any{"id": id})), wire.CodeInvalid)
	refused(t, "the hub writes a report for a village it does not know", w.judge(t, mkop(app.NilID, villagereport.OpCreate, id, map[string]any{"id": id, "village": app.NewID()})), wire.CodeInvalid)
	admitted(t, "the hub writes a village's report", w.judge(t, mkop(app.NilID, villagereport.OpCreate, id, report)))
	if r := w.records[id]; r.Owner != v.ID || r.Family != authority.FamilyVillageReport {
		t.Fatalf("the report is owned by %v (%s), want the village", r.Owner, r.Family)
	}
	admitted(t, "the hub adds a photo's part", w.judge(t, mkop(app.NilID, villagereport.OpChunk, id, map[string]any{})))
	refused(t, "a township adds a photo's part", w.judge(t, mkop(w.T1.ID, villagereport.OpChunk, id, map[string]any{})), wire.CodeForbidden)
	other := app.Station{ID: app.NewID(), Code: "433101002001", Name: "新寨村", Tier: app.TierVillage, Parent: w.T2.ID}
	w.tree = app.NewTree([]app.Station{w.P, w.C1, w.C2, w.T1, w.T2, v, other})
	refused(t, "the hub rewrites the report for another village", w.judge(t, mkop(app.NilID, villagereport.OpCreate, id, map[string]any{"id": id, "village": other.ID})), wire.CodeForbidden)

	admitted(t, "the township verifies", w.judge(t, mkop(w.T1.ID, villagereport.OpVerify, id, map[string]any{})))
	admitted(t, "the county verifies", w.judge(t, mkop(w.C1.ID, villagereport.OpVerify, id, map[string]any{})))
	refused(t, "a sibling township verifies", w.judge(t, mkop(w.T2.ID, villagereport.OpVerify, id, map[string]any{})), wire.CodeForbidden)
	refused(t, "the hub verifies", w.judge(t, mkop(app.NilID, villagereport.OpVerify, id, map[string]any{})), wire.CodeForbidden)
}

func TestWarningDeliveryOnlyFromAStationBelowInItsOwnName(t *testing.T) {
	w := newWorld()
	id := app.NewID()
	issue := mkop(w.C1.ID, warning.OpIssue, id, map[string]any{})
	issue.Scope = app.ScopeDown
	admitted(t, "the county issues", w.judge(t, issue))
	deliver := func(from, station, warn app.ID) app.Operation {
		o := mkop(from, warning.OpDeliver, id, map[string]any{"warning": warn, "station": station, "at": "2026-07-01T08:00:00Z"})
		o.Scope = app.ScopeUp
		return o
	}
	admitted(t, "T1 reports the warning stored", w.judge(t, deliver(w.T1.ID, w.T1.ID, id)))
	refused(t, "T1 reports it for T2", w.judge(t, deliver(w.T1.ID, w.T2.ID, id)), wire.CodeForbidden)
	refused(t, "the sibling county reports it", w.judge(t, deliver(w.C2.ID, w.C2.ID, id)), wire.CodeForbidden)
	refused(t, "the issuer reports it to itself", w.judge(t, deliver(w.C1.ID, w.C1.ID, id)), wire.CodeForbidden)
	refused(t, "a delivery of another warning under this id", w.judge(t, deliver(w.T1.ID, w.T1.ID, app.NewID())), wire.CodeInvalid)
}

func TestSpotCheckAnsweredOnlyByTheStationChecked(t *testing.T) {
	w := newWorld()
	id := app.NewID()
	refused(t, "a check of a station not below", w.judge(t, mkop(w.T1.ID, spotcheck.OpStart, app.NewID(), map[string]any{}, w.C1.ID)), wire.CodeForbidden)
	admitted(t, "the prefecture checks T1", w.judge(t, mkop(w.P.ID, spotcheck.OpStart, id, map[string]any{}, w.T1.ID)))
	admitted(t, "T1 answers", w.judge(t, mkop(w.T1.ID, spotcheck.OpAnswer, id, map[string]any{}, w.P.ID)))
	refused(t, "the county answers for it", w.judge(t, mkop(w.C1.ID, spotcheck.OpAnswer, id, map[string]any{}, w.P.ID)), wire.CodeForbidden)
	refused(t, "T1 records its own result", w.judge(t, mkop(w.T1.ID, spotcheck.OpResult, id, map[string]any{})), wire.CodeForbidden)
	admitted(t, "the prefecture records the miss", w.judge(t, mkop(w.P.ID, spotcheck.OpResult, id, map[string]any{}, w.T1.ID)))
}

func TestSpotCheckArrivalOnlyFromTheStationChecked(t *testing.T) {
	w := newWorld()
	id := app.NewID()
	admitted(t, "the prefecture checks T1", w.judge(t, mkop(w.P.ID, spotcheck.OpStart, id, map[string]any{}, w.T1.ID)))
	arrive := func(from app.ID, station app.ID, check app.ID) app.Operation {
		return mkop(from, spotcheck.OpArrive, id, map[string]any{"check": check, "station": station, "at": "2026-07-01T08:00:00Z"}, w.P.ID)
	}
	admitted(t, "T1 reports the arrival", w.judge(t, arrive(w.T1.ID, w.T1.ID, id)))
	refused(t, "the county reports it for T1", w.judge(t, arrive(w.C1.ID, w.C1.ID, id)), wire.CodeForbidden)
	refused(t, "T2 names T1 in its report", w.judge(t, arrive(w.T2.ID, w.T1.ID, id)), wire.CodeForbidden)
	refused(t, "T1 reports the arrival of another check under this id", w.judge(t, arrive(w.T1.ID, w.T1.ID, app.NewID())), wire.CodeInvalid)
	refused(t, "an arrival with no payload", w.judge(t, mkop(w.T1.ID, spotcheck.OpArrive, id, map[string]any{}, w.P.ID)), wire.CodeInvalid)
	unseen := app.NewID()
	refused(t, "an arrival of a check the hub never saw", w.judge(t, mkop(w.T1.ID, spotcheck.OpArrive, unseen, map[string]any{"check": unseen, "station": w.T1.ID}, w.P.ID)), wire.CodeUnknownOwner)
}

func TestIncidentChangedOnlyByItsHolders(t *testing.T) {
	w := newWorld()
	id := app.NewID()
	admitted(t, "T1 reports an incident up", w.judge(t, mkop(w.T1.ID, incident.OpIncidentCreate, id, map[string]any{}, w.C1.ID, w.P.ID)))
	for _, k := range []string{incident.OpIncidentAck, incident.OpIncidentGrade, incident.OpIncidentTasks, incident.OpChunk} {
		admitted(t, "the county: "+k, w.judge(t, mkop(w.C1.ID, k, id, map[string]any{}, w.T1.ID, w.P.ID)))
	}
	refused(t, "the sibling county grades it", w.judge(t, mkop(w.C2.ID, incident.OpIncidentGrade, id, map[string]any{})), wire.CodeForbidden)
	admitted(t, "the prefecture shares it with C2", w.judge(t, mkop(w.P.ID, incident.OpIncidentShare, id, map[string]any{}, w.C2.ID)))
	admitted(t, "C2, now holding it, files a report", w.judge(t, mkop(w.C2.ID, incident.OpIncidentReport, id, map[string]any{}, w.P.ID)))
	refused(t, "a change to an incident the hub never saw", w.judge(t, mkop(w.C1.ID, incident.OpIncidentClose, app.NewID(), map[string]any{})), wire.CodeUnknownOwner)
	refused(t, "T2 creates an incident with T1's id", w.judge(t, mkop(w.T2.ID, incident.OpIncidentCreate, id, map[string]any{})), wire.CodeForbidden)
}

func TestStationRecordsChangedOnlyByTheStationOrAbove(t *testing.T) {
	w := newWorld()
	for _, k := range []string{roster.OpAssign, roster.OpPublish, roster.OpCheckIn, roster.OpHandover, roster.OpSettings, incident.OpSettingsUpdate} {
		admitted(t, "the county: "+k, w.judge(t, mkop(w.C1.ID, k, w.C1.ID, map[string]any{})))
		admitted(t, "the prefecture on the county: "+k, w.judge(t, mkop(w.P.ID, k, w.C1.ID, map[string]any{})))
		refused(t, "the sibling county: "+k, w.judge(t, mkop(w.C2.ID, k, w.C1.ID, map[string]any{})), wire.CodeForbidden)
		refused(t, "a township on its county: "+k, w.judge(t, mkop(w.T1.ID, k, w.C1.ID, map[string]any{})), wire.CodeForbidden)
	}
	refused(t, "a roster of no station", w.judge(t, mkop(w.C1.ID, roster.OpAssign, app.NewID(), map[string]any{})), wire.CodeInvalid)
}

func TestRosterRecordsChangedOnlyByTheOwnerOrAbove(t *testing.T) {
	w := newWorld()
	for _, k := range [][3]string{{roster.OpSpecialCreate, roster.OpSpecialUpdate, roster.OpSpecialDelete},
		{roster.OpAbsenceCreate, roster.OpAbsenceUpdate, roster.OpAbsenceDelete},
		{roster.OpSwapRequest, roster.OpSwapApprove, roster.OpSwapReject}} {
		id := app.NewID()
		admitted(t, k[0], w.judge(t, mkop(w.T1.ID, k[0], id, map[string]any{})))
		refused(t, "the sibling: "+k[1], w.judge(t, mkop(w.T2.ID, k[1], id, map[string]any{})), wire.CodeForbidden)
		admitted(t, "the county: "+k[1], w.judge(t, mkop(w.C1.ID, k[1], id, map[string]any{})))
		admitted(t, "the township: "+k[2], w.judge(t, mkop(w.T1.ID, k[2], id, map[string]any{})))
	}
	log := app.NewID()
	admitted(t, "a duty log entry", w.judge(t, mkop(w.T1.ID, roster.OpLog, log, map[string]any{})))
	refused(t, "the sibling edits it", w.judge(t, mkop(w.T2.ID, roster.OpLog, log, map[string]any{})), wire.CodeForbidden)
}

func TestCalendarIsTheOriginsOwn(t *testing.T) {
	w := newWorld()
	cal := app.NewID()
	admitted(t, "the prefecture's calendar", w.judge(t, mkop(w.P.ID, roster.OpCalendarImport, cal, map[string]any{})))
	admitted(t, "a township's own day", w.judge(t, mkop(w.T1.ID, roster.OpCalendarDay, cal, map[string]any{})))
	refused(t, "a calendar addressed to a sibling", w.judge(t, mkop(w.T1.ID, roster.OpCalendarDay, cal, map[string]any{}, w.T2.ID)), wire.CodeInvalid)
	if !slices.IsSorted(authority.Kinds()) {
		t.Fatal("Kinds is not sorted")
	}
}

// Payloads come from other stations: whatever they hold, Check answers
// with a decision or a refusal, never a panic, and never admits a consult
// start whose payload does not name the origin as host.
func FuzzCheck(f *testing.F) {
	w := newWorld()
	f.Add(consult.OpStart, []byte(`{"id":"019c8a72-0001-7aaa-8bbb-0c0d0e0f1011","host":"019c8a6e-0000-7000-8000-000000000001"}`))
	f.Add(app.OpPersonUpdate, []byte(`{"id":"019c8a72-0001-7aaa-8bbb-0c0d0e0f1011","station":"019c8a6e-0000-7000-8000-000000000001","name":"甲"}`))
	f.Add(app.OpStationCreate, []byte(`{"id":"019c8a72-0001-7aaa-8bbb-0c0d0e0f1011","code":"1","name":"x","tier":4}`))
	f.Add("drill.start", []byte(`null`))
	f.Fuzz(func(t *testing.T, kind string, payload []byte) {
		entity, _ := app.ParseID("019c8a72-0001-7aaa-8bbb-0c0d0e0f1011")
		for _, strict := range []bool{true, false} {
			op := app.Operation{ID: app.NewID(), Origin: w.T1.ID, Seq: 1, At: time.Now(), Kind: kind, Entity: entity, Payload: payload}
			_, refusal, err := authority.Check(&op, w.facts(strict))
			if err != nil {
				t.Fatal(err)
			}
			if refusal == nil && (kind == consult.OpStart || kind == consult.OpSchedule || kind == consult.OpEnd) {
				var c struct{ Host app.ID }
				if json.Unmarshal(payload, &c) != nil || c.Host != w.T1.ID {
					t.Fatalf("admitted %s with payload %s", kind, payload)
				}
			}
		}
	})
}
