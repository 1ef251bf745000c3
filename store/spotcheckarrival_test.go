package store_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
	"dutyroom/store"
)

func outcomeAt(t *testing.T, s *store.SpotChecks, id app.ID, now time.Time) spotcheck.Outcome {
	t.Helper()
	r, err := s.Record(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Outcome(now)
}

func hasOp(t *testing.T, db *store.DB, kind string) bool {
	t.Helper()
	return slices.ContainsFunc(allOps(t, db), func(op app.Operation) bool { return op.Kind == kind })
}

// A check that has not left the issuer is 未送达 after its limit, and the
// issuer's sweep records no miss however long it waits; when the check
// reaches the township five minutes late, the township has its full
// three minutes from arrival, and answering in time is 在岗 at both ends.
func TestCheckNotYetArrivedIsUndeliveredThenJudgedFromArrival(t *testing.T) {
	p := newSpotPair(t)
	c := spotcheck.Check{Target: p.tr.township.ID}
	if err := p.cs.Start(ctx, &c); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{3*time.Minute + time.Second, 4 * time.Minute} {
		if n, err := p.cs.Sweep(ctx, wt0.Add(at)); n != 0 || err != nil {
			t.Fatalf("sweep at +%s with no arrival: %d, %v", at, n, err)
		}
	}
	if hasOp(t, p.county, spotcheck.OpResult) {
		t.Fatal("a miss was recorded for a check that never arrived")
	}
	if o := outcomeAt(t, p.cs, c.ID, wt0.Add(4*time.Minute)); o != spotcheck.Undelivered {
		t.Fatalf("at the county, no arrival past the limit: %s", o)
	}

	// The link is back: the check reaches the township at +5 min.
	p.townAt(5 * time.Minute)
	ship(t, p.county, p.township, spotcheck.OpStart)
	open, err := p.ts.Unanswered(ctx, p.tr.township.ID)
	if err != nil || len(open) != 1 {
		t.Fatalf("the township's prompt: %+v, %v", open, err)
	}
	if due, ok := open[0].Due(); !ok || !due.Equal(wt0.Add(8*time.Minute)) {
		t.Fatalf("the township's deadline: %v %v, want +8 min", due, ok)
	}
	arr := lastOp(t, p.township)
	if arr.Kind != spotcheck.OpArrive || arr.Scope != app.ScopeNone || !slices.Equal(arr.To, []app.ID{p.tr.county.ID, p.tr.prefecture.ID}) {
		t.Fatalf("arrival operation: %+v", arr)
	}
	p.countyAt(5*time.Minute + 2*time.Second)
	ship(t, p.township, p.county, spotcheck.OpArrive)
	if o := outcomeAt(t, p.cs, c.ID, wt0.Add(6*time.Minute)); o != spotcheck.Pending {
		t.Fatalf("at the county, arrived, within the limit: %s", o)
	}
	if n, _ := p.cs.Sweep(ctx, wt0.Add(7*time.Minute)); n != 0 {
		t.Fatal("the sweep recorded a miss within the limit after arrival")
	}

	p.townAt(7 * time.Minute)
	outcome, err := p.ts.Answer(ctx, &spotcheck.Answer{Check: c.ID, Person: "赵值班"})
	if err != nil || outcome != spotcheck.OnTime {
		t.Fatalf("answered two minutes after arrival: %s, %v", outcome, err)
	}
	ship(t, p.township, p.county, spotcheck.OpAnswer)
	if n, _ := p.cs.Sweep(ctx, wt0.Add(time.Hour)); n != 0 {
		t.Fatal("the sweep recorded a miss for an answered check")
	}
	if o := outcomeAt(t, p.cs, c.ID, wt0.Add(time.Hour)); o != spotcheck.OnTime {
		t.Fatalf("at the county: %s", o)
	}
}

// Arrived and unanswered past the limit from arrival is 脱岗, recorded
// once by the issuer's sweep, whenever the arrival reaches it.
func TestArrivedAndUnansweredIsMissedFromArrival(t *testing.T) {
	p := newSpotPair(t)
	c := spotcheck.Check{Target: p.tr.township.ID}
	if err := p.cs.Start(ctx, &c); err != nil {
		t.Fatal(err)
	}
	p.townAt(time.Minute)
	ship(t, p.county, p.township, spotcheck.OpStart)
	// The county hears of the arrival only after a while offline.
	p.countyAt(20 * time.Minute)
	ship(t, p.township, p.county, spotcheck.OpArrive)
	n, err := p.cs.Sweep(ctx, wt0.Add(20*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("the sweep after the arrival's limit: %d, %v", n, err)
	}
	if o := outcomeAt(t, p.cs, c.ID, wt0.Add(20*time.Minute)); o != spotcheck.Missed {
		t.Fatalf("arrived at +1 min, no answer by +4 min: %s", o)
	}
	if r, _ := p.cs.Record(ctx, c.ID); r.Result == nil || r.Arrival == nil || !r.Arrival.Received.Equal(wt0.Add(20*time.Minute)) {
		t.Fatalf("the record: %+v", r)
	}
}

// A check that reaches the township more than MaxDelay after it was made
// arrives expired: no prompt, no answer asked, 未送达 at both ends.
func TestCheckArrivingAfterMaxDelayIsExpired(t *testing.T) {
	p := newSpotPair(t)
	c := spotcheck.Check{Target: p.tr.township.ID}
	if err := p.cs.Start(ctx, &c); err != nil {
		t.Fatal(err)
	}
	p.townAt(spotcheck.MaxDelay + time.Hour)
	ship(t, p.county, p.township, spotcheck.OpStart)
	if open, _ := p.ts.Unanswered(ctx, p.tr.township.ID); len(open) != 0 {
		t.Fatalf("an expired check prompts: %+v", open)
	}
	if _, err := p.ts.Answer(ctx, &spotcheck.Answer{Check: c.ID, Person: "赵值班"}); app.ErrorCode(err) != app.EINVALID || !strings.Contains(err.Error(), "未送达") {
		t.Fatalf("answering an expired check: %v", err)
	}
	if o := outcomeAt(t, p.ts, c.ID, wt0.Add(2*time.Hour)); o != spotcheck.Undelivered {
		t.Fatalf("at the township: %s", o)
	}
	p.countyAt(spotcheck.MaxDelay + time.Hour)
	ship(t, p.township, p.county, spotcheck.OpArrive)
	if n, _ := p.cs.Sweep(ctx, wt0.Add(5*time.Hour)); n != 0 {
		t.Fatal("the sweep recorded a miss for an expired check")
	}
	if o := outcomeAt(t, p.cs, c.ID, wt0.Add(5*time.Hour)); o != spotcheck.Undelivered {
		t.Fatalf("at the county: %s", o)
	}
}

// A hostile township cannot stretch its window: an arrival it claims later
// than the county received it counts from the receipt; an arrival sent by
// another station, or naming another, is kept unapplied with the reason.
func TestHostileArrivalClaimsAreBoundedOrRefused(t *testing.T) {
	p := newSpotPair(t)
	c := spotcheck.Check{Target: p.tr.township.ID}
	if err := p.cs.Start(ctx, &c); err != nil {
		t.Fatal(err)
	}
	forged := incoming(spotcheck.OpArrive, c.ID, spotcheck.Arrival{Check: c.ID, Station: p.tr.county.ID, At: wt0})
	forged.Origin = p.tr.prefecture.ID
	claim := incoming(spotcheck.OpArrive, c.ID, spotcheck.Arrival{Check: c.ID, Station: p.tr.township.ID, At: wt0.Add(9 * time.Minute)})
	claim.Origin = p.tr.township.ID
	p.countyAt(10 * time.Second)
	res, err := p.county.ApplyIncoming(ctx, "e", 2, []app.Operation{forged, claim})
	if err != nil || res.Applied != 1 || res.Kept != 1 {
		t.Fatalf("ApplyIncoming: %+v, %v", res, err)
	}
	if reason := keptReasons(t, p.county)[forged.ID]; !strings.Contains(reason, "a station reports only its own") {
		t.Errorf("a forged arrival kept with %q", reason)
	}
	r, err := p.cs.Record(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if due, ok := r.Due(); !ok || !due.Equal(wt0.Add(3*time.Minute+10*time.Second)) {
		t.Fatalf("the deadline from a claim of +9 min received at +10 s: %v %v", due, ok)
	}
	if n, _ := p.cs.Sweep(ctx, wt0.Add(3*time.Minute+11*time.Second)); n != 1 {
		t.Fatal("no miss recorded past the bounded deadline")
	}
}

// An arrival's payload comes from another station's client: whatever it
// holds, applying it never fails the file, and an arrival taken is bounded
// by the check's start and by when it was received here.
func FuzzSpotCheckArrivalPayload(f *testing.F) {
	f.Add([]byte(`{"check":"CHECK","station":"TARGET","at":"2026-07-14T02:01:00Z"}`))
	f.Add([]byte(`{"check":"CHECK","station":"TARGET","at":"1900-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"check":"CHECK","station":"TARGET","at":"2999-01-01T00:00:00Z","received":"2000-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"check":"CHECK"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		p := newSpotPair(t)
		c := spotcheck.Check{Target: p.tr.township.ID}
		if err := p.cs.Start(ctx, &c); err != nil {
			t.Fatal(err)
		}
		payload := strings.NewReplacer("CHECK", c.ID.String(), "TARGET", p.tr.township.ID.String()).Replace(string(raw))
		if !json.Valid([]byte(payload)) {
			return // an operation's payload arrives as JSON or not at all
		}
		op := incoming(spotcheck.OpArrive, c.ID, nil)
		op.Payload, op.Origin = []byte(payload), p.tr.township.ID
		p.countyAt(30 * time.Second)
		if _, err := p.county.ApplyIncoming(ctx, "e", 1, []app.Operation{op}); err != nil {
			t.Fatalf("applying %q: %v", payload, err)
		}
		r, err := p.cs.Record(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if due, ok := r.Due(); ok && (due.Before(c.Deadline) || due.After(wt0.Add(30*time.Second+c.Limit()))) {
			t.Fatalf("%q: the deadline %v is outside the start's and the receipt's bounds", payload, due)
		}
	})
}
