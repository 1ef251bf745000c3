package rtc_test

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/hub/sfu"
)

// BenchmarkJoinToFirstFrame measures, for rooms of 2, 4 and 8 stations
// through a real hub on loopback, the time from the later of two stations'
// joins to the first picture one decodes of the other, over every ordered
// pair and every iteration (one iteration: all join, all see all, all
// leave). Reported as p50, p95 and p99 in milliseconds, with the CPU this
// process and all others used meanwhile, in cores: on a shared machine a
// slow run with others busy is a starved run, not a slow hub.
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
			cpu0 := readCPU(b)
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
			cpu := readCPU(b).since(cpu0)
			b.ReportMetric(cpu.self, "self-cores")
			b.ReportMetric(cpu.others, "others-cores")
			b.ReportMetric(float64(len(firsts)), "samples")
			b.ReportMetric(float64(percentile(firsts, 0.5))/1e6, "p50-ms")
			b.ReportMetric(float64(percentile(firsts, 0.95))/1e6, "p95-ms")
			b.ReportMetric(float64(percentile(firsts, 0.99))/1e6, "p99-ms")
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

// cpuSample is the machine's busy CPU time and this process's, in clock
// ticks (USER_HZ, 100 a second on Linux), at one instant.
type cpuSample struct {
	at         time.Time
	busy, self int64
}

type cpuUse struct{ self, others float64 } // cores

func readCPU(t testing.TB) cpuSample {
	t.Helper()
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	// cpu user nice system idle iowait irq softirq steal ...: all but
	// idle and iowait are busy.
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	var busy int64
	for i, f := range strings.Fields(string(line))[1:] {
		if i == 3 || i == 4 || i > 7 {
			continue
		}
		v, _ := strconv.ParseInt(f, 10, 64)
		busy += v
	}
	self, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(self[bytes.LastIndexByte(self, ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return cpuSample{at: time.Now(), busy: busy, self: utime + stime}
}

func (s cpuSample) since(s0 cpuSample) cpuUse {
	secs := s.at.Sub(s0.at).Seconds() * 100
	self := float64(s.self - s0.self)
	return cpuUse{self: self / secs, others: (float64(s.busy-s0.busy) - self) / secs}
}
