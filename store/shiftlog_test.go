package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
	"dutyroom/store"
)

// shiftLog returns the automatic entries of a station's log over the duty
// days around the net's clock, by time.
func shiftLog(t *testing.T, db *store.DB, station app.ID, around time.Time) []roster.LogEntry {
	t.Helper()
	r := store.NewRosters(db)
	settings, err := r.Settings(ctx, station)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	day := roster.DutyDayAt(settings.Handover, loc, around)
	var out []roster.LogEntry
	for d := day.AddDays(-2); !day.AddDays(2).Before(d); d = d.AddDays(1) {
		entries, err := r.LogEntries(ctx, station, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Auto {
				out = append(out, e)
			}
		}
	}
	return out
}

// events lists "<event> <record id>" of entries, so a test names what it
// wants and a failure shows what there was.
func events(entries []roster.LogEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Record.Event)
	}
	return out
}

// only returns the one entry of an event, failing on none or several.
func only(t *testing.T, entries []roster.LogEntry, event string) roster.LogEntry {
	t.Helper()
	var found []roster.LogEntry
	for _, e := range entries {
		if e.Record.Event == event {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d entries %q in %v", len(found), event, events(entries))
	}
	return found[0]
}

func wantLink(t *testing.T, e roster.LogEntry, kind roster.LogRecordKind, id app.ID) {
	t.Helper()
	if !e.Auto || e.Record.Kind != kind || e.Record.ID != id || e.Kind != roster.LogEvent || e.Text == "" {
		t.Errorf("entry %+v, want an automatic entry linked to %s %s", e, kind, id)
	}
}

// replay applies every operation delivered to a peer once more, as a hub
// restored from an older backup would send them again.
func (n *syncNet) replay(t *testing.T, to *syncPeer) {
	t.Helper()
	ops := n.delivered[to.st.ID]
	n.pos++
	if _, err := to.db.ApplyIncoming(ctx, "e2", n.pos, ops); err != nil {
		t.Fatal(err)
	}
}

func as(name string) context.Context { return app.WithAuthor(context.Background(), name) }

func TestShiftLogIntakeAndReportsEachMakeOneLinkedEntry(t *testing.T) {
	n := newSyncNet(t)
	inc := n.accident(incident.Counts{Dead: 3})
	if _, _, err := n.t1.svc.CreateIncident(as("龙值班"), inc); err != nil {
		t.Fatal(err)
	}
	tasks, err := n.t1.svc.Tasks(ctx, incident.TaskFilter{Incident: &inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	first := &incident.Report{Incident: inc.ID, Station: n.t1.st.ID, Kind: incident.KindInitial, Text: "初报：货车侧翻，死亡3人。"}
	if _, err := n.t1.svc.AddReport(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := n.t1.svc.SignReport(as("田乡长"), first.ID, "田乡长"); err != nil {
		t.Fatal(err)
	}
	toCounty := findTask(tasks, n.t1.st.ID, incident.Recipient{Station: n.c.st.ID}, incident.ModeWritten)
	n.setNow(n.now.Add(5 * time.Minute))
	if err := n.t1.svc.SendTask(as("龙值班"), toCounty.ID); err != nil {
		t.Fatal(err)
	}
	log := shiftLog(t, n.t1.db, n.t1.st.ID, n.now)
	if got := events(log); !slices.Equal(got, []string{"incident.intake", "incident.signed", "incident.sent"}) {
		t.Fatalf("township log %v", got)
	}
	intake := only(t, log, "incident.intake")
	wantLink(t, intake, roster.RecordIncident, inc.ID)
	if intake.Author != "龙值班" || intake.Text != "货车侧翻" || !intake.At.Equal(inc.ReceivedAt) {
		t.Errorf("intake entry %+v", intake)
	}
	if e := only(t, log, "incident.signed"); e.Author != "田乡长" || e.Record.Detail != string(incident.KindInitial) {
		t.Errorf("signed entry %+v", e)
	}
	if e := only(t, log, "incident.sent"); !e.At.Equal(n.now) || !strings.Contains(e.Text, "吉首市") {
		t.Errorf("sent entry %+v", e)
	}

	// The county: the incident arrives from below once, and the report
	// sent to it is logged once, however often the hub delivers them.
	n.flush(t, n.t1)
	n.replay(t, n.c)
	n.deliver(t, n.c, n.delivered[n.c.st.ID]...)
	county := shiftLog(t, n.c.db, n.c.st.ID, n.now)
	wantLink(t, only(t, county, "incident.arrived"), roster.RecordIncident, inc.ID)
	received := only(t, county, "incident.report_received")
	if received.Author != "龙值班" || !strings.Contains(received.Text, "乾州街道") {
		t.Errorf("report received %+v", received)
	}
	if got := len(shiftLog(t, n.t1.db, n.t1.st.ID, n.now)); got != 3 {
		t.Errorf("the township's log grew to %d entries on the county's side effects", got)
	}
}

func TestShiftLogWarningReceivedAtTheTownshipOnce(t *testing.T) {
	n := newSyncNet(t)
	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, Area: "吉首市", ValidUntil: n.now.Add(12 * time.Hour), Text: "大暴雨红色预警\n第二行"}
	if err := store.NewWarnings(n.p.db).Issue(as("张值班"), &w); err != nil {
		t.Fatal(err)
	}
	issued := only(t, shiftLog(t, n.p.db, n.p.st.ID, n.now), "warning.issued")
	wantLink(t, issued, roster.RecordWarning, w.ID)
	if issued.Record.Detail != string(warning.Red) || issued.Text != "吉首市：大暴雨红色预警 …" {
		t.Errorf("issued entry %+v", issued)
	}
	n.setNow(n.now.Add(2 * time.Minute))
	n.flush(t, n.p)
	n.replay(t, n.t1)
	log := shiftLog(t, n.t1.db, n.t1.st.ID, n.now)
	got := only(t, log, "warning.received")
	wantLink(t, got, roster.RecordWarning, w.ID)
	if got.Author != "张值班" || !got.At.Equal(n.now) || !strings.HasPrefix(got.Text, "湘西州") {
		t.Errorf("received entry %+v", got)
	}
	n.setNow(n.now.Add(time.Minute))
	if err := store.NewWarnings(n.t1.db).Acknowledge(as("赵值班"), &warning.Ack{Warning: w.ID, Person: "赵值班"}); err != nil {
		t.Fatal(err)
	}
	if e := only(t, shiftLog(t, n.t1.db, n.t1.st.ID, n.now), "warning.acked"); e.Author != "赵值班" {
		t.Errorf("acked entry %+v", e)
	}
	// The ack reaching the prefecture is its progress, not its shift's.
	n.flush(t, n.t1)
	if got := events(shiftLog(t, n.p.db, n.p.st.ID, n.now)); !slices.Equal(got, []string{"warning.issued"}) {
		t.Errorf("prefecture log %v", got)
	}
}

func TestShiftLogAcknowledgedNotice(t *testing.T) {
	n := newSyncNet(t)
	m := message.Message{To: []app.ID{n.t1.st.ID}, Kind: message.KindNotice, Subject: "防汛值守通知", Text: "今晚加强值守。"}
	if err := store.NewMessages(n.c.db).Send(as("向值班"), &m, nil); err != nil {
		t.Fatal(err)
	}
	chat := message.Message{To: []app.ID{n.t1.st.ID}, Kind: message.KindMessage, Text: "收到请回复"}
	if err := store.NewMessages(n.c.db).Send(as("向值班"), &chat, nil); err != nil {
		t.Fatal(err)
	}
	sent := only(t, shiftLog(t, n.c.db, n.c.st.ID, n.now), "notice.sent")
	wantLink(t, sent, roster.RecordNotice, m.ID)
	n.flush(t, n.c)
	n.replay(t, n.t1)
	if err := store.NewMessages(n.t1.db).Acknowledge(as("龙值班"), m.ID, "龙值班"); err != nil {
		t.Fatal(err)
	}
	log := shiftLog(t, n.t1.db, n.t1.st.ID, n.now)
	if got := events(log); !slices.Equal(got, []string{"notice.received", "notice.acked"}) {
		t.Fatalf("township log %v", got)
	}
	wantLink(t, only(t, log, "notice.acked"), roster.RecordNotice, m.ID)
	if e := only(t, log, "notice.received"); e.Author != "向值班" || !strings.Contains(e.Text, "防汛值守通知") {
		t.Errorf("received entry %+v", e)
	}
	// The receipt back at the county is not another entry there.
	n.flush(t, n.t1)
	if got := events(shiftLog(t, n.c.db, n.c.st.ID, n.now)); !slices.Equal(got, []string{"notice.sent"}) {
		t.Errorf("county log %v", got)
	}
}

func TestShiftLogAnsweredAndMissedSpotChecks(t *testing.T) {
	n := newSyncNet(t)
	checks := store.NewSpotChecks(n.c.db)
	answered := spotcheck.Check{Target: n.t1.st.ID}
	if err := checks.Start(as("向值班"), &answered); err != nil {
		t.Fatal(err)
	}
	missed := spotcheck.Check{Target: n.t2.st.ID}
	if err := checks.Start(as("向值班"), &missed); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.c)
	n.replay(t, n.t1)
	// The second township stores its check (and reports its arrival) but
	// never answers: a miss, which only an arrived check can be.
	n.replay(t, n.t2)
	n.setNow(n.now.Add(40 * time.Second))
	if _, err := store.NewSpotChecks(n.t1.db).Answer(as("龙值班"), &spotcheck.Answer{Check: answered.ID, Person: "龙值班"}); err != nil {
		t.Fatal(err)
	}
	township := shiftLog(t, n.t1.db, n.t1.st.ID, n.now)
	if got := events(township); !slices.Equal(got, []string{"spotcheck.received", "spotcheck.answered"}) {
		t.Fatalf("township log %v", got)
	}
	wantLink(t, only(t, township, "spotcheck.answered"), roster.RecordSpotCheck, answered.ID)
	n.flush(t, n.t1)
	n.flush(t, n.t2)
	n.replay(t, n.c)
	n.setNow(missed.Deadline.Add(time.Second))
	if _, err := checks.Sweep(ctx, n.now); err != nil {
		t.Fatal(err)
	}
	county := shiftLog(t, n.c.db, n.c.st.ID, n.now)
	if got := events(county); !slices.Equal(got, []string{"spotcheck.started", "spotcheck.started", "spotcheck.result", "spotcheck.result"}) {
		t.Fatalf("county log %v", got)
	}
	for _, e := range county {
		if e.Record.Event != "spotcheck.result" {
			continue
		}
		want := map[app.ID]spotcheck.Outcome{answered.ID: spotcheck.OnTime, missed.ID: spotcheck.Missed}[e.Record.ID]
		if e.Record.Detail != string(want) {
			t.Errorf("result of %s: %q, want %q", e.Record.ID, e.Record.Detail, want)
		}
	}
}

func TestShiftLogConsultationAtHostAndGuest(t *testing.T) {
	n := newSyncNet(t)
	cs := store.NewConsultations(n.c.db)
	at := n.now.Add(time.Hour)
	c := consult.Consultation{Title: "防汛会商", Invited: []app.ID{n.t1.st.ID}, Scheduled: &at}
	if err := cs.Schedule(as("向值班"), &c); err != nil {
		t.Fatal(err)
	}
	n.setNow(at)
	if err := cs.Start(as("向值班"), c.ID); err != nil {
		t.Fatal(err)
	}
	if err := cs.Start(as("向值班"), c.ID); err != nil { // sent again to reopen the room: no second entry
		t.Fatal(err)
	}
	if err := cs.Joined(as("向值班"), c.ID); err != nil {
		t.Fatal(err)
	}
	n.setNow(at.Add(30 * time.Minute))
	if err := cs.End(as("向值班"), c.ID); err != nil {
		t.Fatal(err)
	}
	host := shiftLog(t, n.c.db, n.c.st.ID, n.now)
	if got := events(host); !slices.Equal(got, []string{"consultation.scheduled", "consultation.started", "consultation.joined", "consultation.ended"}) {
		t.Fatalf("host log %v", got)
	}
	for _, e := range host {
		wantLink(t, e, roster.RecordConsultation, c.ID)
	}
	n.flush(t, n.c)
	n.replay(t, n.t1)
	if got := events(shiftLog(t, n.t1.db, n.t1.st.ID, n.now)); !slices.Equal(got, []string{"consultation.scheduled", "consultation.started", "consultation.ended"}) {
		t.Errorf("guest log %v", got)
	}
	if got := len(shiftLog(t, n.t2.db, n.t2.st.ID, n.now)); got != 0 {
		t.Errorf("a station not invited logged %d entries", got)
	}
}

func TestShiftLogHandover(t *testing.T) {
	d := newDemoRosters(t)
	d.generate(t, "2026-10-01", "2026-10-31")
	on := day(t, "2026-10-13")
	out := d.holder(t, "2026-10-13", officerPost)
	in := d.holder(t, "2026-10-14", officerPost)
	outAt := time.Date(2026, 10, 14, 0, 20, 0, 0, time.UTC) // 08:20 in China, before the handover
	h := roster.Handover{Station: d.county.ID, Day: on, Outgoing: out, OutAt: outAt, OpenMatters: []string{"矮寨镇山体滑坡续报"}}
	if err := d.r.HandOver(as("田值班员"), &h); err != nil {
		t.Fatal(err)
	}
	inAt := outAt.Add(20 * time.Minute)
	if err := d.r.ConfirmHandover(as("彭值班员"), d.county.ID, on, in, inAt); err != nil {
		t.Fatal(err)
	}
	outDay, err := d.r.LogEntries(ctx, d.county.ID, on)
	if err != nil {
		t.Fatal(err)
	}
	e := only(t, outDay, "handover.out")
	wantLink(t, e, roster.RecordHandover, d.county.ID)
	if e.Author != "田值班员" || !e.At.Equal(outAt) || e.Record.Detail != "1" {
		t.Errorf("handover entry %+v", e)
	}
	inDay, err := d.r.LogEntries(ctx, d.county.ID, on.AddDays(1))
	if err != nil {
		t.Fatal(err)
	}
	if e := only(t, inDay, "handover.in"); e.Author != "彭值班员" || !e.At.Equal(inAt) {
		t.Errorf("confirmation entry %+v", e)
	}
}

// Manual entries cannot pose as automatic ones: AddLogEntry drops the
// link, and an incoming log operation claiming one is kept, not applied.
func TestShiftLogAutomaticEntriesAreNotWrittenByHand(t *testing.T) {
	n := newSyncNet(t)
	r := store.NewRosters(n.c.db)
	e := roster.LogEntry{Station: n.c.st.ID, Day: roster.DutyDayAt(roster.DefaultSettings().Handover, time.UTC, n.now), At: n.now,
		Kind: roster.LogCall, Text: "来电", Auto: true, Record: roster.LogRecord{Kind: roster.RecordWarning, ID: app.NewID(), Event: "warning.issued"}}
	if err := r.AddLogEntry(ctx, &e); err != nil {
		t.Fatal(err)
	}
	if e.Auto || e.Record != (roster.LogRecord{}) {
		t.Errorf("a manual entry kept its claim: %+v", e)
	}
	op := allOps(t, n.c.db)[len(allOps(t, n.c.db))-1]
	forged := op
	forged.ID = app.NewID()
	forged.Payload = []byte(strings.Replace(string(op.Payload), `"text"`, `"auto":true,"text"`, 1))
	forged.Entity = op.Entity
	if _, err := n.t1.db.ApplyIncoming(ctx, "e", 99, []app.Operation{forged}); err != nil {
		t.Fatal(err)
	}
	if reasons := keptReasons(t, n.t1.db); !strings.Contains(reasons[forged.ID], "automatic entry") {
		t.Errorf("kept reasons %v", reasons)
	}
}

// A file from before the shift log (schema 13) gets its automatic entries
// at the upgrade: those it made from the operations it kept, those it
// received from the records.
func TestShiftLogMigrationFillsOldData(t *testing.T) {
	n := newSyncNet(t)
	w := warning.Warning{Level: warning.Blue, Type: warning.Rainstorm, ValidUntil: n.now.Add(12 * time.Hour), Text: "暴雨蓝色预警"}
	if err := store.NewWarnings(n.p.db).Issue(as("张值班"), &w); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.p)
	inc := n.accident(incident.Counts{Injured: 1})
	if _, _, err := n.t1.svc.CreateIncident(as("龙值班"), inc); err != nil {
		t.Fatal(err)
	}
	c := spotcheck.Check{Target: n.t1.st.ID}
	if err := store.NewSpotChecks(n.c.db).Start(as("向值班"), &c); err != nil {
		t.Fatal(err)
	}
	notice := message.Message{To: []app.ID{n.t1.st.ID}, Kind: message.KindNotice, Subject: "防汛值守通知", Text: "今晚加强值守。"}
	if err := store.NewMessages(n.c.db).Send(as("向值班"), &notice, nil); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.c)
	want := events(shiftLog(t, n.t1.db, n.t1.st.ID, n.now))
	slices.Sort(want)
	if !slices.Equal(want, []string{"incident.intake", "notice.received", "spotcheck.received", "warning.received"}) {
		t.Fatalf("township log before %v", want)
	}

	// Take the file back to schema 13: no index, no automatic entries.
	path := n.t1.db.Path()
	if err := n.t1.db.Close(); err != nil {
		t.Fatal(err)
	}
	downgrade(t, path)
	db, err := store.Open(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.SchemaVersion() != store.SchemaVersion {
		t.Fatalf("schema %d", db.SchemaVersion())
	}
	got := shiftLog(t, db, n.t1.st.ID, n.now)
	if filled := events(got); !slices.Equal(slices.Sorted(slices.Values(filled)), want) {
		t.Errorf("after the upgrade %v, want %v", events(got), want)
	}
	if e := only(t, got, "warning.received"); e.Author != "张值班" || !e.At.Equal(w.IssuedAt) {
		t.Errorf("filled entry %+v", e)
	}
}

// downgrade removes the automatic entries and their index and records
// schema 13, as a file written before the shift log.
func downgrade(t *testing.T, path string) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte("v1"))
		if err := root.DeleteBucket([]byte("duty_log_auto")); err != nil {
			return fmt.Errorf("no index to remove: %w", err)
		}
		log := root.Bucket([]byte("duty_log"))
		var auto [][]byte
		err := log.ForEach(func(k, v []byte) error {
			if strings.Contains(string(v), `"auto":true`) {
				auto = append(auto, slices.Clone(k))
			}
			return nil
		})
		for _, k := range auto {
			if err := log.Delete(k); err != nil {
				return err
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	setSchema(t, path, 13)
}

// A folder restored from a backup taken before the shift's records gets
// its own operations back from the hub (TakeOwn): each enters the log once,
// at its own time, however often it comes back.
func TestShiftLogOwnOperationsTakenBackAfterARestoreAreLoggedOnce(t *testing.T) {
	n := newSyncNet(t)
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.c.db.Backup(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	w := warning.Warning{Level: warning.Yellow, Type: warning.Flood, ValidUntil: n.now.Add(12 * time.Hour), Text: "洪水黄色预警"}
	if err := store.NewWarnings(n.c.db).Issue(as("向值班"), &w); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	restored.Now = n.clock.Now
	n.setNow(n.now.Add(time.Hour))
	for range 2 {
		if _, err := restored.TakeOwn(ctx, allOps(t, n.c.db)); err != nil {
			t.Fatal(err)
		}
	}
	e := only(t, shiftLog(t, restored, n.c.st.ID, n.now), "warning.issued")
	if !e.At.Equal(w.IssuedAt) || e.Author != "向值班" || e.Record.ID != w.ID {
		t.Errorf("entry %+v", e)
	}
}
