package authority_test

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/authority"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/wire"
)

// An author id must be a person of the origin or of a station below it:
// a station speaks for its subtree, never for a station beside or above.
func TestAuthorIsAPersonOfTheOriginOrBelow(t *testing.T) {
	w := newWorld()
	person := func(st app.Station) app.ID {
		id := app.NewID()
		w.records[id] = authority.Record{Family: authority.FamilyPerson, Owner: st.ID}
		return id
	}
	atP, atC1, atT1, atC2 := person(w.P), person(w.C1), person(w.T1), person(w.C2)
	incidentID := app.NewID()
	w.records[incidentID] = authority.Record{Family: authority.FamilyIncident, Owner: w.T1.ID}
	signed := func(origin app.Station, author app.ID) *app.Operation {
		return &app.Operation{ID: app.NewID(), Origin: origin.ID, Seq: 1, Author: "值班员", AuthorID: author,
			At: time.Now().UTC(), Kind: roster.OpLog, Entity: app.NewID()}
	}
	cases := []struct {
		name   string
		op     *app.Operation
		strict bool
		code   string
	}{
		{"its own officer", signed(w.T1, atT1), true, ""},
		{"no author id (an older client)", signed(w.T1, app.NilID), true, ""},
		{"the county with its township's officer", signed(w.C1, atT1), true, ""},
		{"the prefecture with a county's officer", signed(w.P, atC1), true, ""},
		{"a township with the prefecture's deputy", signed(w.T1, atP), true, wire.CodeForeignAuthor},
		{"a township with its county's officer", signed(w.T1, atC1), true, wire.CodeForeignAuthor},
		{"a county with a sibling county's officer", signed(w.C1, atC2), true, wire.CodeForeignAuthor},
		{"an id that is an incident", signed(w.T1, incidentID), true, wire.CodeForeignAuthor},
		{"an unknown person at the hub", signed(w.T1, app.NewID()), true, wire.CodeForeignAuthor},
		{"an unknown person at a client", signed(w.T1, app.NewID()), false, ""},
		{"a foreign person at a client", signed(w.T1, atP), false, wire.CodeForeignAuthor},
	}
	for _, c := range cases {
		refusal, err := authority.CheckAuthor(c.op, w.facts(c.strict))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := ""
		if refusal != nil {
			got = refusal.Code
		}
		if got != c.code {
			t.Errorf("%s: refusal %q, want %q (%v)", c.name, got, c.code, refusal)
		}
	}
}

// A record that names another author than its operation is refused: a
// station cannot sign the operation with its own officer and the record,
// which the screens show, with another station's person.
func TestRecordMustNameTheOperationsAuthor(t *testing.T) {
	w := newWorld()
	own, foreign := app.NewID(), app.NewID()
	w.records[own] = authority.Record{Family: authority.FamilyPerson, Owner: w.T1.ID}
	w.records[foreign] = authority.Record{Family: authority.FamilyPerson, Owner: w.P.ID}
	op := func(kind string, payload string) *app.Operation {
		return &app.Operation{ID: app.NewID(), Origin: w.T1.ID, Seq: 1, Author: "值班员", AuthorID: own,
			At: time.Now().UTC(), Kind: kind, Entity: app.NewID(), Payload: []byte(payload)}
	}
	cases := []struct {
		name string
		op   *app.Operation
		code string
	}{
		{"a log entry by its signer", op(roster.OpLog, `{"author_id":"`+own.String()+`","text":"x"}`), ""},
		{"a log entry naming another", op(roster.OpLog, `{"author_id":"`+foreign.String()+`","text":"x"}`), wire.CodeForeignAuthor},
		{"a message naming another", op(message.OpSend, `{"message":{"author_id":"`+foreign.String()+`"}}`), wire.CodeForeignAuthor},
		{"a message by its signer", op(message.OpSend, `{"message":{"author_id":"`+own.String()+`"}}`), ""},
		{"an incident naming another", op(incident.OpIncidentCreate, `{"incident":{"created_by_id":"`+foreign.String()+`"}}`), wire.CodeForeignAuthor},
		{"a record naming no one", op(roster.OpLog, `{"text":"x"}`), ""},
		{"a shared incident keeps its taker", op(incident.OpIncidentShare, `{"incident":{"created_by_id":"`+foreign.String()+`"}}`), ""},
	}
	for _, c := range cases {
		refusal, err := authority.CheckAuthor(c.op, w.facts(true))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if refusal != nil {
			got = refusal.Code
		}
		if got != c.code {
			t.Errorf("%s: refusal %q, want %q (%v)", c.name, got, c.code, refusal)
		}
	}
}

// FuzzCheckAuthor: any payload and author id is judged without a panic,
// and an operation naming no author id anywhere is never refused for its
// author.
func FuzzCheckAuthor(f *testing.F) {
	f.Add(roster.OpLog, []byte(`{"author_id":"019c8a6e-0000-7000-8000-000000000001"}`), false)
	f.Add(message.OpSend, []byte(`{"message":{"author_id":"x"}}`), true)
	f.Add(incident.OpIncidentCreate, []byte(`{"incident":{"created_by_id":null}}`), true)
	f.Add("x", []byte(`[]`), false)
	w := newWorld()
	own := app.NewID()
	w.records[own] = authority.Record{Family: authority.FamilyPerson, Owner: w.T1.ID}
	f.Fuzz(func(t *testing.T, kind string, payload []byte, signed bool) {
		op := &app.Operation{ID: app.NewID(), Origin: w.T1.ID, Seq: 1, At: time.Now().UTC(), Kind: kind, Entity: app.NewID(), Payload: payload}
		if signed {
			op.AuthorID = own
		}
		refusal, err := authority.CheckAuthor(op, w.facts(true))
		if err != nil {
			t.Fatal(err)
		}
		if refusal != nil && !strings.Contains(string(payload), "_id\"") {
			t.Fatalf("refused without any author id: %v", refusal)
		}
	})
}
