package store_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// stationsAt returns a database of the same tree as tr, with its station
// chosen, as another duty room's client would hold it.
func stationsAt(t *testing.T, tr *tree, self app.Station) *store.DB {
	t.Helper()
	db := storetest.Open(t)
	ship(t, tr.db, db, app.OpStationCreate)
	if err := store.NewIdentity(db).SetIdentity(ctx, self.ID); err != nil {
		t.Fatal(err)
	}
	return db
}

// ship delivers the operations of the given kinds queued at from to to,
// as a hub would, and returns them.
func ship(t *testing.T, from, to *store.DB, kinds ...string) []app.Operation {
	t.Helper()
	var ops []app.Operation
	for _, op := range allOps(t, from) {
		if slices.Contains(kinds, op.Kind) {
			ops = append(ops, op)
		}
	}
	if _, err := to.ApplyIncoming(ctx, "e", uint64(len(ops)), ops); err != nil {
		t.Fatal(err)
	}
	return ops
}

func keptReasons(t *testing.T, db *store.DB) map[app.ID]string {
	t.Helper()
	kept, err := db.KeptOps(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[app.ID]string{}
	for _, k := range kept {
		out[k.Op.ID] = k.Reason
	}
	return out
}

var wt0 = time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)

func TestIssueWarningStoresAndBroadcastsDown(t *testing.T) {
	tr := newTree(t)
	ws := store.NewWarnings(tr.db)
	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, Area: "吉首市", ValidUntil: wt0.Add(12 * time.Hour), Text: "大暴雨红色预警"}
	if err := ws.Issue(ctx, &w); app.ErrorCode(err) != app.ENOTFOUND || !strings.Contains(err.Error(), "not chosen its station") {
		t.Fatalf("before the station is chosen: %v", err)
	}
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.prefecture.ID); err != nil {
		t.Fatal(err)
	}
	clockAt(tr.db, wt0)
	before := outboxLen(t, tr.db)

	// Bad input: a clear error, and nothing stored or queued.
	bad := w
	bad.ValidUntil = wt0.Add(-time.Hour)
	if err := ws.Issue(ctx, &bad); app.ErrorField(err) != "valid_until" {
		t.Fatalf("valid until before now: %v", err)
	}
	bad = w
	bad.Level = "crimson"
	if err := ws.Issue(ctx, &bad); app.ErrorField(err) != "level" || !strings.Contains(err.Error(), "crimson") {
		t.Fatalf("a bad level: %v", err)
	}
	if list, _ := ws.Warnings(ctx, time.Time{}); len(list) != 0 || outboxLen(t, tr.db) != before {
		t.Fatalf("a refused warning left %d warnings and %d operations", len(list), outboxLen(t, tr.db)-before)
	}

	if err := ws.Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	if w.ID == app.NilID || w.Issuer != tr.prefecture.ID || !w.IssuedAt.Equal(wt0) || !w.ValidFrom.Equal(wt0) || w.IssuedBy != "张值班" {
		t.Fatalf("issued: %+v", w)
	}
	op := lastOp(t, tr.db)
	if op.Kind != warning.OpIssue || op.Scope != app.ScopeDown || len(op.To) != 0 || op.Entity != w.ID || op.Origin != tr.prefecture.ID {
		t.Fatalf("operation: %+v", op)
	}
	var sent warning.Warning
	if err := json.Unmarshal(op.Payload, &sent); err != nil || sent != w {
		t.Fatalf("payload %s, %v", op.Payload, err)
	}
	got, err := ws.Warning(ctx, w.ID)
	if err != nil || *got != w {
		t.Fatalf("stored: %+v, %v", got, err)
	}

	// A village keeps no duty room and issues nothing.
	village := stationsAt(t, tr, tr.village)
	if err := store.NewWarnings(village).Issue(ctx, &warning.Warning{Level: warning.Blue, Type: warning.Other, ValidUntil: time.Now().Add(time.Hour), Text: "x"}); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("a village issues: %v", err)
	}
}

// The township takes the warning in, acknowledges for itself and records
// its village officer's acknowledgement taken by phone; the acks reach the
// prefecture, whose progress shows them.
func TestAcknowledgeAndProgress(t *testing.T) {
	tr := newTree(t)
	township := stationsAt(t, tr, tr.township)
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.prefecture.ID); err != nil {
		t.Fatal(err)
	}
	clockAt(tr.db, wt0)
	pref := store.NewWarnings(tr.db)
	w := warning.Warning{Level: warning.Orange, Type: warning.Geological, ValidUntil: wt0.Add(24 * time.Hour), Text: "地质灾害橙色预警"}
	if err := pref.Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	ship(t, tr.db, township, warning.OpIssue)

	ts := store.NewWarnings(township)
	pending, err := ts.Pending(ctx, tr.township.ID)
	if err != nil || len(pending) != 1 || pending[0].ID != w.ID {
		t.Fatalf("pending at the township: %v, %v", pending, err)
	}
	if p, _ := ts.Pending(ctx, tr.village.ID); len(p) != 1 {
		t.Fatalf("the village's pending warnings, as the township sees them: %d", len(p))
	}
	clockAt(township, wt0.Add(3*time.Minute))
	mine := warning.Ack{Warning: w.ID, Person: "赵值班"}
	if err := ts.Acknowledge(ctx, &mine); err != nil {
		t.Fatal(err)
	}
	if mine.Station != tr.township.ID || mine.RecordedBy != tr.township.ID || !mine.At.Equal(wt0.Add(3*time.Minute)) {
		t.Fatalf("ack: %+v", mine)
	}
	if op := lastOp(t, township); op.Kind != warning.OpAck || op.Scope != app.ScopeUp || len(op.To) != 0 || op.Entity != w.ID {
		t.Fatalf("ack operation: %+v", op)
	}
	before := outboxLen(t, township)
	again := warning.Ack{Warning: w.ID, Person: "钱值班"}
	if err := ts.Acknowledge(ctx, &again); app.ErrorCode(err) != app.ECONFLICT || !strings.Contains(err.Error(), "赵值班") {
		t.Fatalf("a second ack: %v", err)
	}
	noName := warning.Ack{Warning: w.ID, Station: tr.village.ID, Person: " "}
	if err := ts.Acknowledge(ctx, &noName); app.ErrorField(err) != "person" {
		t.Fatalf("an ack without a name: %v", err)
	}
	county := warning.Ack{Warning: w.ID, Station: tr.county.ID, Person: "越权"}
	if err := ts.Acknowledge(ctx, &county); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("the township acks for its county: %v", err)
	}
	if err := ts.Acknowledge(ctx, &warning.Ack{Warning: app.NewID(), Person: "赵值班"}); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("an unknown warning: %v", err)
	}
	if outboxLen(t, township) != before {
		t.Fatal("refused acks were queued")
	}
	byPhone := warning.Ack{Warning: w.ID, Station: tr.village.ID, Person: "村信息员"}
	if err := ts.Acknowledge(ctx, &byPhone); err != nil {
		t.Fatal(err)
	}
	if op := lastOp(t, township); op.Scope != app.ScopeUp || !slices.Equal(op.To, []app.ID{tr.village.ID}) {
		t.Fatalf("the village's ack goes up and to the village: %+v", op)
	}
	if p, _ := ts.Pending(ctx, tr.township.ID); len(p) != 0 {
		t.Fatalf("still pending after the ack: %d", len(p))
	}

	ship(t, township, tr.db, warning.OpAck)
	r, err := pref.Progress(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.All != (warning.Count{Total: 3, Acked: 2}) || r.Villages != (warning.Count{Total: 1, Acked: 1}) {
		t.Fatalf("progress at the prefecture: %+v", r)
	}
	if r.Stations[0].Name != "吉首市" || r.Stations[0].Acked() || r.Stations[0].SubtreeAcked != 2 || r.Stations[1].Ack.Person != "赵值班" {
		t.Fatalf("rows: %+v", r.Stations)
	}
	if acks, _ := pref.Acks(ctx, w.ID); len(acks) != 2 || acks[0].Station != tr.township.ID {
		t.Fatalf("acks by time: %+v", acks)
	}
	if n := keptReasons(t, tr.db); len(n) != 0 {
		t.Fatalf("the prefecture kept acks it should apply: %v", n)
	}
}

// Incoming warnings and acks that break the rules are kept with the
// reason, not applied; of two acks for one station the earlier stays.
func TestIncomingWarningOpsAreChecked(t *testing.T) {
	tr := newTree(t)
	township := stationsAt(t, tr, tr.township)
	w := warning.Warning{ID: app.NewID(), Issuer: tr.prefecture.ID, Level: warning.Red, Type: warning.Flood,
		ValidFrom: wt0, ValidUntil: wt0.Add(time.Hour), Text: "洪水红色预警", IssuedBy: "张局长", IssuedAt: wt0}
	forged := incoming(warning.OpIssue, w.ID, w) // its origin is not the issuer
	good := incoming(warning.OpIssue, w.ID, w)
	good.Origin = tr.prefecture.ID
	early := warning.Ack{Warning: w.ID, Station: tr.village.ID, RecordedBy: tr.village.ID, Person: "甲", At: wt0.Add(2 * time.Minute)}
	late := early
	late.RecordedBy, late.Person, late.At = tr.county.ID, "乙", wt0.Add(5*time.Minute)
	lateOp := incoming(warning.OpAck, w.ID, late)
	lateOp.Origin = tr.county.ID
	earlyOp := incoming(warning.OpAck, w.ID, early)
	earlyOp.Origin = tr.village.ID
	forCounty := warning.Ack{Warning: w.ID, Station: tr.township.ID, RecordedBy: tr.county.ID, Person: "丙", At: wt0}
	forCountyOp := incoming(warning.OpAck, w.ID, forCounty)
	forCountyOp.Origin = tr.county.ID
	res, err := township.ApplyIncoming(ctx, "e", 9, []app.Operation{forged, good, lateOp, earlyOp, forCountyOp})
	if err != nil || res.Applied != 3 || res.Kept != 2 {
		t.Fatalf("ApplyIncoming: %+v, %v", res, err)
	}
	reasons := keptReasons(t, township)
	if !strings.Contains(reasons[forged.ID], "warnings come only from above") {
		t.Errorf("a forged issuer: %q", reasons[forged.ID])
	}
	if !strings.Contains(reasons[forCountyOp.ID], "acknowledges for itself") {
		t.Errorf("a county acking for a township: %q", reasons[forCountyOp.ID])
	}
	acks, _ := store.NewWarnings(township).Acks(ctx, w.ID)
	if len(acks) != 1 || acks[0].Person != "甲" {
		t.Fatalf("acks: %+v", acks)
	}
}
