package main

import (
	"context"
	"sync/atomic"
	"time"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/store"
)

// liveDemo makes a freshly seeded shared-demo folder a working duty room:
// its station's rosters and a few days of history, each record written by
// the services as the window writes it and queued for the hub (demo.Live).
func liveDemo(ctx context.Context, db *store.DB, now time.Time) error {
	me, err := store.NewIdentity(db).Identity(ctx)
	if err != nil {
		return err
	}
	dir := store.NewDirectory(db)
	stations, err := dir.Stations(ctx)
	if err != nil {
		return err
	}
	people, err := dir.Persons(ctx, app.PersonFilter{Station: &me.ID})
	if err != nil {
		return err
	}
	// The store's clock is read by its own goroutines too: it is set once,
	// to one that reads the demo's time atomically, and given back to the
	// real time when the history is written.
	var past atomic.Int64 // Unix nanoseconds; 0 for the real clock
	db.Now = func() time.Time {
		if n := past.Load(); n != 0 {
			return time.Unix(0, n)
		}
		return time.Now()
	}
	defer past.Store(0)
	return demo.Live(ctx, demo.Services{
		Rosters:   store.NewRosters(db),
		Incidents: store.NewIncidents(db),
		Messages:  store.NewMessages(db),
		Warnings:  store.NewWarnings(db),
		SetClock:  func(t time.Time) { past.Store(t.UnixNano()) },
	}, app.NewTree(stations), people, me.ID, now)
}
