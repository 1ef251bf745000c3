package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/app/roster"
	"dutyroom/app/warning"
)

// prefectureNotifier is the demo prefecture's directory at the hub, each
// duty room with a published roster naming a leader and an officer on
// duty today (as the roster operations would carry them), and a
// notifier feeding q.
func prefectureNotifier(b *testing.B, q *Queue, now time.Time) (*Notifier, app.Station) {
	b.Helper()
	stations, people := demo.Prefecture()
	tree := app.NewTree(stations)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := NewNotifier(q, func() *app.Tree { return tree }, log)
	op := func(kind string, entity app.ID, body any) {
		data, err := json.Marshal(body)
		if err != nil {
			b.Fatal(err)
		}
		n.Observe(app.Operation{ID: app.NewID(), Kind: kind, Entity: entity, At: now, Payload: data})
	}
	for _, p := range people {
		op(app.OpPersonCreate, p.ID, p)
	}
	for _, st := range stations {
		if !st.Tier.HasDutyRoom() {
			continue
		}
		day := roster.DutyDayAt(roster.DefaultHandover, st.Location(), now)
		for _, role := range []app.Role{app.RoleLeader, app.RoleOfficer} {
			for _, p := range people {
				if p.Station == st.ID && p.Has(role) {
					op(roster.OpAssign, st.ID, map[string]any{"station": st.ID, "day": day, "post": string(role), "person": p.ID})
					break
				}
			}
		}
		op(roster.OpPublish, st.ID, map[string]any{"station": st.ID, "month": roster.MonthOf(day), "state": "published"})
	}
	n.Live()
	return n, stations[0]
}

// redWarning queues a red warning from the prefecture to all of it, sends
// every message, and returns how many and how long from issue to the
// last handed to the gateway.
func redWarning(b *testing.B, q *Queue, n *Notifier, issuer app.ID) (count int, took, queued time.Duration) {
	now := time.Now()
	w := warning.Warning{ID: app.NewID(), Issuer: issuer, Level: warning.Red, Type: warning.Rainstorm, Area: "全州",
		ValidFrom: now, ValidUntil: now.Add(12 * time.Hour), Text: "t", IssuedBy: "州领导", IssuedAt: now}
	start := time.Now()
	count = n.Warn(&w)
	queued = time.Since(start)
	sent := q.sent.Load()
	q.SendDue(context.Background())
	took = time.Since(start)
	if got := q.sent.Load() - sent; got != int64(count) {
		b.Fatalf("handed %d of %d messages to the gateway", got, count)
	}
	return count, took, queued
}

// BenchmarkRedWarningWholePrefecture issues a red warning to the whole
// demo prefecture (the leader and officer on duty of every duty room,
// and every village's information officers) and hands every message to
// the gateway, with the queue's default workers: per back-end, messages
// a second and seconds from issue to the last message handed over.
func BenchmarkRedWarningWholePrefecture(b *testing.B) {
	cfg := Config{DailyCap: 1 << 30, PersonCap: 1 << 30}
	run := func(b *testing.B, q *Queue) {
		n, pref := prefectureNotifier(b, q, time.Now())
		b.ResetTimer()
		total, took, queued := 0, time.Duration(0), time.Duration(0)
		for range b.N {
			c, d, e := redWarning(b, q, n, pref.ID)
			total += c
			took += d
			queued += e
		}
		b.ReportMetric(queued.Seconds()/float64(b.N), "s-queued/warning")
		b.ReportMetric(float64(total)/took.Seconds(), "msgs/s")
		b.ReportMetric(took.Seconds()/float64(b.N), "s/warning")
		b.ReportMetric(float64(total)/float64(b.N), "msgs/warning")
	}
	for _, workers := range []int{1, DefaultWorkers, 16} {
		b.Run(fmt.Sprintf("kannel/workers=%d", workers), func(b *testing.B) {
			cfg := cfg
			cfg.Workers = workers
			kannelRun(b, cfg, run)
		})
	}
	b.Run("gammu", func(b *testing.B) {
		root := b.TempDir()
		g := &Gammu{Outbox: filepath.Join(root, "outbox")}
		if err := os.Mkdir(g.Outbox, 0o750); err != nil {
			b.Fatal(err)
		}
		q, err := Open(openDB(b), g, cfg)
		if err != nil {
			b.Fatal(err)
		}
		run(b, q)
	})
}

func kannelRun(b *testing.B, cfg Config, run func(*testing.B, *Queue)) {
	dir := b.TempDir()
	q, err := Open(openDB(b), nil, cfg)
	if err != nil {
		b.Fatal(err)
	}
	k, smsc := startKannel(b, dir, q)
	q.gw = k
	pr, pw, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pw.Close() })
	startProc(b, dir, "fakesmsc", pr, fakesmscBin, "-H", "127.0.0.1", "-r", fmt.Sprint(smsc), "-m", "0")
	run(b, q)
}
