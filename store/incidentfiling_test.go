package store

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// haltFiler stops db's filer as a killed program would: what is logged
// stays logged.
func haltFiler(db *DB) {
	close(db.filer.quit)
	<-db.filer.done
}

// filed is what the incident buckets say about one incident.
type filed struct {
	inc      incident.Incident
	tasks    []incident.ReportTask
	kinds    []incident.EventKind
	register int // incidents the register lists for the incident's title
	overdue  int // incidents the register lists as overdue, far in the future
}

func readFiled(t *testing.T, svc *Incidents, id app.ID) filed {
	t.Helper()
	ctx := context.Background()
	var f filed
	inc, err := svc.FindIncidentByID(ctx, id)
	if err != nil {
		t.Fatalf("the intake is not filed: %v", err)
	}
	f.inc = *inc
	if f.tasks, err = svc.Tasks(ctx, incident.TaskFilter{Incident: &id}); err != nil {
		t.Fatal(err)
	}
	events, err := svc.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		f.kinds = append(f.kinds, ev.Kind)
	}
	if _, f.register, err = svc.Incidents(ctx, incident.Filter{Text: inc.Title}); err != nil {
		t.Fatal(err)
	}
	return f
}

// An intake logged by a program killed before it was filed is filed when
// the file is next opened, exactly as if the program had lived: record,
// tasks, timeline and register entry, with its operation queued once.
func TestLoggedIntakeIsFiledAtNextOpen(t *testing.T) {
	ctx := app.WithAuthor(context.Background(), "值班员")
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree := newBenchTree(t, db)
	svc := NewIncidents(db)

	// The same incident filed the ordinary way, for comparison.
	lived := tree.intake(time.Now().Add(-time.Minute))
	lived.Title = "对照"
	if _, _, err := svc.CreateIncident(ctx, lived); err != nil {
		t.Fatal(err)
	}
	want := readFiled(t, svc, lived.ID)

	haltFiler(db)
	killed := tree.intake(time.Now().Add(-time.Minute))
	killed.Title = "未归档"
	_, tasks, err := svc.CreateIncident(ctx, killed)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) == 0 {
		t.Fatal("the sample incident should require reports")
	}
	queued, err := db.OutboxLen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = db.view(ctx, func(tx *txn) error {
		if _, err := findIncident(tx, killed.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the incident was filed before the filer ran: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.bolt.Close(); err != nil { // killed: nothing more is filed
		t.Fatal(err)
	}

	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	if n := db.filer.unfiled.Load(); n != 0 {
		t.Errorf("%d intakes counted as waiting after filing at open, want 0", n)
	}
	svc = NewIncidents(db)
	got := readFiled(t, svc, killed.ID)
	if got.inc.Grade != want.inc.Grade || got.inc.Provisional != want.inc.Provisional || !got.inc.NextDue.Equal(killed.NextDue) {
		t.Errorf("filed at open: grade %v/%v next due %v, want %v/%v %v", got.inc.Provisional, got.inc.Grade, got.inc.NextDue, want.inc.Provisional, want.inc.Grade, killed.NextDue)
	}
	if len(got.tasks) != len(tasks) {
		t.Errorf("filed at open with %d tasks, the intake made %d", len(got.tasks), len(tasks))
	}
	if !reflect.DeepEqual(got.kinds, want.kinds) {
		t.Errorf("timeline filed at open %v, filed while running %v", got.kinds, want.kinds)
	}
	if got.register != 1 || want.register != 1 {
		t.Errorf("the register lists the incident %d times after the crash and the other %d times, want once each", got.register, want.register)
	}
	overdue := true
	_, n, err := svc.Incidents(ctx, incident.Filter{Overdue: &overdue})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d incidents overdue a minute after intake", n)
	}
	if after, err := db.OutboxLen(ctx); err != nil || after != queued {
		t.Errorf("outbox holds %d operations after reopening, %d before (%v)", after, queued, err)
	}
	err = db.view(ctx, func(tx *txn) error {
		if n, _, err := fileIntakes(tx, nil); n != 0 || err != nil {
			t.Errorf("%d intakes still logged after open (%v)", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A read that starts while an intake waits to be filed waits for it, so
// the caller who was told "saved" finds the incident at once.
func TestReadWaitsForTheLoggedIntake(t *testing.T) {
	ctx := app.WithAuthor(context.Background(), "值班员")
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	tree := newBenchTree(t, db)
	svc := NewIncidents(db)

	// Hold the filer: stop the running one and start another by hand
	// once the read is waiting.
	haltFiler(db)
	f := db.filer
	db.filer = &intakeFiler{db: db, passed: make(chan struct{}), skipped: map[uint64]error{}, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	db.filer.unfiled.Store(f.unfiled.Load())
	var start sync.Once
	run := func() { start.Do(func() { go db.filer.run() }) }
	t.Cleanup(run) // registered after checkOnCleanup, so it runs before Close
	inc := tree.intake(time.Now().Add(-time.Minute))
	if _, _, err := svc.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	found := make(chan error, 1)
	go func() {
		_, err := svc.FindIncidentByID(ctx, inc.ID)
		found <- err
	}()
	select {
	case err := <-found:
		t.Fatalf("the read did not wait for the filer: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	run()
	if err := <-found; err != nil {
		t.Fatalf("the read waited, then did not find the incident: %v", err)
	}
}

// Officers filing at once each find their incident the moment they are
// told it is saved, and every intake is filed exactly once.
func TestConcurrentIntakesAreFiledOnce(t *testing.T) {
	ctx := app.WithAuthor(context.Background(), "值班员")
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	tree := newBenchTree(t, db)
	svc := NewIncidents(db)
	before, err := db.OutboxLen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const officers, each = 8, 25
	var wg sync.WaitGroup
	for range officers {
		wg.Go(func() {
			for range each {
				inc := tree.intake(time.Now().Add(-time.Minute))
				if _, _, err := svc.CreateIncident(ctx, inc); err != nil {
					t.Error(err)
					return
				}
				if _, err := svc.FindIncidentByID(ctx, inc.ID); err != nil {
					t.Errorf("saved, then not found: %v", err)
				}
			}
		})
	}
	wg.Wait()
	_, n, err := svc.Incidents(ctx, incident.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if n != officers*each {
		t.Errorf("the register lists %d incidents, %d were filed", n, officers*each)
	}
	after, err := db.OutboxLen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after-before != officers*each {
		t.Errorf("%d operations queued for %d intakes", after-before, officers*each)
	}
}

// A mark that cannot be filed (here it names an operation that is no
// intake) holds up no other intake, and stays for the next start.
func TestUnfileableMarkHoldsUpNoIntake(t *testing.T) {
	ctx := app.WithAuthor(context.Background(), "值班员")
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(db.Path())
	tree := newBenchTree(t, db)
	// The stations' creation is queued as operation 1; a damaged file
	// marks it as an intake, and is opened again.
	err = db.update(ctx, func(tx *txn) error {
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(intakeKey(1), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(dir); err != nil {
		t.Fatalf("a mark that cannot be filed stopped the file from opening: %v", err)
	}
	checkOnCleanup(t, db)
	svc := NewIncidents(db)
	inc := tree.intake(time.Now().Add(-time.Minute))
	if _, _, err := svc.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FindIncidentByID(ctx, inc.ID); err != nil {
		t.Fatalf("an intake behind a mark that cannot be filed was not filed: %v", err)
	}
	if reason := db.filer.skipped[1]; reason == nil || !strings.Contains(reason.Error(), "operation 1 is marked as an intake") {
		t.Errorf("the bad mark was passed over for %v", reason)
	}
	err = db.view(ctx, func(tx *txn) error {
		meta, err := mustBucket(tx.Tx, bucketMeta)
		if err == nil && meta.Get(intakeKey(1)) == nil {
			t.Error("the bad mark was removed; it should stay for the next start")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := db.filer.unfiled.Load(); n != 0 {
		t.Errorf("%d intakes counted as waiting after the pass", n)
	}
}
