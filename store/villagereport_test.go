package store_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/villagereport"
	"dutyroom/store"
)

// photoOf makes a photo of n random bytes: random, so no two tests share
// a content by chance.
func photoOf(t testing.TB, name string, n int) (villagereport.Photo, []byte) {
	t.Helper()
	data := make([]byte, n)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	lat, lon := 28.26, 109.70
	return villagereport.Photo{
		Attachment: attachment.Attachment{ID: app.NewID(), Name: name, Size: int64(n), SHA256: hex.EncodeToString(sum[:]), MIME: "image/jpeg"},
		TakenAt:    time.Now().UTC().Add(-30 * time.Minute), Lat: &lat, Lon: &lon,
	}, data
}

// villageReport is a report of the village's officer as the hub stores it.
func villageReport(village app.ID, photos ...villagereport.Photo) villagereport.Report {
	now := time.Now().UTC()
	lat, lon := 28.2601, 109.7012
	return villagereport.Report{
		ID: app.NewID(), Village: village, Officer: app.NewID(), OfficerName: "向信息员",
		Category: incident.Geological, Place: "后山组滑坡", Lat: &lat, Lon: &lon,
		OccurredAt: now.Add(-time.Hour), Counts: villagereport.Counts{Trapped: 2, Injured: 1, Evacuated: 30, HousesDamaged: 3},
		Description: "后山滑坡，冲毁两户房屋", Photos: photos, WrittenAt: now.Add(-50 * time.Minute), ReceivedAt: now.Add(-time.Minute),
	}
}

// hubOps are the operations the hub writes for a report: the create, then
// every photo's parts, origin nil.
func hubOps(t testing.TB, r villagereport.Report, contents ...[]byte) []app.Operation {
	t.Helper()
	raw, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	ops := []app.Operation{{ID: villagereport.OpID(r.ID), Seq: 1, Author: "dutyhub", At: r.ReceivedAt, Kind: villagereport.OpCreate, Entity: r.ID, Payload: raw, Scope: app.ScopeUp}}
	for i, data := range contents {
		ops = append(ops, photoChunkOps(t, r.ID, r.Photos[i].SHA256, data)...)
	}
	return ops
}

func photoChunkOps(t testing.TB, report app.ID, sha string, data []byte) []app.Operation {
	t.Helper()
	var ops []app.Operation
	for i := range message.Parts(int64(len(data)), message.ChunkSize) {
		start := i * message.ChunkSize
		part := data[start : start+message.PartLen(int64(len(data)), message.ChunkSize, i)]
		raw, err := json.Marshal(incident.Chunk{Incident: report, SHA256: sha, ChunkSize: message.ChunkSize, Index: i, Data: part})
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, app.Operation{ID: app.DeriveID(report, "chunk "+sha+" "+strconv.Itoa(i)), Seq: 1, Author: "dutyhub",
			At: time.Now().UTC(), Kind: villagereport.OpChunk, Entity: report, Payload: raw, Scope: app.ScopeUp})
	}
	return ops
}

// A report with two photos in several parts arrives at the township: it
// is listed pending, counted for the alarm, and each photo reads back
// whole; the same delivery again changes nothing.
func TestVillageReportArrivesWithItsPhotosWhole(t *testing.T) {
	tr := newTree(t)
	db := stationsAt(t, tr, tr.township)
	p1, d1 := photoOf(t, "滑坡1.jpg", 300<<10)
	p2, d2 := photoOf(t, "滑坡2.jpg", 1000)
	r := villageReport(tr.village.ID, p1, p2)
	ops := hubOps(t, r, d1, d2)
	res, err := db.ApplyIncoming(ctx, "e", 10, ops)
	if err != nil || res.Applied != len(ops) || res.Kept != 0 {
		t.Fatalf("the report and its parts: %+v, %v; kept %v", res, err, keptReasons(t, db))
	}
	if res, err := db.ApplyIncoming(ctx, "e", 11, ops); err != nil || res.Skipped != len(ops) {
		t.Fatalf("the same delivery again: %+v, %v", res, err)
	}
	svc := store.NewVillageReports(db, store.NewIncidents(db))
	list, err := svc.List(ctx)
	if err != nil || len(list) != 1 || list[0].State() != villagereport.StatePending || list[0].Report.OfficerName != "向信息员" {
		t.Fatalf("the list: %+v, %v", list, err)
	}
	for i, ps := range list[0].Photos {
		if !ps.Complete {
			t.Errorf("photo %d: %+v, want complete", i, ps)
		}
	}
	if n, err := svc.Pending(ctx); err != nil || n != 1 {
		t.Fatalf("pending = %d, %v; want 1", n, err)
	}
	for i, want := range [][]byte{d1, d2} {
		got, err := svc.Photo(ctx, r.ID, r.Photos[i].SHA256)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("photo %d: %d bytes, %v; want %d", i, len(got), err, len(want))
		}
	}
}

// A part naming a photo the report does not have, and parts that make a
// whole other than the photo's SHA-256, are kept unapplied with the
// reason; the photo shows it was refused and cannot be read.
func TestVillageReportPartsThatDoNotMakeThePhotoAreKept(t *testing.T) {
	tr := newTree(t)
	db := stationsAt(t, tr, tr.township)
	p1, d1 := photoOf(t, "滑坡.jpg", 200<<10)
	r := villageReport(tr.village.ID, p1)
	create := hubOps(t, r)
	stranger := photoChunkOps(t, r.ID, strings.Repeat("ab", 32), d1[:1000])
	forged := bytes.Clone(d1)
	forged[len(forged)-1] ^= 0xff
	bad := photoChunkOps(t, r.ID, p1.SHA256, forged)
	ops := append(append(create, stranger...), bad...)
	res, err := db.ApplyIncoming(ctx, "e", 10, ops)
	if err != nil || res.Kept != 2 {
		t.Fatalf("the forged parts: %+v, %v", res, err)
	}
	reasons := keptReasons(t, db)
	if r := reasons[stranger[0].ID]; !strings.Contains(r, "has no photo") {
		t.Errorf("the stranger part kept with %q", r)
	}
	if r := reasons[bad[len(bad)-1].ID]; !strings.Contains(r, "SHA-256") {
		t.Errorf("the last forged part kept with %q", r)
	}
	svc := store.NewVillageReports(db, store.NewIncidents(db))
	e, err := svc.Get(ctx, r.ID)
	if err != nil || e.Photos[0].Complete || e.Photos[0].Damaged == "" {
		t.Fatalf("the photo after forged parts: %+v, %v", e.Photos, err)
	}
	_, err = svc.Photo(ctx, r.ID, p1.SHA256)
	wantCode(t, err, app.ECONFLICT)
}

// A report of a village under another township is not this station's:
// it is kept with the reason, and nothing is listed.
func TestVillageReportForAVillageNotBelowThisStationIsKept(t *testing.T) {
	tr := newTree(t)
	other := app.Station{Code: "433101002", Name: "镇溪街道", Tier: app.TierTownship, Parent: tr.county.ID}
	mustCreateStation(t, tr.dir, &other)
	db := stationsAt(t, tr, other)
	r := villageReport(tr.village.ID)
	ops := hubOps(t, r)
	res, err := db.ApplyIncoming(ctx, "e", 1, ops)
	if err != nil || res.Kept != 1 {
		t.Fatalf("another township's village report: %+v, %v", res, err)
	}
	if reason := keptReasons(t, db)[ops[0].ID]; !strings.Contains(reason, "not at or below this station") {
		t.Errorf("kept with %q", reason)
	}
	list, err := store.NewVillageReports(db, store.NewIncidents(db)).List(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("the list: %+v, %v", list, err)
	}
}

// Two duty rooms verify one report at once. Whatever order the
// verifications arrive in, the earlier one stands.
func TestVillageReportFirstVerificationWins(t *testing.T) {
	tr := newTree(t)
	db := stationsAt(t, tr, tr.prefecture)
	r := villageReport(tr.village.ID)
	if _, err := db.ApplyIncoming(ctx, "e", 1, hubOps(t, r)); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Second)
	verify := func(station app.ID, at time.Time, v villagereport.Verification) app.Operation {
		v.Report, v.Station, v.By, v.At = r.ID, station, "值班员", at
		op := incoming(villagereport.OpVerify, r.ID, v)
		op.Origin, op.Scope = station, app.ScopeUp
		return op
	}
	later := verify(tr.county.ID, at.Add(time.Minute), villagereport.Verification{Outcome: villagereport.Unfounded, Reason: "重复上报"})
	earlier := verify(tr.township.ID, at, villagereport.Verification{Outcome: villagereport.Merged, Incident: app.NewID()})
	if res, err := db.ApplyIncoming(ctx, "e", 3, []app.Operation{later, earlier}); err != nil || res.Applied != 2 {
		t.Fatalf("the two verifications: %+v, %v; kept %v", res, err, keptReasons(t, db))
	}
	e, err := store.NewVillageReports(db, store.NewIncidents(db)).Get(ctx, r.ID)
	if err != nil || e.State() != villagereport.StateMerged || e.Verification.Station != tr.township.ID {
		t.Fatalf("after both: %+v, %v", e.Verification, err)
	}
	tie := verify(tr.county.ID, at, villagereport.Verification{Outcome: villagereport.Unfounded, Reason: "同时"})
	if _, err := db.ApplyIncoming(ctx, "e", 4, []app.Operation{tie}); err != nil {
		t.Fatal(err)
	}
	e, _ = store.NewVillageReports(db, store.NewIncidents(db)).Get(ctx, r.ID)
	want := tr.township.ID
	if strings.Compare(tr.county.ID.String(), tr.township.ID.String()) < 0 {
		want = tr.county.ID
	}
	if e.Verification.Station != want {
		t.Fatalf("a tie at the same instant kept %s, want the lower station id %s", e.Verification.Station, want)
	}
}

// receivedAt is a township that holds a report with its photos.
func receivedAt(t *testing.T) (*tree, *store.DB, *store.VillageReports, villagereport.Report, [][]byte) {
	t.Helper()
	tr := newTree(t)
	db := stationsAt(t, tr, tr.township)
	p1, d1 := photoOf(t, "滑坡1.jpg", 300<<10)
	p2, d2 := photoOf(t, "滑坡2.jpg", 2000)
	r := villageReport(tr.village.ID, p1, p2)
	if res, err := db.ApplyIncoming(ctx, "e", 9, hubOps(t, r, d1, d2)); err != nil || res.Kept != 0 {
		t.Fatalf("the report: %+v, %v", res, err)
	}
	return tr, db, store.NewVillageReports(db, store.NewIncidents(db)), r, [][]byte{d1, d2}
}

func verifyOps(t *testing.T, db *store.DB) []app.Operation {
	t.Helper()
	var out []app.Operation
	for _, op := range allOps(t, db) {
		if op.Kind == villagereport.OpVerify {
			out = append(out, op)
		}
	}
	return out
}

// 新建事件: the incident is filed at the township through the incident
// rules, with the report's figures, place and both photos whole as its
// attachments, a timeline entry naming the officer, and the verification
// going up in the same transaction. A second 核实 is refused.
func TestNewIncidentFromAVillageReportCarriesFiguresAndPhotos(t *testing.T) {
	tr, db, svc, r, contents := receivedAt(t)
	inc, err := svc.NewIncident(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Station != tr.township.ID || inc.Place.Station != tr.village.ID || inc.Place.Text != r.Place || inc.Category != r.Category ||
		inc.Counts.Trapped != 2 || inc.Counts.Evacuated != 30 || inc.Provisional == 0 || !strings.Contains(inc.Description, "房屋受损 3 间") {
		t.Fatalf("the incident: %+v", inc)
	}
	incidents := store.NewIncidents(db)
	if len(inc.Attachments) != 2 {
		t.Fatalf("attachments %+v", inc.Attachments)
	}
	for i, a := range inc.Attachments {
		got, err := incidents.Attachment(ctx, a.SHA256)
		if err != nil || !bytes.Equal(got, contents[i]) {
			t.Fatalf("attachment %d: %d bytes, %v", i, len(got), err)
		}
	}
	tl, err := incidents.Timeline(ctx, inc.ID)
	if err != nil || !slices.ContainsFunc(tl, func(e incident.Event) bool {
		return e.Kind == incident.EventVillageReport && e.Note != nil && strings.Contains(e.Detail, "向信息员")
	}) {
		t.Fatalf("the timeline has no village report entry: %+v, %v", tl, err)
	}
	e, err := svc.Get(ctx, r.ID)
	if err != nil || e.State() != villagereport.StateVerified || e.Verification.Incident != inc.ID || e.Verification.By != "张值班" {
		t.Fatalf("the report after 核实: %+v, %v", e.Verification, err)
	}
	ops := verifyOps(t, db)
	if len(ops) != 1 || ops[0].Scope != app.ScopeUp || ops[0].Entity != r.ID {
		t.Fatalf("verify operations %+v", ops)
	}
	parts := 0
	for _, op := range allOps(t, db) {
		if op.Kind == incident.OpChunk && op.Entity == inc.ID {
			parts++
		}
	}
	if want := message.Parts(int64(len(contents[0])), message.ChunkSize) + 1; parts != want {
		t.Fatalf("%d parts of the photos follow the incident up, want %d", parts, want)
	}
	if n, _ := svc.Pending(ctx); n != 0 {
		t.Fatalf("pending %d after 核实", n)
	}
	_, err = svc.NewIncident(ctx, r.ID)
	wantCode(t, err, app.ECONFLICT)
	wantCode(t, svc.Unfounded(ctx, r.ID, "重复"), app.ECONFLICT)
}

// 并入事件: the report joins an open incident: a timeline entry for it,
// figures raised where the report's are higher and never lowered, and
// the incident lists the reports merged into it with their photos.
func TestMergeAddsTheReportToAnIncidentAndRaisesOnlyHigherFigures(t *testing.T) {
	tr, db, svc, r, contents := receivedAt(t)
	incidents := store.NewIncidents(db)
	inc := incident.Incident{Station: tr.township.ID, ReceivedAt: time.Now().UTC().Add(-2 * time.Hour), OccurredAt: time.Now().UTC().Add(-3 * time.Hour),
		Channel: incident.ChannelPhone, Place: incident.Place{Station: tr.village.ID, Text: "后山"}, Category: incident.Geological,
		Counts: incident.Counts{Trapped: 1, Injured: 4, Evacuated: 50}}
	if _, _, err := incidents.CreateIncident(ctx, &inc); err != nil {
		t.Fatal(err)
	}
	cands, err := svc.Candidates(ctx, r.ID)
	if err != nil || len(cands) != 1 || cands[0].ID != inc.ID {
		t.Fatalf("candidates %+v, %v", cands, err)
	}
	if err := svc.Merge(ctx, r.ID, inc.ID); err != nil {
		t.Fatal(err)
	}
	got, err := incidents.FindIncidentByID(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Counts.Trapped != 2 || got.Counts.Injured != 4 || got.Counts.Evacuated != 50 {
		t.Fatalf("figures after the merge %+v: trapped raised to 2, injured and evacuated kept", got.Counts)
	}
	tl, _ := incidents.Timeline(ctx, inc.ID)
	n := 0
	for _, e := range tl {
		if e.Kind == incident.EventVillageReport {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d village report entries on the timeline, want 1", n)
	}
	merged, err := svc.MergedInto(ctx, inc.ID)
	if err != nil || len(merged) != 1 || merged[0].Report.ID != r.ID {
		t.Fatalf("reports merged into the incident: %+v, %v", merged, err)
	}
	for i, p := range merged[0].Photos {
		data, err := svc.Photo(ctx, r.ID, p.SHA256)
		if err != nil || !bytes.Equal(data, contents[i]) {
			t.Fatalf("merged photo %d: %v", i, err)
		}
		// The incident's 附件 reads them through the incident contents.
		if st, err := incidents.AttachmentState(ctx, p.SHA256); err != nil || !st.Complete {
			t.Fatalf("merged photo %d as an incident content: %+v, %v", i, st, err)
		}
		if data, err := incidents.Attachment(ctx, p.SHA256); err != nil || !bytes.Equal(data, contents[i]) {
			t.Fatalf("merged photo %d read as an incident content: %v", i, err)
		}
	}
	if e, _ := svc.Get(ctx, r.ID); e.State() != villagereport.StateMerged {
		t.Fatalf("state %s", e.State())
	}
	if ops := verifyOps(t, db); len(ops) != 1 {
		t.Fatalf("verify operations %+v", ops)
	}
}

// 不予采用 needs a reason; with one it is recorded and sent up.
func TestUnfoundedNeedsAReason(t *testing.T) {
	_, db, svc, r, _ := receivedAt(t)
	err := svc.Unfounded(ctx, r.ID, "  ")
	wantCode(t, err, app.EINVALID)
	if f := app.ErrorField(err); f != "reason" {
		t.Fatalf("field %q, want reason", f)
	}
	if ops := verifyOps(t, db); len(ops) != 0 {
		t.Fatalf("a refused 核实 queued %d operations", len(ops))
	}
	if err := svc.Unfounded(ctx, r.ID, "经电话核实，系误报"); err != nil {
		t.Fatal(err)
	}
	e, _ := svc.Get(ctx, r.ID)
	if e.State() != villagereport.StateUnfounded || e.Verification.Reason != "经电话核实，系误报" {
		t.Fatalf("after 不予采用: %+v", e.Verification)
	}
}

// The township's shift log records the report received and its 核实 here,
// each once, naming the village, the officer and the place.
func TestVillageReportEntersTheShiftLog(t *testing.T) {
	tr, db, svc, r, _ := receivedAt(t)
	if err := svc.Unfounded(ctx, r.ID, "重复上报"); err != nil {
		t.Fatal(err)
	}
	events := map[string]string{}
	for _, e := range shiftLog(t, db, tr.township.ID, time.Now()) {
		if e.Record.Kind == roster.RecordVillageReport && e.Record.ID == r.ID {
			events[e.Record.Event] = e.Text
		}
	}
	if text := events["villagereport.received"]; !strings.Contains(text, "乾州村") || !strings.Contains(text, "向信息员") || !strings.Contains(text, r.Place) {
		t.Errorf("received: %q", text)
	}
	if text := events["villagereport.verified"]; !strings.Contains(text, "重复上报") {
		t.Errorf("verified: %q", text)
	}
	if len(events) != 2 {
		t.Errorf("entries %v", events)
	}
}

// A county's 核实 goes up from the county and also to the township
// between it and the village, so the township shows the same outcome.
func TestCountyVerificationReachesTheTownshipBetween(t *testing.T) {
	tr := newTree(t)
	county := stationsAt(t, tr, tr.county)
	r := villageReport(tr.village.ID)
	if res, err := county.ApplyIncoming(ctx, "e", 1, hubOps(t, r)); err != nil || res.Applied != 1 {
		t.Fatalf("the report at the county: %+v, %v", res, err)
	}
	svc := store.NewVillageReports(county, store.NewIncidents(county))
	if err := svc.Unfounded(ctx, r.ID, "重复上报"); err != nil {
		t.Fatal(err)
	}
	ops := verifyOps(t, county)
	if len(ops) != 1 || ops[0].Scope != app.ScopeUp || !slices.Equal(ops[0].To, []app.ID{tr.township.ID}) {
		t.Fatalf("the county's verification: %+v", ops)
	}
	township := stationsAt(t, tr, tr.township)
	if _, err := township.ApplyIncoming(ctx, "e", 2, append(hubOps(t, r), ops[0])); err != nil {
		t.Fatal(err)
	}
	e, err := store.NewVillageReports(township, store.NewIncidents(township)).Get(ctx, r.ID)
	if err != nil || e.State() != villagereport.StateUnfounded || e.Verification.Station != tr.county.ID {
		t.Fatalf("at the township: %+v, %v; kept %v", e.Verification, err, keptReasons(t, township))
	}
}

// 新建事件 waits for the photos: a report whose photo is still arriving is
// refused by field, and nothing is filed.
func TestNewIncidentWaitsForThePhotos(t *testing.T) {
	tr := newTree(t)
	db := stationsAt(t, tr, tr.township)
	p1, d1 := photoOf(t, "滑坡.jpg", 300<<10)
	r := villageReport(tr.village.ID, p1)
	ops := hubOps(t, r, d1)
	if _, err := db.ApplyIncoming(ctx, "e", 2, ops[:2]); err != nil { // the report and its first part
		t.Fatal(err)
	}
	svc := store.NewVillageReports(db, store.NewIncidents(db))
	_, err := svc.NewIncident(ctx, r.ID)
	wantCode(t, err, app.ECONFLICT)
	if app.ErrorField(err) != "photos" {
		t.Fatalf("field %q", app.ErrorField(err))
	}
	if _, n, _ := store.NewIncidents(db).Incidents(ctx, incident.Filter{}); n != 0 {
		t.Fatalf("%d incidents filed", n)
	}
	if e, _ := svc.Get(ctx, r.ID); e.State() != villagereport.StatePending {
		t.Fatalf("state %s", e.State())
	}
}
