package spotcheck

import (
	"context"
	"time"
)

// SweepInterval is how often a client looks for checks past their
// deadline: short beside the three-minute limit, so a miss is recorded
// within seconds of the deadline.
const SweepInterval = 5 * time.Second

// Sweeper is the part of Service that RunSweeps needs.
type Sweeper interface {
	Sweep(ctx context.Context, now time.Time) (int, error)
}

// RunSweeps calls s.Sweep with now() at once and then every interval
// (SweepInterval when zero) until ctx ends. report, when not nil, hears
// of every sweep that recorded a miss or failed; a failure does not stop
// the loop, since the next sweep retries what this one could not write.
func RunSweeps(ctx context.Context, s Sweeper, interval time.Duration, now func() time.Time, report func(n int, err error)) {
	if interval <= 0 {
		interval = SweepInterval
	}
	if now == nil {
		now = time.Now
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for ctx.Err() == nil {
		n, err := s.Sweep(ctx, now())
		if report != nil && (n > 0 || (err != nil && ctx.Err() == nil)) {
			report(n, err)
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}
