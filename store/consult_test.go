package store_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
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

// A consultation started from an incident writes its start, its roll
// call and its end to the incident's timeline at the host, in the same
// transactions, and those events travel as incident.event operations to
// the other stations holding the incident, whose timelines then hold the
// same events with the same figures.
func TestConsultationEventsOnIncidentTimeline(t *testing.T) {
	e := newIncidentEnv(t)
	if err := store.NewIdentity(e.db).SetIdentity(ctx, e.township.ID); err != nil {
		t.Fatal(err)
	}
	inc := e.sample()
	inc.Counts.Dead = 3
	e.create(t, inc)
	county := stationsAt(t, e.tree, e.county)
	clockAt(county, e.now)
	svc := store.NewConsultations(e.db)
	c, err := svc.FromIncident(ctx, inc.ID, "侧翻会商")
	if err != nil {
		t.Fatal(err)
	}
	consultEvents := func(db *store.DB) []incident.Event {
		t.Helper()
		all, err := store.NewIncidents(db).Timeline(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []incident.Event
		for _, ev := range all {
			if ev.Consult != nil {
				out = append(out, ev)
			}
		}
		return out
	}
	evs := consultEvents(e.db)
	if len(evs) != 1 || evs[0].Kind != incident.EventConsultStarted || evs[0].Consult.Consultation != c.ID ||
		!slices.Equal(evs[0].Consult.Invited, c.Invited) || evs[0].Actor != "张值班" || evs[0].Station != e.township.ID {
		t.Fatalf("after the start: %+v", evs)
	}

	// The county joins and answers the roll in time, the prefecture
	// never does; the host saves the roll call, then saving the same result again writes nothing.
	call, err := svc.CallRoll(ctx, c.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	ship(t, e.db, county, incident.OpIncidentCreate, incident.OpIncidentShare, consult.OpStart, consult.OpRollCall)
	cs := store.NewConsultations(county)
	clockAt(county, call.At.Add(5*time.Second))
	if err := cs.Joined(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if st, err := cs.AnswerRoll(ctx, c.ID); err != nil || st != consult.Present {
		t.Fatalf("the county answers: %s, %v", st, err)
	}
	ship(t, county, e.db, consult.OpPresence, consult.OpAnswer)
	e.at(call.At.Add(time.Minute))
	if err := svc.SaveRollCall(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	before := outboxLen(t, e.db)
	if err := svc.SaveRollCall(ctx, c.ID); err != nil || outboxLen(t, e.db) != before {
		t.Fatalf("saving the same roll call again: %v, queued %d more", err, outboxLen(t, e.db)-before)
	}
	if err := cs.SaveRollCall(ctx, c.ID); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("an invited station saves the roll call: %v", err)
	}
	e.at(call.At.Add(10 * time.Minute))
	if err := svc.End(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	evs = consultEvents(e.db)
	if len(evs) != 3 {
		t.Fatalf("host timeline: %+v", evs)
	}
	roll, end := evs[1], evs[2]
	if roll.Kind != incident.EventConsultRoll || roll.Consult.Present != 1 || roll.Consult.Late != 0 || roll.Consult.Absent != len(c.Invited)-1 {
		t.Errorf("roll call event: %+v", roll.Consult)
	}
	if end.Kind != incident.EventConsultEnded || !slices.Equal(end.Consult.Participants, []app.ID{e.county.ID}) ||
		end.Consult.Duration != 10*time.Minute || !end.At.Equal(call.At.Add(10*time.Minute)) {
		t.Errorf("end event: %+v at %s", end.Consult, end.At)
	}
	if !strings.Contains(end.Detail, e.county.Name) {
		t.Errorf("end detail %q names no participant", end.Detail)
	}

	// At the county, the same three events, once each.
	ship(t, e.db, county, incident.OpIncidentEvent)
	got := consultEvents(county)
	if len(got) != 3 {
		t.Fatalf("county timeline: %+v", got)
	}
	for i := range got {
		if got[i].ID != evs[i].ID || got[i].Kind != evs[i].Kind || got[i].Consult.Duration != evs[i].Consult.Duration {
			t.Errorf("county event %d: %+v, host has %+v", i, got[i], evs[i])
		}
	}
}

// A consultation without an incident writes no incident events, and a
// scheduled one writes its start only when it goes live.
func TestScheduledConsultationEventOnlyWhenLive(t *testing.T) {
	e := newIncidentEnv(t)
	if err := store.NewIdentity(e.db).SetIdentity(ctx, e.township.ID); err != nil {
		t.Fatal(err)
	}
	inc := e.sample()
	e.create(t, inc)
	svc := store.NewConsultations(e.db)
	at := e.now.Add(time.Hour)
	id := inc.ID
	c := consult.Consultation{Title: "碰头会", Incident: &id, Scheduled: &at, Invited: []app.ID{e.county.ID}}
	if err := svc.Schedule(ctx, &c); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		all, err := e.svc.Timeline(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range all {
			if ev.Kind == incident.EventConsultStarted {
				n++
			}
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("a scheduled consultation wrote %d start events", n)
	}
	if err := svc.Start(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx, c.ID); err != nil { // sent again for the hub; no second event
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("after starting: %d start events", n)
	}
}

// A consultation scheduled in the past, or with nobody invited, is
// refused with the field it is about, and nothing is stored or queued.
func TestScheduleRefusesPastAndNobody(t *testing.T) {
	tr := newTree(t)
	host := stationsAt(t, tr, tr.county)
	t0 := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	clockAt(host, t0)
	svc := store.NewConsultations(host)
	before := outboxLen(t, host)
	past := t0.Add(-10 * time.Minute)
	c := consult.Consultation{Title: "会商", Scheduled: &past, Invited: []app.ID{tr.township.ID}}
	if err := svc.Schedule(ctx, &c); app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != "scheduled" {
		t.Errorf("scheduled in the past: %v", err)
	}
	later := t0.Add(time.Hour)
	c = consult.Consultation{Title: "会商", Scheduled: &later}
	if err := svc.Schedule(ctx, &c); app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != "invited" {
		t.Errorf("nobody invited: %v", err)
	}
	if all, err := svc.Records(ctx); err != nil || len(all) != 0 || outboxLen(t, host) != before {
		t.Errorf("after refusals: %d records, %d queued, %v", len(all), outboxLen(t, host)-before, err)
	}
}

// Ending a consultation before the roll call's grace has passed counts
// the stations that did not answer as absent.
func TestEndCountsUnansweredRollAsAbsent(t *testing.T) {
	e := newIncidentEnv(t)
	if err := store.NewIdentity(e.db).SetIdentity(ctx, e.township.ID); err != nil {
		t.Fatal(err)
	}
	inc := e.sample()
	e.create(t, inc)
	svc := store.NewConsultations(e.db)
	id := inc.ID
	c := consult.Consultation{Title: "短会", Incident: &id, Invited: []app.ID{e.county.ID}}
	if err := svc.Schedule(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CallRoll(ctx, c.ID, nil); err != nil {
		t.Fatal(err)
	}
	e.at(e.now.Add(5 * time.Second))
	if err := svc.End(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	all, err := e.svc.Timeline(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range all {
		if ev.Kind == incident.EventConsultRoll {
			if ev.Consult.Absent != 1 || ev.Consult.Present != 0 {
				t.Errorf("roll call at the end: %+v", ev.Consult)
			}
			return
		}
	}
	t.Error("no roll-call event at the end")
}
