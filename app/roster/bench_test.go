package roster_test

import (
	"testing"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// BenchmarkGenerateYearOneStation rosters a prefecture duty room of 16
// people for all of 2026. Target: under 50 ms.
func BenchmarkGenerateYearOneStation(b *testing.B) {
	in := yearInput(b, 1, prefectureStaff(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := roster.Generate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateYearPrefecture rosters all of 2026 for a prefecture
// (16 people), its 8 counties (12 each) and 40 townships (8 each), one
// station after the other as a duty office would, each seeing the duties
// already made so no one is booked at two stations.
func BenchmarkGenerateYearPrefecture(b *testing.B) {
	type station struct {
		id     int
		people []app.Person
	}
	stations := []station{{1, prefectureStaff(1)}}
	for c := 0; c < 8; c++ {
		id := 10 + c
		stations = append(stations, station{id, staff(id, staffing{leaders: 3, cadres: 2, officers: 4, standby: 3})})
	}
	for t := 0; t < 40; t++ {
		id := 100 + t
		stations = append(stations, station{id, staff(id, staffing{leaders: 2, cadres: 2, officers: 2, standby: 2})})
	}
	// A county leader who also stands by at the prefecture, so the
	// cross-station check has work to do.
	shared := stations[1].people[0]
	shared.Roles = []app.Role{app.RoleLeader, app.RoleStandby}
	stations[1].people[0] = shared
	stations[0].people = append(stations[0].people, shared)

	cal := calendar2026(b)
	loc := shanghai(b)
	settings := roster.DefaultSettings()
	settings.Holiday.Standby = 1
	b.ReportAllocs()
	for b.Loop() {
		var all []roster.Assignment
		posts, gaps := 0, 0
		for i := len(stations) - 1; i >= 0; i-- { // lower stations first, as they are smaller
			s := stations[i]
			res, err := roster.Generate(roster.GenerateInput{
				Station: testID(s.id, 0), From: date(b, "2026-01-01"), To: date(b, "2026-12-31"),
				Calendar: cal, Settings: settings, People: s.people, Existing: all, Location: loc,
			})
			if err != nil {
				b.Fatal(err)
			}
			all = append(all, res.Assignments...)
			posts += len(res.Assignments)
			gaps += len(res.Gaps)
		}
		if gaps != 0 {
			b.Fatalf("%d gaps in a staffed prefecture", gaps)
		}
		b.ReportMetric(float64(posts), "posts/op")
	}
}
