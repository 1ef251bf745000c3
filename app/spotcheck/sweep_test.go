package spotcheck_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"dutyroom/app/spotcheck"
)

type fakeSweeper struct {
	mu    sync.Mutex
	calls int
}

func (f *fakeSweeper) Sweep(ctx context.Context, now time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	switch f.calls {
	case 1:
		return 0, nil
	case 2:
		return 0, errors.New("disk full")
	}
	return 1, nil
}

// The loop sweeps at once and on every tick, reports misses and failures
// but not empty sweeps, goes on after a failure and stops with its context.
func TestRunSweepsReportsAndGoesOn(t *testing.T) {
	f := &fakeSweeper{}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var reports []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		spotcheck.RunSweeps(ctx, f, time.Millisecond, nil, func(n int, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				reports = append(reports, err.Error())
			} else {
				reports = append(reports, "missed")
			}
			if len(reports) == 2 {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunSweeps did not stop with its context")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 || reports[0] != "disk full" || reports[1] != "missed" {
		t.Fatalf("reports: %v", reports)
	}
}
