package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
)

func TestRecordingDecodersRefuseBadBodies(t *testing.T) {
	room := `"019c8a72-0001-7aaa-8bbb-0c0d0e0f1011"`
	file := func(name, kind string) string {
		return `{"name":"` + name + `","participant":"5f0c2a9e8d7b6a41","station":"019c8a6e-0000-7000-8000-00000000000a","user":"jishou","kind":"` + kind + `","size":1,"start":"2026-06-20T01:05:00Z"}`
	}
	many := strings.Repeat(file("a.ivf", "video")+",", MaxRecordedFiles) + file("a.ivf", "video")
	cases := []struct {
		frame string
		code  string
	}{
		{`{"type":"room.record","data":{"room":` + room + `,"on":true}}`, ""},
		{`{"type":"room.record","data":{"on":true}}`, CodeBadMessage},
		{`{"type":"room.record","data":{"room":` + room + `,"on":"yes"}}`, CodeBadMessage},
		{`{"type":"room.recording","data":{"room":` + room + `,"on":false}}`, ""},
		{`{"type":"room.recording"}`, CodeBadMessage},
		{`{"type":"room.recordings","data":{"room":` + room + `,"folder":"recordings/x","files":[` + file("jishou-video-1.ivf", "video") + `,` + file("jishou-audio-1.ogg", "audio") + `]}}`, ""},
		{`{"type":"room.recordings","data":{"room":` + room + `,"files":[` + file("../../etc/passwd", "video") + `]}}`, CodeBadMessage},
		{`{"type":"room.recordings","data":{"room":` + room + `,"files":[` + file("..", "video") + `]}}`, CodeBadMessage},
		{`{"type":"room.recordings","data":{"room":` + room + `,"files":[` + file("", "video") + `]}}`, CodeBadMessage},
		{`{"type":"room.recordings","data":{"room":` + room + `,"files":[` + file("a.mp4", "screen") + `]}}`, CodeBadMessage},
		{`{"type":"room.recordings","data":{"room":` + room + `,"files":[` + many + `]}}`, CodeTooLarge},
		{`{"type":"room.recordings","data":{"files":[]}}`, CodeBadMessage},
	}
	for _, c := range cases {
		env, err := DecodeEnvelope([]byte(c.frame))
		if err != nil {
			t.Fatalf("%.60s: %v", c.frame, err)
		}
		if !IsSignal(env.Type) {
			t.Fatalf("%s is not a signalling type", env.Type)
		}
		err = decodeBody(env)
		got := ""
		if err != nil {
			we, ok := err.(*Error)
			if !ok {
				t.Fatalf("%.60s: a %T, not a protocol error", c.frame, err)
			}
			got = we.Code
		}
		if got != c.code {
			t.Errorf("%.100s: code %q, want %q (%v)", c.frame, got, c.code, err)
		}
	}
}

// The list of recorded files comes from the hub and is stored on the
// consultation's record: whatever arrives decodes to a list within the
// limits, or to a protocol error, never a panic.
func FuzzDecodeRoomRecordings(f *testing.F) {
	seed := RoomRecordings{Room: app.NewID(), Folder: "recordings/x", Files: []RecordedFile{
		{Name: "jishou-video-1.ivf", Participant: "5f0c2a9e8d7b6a41", Station: app.NewID(), User: "jishou", Kind: MediaVideo, Size: 123456, Start: time.Unix(1, 0).UTC(), End: time.Unix(61, 0).UTC()},
		{Name: "jishou-audio-1.ogg", Kind: MediaAudio, Dropped: 3, Error: "cannot write the file: no space left on device"},
	}}
	for _, typ := range []string{TypeRoomRecordings, TypeRoomRecording, TypeRoomRecord} {
		frame, _ := Encode(typ, "", seed)
		f.Add(frame)
	}
	f.Add([]byte(`{"type":"room.recordings","data":{"room":"019c8a72-0001-7aaa-8bbb-0c0d0e0f1011","files":null}}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		env, err := DecodeEnvelope(frame)
		if err != nil {
			return
		}
		if err := decodeBody(env); err != nil && code(err) == "" {
			t.Fatalf("body error without a code: %v", err)
		}
		r, err := DecodeRoomRecordings(env)
		if err != nil {
			if code(err) == "" {
				t.Fatalf("an error without a code: %v", err)
			}
			return
		}
		if len(r.Files) > MaxRecordedFiles || r.Room == app.NilID {
			t.Fatalf("accepted %d files for room %s", len(r.Files), r.Room)
		}
		for _, f := range r.Files {
			if f.Name == "" || strings.ContainsAny(f.Name, `/\`) || (f.Kind != MediaVideo && f.Kind != MediaAudio) || f.Size < 0 {
				t.Fatalf("accepted a file %+v", f)
			}
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}
