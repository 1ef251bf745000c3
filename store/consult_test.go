package store_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/store"
)

// A consultation started from an incident invites the incident's other
// stations, is addressed to them by name and to nobody else, and rings
// there once it arrives.
func TestConsultationFromIncident(t *testing.T) {
	e := newIncidentEnv(t)
	if err := store.NewIdentity(e.db).SetIdentity(ctx, e.township.ID); err != nil {
		t.Fatal(err)
	}
	inc := e.sample()
	inc.Counts.Dead = 3
	e.create(t, inc)
	svc := store.NewConsultations(e.db)
	c, err := svc.FromIncident(ctx, inc.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "货车侧翻" || c.Incident == nil || *c.Incident != inc.ID || c.State != consult.Live || c.Host != e.township.ID {
		t.Fatalf("consultation: %+v", c)
	}
	if !slices.Contains(c.Invited, e.county.ID) || slices.Contains(c.Invited, e.township.ID) {
		t.Fatalf("invited %v, want the county and not the host", c.Invited)
	}
	op := lastOp(t, e.db)
	if op.Kind != consult.OpStart || op.Scope != app.ScopeNone || !slices.Equal(op.To, c.Invited) {
		t.Fatalf("operation %s scope %q to %v", op.Kind, op.Scope, op.To)
	}

	county := stationsAt(t, e.tree, e.county)
	ship(t, e.db, county, consult.OpStart)
	ring, err := store.NewConsultations(county).Ringing(ctx)
	if err != nil || len(ring) != 1 || ring[0].ID != c.ID {
		t.Fatalf("ringing at the county: %v, %v", ring, err)
	}
	if ring, _ := svc.Ringing(ctx); len(ring) != 0 {
		t.Error("the host's own consultation rings at the host")
	}
}

// The roll call between a host and two invited stations, each with its
// own file: called all at once, one answers within the grace and one
// late, and the host holds both answers with their times.
func TestConsultationRollCallBetweenStations(t *testing.T) {
	tr := newTree(t)
	host := stationsAt(t, tr, tr.prefecture)
	county := stationsAt(t, tr, tr.county)
	town := stationsAt(t, tr, tr.township)
	t0 := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	for _, db := range []*store.DB{host, county, town} {
		clockAt(db, t0)
	}
	hs := store.NewConsultations(host)
	c := consult.Consultation{Title: "防汛会商", Invited: []app.ID{tr.county.ID, tr.township.ID}}
	if err := hs.Schedule(ctx, &c); err != nil {
		t.Fatal(err)
	}
	call, err := hs.CallRoll(ctx, c.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := consult.Kinds
	ship(t, host, county, kinds...)
	ship(t, host, town, kinds...)

	clockAt(county, t0.Add(10*time.Second))
	if st, err := store.NewConsultations(county).AnswerRoll(ctx, c.ID); err != nil || st != consult.Present {
		t.Fatalf("the county answers: %s, %v", st, err)
	}
	if _, err := store.NewConsultations(county).AnswerRoll(ctx, c.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("answering twice: %v", err)
	}
	clockAt(town, t0.Add(time.Minute))
	if st, err := store.NewConsultations(town).AnswerRoll(ctx, c.ID); err != nil || st != consult.Late {
		t.Fatalf("the township answers late: %s, %v", st, err)
	}
	if _, err := store.NewConsultations(county).CallRoll(ctx, c.ID, nil); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("an invited station calls the roll: %v", err)
	}
	ship(t, county, host, consult.OpAnswer)
	ship(t, town, host, consult.OpAnswer)
	r, err := hs.Record(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	res := r.Results(t0.Add(2 * time.Minute))
	if len(res) != 2 || res[0].Status != consult.Present || res[1].Status != consult.Late || !res[0].Called.Equal(call.At) ||
		res[0].Person != "张值班" || !res[1].Answered.Equal(t0.Add(time.Minute)) {
		t.Fatalf("results at the host: %+v", res)
	}
}

// Operations a station may not send are kept with the reason: a start
// from a station that does not host, a reply in another station's name,
// a roll call from an invited station.
func TestIncomingConsultationOpsAreChecked(t *testing.T) {
	tr := newTree(t)
	host := stationsAt(t, tr, tr.county)
	town := stationsAt(t, tr, tr.township)
	c := consult.Consultation{Title: "会商", Invited: []app.ID{tr.township.ID}}
	if err := store.NewConsultations(host).Schedule(ctx, &c); err != nil {
		t.Fatal(err)
	}
	ship(t, host, town, consult.OpStart)
	raw := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	now := time.Now().UTC()
	forged := c
	forged.ID = app.NewID()
	ops := []app.Operation{
		{ID: app.NewID(), Origin: tr.prefecture.ID, Seq: 1, At: now, Kind: consult.OpStart, Entity: forged.ID, Payload: raw(forged)},
		{ID: app.NewID(), Origin: tr.prefecture.ID, Seq: 2, At: now, Kind: consult.OpReply, Entity: c.ID,
			Payload: raw(consult.Reply{Consultation: c.ID, Station: tr.township.ID, Accept: false, At: now})},
		{ID: app.NewID(), Origin: tr.township.ID, Seq: 1, At: now, Kind: consult.OpRollCall, Entity: c.ID,
			Payload: raw(consult.Call{ID: app.NewID(), Consultation: c.ID, Stations: []app.ID{tr.township.ID}, At: now})},
	}
	if _, err := host.ApplyIncoming(ctx, "e", 3, ops); err != nil {
		t.Fatal(err)
	}
	kept := keptReasons(t, host)
	for _, op := range ops {
		if kept[op.ID] == "" {
			t.Errorf("%s from %s was applied", op.Kind, op.Origin)
		}
	}
	r, _ := store.NewConsultations(host).Record(ctx, c.ID)
	if len(r.Replies) != 0 || len(r.Calls) != 0 {
		t.Errorf("forged operations changed the record: %+v", r)
	}
	if _, err := store.NewConsultations(host).Record(ctx, forged.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a start from a station that does not host was stored: %v", err)
	}
}
