package incident_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// The register must filter and search 100,000 incidents in under 50 ms.
func BenchmarkFilter100k(b *testing.B) {
	incs := generate(100_000, rand.New(rand.NewPCG(5, 6)))
	tree := testTree()
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, cst)
	f := incident.Filter{Station: ptr(jishou.ID), Text: "货车 湘u1"}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for i := range incs {
			if incident.Matches(&incs[i], f, tree, now) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("nothing matched")
		}
	}
}

// The worst case: a word found nowhere, so every field of every incident is
// searched.
func BenchmarkFilter100kTextOnly(b *testing.B) {
	incs := generate(100_000, rand.New(rand.NewPCG(5, 6)))
	tree := testTree()
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, cst)
	f := incident.Filter{Text: "危化品"}
	b.ReportAllocs()
	for b.Loop() {
		for i := range incs {
			if incident.Matches(&incs[i], f, tree, now) {
				b.Fatal("matched a word that is nowhere")
			}
		}
	}
}

// The same search through one Matcher, as the store runs it.
func BenchmarkMatcher100k(b *testing.B) {
	incs := generate(100_000, rand.New(rand.NewPCG(5, 6)))
	tree := testTree()
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, cst)
	f := incident.Filter{Station: ptr(jishou.ID), Text: "货车 湘u1"}
	b.ReportAllocs()
	for b.Loop() {
		m := incident.NewMatcher(f, tree, now)
		n := 0
		for i := range incs {
			if m.Match(&incs[i]) {
				n++
			}
		}
		if n == 0 {
			b.Fatal("nothing matched")
		}
	}
}

// The statistics screen must summarise five years in under 200 ms. Five
// years here are 100,000 incidents with three report tasks each, several
// times what a prefecture records.
func BenchmarkStats5Years(b *testing.B) {
	incs := generate(100_000, rand.New(rand.NewPCG(7, 8)))
	tree := testTree()
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, cst)
	tasks := make([]incident.ReportTask, 0, 3*len(incs))
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range incs {
		for k := 0; k < 3; k++ {
			due := incs[i].ReceivedAt.Add(time.Duration(1+2*k) * time.Hour)
			tk := incident.ReportTask{ID: app.NewID(), Incident: incs[i].ID, From: incs[i].Station, Due: due, Status: incident.TaskPending}
			if rng.IntN(10) > 0 {
				tk.Status, tk.SentAt = incident.TaskSent, due.Add(time.Duration(rng.IntN(40)-35)*time.Minute)
				tk.Late = tk.SentAt.After(due)
			}
			tasks = append(tasks, tk)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		s := incident.Summarize(incs, tasks, tree, cst, now)
		if len(s.ByMonth) == 0 || len(s.Timeliness) == 0 {
			b.Fatal("empty statistics")
		}
	}
}
