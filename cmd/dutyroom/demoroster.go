package main

import (
	"context"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
)

// seedDemoRosters gives a freshly seeded demo window something to show on
// its duty screen: this station's and its duty rooms' rosters for this month
// and the next, generated and published, so "who is on duty now" has an
// answer here and for every station below. Only the window's -demo does
// this: the command line's init --demo stays roster-free so scripts and
// tests start from a known empty roster whatever today's date is.
func seedDemoRosters(ctx context.Context, db *store.DB, now time.Time) error {
	me, err := store.NewIdentity(db).Identity(ctx)
	if err != nil {
		return err
	}
	stations, err := store.NewDirectory(db).Stations(ctx)
	if err != nil {
		return err
	}
	tree := app.NewTree(stations)
	rooms := []*app.Station{me}
	for _, c := range tree.Children(me.ID) {
		if c.Tier.HasDutyRoom() {
			rooms = append(rooms, c)
		}
	}
	month := roster.MonthOf(roster.DateOf(now.In(me.Location())))
	rosters := store.NewRosters(db)
	for _, st := range rooms {
		if _, _, err := rosters.Generate(ctx, st.ID, month.First(), month.Next().Last()); err != nil {
			return err
		}
		for _, m := range []roster.Month{month, month.Next()} {
			if _, err := rosters.Publish(ctx, st.ID, m, true); err != nil {
				return err
			}
		}
	}
	return nil
}
