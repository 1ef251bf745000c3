package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// Attacks of issue #10 by a hostile station account, each against a real
// hub over real sockets, with an honest station working in the same run.

// hostOp is a consultation operation whose payload names its host, as the
// host's client sends it.
func hostOp(origin app.ID, seq uint64, kind string, room app.ID) app.Operation {
	c := consult.Consultation{ID: room, Host: origin, Title: "会商", Invited: []app.ID{app.NewID()}, State: consult.Live, CreatedAt: time.Now().UTC()}
	o := op(origin, seq, kind)
	o.Entity = room
	o.Payload, _ = json.Marshal(c)
	return o
}

// pushExpect pushes ops on a raw session and returns the refusals that
// come before the ack, which must say every op was looked at.
func pushExpect(t *testing.T, r *raw, id string, ops []app.Operation) []*wire.Error {
	t.Helper()
	r.send(wire.TypePush, id, wire.Push{Ops: ops})
	var refused []*wire.Error
	for {
		env, err := r.next()
		if err != nil {
			t.Fatalf("waiting for the ack of push %s: %v", id, err)
		}
		switch env.Type {
		case wire.TypeError:
			refused = append(refused, wire.DecodeError(env))
		case wire.TypeAck:
			a, err := wire.DecodeAck(env)
			if err != nil || a.Through != ops[len(ops)-1].Seq {
				t.Fatalf("ack of push %s: %+v, %v", id, a, err)
			}
			return refused
		}
	}
}

func inLog(h *testHub, id app.ID) bool {
	for _, d := range h.logOps() {
		if d.Op.ID == id {
			return true
		}
	}
	return false
}

// The township renames the prefecture's deputy director by pushing a
// person.update that claims him for itself. The hub refuses it (it knows
// the deputy is the prefecture's), refuses a change to a person it never
// saw, and stores neither; a client handed the same operation by a hub
// that let it through keeps it unapplied with the reason. Meanwhile the
// county adds a person and the prefecture receives it.
func TestAttackTownshipRenamesThePrefecturesDeputy(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, c1 := newClient(t, "p"), newClient(t, "c1")
	p.start(h.addr, "p")
	c1.start(h.addr, "c1")
	p.caughtUp()
	c1.caughtUp()
	p.setIdentity(tr.P)
	c1.setIdentity(tr.C1)
	deputy := p.addPerson(tr.P, "向副局长")
	waitFor(t, "the deputy in the hub's log", func() bool { return countOp(h.logOps(), deputy.ID) == 1 })

	attacker := dialRaw(t, h.addr)
	seq := attacker.login("t1").LastSeq
	claim := func(id app.ID) app.Operation {
		seq++
		o := op(tr.T1.ID, seq, app.OpPersonUpdate)
		o.Entity = id
		o.Payload, _ = json.Marshal(app.Person{ID: id, Station: tr.T1.ID, Name: "改名", Mobile: "13900000000", UpdatedAt: time.Now().UTC().Add(time.Hour)})
		return o
	}
	onDeputy, onUnknown := claim(deputy.ID), claim(app.NewID())
	refusals := pushExpect(t, attacker, "claim", []app.Operation{onDeputy, onUnknown})
	if len(refusals) != 2 || refusals[0].Code != wire.CodeForbidden || refusals[1].Code != wire.CodeUnknownOwner {
		t.Fatalf("refusals: %+v", refusals)
	}
	if !strings.Contains(refusals[0].Message, "湘西州") {
		t.Errorf("the refusal does not name the owner: %s", refusals[0].Message)
	}
	if inLog(h, onDeputy.ID) || inLog(h, onUnknown.ID) {
		t.Fatal("the hub stored a refused claim")
	}
	if log := h.log.String(); !strings.Contains(log, "code=forbidden") || !strings.Contains(log, "code=unknown_owner") {
		t.Errorf("the hub's log does not record the refusals:\n%s", log)
	}

	// The honest county is unaffected.
	honest := c1.addPerson(tr.C1, "吉首值班员")
	waitFor(t, "the county's person at the prefecture", func() bool { return p.hasPerson(honest.ID) })

	// A hub that has been tampered with delivers the claim anyway.
	ctx := context.Background()
	_, pos, _ := p.db.SyncCursor(ctx)
	p.stop()
	res, err := p.db.ApplyIncoming(ctx, h.srv.Epoch(), pos, []app.Operation{onDeputy})
	if err != nil || res.Kept != 1 || res.Applied != 0 {
		t.Fatalf("the forged delivery: %+v, %v", res, err)
	}
	got, err := p.dir.FindPersonByID(ctx, deputy.ID)
	if err != nil || got.Name != "向副局长" || got.Station != tr.P.ID {
		t.Fatalf("the deputy after the forged delivery: %+v, %v", got, err)
	}
	kept, _ := p.db.KeptOps(ctx, 10)
	if len(kept) != 1 || kept[0].Op.ID != onDeputy.ID || !strings.Contains(kept[0].Reason, "forbidden") {
		t.Fatalf("kept: %+v", kept)
	}
}

// Operations of a kind the hub does not know are refused with
// unknown_kind and stored nowhere, however many come; the honest county's
// changes still flow.
func TestAttackUnknownKindsAreRefusedAndNotStored(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, c1 := newClient(t, "p"), newClient(t, "c1")
	p.start(h.addr, "p")
	c1.start(h.addr, "c1")
	p.caughtUp()
	c1.caughtUp()
	c1.setIdentity(tr.C1)
	headBefore, _ := h.db.Head()

	attacker := dialRaw(t, h.addr)
	seq := attacker.login("t1").LastSeq
	filler := strings.Repeat("x", 200<<10)
	for push := range 4 {
		ops := make([]app.Operation, 4)
		for i := range ops {
			seq++
			ops[i] = op(tr.T1.ID, seq, "flood.fill")
			ops[i].Payload, _ = json.Marshal(map[string]string{"fill": filler})
		}
		refusals := pushExpect(t, attacker, fmt.Sprint(push), ops)
		if len(refusals) != len(ops) {
			t.Fatalf("push %d: %d refusals, want %d", push, len(refusals), len(ops))
		}
		for _, e := range refusals {
			if e.Code != wire.CodeUnknownKind || !strings.Contains(e.Message, "flood.fill") {
				t.Fatalf("refusal %+v", e)
			}
		}
	}
	if head, _ := h.db.Head(); head != headBefore {
		t.Fatalf("the hub's log grew from %d to %d with refused operations", headBefore, head)
	}
	if text := metricsText(t, h); !strings.Contains(text, `dutyhub_refusals_total{code="unknown_kind"} 16`) {
		t.Errorf("/metrics does not count the refusals by their code:\n%s", text)
	}
	if log := h.log.String(); !strings.Contains(log, "code=unknown_kind") || !strings.Contains(log, "station="+tr.T1.ID.String()) {
		t.Errorf("the hub's log does not name the refusal and the station:\n%s", log)
	}
	honest := c1.addPerson(tr.C1, "吉首值班员")
	waitFor(t, "the county's person at the prefecture", func() bool { return p.hasPerson(honest.ID) })
}

// A county pushing 10,000 station.create gets at most authority's cap of
// stations under any one station; the rest are refused with
// station_limit, and a township's push behind them still goes through.
func TestAttackTenThousandStationCreatesAreBounded(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, t2 := newClient(t, "p"), newClient(t, "t2")
	p.start(h.addr, "p")
	t2.start(h.addr, "t2")
	p.caughtUp()
	t2.caughtUp()
	t2.setIdentity(tr.T2)

	attacker := dialRaw(t, h.addr)
	seq := attacker.login("c1").LastSeq
	const total = 10000
	stored, limited := 0, 0
	now := time.Now().UTC()
	for start := 0; start < total; start += wire.MaxPushOps {
		ops := make([]app.Operation, 0, wire.MaxPushOps)
		for i := start; i < min(start+wire.MaxPushOps, total); i++ {
			s := app.Station{ID: app.NewID(), Code: fmt.Sprintf("4331019%05d", i), Name: fmt.Sprintf("新镇%d", i), Tier: app.TierTownship, Parent: tr.C1.ID, CreatedAt: now, UpdatedAt: now}
			seq++
			o := op(tr.C1.ID, seq, app.OpStationCreate)
			o.Entity = s.ID
			o.Payload, _ = json.Marshal(s)
			ops = append(ops, o)
		}
		refusals := pushExpect(t, attacker, fmt.Sprint(start), ops)
		for _, e := range refusals {
			if e.Code != wire.CodeStationLimit {
				t.Fatalf("refusal %+v", e)
			}
		}
		limited += len(refusals)
		stored += len(ops) - len(refusals)
	}
	stations, err := h.db.Stations()
	if err != nil {
		t.Fatal(err)
	}
	under := 0
	for _, s := range stations {
		if s.Parent == tr.C1.ID {
			under++
		}
	}
	if under != 200 || stored != 198 || limited != total-198 {
		t.Fatalf("%d stations under the county (%d stored, %d refused), want the cap of 200", under, stored, limited)
	}
	honest := t2.addPerson(tr.T2, "峒河值班员")
	waitFor(t, "the township's person at the prefecture", func() bool { return p.hasPerson(honest.ID) })
}

// A warning reaches a client only from a station above it: one a hub
// that has been tampered with delivers from a sibling is kept unapplied
// with the reason, while the county's own warning, through the real hub,
// is applied.
func TestAttackWarningFromANonAncestorIsKept(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	t1, c1 := newClient(t, "t1"), newClient(t, "c1")
	t1.start(h.addr, "t1")
	c1.start(h.addr, "c1")
	t1.caughtUp()
	c1.caughtUp()
	t1.setIdentity(tr.T1)
	c1.setIdentity(tr.C1)
	ctx := context.Background()

	issued := warning.Warning{Level: warning.Blue, Type: warning.Flood, ValidFrom: time.Now().UTC(), ValidUntil: time.Now().UTC().Add(time.Hour), Text: "暴雨蓝色预警", IssuedBy: "吉首值班员"}
	if err := store.NewWarnings(c1.db).Issue(app.WithAuthor(ctx, "吉首值班员"), &issued); err != nil {
		t.Fatal(err)
	}
	c1.eng.Kick()
	waitFor(t, "the county's warning at the township", func() bool {
		_, err := store.NewWarnings(t1.db).Warning(ctx, issued.ID)
		return err == nil
	})

	forged := warning.Warning{ID: app.NewID(), Issuer: tr.T2.ID, Level: warning.Red, Type: warning.Flood, ValidFrom: time.Now().UTC(),
		ValidUntil: time.Now().UTC().Add(time.Hour), Text: "假预警", IssuedBy: "冒名", IssuedAt: time.Now().UTC()}
	o := op(tr.T2.ID, 1, warning.OpIssue)
	o.Entity, o.Scope = forged.ID, app.ScopeDown
	o.Payload, _ = json.Marshal(forged)
	_, pos, _ := t1.db.SyncCursor(ctx)
	t1.stop()
	res, err := t1.db.ApplyIncoming(ctx, h.srv.Epoch(), pos, []app.Operation{o})
	if err != nil || res.Kept != 1 {
		t.Fatalf("the sibling's warning: %+v, %v", res, err)
	}
	if _, err := store.NewWarnings(t1.db).Warning(ctx, forged.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("the sibling's warning was applied: %v", err)
	}
	kept, _ := t1.db.KeptOps(ctx, 10)
	if len(kept) != 1 || !strings.Contains(kept[0].Reason, "not above this station") {
		t.Fatalf("kept: %+v", kept)
	}
}

// An invited township re-sends the county's consultation naming itself
// host and inviting another station instead of the county, then ends it.
// The hub, a real process, refuses both; after it is killed and started
// again, the county still enters its room and the station the attacker
// invited does not; the county's own start and the attacker's refusals
// are all the log says about it.
func TestAttackConsultationTakeoverRefusedAcrossARestart(t *testing.T) {
	tr := testTree()
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportStations(tr.list()); err != nil {
		t.Fatal(err)
	}
	for user, st := range map[string]app.Station{"c1": tr.C1, "t1": tr.T1, "t2": tr.T2, "p": tr.P} {
		if err := db.AddUser(user, st.Code, password); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	proc := runHubProcess(t, dir)
	addr := "ws://" + proc.addr

	room := app.NewID()
	now := time.Now().UTC()
	consultOp := func(origin app.ID, seq uint64, kind string, c consult.Consultation) app.Operation {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		o := op(origin, seq, kind)
		o.Entity, o.To, o.Scope = room, c.Invited, app.ScopeNone
		o.Payload, _ = json.Marshal(c)
		return o
	}
	real := consult.Consultation{ID: room, Host: tr.C1.ID, Title: "暴雨防御视频会商", Invited: []app.ID{tr.T1.ID}, State: consult.Live, CreatedAt: now, StartedAt: now}
	host := dialRaw(t, addr)
	hostSeq := host.login("c1").LastSeq + 1
	if refusals := pushExpect(t, host, "start", []app.Operation{consultOp(tr.C1.ID, hostSeq, consult.OpStart, real)}); len(refusals) != 0 {
		t.Fatalf("the host's start was refused: %+v", refusals)
	}

	takeover := real
	takeover.Host, takeover.Invited, takeover.Recording = tr.T1.ID, []app.ID{tr.T2.ID}, true
	ended := takeover
	ended.State, ended.EndedAt = consult.Ended, now.Add(time.Minute)
	attacker := dialRaw(t, addr)
	seq := attacker.login("t1").LastSeq
	refusals := pushExpect(t, attacker, "takeover", []app.Operation{
		consultOp(tr.T1.ID, seq+1, consult.OpStart, takeover), consultOp(tr.T1.ID, seq+2, consult.OpEnd, ended)})
	if len(refusals) != 2 || refusals[0].Code != wire.CodeForbidden || refusals[1].Code != wire.CodeForbidden {
		t.Fatalf("the take-over: %+v", refusals)
	}

	proc.kill()
	proc.start()

	join := func(user string) wire.Envelope {
		r := dialRaw(t, addr)
		r.login(user)
		r.send(wire.TypeRoomJoin, "rtc.join.1", wire.RoomJoin{Room: room})
		for {
			env, err := r.next()
			if err != nil {
				t.Fatalf("waiting for room.joined of %s: %v", user, err)
			}
			if env.Type == wire.TypeRoomJoined || env.Type == wire.TypeError {
				return env
			}
		}
	}
	if env := join("c1"); env.Type != wire.TypeRoomJoined {
		t.Fatalf("the real host after the restart: %s %s", env.Type, env.Data)
	}
	if env := join("t2"); env.Type != wire.TypeError || wire.DecodeError(env).Code != wire.CodeForbidden {
		t.Fatalf("the station the attacker invited: %s %s", env.Type, env.Data)
	}
	proc.stop()
	db, err = hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log, _ := db.Log(0, 1<<20)
	starts := 0
	for _, d := range log {
		if d.Op.Entity == room {
			starts++
			if d.Op.Origin != tr.C1.ID || d.Op.Kind != consult.OpStart {
				t.Errorf("the log holds %s from %s", d.Op.Kind, d.Op.Origin)
			}
		}
	}
	if starts != 1 {
		t.Fatalf("the log holds %d operations of the consultation, want the host's start", starts)
	}
}
