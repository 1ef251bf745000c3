package hub_test

import (
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// People a hub never saw created (the demo seeds every folder with the
// same people) are learned from the station file: their own station and
// those above may then change them, a township may not, and a file naming
// a person of a station the hub does not hold is refused whole.
func TestImportedPeopleAreChangedOnlyByTheirOwnersOrAbove(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	deputy := app.Person{ID: app.NewID(), Station: tr.P.ID, Name: "向副局长", Mobile: "13800000000"}
	h.stop()
	file, _ := json.Marshal(hub.Directory{People: []app.Person{deputy, {ID: app.NewID(), Station: app.NewID(), Name: "无站"}}})
	d, err := hub.DecodeDirectory(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.db.ImportDirectory(d); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("a person of an unknown station: %v", err)
	}
	d.People = d.People[:1]
	if err := h.db.ImportDirectory(d); err != nil {
		t.Fatal(err)
	}
	h.restart(nil)

	update := func(origin app.ID, seq uint64, name string) app.Operation {
		o := op(origin, seq, app.OpPersonUpdate)
		p := deputy
		p.Name, p.UpdatedAt = name, time.Now().UTC()
		o.Entity = p.ID
		o.Payload, _ = json.Marshal(p)
		return o
	}
	attacker := dialRaw(t, h.addr)
	seq := attacker.login("t1").LastSeq
	if refusals := pushExpect(t, attacker, "t1", []app.Operation{update(tr.T1.ID, seq+1, "改名")}); len(refusals) != 1 || refusals[0].Code != wire.CodeForbidden {
		t.Fatalf("the township's change: %+v", refusals)
	}
	owner := dialRaw(t, h.addr)
	seq = owner.login("p").LastSeq
	if refusals := pushExpect(t, owner, "p", []app.Operation{update(tr.P.ID, seq+1, "向局长")}); len(refusals) != 0 {
		t.Fatalf("the prefecture's change of its own deputy: %+v", refusals)
	}
	// Its owner's change must still be a person every client can store.
	if refusals := pushExpect(t, owner, "p2", []app.Operation{update(tr.P.ID, seq+2, " ")}); len(refusals) != 1 || refusals[0].Code != wire.CodeInvalid {
		t.Fatalf("a nameless deputy: %+v", refusals)
	}
}
