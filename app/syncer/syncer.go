// Package syncer is the client's sync engine: it pushes the store's outbox
// to a hub in order, applies what the hub delivers once each, keeps the
// hub cursor, reconnects with jittered backoff, and reports its state for
// the status bar. It knows the protocol (app/wire) and the store through
// the Store interface; the socket comes through Transport, so this package
// stays standard library only.
package syncer

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Applied counts what one delivery did to the store.
type Applied struct {
	Applied int // changed local records
	Skipped int // taken in before, or this station's own
	Kept    int // stored for later: a kind this version does not apply, or a change that did not fit
}

// Store is what the engine needs of the client's store.
type Store interface {
	// Outbox returns up to limit queued operations after seq, oldest first.
	Outbox(ctx context.Context, afterSeq uint64, limit int) ([]app.Operation, error)
	// OutboxLen returns how many operations wait to be sent.
	OutboxLen(ctx context.Context) (int, error)
	// MarkSent moves outbox entries up to seq to the sent journal once the
	// hub has them durably.
	MarkSent(ctx context.Context, throughSeq uint64) (int, error)
	// Sent returns acknowledged operations after seq, to re-send to a hub
	// restored from an older backup.
	Sent(ctx context.Context, afterSeq uint64, limit int) ([]app.Operation, error)
	// LastSeq is the last seq given to an operation here.
	LastSeq(ctx context.Context) (uint64, error)
	// SyncCursor returns the hub epoch and position read to.
	SyncCursor(ctx context.Context) (epoch string, position uint64, err error)
	// ApplyIncoming applies a delivery, each operation id at most once,
	// and moves the cursor, in one transaction.
	ApplyIncoming(ctx context.Context, epoch string, position uint64, ops []app.Operation) (Applied, error)
	// ApplyCheckpointed is ApplyIncoming for a delivery that came with
	// the hub's checkpoint: the cursor moves to its position and the
	// checkpoint is kept with it, in the same transaction.
	ApplyCheckpointed(ctx context.Context, epoch string, cp wire.Checkpoint, ops []app.Operation) (Applied, error)
	// SyncCheckpoint returns the checkpoint kept with the cursor; nil
	// when there is none for the cursor's epoch.
	SyncCheckpoint(ctx context.Context) (*wire.Checkpoint, error)
	// ResetSyncCursor moves the cursor to position 0 of epoch and forgets
	// the checkpoint.
	ResetSyncCursor(ctx context.Context, epoch string) error
}

// Conn is one open connection to a hub: whole frames in, whole frames out.
type Conn interface {
	ReadFrame() ([]byte, error)
	WriteFrame(frame []byte) error
	Close() error
}

// Transport opens connections to the hub.
type Transport interface {
	Dial(ctx context.Context) (Conn, error)
}

// PinError is returned by a Transport when the hub's certificate does not
// carry the expected pin, or no pin was given yet (trust on first use).
// The engine stops and reports Presented for someone to confirm.
type PinError struct {
	Presented string
	Expected  string // "" on first use
}

func (e *PinError) Error() string {
	if e.Expected == "" {
		return "the hub presents a certificate with pin " + wire.FormatPin(e.Presented) + "; confirm it with the hub's administrator before trusting it"
	}
	return "the hub's certificate has pin " + wire.FormatPin(e.Presented) + ", not the expected " + wire.FormatPin(e.Expected) + "; this may not be your hub"
}

// State is what the status bar shows.
type State struct {
	Online    bool
	Queued    int    // operations waiting in the outbox
	Station   app.ID // the station the account logs in for, once welcomed
	User      string
	Epoch     string
	Position  uint64
	CaughtUp  bool // everything the hub had for this station has been applied
	Received  int  // operations taken in since the engine started
	Rejoined  int  // of those, this station's own taken back from the hub (a restored folder)
	Rejoining bool // comparing seqs with the hub, or taking operations back: nothing is pushed yet
	NeedLogin bool // the hub refused the credentials: log in again
	// PinToConfirm is the pin the hub presented when none was configured
	// or it differs from the configured one; the engine waits until it is
	// restarted with a pin.
	PinToConfirm string
	Err          string    // the last problem, for people; "" when all is well
	ErrCode      string    // its wire code or app code
	NextTry      time.Time // when offline: the next attempt
}

// Config sets up an Engine.
type Config struct {
	Store     Store
	Transport Transport
	Token     string      // a session token from an earlier login
	Login     *wire.Login // or a user and password; the token the hub returns goes to OnToken
	Client    string      // program and version, for the hub's log

	OnState func(State) // every change; called from the engine's goroutine
	// OnSignal receives consultation signalling (wire.IsSignal types, and
	// errors answering requests whose id starts with wire.SignalIDPrefix)
	// from the engine's goroutine: it must hand them over, not wait.
	// Nil drops them.
	OnSignal func(wire.Envelope)
	OnToken  func(token string, expires time.Time) // a new session token to keep

	MinBackoff time.Duration // first wait after a failure; 500 ms by default
	MaxBackoff time.Duration // longest wait; 1 minute by default
	Poll       time.Duration // how often to look at the outbox without a Kick; 2 s by default
	Window     int           // pushes in flight before waiting for acks; 4 by default
	Logger     *slog.Logger
}

// Engine syncs one store with one hub.
type Engine struct {
	cfg  Config
	log  *slog.Logger
	kick chan struct{}
	wake chan struct{}

	mu    sync.Mutex
	state State
	token string
	login *wire.Login
	conn  Conn // the welcomed connection, for Signal; nil when offline
	// requests wait for the hub's answers (Request), by id.
	requests map[string]request
}

// ErrOffline is Signal's answer when no connection is open.
var ErrOffline = errors.New("not connected to the hub")

// Signal sends a consultation signalling frame on the open connection,
// beside the sync traffic. The transport's WriteFrame must be safe to call
// from two goroutines (wsdial's is). It fails when offline; the room is
// lost with the connection anyway, and the caller joins again.
func (e *Engine) Signal(frame []byte) error {
	e.mu.Lock()
	conn := e.conn
	e.mu.Unlock()
	if conn == nil {
		return ErrOffline
	}
	return conn.WriteFrame(frame)
}

// New returns an engine; Run starts it.
func New(cfg Config) *Engine {
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Window <= 0 {
		cfg.Window = 4
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Engine{
		cfg:   cfg,
		log:   cfg.Logger,
		kick:  make(chan struct{}, 1),
		wake:  make(chan struct{}, 1),
		token: cfg.Token,
		login: cfg.Login,
	}
}

// Kick tells the engine the outbox has something new, so it sends now
// rather than at the next poll. It never blocks.
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// SetLogin gives new credentials after the hub refused the old ones, and
// wakes the engine.
func (e *Engine) SetLogin(user, password string) {
	e.mu.Lock()
	e.login, e.token = &wire.Login{User: user, Password: password}, ""
	e.mu.Unlock()
	e.wakeUp()
}

// SetToken gives a session token and wakes the engine.
func (e *Engine) SetToken(token string) {
	e.mu.Lock()
	e.login, e.token = nil, token
	e.mu.Unlock()
	e.wakeUp()
}

func (e *Engine) wakeUp() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// State returns the current state.
func (e *Engine) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state
}

func (e *Engine) update(fn func(s *State)) {
	e.mu.Lock()
	fn(&e.state)
	s := e.state
	e.mu.Unlock()
	if e.cfg.OnState != nil {
		e.cfg.OnState(s)
	}
}

// permanent errors need someone to act (a new password, a pin, a newer
// program); retrying on a timer would only fill the hub's log.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Run syncs until ctx ends, reconnecting after every failure with
// jittered exponential backoff. It returns ctx's error.
func (e *Engine) Run(ctx context.Context) error {
	e.refreshQueued(ctx)
	backoff := e.cfg.MinBackoff
	for {
		welcomed, err := e.session(ctx)
		if ctx.Err() != nil {
			e.update(func(s *State) { s.Online = false })
			return ctx.Err()
		}
		if welcomed {
			backoff = e.cfg.MinBackoff
		}
		var perm permanent
		if errors.As(err, &perm) {
			e.log.Warn("sync stopped until someone acts", "err", perm.err)
			e.update(func(s *State) { s.Online, s.NextTry = false, time.Time{} })
			select {
			case <-e.wake:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		// Full jitter over the upper half: 2,000 duty rooms cut off by the
		// same outage must not come back in the same second.
		wait := backoff/2 + rand.N(backoff/2+1)
		wait = e.retryWait(wait, err)
		e.log.Info("sync offline; retrying", "err", err, "in", wait)
		e.update(func(s *State) {
			s.Online, s.NextTry = false, time.Now().Add(wait)
			if err != nil && s.Err == "" {
				s.Err, s.ErrCode = err.Error(), codeOf(err)
			}
		})
		backoff = min(backoff*2, e.cfg.MaxBackoff)
		select {
		case <-time.After(wait):
		case <-e.wake:
			backoff = e.cfg.MinBackoff
		case <-ctx.Done():
			e.update(func(s *State) { s.Online = false })
			return ctx.Err()
		}
	}
}

// retryWait is the wait before the next try: the backoff's, or longer
// when a hub that is busy or holds the station over its quota says when
// to come back (sooner would only be refused again), but never longer than
// MaxBackoff, whatever the hub says.
func (e *Engine) retryWait(backoff time.Duration, err error) time.Duration {
	var we *wire.Error
	if !errors.As(err, &we) || (we.Code != wire.CodeBusy && we.Code != wire.CodeOverQuota) || we.RetryAfter <= 0 {
		return backoff
	}
	asked := e.cfg.MaxBackoff
	if we.RetryAfter < int(e.cfg.MaxBackoff/time.Second) {
		asked = time.Duration(we.RetryAfter) * time.Second
	}
	return max(backoff, asked)
}

func codeOf(err error) string {
	var we *wire.Error
	if errors.As(err, &we) {
		return we.Code
	}
	var pe *PinError
	if errors.As(err, &pe) {
		return "pin"
	}
	return app.ErrorCode(err)
}

func (e *Engine) refreshQueued(ctx context.Context) {
	n, err := e.cfg.Store.OutboxLen(ctx)
	if err == nil {
		e.update(func(s *State) { s.Queued = n })
	}
}

// frameOrErr is what the reading goroutine hands over.
type frameOrErr struct {
	env wire.Envelope
	err error
}

// session is one connection: handshake, reconcile, then push and apply
// until something fails. welcomed reports whether the hub let us in.
func (e *Engine) session(ctx context.Context) (welcomed bool, err error) {
	conn, err := e.cfg.Transport.Dial(ctx)
	if err != nil {
		var pe *PinError
		if errors.As(err, &pe) {
			e.update(func(s *State) { s.PinToConfirm, s.Err, s.ErrCode = pe.Presented, pe.Error(), "pin" })
			return false, permanent{err}
		}
		return false, err
	}
	defer conn.Close()
	sessCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-sessCtx.Done()
		conn.Close() // unblocks the reader
	}()

	w, err := e.handshake(conn)
	if err != nil {
		return false, err
	}
	e.mu.Lock()
	e.conn = conn
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.conn = nil
		e.mu.Unlock()
		e.failRequests()
	}()
	frames := make(chan frameOrErr, 64)
	go readFrames(sessCtx, conn, frames)
	s := &session{e: e, conn: conn, welcome: w}
	if err := s.start(ctx); err != nil {
		return true, err
	}
	return true, s.loop(ctx, frames)
}

func (e *Engine) handshake(conn Conn) (wire.Welcome, error) {
	e.mu.Lock()
	hello := wire.Hello{Version: wire.Version, Client: e.cfg.Client, Token: e.token}
	if e.token == "" && e.login != nil {
		l := *e.login
		hello.Login = &l
	}
	e.mu.Unlock()
	if hello.Token == "" && hello.Login == nil {
		e.update(func(s *State) { s.NeedLogin, s.Err, s.ErrCode = true, "log in to the hub", wire.CodeUnauthorized })
		return wire.Welcome{}, permanent{errors.New("no credentials for the hub")}
	}
	frame, err := wire.Encode(wire.TypeHello, "hello", hello)
	if err != nil {
		return wire.Welcome{}, err
	}
	if err := conn.WriteFrame(frame); err != nil {
		return wire.Welcome{}, err
	}
	raw, err := conn.ReadFrame()
	if err != nil {
		return wire.Welcome{}, err
	}
	env, err := wire.DecodeEnvelope(raw)
	if err != nil {
		return wire.Welcome{}, err
	}
	if env.Type == wire.TypeError {
		we := wire.DecodeError(env)
		switch we.Code {
		case wire.CodeUnauthorized, wire.CodeThrottled:
			e.update(func(s *State) { s.NeedLogin, s.Err, s.ErrCode = true, we.Message, we.Code })
			return wire.Welcome{}, permanent{we}
		case wire.CodeVersion, wire.CodeForbidden:
			e.update(func(s *State) { s.Err, s.ErrCode = we.Message, we.Code })
			return wire.Welcome{}, permanent{we}
		}
		return wire.Welcome{}, we
	}
	if env.Type != wire.TypeWelcome {
		return wire.Welcome{}, wire.Errorf(wire.CodeBadMessage, "the hub answered the hello with %q", env.Type)
	}
	w, err := wire.DecodeWelcome(env)
	if err != nil {
		return wire.Welcome{}, err
	}
	if w.Token != "" {
		e.mu.Lock()
		e.token, e.login = w.Token, nil
		e.mu.Unlock()
		if e.cfg.OnToken != nil {
			e.cfg.OnToken(w.Token, w.Expires)
		}
	}
	e.update(func(s *State) {
		s.Online, s.NeedLogin, s.PinToConfirm, s.Err, s.ErrCode = true, false, "", "", ""
		s.Station, s.User, s.NextTry, s.CaughtUp, s.Rejoining = w.Station, w.User, time.Time{}, false, false
	})
	e.log.Info("sync online", "user", w.User, "station", w.Station, "epoch", w.Epoch, "head", w.Head, "hubLastSeq", w.LastSeq)
	return w, nil
}

func readFrames(ctx context.Context, conn Conn, out chan<- frameOrErr) {
	defer close(out)
	for {
		var f frameOrErr
		raw, err := conn.ReadFrame()
		if err != nil {
			f.err = err
		} else {
			f.env, f.err = wire.DecodeEnvelope(raw)
		}
		select {
		case out <- f:
		case <-ctx.Done():
			return
		}
		if f.err != nil {
			return
		}
	}
}

// session is the state of one connection after the welcome.
type session struct {
	e       *Engine
	conn    Conn
	welcome wire.Welcome
	epoch   string

	sentThrough uint64 // the last seq pushed on this connection
	journalTo   uint64 // seqs up to here come from the sent journal, not the outbox
	inFlight    int
	pushID      int
	stopPush    bool
	rejoin      *rejoin // comparing seqs with the hub before pushing (rejoin.go)
	pendingPull []byte  // the pull, held until the rejoin has taken this station's operations back
}

// start reconciles with the hub and asks for the backlog. A new epoch
// means the hub's log is not the one this client read: re-send whatever
// the hub lacks, from the journal too, and re-pull from the start; the
// applied ids make the re-pull change nothing twice.
func (s *session) start(ctx context.Context) error {
	st := s.e.cfg.Store
	w := s.welcome
	epoch, pos, err := st.SyncCursor(ctx)
	if err != nil {
		return err
	}
	var checkpoint *wire.Checkpoint
	if epoch != w.Epoch {
		if epoch != "" {
			s.e.log.Warn("the hub has a new epoch: re-sending and re-pulling", "was", epoch, "now", w.Epoch)
		}
		pos = 0
	} else if checkpoint, err = st.SyncCheckpoint(ctx); err != nil {
		return err
	}
	s.epoch = w.Epoch
	last, err := st.LastSeq(ctx)
	if err != nil {
		return err
	}
	first := last + 1
	if queued, err := st.Outbox(ctx, 0, 1); err != nil {
		return err
	} else if len(queued) > 0 {
		first = queued[0].Seq
	}
	rj, canRejoin := st.(Rejoiner)
	if canRejoin && needsRejoin(w.LastSeq, first) {
		if err := s.startRejoin(ctx, rj, first, last); err != nil {
			return err
		}
	} else if w.LastSeq > last {
		s.stopPush = true
		s.e.update(func(st *State) {
			st.Err, st.ErrCode = "the hub holds more operations from this station than this data folder made: was it restored from an older backup? Nothing will be sent", wire.CodeConflict
		})
	} else {
		// Everything up to the hub's last seq is stored there; the
		// acknowledgement may have been lost with the last connection.
		if _, err := st.MarkSent(ctx, w.LastSeq); err != nil {
			return err
		}
		s.sentThrough = w.LastSeq
		first, err := st.Outbox(ctx, 0, 1)
		if err != nil {
			return err
		}
		s.journalTo = last
		if len(first) > 0 {
			s.journalTo = first[0].Seq - 1
		}
		if s.journalTo > w.LastSeq {
			s.e.log.Warn("the hub lacks operations it had acknowledged; re-sending them", "from", w.LastSeq+1, "to", s.journalTo)
		}
		if canRejoin {
			// In step with the hub: a restore mark has nothing left to do.
			if restored, err := rj.Restored(ctx); err != nil {
				return err
			} else if restored {
				if err := rj.ForgetRestore(ctx); err != nil {
					return err
				}
			}
		}
	}
	s.e.refreshQueued(ctx)
	// The checkpoint names the operation the cursor stands on: the hub
	// tells from it whether its log is still the one this client read.
	frame, err := wire.Encode(wire.TypePull, "pull", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch, Position: pos, Checkpoint: checkpoint}})
	if err != nil {
		return err
	}
	if s.rejoin != nil {
		// Others' changes to this station's records (an acknowledgement
		// of its incident) must find the records back first (rejoin.go).
		s.pendingPull = frame
		return nil
	}
	if err := s.conn.WriteFrame(frame); err != nil {
		return err
	}
	return s.pump(ctx)
}

func (s *session) loop(ctx context.Context, frames <-chan frameOrErr) error {
	poll := time.NewTicker(s.e.cfg.Poll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case f, ok := <-frames:
			if !ok {
				return errors.New("the connection closed")
			}
			if f.err != nil {
				return f.err
			}
			if err := s.handle(ctx, f.env); err != nil {
				return err
			}
		case <-s.e.kick:
			s.e.refreshQueued(ctx)
			if err := s.pump(ctx); err != nil {
				return err
			}
		case <-poll.C:
			if err := s.pump(ctx); err != nil {
				return err
			}
		}
	}
}

func (s *session) handle(ctx context.Context, env wire.Envelope) error {
	st := s.e.cfg.Store
	if s.e.answer(env) {
		return nil
	}
	if wire.IsSignal(env.Type) || (env.Type == wire.TypeError && strings.HasPrefix(env.ID, wire.SignalIDPrefix)) {
		if s.e.cfg.OnSignal != nil {
			s.e.cfg.OnSignal(env)
		}
		return nil
	}
	switch env.Type {
	case wire.TypeOps:
		o, err := wire.DecodeOps(env)
		if err != nil {
			return err
		}
		if o.Epoch != s.epoch {
			return wire.Errorf(wire.CodeBadMessage, "a delivery of epoch %s on a connection of epoch %s", o.Epoch, s.epoch)
		}
		if len(o.Ops) == 0 {
			return nil
		}
		ops := make([]app.Operation, len(o.Ops))
		for i := range o.Ops {
			ops[i] = o.Ops[i].Op
		}
		pos := o.Ops[len(o.Ops)-1].Pos
		var res Applied
		if o.Checkpoint != nil {
			pos = o.Checkpoint.Position
			res, err = st.ApplyCheckpointed(ctx, s.epoch, *o.Checkpoint, ops)
		} else {
			res, err = st.ApplyIncoming(ctx, s.epoch, pos, ops)
		}
		if err != nil {
			return err
		}
		s.e.update(func(st *State) {
			st.Epoch, st.Position = s.epoch, pos
			st.Received += res.Applied + res.Kept
		})
	case wire.TypeCaughtUp:
		c, err := wire.DecodeCaughtUp(env)
		if err != nil {
			return err
		}
		if c.Checkpoint != nil {
			_, err = st.ApplyCheckpointed(ctx, s.epoch, *c.Checkpoint, nil)
		} else {
			_, err = st.ApplyIncoming(ctx, s.epoch, c.Position, nil)
		}
		if err != nil {
			return err
		}
		s.e.update(func(st *State) { st.Epoch, st.Position, st.CaughtUp = s.epoch, c.Position, true })
	case wire.TypeAck:
		a, err := wire.DecodeAck(env)
		if err != nil {
			return err
		}
		if _, err := st.MarkSent(ctx, a.Through); err != nil {
			return err
		}
		s.inFlight = max(0, s.inFlight-1)
		s.e.refreshQueued(ctx)
		return s.pump(ctx)
	case wire.TypeOwnOps:
		return s.onOwnOps(ctx, env)
	case wire.TypeError:
		we := wire.DecodeError(env)
		if env.ID == ownRequestID && s.rejoin != nil {
			if we.Code == wire.CodeUnknownType {
				return s.ownRefused(ctx, we) // a hub older than own
			}
			return we // reconnect and compare again
		}
		if we.Op != app.NilID {
			// One operation refused; the hub skipped it and goes on.
			s.e.log.Warn("the hub refused an operation", "op", we.Op, "seq", we.Seq, "code", we.Code, "reason", we.Message)
			s.e.update(func(st *State) {
				st.Err, st.ErrCode = "operation "+strconv.FormatUint(we.Seq, 10)+" refused by the hub: "+we.Message, we.Code
			})
		}
		switch we.Code {
		case wire.CodeConflict:
			if _, ok := st.(Rejoiner); ok {
				// Reconnect: the welcome's last seq starts the comparison
				// that tells a lost acknowledgement, a restored folder and
				// a second live one apart.
				return we
			}
			s.stopPush = true
			s.e.update(func(st *State) { st.Err, st.ErrCode = we.Message, we.Code })
		case wire.CodeOutOfOrder, wire.CodeUnavailable, wire.CodeInternal, wire.CodeTooLarge:
			return we // reconnect; the welcome says where to resume
		case wire.CodeOverQuota, wire.CodeBusy:
			// Nothing of the push was stored: reconnect after the wait the
			// hub names (Run), and the welcome says where to resume.
			s.e.update(func(st *State) { st.Err, st.ErrCode = we.Message, we.Code })
			return we
		case wire.CodeUnauthorized:
			return permanent{we}
		case wire.CodeBadCursor:
			// The hub does not trust the cursor (a damaged or foreign
			// checkpoint, or a position its log does not reach) and reads
			// this connection the epoch from 0 instead: forget the cursor
			// before those deliveries come; what was applied before is
			// skipped by id.
			s.e.log.Warn("the hub refused the sync cursor; reading its log again from the start", "reason", we.Message)
			return st.ResetSyncCursor(ctx, s.epoch)
		}
		if we.Op == app.NilID {
			s.e.log.Warn("the hub reported an error", "code", we.Code, "reason", we.Message)
		}
	default:
		// A later hub may send types this client does not know; they are
		// optional by the protocol's rules.
		s.e.log.Debug("ignoring an unknown message type", "type", env.Type)
	}
	return nil
}

// pump sends pushes while fewer than Window are unacknowledged: first
// acknowledged operations the hub lost (new epoch), then the outbox.
func (s *session) pump(ctx context.Context) error {
	if s.stopPush {
		return nil
	}
	st := s.e.cfg.Store
	for s.inFlight < s.e.cfg.Window {
		var ops []app.Operation
		var err error
		if s.sentThrough < s.journalTo {
			ops, err = st.Sent(ctx, s.sentThrough, wire.MaxPushOps)
			ops = upTo(ops, s.journalTo)
		}
		if err == nil && len(ops) == 0 {
			ops, err = st.Outbox(ctx, s.sentThrough, wire.MaxPushOps)
		}
		if err != nil {
			return err
		}
		ops = fitFrame(ops)
		if len(ops) == 0 {
			return nil
		}
		if ops[0].Origin != s.welcome.Station {
			// Not sent, and looked at again at the next kick or poll: the
			// station may be chosen meanwhile.
			msg := "this data folder's operations come from another station than the account logs in for; choose this duty room's station, or log in with an account of the station the folder belongs to"
			if ops[0].Origin == app.NilID {
				msg = "choose this duty room's station before its changes can be sent"
			}
			if s.e.State().Err != msg {
				s.e.update(func(st *State) { st.Err, st.ErrCode = msg, wire.CodeForbidden })
			}
			return nil
		}
		if s.e.State().ErrCode == wire.CodeForbidden {
			s.e.update(func(st *State) { st.Err, st.ErrCode = "", "" })
		}
		s.pushID++
		frame, err := wire.Encode(wire.TypePush, "p"+strconv.Itoa(s.pushID), wire.Push{Ops: ops})
		if err != nil {
			return err
		}
		if err := s.conn.WriteFrame(frame); err != nil {
			return err
		}
		s.sentThrough = ops[len(ops)-1].Seq
		s.inFlight++
	}
	return nil
}

func upTo(ops []app.Operation, seq uint64) []app.Operation {
	for i, op := range ops {
		if op.Seq > seq {
			return ops[:i]
		}
	}
	return ops
}

// fitFrame keeps a prefix of ops that encodes well under the frame limit.
// An estimate is enough: everything but the payload is small and bounded.
func fitFrame(ops []app.Operation) []app.Operation {
	budget := wire.MaxFrame * 3 / 4
	for i, op := range ops {
		budget -= len(op.Payload) + len(op.Author) + len(op.Kind) + 48*len(op.To) + 300
		if budget < 0 && i > 0 {
			return ops[:i]
		}
	}
	return ops
}
