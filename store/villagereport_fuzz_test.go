package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/villagereport"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// FuzzIncomingVillageReportOps hands the township whatever payload
// arrives under each village report kind, written by the hub or verified
// by the county. Whatever the bytes, applying must not fail (a refusal is
// kept with its reason, never an error), and the list must still read.
func FuzzIncomingVillageReportOps(f *testing.F) {
	db := storetest.Open(f)
	dir := store.NewDirectory(db)
	pref := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	if err := dir.CreateStation(ctx, &pref); err != nil {
		f.Fatal(err)
	}
	county := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: pref.ID}
	if err := dir.CreateStation(ctx, &county); err != nil {
		f.Fatal(err)
	}
	town := app.Station{Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: county.ID}
	if err := dir.CreateStation(ctx, &town); err != nil {
		f.Fatal(err)
	}
	village := app.Station{Code: "433101001001", Name: "乾州村", Tier: app.TierVillage, Parent: town.ID}
	if err := dir.CreateStation(ctx, &village); err != nil {
		f.Fatal(err)
	}
	if err := store.NewIdentity(db).SetIdentity(ctx, town.ID); err != nil {
		f.Fatal(err)
	}
	p, data := photoOf(f, "a.jpg", 1000)
	r := villageReport(village.ID, p)
	ops := hubOps(f, r, data)
	for _, op := range ops {
		f.Add(0, []byte(op.Payload))
	}
	v, _ := json.Marshal(villagereport.Verification{Report: r.ID, Outcome: villagereport.Unfounded, Reason: "误报", Station: county.ID, By: "值班员", At: time.Now().UTC()})
	f.Add(2, v)
	f.Add(1, []byte(`{"incident":"`+r.ID.String()+`","sha256":"`+p.SHA256+`","chunk_size":1,"index":0,"data":"AA=="}`))
	seq := uint64(0)
	svc := store.NewVillageReports(db, store.NewIncidents(db))
	f.Fuzz(func(t *testing.T, kind int, payload []byte) {
		if !json.Valid(payload) {
			return // an operation's payload is JSON by the time it is applied (app.Operation decodes it)
		}
		kinds := []string{villagereport.OpCreate, villagereport.OpChunk, villagereport.OpVerify}
		k := kinds[(kind%3+3)%3]
		op := app.Operation{ID: app.NewID(), Seq: 1, Author: "dutyhub", At: time.Now().UTC(), Kind: k, Entity: r.ID, Payload: payload, Scope: app.ScopeUp}
		if k == villagereport.OpVerify {
			op.Origin = county.ID
		}
		seq++
		if _, err := db.ApplyIncoming(ctx, "e", seq, []app.Operation{op}); err != nil {
			t.Fatalf("applying %s %q: %v", k, payload, err)
		}
		if _, err := svc.List(ctx); err != nil {
			t.Fatalf("the list after %s %q: %v", k, payload, err)
		}
	})
}
