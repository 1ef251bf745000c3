package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
)

// latencies collects how long ordinary calls take.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// p99 is the 99th percentile in milliseconds.
func (l *latencies) p99() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	return float64(s[len(s)*99/100]) / float64(time.Millisecond)
}

// work runs what a duty officer's window does, a fsynced write (a person
// added) and a read (the station tree) in turn, until stop, recording
// the time of each.
func work(db *DB, station app.ID, stop <-chan struct{}, writes, reads *latencies) {
	d := NewDirectory(db)
	ctx := app.WithAuthor(context.Background(), "bench")
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		p := app.Person{Station: station, Name: fmt.Sprintf("值班员%d", i), Mobile: "13900000001"}
		start := time.Now()
		if err := d.CreatePerson(ctx, &p); err != nil {
			panic(err)
		}
		writes.add(time.Since(start))
		start = time.Now()
		if _, err := d.Stations(ctx); err != nil {
			panic(err)
		}
		reads.add(time.Since(start))
		time.Sleep(20 * time.Millisecond) // a person at a keyboard, not a loop
	}
}

// An automatic backup of a 500 MB data file while the window is in use:
// how long the backup (copy, fsync, check) takes, and the p99 of ordinary
// writes and reads before and during it. The backup runs in a read
// transaction, so writes go on.
//
//	go test -run '^$' -bench AutoBackupOf500MB -benchtime 1x ./store/
func BenchmarkAutoBackupOf500MBWhileWorking(b *testing.B) {
	dir := b.TempDir()
	db, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	fillChunks(b, db, 500<<20)
	st := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	if err := NewDirectory(db).CreateStation(app.WithAuthor(context.Background(), "bench"), &st); err != nil {
		b.Fatal(err)
	}
	info, _ := os.Stat(filepath.Join(dir, FileName))
	b.ReportMetric(float64(info.Size())/(1<<20), "file-MB")

	// Idle: the same work with no backup, for comparison.
	var idleW, idleR latencies
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { work(db, st.ID, stop, &idleW, &idleR); close(done) }()
	time.Sleep(3 * time.Second)
	close(stop)
	<-done

	b.ResetTimer()
	var busyW, busyR latencies
	var took time.Duration
	var last BackupFile
	for i := 0; i < b.N; i++ {
		stop, done := make(chan struct{}), make(chan struct{})
		go func() { work(db, st.ID, stop, &busyW, &busyR); close(done) }()
		start := time.Now()
		last, err = db.AutoBackup(context.Background(), ReasonDaily, 2)
		if err != nil {
			b.Fatal(err)
		}
		took += time.Since(start)
		close(stop)
		<-done
	}
	b.StopTimer()
	// dutyroom check of a file this size (the backup: the data file is
	// held open): structure and records.
	start := time.Now()
	if problems, err := CheckDatabase(last.Path); err != nil || len(problems) > 0 {
		b.Fatal(err, problems)
	}
	b.ReportMetric(time.Since(start).Seconds(), "check-s")
	b.ReportMetric(took.Seconds()/float64(b.N), "backup-s")
	b.ReportMetric(idleW.p99(), "write-p99-idle-ms")
	b.ReportMetric(busyW.p99(), "write-p99-during-ms")
	b.ReportMetric(idleR.p99(), "read-p99-idle-ms")
	b.ReportMetric(busyR.p99(), "read-p99-during-ms")
	b.ReportMetric(float64(len(busyW.d))/float64(b.N), "writes-during")
}
