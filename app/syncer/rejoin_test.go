package syncer

import (
	"context"
	"testing"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// rejoinStore is a memStore that can take its station's operations back.
type rejoinStore struct {
	*memStore
	restored bool
	taken    []app.Operation
}

func (s *rejoinStore) Restored(context.Context) (bool, error) { return s.restored, nil }
func (s *rejoinStore) ForgetRestore(context.Context) error    { s.restored = false; return nil }

func (s *rejoinStore) TakeOwn(_ context.Context, ops []app.Operation) (int, error) {
	s.taken = append(s.taken, ops...)
	return len(ops), nil
}

func (s *rejoinStore) Renumber(_ context.Context, hubLast uint64, held []app.ID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	isHeld := map[app.ID]bool{}
	for _, id := range held {
		isHeld[id] = true
	}
	var out []app.Operation
	next := hubLast
	for _, op := range s.outbox {
		if !isHeld[op.ID] {
			next++
			op.Seq = next
			out = append(out, op)
		}
	}
	s.outbox, s.last, s.restored = out, next, false
	return len(out), nil
}

func ownEntries(ops []app.Operation) []wire.OwnEntry {
	var out []wire.OwnEntry
	for i := range ops {
		out = append(out, wire.OwnEntry{Seq: ops[i].Seq, ID: ops[i].ID, Op: &ops[i]})
	}
	return out
}

func welcomed(t *testing.T, st Store, station app.ID, lastSeq uint64) (*Engine, *pipeConn) {
	t.Helper()
	pipe := newPipe()
	e := New(Config{Store: st, Token: "tok", Logger: quiet(),
		Transport: transportFunc(func(context.Context) (Conn, error) { return pipe, nil })})
	run(t, e)
	pipe.next(t, wire.TypeHello)
	pipe.send(t, wire.TypeWelcome, wire.Welcome{Version: wire.Version, Epoch: "e", Station: station, LastSeq: lastSeq, MaxFrame: wire.MaxFrame, MaxPushOps: wire.MaxPushOps})
	return e, pipe
}

// A lost ack: the welcome says the hub holds seqs still queued here. The
// engine asks which operations they are before counting them as sent, and
// pulls and pushes only then.
func TestLostAckIsCheckedAgainstTheHubsOperations(t *testing.T) {
	station := app.NewID()
	st := &rejoinStore{memStore: newMemStore(station, 5)}
	_, pipe := welcomed(t, st, station, 3)
	own, err := wire.DecodeOwn(pipe.next(t, wire.TypeOwn))
	if err != nil || own.After != 0 {
		t.Fatalf("asked for own operations after %d (%v), want 0", own.After, err)
	}
	pipe.send(t, wire.TypeOwnOps, wire.OwnOps{Ops: ownEntries(st.outbox[:3]), LastSeq: 3})
	pipe.next(t, wire.TypePull)
	push, _ := wire.DecodePush(pipe.next(t, wire.TypePush))
	if push.Ops[0].Seq != 4 {
		t.Fatalf("pushed from seq %d, want 4", push.Ops[0].Seq)
	}
	if len(st.taken) != 0 {
		t.Fatalf("took back %d operations this folder made itself", len(st.taken))
	}
}

// A hub older than own answers unknown_type. When it holds more than this
// folder made, the engine sends nothing, says why, and still takes in what
// others send.
func TestHubWithoutOwnLeavesPushingStopped(t *testing.T) {
	station := app.NewID()
	st := &rejoinStore{memStore: newMemStore(station, 2), restored: true}
	e, pipe := welcomed(t, st, station, 4)
	pipe.next(t, wire.TypeOwn)
	frame := wire.EncodeError("own", wire.Errorf(wire.CodeUnknownType, "unknown message type \"own\""))
	pipe.fromHub <- frame
	pipe.next(t, wire.TypePull)
	waitState(t, e, "the conflict explained", func(s State) bool { return s.ErrCode == wire.CodeConflict && s.Online })
	select {
	case f := <-pipe.toHub:
		t.Fatalf("the engine sent %s after the hub refused own", f)
	default:
	}
}

// A restored folder whose queue holds other operations than the hub under
// the same seqs takes the hub's back and pushes its own after them.
func TestRestoredFolderRenumbersAfterTheHubsLastSeq(t *testing.T) {
	station := app.NewID()
	st := &rejoinStore{memStore: newMemStore(station, 2), restored: true}
	hubOps := newMemStore(station, 3).outbox // seqs 1–3, other ids
	e, pipe := welcomed(t, st, station, 3)
	pipe.next(t, wire.TypeOwn)
	pipe.send(t, wire.TypeOwnOps, wire.OwnOps{Ops: ownEntries(hubOps), LastSeq: 3})
	own, _ := wire.DecodeOwn(pipe.next(t, wire.TypeOwn))
	if own.After != 0 {
		t.Fatalf("asked again after %d, want 0", own.After)
	}
	pipe.send(t, wire.TypeOwnOps, wire.OwnOps{Ops: ownEntries(hubOps), LastSeq: 3})
	pipe.next(t, wire.TypePull)
	push, _ := wire.DecodePush(pipe.next(t, wire.TypePush))
	if got := seqs(push.Ops); len(got) != 2 || got[0] != 4 || got[1] != 5 {
		t.Fatalf("pushed seqs %v, want 4 and 5", got)
	}
	if s := waitState(t, e, "the count of what came back", func(s State) bool { return s.Rejoined == 3 }); s.Rejoining {
		t.Fatal("still rejoining after pushing")
	}
}

// A hub older than own, holding seqs this folder queues (a lost ack): they
// count as sent on its word, as before own existed, and pushing goes on.
func TestHubWithoutOwnTakesALostAckOnItsWord(t *testing.T) {
	station := app.NewID()
	st := &rejoinStore{memStore: newMemStore(station, 5)}
	_, pipe := welcomed(t, st, station, 3)
	pipe.next(t, wire.TypeOwn)
	pipe.fromHub <- wire.EncodeError("own", wire.Errorf(wire.CodeUnknownType, "unknown message type \"own\""))
	pipe.next(t, wire.TypePull)
	push, _ := wire.DecodePush(pipe.next(t, wire.TypePush))
	if push.Ops[0].Seq != 4 {
		t.Fatalf("pushed from seq %d, want 4", push.Ops[0].Seq)
	}
}
