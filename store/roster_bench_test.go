package store_test

import (
	"fmt"
	"testing"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// BenchmarkMonthView5Years opens the month view of a county duty room that
// holds five years of rosters (2021–2025): the month's assignments, its
// state and the calendar to colour the days. Target: under 100 ms.
func BenchmarkMonthView5Years(b *testing.B) {
	d := newDemoRosters(b)
	for _, span := range [][2]string{{"2021-01-01", "2022-12-31"}, {"2023-01-01", "2024-12-31"}, {"2025-01-01", "2025-12-31"}} {
		d.generate(b, span[0], span[1])
	}
	all, err := d.r.Assignments(ctx, d.county.ID, day(b, "2021-01-01"), day(b, "2025-12-31"))
	if err != nil || len(all) < 5*365*2 {
		b.Fatalf("five years hold %d assignments, %v", len(all), err)
	}
	m, _ := roster.ParseMonth("2023-06")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		as, err := d.r.Assignments(ctx, d.county.ID, m.First(), m.Last())
		if err != nil || len(as) != 30*2 {
			b.Fatalf("June 2023: %d assignments, %v", len(as), err)
		}
		if _, err := d.r.Roster(ctx, d.county.ID, m); err != nil {
			b.Fatal(err)
		}
		if _, err := d.r.Calendar(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(all)), "stored-posts")
}

// BenchmarkGenerateYearStore generates and saves all of 2026 for a county
// duty room of 14 people, through the store: reading settings, people,
// absences and history, the generator, and writing ~900 posts with their
// audit entries and operations in one fsynced transaction. Each round
// rosters a fresh copy of the county, so every round writes a whole year.
// Target: under 50 ms per station-year.
func BenchmarkGenerateYearStore(b *testing.B) {
	d := newDemoRosters(b)
	from, to := day(b, "2026-01-01"), day(b, "2026-12-31")
	posts := 0
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := app.Station{Code: fmt.Sprintf("B%05d", i), Name: "基准县", Tier: app.TierCounty, Parent: d.stations[0].ID}
		if err := d.dir.CreateStation(ctx, &st); err != nil {
			b.Fatal(err)
		}
		people := make([]app.Person, len(d.staff))
		for k, p := range d.staff {
			people[k] = app.Person{Station: st.ID, Name: p.Name, Title: p.Title, Mobile: p.Mobile, Roles: p.Roles}
		}
		if err := d.dir.ImportPersons(ctx, people); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, _, err := d.r.Generate(ctx, st.ID, from, to)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Gaps) != 0 {
			b.Fatalf("%d gaps", len(res.Gaps))
		}
		posts = len(res.Assignments)
	}
	b.ReportMetric(float64(posts), "posts/op")
}
