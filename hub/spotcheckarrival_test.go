package hub_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// arrivalWorld is a real hub with the county and its township as real
// clients on one hand-moved clock.
type arrivalWorld struct {
	h      *testHub
	clk    *alertClock
	ctx    context.Context
	c1, t1 *client
	cs, ts *store.SpotChecks
}

func newArrivalWorld(t *testing.T) *arrivalWorld {
	t.Helper()
	h := startHub(t, hub.Config{})
	w := &arrivalWorld{h: h, clk: &alertClock{t: time.Date(2026, 7, 14, 10, 0, 0, 0, time.UTC)},
		ctx: app.WithAuthor(context.Background(), "测试值班员")}
	for _, x := range []struct {
		c  **client
		n  string
		st app.Station
	}{{&w.c1, "c1", h.tree.C1}, {&w.t1, "t1", h.tree.T1}} {
		c := newClient(t, x.n)
		c.db.Now = w.clk.Now
		c.start(h.addr, x.n)
		c.caughtUp()
		c.setIdentity(x.st)
		*x.c = c
	}
	w.cs, w.ts = store.NewSpotChecks(w.c1.db), store.NewSpotChecks(w.t1.db)
	return w
}

func (w *arrivalWorld) outcome(t *testing.T, s *store.SpotChecks, id app.ID) spotcheck.Outcome {
	t.Helper()
	r, err := s.Record(w.ctx, id)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return ""
	} else if err != nil {
		t.Fatal(err)
	}
	return r.Outcome(w.clk.Now())
}

// The county's link is down when it checks the township: the check waits
// in its outbox past the limit and is 未送达, and the county's sweep
// records no miss. The link returns, the check reaches the township, whose
// three minutes start then; it answers in time and is 在岗 at both ends.
func TestSpotCheckMadeOfflineIsUndeliveredThenOnTimeAfterTheLinkReturns(t *testing.T) {
	w := newArrivalWorld(t)
	w.c1.stop()
	c := spotcheck.Check{Target: w.h.tree.T1.ID}
	if err := w.cs.Start(w.ctx, &c); err != nil {
		t.Fatal(err)
	}
	w.clk.advance(spotcheck.DefaultLimit + time.Minute)
	if n, err := w.cs.Sweep(w.ctx, w.clk.Now()); n != 0 || err != nil {
		t.Fatalf("the offline county's sweep past the limit: %d, %v", n, err)
	}
	if o := w.outcome(t, w.cs, c.ID); o != spotcheck.Undelivered {
		t.Fatalf("at the offline county past the limit: %s, want undelivered", o)
	}
	if o := w.outcome(t, w.ts, c.ID); o != "" {
		t.Fatalf("the township holds a check that never left the county: %s", o)
	}

	w.c1.start(w.h.addr, "c1")
	waitFor(t, "the check and its arrival at the county", func() bool {
		r, err := w.cs.Record(w.ctx, c.ID)
		return err == nil && r.Arrival != nil
	})
	open, err := w.ts.Unanswered(w.ctx, w.h.tree.T1.ID)
	if err != nil || len(open) != 1 {
		t.Fatalf("the township's prompt: %+v, %v", open, err)
	}
	if due, ok := open[0].Due(); !ok || !due.Equal(w.clk.Now().Add(spotcheck.DefaultLimit)) {
		t.Fatalf("the township's deadline %v (%v), want three minutes from arrival", due, ok)
	}
	if o := w.outcome(t, w.cs, c.ID); o != spotcheck.Pending {
		t.Fatalf("at the county once it arrived: %s", o)
	}
	w.clk.advance(2 * time.Minute)
	if n, _ := w.cs.Sweep(w.ctx, w.clk.Now()); n != 0 {
		t.Fatal("the county recorded a miss within the limit after arrival")
	}
	if o, err := w.ts.Answer(w.ctx, &spotcheck.Answer{Check: c.ID, Person: "赵值班"}); err != nil || o != spotcheck.OnTime {
		t.Fatalf("the township's answer: %s, %v", o, err)
	}
	w.t1.eng.Kick()
	waitFor(t, "the answer at the county", func() bool { return w.outcome(t, w.cs, c.ID) == spotcheck.OnTime })
	w.clk.advance(time.Hour)
	if n, _ := w.cs.Sweep(w.ctx, w.clk.Now()); n != 0 || w.outcome(t, w.cs, c.ID) != spotcheck.OnTime {
		t.Fatal("an answered check changed later")
	}
}

// The township's client is off: the check reaches the hub but is never
// stored there. Past the limit it is 未送达 at the county, never 脱岗.
// When the township comes back hours later the check arrives expired: no
// prompt, no answer asked, and it stays 未送达 at both ends.
func TestSpotCheckAtTheHubButNotStoredByTheTargetIsUndelivered(t *testing.T) {
	w := newArrivalWorld(t)
	w.t1.stop()
	c := spotcheck.Check{Target: w.h.tree.T1.ID}
	if err := w.cs.Start(w.ctx, &c); err != nil {
		t.Fatal(err)
	}
	w.c1.eng.Kick()
	w.c1.caughtUp()
	if !inLog(w.h, mustCheckOp(t, w.c1, c.ID)) {
		t.Fatal("the check is not at the hub")
	}
	for _, d := range []time.Duration{spotcheck.DefaultLimit + time.Second, time.Hour} {
		w.clk.advance(d)
		if n, err := w.cs.Sweep(w.ctx, w.clk.Now()); n != 0 || err != nil {
			t.Fatalf("the county's sweep with the township off: %d, %v", n, err)
		}
		if o := w.outcome(t, w.cs, c.ID); o != spotcheck.Undelivered {
			t.Fatalf("at the county with the township off: %s, want undelivered", o)
		}
	}

	w.t1.start(w.h.addr, "t1")
	waitFor(t, "the expired check's arrival at the county", func() bool {
		r, err := w.cs.Record(w.ctx, c.ID)
		return err == nil && r.Arrival != nil
	})
	if open, _ := w.ts.Unanswered(w.ctx, w.h.tree.T1.ID); len(open) != 0 {
		t.Fatalf("an expired check prompts the township: %+v", open)
	}
	if _, err := w.ts.Answer(w.ctx, &spotcheck.Answer{Check: c.ID, Person: "赵值班"}); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("answering an expired check: %v", err)
	}
	if n, _ := w.cs.Sweep(w.ctx, w.clk.Now().Add(time.Hour)); n != 0 {
		t.Fatal("the county recorded a miss for an expired check")
	}
	if a, b := w.outcome(t, w.cs, c.ID), w.outcome(t, w.ts, c.ID); a != spotcheck.Undelivered || b != spotcheck.Undelivered {
		t.Fatalf("after the expired arrival: county %s, township %s", a, b)
	}
}

// mustCheckOp returns the id of the operation that started check id.
func mustCheckOp(t *testing.T, c *client, id app.ID) app.ID {
	t.Helper()
	ops, err := c.db.Sent(context.Background(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.Kind == spotcheck.OpStart && op.Entity == id {
			return op.ID
		}
	}
	t.Fatalf("no operation started check %s", id)
	return app.NilID
}

// A station other than the one checked cannot report a check's arrival
// through the hub, neither in its own name nor naming the station
// checked; the hub refuses both and stores neither.
func TestHubRefusesArrivalsFromAStationNotChecked(t *testing.T) {
	w := newArrivalWorld(t)
	c := spotcheck.Check{Target: w.h.tree.T1.ID}
	if err := w.cs.Start(w.ctx, &c); err != nil {
		t.Fatal(err)
	}
	w.c1.eng.Kick()
	w.c1.caughtUp()
	r := dialRaw(t, w.h.addr)
	r.login("t2")
	t2 := w.h.tree.T2.ID
	arrive := func(seq uint64, station app.ID) app.Operation {
		o := op(t2, seq, spotcheck.OpArrive)
		o.Entity, o.To, o.Scope = c.ID, []app.ID{w.h.tree.C1.ID}, app.ScopeNone
		o.Payload, _ = json.Marshal(spotcheck.Arrival{Check: c.ID, Station: station, At: w.clk.Now()})
		return o
	}
	own, claimed := arrive(1, t2), arrive(2, w.h.tree.T1.ID)
	refused := pushExpect(t, r, "p1", []app.Operation{own, claimed})
	if len(refused) != 2 || refused[0].Code != wire.CodeForbidden || refused[1].Code != wire.CodeForbidden {
		t.Fatalf("refusals: %+v", refused)
	}
	if inLog(w.h, own.ID) || inLog(w.h, claimed.ID) {
		t.Fatal("a forged arrival was stored")
	}
	if r, _ := w.cs.Record(w.ctx, c.ID); r == nil || r.Arrival != nil && r.Arrival.Station != w.h.tree.T1.ID {
		t.Fatalf("the county's record: %+v", r)
	}
}
