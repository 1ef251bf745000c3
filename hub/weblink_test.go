package hub

import (
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// linkDB opens a hub database with one station and its account, on a
// clock the test moves.
func linkDB(tb testing.TB) (*DB, *time.Time) {
	tb.Helper()
	db, err := Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Check(); err != nil {
			tb.Errorf("the database after the test: %v", err)
		}
		db.Close()
	})
	st := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	if err := db.ImportStations([]app.Station{st}); err != nil {
		tb.Fatal(err)
	}
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.AddUserHash("xiangxi", st.Code, hash); err != nil {
		tb.Fatal(err)
	}
	now := time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	return db, &now
}

// joinBuckets counts the links and the entries of their expiry index.
func joinBuckets(t *testing.T, db *DB) (links, index int) {
	t.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if b := bucket(tx, bucketJoinLinks); b != nil {
			links = b.Stats().KeyN
		}
		if b := bucket(tx, bucketJoinExpiry); b != nil {
			index = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return links, index
}

// Issuing a link read every link in the write transaction to drop the
// expired ones. The expiry index drops them from its front: the expired
// go, the valid stay and still work.
func TestIssuingAJoinLinkDropsTheExpiredByTheIndex(t *testing.T) {
	db, now := linkDB(t)
	room := app.NewID()
	for range 200 {
		if _, _, err := db.IssueJoinCode("xiangxi", room, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	var kept []string
	for range 3 {
		code, _, err := db.IssueJoinCode("xiangxi", room, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, code)
	}
	if links, index := joinBuckets(t, db); links != 203 || index != 203 {
		t.Fatalf("%d links, %d index entries after 203 issued", links, index)
	}
	*now = now.Add(2 * time.Minute)
	if _, _, err := db.IssueJoinCode("xiangxi", room, time.Hour); err != nil {
		t.Fatal(err)
	}
	if links, index := joinBuckets(t, db); links != 4 || index != 4 {
		t.Fatalf("%d links, %d index entries once 200 expired, want 4 and 4", links, index)
	}
	token, _, err := db.RedeemJoinCode(kept[0])
	if err != nil {
		t.Fatalf("a valid link after the pruning: %v", err)
	}
	if _, err := db.AuthenticateWeb(token); err != nil {
		t.Fatal(err)
	}
	// The used code's index entry goes when it would have expired.
	*now = now.Add(2 * time.Hour)
	if _, _, err := db.IssueJoinCode("xiangxi", room, time.Hour); err != nil {
		t.Fatal(err)
	}
	if links, index := joinBuckets(t, db); links != 2 || index != 2 {
		t.Fatalf("%d links, %d index entries, want the session and the new code", links, index)
	}
}

// A database from before the index gets it at its first link, from the
// links it holds.
func TestJoinLinkIndexIsMadeForAnOlderDatabase(t *testing.T) {
	db, now := linkDB(t)
	room := app.NewID()
	old, _, err := db.IssueJoinCode("xiangxi", room, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	valid, _, err := db.IssueJoinCode("xiangxi", room, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketRoot).DeleteBucket(bucketJoinExpiry) })
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Minute)
	if _, _, err := db.IssueJoinCode("xiangxi", room, time.Hour); err != nil {
		t.Fatal(err)
	}
	if links, index := joinBuckets(t, db); links != 2 || index != 2 {
		t.Fatalf("%d links, %d index entries, want 2 and 2", links, index)
	}
	if _, _, err := db.RedeemJoinCode(old); err == nil {
		t.Error("an expired link from before the index still works")
	}
	if _, _, err := db.RedeemJoinCode(valid); err != nil {
		t.Errorf("a valid link from before the index: %v", err)
	}
}

// BenchmarkIssueJoinCode issues a link with 10,000 valid ones stored:
// the cost must not grow with them.
func BenchmarkIssueJoinCode(b *testing.B) {
	for _, stored := range []int{0, 10000} {
		b.Run("stored="+strconv.Itoa(stored), func(b *testing.B) {
			db, _ := linkDB(b)
			room := app.NewID()
			for range stored {
				if _, _, err := db.IssueJoinCode("xiangxi", room, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := db.IssueJoinCode("xiangxi", room, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
