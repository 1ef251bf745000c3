//go:build unix

package store

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/instruction"
)

// BenchmarkInstructionRegister filters a register of 10,000 instructions
// (a prefecture's several years) as the 批示 screen does: by state at a
// time, by station, and by two words of search. The target is under 50 ms
// a filtering.
func BenchmarkInstructionRegister(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t := newBenchTree(b, db)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 10000
	err = db.update(context.Background(), func(tx *txn) error {
		for i := range n {
			given := start.Add(time.Duration(i) * 2 * time.Hour)
			rec := instruction.Record{Instruction: instruction.Instruction{
				ID: app.NewID(), Station: t.prefecture.ID, RecordedAt: given, Leader: "张明", LeaderPost: "州长", GivenAt: given,
				Source: instruction.SourcePaper, Words: fmt.Sprintf("请吉首市、泸溪县立即核查第%d号灾情，2小时内报告处置情况。", i),
				Tasks: []instruction.Task{{ID: app.NewID(), Text: "核查灾情并报告处置情况", Stations: []app.ID{t.jishou.ID, t.luxi.ID}, Units: []string{"州水文局"}, Deadline: given.Add(2 * time.Hour)}},
			}}
			if i%3 != 0 {
				rec.Answers = append(rec.Answers, instruction.Answer{ID: app.NewID(), Instruction: rec.Instruction.ID, Task: rec.Instruction.Tasks[0].ID,
					For: instruction.Assignee{Station: t.jishou.ID}, From: t.jishou.ID, Text: "已核查，无人员伤亡", Done: true, At: given.Add(time.Hour)})
			}
			if err := putInstruction(tx, &rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	svc := NewInstructions(db)
	now := start.Add(n * 2 * time.Hour)
	filters := []instruction.Filter{
		{State: instruction.StateOverdue},
		{Station: t.luxi.ID, From: start.Add(24 * time.Hour * 300)},
		{Query: "第99 核查"},
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range filters {
			if _, total, err := svc.Register(context.Background(), f, now, instructionRegisterBenchLimit); err != nil || total == 0 {
				b.Fatalf("%+v: %d, %v", f, total, err)
			}
		}
	}
	b.StopTimer()
	// Wall time on a shared machine counts the other programs too; the
	// processor time this program spent is the figure that travels.
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(filters)), "ms/filter")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N*len(filters)), "cpu-ms/filter")
}

// cpuTime is the processor time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const instructionRegisterBenchLimit = 500
