package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	demodata "dutyroom/app/demo"
	"dutyroom/app/roster"
)

// BenchmarkOpenMonthView measures the screen's own share of showing a
// month: reading through the services (in memory here, so the store's cost
// is not in it), classifying the days and laying out the grid, for the
// demo prefecture's station with five years of rosters behind it.
func BenchmarkOpenMonthView(b *testing.B) {
	f := newFakeStore()
	stations, persons := demodata.Prefecture()
	for _, s := range stations {
		f.stations[s.ID] = s
	}
	for _, p := range persons {
		f.persons[p.ID] = p
	}
	home := stations[0]
	f.identity = home.ID
	var people []app.Person
	for _, p := range persons {
		if p.Station == home.ID {
			people = append(people, p)
		}
	}
	for y := 2022; y <= 2026; y++ {
		res, err := roster.Generate(roster.GenerateInput{Station: home.ID, From: roster.NewDate(y, 1, 1), To: roster.NewDate(y, 12, 31),
			Calendar: f.rosters.cal, Settings: roster.DefaultSettings(), People: people, Location: home.Location()})
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range res.Assignments {
			f.rosters.assigned[slotKey{a.Station, a.Day, a.Post}] = a
		}
	}
	u := New(test.NewTempApp(b), f.services())
	b.Cleanup(u.win.Close)
	u.win.Resize(smallest)
	u.duty.tabs.SelectIndex(1)
	m := u.duty.month
	months := []roster.Month{{Y: 2026, M: 9}, {Y: 2026, M: 10}}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.setMonth(months[i%2])
	}
}
