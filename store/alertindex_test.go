package store_test

import (
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/warning"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// pendingByScan is what Pending answers, worked out from every warning and
// its acks: what the index must agree with.
func pendingByScan(t *testing.T, ws *store.Warnings, tree *app.Tree, station app.ID) []app.ID {
	t.Helper()
	all, err := ws.Warnings(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var out []app.ID
	for _, w := range all {
		if !warning.Reaches(tree, &w, station) {
			continue
		}
		acks, err := ws.Acks(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(acks, func(a warning.Ack) bool { return a.Station == station }) {
			out = append(out, w.ID)
		}
	}
	return out
}

func warningIDs(list []warning.Warning) []app.ID {
	var out []app.ID
	for _, w := range list {
		out = append(out, w.ID)
	}
	return out
}

// The warnings a township owes an acknowledgement follow what happens to
// them: each one issued above arrives pending, stays pending (no longer
// alarming) once it runs out, and leaves when acknowledged here, not when
// the county acknowledges for itself; the township's
// own warnings are never its own to acknowledge.
func TestPendingWarningsFollowIssueAckAndExpiry(t *testing.T) {
	tr := newTree(t)
	township := stationsAt(t, tr, tr.township)
	county := stationsAt(t, tr, tr.county)
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.prefecture.ID); err != nil {
		t.Fatal(err)
	}
	for _, db := range []*store.DB{tr.db, township, county} {
		clockAt(db, wt0)
	}
	stations, err := tr.dir.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tree := app.NewTree(stations)
	ts := store.NewWarnings(township)
	check := func(step string, want ...app.ID) {
		t.Helper()
		got, err := ts.Pending(ctx, tr.township.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(warningIDs(got), want) {
			t.Fatalf("%s: pending %v, want %v", step, warningIDs(got), want)
		}
		if scan := pendingByScan(t, ts, tree, tr.township.ID); !slices.Equal(scan, want) {
			t.Fatalf("%s: the records say %v, the index %v", step, scan, want)
		}
	}
	check("nothing issued")

	pref := store.NewWarnings(tr.db)
	short := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, ValidUntil: wt0.Add(time.Hour), Text: "短时强降雨红色预警"}
	if err := pref.Issue(ctx, &short); err != nil {
		t.Fatal(err)
	}
	clockAt(tr.db, wt0.Add(time.Minute))
	long := warning.Warning{Level: warning.Orange, Type: warning.Geological, ValidUntil: wt0.Add(48 * time.Hour), Text: "地质灾害橙色预警"}
	if err := pref.Issue(ctx, &long); err != nil {
		t.Fatal(err)
	}
	ship(t, tr.db, township, warning.OpIssue)
	ship(t, tr.db, county, warning.OpIssue)
	check("two issued above", long.ID, short.ID)

	own := warning.Warning{Level: warning.Blue, Type: warning.Other, ValidUntil: wt0.Add(time.Hour), Text: "本镇自发预警"}
	if err := ts.Issue(ctx, &own); err != nil {
		t.Fatal(err)
	}
	check("one issued here", long.ID, short.ID)

	// Expiry keeps the acknowledgement owed but ends the alarm.
	later := wt0.Add(2 * time.Hour)
	got, err := ts.Pending(ctx, tr.township.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range got {
		if w.ID == short.ID && w.Alarming(false, later) {
			t.Error("an expired warning still alarms")
		}
		if w.ID == long.ID && !w.Alarming(false, later) {
			t.Error("a warning in force stopped alarming")
		}
	}
	clockAt(township, later)
	check("after the first ran out", long.ID, short.ID)

	if err := ts.Acknowledge(ctx, &warning.Ack{Warning: short.ID, Person: "赵值班"}); err != nil {
		t.Fatal(err)
	}
	check("the expired one acknowledged here", long.ID)

	// The county acknowledging for itself settles nothing here.
	if err := store.NewWarnings(county).Acknowledge(ctx, &warning.Ack{Warning: long.ID, Person: "县值班"}); err != nil {
		t.Fatal(err)
	}
	ship(t, county, township, warning.OpAck)
	check("acknowledged by the county", long.ID)
	if err := ts.Acknowledge(ctx, &warning.Ack{Warning: long.ID, Person: "孙值班"}); err != nil {
		t.Fatal(err)
	}
	check("both acknowledged here")

	// Another station's pending warnings, as the township sees them, are
	// read from the records: the index is kept for this station.
	if p, err := ts.Pending(ctx, tr.village.ID); err != nil || !slices.Equal(warningIDs(p), pendingByScan(t, ts, tree, tr.village.ID)) || len(p) != 3 {
		t.Fatalf("the village's pending warnings: %v, %v", warningIDs(p), err)
	}
}

// A warning taken in before the station is chosen is owed once it is.
func TestPendingWarningsCountWhatArrivedBeforeTheStationWasChosen(t *testing.T) {
	tr := newTree(t)
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.prefecture.ID); err != nil {
		t.Fatal(err)
	}
	clockAt(tr.db, wt0)
	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, ValidUntil: wt0.Add(time.Hour), Text: "大暴雨红色预警"}
	if err := store.NewWarnings(tr.db).Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	fresh := newFolder(t, tr)
	ship(t, tr.db, fresh, warning.OpIssue)
	if err := store.NewIdentity(fresh).SetIdentity(ctx, tr.county.ID); err != nil {
		t.Fatal(err)
	}
	got, err := store.NewWarnings(fresh).Pending(ctx, tr.county.ID)
	if err != nil || !slices.Equal(warningIDs(got), []app.ID{w.ID}) {
		t.Fatalf("pending after choosing the station: %v, %v", warningIDs(got), err)
	}
}

// newFolder is another client's file holding tr's stations, with no
// station chosen yet.
func newFolder(t *testing.T, tr *tree) *store.DB {
	t.Helper()
	db := storetest.Open(t)
	ship(t, tr.db, db, app.OpStationCreate)
	return db
}

func consultIDs(list []consult.Consultation) []app.ID {
	var out []app.ID
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

func recordIDs(list []consult.Record) []app.ID {
	var out []app.ID
	for _, r := range list {
		out = append(out, r.Consultation.ID)
	}
	return out
}

// What rings and what is scheduled follow the consultations through
// schedule, start, reply and end, at the host and at an invited station:
// a scheduled one is found only near its time, a live one rings until
// answered, an ended one is in neither.
func TestConsultationIndexFollowsStartReplyAndEnd(t *testing.T) {
	tr := newTree(t)
	host := stationsAt(t, tr, tr.prefecture)
	county := stationsAt(t, tr, tr.county)
	t0 := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	clockAt(host, t0)
	clockAt(county, t0)
	hs, cs := store.NewConsultations(host), store.NewConsultations(county)
	around := func(svc *store.Consultations, now time.Time) []app.ID {
		t.Helper()
		list, err := svc.Scheduled(ctx, now.Add(-consult.StartWindow), now.Add(consult.RemindBefore))
		if err != nil {
			t.Fatal(err)
		}
		return recordIDs(list)
	}
	ringing := func() []app.ID {
		t.Helper()
		list, err := cs.Ringing(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return consultIDs(list)
	}

	at := t0.Add(time.Hour)
	planned := consult.Consultation{Title: "汛前会商", Invited: []app.ID{tr.county.ID}, Scheduled: &at}
	if err := hs.Schedule(ctx, &planned); err != nil {
		t.Fatal(err)
	}
	at2 := t0.Add(3 * time.Hour)
	second := consult.Consultation{Title: "午后会商", Invited: []app.ID{tr.county.ID}, Scheduled: &at2}
	if err := hs.Schedule(ctx, &second); err != nil {
		t.Fatal(err)
	}
	ship(t, host, county, consult.Kinds...)
	for _, svc := range []*store.Consultations{hs, cs} {
		if got := around(svc, t0); len(got) != 0 {
			t.Fatalf("an hour early: %v", got)
		}
		if got := around(svc, at.Add(-3*time.Minute)); !slices.Equal(got, []app.ID{planned.ID}) {
			t.Fatalf("three minutes before: %v", got)
		}
		if got := around(svc, at.Add(4*time.Minute)); !slices.Equal(got, []app.ID{planned.ID}) {
			t.Fatalf("four minutes late, still to be started: %v", got)
		}
		if got := around(svc, at.Add(consult.StartWindow+time.Minute)); len(got) != 0 {
			t.Fatalf("past its start window: %v", got)
		}
		if got, err := svc.Scheduled(ctx, t0, t0.Add(24*time.Hour)); err != nil || !slices.Equal(recordIDs(got), []app.ID{planned.ID, second.ID}) {
			t.Fatalf("the day's schedule, soonest first: %v, %v", recordIDs(got), err)
		}
	}
	if got := ringing(); len(got) != 0 {
		t.Fatalf("a scheduled consultation rings: %v", got)
	}

	clockAt(host, at)
	if err := hs.Start(ctx, planned.ID); err != nil {
		t.Fatal(err)
	}
	live := consult.Consultation{Title: "临时会商", Invited: []app.ID{tr.county.ID}}
	if err := hs.Schedule(ctx, &live); err != nil {
		t.Fatal(err)
	}
	ship(t, host, county, consult.Kinds...)
	if got := around(cs, at); len(got) != 0 {
		t.Fatalf("started, still scheduled: %v", got)
	}
	if got := ringing(); !slices.Equal(got, []app.ID{planned.ID, live.ID}) {
		t.Fatalf("ringing, oldest first: %v", got)
	}
	if ring, _ := hs.Ringing(ctx); len(ring) != 0 {
		t.Fatalf("the host's own ring at the host: %v", consultIDs(ring))
	}

	clockAt(county, at.Add(time.Minute))
	if err := cs.Reply(ctx, planned.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := ringing(); !slices.Equal(got, []app.ID{live.ID}) {
		t.Fatalf("after the reply: %v", got)
	}
	if err := hs.End(ctx, live.ID); err != nil {
		t.Fatal(err)
	}
	ship(t, host, county, consult.OpEnd)
	if got := ringing(); len(got) != 0 {
		t.Fatalf("after the end: %v", got)
	}
	// Ending one still scheduled takes it off the schedule.
	if err := hs.End(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if got := around(hs, at2); len(got) != 0 {
		t.Fatalf("an ended one on the schedule: %v", got)
	}
}
