package demo

import (
	"context"
	"testing"
	"time"

	"dutyroom/app"
)

func TestLiveGivesAVillageNothingAndRefusesAStrangerStation(t *testing.T) {
	stations, persons := Prefecture()
	tree := app.NewTree(stations)
	var village app.ID
	for _, s := range stations {
		if s.Tier == app.TierVillage {
			village = s.ID
			break
		}
	}
	// No services: a village's history must not touch them.
	if err := Live(context.Background(), Services{}, tree, persons, village, time.Now()); err != nil {
		t.Errorf("a village: %v", err)
	}
	err := Live(context.Background(), Services{}, tree, persons, app.NewID(), time.Now())
	if app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a station not in the tree: %v, want ENOTFOUND", err)
	}
}

func TestLiveNeedsTheStationsStaff(t *testing.T) {
	stations, _ := Prefecture()
	err := Live(context.Background(), Services{}, app.NewTree(stations), nil, stations[0].ID, time.Now())
	if app.ErrorCode(err) != app.EINVALID {
		t.Errorf("without staff: %v, want EINVALID naming the missing leader or officer", err)
	}
}
