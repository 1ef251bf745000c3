package store_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// randomBytes returns n bytes that do not compress, the same for a seed.
func randomBytes(n int, seed uint64) []byte {
	rnd := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(rnd.UintN(256))
	}
	return out
}

func photoFile(name string, data []byte) store.File {
	return store.File{Name: name, MIME: "image/jpeg", Size: int64(len(data)), Content: bytes.NewReader(data)}
}

func contentState(t *testing.T, p *syncPeer, sha string) incident.ContentState {
	t.Helper()
	st, err := p.svc.AttachmentState(ctx, sha)
	if err != nil {
		t.Fatalf("%s: state of %s: %v", p.name, sha, err)
	}
	return st
}

func chunkOps(ops []app.Operation) []app.Operation {
	return slices.DeleteFunc(slices.Clone(ops), func(op app.Operation) bool { return op.Kind != incident.OpChunk })
}

// A township files an incident with a photo: the record is queued first
// and the photo's parts after it, to the stations the incident goes to.
// The county takes in the record with one part, refuses a truncated part
// with the reason, and completes the photo when the rest arrives; a
// follow-up report's document follows the same way.
func TestIncidentContentsFollowTheIncident(t *testing.T) {
	n := newSyncNet(t)
	photo := randomBytes(2*message.ChunkSize+1000, 7)
	inc := n.accident(incident.Counts{Injured: 1})
	if _, _, err := n.t1.svc.CreateIncidentWithFiles(ctx, inc, []store.File{photoFile("现场.jpg", photo), photoFile("空白.jpg", nil)}); err != nil {
		t.Fatal(err)
	}
	if len(inc.Attachments) != 2 || inc.Attachments[0].SHA256 != sha(photo) {
		t.Fatalf("attachments: %+v", inc.Attachments)
	}
	if st := contentState(t, n.t1, sha(photo)); !st.Complete || st.Size != int64(len(photo)) {
		t.Fatalf("the township's own photo: %+v", st)
	}
	ops, err := n.t1.db.Outbox(ctx, n.t1.sent, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1+3 || ops[0].Kind != incident.OpIncidentCreate {
		t.Fatalf("queued %d operations, want the incident then its 3 parts: %v", len(ops), kinds(ops))
	}
	for _, op := range ops[1:] {
		if op.Kind != incident.OpChunk || !sameStations(op.To, ops[0].To) || len(op.Payload) > app.MaxOpPayload {
			t.Fatalf("a part goes as %s to %v (%d bytes); the incident to %v", op.Kind, op.To, len(op.Payload), ops[0].To)
		}
	}
	n.t1.sent = ops[len(ops)-1].Seq

	// The record and the first part, then the line drops.
	n.deliver(t, n.c, ops[0], ops[1])
	if !n.c.has(inc.ID) {
		t.Fatal("the county does not hold the incident")
	}
	// An empty file needs no parts: it is there with the record.
	if st := contentState(t, n.c, sha(nil)); !st.Complete {
		t.Fatalf("an empty file at the county: %+v", st)
	}
	if data, err := n.c.svc.Attachment(ctx, sha(nil)); err != nil || len(data) != 0 {
		t.Fatalf("opening an empty file: %v", err)
	}
	if st := contentState(t, n.c, sha(photo)); st.Complete || st.Have != 1 || st.Parts != 3 || st.Percent() != 33 {
		t.Fatalf("after one part: %+v", st)
	}
	if _, err := n.c.svc.Attachment(ctx, sha(photo)); app.ErrorCode(err) != app.ECONFLICT || !strings.Contains(err.Error(), "1 of 3 parts") {
		t.Fatalf("opening a part-received photo: %v", err)
	}

	// A truncated part is refused with the reason and stores nothing.
	var c incident.Chunk
	if err := json.Unmarshal(ops[2].Payload, &c); err != nil {
		t.Fatal(err)
	}
	bad := ops[2]
	bad.ID, c.Data = app.NewID(), c.Data[:100]
	bad.Payload, _ = json.Marshal(c)
	n.deliver(t, n.c, bad)
	if st := contentState(t, n.c, sha(photo)); st.Have != 1 {
		t.Fatalf("a truncated part was stored: %+v", st)
	}
	k := kept(t, n.c.db)
	if len(k) != 1 || !strings.Contains(k[0].Reason, "incident.chunk: part 1 of attachment "+sha(photo)+" has 100 bytes, not 131072") {
		t.Fatalf("kept: %+v", k)
	}

	// Reconnected: the rest, with the first part again, completes it.
	n.deliver(t, n.c, ops[1:]...)
	if data, err := n.c.svc.Attachment(ctx, sha(photo)); err != nil || !bytes.Equal(data, photo) {
		t.Fatalf("the county's photo after resuming: %v", err)
	}
	if st := contentState(t, n.c, sha(photo)); !st.Complete || st.Percent() != 100 {
		t.Fatalf("complete: %+v", st)
	}
	// Parts of the right sizes that do not make the photo fail the check
	// as a whole; the photo never opens, and the real parts fill it again.
	n.deliver(t, n.p, ops[0])
	for _, op := range ops[1:] {
		var c incident.Chunk
		json.Unmarshal(op.Payload, &c)
		c.Data = bytes.Repeat([]byte{'z'}, len(c.Data))
		op.ID, op.Payload = app.NewID(), mustJSON(t, c)
		n.deliver(t, n.p, op)
	}
	st := contentState(t, n.p, sha(photo))
	_, err = n.p.svc.Attachment(ctx, sha(photo))
	if st.Complete || !strings.Contains(st.Damaged, "do not make the file sent") || app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("forged parts: %+v, %v", st, err)
	}
	// The prefecture asks the township, which sent the parts, for them
	// again; the township sends them, and the photo is whole.
	asked, err := n.p.db.Outbox(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var resend []app.Operation
	for _, op := range asked {
		if op.Kind == incident.OpResend {
			resend = append(resend, op)
		}
	}
	if len(resend) != 1 || !slices.Equal(resend[0].To, []app.ID{n.t1.st.ID}) {
		t.Fatalf("the prefecture asked %d times: %+v", len(resend), resend)
	}
	n.deliver(t, n.t1, resend[0])
	again := chunkOps(n.flush(t, n.t1))
	if len(again) != 3 || !slices.Equal(again[0].To, []app.ID{n.p.st.ID}) {
		t.Fatalf("the township sent again %d parts", len(again))
	}
	if data, err := n.p.svc.Attachment(ctx, sha(photo)); err != nil || !bytes.Equal(data, photo) {
		t.Fatalf("the prefecture's photo: %v", err)
	}

	// A follow-up report with a document: the report, then its parts.
	r := report(inc, n.t1.st.ID, incident.KindInitial, "初报：货车侧翻，1人受伤。")
	if _, err := n.t1.svc.AddReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	doc := randomBytes(5000, 9)
	fu := report(inc, n.t1.st.ID, incident.KindFollowUp, "续报：伤者已送医，附现场勘查记录。")
	if _, err := n.t1.svc.AddReportWithFiles(ctx, fu, []store.File{{Name: "勘查记录.pdf", MIME: "application/pdf", Size: int64(len(doc)), Content: bytes.NewReader(doc)}}); err != nil {
		t.Fatal(err)
	}
	if len(fu.Attachments) != 1 || fu.Attachments[0].SHA256 != sha(doc) {
		t.Fatalf("the follow-up's attachments: %+v", fu.Attachments)
	}
	sent := n.flush(t, n.t1)
	if got := kinds(sent); !slices.Equal(got, []string{incident.OpIncidentReport, incident.OpIncidentReport, incident.OpChunk}) {
		t.Fatalf("the reports went as %v", got)
	}
	for _, p := range []*syncPeer{n.c, n.p} {
		if data, err := p.svc.Attachment(ctx, sha(doc)); err != nil || !bytes.Equal(data, doc) {
			t.Fatalf("%s: the follow-up's document: %v", p.name, err)
		}
	}
	if k := kept(t, n.p.db); len(k) != 0 {
		t.Errorf("the prefecture kept %+v", k)
	}
}

// A county that brings the prefecture in while the photo is still
// arriving from the township owes it the photo, and sends it on when its
// last part arrives; a station that never held the incident refuses a
// part; an oversized file is refused before anything is stored.
func TestIncidentContentsForwardedOnceComplete(t *testing.T) {
	n := newSyncNet(t)
	rules := incident.DefaultSettings()
	rules.Rules.Reach[incident.GradeGeneral] = incident.LevelCounty
	if err := n.p.svc.SetSettings(ctx, n.p.st.ID, rules); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.p)
	photo := randomBytes(message.ChunkSize+10, 3)
	inc := n.accident(incident.Counts{Injured: 1})
	if _, _, err := n.t1.svc.CreateIncidentWithFiles(ctx, inc, []store.File{photoFile("现场.jpg", photo)}); err != nil {
		t.Fatal(err)
	}
	ops, _ := n.t1.db.Outbox(ctx, n.t1.sent, 1000)
	n.t1.sent = ops[len(ops)-1].Seq
	if len(ops) != 3 || !slices.Equal(ops[0].To, []app.ID{n.c.st.ID}) {
		t.Fatalf("a county matter went as %v to %v", kinds(ops), ops[0].To)
	}
	n.deliver(t, n.c, ops[0], ops[1])

	// The county finds three dead: a large accident, for the prefecture.
	n.setNow(n.now.Add(10 * time.Minute))
	if _, _, err := n.c.svc.UpdateCounts(ctx, inc.ID, incident.Counts{Dead: 3}, 0); err != nil {
		t.Fatal(err)
	}
	sent := n.flush(t, n.c)
	if len(chunkOps(sent)) != 0 || !n.p.has(inc.ID) {
		t.Fatalf("the county sent %v; the prefecture holds the incident: %v", kinds(sent), n.p.has(inc.ID))
	}
	if st := contentState(t, n.p, sha(photo)); st.Complete || st.Have != 0 {
		t.Fatalf("the prefecture before any part: %+v", st)
	}

	// The last part reaches the county, which sends the photo on.
	n.deliver(t, n.c, ops[2])
	sent = n.flush(t, n.c)
	if got := chunkOps(sent); len(got) != 2 || !slices.Equal(got[0].To, []app.ID{n.p.st.ID}) {
		t.Fatalf("the county sent on %v to %v", kinds(sent), got)
	}
	if data, err := n.p.svc.Attachment(ctx, sha(photo)); err != nil || !bytes.Equal(data, photo) {
		t.Fatalf("the prefecture's photo: %v", err)
	}
	if n, err := n.c.svc.SendContents(ctx); err != nil || n != 0 {
		t.Fatalf("the county still owes %d contents: %v", n, err)
	}

	// The sibling township never held the incident: a part is refused.
	n.deliver(t, n.t2, ops[1])
	if k := kept(t, n.t2.db); len(k) != 1 || !strings.Contains(k[0].Reason, "is not here") {
		t.Fatalf("the sibling kept %+v", k)
	}

	// Over the station's limit: refused by name, nothing stored or queued.
	before := outboxLen(t, n.t1.db)
	big := store.File{Name: "录像.mp4", MIME: "video/mp4", Size: 21 << 20, Content: bytes.NewReader(nil)}
	fu := report(inc, n.t1.st.ID, incident.KindFollowUp, "续报")
	_, err := n.t1.svc.AddReportWithFiles(ctx, fu, []store.File{big})
	if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != "attachments" || !strings.Contains(err.Error(), "录像.mp4") {
		t.Fatalf("an oversized file: %v", err)
	}
	if outboxLen(t, n.t1.db) != before {
		t.Fatal("a refused report queued something")
	}
}

func kinds(ops []app.Operation) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = op.Kind
	}
	return out
}

func sameStations(a, b []app.ID) bool {
	less := func(x, y app.ID) int { return bytes.Compare(x[:], y[:]) }
	return slices.Equal(slices.SortedFunc(slices.Values(a), less), slices.SortedFunc(slices.Values(b), less))
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Parts and requests for parts arrive from other stations. Whatever their
// payload, taking one in must not fail (a fault is only for the file), and
// a file this duty room calls complete must be the exact file announced.
func FuzzApplyIncidentParts(f *testing.F) {
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
	peer := func(st app.Station) (*store.DB, *store.Incidents) {
		db := storetest.Open(f)
		if _, err := db.ApplyIncoming(ctx, "e", 1, directory); err != nil {
			f.Fatal(err)
		}
		if err := store.NewIdentity(db).SetIdentity(ctx, st.ID); err != nil {
			f.Fatal(err)
		}
		return db, store.NewIncidents(db)
	}
	tdb, town := peer(t1)
	cdb, county := peer(c)
	photo := randomBytes(message.ChunkSize+500, 11)
	inc := &incident.Incident{Station: t1.ID, ReceivedAt: time.Now().Add(-time.Minute), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: t1.ID, Text: "G209"}, Category: incident.RoadTraffic, Counts: incident.Counts{Injured: 1}}
	if _, _, err := town.CreateIncidentWithFiles(ctx, inc, []store.File{photoFile("现场.jpg", photo)}); err != nil {
		f.Fatal(err)
	}
	ops, err := tdb.Outbox(ctx, 0, 100)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := cdb.ApplyIncoming(ctx, "e", 2, ops[:1]); err != nil {
		f.Fatal(err)
	}
	for _, op := range ops[1:] {
		f.Add(op.Kind, []byte(op.Payload))
	}
	f.Add(incident.OpResend, mustJSON(f, incident.Resend{Incident: inc.ID, SHA256: sha(photo)}))
	f.Add(incident.OpChunk, []byte(`{"incident":"`+inc.ID.String()+`","sha256":"`+sha(photo)+`","chunk_size":131072,"index":1,"data":"AAAA"}`))
	pos := uint64(2)
	f.Fuzz(func(t *testing.T, kind string, payload []byte) {
		if kind != incident.OpChunk && kind != incident.OpResend {
			kind = incident.OpChunk
		}
		if !json.Valid(payload) {
			return // the hub passes on only operations whose payload is JSON
		}
		op := ops[1]
		op.ID, op.Kind, op.Payload = app.NewID(), kind, payload
		pos++
		if _, err := cdb.ApplyIncoming(ctx, "e", pos, []app.Operation{op}); err != nil {
			t.Fatalf("a part made the file fail: %v", err)
		}
		st, err := county.AttachmentState(ctx, sha(photo))
		if err != nil {
			t.Fatal(err)
		}
		if st.Complete {
			if data, err := county.Attachment(ctx, sha(photo)); err != nil || !bytes.Equal(data, photo) {
				t.Fatalf("complete, but not the photo sent: %v", err)
			}
		}
	})
}
