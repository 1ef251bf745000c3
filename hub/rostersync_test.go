package hub_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// rosterClient is a duty room with its roster service.
type rosterClient struct {
	*incClient
	r *store.Rosters
}

func startRosterClient(t *testing.T, h *testHub, user string, st app.Station, clk *alertClock) *rosterClient {
	t.Helper()
	c := startIncClient(t, h, user, st, clk)
	return &rosterClient{incClient: c, r: store.NewRosters(c.db)}
}

func (c *rosterClient) assignments(station app.ID, m roster.Month) []roster.Assignment {
	c.t.Helper()
	as, err := c.r.Assignments(dutyCtx, station, m.First(), m.Last())
	if err != nil {
		c.t.Fatalf("%s: %v", c.name, err)
	}
	return as
}

func (c *rosterClient) state(station app.ID, m roster.Month) roster.State {
	c.t.Helper()
	r, err := c.r.Roster(dutyCtx, station, m)
	if err != nil {
		c.t.Fatalf("%s: %v", c.name, err)
	}
	return r.State
}

func (c *rosterClient) lastSeq() uint64 {
	c.t.Helper()
	n, err := c.db.LastSeq(dutyCtx)
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// A county generates and publishes November; the prefecture holds the
// county's posts and sees the month published, without queuing anything
// of its own. A later change of a published post reaches the prefecture
// with its audit entry; the sibling county receives none of it. An
// operation on the county's roster from the sibling, and one on the
// sibling's own roster addressed to the county, are kept with their
// reasons and change nothing; the same operation delivered twice is
// taken in once.
func TestRosterReachesTheStationsAbove(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 10, 20, 2, 0, 0, 0, time.UTC)}
	p := startRosterClient(t, h, "p", tr.P, clk)
	c1 := startRosterClient(t, h, "c1", tr.C1, clk)
	c2 := startRosterClient(t, h, "c2", tr.C2, clk)

	var officers []app.Person
	for i, name := range []string{"向局长", "龙副局长", "石副局长", "彭值班", "田值班", "杨值班", "吴值班"} {
		role := app.RoleOfficer
		if i < 3 {
			role = app.RoleLeader
		}
		person := app.Person{Station: tr.C1.ID, Name: name, Mobile: "1390743000" + string(rune('0'+i)), Roles: []app.Role{role}}
		if err := c1.dir.CreatePerson(dutyCtx, &person); err != nil {
			t.Fatal(err)
		}
		if role == app.RoleOfficer {
			officers = append(officers, person)
		}
	}
	nov, _ := roster.ParseMonth("2026-11")
	res, _, err := c1.r.Generate(dutyCtx, tr.C1.ID, nov.First(), nov.Last())
	if err != nil || len(res.Gaps) > 0 {
		t.Fatalf("generating November: %v, gaps %v", err, res.Gaps)
	}
	if _, err := c1.r.Publish(dutyCtx, tr.C1.ID, nov, false); err != nil {
		t.Fatal(err)
	}
	c1.eng.Kick()
	prefSeq := p.lastSeq()

	want := c1.assignments(tr.C1.ID, nov)
	waitFor(t, "November published at the prefecture", func() bool {
		return p.state(tr.C1.ID, nov) == roster.StatePublished
	})
	if got := p.assignments(tr.C1.ID, nov); !slices.Equal(got, want) || len(got) != 60 {
		t.Fatalf("the prefecture holds %d posts of the county's November, the county %d:\n%v\n%v", len(got), len(want), got, want)
	}
	here, _ := c1.r.Roster(dutyCtx, tr.C1.ID, nov)
	there, _ := p.r.Roster(dutyCtx, tr.C1.ID, nov)
	if !there.PublishedAt.Equal(here.PublishedAt) || there.PublishedBy != here.PublishedBy {
		t.Fatalf("published at the prefecture: %+v, at the county: %+v", there, here)
	}
	if p.lastSeq() != prefSeq {
		t.Fatalf("taking the county's roster in queued %d operations at the prefecture", p.lastSeq()-prefSeq)
	}
	if n, _ := p.db.OutboxLen(dutyCtx); n != 0 {
		t.Fatalf("the prefecture's outbox holds %d operations", n)
	}

	// A later change of a published post.
	day := roster.NewDate(2026, 11, 10)
	post := roster.Post{Role: app.RoleOfficer}
	var holder app.ID
	busy := map[app.ID]bool{}
	for _, a := range want {
		if a.Day.Within(day.AddDays(-1), day.AddDays(1)) {
			busy[a.Person] = true
		}
		if a.Day == day && a.Post == post {
			holder = a.Person
		}
	}
	i := slices.IndexFunc(officers, func(o app.Person) bool { return !busy[o.ID] })
	if i < 0 || holder == app.NilID {
		t.Fatalf("no free officer around %s (held by %s)", day, holder)
	}
	newcomer := officers[i].ID
	_, notify, err := c1.r.SetAssignment(dutyCtx, roster.Assignment{Station: tr.C1.ID, Day: day, Post: post, Person: newcomer}, "病假顶班")
	c1.do(err)
	if len(notify) != 2 {
		t.Fatalf("the change notifies %v", notify)
	}
	holds := func(c *rosterClient) app.ID {
		as, err := c.r.Assignments(dutyCtx, tr.C1.ID, day, day)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Post == post {
				return a.Person
			}
		}
		return app.NilID
	}
	waitFor(t, "the change at the prefecture", func() bool { return holds(p) == newcomer })
	hist, err := p.r.History(dutyCtx, tr.C1.ID, day)
	if err != nil {
		t.Fatal(err)
	}
	mine, _ := c1.r.History(dutyCtx, tr.C1.ID, day)
	if len(hist) != len(mine) || hist[len(hist)-1].ID != mine[len(mine)-1].ID || hist[len(hist)-1].Reason != "病假顶班" ||
		hist[len(hist)-1].Before != holder || hist[len(hist)-1].After != newcomer {
		t.Fatalf("the day's history at the prefecture:\n%+v\nat the county:\n%+v", hist, mine)
	}
	if dup, _ := p.r.PersonDuties(dutyCtx, holder, day, day); len(dup) != 0 {
		t.Fatalf("the former holder still has duties at the prefecture: %+v", dup)
	}
	if n, _ := p.r.Notices(dutyCtx, newcomer, false); len(n) != 0 {
		t.Fatalf("the prefecture kept notices for the county's people: %+v", n)
	}

	// The sibling county, once it has read past all of it, holds nothing.
	marker(t, p.incClient, c2.incClient)
	if as := c2.assignments(tr.C1.ID, nov); len(as) != 0 || c2.state(tr.C1.ID, nov) != roster.StateDraft {
		t.Fatalf("the sibling county holds %d posts of 吉首市", len(as))
	}
	for _, k := range c2.kept() {
		if strings.HasPrefix(k.Op.Kind, "roster.") {
			t.Fatalf("the sibling county received %s", k.Op.Kind)
		}
	}

	// Forged operations from the sibling county.
	body := func(station, person app.ID) []byte {
		b, err := json.Marshal(map[string]any{"station": station, "day": day, "post": "officer", "person": person, "manual": true,
			"change": map[string]any{"id": app.NewID(), "station": station, "at": clk.Now(), "day": day, "post": "officer", "after": person}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The sibling's own duty room stops, so the forger's connection is
	// the only one of the station and its seqs follow the last sent.
	c2.caughtUp()
	c2.stop()
	seq := c2.lastSeq()
	forged := func(kind string, station app.ID, body []byte, to ...app.ID) app.Operation {
		seq++
		op := app.Operation{ID: app.NewID(), Origin: tr.C2.ID, Seq: seq, Author: "伪造", At: clk.Now(), Kind: kind, Entity: station, Payload: body}
		if len(to) > 0 {
			op.To, op.Scope = to, app.ScopeNone
		}
		return op
	}
	intruder := officers[(i+1)%len(officers)].ID
	onCounty := forged(roster.OpAssign, tr.C1.ID, body(tr.C1.ID, intruder))
	onItself := forged(roster.OpAssign, tr.C2.ID, body(tr.C2.ID, intruder), tr.C1.ID)
	sibling := dialRaw(t, h.addr)
	sibling.login("c2")
	sibling.send(wire.TypePush, "1", wire.Push{Ops: []app.Operation{onCounty, onItself}})
	// The hub refuses the change of the county's roster (the rule table:
	// a station's records are its own and those above it); the sibling's
	// own roster addressed to the county passes it and is kept there.
	refusedWith(t, sibling.expect(wire.TypeError), wire.CodeForbidden, "吉首市")
	ack := sibling.expect(wire.TypeAck)
	if a, err := wire.DecodeAck(ack); err != nil || a.Through != seq {
		t.Fatalf("the forged push: %+v, %v", a, err)
	}
	keptOf := func(c *rosterClient, id app.ID) *store.KeptOp {
		for _, k := range c.kept() {
			if k.Op.ID == id {
				return &k
			}
		}
		return nil
	}
	waitFor(t, "the forged operation kept", func() bool { return keptOf(c1, onItself.ID) != nil })
	if r := keptOf(c1, onItself.ID).Reason; !strings.Contains(r, "is not below") {
		t.Errorf("the county kept the sibling's own roster with %q", r)
	}
	if holds(p) != newcomer || holds(c1) != newcomer {
		t.Error("a forged operation changed the county's post")
	}
	if as, _ := c1.r.Assignments(dutyCtx, tr.C2.ID, day, day); len(as) != 0 {
		t.Errorf("the county took in the sibling's roster: %+v", as)
	}
	if as, _ := p.r.Assignments(dutyCtx, tr.C1.ID, nov.First(), nov.Last()); len(as) != len(want) {
		t.Errorf("the prefecture holds %d posts after the forgeries, want %d", len(as), len(want))
	}

	// The change once more: pushed again and delivered again.
	c1.caughtUp()
	sent, err := c1.db.Sent(dutyCtx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	k := slices.IndexFunc(sent, func(op app.Operation) bool { return op.Kind == roster.OpAssign })
	if k < 0 {
		t.Fatal("the change is not in the county's sent journal")
	}
	// The county's duty room stops first: the hub keeps one connection
	// per station, and the engine reconnecting would put this one out
	// before its ack arrived.
	c1.stop()
	again := dialRaw(t, h.addr)
	again.login("c1")
	again.send(wire.TypePush, "again", wire.Push{Ops: []app.Operation{sent[k]}})
	again.expect(wire.TypeAck)
	before, _ := p.r.History(dutyCtx, tr.C1.ID, day)
	res2, err := p.db.ApplyIncoming(dutyCtx, h.srv.Epoch(), 1, []app.Operation{sent[k]})
	if err != nil || res2.Skipped != 1 || res2.Applied != 0 {
		t.Fatalf("delivered again: %+v, %v", res2, err)
	}
	after, _ := p.r.History(dutyCtx, tr.C1.ID, day)
	if len(after) != len(before) || holds(p) != newcomer {
		t.Fatalf("the change delivered again: history %d → %d entries", len(before), len(after))
	}
}
