package store_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// incidentEnv is the small tree with the incident service and a fixed clock.
type incidentEnv struct {
	*tree
	svc *store.Incidents
	now time.Time
}

func newIncidentEnv(t *testing.T) *incidentEnv {
	t.Helper()
	e := &incidentEnv{tree: newTree(t)}
	e.svc = store.NewIncidents(e.db)
	e.at(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)) // 10:00 in China
	return e
}

func (e *incidentEnv) at(t time.Time) {
	e.now = t
	clockAt(e.db, t)
}

// sample is a road accident received by the township ten minutes ago,
// in one of its villages.
func (e *incidentEnv) sample() *incident.Incident {
	return &incident.Incident{
		Station:     e.township.ID,
		ReceivedAt:  e.now.Add(-10 * time.Minute),
		OccurredAt:  e.now.Add(-30 * time.Minute),
		Channel:     incident.ChannelPhone,
		Reporter:    incident.Reporter{Name: "龙建国", Unit: "乾州村委会", Phone: "13812345678"},
		Place:       incident.Place{Station: e.village.ID, Text: "G209 国道 K1203"},
		Category:    incident.RoadTraffic,
		Title:       "货车侧翻",
		Counts:      incident.Counts{Injured: 1},
		Description: "一辆湘U12345货车侧翻，驾驶员轻伤。",
	}
}

func (e *incidentEnv) create(t *testing.T, inc *incident.Incident) (incident.Assessment, []incident.ReportTask) {
	t.Helper()
	a, tasks, err := e.svc.CreateIncident(ctx, inc)
	if err != nil {
		t.Fatalf("create incident: %v", err)
	}
	return a, tasks
}

func (e *incidentEnv) tasks(t *testing.T, id app.ID) []incident.ReportTask {
	t.Helper()
	tasks, err := e.svc.Tasks(ctx, incident.TaskFilter{Incident: &id})
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

func (e *incidentEnv) kinds(t *testing.T, id app.ID) []incident.EventKind {
	t.Helper()
	events, err := e.svc.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []incident.EventKind
	for _, ev := range events {
		out = append(out, ev.Kind)
	}
	return out
}

func recordCounts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	n, err := store.IncidentRecordCounts(db)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantField fails unless err is EINVALID about field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != field {
		t.Fatalf("error %q about %q (%v), want invalid about %q", app.ErrorCode(err), app.ErrorField(err), err, field)
	}
}

// findTask returns the task from one station to another in a mode.
func findTask(tasks []incident.ReportTask, from app.ID, to incident.Recipient, mode incident.Mode) *incident.ReportTask {
	for i := range tasks {
		if tasks[i].From == from && tasks[i].To == to && tasks[i].Mode == mode {
			return &tasks[i]
		}
	}
	return nil
}

func lastOp(t *testing.T, db *store.DB) app.Operation {
	t.Helper()
	ops := allOps(t, db)
	return ops[len(ops)-1]
}

func TestIncidentCreateGradesStoresTasksAndQueues(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	inc.Counts.Dead = 3
	received := inc.ReceivedAt
	before := outboxLen(t, e.db)
	a, tasks := e.create(t, inc)

	if a.Grade != incident.GradeLarge || a.Decided.Field != "counts.dead" {
		t.Errorf("assessment %v, want large on counts.dead", a)
	}
	if inc.ID == app.NilID || inc.Provisional != incident.GradeLarge || inc.Grade != 0 || inc.Status != incident.StatusOpen ||
		inc.CreatedBy != "张值班" || !inc.CreatedAt.Equal(e.now) {
		t.Errorf("created %+v", inc)
	}
	// Decree 493 with the national rules: 1 hour to the county, 2 more per
	// level, and a large accident reaches the province.
	want := []struct {
		from app.ID
		to   incident.Recipient
		due  time.Duration
	}{
		{e.township.ID, incident.Recipient{Station: e.county.ID}, time.Hour},
		{e.county.ID, incident.Recipient{Station: e.prefecture.ID}, 3 * time.Hour},
		{e.prefecture.ID, incident.Recipient{Level: incident.LevelProvince}, 5 * time.Hour},
	}
	if len(tasks) != len(want) {
		t.Fatalf("%d tasks, want %d: %+v", len(tasks), len(want), tasks)
	}
	for _, w := range want {
		tk := findTask(tasks, w.from, w.to, incident.ModeWritten)
		if tk == nil || !tk.Due.Equal(received.Add(w.due)) || tk.Status != incident.TaskPending || tk.Kind != incident.KindInitial {
			t.Errorf("task to %v: %+v, want written, pending, due after %s", w.to, tk, w.due)
		}
	}
	if !inc.NextDue.Equal(received.Add(time.Hour)) {
		t.Errorf("next due %v, want %v", inc.NextDue, received.Add(time.Hour))
	}

	got, err := e.svc.FindIncidentByID(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(inc)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("stored\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	if stored := e.tasks(t, inc.ID); len(stored) != 3 || !stored[0].Due.Equal(received.Add(time.Hour)) {
		t.Errorf("stored tasks %+v", stored)
	}
	if k := e.kinds(t, inc.ID); !slices.Equal(k, []incident.EventKind{incident.EventReceived, incident.EventGraded, incident.EventTasksCreated}) {
		t.Errorf("timeline %v", k)
	}

	if outboxLen(t, e.db) != before+1 {
		t.Fatalf("outbox grew by %d, want 1", outboxLen(t, e.db)-before)
	}
	op := lastOp(t, e.db)
	var payload struct {
		Incident incident.Incident     `json:"incident"`
		Tasks    []incident.ReportTask `json:"tasks"`
		Events   []incident.Event      `json:"events"`
	}
	if err := json.Unmarshal(op.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	if op.Kind != incident.OpIncidentCreate || op.Entity != inc.ID || payload.Incident.ID != inc.ID || len(payload.Tasks) != 3 || len(payload.Events) != 3 {
		t.Errorf("operation %s %s with %d tasks, %d events", op.Kind, op.Entity, len(payload.Tasks), len(payload.Events))
	}
}

func TestIncidentCreateIsOnDiskAfterReopen(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	e.create(t, inc)
	dir := filepath.Dir(e.db.Path())
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	db := storetest.OpenDir(t, dir)
	got, err := store.NewIncidents(db).FindIncidentByID(ctx, inc.ID)
	if err != nil || got.Title != inc.Title {
		t.Fatalf("after reopen: %v, %v", got, err)
	}
}

func TestIncidentCreateRefusesBadInputAndSavesNothing(t *testing.T) {
	e := newIncidentEnv(t)
	other := app.Station{Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: e.prefecture.ID}
	mustCreateStation(t, e.dir, &other)
	cases := []struct {
		name  string
		edit  func(inc *incident.Incident)
		field string
	}{
		{"negative count", func(inc *incident.Incident) { inc.Counts.Dead = -1 }, "counts.dead"},
		{"absurd count", func(inc *incident.Incident) { inc.Counts.SeriousInjured = 5_000_000 }, "counts.serious_injured"},
		{"absurd loss", func(inc *incident.Incident) { inc.Loss = 1 << 60 }, "loss"},
		{"future time", func(inc *incident.Incident) { inc.ReceivedAt = e.now.Add(time.Hour) }, "received_at"},
		{"place outside the station's area", func(inc *incident.Incident) { inc.Place.Station = other.ID }, "place.station"},
		{"unknown category", func(inc *incident.Incident) { inc.Category = "volcano" }, "category"},
		{"no channel", func(inc *incident.Incident) { inc.Channel = "" }, "channel"},
		{"unknown station", func(inc *incident.Incident) { inc.Station = app.NewID() }, "station"},
		{"attachment without content", func(inc *incident.Incident) {
			inc.Attachments = []incident.Attachment{{Name: "现场.jpg", Size: 10, SHA256: strings.Repeat("ab", 32)}}
		}, "attachments"},
	}
	before := recordCounts(t, e.db)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inc := e.sample()
			c.edit(inc)
			_, _, err := e.svc.CreateIncident(ctx, inc)
			wantField(t, err, c.field)
			if inc.ID != app.NilID {
				t.Errorf("a refused incident got an id")
			}
			if after := recordCounts(t, e.db); !reflect.DeepEqual(after, before) {
				t.Errorf("records before %v, after %v", before, after)
			}
		})
	}
}

// failingReader fails the test if the store reads a file it should refuse
// by its size alone.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("the store read a file over the limit")
	return 0, io.EOF
}

func TestIncidentOversizedAttachmentIsRefusedUnread(t *testing.T) {
	e := newIncidentEnv(t)
	before := recordCounts(t, e.db)
	inc := e.sample()
	big := store.File{Name: "录像.mp4", Size: 21 << 20, Content: failingReader{t}}
	_, _, err := e.svc.CreateIncidentWithFiles(ctx, inc, []store.File{big})
	wantField(t, err, "attachments")
	if msg := app.ErrorMessage(err); !strings.Contains(msg, "录像.mp4") || !strings.Contains(msg, "20.0 MB") {
		t.Errorf("message %q should name the file and the limit", msg)
	}

	// A station's own, lower limit applies to it and the stations below.
	st := incident.DefaultSettings()
	st.Limits.MaxAttachment = 1000
	if err := e.svc.SetSettings(ctx, e.county.ID, st); err != nil {
		t.Fatal(err)
	}
	before = recordCounts(t, e.db)
	photo := bytes.Repeat([]byte{0xff}, 2000)
	_, _, err = e.svc.CreateIncidentWithFiles(ctx, e.sample(), []store.File{{Name: "现场.jpg", Size: 2000, Content: bytes.NewReader(photo)}})
	wantField(t, err, "attachments")

	// A file that is not the size it claimed is refused too.
	_, _, err = e.svc.CreateIncidentWithFiles(ctx, e.sample(), []store.File{{Name: "a.jpg", Size: 500, Content: bytes.NewReader(photo[:100])}})
	wantField(t, err, "attachments")
	if after := recordCounts(t, e.db); !reflect.DeepEqual(after, before) {
		t.Errorf("records before %v, after %v", before, after)
	}
}

func TestIncidentAttachmentsAreStoredOncePerContent(t *testing.T) {
	e := newIncidentEnv(t)
	photo := []byte("\x89PNG fake photo of the scene")
	file := func() store.File {
		return store.File{Name: "现场.png", MIME: "image/png", Size: int64(len(photo)), Content: bytes.NewReader(photo)}
	}
	first := e.sample()
	if _, _, err := e.svc.CreateIncidentWithFiles(ctx, first, []store.File{file()}); err != nil {
		t.Fatal(err)
	}
	second := e.sample()
	if _, _, err := e.svc.CreateIncidentWithFiles(ctx, second, []store.File{file()}); err != nil {
		t.Fatal(err)
	}
	if n := recordCounts(t, e.db)["incident_blobs"]; n != 1 {
		t.Errorf("%d blobs for one content, want 1", n)
	}
	a := first.Attachments[0]
	if a.Name != "现场.png" || a.Size != int64(len(photo)) || len(a.SHA256) != 64 || a.ID == app.NilID || second.Attachments[0].SHA256 != a.SHA256 {
		t.Errorf("attachments %+v and %+v", a, second.Attachments[0])
	}
	data, err := e.svc.Attachment(ctx, a.SHA256)
	if err != nil || !bytes.Equal(data, photo) {
		t.Errorf("content %q, %v", data, err)
	}
	// A stored content can be named by its digest alone.
	third := e.sample()
	third.Attachments = []incident.Attachment{{Name: "同一张.png", Size: a.Size, SHA256: a.SHA256}}
	e.create(t, third)
	_, err = e.svc.Attachment(ctx, strings.Repeat("0", 64))
	wantCode(t, err, app.ENOTFOUND)
}

func TestIncidentForbiddenOutsideOwnArea(t *testing.T) {
	e := newIncidentEnv(t)
	if err := store.NewIdentity(e.db).SetIdentity(ctx, e.township.ID); err != nil {
		t.Fatal(err)
	}
	before := recordCounts(t, e.db)
	inc := e.sample()
	inc.Station, inc.Place.Station = e.county.ID, e.county.ID
	_, _, err := e.svc.CreateIncident(ctx, inc)
	wantCode(t, err, app.EFORBIDDEN)
	wantCode(t, e.svc.SetSettings(ctx, e.county.ID, incident.DefaultSettings()), app.EFORBIDDEN)
	if after := recordCounts(t, e.db); !reflect.DeepEqual(after, before) {
		t.Errorf("records before %v, after %v", before, after)
	}
	e.create(t, e.sample())
}

// A county filing for its township records its own station on the
// timeline: that is where the people acting sat.
func TestIncidentEventsNameTheActorsStation(t *testing.T) {
	e := newIncidentEnv(t)
	if err := store.NewIdentity(e.db).SetIdentity(ctx, e.county.ID); err != nil {
		t.Fatal(err)
	}
	inc := e.sample()
	e.create(t, inc)
	if err := e.svc.ConfirmGrade(ctx, inc.ID, "向局长"); err != nil {
		t.Fatal(err)
	}
	events, err := e.svc.Timeline(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.Station != e.county.ID || ev.Actor != "张值班" {
			t.Errorf("event %s at %s by %q, want the county and the author", ev.Kind, ev.Station, ev.Actor)
		}
	}
}

func TestIncidentUpdateCountsRaisesGradeAndAddsTasks(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	a, initial := e.create(t, inc)
	if a.Grade != incident.GradeGeneral || len(initial) != 2 {
		t.Fatalf("general accident: %v with %d tasks", a, len(initial))
	}
	e.at(e.now.Add(10 * time.Minute))
	before := outboxLen(t, e.db)
	c := inc.Counts
	c.Dead = 10
	a, changed, err := e.svc.UpdateCounts(ctx, inc.ID, c, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Grade != incident.GradeMajor || !a.DirectReport {
		t.Errorf("assessment %v, want major with a direct report", a)
	}
	// Major: every level by phone in 30 minutes and in writing in an hour,
	// from the change; the state council; the direct report from the county.
	phone := findTask(changed, e.township.ID, incident.Recipient{Station: e.county.ID}, incident.ModePhone)
	top := findTask(changed, e.prefecture.ID, incident.Recipient{Level: incident.LevelStateCouncil}, incident.ModeWritten)
	direct := findTask(changed, e.county.ID, incident.Recipient{Level: incident.LevelMinistry}, incident.ModeWritten)
	tightened := findTask(changed, e.county.ID, incident.Recipient{Station: e.prefecture.ID}, incident.ModeWritten)
	if phone == nil || !phone.Due.Equal(e.now.Add(30*time.Minute)) {
		t.Errorf("phone report to the county: %+v", phone)
	}
	if top == nil || direct == nil {
		t.Errorf("state council %+v, direct to the ministry %+v", top, direct)
	}
	if tightened == nil || tightened.ID != findTask(initial, e.county.ID, incident.Recipient{Station: e.prefecture.ID}, incident.ModeWritten).ID ||
		!tightened.Due.Equal(e.now.Add(time.Hour)) {
		t.Errorf("the county's written report was not brought forward: %+v", tightened)
	}
	stored := e.tasks(t, inc.ID)
	if len(stored) != len(initial)+len(changed)-1 {
		t.Errorf("%d tasks stored, want %d", len(stored), len(initial)+len(changed)-1)
	}
	got, _ := e.svc.FindIncidentByID(ctx, inc.ID)
	if got.Counts.Dead != 10 || got.Provisional != incident.GradeMajor || !got.NextDue.Equal(e.now.Add(30*time.Minute)) {
		t.Errorf("stored %+v", got)
	}
	k := e.kinds(t, inc.ID)
	if !slices.Equal(k[3:], []incident.EventKind{incident.EventCountsChanged, incident.EventGraded, incident.EventTasksCreated}) {
		t.Errorf("timeline %v", k)
	}
	if outboxLen(t, e.db) != before+1 || lastOp(t, e.db).Kind != incident.OpIncidentCounts {
		t.Errorf("operation %s", lastOp(t, e.db).Kind)
	}

	// The same figures again change nothing and queue nothing.
	before = outboxLen(t, e.db)
	if _, again, err := e.svc.UpdateCounts(ctx, inc.ID, c, 0); err != nil || len(again) != 0 {
		t.Errorf("same figures: %v, %v", again, err)
	}
	if outboxLen(t, e.db) != before {
		t.Errorf("an unchanged figure queued an operation")
	}
	_, _, err = e.svc.UpdateCounts(ctx, inc.ID, incident.Counts{Dead: -2}, 0)
	wantField(t, err, "counts.dead")
	_, _, err = e.svc.UpdateCounts(ctx, app.NewID(), c, 0)
	wantCode(t, err, app.ENOTFOUND)
}

func TestIncidentOverrideNeedsReasonAndEscalates(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	_, initial := e.create(t, inc)
	before := recordCounts(t, e.db)
	_, err := e.svc.OverrideGrade(ctx, inc.ID, incident.Override{Grade: incident.GradeMajor, By: "彭局长", Reason: "  "})
	wantField(t, err, "reason")
	_, err = e.svc.OverrideGrade(ctx, inc.ID, incident.Override{Grade: incident.GradeMajor, Reason: "危化品车辆，可能扩大"})
	wantField(t, err, "by")
	if after := recordCounts(t, e.db); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused override wrote: before %v, after %v", before, after)
	}

	tasks, err := e.svc.OverrideGrade(ctx, inc.ID, incident.Override{Grade: incident.GradeMajor, By: "彭局长", Reason: "危化品车辆，可能扩大"})
	if err != nil {
		t.Fatal(err)
	}
	if findTask(tasks, e.township.ID, incident.Recipient{Station: e.county.ID}, incident.ModePhone) == nil ||
		findTask(tasks, e.prefecture.ID, incident.Recipient{Level: incident.LevelStateCouncil}, incident.ModeWritten) == nil {
		t.Errorf("a major grade adds phone reports and the state council: %+v", tasks)
	}
	if len(e.tasks(t, inc.ID)) <= len(initial) {
		t.Errorf("no tasks added")
	}
	got, _ := e.svc.FindIncidentByID(ctx, inc.ID)
	if got.Grade != incident.GradeMajor || got.Provisional != incident.GradeGeneral || got.GradedBy != "彭局长" || got.GradeReason != "危化品车辆，可能扩大" {
		t.Errorf("stored %+v", got)
	}
	if k := e.kinds(t, inc.ID); !slices.Contains(k, incident.EventGradeOverridden) {
		t.Errorf("timeline %v", k)
	}
	if op := lastOp(t, e.db); op.Kind != incident.OpIncidentGrade {
		t.Errorf("operation %s", op.Kind)
	}
}

func TestIncidentConfirmGrade(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	inc.Counts.Dead = 2
	a, _ := e.create(t, inc)
	if !a.Focus {
		t.Errorf("a general accident with 2 deaths is a focus case: %v", a)
	}
	wantField(t, e.svc.ConfirmGrade(ctx, inc.ID, " "), "by")
	if err := e.svc.ConfirmGrade(ctx, inc.ID, "彭局长"); err != nil {
		t.Fatal(err)
	}
	got, _ := e.svc.FindIncidentByID(ctx, inc.ID)
	if got.Grade != incident.GradeGeneral || got.GradedBy != "彭局长" || !got.GradedAt.Equal(e.now) {
		t.Errorf("stored %+v", got)
	}
	if k := e.kinds(t, inc.ID); k[len(k)-1] != incident.EventGradeConfirmed {
		t.Errorf("timeline %v", k)
	}
	wantCode(t, e.svc.ConfirmGrade(ctx, app.NewID(), "彭局长"), app.ENOTFOUND)
}

func report(inc *incident.Incident, station app.ID, kind incident.ReportKind, text string) *incident.Report {
	return &incident.Report{Incident: inc.ID, Station: station, Kind: kind, Text: text}
}

func TestIncidentReportsInOrderAndFinalCloses(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	e.create(t, inc)

	_, err := e.svc.AddReport(ctx, report(inc, e.township.ID, incident.KindFollowUp, "续报"))
	wantField(t, err, "kind")
	_, err = e.svc.AddReport(ctx, report(inc, e.village.ID, incident.KindInitial, "初报"))
	wantField(t, err, "station")

	first := report(inc, e.township.ID, incident.KindInitial, "初报：货车侧翻，1人轻伤。")
	delivering, err := e.svc.AddReport(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == app.NilID || len(delivering) != 1 || delivering[0].From != e.township.ID {
		t.Errorf("initial report %+v delivered by %+v", first, delivering)
	}
	_, err = e.svc.AddReport(ctx, report(inc, e.township.ID, incident.KindInitial, "又一份初报"))
	wantField(t, err, "kind")

	// A follow-up with more dead raises the grade and adds its reports.
	e.at(e.now.Add(time.Hour))
	follow := report(inc, e.township.ID, incident.KindFollowUp, "续报：死亡3人。")
	follow.Counts = &incident.Counts{Dead: 3, Injured: 1}
	tasks, err := e.svc.AddReport(ctx, follow)
	if err != nil {
		t.Fatal(err)
	}
	if findTask(tasks, e.prefecture.ID, incident.Recipient{Level: incident.LevelProvince}, incident.ModeWritten) == nil {
		t.Errorf("a large accident's follow-up reaches the province: %+v", tasks)
	}
	var own int
	for _, tk := range tasks {
		if tk.Report == follow.ID {
			own++
		}
	}
	if own != 3 {
		t.Errorf("%d deliveries carry the follow-up, want 3 (county, prefecture, province)", own)
	}
	got, _ := e.svc.FindIncidentByID(ctx, inc.ID)
	if got.Counts.Dead != 3 || got.Provisional != incident.GradeLarge {
		t.Errorf("the follow-up's figures were not applied: %+v", got.Counts)
	}

	final := report(inc, e.township.ID, incident.KindFinal, "核报：死亡3人，直接经济损失50万元。")
	if _, err := e.svc.AddReport(ctx, final); err != nil {
		t.Fatal(err)
	}
	got, _ = e.svc.FindIncidentByID(ctx, inc.ID)
	if got.Status != incident.StatusClosed || got.CloseReason != "final report" {
		t.Errorf("after the final report: %s %q", got.Status, got.CloseReason)
	}
	reports, err := e.svc.Reports(ctx, inc.ID)
	if err != nil || len(reports) != 3 || reports[0].Kind != incident.KindInitial || reports[2].Kind != incident.KindFinal {
		t.Errorf("reports %+v, %v", reports, err)
	}

	// Closed: no more reports or changes, but the final report's own
	// sign-off still goes.
	before := recordCounts(t, e.db)
	_, err = e.svc.AddReport(ctx, report(inc, e.township.ID, incident.KindFollowUp, "再续报"))
	wantCode(t, err, app.ECONFLICT)
	_, _, err = e.svc.UpdateCounts(ctx, inc.ID, incident.Counts{Dead: 4}, 0)
	wantCode(t, err, app.ECONFLICT)
	wantCode(t, e.svc.ConfirmGrade(ctx, inc.ID, "彭局长"), app.ECONFLICT)
	wantCode(t, e.svc.CloseIncident(ctx, inc.ID, "重复"), app.ECONFLICT)
	_, err = e.svc.SignReport(ctx, follow.ID, "彭局长")
	wantCode(t, err, app.ECONFLICT)
	if after := recordCounts(t, e.db); !reflect.DeepEqual(after, before) {
		t.Errorf("refused changes wrote: before %v, after %v", before, after)
	}
	if _, err := e.svc.SignReport(ctx, final.ID, "彭局长"); err != nil {
		t.Errorf("sign the final report of a closed incident: %v", err)
	}
	k := e.kinds(t, inc.ID)
	if !slices.Contains(k, incident.EventFinalReported) || !slices.Contains(k, incident.EventClosed) || !slices.Contains(k, incident.EventFollowedUp) {
		t.Errorf("timeline %v", k)
	}
}

func TestIncidentSupplementaryWindow(t *testing.T) {
	e := newIncidentEnv(t)
	cst := time.FixedZone("CST", 8*3600)
	// A road accident at 10:00 on 1 March: supplementary reports until the
	// end of 8 March; a flood's window is 30 days.
	e.at(time.Date(2026, 3, 1, 10, 30, 0, 0, cst))
	road := e.sample()
	road.OccurredAt = time.Date(2026, 3, 1, 10, 0, 0, 0, cst)
	e.create(t, road)
	flood := e.sample()
	flood.Category = incident.Flood
	flood.OccurredAt = road.OccurredAt
	e.create(t, flood)
	for _, inc := range []*incident.Incident{road, flood} {
		if _, err := e.svc.AddReport(ctx, report(inc, e.township.ID, incident.KindInitial, "初报")); err != nil {
			t.Fatal(err)
		}
	}

	e.at(time.Date(2026, 3, 8, 23, 59, 0, 0, cst))
	if _, err := e.svc.AddReport(ctx, report(road, e.township.ID, incident.KindSupplementary, "补报：伤者1人转为重伤")); err != nil {
		t.Errorf("supplementary report on the last day: %v", err)
	}
	e.at(time.Date(2026, 3, 9, 0, 0, 0, 0, cst))
	_, err := e.svc.AddReport(ctx, report(road, e.township.ID, incident.KindSupplementary, "补报"))
	wantField(t, err, "kind")
	if _, err := e.svc.AddReport(ctx, report(flood, e.township.ID, incident.KindSupplementary, "补报")); err != nil {
		t.Errorf("a flood's window is 30 days: %v", err)
	}
}

func TestIncidentSignSendAcknowledge(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	inc.Counts.Dead = 3
	_, tasks := e.create(t, inc)
	toCounty := findTask(tasks, e.township.ID, incident.Recipient{Station: e.county.ID}, incident.ModeWritten)
	toPrefecture := findTask(tasks, e.county.ID, incident.Recipient{Station: e.prefecture.ID}, incident.ModeWritten)

	wantCode(t, e.svc.SendTask(ctx, toCounty.ID), app.ECONFLICT) // unsigned
	first := report(inc, e.township.ID, incident.KindInitial, "初报：货车侧翻，死亡3人。")
	if _, err := e.svc.AddReport(ctx, first); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.SignReport(ctx, first.ID, "")
	wantField(t, err, "by")
	signed, err := e.svc.SignReport(ctx, first.ID, "田乡长")
	if err != nil {
		t.Fatal(err)
	}
	if len(signed) != 1 || signed[0].ID != toCounty.ID || signed[0].Report != first.ID || signed[0].SignedBy != "田乡长" {
		t.Errorf("signed %+v", signed)
	}
	_, err = e.svc.SignReport(ctx, first.ID, "田乡长")
	wantCode(t, err, app.ECONFLICT)

	e.at(e.now.Add(20 * time.Minute))
	if err := e.svc.SendTask(ctx, toCounty.ID); err != nil {
		t.Fatal(err)
	}
	sent, _ := e.svc.FindTaskByID(ctx, toCounty.ID)
	if sent.Status != incident.TaskSent || sent.Late || !sent.SentAt.Equal(e.now) {
		t.Errorf("sent %+v", sent)
	}
	wantCode(t, e.svc.SendTask(ctx, toCounty.ID), app.ECONFLICT)
	got, _ := e.svc.FindIncidentByID(ctx, inc.ID)
	if !got.NextDue.Equal(toPrefecture.Due) {
		t.Errorf("next due %v, want the county's %v", got.NextDue, toPrefecture.Due)
	}
	if r, _ := e.svc.FindReportByID(ctx, first.ID); !r.SentAt.Equal(e.now) || r.SignedBy != "田乡长" {
		t.Errorf("report %+v", r)
	}

	// The county forwards the signed report with its own leader's
	// signature, late.
	e.at(toPrefecture.Due.Add(time.Minute))
	fwd, err := e.svc.SignTask(ctx, toPrefecture.ID, "向局长")
	if err != nil || len(fwd) != 1 || fwd[0].SignedBy != "向局长" {
		t.Fatalf("county sign-off: %+v, %v", fwd, err)
	}
	if err := e.svc.SendTask(ctx, toPrefecture.ID); err != nil {
		t.Fatal(err)
	}
	late, _ := e.svc.FindTaskByID(ctx, toPrefecture.ID)
	if !late.Late {
		t.Errorf("sent after the deadline but not late: %+v", late)
	}

	wantField(t, e.svc.AcknowledgeTask(ctx, toCounty.ID, ""), "by")
	toProvince := findTask(tasks, e.prefecture.ID, incident.Recipient{Level: incident.LevelProvince}, incident.ModeWritten)
	wantCode(t, e.svc.AcknowledgeTask(ctx, toProvince.ID, "省厅值班室"), app.ECONFLICT)
	if err := e.svc.AcknowledgeTask(ctx, toCounty.ID, "吉首市值班室 李四"); err != nil {
		t.Fatal(err)
	}
	acked, _ := e.svc.FindTaskByID(ctx, toCounty.ID)
	if acked.Status != incident.TaskAcknowledged || acked.AckedBy != "吉首市值班室 李四" {
		t.Errorf("acknowledged %+v", acked)
	}
	k := e.kinds(t, inc.ID)
	for _, want := range []incident.EventKind{incident.EventReported, incident.EventSigned, incident.EventSent, incident.EventAcknowledged} {
		if !slices.Contains(k, want) {
			t.Errorf("timeline %v lacks %s", k, want)
		}
	}
	open, err := e.svc.Tasks(ctx, incident.TaskFilter{Open: ptr(true)})
	if err != nil || len(open) != 1 || open[0].ID != toProvince.ID {
		t.Errorf("open tasks %+v, %v", open, err)
	}
	_, err = e.svc.FindTaskByID(ctx, app.NewID())
	wantCode(t, err, app.ENOTFOUND)
}

func ptr[T any](v T) *T { return &v }

func TestIncidentPhoneReportGoesUnsigned(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	inc.Counts.Dead = 12
	_, tasks := e.create(t, inc)
	phone := findTask(tasks, e.township.ID, incident.Recipient{Station: e.county.ID}, incident.ModePhone)
	if phone == nil {
		t.Fatalf("no phone task for a major accident: %+v", tasks)
	}
	if err := e.svc.SendTask(ctx, phone.ID); err != nil {
		t.Errorf("a phone report needs no signature: %v", err)
	}
}

func TestIncidentTimelineIsAppendOnlyInOrder(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	e.create(t, inc)
	var seen []incident.Event
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		events, err := e.svc.Timeline(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) <= len(seen) {
			t.Errorf("%s added no event", name)
		}
		if len(seen) > 0 && !reflect.DeepEqual(events[:min(len(seen), len(events))], seen) {
			t.Errorf("%s changed earlier events:\n%+v\nwas\n%+v", name, events, seen)
		}
		if !slices.IsSortedFunc(events, func(a, b incident.Event) int { return a.At.Compare(b.At) }) {
			t.Errorf("%s: timeline out of order", name)
		}
		seen = events
	}
	step("create", nil)
	e.at(e.now.Add(time.Minute))
	_, _, err := e.svc.UpdateCounts(ctx, inc.ID, incident.Counts{Dead: 1}, 0)
	step("counts", err)
	e.at(e.now.Add(time.Minute))
	step("confirm", e.svc.ConfirmGrade(ctx, inc.ID, "彭局长"))
	e.at(e.now.Add(time.Minute))
	r := report(inc, e.township.ID, incident.KindInitial, "初报")
	_, err = e.svc.AddReport(ctx, r)
	step("report", err)
	e.at(e.now.Add(time.Minute))
	_, err = e.svc.SignReport(ctx, r.ID, "彭局长")
	step("sign", err)
	e.at(e.now.Add(time.Minute))
	step("close", e.svc.CloseIncident(ctx, inc.ID, "重复接报"))
	_, err = e.svc.Timeline(ctx, app.NewID())
	wantCode(t, err, app.ENOTFOUND)
}

func TestIncidentEveryChangeQueuesOneOperation(t *testing.T) {
	e := newIncidentEnv(t)
	inc := e.sample()
	var tasks []incident.ReportTask
	var r *incident.Report
	steps := []struct {
		kind string
		do   func() error
	}{
		{incident.OpIncidentCreate, func() (err error) { _, tasks, err = e.svc.CreateIncident(ctx, inc); return err }},
		{incident.OpIncidentCounts, func() error { _, _, err := e.svc.UpdateCounts(ctx, inc.ID, incident.Counts{Dead: 1}, 0); return err }},
		{incident.OpIncidentGrade, func() error { return e.svc.ConfirmGrade(ctx, inc.ID, "彭局长") }},
		{incident.OpIncidentGrade, func() error {
			_, err := e.svc.OverrideGrade(ctx, inc.ID, incident.Override{Grade: incident.GradeLarge, By: "彭局长", Reason: "影响大"})
			return err
		}},
		{incident.OpIncidentReport, func() error {
			r = report(inc, e.township.ID, incident.KindInitial, "初报")
			_, err := e.svc.AddReport(ctx, r)
			return err
		}},
		{incident.OpIncidentSign, func() error { _, err := e.svc.SignReport(ctx, r.ID, "彭局长"); return err }},
		{incident.OpIncidentSend, func() error { return e.svc.SendTask(ctx, tasks[0].ID) }},
		{incident.OpIncidentAck, func() error { return e.svc.AcknowledgeTask(ctx, tasks[0].ID, "李四") }},
		{incident.OpIncidentClose, func() error { return e.svc.CloseIncident(ctx, inc.ID, "误报") }},
		{incident.OpSettingsUpdate, func() error { return e.svc.SetSettings(ctx, e.county.ID, incident.DefaultSettings()) }},
	}
	for _, s := range steps {
		before := outboxLen(t, e.db)
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.kind, err)
		}
		if n := outboxLen(t, e.db) - before; n != 1 {
			t.Errorf("%s queued %d operations", s.kind, n)
		}
		if op := lastOp(t, e.db); op.Kind != s.kind || op.Author != "张值班" {
			t.Errorf("queued %s by %q, want %s", op.Kind, op.Author, s.kind)
		}
	}
}

// registerFixture files incidents of every kind the filters tell apart.
func registerFixture(t *testing.T, e *incidentEnv) (other app.Station, all []incident.Incident) {
	t.Helper()
	other = app.Station{Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: e.prefecture.ID}
	mustCreateStation(t, e.dir, &other)
	otherTown := app.Station{Code: "433122001", Name: "白沙镇", Tier: app.TierTownship, Parent: other.ID}
	mustCreateStation(t, e.dir, &otherTown)
	start := e.now.Add(-40 * 24 * time.Hour)
	places := []app.Station{e.township, e.village, otherTown, e.county, e.prefecture}
	words := []string{"货车侧翻", "民房起火", "山体滑坡", "燃气泄漏"}
	for i := range 30 {
		p := places[i%len(places)]
		station := p.ID
		if p.Tier == app.TierVillage {
			station = e.township.ID
		}
		inc := incident.Incident{
			Station: station, ReceivedAt: start.Add(time.Duration(i) * 31 * time.Hour), Channel: incident.ChannelPhone,
			Place:    incident.Place{Station: p.ID, Text: p.Name + "某地"},
			Category: incident.Categories[i%len(incident.Categories)], Title: p.Name + words[i%len(words)],
			Counts:      incident.Counts{Dead: i % 4, Injured: i % 7},
			Description: fmt.Sprintf("现场车辆湘U%d2345", i%3), Reporter: incident.Reporter{Name: "报告人"},
		}
		e.create(t, &inc)
		if i%5 == 0 {
			if err := e.svc.CloseIncident(ctx, inc.ID, "误报"); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := e.svc.FindIncidentByID(ctx, inc.ID)
		all = append(all, *got)
	}
	return other, all
}

func TestIncidentRegisterFiltersMatchTheDomainRule(t *testing.T) {
	e := newIncidentEnv(t)
	other, all := registerFixture(t, e)
	stations, err := e.dir.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tree := app.NewTree(stations)
	from, to := e.now.Add(-30*24*time.Hour), e.now.Add(-10*24*time.Hour)
	filters := map[string]incident.Filter{
		"all":             {},
		"county":          {Station: &e.county.ID},
		"other county":    {Station: &other.ID},
		"village":         {Station: &e.village.ID},
		"prefecture":      {Station: &e.prefecture.ID},
		"category":        {Category: ptr(incident.Fire)},
		"grade":           {Grade: ptr(incident.GradeLarge)},
		"closed":          {Status: ptr(incident.StatusClosed)},
		"overdue":         {Overdue: ptr(true)},
		"not overdue":     {Overdue: ptr(false)},
		"text":            {Text: "湘u1 货车"},
		"period":          {From: &from, To: &to},
		"period and text": {From: &from, To: &to, Text: "起火"},
		"overdue county":  {Overdue: ptr(true), Station: &e.county.ID, Text: "某地"},
		"nothing":         {Text: "危化品"},
	}
	for name, f := range filters {
		for _, share := range []float64{0, 0.25, 2} {
			store.SetIndexShare(t, share)
			t.Run(fmt.Sprintf("%s/share=%v", name, share), func(t *testing.T) {
				var want []app.ID
				for i := len(all) - 1; i >= 0; i-- {
					if incident.Matches(&all[i], f, tree, e.now) {
						want = append(want, all[i].ID)
					}
				}
				got, total, err := e.svc.Incidents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				var ids []app.ID
				for _, inc := range got {
					ids = append(ids, inc.ID)
				}
				if total != len(want) || !slices.Equal(ids, want) {
					t.Errorf("got %d (total %d), want %d", len(ids), total, len(want))
				}
			})
		}
	}

	// A page of the newest, and the next.
	page, total, err := e.svc.Incidents(ctx, incident.Filter{Limit: 4, Offset: 4})
	if err != nil || total != len(all) || len(page) != 4 || page[0].ID != all[len(all)-5].ID {
		t.Errorf("page: %d of %d, %v", len(page), total, err)
	}
	if page[0].Description == "" || page[0].Reporter.Name != "报告人" {
		t.Errorf("the page is not read in full: %+v", page[0])
	}
	_, _, err = e.svc.Incidents(ctx, incident.Filter{Limit: -1})
	wantCode(t, err, app.EINVALID)
}

func TestIncidentStatsMatchSummarize(t *testing.T) {
	e := newIncidentEnv(t)
	_, all := registerFixture(t, e)
	// Send some reports, on time and late; leave the rest overdue.
	now := e.now
	for i, inc := range all {
		tasks := e.tasks(t, inc.ID)
		if i%5 == 0 || i%3 == 0 || len(tasks) == 0 {
			continue
		}
		e.at(inc.ReceivedAt.Add(time.Duration(i%2) * 3 * time.Hour))
		r := report(&inc, inc.Station, incident.KindInitial, "初报")
		if _, err := e.svc.AddReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SignReport(ctx, r.ID, "彭局长"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SendTask(ctx, tasks[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	e.at(now)
	stations, _ := e.dir.Stations(ctx)
	tree := app.NewTree(stations)
	var tasks []incident.ReportTask
	for _, inc := range all {
		tasks = append(tasks, e.tasks(t, inc.ID)...)
	}
	cst := time.FixedZone("CST", 8*3600)
	want := incident.Summarize(all, tasks, tree, cst, e.now)
	got, err := e.svc.Stats(ctx, incident.Filter{}, cst)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("stats\n%+v\nwant\n%+v", *got, want)
	}
	// A filter narrows the incidents and their tasks alike.
	f := incident.Filter{Station: &e.county.ID}
	var inCounty []incident.Incident
	var countyTasks []incident.ReportTask
	for _, inc := range all {
		if incident.Matches(&inc, f, tree, e.now) {
			inCounty = append(inCounty, inc)
			countyTasks = append(countyTasks, e.tasks(t, inc.ID)...)
		}
	}
	narrow, err := e.svc.Stats(ctx, f, cst)
	if err != nil {
		t.Fatal(err)
	}
	if want := incident.Summarize(inCounty, countyTasks, tree, cst, e.now); !reflect.DeepEqual(*narrow, want) {
		t.Errorf("county stats\n%+v\nwant\n%+v", *narrow, want)
	}
	// Tasks filtered by sender without an incident read every task.
	fromTown, err := e.svc.Tasks(ctx, incident.TaskFilter{From: &e.township.ID})
	if err != nil {
		t.Fatal(err)
	}
	var wantFrom int
	for _, tk := range tasks {
		if tk.From == e.township.ID {
			wantFrom++
		}
	}
	if len(fromTown) != wantFrom || len(fromTown) == 0 {
		t.Errorf("%d tasks from the township, want %d", len(fromTown), wantFrom)
	}
	// Two counties, and the prefecture for what happened at its own level.
	if len(got.ByMonth) == 0 || len(got.ByCounty) != 3 || len(got.Timeliness) == 0 {
		t.Errorf("stats look empty: %+v", got)
	}
}

func TestIncidentSettingsInheritAndApply(t *testing.T) {
	e := newIncidentEnv(t)
	st, err := e.svc.Settings(ctx, e.township.ID)
	if err != nil || !reflect.DeepEqual(st, incident.DefaultSettings()) {
		t.Errorf("settings before any are set: %+v, %v", st, err)
	}
	own := incident.DefaultSettings()
	own.Thresholds.Accident.CountMissingWithDead = true
	own.Rules.FirstReport = 30 * time.Minute
	if err := e.svc.SetSettings(ctx, e.county.ID, own); err != nil {
		t.Fatal(err)
	}
	if op := lastOp(t, e.db); op.Kind != incident.OpSettingsUpdate || op.Entity != e.county.ID {
		t.Errorf("operation %s on %s", op.Kind, op.Entity)
	}
	st, err = e.svc.Settings(ctx, e.township.ID)
	if err != nil || !reflect.DeepEqual(st, own) {
		t.Errorf("the township does not inherit the county's settings: %+v, %v", st, err)
	}
	inc := e.sample()
	inc.Counts = incident.Counts{Dead: 1, Missing: 2}
	a, tasks := e.create(t, inc)
	if a.Grade != incident.GradeLarge || !a.MissingCounted {
		t.Errorf("with the missing counted, 1 dead and 2 missing is large: %v", a)
	}
	if tk := findTask(tasks, e.township.ID, incident.Recipient{Station: e.county.ID}, incident.ModeWritten); tk == nil || !tk.Due.Equal(inc.ReceivedAt.Add(30*time.Minute)) {
		t.Errorf("the county's 30-minute first report does not apply: %+v", tk)
	}

	bad := incident.DefaultSettings()
	bad.Thresholds.Accident.Dead.Major = 2
	wantCode(t, e.svc.SetSettings(ctx, e.county.ID, bad), app.EINVALID)
	wantCode(t, e.svc.SetSettings(ctx, app.NewID(), own), app.ENOTFOUND)
	_, err = e.svc.Settings(ctx, app.NewID())
	wantCode(t, err, app.ENOTFOUND)
}

// Many intakes at once share commits; each returns only when its own is on
// disk, a bad one fails alone, and the outbox keeps its gap-free order.
func TestIncidentConcurrentCreatesGroupCommit(t *testing.T) {
	e := newIncidentEnv(t)
	before := outboxLen(t, e.db)
	const n = 40
	errs := make([]error, n)
	incs := make([]*incident.Incident, n)
	var wg sync.WaitGroup
	for i := range n {
		incs[i] = e.sample()
		if i%7 == 3 {
			incs[i].Counts.Dead = -1
		}
		wg.Go(func() { _, _, errs[i] = e.svc.CreateIncident(ctx, incs[i]) })
	}
	wg.Wait()
	good := 0
	for i, err := range errs {
		if i%7 == 3 {
			wantField(t, err, "counts.dead")
			continue
		}
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if _, err := e.svc.FindIncidentByID(ctx, incs[i].ID); err != nil {
			t.Errorf("incident %d not stored: %v", i, err)
		}
		good++
	}
	ops := allOps(t, e.db)
	if len(ops)-before != good {
		t.Errorf("%d operations for %d incidents", len(ops)-before, good)
	}
	for i, op := range ops {
		if op.Seq != uint64(i+1) {
			t.Fatalf("operation %d has seq %d", i, op.Seq)
		}
	}
	if _, total, _ := e.svc.Incidents(ctx, incident.Filter{}); total != good {
		t.Errorf("register holds %d, want %d", total, good)
	}
}
