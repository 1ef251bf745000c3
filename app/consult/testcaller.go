package consult

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"dutyroom/app"
)

// TestSeat is the media engine as a routine test call uses it: the room of
// one short consultation, entered and left by the caller itself.
type TestSeat interface {
	Join(ctx context.Context, id app.ID) error
	Leave() error
	// Release gives the engine back to the window.
	Release()
}

// TestMedia lends the media engine to a routine test call.
type TestMedia interface {
	// ClaimForTest takes the engine for a test call, with sink receiving
	// what the room sends, unless the engine is missing or the window is
	// in a room: one engine, one room.
	ClaimForTest(sink Sink) (TestSeat, bool)
}

// TestCaller makes the routine test calls of this station's schedule:
// every tick it asks which subordinate duty rooms are due and calls the
// first, one at a time, in a short consultation of its own, unless the
// window is in a room already. The program runs one for the life of the
// window.
type TestCaller struct {
	Calls   TestCalls
	Consult Service
	Media   TestMedia
	Kick    func() // sends the queued operations now; nil for none
	Now     func() time.Time
	Log     *slog.Logger
	// Tick is how often the schedule is looked at (30 s when zero); Poll
	// how often a call under way is judged (1 s when zero); JoinLimit how
	// long this station tries to enter the room, which the hub opens only
	// once the start reaches it (15 s when zero).
	Tick, Poll, JoinLimit time.Duration
	// AnswerLimit and MediaLimit are the callee's limits, zero for the
	// defaults (Judge).
	AnswerLimit, MediaLimit time.Duration
}

func (t *TestCaller) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

func (t *TestCaller) kick() {
	if t.Kick != nil {
		t.Kick()
	}
}

func (t *TestCaller) log() *slog.Logger {
	if t.Log == nil {
		return slog.Default()
	}
	return t.Log
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Run calls until ctx ends.
func (t *TestCaller) Run(ctx context.Context) {
	tk := time.NewTicker(orDefault(t.Tick, 30*time.Second))
	defer tk.Stop()
	for {
		if _, err := t.Once(ctx); err != nil && ctx.Err() == nil {
			t.log().Warn("routine test call", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

// Once calls the first station due now, if any, and returns its record;
// nil when none is due, the engine is busy or ctx ended first.
func (t *TestCaller) Once(ctx context.Context) (*TestCall, error) {
	due, err := t.Calls.DueTestCalls(ctx, t.now())
	if err != nil || len(due) == 0 {
		return nil, err
	}
	return t.Call(ctx, due[0])
}

// Call makes one test call of station and records its outcome. It
// returns no record when the engine is busy or ctx ends.
func (t *TestCaller) Call(ctx context.Context, station app.ID) (*TestCall, error) {
	var (
		mu  sync.Mutex
		obs Observation
	)
	sink := Sink{
		Video: func(f Frame) {
			mu.Lock()
			if f.Station == station && obs.FirstFrame.IsZero() {
				obs.FirstFrame = t.now()
			}
			mu.Unlock()
		},
		Room: func(st RoomState) {
			mu.Lock()
			if obs.Accepted.IsZero() && slices.ContainsFunc(st.Members, func(m Member) bool { return m.Station == station }) {
				obs.Accepted = t.now()
			}
			mu.Unlock()
		},
	}
	seat, ok := t.Media.ClaimForTest(sink)
	if !ok {
		return nil, nil // the window is in a room; the next tick tries again
	}
	defer seat.Release()

	sc, err := t.Calls.TestSchedule(ctx)
	if err != nil {
		return nil, err
	}
	slot, _ := sc.Slot(t.now())
	c := Consultation{Title: "例行测试", Invited: []app.ID{station}}
	if err := t.Consult.Schedule(ctx, &c); err != nil {
		return nil, err
	}
	t.kick()
	cleanup := context.WithoutCancel(ctx)
	defer func() {
		if err := t.Consult.End(cleanup, c.ID); err != nil {
			t.log().Warn("routine test call: ending its consultation", "consultation", c.ID, "err", err)
		}
		t.kick()
	}()
	started := t.now()
	mu.Lock()
	obs.Invited = started
	mu.Unlock()
	rec := TestCall{Station: station, Consultation: c.ID, Slot: slot, Started: started}
	record := func() (*TestCall, error) {
		rec.Ended = t.now()
		if err := t.Calls.RecordTestCall(cleanup, &rec); err != nil {
			return nil, err
		}
		return &rec, nil
	}

	// The hub opens the room once the start operation reaches it, which
	// the kick only hurries: a refused join is tried again for a while.
	joinCtx, cancel := context.WithTimeout(ctx, orDefault(t.JoinLimit, 15*time.Second))
	for {
		if err = seat.Join(joinCtx, c.ID); err == nil || joinCtx.Err() != nil {
			break
		}
		select {
		case <-joinCtx.Done():
		case <-time.After(time.Second):
		}
	}
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		rec.Outcome, rec.Detail = MediaFailed, "this station could not enter the room: "+app.ErrorMessage(err)
		return record()
	}
	defer func() { _ = seat.Leave() }()

	poll := time.NewTicker(orDefault(t.Poll, time.Second))
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-poll.C:
		}
		if r, err := t.Consult.Record(ctx, c.ID); err == nil {
			declined := slices.ContainsFunc(r.Replies, func(x Reply) bool { return x.Station == station && !x.Accept })
			mu.Lock()
			obs.Declined = declined
			mu.Unlock()
		}
		mu.Lock()
		o := obs
		mu.Unlock()
		if out, done := Judge(o, t.AnswerLimit, t.MediaLimit, t.now()); done {
			rec.Outcome = out
			return record()
		}
	}
}
