package rtc_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/hub/sfu"
)

// BenchmarkJoinToFirstFrame measures, for rooms of 2, 4 and 8 stations
// through a real hub on loopback, the time from the later of two stations'
// joins to the first picture one decodes of the other, over every ordered
// pair and every iteration (one iteration: all join, all see all, all
// leave). Reported as p50 and p95 in milliseconds.
func BenchmarkJoinToFirstFrame(b *testing.B) {
	for _, n := range []int{2, 4, 8} {
		b.Run(fmt.Sprintf("participants=%d", n), func(b *testing.B) {
			h := startHub(b, sfu.Config{})
			names := h.moreStations(b, n)
			patterns := map[app.ID]uint8{}
			for i, name := range names {
				patterns[h.stations[name].ID] = uint8(i + 1)
			}
			var st []*station
			for i, name := range names {
				st = append(st, newStation(b, h, name, uint8(i+1), patterns))
			}
			var firsts []time.Duration
			b.ResetTimer()
			for b.Loop() {
				room := h.openRoom(b, 0, names...)
				for _, s := range st {
					s.join(b, room)
				}
				for i, s := range st {
					var others []*station
					for j, o := range st {
						if j != i {
							others = append(others, o)
						}
					}
					firsts = append(firsts, s.sees(b, 1, others...)...)
				}
				for _, s := range st {
					if err := s.media.Leave(); err != nil {
						b.Fatal(err)
					}
				}
				waitFor(b, "the room to close", func() bool { return h.sfu.Stats().Rooms == 0 })
			}
			b.ReportMetric(float64(len(firsts)), "samples")
			b.ReportMetric(float64(percentile(firsts, 0.5))/1e6, "p50-ms")
			b.ReportMetric(float64(percentile(firsts, 0.95))/1e6, "p95-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// moreStations returns the names of n stations with accounts: the test
// prefecture's six, then townships added under the first county.
func (h *testHub) moreStations(t testing.TB, n int) []string {
	t.Helper()
	names := slices.Clone(stationNames[:min(n, len(stationNames))])
	parent := h.stations["c1"]
	for i := len(stationNames); i < n; i++ {
		name := fmt.Sprintf("x%d", i)
		st := app.Station{ID: app.NewID(), Code: fmt.Sprintf("4331019%02d", i), Name: fmt.Sprintf("测试镇%d", i), Tier: app.TierTownship, Parent: parent.ID}
		if err := h.srv.ImportStations([]app.Station{st}); err != nil {
			t.Fatal(err)
		}
		if err := h.db.AddUser(name, st.Code, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		h.stations[name] = st
		names = append(names, name)
	}
	return names
}
