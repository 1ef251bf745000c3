package hub_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
	"dutyroom/hub"
	"dutyroom/store"
)

// alertClock is the one clock of every client in a test, moved by hand,
// so a three-minute deadline passes without waiting three minutes.
type alertClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *alertClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *alertClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// A red warning from the prefecture reaches the county and the townships;
// the county and the township acknowledge, the township also for its
// village officer by phone, and the prefecture's progress shows each ack
// as it arrives. A spot check from the county on the township answered in
// time is on time at the county; one left unanswered is missed (脱岗)
// once the county's sweep passes the deadline; one answered after that is
// late. A township cannot check its county. Nothing reaches a station it
// should not: the sibling township gets the warning but neither the
// checks nor the township's acks.
func TestWarningsAndSpotChecksEndToEnd(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 10, 0, 0, 0, time.UTC)}
	ctx := app.WithAuthor(context.Background(), "测试值班员")
	clients := map[string]*client{}
	for name, st := range map[string]app.Station{"p": tr.P, "c1": tr.C1, "t1": tr.T1, "t2": tr.T2} {
		c := newClient(t, name)
		c.db.Now = clk.Now
		c.start(h.addr, name)
		c.caughtUp()
		c.setIdentity(st)
		clients[name] = c
	}
	p, c1, t1, t2 := clients["p"], clients["c1"], clients["t1"], clients["t2"]
	village := app.Station{Code: "433101001201", Name: "乾州村", Tier: app.TierVillage, Parent: tr.T1.ID}
	if err := t1.dir.CreateStation(ctx, &village); err != nil {
		t.Fatal(err)
	}
	t1.eng.Kick()
	waitFor(t, "the village everywhere", func() bool { return p.stations()[village.ID] && c1.stations()[village.ID] })

	// The warning goes down.
	pw := store.NewWarnings(p.db)
	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, Area: "吉首市", ValidUntil: clk.Now().Add(24 * time.Hour),
		Text: "吉首市未来6小时将出现100毫米以上降雨，请立即做好防御。", IssuedBy: "州应急局 张局长"}
	if err := pw.Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	pending := func(c *client, st app.ID) []warning.Warning {
		list, err := store.NewWarnings(c.db).Pending(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	waitFor(t, "the warning at the county and the townships", func() bool {
		return len(pending(c1, tr.C1.ID)) == 1 && len(pending(t1, tr.T1.ID)) == 1 && len(pending(t2, tr.T2.ID)) == 1
	})
	got := pending(t1, tr.T1.ID)[0]
	if got.ID != w.ID || got.Level != warning.Red || !got.Alarming(false, clk.Now()) {
		t.Fatalf("the township holds %+v", got)
	}
	progress := func(c *client) *warning.Report {
		r, err := store.NewWarnings(c.db).Progress(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := progress(p); r.All != (warning.Count{Total: 6, Acked: 0}) || r.Villages.Total != 1 {
		t.Fatalf("progress before any ack: %+v", r)
	}

	// The acks come back; the prefecture sees each as it lands.
	clk.advance(time.Minute)
	if err := store.NewWarnings(c1.db).Acknowledge(ctx, &warning.Ack{Warning: w.ID, Person: "王值班"}); err != nil {
		t.Fatal(err)
	}
	c1.eng.Kick()
	waitFor(t, "the county's ack at the prefecture", func() bool { return progress(p).All.Acked == 1 })
	clk.advance(time.Minute)
	tw := store.NewWarnings(t1.db)
	if err := tw.Acknowledge(ctx, &warning.Ack{Warning: w.ID, Person: "赵值班"}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Acknowledge(ctx, &warning.Ack{Warning: w.ID, Station: village.ID, Person: "乾州村信息员 田某"}); err != nil {
		t.Fatal(err)
	}
	t1.eng.Kick()
	waitFor(t, "the township's acks at the prefecture", func() bool { return progress(p).All.Acked == 3 })
	r := progress(p)
	byName := map[string]warning.StationStatus{}
	for _, s := range r.Stations {
		byName[s.Name] = s
	}
	if s := byName["乾州村"]; s.Ack == nil || s.Ack.RecordedBy != tr.T1.ID || s.Ack.Person != "乾州村信息员 田某" || s.Depth != 3 {
		t.Fatalf("the village's row: %+v", s)
	}
	if s := byName["吉首市"]; s.SubtreeTotal != 4 || s.SubtreeAcked != 3 || !s.Ack.At.Equal(clk.Now().Add(-time.Minute)) {
		t.Fatalf("the county's subtree: %+v", s)
	}
	if s := byName["峒河街道"]; s.Ack != nil {
		t.Fatalf("the sibling township has not acknowledged: %+v", s)
	}
	waitFor(t, "the township's acks at the county", func() bool { return progress(c1).All.Acked == 3 })
	if len(pending(t1, tr.T1.ID)) != 0 || len(pending(t2, tr.T2.ID)) != 1 {
		t.Fatal("pending warnings after the acks")
	}

	// Spot checks: one answered in time, one never, one late.
	cs, ts := store.NewSpotChecks(c1.db), store.NewSpotChecks(t1.db)
	start := func() spotcheck.Check {
		c := spotcheck.Check{Target: tr.T1.ID, Prompt: "查岗：请值班人员报姓名"}
		if err := cs.Start(ctx, &c); err != nil {
			t.Fatal(err)
		}
		c1.eng.Kick()
		waitFor(t, "the check at the township", func() bool {
			open, err := ts.Unanswered(ctx, tr.T1.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range open {
				if r.Check.ID == c.ID {
					return true
				}
			}
			return false
		})
		// The township's client reports the arrival; the time to answer
		// counts from it, and the county judges a miss only once it knows.
		t1.eng.Kick()
		waitFor(t, "the arrival at the county", func() bool {
			r, err := cs.Record(ctx, c.ID)
			return err == nil && r.Arrival != nil
		})
		return c
	}
	outcome := func(c *client, id app.ID) spotcheck.Outcome {
		r, err := store.NewSpotChecks(c.db).Record(ctx, id)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return ""
		} else if err != nil {
			t.Fatal(err)
		}
		return r.Outcome(clk.Now())
	}

	inTime := start()
	clk.advance(time.Minute)
	if o, err := ts.Answer(ctx, &spotcheck.Answer{Check: inTime.ID, Person: "赵值班"}); err != nil || o != spotcheck.OnTime {
		t.Fatalf("answer: %s, %v", o, err)
	}
	t1.eng.Kick()
	waitFor(t, "the answer at the county", func() bool { return outcome(c1, inTime.ID) == spotcheck.OnTime })

	missed := start()
	clk.advance(spotcheck.DefaultLimit - time.Second)
	if n, err := cs.Sweep(ctx, clk.Now()); n != 0 || err != nil {
		t.Fatalf("sweep a second before the deadline: %d, %v", n, err)
	}
	clk.advance(2 * time.Second)
	if n, err := cs.Sweep(ctx, clk.Now()); n != 1 || err != nil {
		t.Fatalf("sweep after the deadline: %d, %v", n, err)
	}
	if n, _ := cs.Sweep(ctx, clk.Now()); n != 0 {
		t.Fatal("a second sweep recorded the miss again")
	}
	c1.eng.Kick()
	if o := outcome(c1, missed.ID); o != spotcheck.Missed {
		t.Fatalf("at the county: %s", o)
	}
	recorded := func(c *client) bool {
		r, err := store.NewSpotChecks(c.db).Record(ctx, missed.ID)
		return err == nil && r.Result != nil && r.Result.Outcome == spotcheck.Missed
	}
	waitFor(t, "the miss recorded at the township and the prefecture", func() bool { return recorded(t1) && recorded(p) })

	late := start()
	clk.advance(spotcheck.DefaultLimit + 30*time.Second)
	if n, _ := cs.Sweep(ctx, clk.Now()); n != 1 {
		t.Fatal("the late check was not swept")
	}
	if o, err := ts.Answer(ctx, &spotcheck.Answer{Check: late.ID, Person: "赵值班"}); err != nil || o != spotcheck.Late {
		t.Fatalf("a late answer: %s, %v", o, err)
	}
	t1.eng.Kick()
	waitFor(t, "the late answer at the county", func() bool { return outcome(c1, late.ID) == spotcheck.Late })

	// Upward is refused, with the reason, and nothing is queued. Counted by
	// the last seq given out, not the outbox's length: the engine may still be
	// moving the late answer to the sent journal as the hub acknowledges it.
	before, _ := t1.db.LastSeq(ctx)
	up := spotcheck.Check{Target: tr.C1.ID}
	err := ts.Start(ctx, &up)
	if app.ErrorCode(err) != app.EFORBIDDEN || !strings.Contains(err.Error(), "乾州街道 cannot spot-check 吉首市") {
		t.Fatalf("a township checks its county: %v", err)
	}
	if after, _ := t1.db.LastSeq(ctx); after != before {
		t.Fatal("the refused check was queued")
	}

	// The prefecture ranks the quarter from what reached it.
	for _, c := range []*client{p, c1, t1, t2} {
		c.caughtUp()
	}
	waitFor(t, "every answer at the prefecture", func() bool {
		return outcome(p, inTime.ID) == spotcheck.OnTime && outcome(p, late.ID) == spotcheck.Late
	})
	q3, _ := spotcheck.ParseQuarter("2026Q3", time.FixedZone("CST", 8*3600))
	ranks, err := store.NewSpotChecks(p.db).Ranking(ctx, q3, clk.Now())
	if err != nil || len(ranks) != 1 {
		t.Fatalf("ranking: %+v, %v", ranks, err)
	}
	if k := ranks[0]; k.Station != tr.T1.ID || k.OnTime != 1 || k.Missed != 1 || k.Late != 1 {
		t.Fatalf("the township's line: %+v", k)
	}

	// The sibling township has the warning but nothing of T1's.
	if recs, _ := store.NewSpotChecks(t2.db).Records(ctx, spotcheck.Filter{}); len(recs) != 0 {
		t.Fatalf("the sibling township holds %d spot checks", len(recs))
	}
	if acks, _ := store.NewWarnings(t2.db).Acks(ctx, w.ID); len(acks) != 0 {
		t.Fatalf("the sibling township holds %d acks", len(acks))
	}
	for _, c := range []*client{p, c1, t1, t2} {
		if kept, _ := c.db.KeptOps(ctx, 10); len(kept) != 0 {
			t.Fatalf("%s kept operations it should have applied: %+v", c.name, kept)
		}
	}
	for _, id := range []app.ID{w.ID, inTime.ID, missed.ID, late.ID} {
		if n := countOp(h.logOps(), id); n == 0 {
			t.Fatalf("the hub's log lacks the operations of %s", id)
		}
	}
}
