package store_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// incoming builds an operation as another station's client would send it.
func incoming(kind string, entity app.ID, payload any) app.Operation {
	raw, _ := json.Marshal(payload)
	return app.Operation{ID: app.NewID(), Origin: app.NewID(), Seq: 1, Author: "他站", At: time.Now().UTC(), Kind: kind, Entity: entity, Payload: raw}
}

func stationPayload(s app.Station) map[string]any {
	return map[string]any{"id": s.ID, "code": s.Code, "name": s.Name, "tier": s.Tier, "parent": s.Parent,
		"createdAt": s.CreatedAt, "updatedAt": s.UpdatedAt}
}

func TestApplyIncomingAppliesEachOperationOnceWithoutEchoing(t *testing.T) {
	db := storetest.Open(t)
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture, UpdatedAt: time.Now().UTC()}
	c := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID, UpdatedAt: time.Now().UTC()}
	person := map[string]any{"id": app.NewID(), "station": c.ID, "name": "张三", "mobile": "13800000000", "updatedAt": time.Now().UTC()}
	ops := []app.Operation{
		incoming(app.OpStationCreate, p.ID, stationPayload(p)),
		incoming(app.OpStationCreate, c.ID, stationPayload(c)),
		incoming(app.OpPersonCreate, person["id"].(app.ID), person),
	}
	res, err := db.ApplyIncoming(ctx, "epoch-1", 3, ops)
	if err != nil || res.Applied != 3 || res.Kept != 0 {
		t.Fatalf("ApplyIncoming = %+v, %v", res, err)
	}
	if n := outboxLen(t, db); n != 0 {
		t.Fatalf("applying another station's changes queued %d operations to send back", n)
	}
	epoch, pos, err := db.SyncCursor(ctx)
	if err != nil || epoch != "epoch-1" || pos != 3 {
		t.Fatalf("cursor = %q %d, %v", epoch, pos, err)
	}
	// The same delivery again, as after a reconnect or a new epoch.
	res, err = db.ApplyIncoming(ctx, "epoch-2", 9, ops)
	if err != nil || res.Applied != 0 || res.Skipped != 3 {
		t.Fatalf("a repeated delivery: %+v, %v", res, err)
	}
	if n, _ := db.AppliedCount(ctx); n != 3 {
		t.Fatalf("%d ids taken in, want 3", n)
	}
	if _, pos, _ := db.SyncCursor(ctx); pos != 9 {
		t.Fatalf("the cursor did not move with a repeated delivery: %d", pos)
	}
}

func TestApplyIncomingKeepsWhatItCannotApply(t *testing.T) {
	db := storetest.Open(t)
	orphan := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: app.NewID()}
	ops := []app.Operation{
		incoming("drill.start", app.NewID(), map[string]any{"grade": "red"}),
		incoming(app.OpStationCreate, orphan.ID, stationPayload(orphan)),
		incoming(app.OpPersonCreate, app.NewID(), map[string]any{"name": ""}),
	}
	res, err := db.ApplyIncoming(ctx, "e", 3, ops)
	if err != nil || res.Kept != 3 || res.Applied != 0 {
		t.Fatalf("ApplyIncoming = %+v, %v", res, err)
	}
	kept, err := db.KeptOps(ctx, 10)
	if err != nil || len(kept) != 3 {
		t.Fatalf("KeptOps = %d, %v", len(kept), err)
	}
	reasons := map[string]string{}
	for _, k := range kept {
		reasons[k.Op.Kind] = k.Reason
	}
	if reasons["drill.start"] != "" {
		t.Errorf("an unknown kind has a reason: %q", reasons["drill.start"])
	}
	if !strings.Contains(reasons[app.OpStationCreate], "does not have") {
		t.Errorf("an orphan station: %q", reasons[app.OpStationCreate])
	}
	if reasons[app.OpPersonCreate] == "" {
		t.Error("an invalid person was kept without a reason")
	}
}

// The later write wins: an older copy of a station does not overwrite a
// newer one.
func TestApplyIncomingKeepsTheLaterWrite(t *testing.T) {
	db := storetest.Open(t)
	now := time.Now().UTC()
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture, UpdatedAt: now}
	newer, older := p, p
	newer.Name, newer.UpdatedAt = "湘西土家族苗族自治州", now.Add(time.Minute)
	older.Name, older.UpdatedAt = "旧名", now.Add(-time.Minute)
	for _, s := range []app.Station{p, newer, older} {
		// From the prefecture itself: only a station or one above it
		// changes a station.
		op := incoming(app.OpStationUpdate, s.ID, stationPayload(s))
		op.Origin = p.ID
		if _, err := db.ApplyIncoming(ctx, "e", 1, []app.Operation{op}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := store.NewDirectory(db).Stations(ctx)
	if err != nil || len(list) != 1 || list[0].Name != newer.Name {
		t.Fatalf("stations after an older write: %+v, %v", list, err)
	}
}

// Acknowledged operations move from the outbox to the sent journal, in
// order, and stay readable for a restored hub.
func TestMarkSentKeepsAJournal(t *testing.T) {
	tr := newTree(t)
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.county.ID); err != nil {
		t.Fatal(err)
	}
	queued := outboxLen(t, tr.db)
	last, err := tr.db.LastSeq(ctx)
	if err != nil || int(last) != queued {
		t.Fatalf("LastSeq = %d, %v; %d queued", last, err, queued)
	}
	moved, err := tr.db.MarkSent(ctx, 2)
	if err != nil || moved != 2 {
		t.Fatalf("MarkSent = %d, %v", moved, err)
	}
	sent, err := tr.db.Sent(ctx, 0, 10)
	if err != nil || len(sent) != 2 || sent[0].Seq != 1 || sent[1].Seq != 2 {
		t.Fatalf("Sent = %+v, %v", sent, err)
	}
	if n := outboxLen(t, tr.db); n != queued-2 {
		t.Fatalf("outbox holds %d after acknowledging 2 of %d", n, queued)
	}
	if moved, _ := tr.db.MarkSent(ctx, 2); moved != 0 {
		t.Fatal("acknowledging again moved something")
	}
	if rest, _ := tr.db.Sent(ctx, 1, 10); len(rest) != 1 || rest[0].Seq != 2 {
		t.Fatalf("Sent after seq 1 = %+v", rest)
	}
}
