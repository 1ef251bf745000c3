package consult

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
)

func TestRecordingsValidate(t *testing.T) {
	ok := Recordings{Consultation: app.NewID(), Folder: "recordings/x", Files: []RecordedFile{
		{Name: "jishou-video-1.ivf", Station: app.NewID(), Kind: KindVideo, Size: 10, Start: time.Now()},
	}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(r *Recordings){
		func(r *Recordings) { r.Consultation = app.NilID },
		func(r *Recordings) { r.Files[0].Name = "../jishou-video-1.ivf" },
		func(r *Recordings) { r.Files[0].Name = `a\b.ivf` },
		func(r *Recordings) { r.Files[0].Name = "" },
		func(r *Recordings) { r.Files[0].Name = ".." },
		func(r *Recordings) { r.Files[0].Kind = "screen" },
		func(r *Recordings) { r.Files[0].Size = -1 },
		func(r *Recordings) { r.Files = make([]RecordedFile, MaxRecordedFiles+1) },
	} {
		r := ok
		r.Files = append([]RecordedFile(nil), ok.Files...)
		bad(&r)
		if app.ErrorCode(r.Validate()) != app.EINVALID {
			t.Errorf("accepted %+v", r)
		}
	}
}

// A hub that restarted lists only the files of its new run: the record
// keeps the files of before, and takes the new state of a file it names.
func TestMergeFiles(t *testing.T) {
	at := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	held := []RecordedFile{{Name: "a-video-1.ivf", Kind: KindVideo, Start: at, End: at.Add(time.Minute)}, {Name: "a-video-2.ivf", Kind: KindVideo, Start: at}}
	latest := []RecordedFile{{Name: "a-video-2.ivf", Kind: KindVideo, Start: at, End: at.Add(2 * time.Minute)}, {Name: "a-video-3.ivf", Kind: KindVideo, Start: at}}
	got := MergeFiles(held, latest)
	var names []string
	for _, f := range got {
		names = append(names, f.Name)
	}
	if strings.Join(names, " ") != "a-video-1.ivf a-video-2.ivf a-video-3.ivf" || got[1].End.IsZero() {
		t.Fatalf("merged: %+v", got)
	}
	many := make([]RecordedFile, MaxRecordedFiles)
	for i := range many {
		many[i] = RecordedFile{Name: fmt.Sprintf("b-audio-%d.ogg", i+1), Kind: KindAudio}
	}
	if got := MergeFiles(held, many); len(got) != MaxRecordedFiles || got[0].Name != "b-audio-1.ogg" {
		t.Fatalf("over the limit: %d files, first %s", len(got), got[0].Name)
	}
}

// A list of recorded files arrives from the host station inside an
// operation: whatever it holds, Validate answers without a panic, and
// what it accepts is within the limits.
func FuzzRecordingsPayload(f *testing.F) {
	seed, _ := json.Marshal(Recordings{Consultation: app.NewID(), Folder: "recordings/x", Files: []RecordedFile{
		{Name: "jishou-video-1.ivf", Station: app.NewID(), User: "jishou", Kind: KindVideo, Size: 10, Start: time.Unix(1, 0)},
	}})
	f.Add(seed)
	f.Add([]byte(`{"consultation":"019c8a72-0001-7aaa-8bbb-0c0d0e0f1011","files":[{"name":"..","kind":"audio"}]}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		var r Recordings
		if json.Unmarshal(payload, &r) != nil {
			return
		}
		if r.Validate() != nil {
			return
		}
		if len(r.Files) > MaxRecordedFiles {
			t.Fatalf("accepted %d files", len(r.Files))
		}
		for _, f := range r.Files {
			if f.Name == "" || f.Name == ".." || strings.ContainsAny(f.Name, `/\`) || (f.Kind != KindVideo && f.Kind != KindAudio) {
				t.Fatalf("accepted %+v", f)
			}
		}
	})
}
