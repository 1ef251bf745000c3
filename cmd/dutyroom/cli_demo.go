package main

import (
	"context"
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
	clock := db.Now
	defer func() { db.Now = clock }()
	return demo.Live(ctx, demo.Services{
		Rosters:   store.NewRosters(db),
		Incidents: store.NewIncidents(db),
		Messages:  store.NewMessages(db),
		Warnings:  store.NewWarnings(db),
		SetClock:  func(t time.Time) { db.Now = func() time.Time { return t } },
	}, app.NewTree(stations), people, me.ID, now)
}
