package incident_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
)

// Incidents arrive as JSON from other stations, imports and the command
// line. Whatever the bytes, decoding and validation must not panic, every
// refusal must name a field, and what is accepted must keep the promises
// the rest of the program relies on. The seed corpus is in
// testdata/fuzz/FuzzIncidentJSON.
func FuzzIncidentJSON(f *testing.F) {
	tree := testTree()
	now := received.Add(time.Minute)
	f.Fuzz(func(t *testing.T, data []byte) {
		var inc incident.Incident
		if json.Unmarshal(data, &inc) != nil {
			return
		}
		if err := inc.Validate(now, tree, incident.Limits{}); err != nil {
			if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) == "" {
				t.Fatalf("refusal without a field: %s %q: %v", app.ErrorCode(err), app.ErrorField(err), err)
			}
			return
		}

		c := inc.Counts
		for _, n := range []int{c.Dead, c.Missing, c.SeriousInjured, c.Injured, c.Trapped} {
			if n < 0 || n > incident.MaxPersons {
				t.Fatalf("accepted count %d", n)
			}
		}
		if c.Evacuated < 0 || c.Evacuated > incident.MaxEvacuated || inc.Loss < 0 || inc.Loss > incident.MaxLoss {
			t.Fatalf("accepted evacuated %d, loss %d", c.Evacuated, inc.Loss)
		}
		if inc.ReceivedAt.After(now.Add(incident.DefaultClockSkew)) {
			t.Fatalf("accepted a time received in the future: %s", inc.ReceivedAt)
		}
		if inc.Place.Station != app.NilID && !tree.IsWithin(inc.Place.Station, inc.Station) {
			t.Fatalf("accepted a place outside the receiving station's area")
		}
		for _, a := range inc.Attachments {
			if a.Size > incident.DefaultMaxAttachment {
				t.Fatalf("accepted an attachment of %d bytes", a.Size)
			}
		}

		// Accepted records survive a round trip unchanged and stay accepted.
		b1, err := json.Marshal(&inc)
		if err != nil {
			t.Fatalf("accepted record does not encode: %v", err)
		}
		var back incident.Incident
		if err := json.Unmarshal(b1, &back); err != nil {
			t.Fatalf("accepted record does not decode: %v\n%s", err, b1)
		}
		if err := back.Validate(now, tree, incident.Limits{}); err != nil {
			t.Fatalf("accepted record refused after a round trip: %v\n%s", err, b1)
		}
		if b2, _ := json.Marshal(&back); !bytes.Equal(b1, b2) {
			t.Fatalf("round trip changed the record:\n%s\n%s", b1, b2)
		}

		// Grading and the reporting rules work on anything accepted.
		if inc.ID == app.NilID {
			inc.ID = app.NewID()
		}
		a := incident.Assess(&inc, incident.DefaultThresholds())
		if !a.Grade.Valid() {
			t.Fatalf("accepted record graded %d", a.Grade)
		}
		for _, tk := range incident.RequiredReports(&inc, a, tree, incident.DefaultEscalationRules(), inc.ReceivedAt) {
			if err := tk.Validate(); err != nil {
				t.Fatalf("generated task invalid: %v", err)
			}
			if !tk.Due.After(inc.ReceivedAt) {
				t.Fatalf("task due %s, not after receipt %s", tk.Due, inc.ReceivedAt)
			}
		}
	})
}

// The fuzz target checks accepted records only if some seeds are accepted:
// make sure the valid seeds stay valid as the rules change.
func TestFuzzSeedsIncludeAcceptedRecords(t *testing.T) {
	for _, name := range []string{"valid_road", "flood_direct", "grade_text", "prefecture_major"} {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzIncidentJSON", name))
		if err != nil {
			t.Fatal(err)
		}
		_, lit, _ := strings.Cut(string(b), "[]byte(")
		lit = strings.TrimSuffix(strings.TrimSpace(lit), ")")
		data, err := strconv.Unquote(lit)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var inc incident.Incident
		if err := json.Unmarshal([]byte(data), &inc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := inc.Validate(received.Add(time.Minute), testTree(), incident.Limits{}); err != nil {
			t.Errorf("seed %s refused: %v", name, err)
		}
	}
}

// Parts of attachments arrive from other stations. Whatever the bytes,
// DecodeChunk must not panic, every refusal must be EINVALID, and an
// accepted part must fit an operation and the bounds the store relies on.
func FuzzDecodeChunk(f *testing.F) {
	good, _ := json.Marshal(incident.Chunk{Incident: app.NewID(), SHA256: strings.Repeat("ab", 32), ChunkSize: 131072, Index: 2, Data: []byte("\xff\xd8\xff")})
	f.Add(good)
	f.Add([]byte(`{"incident":"00000000-0000-0000-0000-000000000000","sha256":"","chunk_size":0,"index":-1,"data":""}`))
	f.Add([]byte(`{"incident":"0190d1a2-0000-7000-8000-000000000001","sha256":"` + strings.Repeat("AB", 32) + `","chunk_size":131072,"index":0,"data":"AAAA"}`))
	f.Add([]byte(`{"incident":"0190d1a2-0000-7000-8000-000000000001","sha256":"` + strings.Repeat("ab", 32) + `","chunk_size":4,"index":268435456,"data":"AAAA"} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := incident.DecodeChunk(data)
		if err != nil {
			if app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("refusal is %s: %v", app.ErrorCode(err), err)
			}
			return
		}
		switch {
		case c.Incident == app.NilID, len(c.SHA256) != 64, strings.ToLower(c.SHA256) != c.SHA256:
			t.Fatalf("accepted a part naming %s, %q", c.Incident, c.SHA256)
		case c.ChunkSize < 1 || c.ChunkSize > message.MaxChunkSize, len(c.Data) < 1, len(c.Data) > c.ChunkSize:
			t.Fatalf("accepted %d bytes in parts of %d", len(c.Data), c.ChunkSize)
		case int64(c.Index)*int64(c.ChunkSize) >= incident.MaxIncomingAttachment, c.Index < 0:
			t.Fatalf("accepted part %d of %d bytes", c.Index, c.ChunkSize)
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := incident.DecodeChunk(again)
		if err != nil || back.Index != c.Index || !bytes.Equal(back.Data, c.Data) {
			t.Fatalf("an accepted part does not survive a round trip: %v", err)
		}
	})
}

// Events, with their notes, arrive from other stations inside incident
// operations. Whatever the bytes, validation must not panic, every
// refusal must name a field, and an accepted note stays within its bounds
// and survives a round trip.
func FuzzEventJSON(f *testing.F) {
	ev := incident.NewNotedEvent(app.NewID(), app.NewID(), received, "值班员", incident.EventRegraded,
		incident.Note{Kind: incident.NoteRegraded, Args: []incident.Arg{incident.GradeArg("from", incident.GradeGeneral), incident.GradeArg("to", incident.GradeLarge)}},
		"provisional general → large")
	good, _ := json.Marshal(ev)
	f.Add(good)
	tasks, _ := json.Marshal(incident.NewNotedEvent(app.NewID(), app.NewID(), received, "", incident.EventTasksCreated,
		incident.Note{Kind: incident.NoteTasks, Items: []incident.Note{{Kind: incident.NoteTask, Args: []incident.Arg{incident.ModeArg("mode", incident.ModePhone)}}}}, ""))
	f.Add(tasks)
	f.Add([]byte(`{"id":"0190d1a2-0000-7000-8000-000000000001","incident":"0190d1a2-0000-7000-8000-000000000002","at":"2026-07-14T02:00:00Z","kind":"closed","note":{"kind":"x","items":[{"kind":"y","items":[{"kind":"z"}]}]}}`))
	f.Add([]byte(`{"id":"0190d1a2-0000-7000-8000-000000000001","incident":"0190d1a2-0000-7000-8000-000000000002","at":"2026-07-14T02:00:00Z","kind":"closed","note":{"kind":"","args":[{"name":"","type":"","value":""}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e incident.Event
		if json.Unmarshal(data, &e) != nil {
			return
		}
		if err := e.Validate(); err != nil {
			if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) == "" {
				t.Fatalf("refusal without a field: %v", err)
			}
			return
		}
		if n := e.Note; n != nil {
			if n.Kind == "" || len(n.Args) > 16 || len(n.Items) > 64 {
				t.Fatalf("accepted a note of kind %q with %d arguments and %d items", n.Kind, len(n.Args), len(n.Items))
			}
			for _, it := range n.Items {
				if len(it.Items) > 0 {
					t.Fatal("accepted a note nested twice")
				}
			}
		}
		b1, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		var back incident.Event
		if err := json.Unmarshal(b1, &back); err != nil {
			t.Fatal(err)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("an accepted event is refused after a round trip: %v", err)
		}
	})
}
