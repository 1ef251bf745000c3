package sms

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"dutyroom/app"
)

// FuzzObserveReach hands the notifier operations of every kind it reads
// beyond persons and 批示 (rosters, incidents, notices) with any payload:
// whatever a client sent, the notifier neither panics nor queues a
// message to anyone not in its directory.
func FuzzObserveReach(f *testing.F) {
	f.Add(0, []byte(`{"station":"00000000-0000-0000-0000-000000000001","day":"2026-07-01","post":"leader","person":"00000000-0000-0000-0000-000000000002"}`))
	f.Add(3, []byte(`{"station":"00000000-0000-0000-0000-000000000001","month":"2026-07","changes":[{"id":"00000000-0000-0000-0000-000000000003","station":"00000000-0000-0000-0000-000000000001","day":"2026-07-01","post":"standby 2","after":"00000000-0000-0000-0000-000000000002"}]}`))
	f.Add(5, []byte(`{"station":"00000000-0000-0000-0000-000000000001","month":"2026-07","state":"published"}`))
	f.Add(7, []byte(`{"incident":{"id":"00000000-0000-0000-0000-000000000004","station":"00000000-0000-0000-0000-000000000001","provisional":"large","status":"open"},"tasks":[{"id":"00000000-0000-0000-0000-000000000005","from":"00000000-0000-0000-0000-000000000001","due":"2026-07-01T00:00:00Z","status":"pending"}]}`))
	f.Add(17, []byte(`{"message":{"id":"00000000-0000-0000-0000-000000000006","kind":"notice","to":["00000000-0000-0000-0000-000000000001"],"ack_by":"2026-07-01T00:00:00Z"}}`))
	f.Add(18, []byte(`{"message":"00000000-0000-0000-0000-000000000006","station":"00000000-0000-0000-0000-000000000001","acked":"2026-07-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, kind int, payload []byte) {
		if kind < 0 {
			kind = -kind
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		id, _ := app.ParseID("00000000-0000-0000-0000-000000000001")
		st := app.Station{ID: id, Code: "433101001", Name: "乾州街道", Tier: app.TierTownship}
		tree := app.NewTree([]app.Station{st})
		q, err := Open(openDB(t), nil, Config{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		n := NewNotifier(q, func() *app.Tree { return tree }, log)
		n.Live()
		n.Observe(app.Operation{ID: app.NewID(), Kind: reachKinds[kind%len(reachKinds)], Entity: st.ID,
			At: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Payload: payload})
		now := time.Date(2026, 7, 1, 0, 5, 0, 0, time.UTC)
		n.sendRosterNews(now)
		n.Escalate(now)
		n.RemindNotices(now)
		n.EveReminders(now)
		if ms, _ := q.Messages(); len(ms) != 0 {
			t.Fatalf("messages queued with nobody in the directory: %+v", ms)
		}
	})
}
