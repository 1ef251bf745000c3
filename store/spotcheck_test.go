package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
	"dutyroom/store"
)

// spotPair is a county and one of its townships, each with its own file.
type spotPair struct {
	tr               *tree
	prefecture       *store.DB
	county, township *store.DB
	cs, ts           *store.SpotChecks
	countyAt, townAt func(d time.Duration)
}

func newSpotPair(t *testing.T) *spotPair {
	t.Helper()
	tr := newTree(t)
	p := &spotPair{tr: tr, prefecture: tr.db}
	p.county = stationsAt(t, tr, tr.county)
	p.township = stationsAt(t, tr, tr.township)
	p.cs, p.ts = store.NewSpotChecks(p.county), store.NewSpotChecks(p.township)
	p.countyAt = func(d time.Duration) { clockAt(p.county, wt0.Add(d)) }
	p.townAt = func(d time.Duration) { clockAt(p.township, wt0.Add(d)) }
	p.countyAt(0)
	p.townAt(0)
	return p
}

func TestStartCheckOnASubordinateOnly(t *testing.T) {
	p := newSpotPair(t)
	before := outboxLen(t, p.township)
	up := spotcheck.Check{Target: p.tr.county.ID}
	err := p.ts.Start(ctx, &up)
	if app.ErrorCode(err) != app.EFORBIDDEN || !strings.Contains(err.Error(), "乾州街道 cannot spot-check 吉首市") {
		t.Fatalf("a township checks its county: %v", err)
	}
	village := spotcheck.Check{Target: p.tr.village.ID}
	if err := p.ts.Start(ctx, &village); app.ErrorCode(err) != app.EFORBIDDEN || !strings.Contains(err.Error(), "no duty room") {
		t.Fatalf("a township checks its village: %v", err)
	}
	if recs, _ := p.ts.Records(ctx, spotcheck.Filter{}); len(recs) != 0 || outboxLen(t, p.township) != before {
		t.Fatal("a refused check was stored or queued")
	}

	c := spotcheck.Check{Target: p.tr.township.ID, Prompt: "请报值班人员姓名"}
	if err := p.cs.Start(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if c.By != p.tr.county.ID || !c.StartedAt.Equal(wt0) || !c.Deadline.Equal(wt0.Add(3*time.Minute)) || c.StartedBy != "张值班" {
		t.Fatalf("started: %+v", c)
	}
	op := lastOp(t, p.county)
	if op.Kind != spotcheck.OpStart || op.Scope != app.ScopeUp || !slices.Equal(op.To, []app.ID{p.tr.township.ID}) || op.Entity != c.ID {
		t.Fatalf("operation: %+v", op)
	}

	// The county's own limit; a limit out of bounds is refused.
	if err := p.cs.SetSettings(ctx, p.tr.county.ID, spotcheck.Settings{Limit: 5 * time.Second}); app.ErrorField(err) != "limit" {
		t.Fatalf("a five-second limit: %v", err)
	}
	if err := p.cs.SetSettings(ctx, p.tr.township.ID, spotcheck.Settings{Limit: time.Minute}); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("the county sets the township's rules: %v", err)
	}
	if err := p.cs.SetSettings(ctx, p.tr.county.ID, spotcheck.Settings{Limit: 90 * time.Second}); err != nil {
		t.Fatal(err)
	}
	c2 := spotcheck.Check{Target: p.tr.township.ID}
	if err := p.cs.Start(ctx, &c2); err != nil || !c2.Deadline.Equal(wt0.Add(90*time.Second)) {
		t.Fatalf("with a 90 s limit: %+v, %v", c2, err)
	}
	if s, _ := p.ts.Settings(ctx, p.tr.township.ID); s != spotcheck.DefaultSettings() {
		t.Fatalf("the township's settings: %+v", s)
	}
}

// The township answers one check in time and another late; the county
// sees both, and its sweep records the one never answered as missed,
// once, however often it runs.
func TestAnswerSweepAndOutcomes(t *testing.T) {
	p := newSpotPair(t)
	var checks []spotcheck.Check
	for range 3 {
		c := spotcheck.Check{Target: p.tr.township.ID}
		if err := p.cs.Start(ctx, &c); err != nil {
			t.Fatal(err)
		}
		checks = append(checks, c)
	}
	ship(t, p.county, p.township, spotcheck.OpStart)
	open, err := p.ts.Unanswered(ctx, p.tr.township.ID)
	if err != nil || len(open) != 3 {
		t.Fatalf("the township's prompt: %d, %v", len(open), err)
	}
	if open, _ := p.cs.Unanswered(ctx, p.tr.township.ID); len(open) != 0 {
		t.Fatal("the county's client shows the township's prompt")
	}

	p.townAt(time.Minute)
	a := spotcheck.Answer{Check: checks[0].ID, Person: "赵值班"}
	outcome, err := p.ts.Answer(ctx, &a)
	if err != nil || outcome != spotcheck.OnTime || a.Station != p.tr.township.ID || !a.At.Equal(wt0.Add(time.Minute)) {
		t.Fatalf("answer in time: %s, %+v, %v", outcome, a, err)
	}
	op := lastOp(t, p.township)
	if op.Kind != spotcheck.OpAnswer || op.Scope != app.ScopeNone || !slices.Equal(op.To, []app.ID{p.tr.county.ID, p.tr.prefecture.ID}) {
		t.Fatalf("answer operation: %+v", op)
	}
	before := outboxLen(t, p.township)
	if _, err := p.ts.Answer(ctx, &spotcheck.Answer{Check: checks[0].ID, Person: "钱值班"}); app.ErrorCode(err) != app.ECONFLICT || !strings.Contains(err.Error(), "赵值班") {
		t.Fatalf("a second answer: %v", err)
	}
	if _, err := p.ts.Answer(ctx, &spotcheck.Answer{Check: checks[1].ID, Person: ""}); app.ErrorField(err) != "person" {
		t.Fatalf("an answer without a name: %v", err)
	}
	if _, err := p.ts.Answer(ctx, &spotcheck.Answer{Check: app.NewID(), Person: "赵值班"}); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("an unknown check: %v", err)
	}
	if _, err := p.cs.Answer(ctx, &spotcheck.Answer{Check: checks[1].ID, Person: "县里代答"}); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("the county answers for the township: %v", err)
	}
	if outboxLen(t, p.township) != before {
		t.Fatal("refused answers were queued")
	}

	// Before the deadline the sweep finds nothing and writes nothing.
	if n, err := p.cs.Sweep(ctx, wt0.Add(2*time.Minute)); n != 0 || err != nil {
		t.Fatalf("sweep before the deadline: %d, %v", n, err)
	}
	ship(t, p.township, p.county, spotcheck.OpArrive, spotcheck.OpAnswer)
	queued := outboxLen(t, p.county)
	p.countyAt(3*time.Minute + time.Second)
	n, err := p.cs.Sweep(ctx, wt0.Add(3*time.Minute+time.Second))
	if err != nil || n != 2 {
		t.Fatalf("sweep after the deadline: %d, %v", n, err)
	}
	for range 3 {
		if n, err := p.cs.Sweep(ctx, wt0.Add(time.Hour)); n != 0 || err != nil {
			t.Fatalf("a repeated sweep: %d, %v", n, err)
		}
	}
	results := allOps(t, p.county)[queued:]
	if len(results) != 2 || results[0].Kind != spotcheck.OpResult || results[0].Scope != app.ScopeUp || !slices.Equal(results[0].To, []app.ID{p.tr.township.ID}) {
		t.Fatalf("result operations: %+v", results)
	}
	outcomes := func(db *store.SpotChecks) map[app.ID]spotcheck.Outcome {
		recs, err := db.Records(ctx, spotcheck.Filter{By: p.tr.county.ID})
		if err != nil {
			t.Fatal(err)
		}
		out := map[app.ID]spotcheck.Outcome{}
		for _, r := range recs {
			out[r.Check.ID] = r.Outcome(wt0.Add(time.Hour))
		}
		return out
	}
	if o := outcomes(p.cs); o[checks[0].ID] != spotcheck.OnTime || o[checks[1].ID] != spotcheck.Missed || o[checks[2].ID] != spotcheck.Missed {
		t.Fatalf("at the county: %v", o)
	}

	// The township learns of its misses, and its person on duty, back at
	// last, still answers one: late, at both ends.
	ship(t, p.county, p.township, spotcheck.OpResult)
	p.townAt(10 * time.Minute)
	late, err := p.ts.Answer(ctx, &spotcheck.Answer{Check: checks[1].ID, Person: "赵值班"})
	if err != nil || late != spotcheck.Late {
		t.Fatalf("a late answer: %s, %v", late, err)
	}
	open, _ = p.ts.Unanswered(ctx, p.tr.township.ID)
	if len(open) != 1 || open[0].Check.ID != checks[2].ID || open[0].Result == nil || open[0].Outcome(wt0.Add(time.Hour)) != spotcheck.Missed {
		t.Fatalf("the township's prompt after the misses: %+v", open)
	}
	ship(t, p.township, p.county, spotcheck.OpAnswer)
	o := outcomes(p.cs)
	if o[checks[1].ID] != spotcheck.Late || o[checks[2].ID] != spotcheck.Missed {
		t.Fatalf("at the county after the late answer: %v", o)
	}
	rec, err := p.cs.Record(ctx, checks[1].ID)
	if err != nil || rec.Result == nil || rec.Answer == nil {
		t.Fatalf("the recorded miss stays beside the late answer: %+v, %v", rec, err)
	}

	// The prefecture ranks what reached it: the checks go up the county's
	// lineage and the answers and results come back to it.
	ship(t, p.county, p.prefecture, spotcheck.OpStart, spotcheck.OpResult)
	ship(t, p.township, p.prefecture, spotcheck.OpArrive, spotcheck.OpAnswer)
	q3, _ := spotcheck.ParseQuarter("2026Q3", time.UTC)
	ranks, err := store.NewSpotChecks(p.prefecture).Ranking(ctx, q3, wt0.Add(time.Hour))
	if err != nil || len(ranks) != 1 {
		t.Fatalf("ranking: %+v, %v", ranks, err)
	}
	if r := ranks[0]; r.Name != "乾州街道" || r.OnTime != 1 || r.Late != 1 || r.Missed != 1 || r.Checks != 3 {
		t.Fatalf("the township's line: %+v", r)
	}
}

// A check started at random goes to stations chosen by the seed, in one
// round, all in one transaction.
func TestStartRandomWithASeed(t *testing.T) {
	tr := newTree(t)
	dir := store.NewDirectory(tr.db)
	second := app.Station{Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: tr.county.ID}
	third := app.Station{Code: "433101003", Name: "石家冲街道", Tier: app.TierTownship, Parent: tr.county.ID}
	mustCreateStation(t, dir, &second)
	mustCreateStation(t, dir, &third)
	county := stationsAt(t, tr, tr.county)
	stations, _ := store.NewDirectory(county).Stations(ctx)
	want, err := spotcheck.Choose(app.NewTree(stations), tr.county.ID, 2, 2026)
	if err != nil {
		t.Fatal(err)
	}
	cs := store.NewSpotChecks(county)
	before := outboxLen(t, county)
	if _, err := cs.StartRandom(ctx, 4, 2026, ""); app.ErrorField(err) != "n" {
		t.Fatalf("four of three: %v", err)
	}
	if outboxLen(t, county) != before {
		t.Fatal("a refused round was queued")
	}
	got, err := cs.StartRandom(ctx, 2, 2026, "查岗")
	if err != nil || len(got) != 2 {
		t.Fatalf("StartRandom: %v, %v", got, err)
	}
	targets := []app.ID{got[0].Target, got[1].Target}
	slices.SortFunc(want, func(a, b app.ID) int { return strings.Compare(a.String(), b.String()) })
	sorted := slices.Clone(targets)
	slices.SortFunc(sorted, func(a, b app.ID) int { return strings.Compare(a.String(), b.String()) })
	if !slices.Equal(sorted, want) || got[0].Round == app.NilID || got[0].Round != got[1].Round || got[0].Prompt != "查岗" {
		t.Fatalf("chose %v, want %v; %+v", targets, want, got)
	}
	if recs, _ := cs.Records(ctx, spotcheck.Filter{Round: got[0].Round}); len(recs) != 2 {
		t.Fatalf("the round holds %d checks", len(recs))
	}
}

// Incoming spot-check operations that break the rules are kept with the
// reason (here at the prefecture): a check upward, an answer from a
// station not checked, a result from a station that did not start the
// check.
func TestIncomingSpotCheckOpsAreChecked(t *testing.T) {
	p := newSpotPair(t)
	up := spotcheck.Check{ID: app.NewID(), By: p.tr.township.ID, Target: p.tr.county.ID, StartedAt: wt0, Deadline: wt0.Add(3 * time.Minute)}
	upOp := incoming(spotcheck.OpStart, up.ID, up)
	upOp.Origin = p.tr.township.ID
	good := spotcheck.Check{ID: app.NewID(), By: p.tr.prefecture.ID, Target: p.tr.township.ID, StartedAt: wt0, Deadline: wt0.Add(3 * time.Minute)}
	goodOp := incoming(spotcheck.OpStart, good.ID, good)
	goodOp.Origin = p.tr.prefecture.ID
	wrongAnswer := spotcheck.Answer{Check: good.ID, Station: p.tr.county.ID, Person: "冒名", At: wt0}
	wrongOp := incoming(spotcheck.OpAnswer, good.ID, wrongAnswer)
	wrongOp.Origin = p.tr.county.ID
	wrongResult := spotcheck.Result{Check: good.ID, Station: p.tr.county.ID, Outcome: spotcheck.Missed, At: wt0}
	resultOp := incoming(spotcheck.OpResult, good.ID, wrongResult)
	resultOp.Origin = p.tr.county.ID
	res, err := p.prefecture.ApplyIncoming(ctx, "e", 4, []app.Operation{upOp, goodOp, wrongOp, resultOp})
	if err != nil || res.Applied != 1 || res.Kept != 3 {
		t.Fatalf("ApplyIncoming: %+v, %v", res, err)
	}
	reasons := keptReasons(t, p.prefecture)
	for op, says := range map[app.ID]string{upOp.ID: "乾州街道 cannot spot-check 吉首市", wrongOp.ID: "only a station the record is addressed to", resultOp.ID: "only the owner may do this"} {
		if !strings.Contains(reasons[op], says) {
			t.Errorf("kept with %q, want it to say %q", reasons[op], says)
		}
	}
}
