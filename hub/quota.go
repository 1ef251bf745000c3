package hub

import (
	"fmt"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Quota bounds what one station may push, so that one station (a
// compromised account, a client gone wrong) can neither fill the hub's
// disk nor take its writer from the others. Zero fields take the
// defaults.
//
// The defaults fit a county during a flood with room to spare. Such a
// county files perhaps 500 incidents and reports a day, each some ten
// operations (the record, status changes, messages): 5,000 operations.
// Attachments travel as 128 KiB chunk operations: 300 photos and clips of
// 3 MiB on average are 7,200 chunks and about 900 MiB. So:
//
//   - operations: 20 a second sustained with a burst of 20,000, which is
//     more than such a day, so a station coming back after a day or two
//     offline sends its backlog at once;
//   - bytes: 4 GiB a day, four times the flood day, as a bucket that
//     holds a day and refills over 24 h (about 48 KiB/s): a station may
//     send its whole day in one go, and once it is spent still gets a
//     chunk through every few seconds.
//
// A push beyond either is refused whole with over_quota and a RetryAfter;
// nothing of it is stored, and the client reconnects after that wait and
// sends it again.
type Quota struct {
	OpsPerSecond float64 // DefaultQuotaOpsPerSecond
	OpsBurst     int     // DefaultQuotaOpsBurst; at least wire.MaxPushOps
	BytesPerDay  int64   // DefaultQuotaBytesPerDay; at least 2 frames
}

const (
	DefaultQuotaOpsPerSecond = 20
	DefaultQuotaOpsBurst     = 20_000
	DefaultQuotaBytesPerDay  = 4 << 30
)

func (q *Quota) fill() {
	if q.OpsPerSecond <= 0 {
		q.OpsPerSecond = DefaultQuotaOpsPerSecond
	}
	if q.OpsBurst <= 0 {
		q.OpsBurst = DefaultQuotaOpsBurst
	}
	// A push the bucket can never hold would be refused forever.
	q.OpsBurst = max(q.OpsBurst, wire.MaxPushOps)
	if q.BytesPerDay <= 0 {
		q.BytesPerDay = DefaultQuotaBytesPerDay
	}
	q.BytesPerDay = max(q.BytesPerDay, 2*wire.MaxFrame)
}

// stationQuota is one station's two token buckets.
type stationQuota struct {
	ops, bytes float64
	at         time.Time
}

type quotas struct {
	q         Quota
	bytesRate float64 // per second

	mu   sync.Mutex
	byID map[app.ID]*stationQuota // at most one per station of the tree
}

func newQuotas(q Quota) *quotas {
	return &quotas{q: q, bytesRate: float64(q.BytesPerDay) / (24 * 60 * 60), byID: make(map[app.ID]*stationQuota)}
}

// take charges a push of ops operations and size bytes to station, or
// says which limit it passes and when to retry, charging nothing. The
// second return is the reason for the metric.
func (qs *quotas) take(now time.Time, station app.ID, ops, size int) (*wire.Error, string) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.byID[station]
	if q == nil {
		q = &stationQuota{ops: float64(qs.q.OpsBurst), bytes: float64(qs.q.BytesPerDay), at: now}
		qs.byID[station] = q
	}
	if dt := now.Sub(q.at).Seconds(); dt > 0 {
		q.ops = min(q.ops+dt*qs.q.OpsPerSecond, float64(qs.q.OpsBurst))
		q.bytes = min(q.bytes+dt*qs.bytesRate, float64(qs.q.BytesPerDay))
		q.at = now
	}
	if need := float64(ops) - q.ops; need > 0 {
		wait := retrySeconds(need / qs.q.OpsPerSecond)
		return &wire.Error{Code: wire.CodeOverQuota, RetryAfter: wait, Message: fmt.Sprintf(
			"push: station %s is over its quota of %g operations a second (burst %d); nothing of this push is stored; retry in %d s",
			station, qs.q.OpsPerSecond, qs.q.OpsBurst, wait)}, "quota_ops"
	}
	if need := float64(size) - q.bytes; need > 0 {
		wait := retrySeconds(need / qs.bytesRate)
		return &wire.Error{Code: wire.CodeOverQuota, RetryAfter: wait, Message: fmt.Sprintf(
			"push: station %s is over its quota of %d MiB a day; nothing of this push is stored; retry in %d s",
			station, qs.q.BytesPerDay>>20, wait)}, "quota_bytes"
	}
	q.ops -= float64(ops)
	q.bytes -= float64(size)
	return nil, ""
}

func retrySeconds(s float64) int {
	return max(1, int(s+0.999))
}

// admitPush charges a push to the connection's station. Once a push is
// refused, the connection refuses the pushes already on their way behind
// it until the wait is over, so that the client sees one cause, not a
// gap (out_of_order) after it.
func (c *conn) admitPush(push wire.Push, size int) error {
	now := time.Now()
	if now.Before(c.quotaUntil) {
		return c.quotaErr
	}
	we, reason := c.s.quota.take(now, c.station, len(push.Ops), size)
	if we == nil {
		return nil
	}
	c.s.metrics.limited(reason)
	c.quotaUntil, c.quotaErr = now.Add(time.Duration(we.RetryAfter)*time.Second), we
	return we
}
