package store

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/message"
	"dutyroom/app/warning"
)

// alertHistory is the shape of a duty room's history for the poll
// benchmark and the migration test, per day.
type alertHistory struct {
	days          int
	warnings      int // issued above, all acknowledged here but the last day's
	messages      int // a tenth to this station, all read but the last day's
	consultations int // hosted above with this station invited, all ended
}

// fillAlertHistory writes days of history ending at end into db, whose
// station is tree.aizhai, straight into the buckets as the apply path
// would, and then the few records the window must find: a live
// consultation ringing, one scheduled in five minutes, and the last day's
// warnings unacknowledged and messages unread. Fixture only: fsync is off while it runs.
func fillAlertHistory(tb testing.TB, db *DB, tree benchTree, h alertHistory, end time.Time) {
	tb.Helper()
	db.bolt.NoSync = true
	defer func() {
		db.bolt.NoSync = false
		if err := db.bolt.Sync(); err != nil {
			tb.Fatal(err)
		}
	}()
	self := tree.aizhai.ID
	issuers := []app.ID{tree.prefecture.ID, tree.jishou.ID}
	levels := []warning.Level{warning.Blue, warning.Yellow, warning.Orange, warning.Red}
	start := end.Add(-time.Duration(h.days) * 24 * time.Hour)
	ctx := app.WithAuthor(context.Background(), "fixture")
	const batchDays = 30
	for d0 := 0; d0 < h.days; d0 += batchDays {
		err := db.update(ctx, func(tx *txn) error {
			for d := d0; d < min(d0+batchDays, h.days); d++ {
				day := start.Add(time.Duration(d) * 24 * time.Hour)
				last := d == h.days-1
				for i := range h.warnings {
					at := day.Add(time.Duration(i) * time.Hour)
					w := warning.Warning{ID: app.NewID(), Issuer: issuers[i%2], IssuedAt: at, IssuedBy: "州值班",
						Level: levels[i%4], Type: warning.Rainstorm, Area: "吉首市、泸溪县",
						ValidFrom: at, ValidUntil: at.Add(12 * time.Hour),
						Text: fmt.Sprintf("第%d号暴雨预警：预计未来12小时内有大到暴雨，局地大暴雨，请做好防范。", d*h.warnings+i)}
					if _, err := putWarning(tx, &w); err != nil {
						return err
					}
					if last {
						continue
					}
					a := warning.Ack{Warning: w.ID, Station: self, RecordedBy: self, Person: "赵值班", At: at.Add(4 * time.Minute)}
					if _, err := putAck(tx, &a); err != nil {
						return err
					}
				}
				for i := range h.messages {
					from, to := tree.jishou.ID, tree.luxi.ID
					if i%10 == 0 {
						from, to = tree.jishou.ID, self
					}
					m := message.Message{ID: app.NewID(), From: from, To: []app.ID{to}, Kind: message.KindMessage,
						Subject: fmt.Sprintf("第%d期值班信息", i), SentAt: day.Add(time.Duration(i) * 7 * time.Minute),
						Text: "沅水水位持续上涨，已转移群众120人，暂无人员伤亡报告。值班人员已到岗到位，带班领导已在岗。"}
					if _, err := putMessage(tx, &m, self); err != nil {
						return err
					}
					if to == self && !last {
						// Read at the desk: the receipts are beside the point here.
						if err := tx.Tx.Bucket(bucketV1).Bucket(bucketMessageUnread).Delete(unreadKey(self, m.Conversation(), m.ID)); err != nil {
							return err
						}
					}
				}
				for i := range h.consultations {
					at := day.Add(time.Duration(9+4*i) * time.Hour)
					c := consult.Consultation{ID: app.NewID(), Host: tree.prefecture.ID, Title: "防汛会商",
						Invited: []app.ID{tree.jishou.ID, self, tree.luxi.ID}, State: consult.Ended, Scheduled: &at,
						CreatedAt: at.Add(-time.Hour), CreatedBy: "州值班", StartedAt: at, EndedAt: at.Add(40 * time.Minute)}
					r := consult.Record{Consultation: c,
						Replies:        []consult.Reply{{Consultation: c.ID, Station: self, Accept: true, Person: "赵值班", At: at.Add(time.Minute)}},
						Participations: []consult.Participation{{Consultation: c.ID, Station: self, Person: "赵值班", Joined: at.Add(time.Minute), Left: at.Add(40 * time.Minute)}}}
					if err := putConsultation(tx, &r); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	err := db.update(ctx, func(tx *txn) error {
		soon := end.Add(5 * time.Minute)
		for _, c := range []consult.Consultation{
			{ID: app.NewID(), Host: tree.prefecture.ID, Title: "临时会商", Invited: []app.ID{self}, State: consult.Live,
				CreatedAt: end.Add(-time.Minute), StartedAt: end.Add(-time.Minute)},
			{ID: app.NewID(), Host: tree.prefecture.ID, Title: "汛情调度会商", Invited: []app.ID{self}, State: consult.Scheduled,
				Scheduled: &soon, CreatedAt: end.Add(-time.Hour)},
		} {
			if err := putConsultation(tx, &consult.Record{Consultation: c}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// alertFile is a data folder of tree's stations, the township chosen.
func alertFile(tb testing.TB, dir string) (*DB, benchTree) {
	tb.Helper()
	db, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tree := newBenchTree(tb, db)
	if err := NewIdentity(db).SetIdentity(context.Background(), tree.aizhai.ID); err != nil {
		tb.Fatal(err)
	}
	return db, tree
}

// indexContents returns every key and value of the two alert indexes.
func indexContents(tb testing.TB, db *DB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketWarningPending, bucketConsultOpen} {
			b := bucket(tx, name)
			if b == nil {
				return fmt.Errorf("no v1/%s", name)
			}
			if err := b.ForEach(func(k, v []byte) error {
				out[string(name)+"/"+string(k)] = string(v)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// A file of schema 12 has neither index. Migration 13 builds them from the
// records, the same as the writes would have kept them, and the polls
// find what they found before.
func TestMigrationBuildsAlertIndexesForAnOlderFile(t *testing.T) {
	dir := t.TempDir()
	db, tree := alertFile(t, dir)
	end := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	fillAlertHistory(t, db, tree, alertHistory{days: 20, warnings: 5, messages: 3, consultations: 2}, end)
	kept := indexContents(t, db)
	if len(kept) == 0 {
		t.Fatal("the writes kept no index")
	}
	// Make it a schema 12 file: no index buckets, version 12.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketV1)
		for _, name := range [][]byte{bucketWarningPending, bucketConsultOpen} {
			if err := root.DeleteBucket(name); err != nil {
				return err
			}
		}
		return root.Bucket(bucketMeta).Put(keySchema, u64Key(12))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	if db.SchemaVersion() != SchemaVersion || SchemaVersion < 13 {
		t.Fatalf("schema %d after opening", db.SchemaVersion())
	}
	built := indexContents(t, db)
	if !maps.Equal(built, kept) {
		t.Fatalf("the migration built %d index entries, the writes had kept %d", len(built), len(kept))
	}
	ctx := context.Background()
	pending, err := NewWarnings(db).Pending(ctx, tree.aizhai.ID)
	if err != nil || len(pending) != 5 {
		t.Fatalf("pending after migrating: %d, %v", len(pending), err)
	}
	ring, err := NewConsultations(db).Ringing(ctx)
	if err != nil || len(ring) != 1 || ring[0].Title != "临时会商" {
		t.Fatalf("ringing after migrating: %v, %v", ring, err)
	}
	due, err := NewConsultations(db).Scheduled(ctx, end.Add(-consult.StartWindow), end.Add(consult.RemindBefore))
	if err != nil || len(due) != 1 || due[0].Consultation.Title != "汛情调度会商" {
		t.Fatalf("scheduled after migrating: %v, %v", due, err)
	}
}

// pollCycle is what the window reads every alert poll, one call per
// poller as the window makes them: the stations and this station, the
// warnings owed an acknowledgement, the spot checks unanswered, what
// rings, what is scheduled around now, and the unread messages. before
// reads warnings and consultations as they were read before the indexes,
// decoding the whole history; it exists for this comparison only.
func pollCycle(tb testing.TB, db *DB, self app.ID, now time.Time, before bool) {
	ctx := context.Background()
	if _, err := NewDirectory(db).Stations(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := NewIdentity(db).Identity(ctx); err != nil {
		tb.Fatal(err)
	}
	ws, cs := NewWarnings(db), NewConsultations(db)
	var pending, ringing, due int
	if before {
		p, err := pendingByHistory(db, self)
		if err != nil {
			tb.Fatal(err)
		}
		all, err := cs.Records(ctx) // the ring and the schedule each read them all
		if err != nil {
			tb.Fatal(err)
		}
		all2, err := cs.Records(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		pending = len(p)
		for _, r := range all {
			c := r.Consultation
			if c.State == consult.Live && slices.Contains(c.Invited, self) &&
				!slices.ContainsFunc(r.Replies, func(x consult.Reply) bool { return x.Station == self }) {
				ringing++
			}
		}
		for _, r := range all2 {
			if c := r.Consultation; c.Upcoming(now) || c.DueToStart(now) {
				due++
			}
		}
	} else {
		p, err := ws.Pending(ctx, self)
		if err != nil {
			tb.Fatal(err)
		}
		r, err := cs.Ringing(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		d, err := cs.Scheduled(ctx, now.Add(-consult.StartWindow), now.Add(consult.RemindBefore))
		if err != nil {
			tb.Fatal(err)
		}
		pending, ringing, due = len(p), len(r), len(d)
	}
	if _, err := NewSpotChecks(db).Unanswered(ctx, self); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := NewMessages(db).Unread(ctx, 20); err != nil {
		tb.Fatal(err)
	}
	if pending == 0 || ringing != 1 || due != 1 {
		tb.Fatalf("the cycle found %d pending, %d ringing, %d due", pending, ringing, due)
	}
}

// pendingByHistory is Pending as it was before warning_pending: every
// warning decoded, each one's ack looked up.
func pendingByHistory(db *DB, station app.ID) ([]warning.Warning, error) {
	var out []warning.Warning
	err := db.view(context.Background(), func(tx *txn) error {
		stations, err := allStations(tx)
		if err != nil {
			return err
		}
		tree := app.NewTree(stations)
		list, err := allWarnings(tx, time.Time{})
		if err != nil {
			return err
		}
		acks, err := mustBucket(tx.Tx, bucketWarningAcks)
		if err != nil {
			return err
		}
		for i := range list {
			if w := &list[i]; warning.Reaches(tree, w, station) && acks.Get(pairKey(w.ID, station)) == nil {
				out = append(out, *w)
			}
		}
		return nil
	})
	return out, err
}

// BenchmarkAlertPoll5Years times one alert poll cycle of a township that
// kept five years of history: 20 warnings, 200 messages and 2
// consultations a day. "indexed" is the cycle now; "history" is the same
// cycle reading warnings and consultations as before the indexes. The
// fixture takes a few minutes to build; DUTYROOM_BENCH_DAYS shortens it.
func BenchmarkAlertPoll5Years(b *testing.B) {
	days := 5 * 365
	if s := os.Getenv("DUTYROOM_BENCH_DAYS"); s != "" {
		fmt.Sscan(s, &days)
	}
	db, tree := alertFile(b, b.TempDir())
	checkOnCleanup(b, db)
	end := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	fillAlertHistory(b, db, tree, alertHistory{days: days, warnings: 20, messages: 200, consultations: 2}, end)
	if info, err := os.Stat(db.Path()); err == nil {
		b.Logf("%d days of history, file %d MB", days, info.Size()>>20)
	}
	// Five rounds, alternating, so both cycles meet the same machine.
	for range 5 {
		for _, run := range []struct {
			name   string
			before bool
		}{{"indexed", false}, {"history", true}} {
			b.Run(run.name, func(b *testing.B) {
				pollCycle(b, db, tree.aizhai.ID, end, run.before) // warm the page cache as a running client has it
				b.ResetTimer()
				start := time.Now()
				for range b.N {
					pollCycle(b, db, tree.aizhai.ID, end, run.before)
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/cycle")
			})
		}
	}
}
