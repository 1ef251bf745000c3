package authority_test

import (
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/authority"
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
