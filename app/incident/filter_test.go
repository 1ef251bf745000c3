package incident_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

func ptr[T any](v T) *T { return &v }

func TestMatchesEachFilter(t *testing.T) {
	inc := sample()
	inc.Provisional = incident.GradeLarge
	inc.NextDue = received.Add(time.Hour)
	now := received.Add(2 * time.Hour) // past NextDue: overdue
	tree := testTree()
	tests := []struct {
		name string
		f    incident.Filter
		want bool
	}{
		{"no filter", incident.Filter{}, true},
		{"from at receipt", incident.Filter{From: ptr(received)}, true},
		{"from after receipt", incident.Filter{From: ptr(received.Add(time.Second))}, false},
		{"to excludes its instant", incident.Filter{To: ptr(received)}, false},
		{"to after receipt", incident.Filter{To: ptr(received.Add(time.Second))}, true},
		{"receiving station", incident.Filter{Station: ptr(aizhai.ID)}, true},
		{"county above", incident.Filter{Station: ptr(jishou.ID)}, true},
		{"village where it happened", incident.Filter{Station: ptr(dehang.ID)}, true},
		{"other county", incident.Filter{Station: ptr(luxi.ID)}, false},
		{"category", incident.Filter{Category: ptr(incident.RoadTraffic)}, true},
		{"other category", incident.Filter{Category: ptr(incident.Fire)}, false},
		{"provisional grade", incident.Filter{Grade: ptr(incident.GradeLarge)}, true},
		{"other grade", incident.Filter{Grade: ptr(incident.GradeGeneral)}, false},
		{"status open when unset", incident.Filter{Status: ptr(incident.StatusOpen)}, true},
		{"closed", incident.Filter{Status: ptr(incident.StatusClosed)}, false},
		{"overdue", incident.Filter{Overdue: ptr(true)}, true},
		{"not overdue", incident.Filter{Overdue: ptr(false)}, false},
		{"text in title", incident.Filter{Text: "侧翻"}, true},
		{"text in place", incident.Filter{Text: "K1203"}, true},
		{"text in reporter unit", incident.Filter{Text: "村委会"}, true},
		{"text in reporter phone", incident.Filter{Text: "1234567"}, true},
		{"plate number in another case", incident.Filter{Text: "湘u12345"}, true},
		{"every word must match", incident.Filter{Text: "货车 德夯"}, true},
		{"one word missing", incident.Filter{Text: "货车 爆炸"}, false},
		{"absent text", incident.Filter{Text: "山洪"}, false},
		{"all together", incident.Filter{From: ptr(received.Add(-time.Hour)), Station: ptr(prefecture.ID), Category: ptr(incident.RoadTraffic),
			Grade: ptr(incident.GradeLarge), Status: ptr(incident.StatusOpen), Overdue: ptr(true), Text: "货车"}, true},
	}
	for _, tt := range tests {
		if got := incident.Matches(inc, tt.f, tree, now); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
		if got := incident.NewMatcher(tt.f, tree, now).Match(inc); got != tt.want {
			t.Errorf("%s: Matcher.Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMatchesConfirmedGradeWins(t *testing.T) {
	inc := sample()
	inc.Provisional, inc.Grade = incident.GradeLarge, incident.GradeGeneral
	if incident.Matches(inc, incident.Filter{Grade: ptr(incident.GradeLarge)}, testTree(), received) {
		t.Error("matched on the provisional grade the leader overrode")
	}
}

func TestMatchesTextFoldsNonASCIICase(t *testing.T) {
	inc := sample()
	inc.Description = "Électricité coupée"
	if !incident.Matches(inc, incident.Filter{Text: "ÉLECTRICITÉ"}, testTree(), received) {
		t.Error("accented capitals do not match their lower case")
	}
}

// The quick Matcher and the one-off Matches must agree on any filter.
func TestMatcherAgreesWithMatches(t *testing.T) {
	tree := testTree()
	incs := generate(2000, rand.New(rand.NewPCG(1, 2)))
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, cst)
	filters := []incident.Filter{
		{Station: ptr(jishou.ID)},
		{Station: ptr(aizhai.ID), Text: "货车"},
		{Category: ptr(incident.Flood), Overdue: ptr(true)},
		{From: ptr(now.AddDate(-1, 0, 0)), To: ptr(now), Grade: ptr(incident.GradeLarge)},
		{Text: "U1"},
	}
	for _, f := range filters {
		m := incident.NewMatcher(f, tree, now)
		n := 0
		for i := range incs {
			a, b := incident.Matches(&incs[i], f, tree, now), m.Match(&incs[i])
			if a != b {
				t.Fatalf("filter %+v, incident %d: Matches %v, Matcher %v", f, i, a, b)
			}
			if a {
				n++
			}
		}
		if n == 0 || n == len(incs) {
			t.Errorf("filter %+v matched %d of %d: the generated data does not exercise it", f, n, len(incs))
		}
	}
}

// generate makes n incidents spread over five years before mid-2024 across
// the test tree, sorted by time received, with enough variety for filters
// and statistics to have something to tell apart.
func generate(n int, rng *rand.Rand) []incident.Incident {
	places := []app.Station{jishou, aizhai, dehang, luxi, baisha, prefecture}
	words := []string{"货车侧翻", "民房起火", "山体滑坡", "河水暴涨", "燃气泄漏", "游客被困", "电梯故障", "鞭炮仓库"}
	start := time.Date(2019, 6, 1, 0, 0, 0, 0, cst)
	span := time.Date(2024, 6, 1, 0, 0, 0, 0, cst).Sub(start)
	out := make([]incident.Incident, n)
	for i := range out {
		p := places[rng.IntN(len(places))]
		recv := start.Add(time.Duration(int64(span) / int64(n) * int64(i)))
		w := words[rng.IntN(len(words))]
		inc := incident.Incident{
			ID:          app.NewID(),
			Station:     p.ID,
			ReceivedAt:  recv,
			OccurredAt:  recv.Add(-time.Duration(rng.IntN(60)) * time.Minute),
			Channel:     incident.Channels[rng.IntN(len(incident.Channels))],
			Reporter:    incident.Reporter{Name: "报告人", Unit: "村委会", Phone: "0743-8221234"},
			Place:       incident.Place{Station: p.ID, Text: p.Name + "某地"},
			Category:    incident.Categories[rng.IntN(len(incident.Categories))],
			Title:       p.Name + w,
			Counts:      incident.Counts{Dead: rng.IntN(4), Injured: rng.IntN(10)},
			Loss:        int64(rng.IntN(20_000_000)),
			Description: "据报，" + p.Name + "发生" + w + "，现场车辆湘U" + string(rune('0'+rng.IntN(10))) + "2345，已派员处置。详细情况正在核实，请上级值班室知悉。",
			Provisional: incident.Grades[rng.IntN(2)],
			Status:      incident.StatusOpen,
		}
		if rng.IntN(10) < 8 {
			inc.Status = incident.StatusClosed
		} else {
			inc.NextDue = recv.Add(time.Hour)
		}
		out[i] = inc
	}
	return out
}
