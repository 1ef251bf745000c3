package store

import (
	"context"
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// groupCommit runs the writes of concurrent callers together: whoever
// waits when a commit ends goes into the next transaction, so callers
// arriving together share one fsync instead of queueing for one each. A
// caller alone commits at once, in its own goroutine, and pays for one
// fsync, as with db.update.
//
// Unlike bolt's DB.Batch it adds no delay to wait for company: intake is
// one call at a time most of the day, and that call must not wait. Nor
// does it hand the work to another goroutine: the first caller in the
// queue commits the group (it leads), and when it is done, the first of
// those who queued meanwhile leads the next, so a lone caller costs no
// goroutine switch.
type groupCommit struct {
	db *DB

	mu      sync.Mutex
	queue   []*commitRequest
	leading bool // a caller is committing a group; the queue waits for it
}

type commitRequest struct {
	ctx  context.Context
	fn   func(tx *txn) error
	err  error
	done bool
	// wake is signalled when the request is done, or when it is to lead
	// the next group.
	wake chan struct{}
}

// maxGroup bounds one transaction, so a flood of intakes cannot build a
// transaction whose commit makes its first caller wait for seconds.
const maxGroup = 128

// errRetryGroup rolls back a group after one of its members failed.
var errRetryGroup = errors.New("a member of the group failed")

// run runs fn in a writing transaction shared with other callers and
// returns once that transaction is on disk, or fn's error. fn may run more
// than once (when another member of its group fails, the group runs again
// without it), so it must start from its inputs each time and keep results
// only in variables it overwrites.
func (g *groupCommit) run(ctx context.Context, fn func(tx *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &commitRequest{ctx: ctx, fn: fn, wake: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, req)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		// Once queued, the change may commit: the caller waits for the
		// outcome even if its context ends, so it never reports a saved
		// record as lost.
		<-req.wake
		g.mu.Lock()
		done := req.done
		g.mu.Unlock()
		if done {
			return req.err
		}
	}
	// This request is first in the queue: commit it with those behind it.
	g.mu.Lock()
	n := min(len(g.queue), maxGroup)
	group := make([]*commitRequest, n)
	copy(group, g.queue)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()
	g.commit(group)
	g.mu.Lock()
	for _, r := range group {
		r.done = true
		if r != req {
			r.wake <- struct{}{}
		}
	}
	if len(g.queue) > 0 {
		g.queue[0].wake <- struct{}{}
	} else {
		g.leading = false
		g.queue = nil
	}
	g.mu.Unlock()
	return req.err
}

// commit runs the group in one transaction. A member that fails may have
// written part of its change before failing, so the whole transaction is
// rolled back and the rest run again without it: a failure never leaves
// half a change behind, nor takes the others' changes with it.
func (g *groupCommit) commit(group []*commitRequest) {
	for len(group) > 0 {
		var failed int
		err := g.db.boltUpdate(func(btx *bolt.Tx) error {
			now := g.db.Now().UTC()
			for i, r := range group {
				if err := r.fn(&txn{Tx: btx, ctx: r.ctx, now: now}); err != nil {
					r.err, failed = err, i
					return errRetryGroup
				}
			}
			return nil
		})
		if errors.Is(err, errRetryGroup) {
			group = append(group[:failed:failed], group[failed+1:]...)
			continue
		}
		for _, r := range group {
			r.err = err
		}
		return
	}
}
