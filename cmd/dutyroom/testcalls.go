package main

import (
	"context"
	"log"
	"slices"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// testCaller makes the routine test calls of this station's schedule:
// every tick it asks which subordinate duty rooms are due and calls the
// first, one at a time, in a short consultation of its own through the
// window's media engine, unless the window is in a room already.
type testCaller struct {
	calls   consult.TestCalls
	consult consult.Service
	media   *roomMedia
	kick    func() // sends the queued operations now
	tick    time.Duration
	now     func() time.Time
	// answer and media limits, zero for the defaults.
	answerLimit, mediaLimit time.Duration
}

// run calls until ctx ends.
func (t *testCaller) run(ctx context.Context) {
	tick := t.tick
	if tick <= 0 {
		tick = 30 * time.Second
	}
	tk := time.NewTicker(tick)
	defer tk.Stop()
	for {
		due, err := t.calls.DueTestCalls(ctx, t.now())
		if err != nil && ctx.Err() == nil {
			log.Printf("routine test calls: %v", err)
		}
		if len(due) > 0 {
			if err := t.call(ctx, due[0]); err != nil && ctx.Err() == nil {
				log.Printf("routine test call: %v", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

// call makes one test call of station and records its outcome. It
// returns without a record when the engine is busy or ctx ends.
func (t *testCaller) call(ctx context.Context, station app.ID) error {
	var (
		mu  sync.Mutex
		obs consult.Observation
	)
	sink := consult.Sink{
		Video: func(f consult.Frame) {
			mu.Lock()
			if f.Station == station && obs.FirstFrame.IsZero() {
				obs.FirstFrame = t.now()
			}
			mu.Unlock()
		},
		Room: func(st consult.RoomState) {
			mu.Lock()
			if obs.Accepted.IsZero() && slices.ContainsFunc(st.Members, func(m consult.Member) bool { return m.Station == station }) {
				obs.Accepted = t.now()
			}
			mu.Unlock()
		},
	}
	eng, ok := t.media.claimForTest(sink)
	if !ok {
		return nil // the window is in a room; the next tick tries again
	}
	defer t.media.release()

	sc, err := t.calls.TestSchedule(ctx)
	if err != nil {
		return err
	}
	slot, _ := sc.Slot(t.now())
	c := consult.Consultation{Title: "例行测试", Invited: []app.ID{station}}
	if err := t.consult.Schedule(ctx, &c); err != nil {
		return err
	}
	t.kick()
	cleanup := context.WithoutCancel(ctx)
	defer func() {
		if err := t.consult.End(cleanup, c.ID); err != nil {
			log.Printf("routine test call: ending %s: %v", c.ID, err)
		}
		t.kick()
	}()
	started := t.now()
	mu.Lock()
	obs.Invited = started
	mu.Unlock()
	rec := consult.TestCall{Station: station, Consultation: c.ID, Slot: slot, Started: started}

	// The hub opens the room once the start operation reaches it, which
	// the kick only hurries: a refused join is tried again for a while.
	joinCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	for {
		if err = eng.Join(joinCtx, c.ID); err == nil || joinCtx.Err() != nil {
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
			return nil
		}
		rec.Outcome, rec.Detail = consult.MediaFailed, "this station could not enter the room: "+app.ErrorMessage(err)
		return t.calls.RecordTestCall(cleanup, &rec)
	}
	defer func() { _ = eng.Leave() }()

	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
		if r, err := t.consult.Record(ctx, c.ID); err == nil {
			declined := slices.ContainsFunc(r.Replies, func(x consult.Reply) bool { return x.Station == station && !x.Accept })
			mu.Lock()
			obs.Declined = declined
			mu.Unlock()
		}
		mu.Lock()
		o := obs
		mu.Unlock()
		if out, done := consult.Judge(o, t.answerLimit, t.mediaLimit, t.now()); done {
			rec.Outcome = out
			return t.calls.RecordTestCall(cleanup, &rec)
		}
	}
}
