package hub_test

import (
	"context"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// A hostile township signs a duty-log entry with the prefecture's deputy
// director as its author. The hub refuses it with foreign_author and stores
// nothing; the same entry signed with the township's own officer, or by the
// county above with the township's officer, is admitted. A client handed
// the forged entry by a hub that let it through keeps it unapplied.
func TestAttackStationSignsWithAnotherStationsPersonIsRefused(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p := newClient(t, "p")
	p.start(h.addr, "p")
	p.caughtUp()
	p.setIdentity(tr.P)
	deputy := p.addPerson(tr.P, "向副局长")
	officer := p.addPerson(tr.T1, "乾州值班员")
	waitFor(t, "both people in the hub's log", func() bool {
		return countOp(h.logOps(), deputy.ID) == 1 && countOp(h.logOps(), officer.ID) == 1
	})

	attacker := dialRaw(t, h.addr)
	seq := attacker.login("t1").LastSeq
	signed := func(origin app.ID, by app.Person) app.Operation {
		seq++
		o := op(origin, seq, roster.OpLog)
		o.Author, o.AuthorID = by.Name, by.ID
		return o
	}
	forged, own := signed(tr.T1.ID, deputy), signed(tr.T1.ID, officer)
	unknown := signed(tr.T1.ID, app.Person{ID: app.NewID(), Name: "无名"})
	refusals := pushExpect(t, attacker, "sign", []app.Operation{forged, own, unknown})
	if len(refusals) != 2 || refusals[0].Code != wire.CodeForeignAuthor || refusals[1].Code != wire.CodeForeignAuthor {
		t.Fatalf("refusals: %+v", refusals)
	}
	if !strings.Contains(refusals[0].Message, "湘西州") || !strings.Contains(refusals[0].Message, "乾州街道") {
		t.Errorf("the refusal does not name both stations: %s", refusals[0].Message)
	}
	if inLog(h, forged.ID) || inLog(h, unknown.ID) {
		t.Fatal("the hub stored a record signed by a foreign or unknown person")
	}
	if !inLog(h, own.ID) {
		t.Fatal("the hub refused a record signed by the township's own officer")
	}
	if log := h.log.String(); !strings.Contains(log, "code=foreign_author") {
		t.Errorf("the hub's log does not record the refusal:\n%s", log)
	}
	if text := metricsText(t, h); !strings.Contains(text, `dutyhub_refusals_total{code="foreign_author"} 2`) {
		t.Errorf("the metrics do not count the 2 foreign_author refusals:\n%s", text)
	}

	// The county speaks for the township below it.
	county := dialRaw(t, h.addr)
	seq = county.login("c1").LastSeq
	covering := signed(tr.C1.ID, officer)
	if refusals := pushExpect(t, county, "cover", []app.Operation{covering}); len(refusals) != 0 {
		t.Fatalf("the county signing with its township's officer was refused: %+v", refusals)
	}

	// A hub that has been tampered with delivers the forged entry anyway.
	ctx := context.Background()
	_, pos, _ := p.db.SyncCursor(ctx)
	p.stop()
	res, err := p.db.ApplyIncoming(ctx, h.srv.Epoch(), pos, []app.Operation{forged})
	if err != nil || res.Kept != 1 || res.Applied != 0 {
		t.Fatalf("the forged delivery: %+v, %v", res, err)
	}
	// (The township's own entry, whose test payload is no real log entry,
	// may be kept too: only the forged one matters here.)
	kept, _ := p.db.KeptOps(ctx, 10)
	found := false
	for _, k := range kept {
		if k.Op.ID == forged.ID {
			found = strings.Contains(k.Reason, wire.CodeForeignAuthor)
		}
	}
	if !found {
		t.Fatalf("the forged entry is not kept for its foreign author: %+v", kept)
	}
}

// A message written by the officer signed in at the county reaches the
// prefecture through a real hub with that officer's id and name, in the
// record and on its operation.
func TestMessageKeepsItsAuthorThroughTheHub(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, c1 := newClient(t, "p"), newClient(t, "c1")
	p.start(h.addr, "p")
	c1.start(h.addr, "c1")
	p.caughtUp()
	c1.caughtUp()
	p.setIdentity(tr.P)
	c1.setIdentity(tr.C1)
	officer := c1.addPerson(tr.C1, "吉首值班员")
	waitFor(t, "the officer at the prefecture", func() bool { return p.hasPerson(officer.ID) })

	ctx := app.WithActor(context.Background(), app.Actor{ID: officer.ID, Name: officer.Name})
	m := message.Message{Kind: message.KindMessage, To: []app.ID{tr.P.ID}, Text: "道路已抢通"}
	if err := store.NewMessages(c1.db).Send(ctx, &m, nil); err != nil {
		t.Fatal(err)
	}
	c1.eng.Kick()
	var got *message.Message
	waitFor(t, "the message at the prefecture", func() bool {
		var err error
		got, err = store.NewMessages(p.db).FindMessage(context.Background(), m.ID)
		return err == nil
	})
	if got.AuthorID != officer.ID || got.Author != officer.Name {
		t.Fatalf("the prefecture's message is by %s (%s), want %s (%s)", got.Author, got.AuthorID, officer.Name, officer.ID)
	}
	sent := 0
	for _, d := range h.logOps() {
		// The prefecture's delivered receipt names the message too, and
		// nobody signed in there: only the county's send is the officer's.
		if d.Op.Kind != message.OpSend || d.Op.Entity != m.ID {
			continue
		}
		sent++
		if d.Op.AuthorID != officer.ID {
			t.Fatalf("the hub's log holds the message's operation with author id %s", d.Op.AuthorID)
		}
	}
	if sent != 1 {
		t.Fatalf("the hub's log holds %d sends of the message, want 1", sent)
	}
}
