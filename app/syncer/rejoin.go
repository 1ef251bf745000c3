package syncer

import (
	"context"
	"fmt"
	"strconv"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Rejoining the hub's sequence. The welcome says the highest seq of this
// station the hub holds. When that reaches into what this folder still
// queues, or beyond what it ever made, the engine asks the hub for the
// station's own operations (wire.TypeOwn) before it pushes anything, and
// compares the seqs both hold:
//
//   - the same operations, and the hub holds no more: the last
//     acknowledgement was lost with the connection; they count as sent.
//   - the same operations, and the hub holds more: this folder is behind
//     (restored from a backup taken before them): it takes them back and
//     goes on after the hub's last seq.
//   - other operations under the same seqs, in a folder restored by
//     Restore: what it queued since the restore is renumbered after the
//     hub's last seq, once the hub's operations are taken back.
//   - other operations under the same seqs in a folder that was not
//     restored: another live data folder syncs as this station. This one
//     stops, saying so: renumbering would push over the other's sequence,
//     and the two would take each other's seqs for ever.

// CodeSecondFolder is State.ErrCode when another data folder syncs as
// this station and this one stopped sending.
const CodeSecondFolder = "second_folder"

// Rejoiner is what the engine needs of a store to take back this
// station's own operations from the hub. A store without it keeps the
// engine's old behaviour: it stops pushing when the hub holds more.
type Rejoiner interface {
	// Restored reports whether the file was restored from a backup and has
	// not rejoined the hub since.
	Restored(ctx context.Context) (bool, error)
	// ForgetRestore drops that mark once the hub shows the folder in step.
	ForgetRestore(ctx context.Context) error
	// TakeOwn applies this station's operations the file lacks, each once,
	// and files them as sent; it returns how many it took in.
	TakeOwn(ctx context.Context, ops []app.Operation) (int, error)
	// Renumber drops queued operations whose ids the hub holds and moves
	// the rest after hubLast, in one transaction; it returns how many
	// changed seq.
	Renumber(ctx context.Context, hubLast uint64, held []app.ID) (int, error)
}

const ownRequestID = "own"

// rejoin is the reconciliation under way on one connection.
type rejoin struct {
	st       Rejoiner
	first    uint64 // the first seq this folder queues (its last + 1 when none)
	last     uint64 // this folder's last seq
	hubLast  uint64
	restored bool

	taking   bool     // comparing done: taking the hub's operations back
	diverged uint64   // the first seq under which the hub holds another operation; 0 while none
	held     []app.ID // the ids of the hub's seqs from first on, to drop from the queue
	taken    int      // operations the store took in
}

// needsRejoin reports whether the welcome's last seq reaches what this
// folder queues or has never made, so that seqs must be compared first.
func needsRejoin(hubLast, first uint64) bool { return hubLast >= first }

// startRejoin asks for the hub's operations from the first queued seq.
// Pushing waits until they are compared.
func (s *session) startRejoin(ctx context.Context, rj Rejoiner, first, last uint64) error {
	restored, err := rj.Restored(ctx)
	if err != nil {
		return err
	}
	s.rejoin = &rejoin{st: rj, first: first, last: last, hubLast: s.welcome.LastSeq, restored: restored}
	s.stopPush = true
	s.e.update(func(st *State) { st.Rejoining = true })
	s.e.log.Info("the hub holds seqs this folder queues or never made; comparing before sending",
		"hubLastSeq", s.welcome.LastSeq, "firstQueued", first, "lastSeq", last, "restored", restored)
	// Nothing to compare when this folder queues nothing: it is behind.
	s.rejoin.taking = first > last
	return s.askOwn(first - 1)
}

func (s *session) askOwn(after uint64) error {
	frame, err := wire.Encode(wire.TypeOwn, ownRequestID, wire.Own{After: after})
	if err != nil {
		return err
	}
	return s.conn.WriteFrame(frame)
}

// onOwnOps takes one page of the hub's own operations.
func (s *session) onOwnOps(ctx context.Context, env wire.Envelope) error {
	rj := s.rejoin
	if rj == nil {
		return nil // not asked on this connection
	}
	page, err := wire.DecodeOwnOps(env)
	if err != nil {
		return err
	}
	for _, e := range page.Ops {
		if e.Op != nil && e.Op.Origin != s.welcome.Station {
			return wire.Errorf(wire.CodeBadMessage, "own_ops: operation %s comes from station %s, not this session's %s", e.ID, e.Op.Origin, s.welcome.Station)
		}
	}
	rj.hubLast = max(rj.hubLast, page.LastSeq)
	if !rj.taking {
		if err := s.compare(ctx, page.Ops); err != nil {
			return err
		}
		overlapEnd := min(rj.hubLast, rj.last)
		if page.More && rj.diverged == 0 && page.Ops[len(page.Ops)-1].Seq < overlapEnd {
			return s.askOwn(page.Ops[len(page.Ops)-1].Seq)
		}
		return s.decide(ctx)
	}
	var ops []app.Operation
	for _, e := range page.Ops {
		rj.held = append(rj.held, e.ID)
		if e.Op != nil {
			ops = append(ops, *e.Op)
		}
	}
	if len(ops) > 0 {
		n, err := rj.st.TakeOwn(ctx, ops)
		if err != nil {
			return err
		}
		rj.taken += n
		s.e.update(func(st *State) { st.Rejoined += n; st.Received += n })
	}
	if page.More {
		return s.askOwn(page.Ops[len(page.Ops)-1].Seq)
	}
	return s.finishRejoin(ctx)
}

// compare checks the hub's entries against what this folder queues under
// the same seqs. A seq the hub holds no entry for (refused before it kept
// refused ids) is no evidence either way.
func (s *session) compare(ctx context.Context, entries []wire.OwnEntry) error {
	rj := s.rejoin
	if len(entries) == 0 {
		return nil
	}
	from, to := entries[0].Seq, min(entries[len(entries)-1].Seq, rj.last)
	if to < from {
		return nil
	}
	queued, err := s.e.cfg.Store.Outbox(ctx, from-1, int(to-from+1))
	if err != nil {
		return err
	}
	local := make(map[uint64]app.ID, len(queued))
	for _, op := range queued {
		local[op.Seq] = op.ID
	}
	for _, e := range entries {
		if e.Seq > rj.last {
			break
		}
		if id, ok := local[e.Seq]; ok && id != e.ID {
			rj.diverged = e.Seq
			return nil
		}
	}
	return nil
}

// decide acts on the comparison.
func (s *session) decide(ctx context.Context) error {
	rj := s.rejoin
	switch {
	case rj.diverged == 0 && rj.hubLast <= rj.last:
		// The hub holds what this folder queued: only the ack was lost.
		s.rejoin = nil
		if rj.restored {
			if err := rj.st.ForgetRestore(ctx); err != nil {
				return err
			}
		}
		return s.resume(ctx, rj.hubLast)
	case rj.diverged != 0 && !rj.restored:
		s.rejoin = nil
		msg := fmt.Sprintf("another data folder is syncing as this station: the hub holds other operations than this folder's under seq %d, and this folder was not restored from a backup. Nothing is sent from here, so as not to write over the other folder's changes; keep one data folder per station (a folder restored by copying the file by hand: restore it with dutyroom restore)", rj.diverged)
		s.e.log.Warn("sync stopped: a second live data folder of this station", "seq", rj.diverged)
		s.e.update(func(st *State) { st.Err, st.ErrCode, st.Rejoining = msg, CodeSecondFolder, false })
		return permanent{wire.Errorf(CodeSecondFolder, "%s", msg)}
	}
	rj.taking = true
	return s.askOwn(rj.first - 1)
}

// finishRejoin renumbers what this folder queued after the hub's last seq
// and starts pushing it.
func (s *session) finishRejoin(ctx context.Context) error {
	rj := s.rejoin
	s.rejoin = nil
	moved, err := rj.st.Renumber(ctx, rj.hubLast, rj.held)
	if err != nil {
		return err
	}
	s.e.log.Info("rejoined the hub's sequence", "taken", rj.taken, "renumbered", moved, "hubLastSeq", rj.hubLast)
	s.e.update(func(st *State) {
		if st.ErrCode == wire.CodeConflict {
			st.Err, st.ErrCode = "", ""
		}
	})
	return s.resume(ctx, rj.hubLast)
}

// resume starts pushing after the hub's last seq, everything up to it
// being stored there.
func (s *session) resume(ctx context.Context, hubLast uint64) error {
	s.e.update(func(st *State) { st.Rejoining = false })
	if err := s.sendPendingPull(); err != nil {
		return err
	}
	st := s.e.cfg.Store
	if _, err := st.MarkSent(ctx, hubLast); err != nil {
		return err
	}
	s.sentThrough, s.journalTo = hubLast, hubLast
	s.stopPush = false
	s.e.refreshQueued(ctx)
	return s.pump(ctx)
}

// sendPendingPull sends the pull held back while the rejoin ran.
func (s *session) sendPendingPull() error {
	frame := s.pendingPull
	s.pendingPull = nil
	if frame == nil {
		return nil
	}
	return s.conn.WriteFrame(frame)
}

// ownRefused handles an error answering the own request: a hub that does
// not know it leaves the engine as it was before: the seqs it holds
// within what this folder made count as sent on its word, and when it
// holds more, pushing stops with the conflict explained, while what others
// send is still taken in.
func (s *session) ownRefused(ctx context.Context, we *wire.Error) error {
	rj := s.rejoin
	s.rejoin = nil
	if rj.hubLast <= rj.last {
		s.e.log.Info("the hub cannot compare seqs (an older hub); taking its last seq on its word", "hubLastSeq", rj.hubLast)
		return s.resume(ctx, rj.hubLast)
	}
	s.e.log.Warn("the hub cannot give back this station's operations", "code", we.Code, "reason", we.Message)
	s.e.update(func(st *State) {
		st.Rejoining = false
		st.Err, st.ErrCode = "the hub holds more operations from this station than this data folder made: was it restored from an older backup? Nothing will be sent ("+we.Code+": "+strconv.Quote(we.Message)+")", wire.CodeConflict
	})
	return s.sendPendingPull()
}
