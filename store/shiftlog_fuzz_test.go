package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// FuzzShiftLogIncoming feeds a township operations of every kind the shift
// log reads, with payloads changed at will: whatever arrives, applying it
// never fails the file and the log stays readable.
func FuzzShiftLogIncoming(f *testing.F) {
	src := storetest.Open(f)
	dir := store.NewDirectory(src)
	p := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	c := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty}
	t1 := app.Station{Code: "433101001", Name: "乾州街道", Tier: app.TierTownship}
	for _, s := range []*app.Station{&p, &c, &t1} {
		switch s {
		case &c:
			s.Parent = p.ID
		case &t1:
			s.Parent = c.ID
		}
		if err := dir.CreateStation(ctx, s); err != nil {
			f.Fatal(err)
		}
	}
	directory, err := src.Outbox(ctx, 0, 100)
	if err != nil {
		f.Fatal(err)
	}
	peer := func(st app.Station) *store.DB {
		db := storetest.Open(f)
		if _, err := db.ApplyIncoming(ctx, "e", 1, directory); err != nil {
			f.Fatal(err)
		}
		if err := store.NewIdentity(db).SetIdentity(ctx, st.ID); err != nil {
			f.Fatal(err)
		}
		return db
	}
	pdb, cdb, tdb := peer(p), peer(c), peer(t1)
	now := time.Now()
	if err := store.NewWarnings(pdb).Issue(ctx, &warning.Warning{Level: warning.Red, Type: warning.Rainstorm,
		ValidUntil: now.Add(time.Hour), Text: "暴雨"}); err != nil {
		f.Fatal(err)
	}
	if err := store.NewSpotChecks(cdb).Start(ctx, &spotcheck.Check{Target: t1.ID}); err != nil {
		f.Fatal(err)
	}
	if err := store.NewMessages(cdb).Send(ctx, &message.Message{To: []app.ID{t1.ID}, Kind: message.KindNotice, Subject: "值守通知", Text: "通知"}, nil); err != nil {
		f.Fatal(err)
	}
	at := now.Add(time.Hour)
	if err := store.NewConsultations(cdb).Schedule(ctx, &consult.Consultation{Title: "会商", Invited: []app.ID{t1.ID}, Scheduled: &at}); err != nil {
		f.Fatal(err)
	}
	byKind := map[string]app.Operation{}
	for _, db := range []*store.DB{pdb, cdb} {
		ops, err := db.Outbox(ctx, 0, 100)
		if err != nil {
			f.Fatal(err)
		}
		for _, op := range ops {
			byKind[op.Kind] = op
			f.Add(op.Kind, []byte(op.Payload))
		}
	}
	var first app.Operation
	for _, op := range byKind {
		first = op
		break
	}
	r := store.NewRosters(tdb)
	pos := uint64(1)
	f.Fuzz(func(t *testing.T, kind string, payload []byte) {
		if !json.Valid(payload) {
			return // the hub passes on only operations whose payload is JSON
		}
		op, ok := byKind[kind]
		if !ok {
			op = first
		}
		op.ID, op.Payload = app.NewID(), payload
		pos++
		if _, err := tdb.ApplyIncoming(ctx, "e", pos, []app.Operation{op}); err != nil {
			t.Fatalf("%s made the file fail: %v", op.Kind, err)
		}
		day := roster.DutyDayAt(roster.DefaultSettings().Handover, t1.Location(), time.Now())
		for d := day.AddDays(-1); !day.AddDays(1).Before(d); d = d.AddDays(1) {
			if _, err := r.LogEntries(ctx, t1.ID, d); err != nil {
				t.Fatalf("the log is unreadable after %s: %v", op.Kind, err)
			}
		}
	})
}
