package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// An intake is saved in two steps, because the duty officer waits for the
// first one only.
//
// Logging: the transaction the officer waits for writes the incident's
// operation to the outbox (it carries everything: the record, its grade,
// the report tasks and the first events) and a marker in v1/meta naming
// the operation's seq. That touches two buckets, so the commit writes about
// as many pages as any small change; once it returns the incident is on
// disk, and it will reach the stations above even if this program dies the
// next instant.
//
// Filing: a second transaction, run at once by the filer goroutine, writes
// the record, tasks and events into the incident buckets with their
// register and overdue entries, decoded from the logged operation, and
// deletes the marker. Filing everything inside the first transaction wrote
// three times the pages and made intake twice as slow as a plain write.
//
// Nothing reads around a logged intake: every transaction (DB.view,
// DB.update) first waits for the filer to have filed what was logged
// before it began, which takes one commit; a program killed between the
// two steps files what is marked when the file is next opened.

// intakeMark starts the meta keys of logged intakes: intakeMark <seq>.
var intakeMark = []byte("intake:")

func intakeKey(seq uint64) []byte {
	seqKey := u64Key(seq)
	return append(append([]byte{}, intakeMark...), seqKey[:]...)
}

// errNothingToFile rolls back a filing pass that found nothing, so it
// costs no fsync.
var errNothingToFile = errors.New("no intake waits to be filed")

// fileIntakes files every logged intake in tx but those in skip and
// returns how many. When one cannot be filed it stops and returns its seq
// and why; what it wrote before is in tx, which the caller rolls back.
func fileIntakes(tx *txn, skip map[uint64]error) (filed int, failed uint64, err error) {
	bs, err := buckets(tx, bucketMeta, bucketOutbox, bucketSent)
	if err != nil {
		return 0, 0, err
	}
	meta, outbox, sent := bs[0], bs[1], bs[2]
	var seqs []uint64
	c := meta.Cursor()
	for k, _ := c.Seek(intakeMark); k != nil && len(k) == len(intakeMark)+8 && string(k[:len(intakeMark)]) == string(intakeMark); k, _ = c.Next() {
		seq, _ := u64Value(k[len(intakeMark):])
		if _, skipped := skip[seq]; !skipped {
			seqs = append(seqs, seq)
		}
	}
	for _, seq := range seqs {
		if err := fileIntake(tx, outbox, sent, seq); err != nil {
			return 0, seq, err
		}
		if err := meta.Delete(intakeKey(seq)); err != nil {
			return 0, seq, err
		}
	}
	return len(seqs), 0, nil
}

// fileIntake writes the incident of the logged operation seq into the
// incident buckets.
func fileIntake(tx *txn, outbox, sent *bolt.Bucket, seq uint64) error {
	// Acknowledging the operation is a writing transaction, which waits
	// for the filer; but a stalled filer stops holding it up after
	// awaitLimit, and then the operation is in the sent journal.
	raw := outbox.Get(u64Key(seq))
	if raw == nil {
		raw = sent.Get(u64Key(seq))
	}
	if raw == nil {
		return app.Errorf(app.ECORRUPT, "the intake logged as operation %d is neither in the outbox nor in the sent journal; restore a backup", seq)
	}
	op, err := DecodeOperation(raw)
	if err != nil {
		return app.Errorf(app.ECORRUPT, "the intake logged as operation %d is damaged: %s", seq, app.ErrorMessage(err))
	}
	var ch change
	if err := decodeJSON(op.Payload, &ch, fmt.Sprintf("the intake of operation %d", seq)); err != nil {
		return err
	}
	if op.Kind != incident.OpIncidentCreate || ch.Incident == nil || ch.Incident.ID != op.Entity {
		return app.Errorf(app.ECORRUPT, "operation %d is marked as an intake but is a %s of %s", seq, op.Kind, op.Entity)
	}
	if err := putIncident(tx, ch.Incident, nil, ch.Tasks); err != nil {
		return err
	}
	for i := range ch.Tasks {
		if err := putTask(tx, &ch.Tasks[i]); err != nil {
			return err
		}
	}
	if err := shiftLogOp(tx, &op, true); err != nil {
		return err
	}
	return appendEvents(tx, ch.Events)
}

// intakeFiler files logged intakes in the background and lets transactions
// wait until it has.
type intakeFiler struct {
	db *DB
	// unfiled counts intakes logged, or being logged, and not filed. An
	// intake counts itself before its transaction commits, so a reader
	// starting meanwhile waits for it.
	unfiled atomic.Int64
	// logging counts intakes whose logging commit has not returned: a
	// pass waits for them (see run).
	logging atomic.Int64

	mu       sync.Mutex
	asked    uint64        // passes asked for
	finished uint64        // the pass count of the last finished pass
	passed   chan struct{} // closed when a pass finishes, then replaced

	// skipped holds the intakes that could not be filed in this run, by
	// seq; only the filer's passes, one at a time, touch it.
	skipped map[uint64]error

	wake     chan struct{} // a pass is asked for; capacity 1
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// awaitLimit bounds how long a transaction waits for the filer. A wait
// runs one commit; reaching the limit means the disk is stalled or a
// caller waits while holding a transaction of its own, and then reading
// without the newest intake beats waiting forever.
const awaitLimit = 2 * time.Second

// filerYield bounds how long a pass waits for intakes being logged.
const filerYield = 20 * time.Millisecond

// startFiler files what a killed program left logged, then starts the
// filer.
func startFiler(db *DB) (*intakeFiler, error) {
	f := &intakeFiler{
		db: db, passed: make(chan struct{}), skipped: map[uint64]error{},
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
	}
	if _, err := f.pass(); err != nil {
		return nil, err
	}
	// What was filed or passed over was logged by an earlier run, not
	// counted by this one.
	f.unfiled.Store(0)
	go f.run()
	return f, nil
}

func (f *intakeFiler) run() {
	defer close(f.done)
	for {
		select {
		case <-f.quit:
			return
		case <-f.wake:
		}
		// Intakes being logged go first: a pass now would take the write
		// lock before their commit, and the officers arriving together
		// would wait for the filing of the first. A flood of intakes
		// holds the pass back by filerYield at most, so readers waiting
		// for it are not starved.
		yield := time.NewTimer(filerYield)
		for f.logging.Load() > 0 {
			select {
			case <-f.quit:
				yield.Stop()
				return
			case <-f.wake:
				continue
			case <-yield.C:
			}
			break
		}
		yield.Stop()
		f.mu.Lock()
		target := f.asked
		f.mu.Unlock()
		_, err := f.pass()
		if err != nil {
			slog.Error("an intake is saved but could not yet be filed in the register; filing is tried again at the next read and at the next start", "file", f.db.path, "err", err)
		}
		f.mu.Lock()
		f.finished = target
		close(f.passed)
		f.passed = make(chan struct{})
		f.mu.Unlock()
	}
}

// pass files everything logged, in one transaction. An intake that cannot
// be filed (its operation damaged, say: a bug or a bad disk) is passed
// over for the rest of the run, so the others are filed; its mark stays
// and is tried again at the next start, and its operation still reaches
// the stations above.
func (f *intakeFiler) pass() (int, error) {
	for {
		var n int
		var failed uint64
		var failure error
		err := f.db.boltUpdate(func(btx *bolt.Tx) (err error) {
			n, failed, failure = fileIntakes(&txn{Tx: btx, ctx: context.Background(), now: f.db.Now().UTC()}, f.skipped)
			switch {
			case failure != nil:
				return errRetryPass
			case n == 0:
				return errNothingToFile
			}
			return nil
		})
		switch {
		case errors.Is(err, errRetryPass) && (failed == 0 || f.skipped[failed] != nil):
			// Not one intake's fault (a bucket is missing: the file is
			// damaged), or passing it over did not help: no retry.
			return 0, failure
		case errors.Is(err, errRetryPass):
			slog.Error("an intake is saved and queued for the stations above but cannot be filed in this station's register; it is tried again at the next start",
				"file", f.db.path, "operation", failed, "err", failure)
			f.skipped[failed] = failure
			f.unfiled.Add(-1)
			continue
		case errors.Is(err, errNothingToFile):
			return 0, nil
		case err != nil:
			return 0, err
		}
		f.unfiled.Add(int64(-n))
		return n, nil
	}
}

// errRetryPass rolls back a pass in which one intake could not be filed.
var errRetryPass = errors.New("an intake could not be filed")

// startLogging counts an intake about to be logged; logged says whether
// it was.
func (f *intakeFiler) startLogging() {
	if f != nil {
		f.unfiled.Add(1)
		f.logging.Add(1)
	}
}

func (f *intakeFiler) logged(ok bool) {
	if f == nil {
		return // read-only: nothing was written
	}
	f.logging.Add(-1)
	if !ok {
		f.unfiled.Add(-1)
		return
	}
	f.signal()
}

func (f *intakeFiler) signal() {
	select {
	case f.wake <- struct{}{}:
	default: // a pass is already asked for, and will see this intake
	}
}

// await returns once everything logged before the call is filed, or after
// awaitLimit.
func (f *intakeFiler) await() {
	if f == nil || f.unfiled.Load() <= 0 {
		return
	}
	f.mu.Lock()
	f.asked++
	want := f.asked
	f.mu.Unlock()
	f.signal()
	limit := time.NewTimer(awaitLimit)
	defer limit.Stop()
	for {
		f.mu.Lock()
		finished, passed := f.finished, f.passed
		f.mu.Unlock()
		// Done once nothing waits to be filed, or once a pass that began
		// after this call has ended (intakes keep coming).
		if f.unfiled.Load() <= 0 || finished >= want {
			return
		}
		select {
		case <-passed:
		case <-f.done:
			return // closing: Close files the rest
		case <-limit.C:
			return
		}
	}
}

// stop ends the filer and files what is left. Only the first call does
// anything: Close may be called again on a closed DB.
func (f *intakeFiler) stop() error {
	var err error
	f.stopOnce.Do(func() {
		close(f.quit)
		<-f.done
		_, err = f.pass()
	})
	return err
}
