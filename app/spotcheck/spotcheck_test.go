package spotcheck_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
)

// The test tree: a prefecture, two counties, five townships and a village.
type stations struct {
	P, C1, C2, T1, T2, T3, T4, T5, V1 app.Station
	list                              []app.Station
	tree                              *app.Tree
}

func testTree() stations {
	var s stations
	s.P = app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	s.C1 = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: s.P.ID}
	s.C2 = app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: s.P.ID}
	s.T1 = app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: s.C1.ID}
	s.T2 = app.Station{ID: app.NewID(), Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: s.C1.ID}
	s.T3 = app.Station{ID: app.NewID(), Code: "433101003", Name: "石家冲街道", Tier: app.TierTownship, Parent: s.C1.ID}
	s.T4 = app.Station{ID: app.NewID(), Code: "433101004", Name: "镇溪街道", Tier: app.TierTownship, Parent: s.C1.ID}
	s.T5 = app.Station{ID: app.NewID(), Code: "433122100", Name: "白沙镇", Tier: app.TierTownship, Parent: s.C2.ID}
	s.V1 = app.Station{ID: app.NewID(), Code: "433101001201", Name: "乾元村", Tier: app.TierVillage, Parent: s.T1.ID}
	s.list = []app.Station{s.P, s.C1, s.C2, s.T1, s.T2, s.T3, s.T4, s.T5, s.V1}
	s.tree = app.NewTree(s.list)
	return s
}

var t0 = time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)

func check(by, target app.ID, at time.Time) spotcheck.Check {
	return spotcheck.Check{ID: app.NewID(), By: by, Target: target, StartedAt: at, Deadline: at.Add(spotcheck.DefaultLimit)}
}

func TestCheckGoesOnlyDownToDutyRooms(t *testing.T) {
	s := testTree()
	for _, c := range []struct {
		what       string
		by, target app.Station
		code, says string
	}{
		{"county on its township", s.C1, s.T1, "", ""},
		{"prefecture on a township, skipping the county", s.P, s.T5, "", ""},
		{"township on its county", s.T1, s.C1, app.EFORBIDDEN, "乾州街道 cannot spot-check 吉首市"},
		{"county on another county's township", s.C1, s.T5, app.EFORBIDDEN, "吉首市 cannot spot-check 白沙镇"},
		{"county on a sibling county", s.C1, s.C2, app.EFORBIDDEN, "below the checking station"},
		{"township on its village", s.T1, s.V1, app.EFORBIDDEN, "keeps no duty room"},
		{"county on itself", s.C1, s.C1, app.EFORBIDDEN, "itself"},
	} {
		err := spotcheck.CanCheck(s.tree, c.by.ID, c.target.ID)
		if app.ErrorCode(err) != c.code || (c.says != "" && !strings.Contains(err.Error(), c.says)) {
			t.Errorf("%s: %v", c.what, err)
		}
	}
	if err := spotcheck.CanCheck(s.tree, s.C1.ID, app.NewID()); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("an unknown target: %v", err)
	}
}

func TestValidateCheckAndSettings(t *testing.T) {
	s := testTree()
	for _, c := range []struct {
		field string
		edit  func(c *spotcheck.Check)
	}{
		{"target", func(c *spotcheck.Check) { c.Target = c.By }},
		{"deadline", func(c *spotcheck.Check) { c.Deadline = c.StartedAt }},
		{"deadline", func(c *spotcheck.Check) { c.Deadline = c.StartedAt.Add(2 * time.Hour) }},
		{"prompt", func(c *spotcheck.Check) { c.Prompt = strings.Repeat("岗", spotcheck.MaxPrompt+1) }},
		{"id", func(c *spotcheck.Check) { c.ID = app.NilID }},
	} {
		ch := check(s.C1.ID, s.T1.ID, t0)
		c.edit(&ch)
		if err := ch.Validate(); app.ErrorField(err) != c.field {
			t.Errorf("want an error about %s, got %v", c.field, err)
		}
	}
	if err := (spotcheck.Settings{Limit: time.Second}).Validate(); app.ErrorField(err) != "limit" {
		t.Errorf("a one-second limit: %v", err)
	}
	if err := spotcheck.DefaultSettings().Validate(); err != nil || spotcheck.DefaultSettings().Limit != 3*time.Minute {
		t.Errorf("the default: %v", err)
	}
	a := spotcheck.Answer{Check: app.NewID(), Station: s.T1.ID, Person: "  ", At: t0}
	if err := a.Validate(); app.ErrorField(err) != "person" {
		t.Errorf("an answer without a name: %v", err)
	}
	ch := check(s.C1.ID, s.T1.ID, t0)
	a = spotcheck.Answer{Check: ch.ID, Station: s.T2.ID, Person: "李四", At: t0}
	if err := spotcheck.CheckAnswer(&ch, &a); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("an answer from another station: %v", err)
	}
}

// The random choice is the same for the same seed, whatever order the
// tree was loaded in, picks distinct duty rooms below the issuer only,
// and different seeds spread over the candidates.
func TestRandomChoiceIsDeterministicGivenASeed(t *testing.T) {
	s := testTree()
	a, err := spotcheck.Choose(s.tree, s.P.ID, 3, 42)
	if err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(s.list)
	slices.Reverse(reversed)
	b, err := spotcheck.Choose(app.NewTree(reversed), s.P.ID, 3, 42)
	if err != nil || !slices.Equal(a, b) {
		t.Fatalf("seed 42 chose %v, then %v (%v)", a, b, err)
	}
	allowed := map[app.ID]bool{s.C1.ID: true, s.C2.ID: true, s.T1.ID: true, s.T2.ID: true, s.T3.ID: true, s.T4.ID: true, s.T5.ID: true}
	seen := map[app.ID]bool{}
	for seed := range uint64(50) {
		got, err := spotcheck.Choose(s.tree, s.P.ID, 3, seed)
		if err != nil || len(got) != 3 {
			t.Fatalf("seed %d: %v, %v", seed, got, err)
		}
		uniq := map[app.ID]bool{}
		for _, id := range got {
			if !allowed[id] {
				t.Fatalf("seed %d chose %s, not a duty room below the prefecture", seed, id)
			}
			uniq[id] = true
			seen[id] = true
		}
		if len(uniq) != 3 {
			t.Fatalf("seed %d chose a station twice: %v", seed, got)
		}
	}
	if len(seen) != len(allowed) {
		t.Errorf("50 seeds reached only %d of the %d duty rooms", len(seen), len(allowed))
	}
	// A county chooses among its own townships only.
	got, _ := spotcheck.Choose(s.tree, s.C1.ID, 4, 7)
	for _, id := range got {
		if s.tree.Station(id).Parent != s.C1.ID {
			t.Fatalf("the county chose %s", s.tree.Station(id).Name)
		}
	}
	if _, err := spotcheck.Choose(s.tree, s.C2.ID, 2, 1); app.ErrorField(err) != "n" || !strings.Contains(err.Error(), "泸溪县 has only 1 duty rooms") {
		t.Errorf("more than there are: %v", err)
	}
	if _, err := spotcheck.Choose(s.tree, s.T1.ID, 1, 1); err == nil {
		t.Error("a township chose among its villages")
	}
}

// The window to answer is counted from the check's arrival at the target:
// arrived with no answer past the limit is 脱岗; on time and late are
// judged against the arrival plus the limit.
func TestOnTimeLateMissedAndPendingCountFromArrival(t *testing.T) {
	s := testTree()
	c := check(s.C1.ID, s.T1.ID, t0)
	arrived := t0.Add(40 * time.Second) // the check waited 40 s on its way
	due := arrived.Add(3 * time.Minute)
	arr := &spotcheck.Arrival{Check: c.ID, Station: s.T1.ID, At: arrived, Received: arrived.Add(time.Second)}
	ans := func(at time.Time) *spotcheck.Answer {
		return &spotcheck.Answer{Check: c.ID, Station: s.T1.ID, Person: "值班员", At: at}
	}
	missed := &spotcheck.Result{Check: c.ID, Station: s.C1.ID, Outcome: spotcheck.Missed, At: due.Add(2 * time.Second)}
	for _, x := range []struct {
		what string
		rec  spotcheck.Record
		now  time.Time
		want spotcheck.Outcome
	}{
		{"arrived, no answer yet, deadline ahead", spotcheck.Record{Check: c, Arrival: arr}, t0.Add(time.Minute), spotcheck.Pending},
		{"arrived, no answer, past the start's limit but not the arrival's", spotcheck.Record{Check: c, Arrival: arr}, c.Deadline.Add(time.Second), spotcheck.Pending},
		{"arrived, no answer, the arrival's limit passed, miss not yet recorded", spotcheck.Record{Check: c, Arrival: arr}, due.Add(time.Second), spotcheck.Missed},
		{"arrived, no answer, miss recorded", spotcheck.Record{Check: c, Arrival: arr, Result: missed}, due.Add(time.Hour), spotcheck.Missed},
		{"answered within the limit", spotcheck.Record{Check: c, Arrival: arr, Answer: ans(t0.Add(time.Minute))}, t0.Add(time.Hour), spotcheck.OnTime},
		{"answered after the start's limit, within the arrival's", spotcheck.Record{Check: c, Arrival: arr, Answer: ans(due)}, t0.Add(time.Hour), spotcheck.OnTime},
		{"answered a second late", spotcheck.Record{Check: c, Arrival: arr, Answer: ans(due.Add(time.Second))}, t0.Add(time.Hour), spotcheck.Late},
		{"answered late after the miss was recorded", spotcheck.Record{Check: c, Arrival: arr, Answer: ans(due.Add(time.Minute)), Result: missed}, t0.Add(time.Hour), spotcheck.Late},
		{"answered in time, the answer came after the miss", spotcheck.Record{Check: c, Arrival: arr, Answer: ans(due.Add(-time.Second)), Result: missed}, t0.Add(time.Hour), spotcheck.OnTime},
		{"answered with no arrival known: the answer proves it arrived", spotcheck.Record{Check: c, Answer: ans(t0.Add(5 * time.Minute))}, t0.Add(time.Hour), spotcheck.OnTime},
	} {
		if got := x.rec.Outcome(x.now); got != x.want {
			t.Errorf("%s: %s, want %s", x.what, got, x.want)
		}
	}
	r := spotcheck.Record{Check: c, Arrival: arr}
	if left := r.Remaining(arrived.Add(time.Minute)); left != 2*time.Minute {
		t.Errorf("remaining a minute after arrival: %v", left)
	}
	if left := r.Remaining(due.Add(time.Minute)); left != 0 {
		t.Errorf("remaining after the deadline: %v", left)
	}
	recs := spotcheck.Join([]spotcheck.Check{c}, []spotcheck.Answer{*ans(t0.Add(2 * time.Minute)), *ans(t0.Add(time.Minute)), {Check: app.NewID()}}, []spotcheck.Result{*missed})
	spotcheck.JoinArrivals(recs, []spotcheck.Arrival{{Check: c.ID, At: t0.Add(time.Hour)}, *arr, {Check: app.NewID(), At: t0}})
	if len(recs) != 1 || !recs[0].Answer.At.Equal(t0.Add(time.Minute)) || recs[0].Result == nil || recs[0].Arrival == nil || !recs[0].Arrival.At.Equal(arrived) {
		t.Errorf("join: %+v", recs)
	}
}

// A check never known to have arrived is 未送达 once its limit has passed,
// never 脱岗, even with a miss recorded by an issuer that counted from the
// start; it becomes a fair test again if an arrival comes within MaxDelay.
func TestNeverArrivedIsUndeliveredNotMissed(t *testing.T) {
	s := testTree()
	c := check(s.C1.ID, s.T1.ID, t0)
	oldMiss := &spotcheck.Result{Check: c.ID, Station: s.C1.ID, Outcome: spotcheck.Missed, At: c.Deadline}
	for _, x := range []struct {
		what string
		rec  spotcheck.Record
		now  time.Time
		want spotcheck.Outcome
	}{
		{"no arrival, within the limit", spotcheck.Record{Check: c}, t0.Add(time.Minute), spotcheck.Pending},
		{"no arrival, the limit passed", spotcheck.Record{Check: c}, c.Deadline.Add(time.Second), spotcheck.Undelivered},
		{"no arrival, hours later", spotcheck.Record{Check: c}, t0.Add(5 * time.Hour), spotcheck.Undelivered},
		{"no arrival, a miss recorded from the start", spotcheck.Record{Check: c, Result: oldMiss}, t0.Add(5 * time.Hour), spotcheck.Undelivered},
	} {
		if got := x.rec.Outcome(x.now); got != x.want {
			t.Errorf("%s: %s, want %s", x.what, got, x.want)
		}
	}
	// It arrives five minutes late (the issuer's link came back): a fair
	// test, with the full limit from arrival.
	r := spotcheck.Record{Check: c, Arrival: &spotcheck.Arrival{Check: c.ID, Station: s.T1.ID, At: t0.Add(5 * time.Minute)}}
	if o := r.Outcome(t0.Add(7 * time.Minute)); o != spotcheck.Pending {
		t.Errorf("arrived five minutes late, two minutes on: %s", o)
	}
	if o := r.Outcome(t0.Add(8*time.Minute + time.Second)); o != spotcheck.Missed {
		t.Errorf("arrived five minutes late, unanswered past the limit: %s", o)
	}
}

// A check that reaches its target more than MaxDelay after its start is
// expired: 未送达 whether or not it was answered, and no time to answer.
func TestLateArrivalIsExpiredAndUndelivered(t *testing.T) {
	s := testTree()
	c := check(s.C1.ID, s.T1.ID, t0)
	late := t0.Add(spotcheck.MaxDelay + time.Second)
	r := spotcheck.Record{Check: c, Arrival: &spotcheck.Arrival{Check: c.ID, Station: s.T1.ID, At: late}}
	if !r.Expired() || r.Outcome(late.Add(time.Hour)) != spotcheck.Undelivered || r.Remaining(late) != 0 {
		t.Fatalf("arrived after MaxDelay: expired %v, outcome %s, remaining %v", r.Expired(), r.Outcome(late.Add(time.Hour)), r.Remaining(late))
	}
	if _, ok := r.Due(); ok {
		t.Error("an expired check has a deadline")
	}
	r.Answer = &spotcheck.Answer{Check: c.ID, Station: s.T1.ID, Person: "值班员", At: late.Add(time.Second)}
	if o := r.Outcome(late.Add(time.Hour)); o != spotcheck.Undelivered {
		t.Errorf("an expired check answered: %s", o)
	}
	onEdge := spotcheck.Record{Check: c, Arrival: &spotcheck.Arrival{Check: c.ID, Station: s.T1.ID, At: t0.Add(spotcheck.MaxDelay)}}
	if onEdge.Expired() {
		t.Error("a check arriving exactly MaxDelay after its start is expired")
	}
}

// A target cannot stretch its window by claiming a later arrival than the
// issuer received, nor gain by a clock behind the issuer's.
func TestClaimedArrivalIsBoundedByTheStartAndTheReceipt(t *testing.T) {
	s := testTree()
	c := check(s.C1.ID, s.T1.ID, t0)
	received := t0.Add(2 * time.Second)
	hostile := &spotcheck.Arrival{Check: c.ID, Station: s.T1.ID, At: t0.Add(9 * time.Minute), Received: received}
	at, ok := c.ArrivedAt(hostile)
	if !ok || !at.Equal(received) {
		t.Fatalf("a claimed arrival after the issuer received it: taken as %v, want %v", at, received)
	}
	r := spotcheck.Record{Check: c, Arrival: hostile}
	if o := r.Outcome(received.Add(3*time.Minute + time.Second)); o != spotcheck.Missed {
		t.Errorf("the window counts from the receipt, not the claim: %s", o)
	}
	behind := &spotcheck.Arrival{Check: c.ID, Station: s.T1.ID, At: t0.Add(-time.Hour)}
	if at, _ := c.ArrivedAt(behind); !at.Equal(t0) {
		t.Errorf("an arrival before the start: taken as %v", at)
	}
	for _, bad := range []spotcheck.Arrival{
		{Station: s.T1.ID, At: t0},
		{Check: c.ID, At: t0},
		{Check: c.ID, Station: s.T1.ID},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v passed", bad)
		}
	}
	other := spotcheck.Arrival{Check: c.ID, Station: s.T2.ID, At: t0}
	if err := spotcheck.CheckArrival(&c, &other); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("an arrival from another station: %v", err)
	}
}

func TestQuarters(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	p, err := spotcheck.ParseQuarter(" 2026q3 ", sh)
	if err != nil || p.Name != "2026Q3" || !p.From.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, sh)) || !p.To.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, sh)) {
		t.Fatalf("2026Q3 = %+v, %v", p, err)
	}
	// 30 June 23:00 in Shanghai is still Q2, though it is 15:00 UTC.
	if p.Contains(time.Date(2026, 6, 30, 23, 0, 0, 0, sh)) || !p.Contains(time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)) {
		t.Error("the quarter's edge is not at local midnight")
	}
	if q := spotcheck.QuarterOf(time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), sh); q.Name != "2027Q1" {
		t.Errorf("31 Dec 17:00 UTC is 1 Jan in Shanghai: %s", q.Name)
	}
	for _, bad := range []string{"2026Q5", "2026Q0", "26Q1", "2026-3", "", "2026Q", "Q32026"} {
		if _, err := spotcheck.ParseQuarter(bad, sh); app.ErrorField(err) != "period" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// The quarterly ranking: by on-time rate, ties by fewer misses, then by
// name; checks outside the quarter do not count; pending checks do not
// count against a station, nor do checks that never arrived (未送达, counted
// apart), and a station with nothing decided comes last.
func TestRankingByOnTimeRateOverAQuarter(t *testing.T) {
	s := testTree()
	q3, err := spotcheck.ParseQuarter("2026Q3", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC)
	var recs []spotcheck.Record
	day := 0
	add := func(target app.Station, outcome spotcheck.Outcome) {
		at := q3.From.Add(time.Duration(day) * 24 * time.Hour)
		if outcome == "q2" {
			at = q3.From.Add(-time.Hour)
		}
		if outcome == spotcheck.Pending {
			at = now.Add(-time.Minute)
		}
		day++
		c := check(s.C1.ID, target.ID, at)
		r := spotcheck.Record{Check: c, Arrival: &spotcheck.Arrival{Check: c.ID, Station: target.ID, At: at.Add(time.Second)}}
		switch outcome {
		case spotcheck.Undelivered:
			r.Arrival = nil
		case spotcheck.OnTime, "q2":
			r.Answer = &spotcheck.Answer{Check: c.ID, Station: target.ID, Person: "值班员", At: at.Add(time.Minute)}
		case spotcheck.Late:
			r.Answer = &spotcheck.Answer{Check: c.ID, Station: target.ID, Person: "值班员", At: c.Deadline.Add(time.Minute)}
		}
		recs = append(recs, r)
	}
	// T1 3/3 on time. T2 2/3 with one late; T3 2/3 with one missed: T2
	// first by fewer misses. T4 2/3 with one late, like T2: by name,
	// 峒河 (U+5CD2) before 镇溪 (U+9547). T5: one check, still pending.
	for range 3 {
		add(s.T1, spotcheck.OnTime)
	}
	for _, o := range []spotcheck.Outcome{spotcheck.OnTime, spotcheck.Late, spotcheck.OnTime} {
		add(s.T2, o)
	}
	for _, o := range []spotcheck.Outcome{spotcheck.OnTime, spotcheck.Missed, spotcheck.OnTime} {
		add(s.T3, o)
	}
	for _, o := range []spotcheck.Outcome{spotcheck.Late, spotcheck.OnTime, spotcheck.OnTime} {
		add(s.T4, o)
	}
	add(s.T5, spotcheck.Pending)
	// Two checks that never reached T1 neither spoil its rate nor count
	// as decided.
	add(s.T1, spotcheck.Undelivered)
	add(s.T1, spotcheck.Undelivered)
	// A missed check in Q2 must not spoil T1's quarter; nor an on-time one help T3.
	add(s.T3, "q2")
	recs[len(recs)-1].Answer = nil
	add(s.T1, "q2")

	ranks := spotcheck.Ranking(recs, q3, s.tree, now)
	var got []string
	for _, r := range ranks {
		got = append(got, r.Name)
	}
	if want := "乾州街道,峒河街道,镇溪街道,石家冲街道,白沙镇"; strings.Join(got, ",") != want {
		t.Fatalf("ranking %v, want %s", got, want)
	}
	t1, t3, t5 := ranks[0], ranks[3], ranks[4]
	if t1.Place != 1 || t1.Checks != 5 || t1.Undelivered != 2 || t1.Decided() != 3 || t1.Rate() != 1 || t1.Path != "湘西州 / 吉首市 / 乾州街道" {
		t.Errorf("T1: %+v rate %v", t1, t1.Rate())
	}
	if t3.OnTime != 2 || t3.Missed != 1 || t3.Late != 0 || t3.Checks != 3 {
		t.Errorf("T3: %+v", t3)
	}
	if t5.Pending != 1 || t5.Decided() != 0 || t5.Place != 5 {
		t.Errorf("T5: %+v", t5)
	}
}
