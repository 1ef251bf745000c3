package store

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkShiftLogMigration times migration 14 on a township that kept a
// year of history (20 warnings, 200 messages and 2 consultations a day):
// the automatic entries it fills from the records. Each round rolls back,
// so every one starts from the same file. DUTYROOM_BENCH_DAYS changes the
// length of the history.
func BenchmarkShiftLogMigration(b *testing.B) {
	days := 365
	if s := os.Getenv("DUTYROOM_BENCH_DAYS"); s != "" {
		fmt.Sscan(s, &days)
	}
	db, tree := alertFile(b, b.TempDir())
	defer db.Close()
	end := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	fillAlertHistory(b, db, tree, alertHistory{days: days, warnings: 20, messages: 200, consultations: 2}, end)
	rollback := errors.New("roll back")
	entries := 0
	b.ResetTimer()
	for range b.N {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			b.StopTimer()
			if err := tx.Bucket(bucketV1).DeleteBucket(bucketDutyLogAuto); err != nil {
				return err
			}
			b.StartTimer()
			if err := createShiftLogV14(tx); err != nil {
				return err
			}
			b.StopTimer()
			entries = 0
			_ = tx.Bucket(bucketV1).Bucket(bucketDutyLogAuto).ForEach(func(_, _ []byte) error { entries++; return nil })
			b.StartTimer()
			return rollback
		})
		if !errors.Is(err, rollback) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(entries), "entries")
}
