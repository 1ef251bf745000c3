package syncer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// memStore is an in-memory Store: the outbox, the sent journal and the cursor.
type memStore struct {
	mu      sync.Mutex
	outbox  []app.Operation
	sent    []app.Operation
	last    uint64
	epoch   string
	pos     uint64
	applied map[app.ID]bool

	checkpoint *wire.Checkpoint
}

func newMemStore(origin app.ID, n int) *memStore {
	s := &memStore{applied: map[app.ID]bool{}}
	for i := range n {
		s.outbox = append(s.outbox, app.Operation{ID: app.NewID(), Origin: origin, Seq: uint64(i + 1), At: time.Now(), Kind: "k", Entity: app.NewID()})
	}
	s.last = uint64(n)
	return s
}

func after(ops []app.Operation, seq uint64, limit int) []app.Operation {
	var out []app.Operation
	for _, op := range ops {
		if op.Seq > seq && len(out) < limit {
			out = append(out, op)
		}
	}
	return out
}

func (s *memStore) Outbox(_ context.Context, seq uint64, limit int) ([]app.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return after(s.outbox, seq, limit), nil
}

func (s *memStore) OutboxLen(context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.outbox), nil
}

func (s *memStore) MarkSent(_ context.Context, through uint64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for len(s.outbox) > 0 && s.outbox[0].Seq <= through {
		s.sent = append(s.sent, s.outbox[0])
		s.outbox = s.outbox[1:]
		n++
	}
	return n, nil
}

func (s *memStore) Sent(_ context.Context, seq uint64, limit int) ([]app.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return after(s.sent, seq, limit), nil
}

func (s *memStore) LastSeq(context.Context) (uint64, error) { return s.last, nil }

func (s *memStore) SyncCursor(context.Context) (string, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epoch, s.pos, nil
}

func (s *memStore) ApplyIncoming(_ context.Context, epoch string, pos uint64, ops []app.Operation) (Applied, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res Applied
	for _, op := range ops {
		if s.applied[op.ID] {
			res.Skipped++
			continue
		}
		s.applied[op.ID] = true
		res.Applied++
	}
	s.epoch, s.pos = epoch, pos
	return res, nil
}

func (s *memStore) ApplyCheckpointed(ctx context.Context, epoch string, cp wire.Checkpoint, ops []app.Operation) (Applied, error) {
	res, err := s.ApplyIncoming(ctx, epoch, cp.Position, ops)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkpoint = &cp
	return res, err
}

func (s *memStore) SyncCheckpoint(context.Context) (*wire.Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkpoint, nil
}

func (s *memStore) ResetSyncCursor(_ context.Context, epoch string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch, s.pos, s.checkpoint = epoch, 0, nil
	return nil
}

// pipeConn is one side of a fake connection; the test plays the hub.
type pipeConn struct {
	toHub   chan []byte
	fromHub chan []byte
	closed  chan struct{}
	once    sync.Once
}

func newPipe() *pipeConn {
	return &pipeConn{toHub: make(chan []byte, 64), fromHub: make(chan []byte, 64), closed: make(chan struct{})}
}

func (p *pipeConn) ReadFrame() ([]byte, error) {
	select {
	case f := <-p.fromHub:
		return f, nil
	case <-p.closed:
		return nil, io.EOF
	}
}

func (p *pipeConn) WriteFrame(f []byte) error {
	select {
	case p.toHub <- f:
		return nil
	case <-p.closed:
		return io.ErrClosedPipe
	}
}

func (p *pipeConn) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

// hubSide reads what the engine sends.
func (p *pipeConn) next(t *testing.T, typ string) wire.Envelope {
	t.Helper()
	select {
	case f := <-p.toHub:
		env, err := wire.DecodeEnvelope(f)
		if err != nil || env.Type != typ {
			t.Fatalf("the engine sent %s, want a %s", f, typ)
		}
		return env
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s from the engine", typ)
	}
	return wire.Envelope{}
}

func (p *pipeConn) send(t *testing.T, typ string, data any) {
	t.Helper()
	f, err := wire.Encode(typ, "", data)
	if err != nil {
		t.Fatal(err)
	}
	p.fromHub <- f
}

type transportFunc func(ctx context.Context) (Conn, error)

func (f transportFunc) Dial(ctx context.Context) (Conn, error) { return f(ctx) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func run(t *testing.T, e *Engine) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitState(t *testing.T, e *Engine, what string, cond func(State) bool) State {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := e.State()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; state %+v", what, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A hub with a new epoch that lacks acknowledged operations gets them again
// from the journal, before the outbox, and the engine pulls from 0.
func TestNewEpochResendsTheJournalAndPullsFromTheStart(t *testing.T) {
	station := app.NewID()
	st := newMemStore(station, 6)
	st.MarkSent(context.Background(), 4) // the old hub acknowledged 1–4
	st.epoch, st.pos = "old", 120
	pipe := newPipe()
	e := New(Config{Store: st, Token: "tok", Logger: quiet(),
		Transport: transportFunc(func(context.Context) (Conn, error) { return pipe, nil })})
	run(t, e)

	pipe.next(t, wire.TypeHello)
	pipe.send(t, wire.TypeWelcome, wire.Welcome{Version: wire.Version, Epoch: "new", Station: station, User: "u", Head: 3, LastSeq: 2, MaxFrame: wire.MaxFrame, MaxPushOps: wire.MaxPushOps})
	pull, _ := wire.DecodePull(pipe.next(t, wire.TypePull))
	if pull.Cursor.Epoch != "new" || pull.Cursor.Position != 0 {
		t.Fatalf("pull after a new epoch: %+v", pull.Cursor)
	}
	push, _ := wire.DecodePush(pipe.next(t, wire.TypePush))
	if len(push.Ops) != 2 || push.Ops[0].Seq != 3 || push.Ops[1].Seq != 4 {
		t.Fatalf("the first push re-sends %v, want the journal's seqs 3 and 4", seqs(push.Ops))
	}
	push, _ = wire.DecodePush(pipe.next(t, wire.TypePush))
	if len(push.Ops) != 2 || push.Ops[0].Seq != 5 {
		t.Fatalf("the second push sends %v, want the outbox's 5 and 6", seqs(push.Ops))
	}
	pipe.send(t, wire.TypeAck, wire.Ack{Through: 6})
	waitState(t, e, "the outbox to empty", func(s State) bool { return s.Queued == 0 && s.Online })
}

func seqs(ops []app.Operation) []uint64 {
	var out []uint64
	for _, op := range ops {
		out = append(out, op.Seq)
	}
	return out
}

// A lost ack: the hub's welcome says it has more than the client saw
// acknowledged; the client counts those as sent and does not resend them.
func TestWelcomeLastSeqAcknowledgesWhatTheHubHas(t *testing.T) {
	station := app.NewID()
	st := newMemStore(station, 5)
	pipe := newPipe()
	e := New(Config{Store: st, Token: "tok", Logger: quiet(),
		Transport: transportFunc(func(context.Context) (Conn, error) { return pipe, nil })})
	run(t, e)
	pipe.next(t, wire.TypeHello)
	pipe.send(t, wire.TypeWelcome, wire.Welcome{Version: wire.Version, Epoch: "e", Station: station, LastSeq: 3, MaxFrame: 1, MaxPushOps: 1})
	pipe.next(t, wire.TypePull)
	push, _ := wire.DecodePush(pipe.next(t, wire.TypePush))
	if push.Ops[0].Seq != 4 {
		t.Fatalf("pushed from seq %d, want 4", push.Ops[0].Seq)
	}
	if n, _ := st.OutboxLen(context.Background()); n != 2 {
		t.Fatalf("%d still queued, want 2", n)
	}
}

// Deliveries are applied and move the cursor; caught_up moves it too.
func TestDeliveriesMoveTheCursor(t *testing.T) {
	station := app.NewID()
	st := newMemStore(station, 0)
	pipe := newPipe()
	e := New(Config{Store: st, Token: "tok", Logger: quiet(),
		Transport: transportFunc(func(context.Context) (Conn, error) { return pipe, nil })})
	run(t, e)
	pipe.next(t, wire.TypeHello)
	pipe.send(t, wire.TypeWelcome, wire.Welcome{Version: wire.Version, Epoch: "e", Station: station, MaxFrame: 1, MaxPushOps: 1})
	pipe.next(t, wire.TypePull)
	op := app.Operation{ID: app.NewID(), Origin: app.NewID(), Seq: 1, At: time.Now(), Kind: "k", Entity: app.NewID()}
	pipe.send(t, wire.TypeOps, wire.Ops{Epoch: "e", Ops: []wire.Delivery{{Pos: 7, Op: op}}})
	pipe.send(t, wire.TypeCaughtUp, wire.CaughtUp{Epoch: "e", Position: 9})
	s := waitState(t, e, "caught up", func(s State) bool { return s.CaughtUp })
	if s.Position != 9 || s.Received != 1 || !st.applied[op.ID] {
		t.Fatalf("state %+v", s)
	}
}

// Failed dials are retried with growing, jittered waits, and the state
// says when the next try comes.
func TestOfflineRetriesWithBackoff(t *testing.T) {
	var dials atomic.Int32
	e := New(Config{Store: newMemStore(app.NewID(), 3), Token: "tok", Logger: quiet(),
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		Transport: transportFunc(func(context.Context) (Conn, error) {
			dials.Add(1)
			return nil, errors.New("connection refused")
		})})
	run(t, e)
	waitState(t, e, "several attempts", func(State) bool { return dials.Load() >= 4 })
	s := e.State()
	if s.Online || s.Queued != 3 || s.Err == "" {
		t.Fatalf("offline state %+v", s)
	}
}

// A pin to confirm stops the engine until someone acts: no redialling.
func TestPinToConfirmStopsRetrying(t *testing.T) {
	var dials atomic.Int32
	e := New(Config{Store: newMemStore(app.NewID(), 0), Token: "tok", Logger: quiet(),
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
		Transport: transportFunc(func(context.Context) (Conn, error) {
			dials.Add(1)
			return nil, &PinError{Presented: "ab12"}
		})})
	run(t, e)
	waitState(t, e, "the pin", func(s State) bool { return s.PinToConfirm == "ab12" })
	time.Sleep(50 * time.Millisecond)
	if n := dials.Load(); n != 1 {
		t.Fatalf("dialled %d times while waiting for the pin to be confirmed", n)
	}
}

// A refused login asks for a new one and waits; SetLogin tries again.
func TestUnauthorizedAsksForLogin(t *testing.T) {
	station := app.NewID()
	pipes := make(chan *pipeConn, 2)
	e := New(Config{Store: newMemStore(station, 0), Token: "old", Logger: quiet(),
		Transport: transportFunc(func(context.Context) (Conn, error) {
			p := newPipe()
			pipes <- p
			return p, nil
		})})
	run(t, e)
	first := <-pipes
	first.next(t, wire.TypeHello)
	first.send(t, wire.TypeError, wire.Errorf(wire.CodeUnauthorized, "the session expired"))
	waitState(t, e, "a login to be asked for", func(s State) bool { return s.NeedLogin })
	e.SetLogin("zhang", "secret password")
	second := <-pipes
	h, err := wire.DecodeHello(second.next(t, wire.TypeHello))
	if err != nil || h.Login == nil || h.Login.User != "zhang" || h.Token != "" {
		t.Fatalf("the retry's hello: %+v, %v", h, err)
	}
}
