package syncer

import (
	"context"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// dialPipes is a transport that hands each dial a new pipe and notes when.
func dialPipes() (Transport, chan *pipeConn, chan time.Time) {
	pipes, at := make(chan *pipeConn, 4), make(chan time.Time, 4)
	return transportFunc(func(context.Context) (Conn, error) {
		p := newPipe()
		at <- time.Now()
		pipes <- p
		return p, nil
	}), pipes, at
}

// A push refused over quota is kept: the engine waits what the hub asks,
// reconnects and sends it again from the welcome's lastSeq.
func TestOverQuotaWaitsAndResendsEverything(t *testing.T) {
	station := app.NewID()
	st := newMemStore(station, 3)
	tr, pipes, dials := dialPipes()
	e := New(Config{Store: st, Token: "tok", Logger: quiet(), MinBackoff: 10 * time.Millisecond, MaxBackoff: 5 * time.Second, Transport: tr})
	run(t, e)

	first := <-pipes
	<-dials
	first.next(t, wire.TypeHello)
	first.send(t, wire.TypeWelcome, wire.Welcome{Version: wire.Version, Epoch: "e", Station: station, MaxFrame: wire.MaxFrame, MaxPushOps: wire.MaxPushOps})
	first.next(t, wire.TypePull)
	first.next(t, wire.TypePush)
	refused := time.Now()
	first.send(t, wire.TypeError, &wire.Error{Code: wire.CodeOverQuota, Message: "over its quota", RetryAfter: 1})
	s := waitState(t, e, "the refusal to show", func(s State) bool { return s.ErrCode == wire.CodeOverQuota })
	if s.NeedLogin || s.Queued != 3 {
		t.Fatalf("state after an over-quota refusal: %+v", s)
	}

	second := <-pipes
	if waited := (<-dials).Sub(refused); waited < time.Second {
		t.Fatalf("reconnected after %s; the hub asked for 1 s", waited)
	}
	second.next(t, wire.TypeHello)
	second.send(t, wire.TypeWelcome, wire.Welcome{Version: wire.Version, Epoch: "e", Station: station, MaxFrame: wire.MaxFrame, MaxPushOps: wire.MaxPushOps})
	second.next(t, wire.TypePull)
	push, _ := wire.DecodePush(second.next(t, wire.TypePush))
	if len(push.Ops) != 3 || push.Ops[0].Seq != 1 {
		t.Fatalf("the resend carries %v, want seqs 1 to 3", seqs(push.Ops))
	}
	second.send(t, wire.TypeAck, wire.Ack{Through: 3})
	waitState(t, e, "the outbox to empty", func(s State) bool { return s.Queued == 0 && s.Online })
}

// A hub too busy to check a password answers busy: the engine does not
// ask for a new login, it tries again after the wait.
func TestBusyHubIsRetriedWithoutAskingForLogin(t *testing.T) {
	tr, pipes, dials := dialPipes()
	e := New(Config{Store: newMemStore(app.NewID(), 0), Login: &wire.Login{User: "zhang", Password: "secret password"},
		Logger: quiet(), MinBackoff: 10 * time.Millisecond, MaxBackoff: 5 * time.Second, Transport: tr})
	run(t, e)
	first := <-pipes
	<-dials
	first.next(t, wire.TypeHello)
	refused := time.Now()
	first.send(t, wire.TypeError, &wire.Error{Code: wire.CodeBusy, Message: "no password check was free", RetryAfter: 1})
	second := <-pipes
	if waited := (<-dials).Sub(refused); waited < time.Second {
		t.Fatalf("retried after %s; the hub asked for 1 s", waited)
	}
	h, err := wire.DecodeHello(second.next(t, wire.TypeHello))
	if err != nil || h.Login == nil || h.Login.User != "zhang" {
		t.Fatalf("the retry's hello: %+v, %v", h, err)
	}
	if s := e.State(); s.NeedLogin {
		t.Fatalf("a busy hub made the engine ask for a login: %+v", s)
	}
}

// Whatever error frame a hub sends, the wait it causes stays within
// MaxBackoff (or the backoff's own wait) and is never negative.
func FuzzRetryWaitFromAHubsError(f *testing.F) {
	for _, e := range []*wire.Error{
		{Code: wire.CodeOverQuota, Message: "m", RetryAfter: 13},
		{Code: wire.CodeBusy, Message: "m", RetryAfter: -5},
		{Code: wire.CodeBusy, Message: "m", RetryAfter: 1 << 62},
		{Code: wire.CodeInternal, Message: "m"},
	} {
		f.Add(wire.EncodeError("p1", e))
	}
	e := New(Config{MinBackoff: 10 * time.Millisecond, MaxBackoff: time.Minute, Logger: quiet()})
	f.Fuzz(func(t *testing.T, frame []byte) {
		env, err := wire.DecodeEnvelope(frame)
		if err != nil || env.Type != wire.TypeError {
			return
		}
		we := wire.DecodeError(env)
		backoff := 300 * time.Millisecond
		wait := e.retryWait(backoff, we)
		if wait < backoff || wait > e.cfg.MaxBackoff {
			t.Fatalf("error %+v makes the engine wait %s", we, wait)
		}
	})
}
