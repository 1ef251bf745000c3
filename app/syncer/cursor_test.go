package syncer

import (
	"context"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

func testCheckpoint(pos uint64) wire.Checkpoint {
	return wire.Checkpoint{Position: pos, Chain: strings.Repeat("ab", wire.HashLen), MAC: strings.Repeat("cd", wire.HashLen)}
}

func welcome(epoch string, station app.ID) wire.Welcome {
	return wire.Welcome{Version: wire.Version, Epoch: epoch, Station: station, User: "u", MaxFrame: wire.MaxFrame, MaxPushOps: wire.MaxPushOps}
}

// The pull shows the hub the checkpoint kept with the cursor, so the hub
// can tell whether its log is still the one this client read; in a new
// epoch there is nothing to show.
func TestPullShowsTheCheckpointOfTheCursorsEpoch(t *testing.T) {
	station := app.NewID()
	cp := testCheckpoint(9)
	for _, tc := range []struct {
		epoch string
		want  *wire.Checkpoint
		pos   uint64
	}{{"e", &cp, 9}, {"new", nil, 0}} {
		st := newMemStore(station, 0)
		st.epoch, st.pos, st.checkpoint = "e", 9, &cp
		pipe := newPipe()
		e := New(Config{Store: st, Token: "tok", Logger: quiet(),
			Transport: transportFunc(func(context.Context) (Conn, error) { return pipe, nil })})
		run(t, e)
		pipe.next(t, wire.TypeHello)
		pipe.send(t, wire.TypeWelcome, welcome(tc.epoch, station))
		pull, err := wire.DecodePull(pipe.next(t, wire.TypePull))
		if err != nil {
			t.Fatal(err)
		}
		got := pull.Cursor
		if got.Epoch != tc.epoch || got.Position != tc.pos || (got.Checkpoint == nil) != (tc.want == nil) || (got.Checkpoint != nil && *got.Checkpoint != *tc.want) {
			t.Fatalf("welcome of epoch %s: pulled with %+v (checkpoint %+v)", tc.epoch, got, got.Checkpoint)
		}
	}
}

// A delivery's checkpoint moves the cursor to the checkpoint's position
// (the batch's head, past the client's last operation) and is kept; so is
// the one of caught_up.
func TestDeliveredCheckpointIsKeptWithTheCursor(t *testing.T) {
	station := app.NewID()
	st := newMemStore(station, 0)
	pipe := newPipe()
	e := New(Config{Store: st, Token: "tok", Logger: quiet(),
		Transport: transportFunc(func(context.Context) (Conn, error) { return pipe, nil })})
	run(t, e)
	pipe.next(t, wire.TypeHello)
	pipe.send(t, wire.TypeWelcome, welcome("e", station))
	pipe.next(t, wire.TypePull)
	cp := testCheckpoint(12)
	op := app.Operation{ID: app.NewID(), Origin: app.NewID(), Seq: 1, At: time.Now(), Kind: "k", Entity: app.NewID()}
	pipe.send(t, wire.TypeOps, wire.Ops{Epoch: "e", Ops: []wire.Delivery{{Pos: 7, Op: op}}, Checkpoint: &cp})
	waitState(t, e, "the delivery", func(s State) bool { return s.Position == 12 })
	if got, _ := st.SyncCheckpoint(context.Background()); got == nil || *got != cp || !st.applied[op.ID] {
		t.Fatalf("after the delivery the store holds checkpoint %+v", got)
	}
	up := testCheckpoint(15)
	pipe.send(t, wire.TypeCaughtUp, wire.CaughtUp{Epoch: "e", Position: 15, Checkpoint: &up})
	waitState(t, e, "caught up", func(s State) bool { return s.CaughtUp && s.Position == 15 })
	if got, _ := st.SyncCheckpoint(context.Background()); got == nil || got.Position != 15 {
		t.Fatalf("after caught_up the store holds checkpoint %+v", got)
	}
}

// When the hub refuses the cursor it reads the connection the epoch from
// 0: the engine forgets its cursor and checkpoint first, takes in the
// deliveries from 0 on the same connection, applying nothing twice, and
// does not hang up.
func TestBadCursorForgetsTheCursorAndReadsOnFromTheStart(t *testing.T) {
	station := app.NewID()
	st := newMemStore(station, 0)
	known := app.Operation{ID: app.NewID(), Origin: app.NewID(), Seq: 1, At: time.Now(), Kind: "k", Entity: app.NewID()}
	st.applied[known.ID] = true
	cp := testCheckpoint(40)
	st.epoch, st.pos, st.checkpoint = "e", 40, &cp
	dials := make(chan *pipeConn, 2)
	e := New(Config{Store: st, Token: "tok", Logger: quiet(), MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		Transport: transportFunc(func(context.Context) (Conn, error) {
			p := newPipe()
			dials <- p
			return p, nil
		})})
	run(t, e)
	pipe := <-dials
	pipe.next(t, wire.TypeHello)
	pipe.send(t, wire.TypeWelcome, welcome("e", station))
	pull, _ := wire.DecodePull(pipe.next(t, wire.TypePull))
	if pull.Cursor.Checkpoint == nil {
		t.Fatal("the engine pulled without its checkpoint")
	}
	pipe.send(t, wire.TypeError, wire.Errorf(wire.CodeBadCursor, "not a checkpoint this hub signed"))
	fresh := testCheckpoint(3)
	other := app.Operation{ID: app.NewID(), Origin: app.NewID(), Seq: 1, At: time.Now(), Kind: "k", Entity: app.NewID()}
	pipe.send(t, wire.TypeOps, wire.Ops{Epoch: "e", Ops: []wire.Delivery{{Pos: 1, Op: known}, {Pos: 3, Op: other}}, Checkpoint: &fresh})
	pipe.send(t, wire.TypeCaughtUp, wire.CaughtUp{Epoch: "e", Position: 3, Checkpoint: &fresh})
	s := waitState(t, e, "caught up from the start", func(s State) bool { return s.CaughtUp })
	if s.Position != 3 || s.Received != 1 || !s.Online {
		t.Fatalf("after re-reading from 0: %+v", s)
	}
	if got, _ := st.SyncCheckpoint(context.Background()); got == nil || *got != fresh {
		t.Fatalf("the store keeps checkpoint %+v, want the fresh one", got)
	}
	select {
	case <-dials:
		t.Fatal("the engine hung up and dialled again after bad_cursor")
	default:
	}
}
