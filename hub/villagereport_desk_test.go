package hub_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/villagereport"
	"dutyroom/hub"
	"dutyroom/store"
)

// A village officer's report, written by the hub with its photo's parts in
// one AppendOwn, reaches the township and the county above the village,
// each with the photo whole; the township merges it into its incident, and
// the county sees the township's verification.
func TestVillageReportReachesTheDutyRoomsAboveAndTheirVerification(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	ctx := app.WithAuthor(context.Background(), "乾州值班员")
	t1, c1 := newClient(t, "t1"), newClient(t, "c1")
	t1.start(h.addr, "t1")
	c1.start(h.addr, "c1")
	t1.caughtUp()
	c1.caughtUp()
	t1.setIdentity(tr.T1)
	c1.setIdentity(tr.C1)

	village := app.Station{Code: "433101001001", Name: "乾元村", Tier: app.TierVillage, Parent: tr.T1.ID}
	if err := t1.dir.CreateStation(ctx, &village); err != nil {
		t.Fatal(err)
	}
	t1.eng.Kick()
	waitFor(t, "the village at the county", func() bool { return c1.stations()[village.ID] })

	data := make([]byte, 300<<10)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	lat, lon := 28.2601, 109.7012
	now := time.Now().UTC()
	r := villagereport.Report{ID: app.NewID(), Village: village.ID, Officer: app.NewID(), OfficerName: "向信息员",
		Category: incident.Geological, Place: "后山组", Lat: &lat, Lon: &lon, OccurredAt: now.Add(-time.Hour),
		Counts: villagereport.Counts{Trapped: 3}, WrittenAt: now.Add(-30 * time.Minute), ReceivedAt: now,
		Photos: []villagereport.Photo{{Attachment: attachment.Attachment{ID: app.NewID(), Name: "滑坡.jpg", Size: int64(len(data)), SHA256: sha, MIME: "image/jpeg"},
			TakenAt: now.Add(-40 * time.Minute), Lat: &lat, Lon: &lon}}}
	raw, _ := json.Marshal(r)
	ops := []app.Operation{{ID: villagereport.OpID(r.ID), Kind: villagereport.OpCreate, Entity: r.ID, Payload: raw, Scope: app.ScopeUp}}
	for i := range message.Parts(int64(len(data)), message.ChunkSize) {
		start := i * message.ChunkSize
		part := data[start : start+message.PartLen(int64(len(data)), message.ChunkSize, i)]
		payload, _ := json.Marshal(incident.Chunk{Incident: r.ID, SHA256: sha, ChunkSize: message.ChunkSize, Index: i, Data: part})
		ops = append(ops, app.Operation{ID: app.DeriveID(r.ID, "chunk "+sha+" "+strconv.Itoa(i)), Kind: villagereport.OpChunk, Entity: r.ID, Payload: payload, Scope: app.ScopeUp})
	}
	stored, err := h.srv.AppendOwn(context.Background(), ops)
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range stored {
		if !ok {
			t.Fatalf("operation %d of the report was not stored", i)
		}
	}

	t1Reports := store.NewVillageReports(t1.db, store.NewIncidents(t1.db))
	c1Reports := store.NewVillageReports(c1.db, store.NewIncidents(c1.db))
	for name, svc := range map[string]*store.VillageReports{"the township": t1Reports, "the county": c1Reports} {
		waitFor(t, "the report with its photo whole at "+name, func() bool {
			e, err := svc.Get(ctx, r.ID)
			return err == nil && len(e.Photos) == 1 && e.Photos[0].Complete
		})
		got, err := svc.Photo(ctx, r.ID, sha)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("the photo at %s: %d bytes, %v", name, len(got), err)
		}
	}

	incidents := store.NewIncidents(t1.db)
	inc := incident.Incident{Station: tr.T1.ID, ReceivedAt: now.Add(-2 * time.Hour), OccurredAt: now.Add(-3 * time.Hour), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: village.ID, Text: "后山"}, Category: incident.Geological, Counts: incident.Counts{Trapped: 1}}
	if _, _, err := incidents.CreateIncident(ctx, &inc); err != nil {
		t.Fatal(err)
	}
	if err := t1Reports.Merge(ctx, r.ID, inc.ID); err != nil {
		t.Fatal(err)
	}
	t1.eng.Kick()
	waitFor(t, "the township's verification at the county", func() bool {
		e, err := c1Reports.Get(ctx, r.ID)
		return err == nil && e.State() == villagereport.StateMerged && e.Verification.Station == tr.T1.ID && e.Verification.Incident == inc.ID
	})
	waitFor(t, "the merged figures at the county", func() bool {
		got, err := store.NewIncidents(c1.db).FindIncidentByID(ctx, inc.ID)
		return err == nil && got.Counts.Trapped == 3
	})
	kept, err := c1.db.KeptOps(ctx, 10)
	if err != nil || len(kept) != 0 {
		t.Fatalf("the county kept %d operations unapplied: %+v, %v", len(kept), kept, err)
	}
}
