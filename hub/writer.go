package hub

import (
	"context"
	"log/slog"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// maxBatchJobs bounds one group commit. Each push holds at most
// wire.MaxPushOps operations, so a commit writes at most a few thousand.
const maxBatchJobs = 64

// job is one unit of work for the writer. run writes inside the shared
// transaction; it returns an error only for faults that must abort the
// whole commit (I/O), never for a refusal, which it reports in its result.
type job struct {
	run  func(tx *bolt.Tx, st *txState) error
	err  error
	done chan struct{}
}

// writer is the only goroutine that writes the log. Pushes from every
// connection queue here and are committed together, one fsync for the
// lot: a single writer with group commit stores tens of thousands of
// operations a second where one fsync per operation manages about a
// thousand (DESIGN.md, "Storage").
type writer struct {
	db        *DB
	router    Router
	log       *slog.Logger
	jobs      chan *job
	committed chan<- []logged // to the connection table, in commit order
	observe   func(op app.Operation)

	tree    atomic.Pointer[app.Tree]
	head    uint64
	commits atomic.Int64
}

func newWriter(db *DB, router Router, log *slog.Logger, committed chan<- []logged) (*writer, error) {
	w := &writer{db: db, router: router, log: log, jobs: make(chan *job, 1024), committed: committed}
	if err := w.reload(); err != nil {
		return nil, err
	}
	return w, nil
}

// reload reads the tree and head from the file: at start, and after a
// failed commit left the in-memory copies ahead of what is stored.
func (w *writer) reload() error {
	return w.db.bolt.View(func(tx *bolt.Tx) error {
		st, err := newTxState(tx, w.router, w.db.Now())
		if err != nil {
			return err
		}
		w.tree.Store(st.tree)
		w.head = st.head
		return nil
	})
}

// submit queues a job and waits for its commit. ECANCELED-like
// unavailability when the hub is stopping.
func (w *writer) submit(ctx context.Context, run func(tx *bolt.Tx, st *txState) error) error {
	j := &job{run: run, done: make(chan struct{})}
	select {
	case w.jobs <- j:
	case <-ctx.Done():
		return errStopping
	}
	select {
	case <-j.done:
		return j.err
	case <-ctx.Done():
		// The job may still commit; the client will learn from its
		// next welcome (lastSeq) and resend at worst, which is harmless.
		return errStopping
	}
}

var errStopping = app.Errorf(app.EINTERNAL, "the hub is stopping")

func (w *writer) run(ctx context.Context) {
	for {
		var first *job
		select {
		case first = <-w.jobs:
		case <-ctx.Done():
			return
		}
		batch := []*job{first}
	drain:
		for len(batch) < maxBatchJobs {
			select {
			case j := <-w.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		w.commit(ctx, batch)
	}
}

func (w *writer) commit(ctx context.Context, batch []*job) {
	var st *txState
	err := w.db.bolt.Update(func(tx *bolt.Tx) error {
		st = &txState{router: w.router, tree: w.tree.Load(), head: w.head, now: w.db.Now().UTC()}
		for _, j := range batch {
			if err := j.run(tx, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.log.Error("commit failed; every push in it is answered with an internal error and will be resent", "err", err, "jobs", len(batch))
		for _, j := range batch {
			j.err = app.Errorf(app.EINTERNAL, "the hub could not store the operations; retry later")
		}
		if rerr := w.reload(); rerr != nil {
			w.log.Error("cannot re-read the database after a failed commit", "err", rerr)
		}
	} else {
		w.commits.Add(1)
		w.head = st.head
		if st.treeChanged {
			w.tree.Store(st.tree)
		}
		if w.observe != nil {
			for _, l := range st.logged {
				if l.op != nil {
					w.observe(*l.op)
				}
			}
		}
		if len(st.logged) > 0 {
			select {
			case w.committed <- st.logged:
			case <-ctx.Done():
			}
		}
	}
	for _, j := range batch {
		close(j.done)
	}
}
