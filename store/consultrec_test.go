package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/store"
)

// The hub's list of recorded files is kept on the host's record and goes
// to the invited stations; an unchanged list is not sent again, an
// invited station cannot set it, and a list in the host's name from
// another station is kept aside with the reason.
func TestConsultationRecordingsKeptAndShared(t *testing.T) {
	tr := newTree(t)
	host := stationsAt(t, tr, tr.county)
	town := stationsAt(t, tr, tr.township)
	hs := store.NewConsultations(host)
	c := consult.Consultation{Title: "会商", Invited: []app.ID{tr.township.ID}, Recording: true}
	if err := hs.Schedule(ctx, &c); err != nil {
		t.Fatal(err)
	}
	ship(t, host, town, consult.OpStart)
	t0 := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	list := consult.Recordings{Consultation: c.ID, Folder: "recordings/" + c.ID.String(), Files: []consult.RecordedFile{
		{Name: "jishou-video-1.ivf", Station: tr.county.ID, User: "jishou", Kind: consult.KindVideo, Start: t0},
	}}
	if err := hs.SaveRecordings(ctx, list); err != nil {
		t.Fatal(err)
	}
	list.Files[0].End, list.Files[0].Size = t0.Add(time.Minute), 123456
	if err := hs.SaveRecordings(ctx, list); err != nil {
		t.Fatal(err)
	}
	before := lastOp(t, host)
	if err := hs.SaveRecordings(ctx, list); err != nil {
		t.Fatal(err)
	}
	if after := lastOp(t, host); after.ID != before.ID || before.Kind != consult.OpRecordings {
		t.Fatalf("an unchanged list was sent again, or not at all: %s then %s", before.Kind, after.Kind)
	}
	r, err := hs.Record(ctx, c.ID)
	if err != nil || len(r.Recordings) != 1 || r.Recordings[0].Size != 123456 || r.RecordingFolder != list.Folder {
		t.Fatalf("the host's record: %+v, %v", r, err)
	}
	// The hub restarted: its list names only what it recorded since.
	after := consult.Recordings{Consultation: c.ID, Folder: list.Folder, Files: []consult.RecordedFile{
		{Name: "jishou-video-2.ivf", Station: tr.county.ID, User: "jishou", Kind: consult.KindVideo, Start: t0.Add(time.Hour)},
	}}
	if err := hs.SaveRecordings(ctx, after); err != nil {
		t.Fatal(err)
	}
	if r, _ := hs.Record(ctx, c.ID); len(r.Recordings) != 2 || r.Recordings[0].Name != "jishou-video-1.ivf" || r.Recordings[0].Size != 123456 {
		t.Fatalf("after the hub's restart the record holds %+v", r.Recordings)
	}

	ship(t, host, town, consult.OpRecordings)
	r, err = store.NewConsultations(town).Record(ctx, c.ID)
	if err != nil || len(r.Recordings) != 2 || !r.Recordings[0].End.Equal(t0.Add(time.Minute)) || r.Recordings[1].Name != "jishou-video-2.ivf" {
		t.Fatalf("the invited station's record: %+v, %v", r.Recordings, err)
	}
	if err := store.NewConsultations(town).SaveRecordings(ctx, list); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("an invited station set the list: %v", err)
	}
	bad := list
	bad.Files = []consult.RecordedFile{{Name: "../x.ivf", Kind: consult.KindVideo}}
	if err := hs.SaveRecordings(ctx, bad); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("a file name with a path: %v", err)
	}

	forged, _ := json.Marshal(consult.Recordings{Consultation: c.ID})
	op := app.Operation{ID: app.NewID(), Origin: tr.township.ID, Seq: 1, At: t0, Kind: consult.OpRecordings, Entity: c.ID, Payload: forged}
	if _, err := host.ApplyIncoming(ctx, "e", 1, []app.Operation{op}); err != nil {
		t.Fatal(err)
	}
	if keptReasons(t, host)[op.ID] == "" {
		t.Fatal("a list of files from a station that does not host was applied")
	}
	if r, _ := hs.Record(ctx, c.ID); len(r.Recordings) != 2 {
		t.Fatalf("the forged list changed the host's record: %+v", r.Recordings)
	}
}
