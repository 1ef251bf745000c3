package hub

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

var t0 = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)

// A burst from one address gets LoginsInFlightPerAddr password checks;
// the rest are refused busy before any hashing.
func TestThrottleRefusesABurstFromOneAddressBeforeHashing(t *testing.T) {
	th := newThrottle(DefaultThrottleEntries)
	var first *loginAttempt
	for i := range LoginsInFlightPerAddr {
		at, no := th.begin(t0, fmt.Sprintf("c%d", i), "10.0.0.9")
		if no != nil {
			t.Fatalf("attempt %d within the cap was refused: %v", i+1, no.err)
		}
		first = at
	}
	for i := range 999 {
		_, no := th.begin(t0, "c1", "10.0.0.9")
		if no == nil || no.err.Code != wire.CodeBusy || no.err.RetryAfter < 1 {
			t.Fatalf("attempt %d of the burst was let through or not answered busy: %+v", i+LoginsInFlightPerAddr+1, no)
		}
	}
	// Another address and account goes on at once.
	other, no := th.begin(t0, "t1", "10.0.0.7")
	if no != nil {
		t.Fatalf("an unrelated login was refused: %v", no.err)
	}
	th.finish(t0, first, loginFailed)
	th.finish(t0, other, loginSucceeded)
	if _, no := th.begin(t0, "c1", "10.0.0.9"); no != nil {
		t.Fatalf("the address was refused after its check ended: %v", no.err)
	}
}

// An attacker at one address locks that address; refusals during its
// lockout do not count against the account, so the owner elsewhere still
// logs in.
func TestFloodFromOneAddressDoesNotLockTheAccountOut(t *testing.T) {
	th := newThrottle(DefaultThrottleEntries)
	now := t0
	for range FreeFailures {
		at, no := th.begin(now, "c1", "10.0.0.9")
		if no != nil {
			t.Fatalf("refused before the free failures were used: %v", no.err)
		}
		th.finish(now, at, loginFailed)
	}
	for range 10_000 {
		_, no := th.begin(now, "c1", "10.0.0.9")
		if no == nil || no.err.Code != wire.CodeThrottled || no.reason != "login_addr_throttled" {
			t.Fatalf("the locked address was not refused as throttled: %+v", no)
		}
	}
	at, no := th.begin(now, "c1", "10.0.0.1")
	if no != nil {
		t.Fatalf("the owner from another address is locked out: %v", no.err)
	}
	th.finish(now, at, loginSucceeded)
}

// Failures for one account from many addresses lock it, but never for
// more than MaxAccountLockout.
func TestAccountLockoutIsCapped(t *testing.T) {
	th := newThrottle(DefaultThrottleEntries)
	now := t0
	for i := range 200 {
		// Each guess comes from a new address once the last lockout is over.
		now = t0.Add(time.Duration(i) * MaxAccountLockout)
		at, no := th.begin(now, "c1", fmt.Sprintf("10.1.%d.%d", i/250, i%250))
		if no != nil {
			t.Fatalf("attempt %d after the lockout ended: %v", i, no.err)
		}
		th.finish(now, at, loginFailed)
	}
	_, no := th.begin(now, "c1", "10.0.0.1")
	if no == nil || no.err.Code != wire.CodeThrottled || no.reason != "login_account_throttled" {
		t.Fatalf("the account was not locked after 200 failures: %+v", no)
	}
	if no.err.RetryAfter != int(MaxAccountLockout/time.Second) {
		t.Fatalf("the account waits %d s, want the cap %s", no.err.RetryAfter, MaxAccountLockout)
	}
	if _, no := th.begin(now.Add(MaxAccountLockout), "c1", "10.0.0.1"); no != nil {
		t.Fatalf("the account is still locked after %s: %v", MaxAccountLockout, no.err)
	}
}

// The table holds at most its bound; the key used least recently goes,
// so an address that keeps guessing keeps its lockout.
func TestThrottleTableIsBoundedAndKeepsActiveLockouts(t *testing.T) {
	th := newThrottle(100)
	now := t0
	for range FreeFailures {
		at, _ := th.begin(now, "c1", "10.0.0.9")
		th.finish(now, at, loginFailed)
	}
	for i := range 10_000 {
		// The attacker's own attempts keep its record fresh.
		if _, no := th.begin(now, "c1", "10.0.0.9"); no == nil {
			t.Fatalf("the attacker's lockout was evicted after %d other keys", i*2)
		}
		th.fail(now, fmt.Sprintf("join:10.2.%d.%d", i/250, i%250))
		if n := th.size(); n > 100 {
			t.Fatalf("the table holds %d keys, over its bound of 100", n)
		}
	}
}

func TestAddrKeyGroupsIPv6By64(t *testing.T) {
	if a, b := addrKey("2001:db8:1:2::1"), addrKey("2001:db8:1:2:ffff::9"); a != b {
		t.Fatalf("one /64 gives two keys: %s, %s", a, b)
	}
	if a, b := addrKey("2001:db8:1:2::1"), addrKey("2001:db8:1:3::1"); a == b {
		t.Fatalf("two /64s share a key: %s", a)
	}
	if k := addrKey("10.0.0.9"); k != "10.0.0.9" {
		t.Fatalf("IPv4 key %q", k)
	}
}

// A station over its burst is refused with the time to wait and nothing
// charged; after the wait it pushes again; another station is untouched.
func TestQuotaRefusesOverBurstThenRefills(t *testing.T) {
	q := Quota{OpsPerSecond: 10, OpsBurst: 300, BytesPerDay: 10 << 20}
	q.fill()
	qs := newQuotas(q)
	a, b := app.NewID(), app.NewID()
	if we, _ := qs.take(t0, a, 256, 1000); we != nil {
		t.Fatalf("a push within the burst: %v", we)
	}
	we, reason := qs.take(t0, a, 256, 1000)
	if we == nil || we.Code != wire.CodeOverQuota || reason != "quota_ops" {
		t.Fatalf("a push over the burst: %+v %s", we, reason)
	}
	// 44 tokens left, 212 missing at 10 a second.
	if we.RetryAfter != 22 {
		t.Fatalf("retry after %d s, want 22", we.RetryAfter)
	}
	if we, _ := qs.take(t0, b, 256, 1000); we != nil {
		t.Fatalf("another station was refused: %v", we)
	}
	if we, _ := qs.take(t0.Add(22*time.Second), a, 256, 1000); we != nil {
		t.Fatalf("after the wait: %v", we)
	}
	// Bytes: the day's bucket, refilling over 24 h.
	we, reason = qs.take(t0, b, 1, 11<<20)
	if we == nil || reason != "quota_bytes" {
		t.Fatalf("a push over the bytes of a day: %+v %s", we, reason)
	}
}

func TestQuotaBurstHoldsTheLargestPush(t *testing.T) {
	q := Quota{OpsBurst: 1, BytesPerDay: 1}
	q.fill()
	if q.OpsBurst < wire.MaxPushOps || q.BytesPerDay < 2*wire.MaxFrame {
		t.Fatalf("quota %+v cannot hold the largest push", q)
	}
}

func TestGateCapsPreLoginInTotalAndPerAddress(t *testing.T) {
	g := newGate(&Config{MaxConns: 10, MaxPreLogin: 5, MaxPreLoginPerAddr: 2, MaxBrowsersPerStation: 1})
	var slots []*slot
	for i := range 2 {
		s, no := g.admit("10.0.0.1")
		if no != nil {
			t.Fatalf("admission %d: %s", i, no.msg)
		}
		slots = append(slots, s)
	}
	if _, no := g.admit("10.0.0.1"); no == nil || no.status != http.StatusTooManyRequests || no.reason != "prelogin_addr_limit" {
		t.Fatalf("a third pre-login socket from one address: %+v", no)
	}
	for i := range 3 {
		s, no := g.admit(fmt.Sprintf("10.0.1.%d", i))
		if no != nil {
			t.Fatal(no.msg)
		}
		slots = append(slots, s)
	}
	if _, no := g.admit("10.0.2.1"); no == nil || no.status != http.StatusServiceUnavailable || no.reason != "prelogin_limit" {
		t.Fatalf("a sixth pre-login socket: %+v", no)
	}
	// Logging in frees the pre-login place, not the connection's.
	station := app.NewID()
	if we := slots[0].takeBrowser(station); we != nil {
		t.Fatal(we)
	}
	slots[0].enter()
	if we := slots[1].takeBrowser(station); we == nil || we.Code != wire.CodeBusy {
		t.Fatalf("a second browser of a station over the cap of 1: %v", we)
	}
	slots[1].enter()
	open, pre := g.counts()
	if open != 5 || pre != 3 {
		t.Fatalf("open %d, pre-login %d; want 5 and 3", open, pre)
	}
	for _, s := range slots {
		s.release()
		s.release() // twice is harmless
	}
	if open, pre := g.counts(); open != 0 || pre != 0 || len(g.preByAddr) != 0 || len(g.browsers) != 0 {
		t.Fatalf("after release: open %d, pre %d, %v, %v", open, pre, g.preByAddr, g.browsers)
	}
}

// A flood of one kind of refusal writes logBurst lines a second; the next
// line logged says how many were left out, and other kinds are not held
// back.
func TestRefusalLogIsLimitedPerKindAndCountsWhatItLeavesOut(t *testing.T) {
	var l logLimiter
	logged := 0
	for range 1000 {
		if ok, _ := l.allow("busy", t0); ok {
			logged++
		}
	}
	if logged != logBurst {
		t.Fatalf("%d lines in one second, want %d", logged, logBurst)
	}
	if ok, _ := l.allow("over_quota", t0); !ok {
		t.Fatal("another kind was held back")
	}
	ok, left := l.allow("busy", t0.Add(time.Second))
	if !ok || left != 1000-logBurst {
		t.Fatalf("the next second's line: %v, %d left out; want %d", ok, left, 1000-logBurst)
	}
}

// One address gets its burst of new connections and then its rate; other
// addresses are untouched; the table stays within its bound.
func TestNewConnectionsPerAddressAreRateLimited(t *testing.T) {
	r := newAddrRate(20, 100, 1000)
	allowed := 0
	for range 10_000 {
		if r.allow("10.0.0.9", t0) {
			allowed++
		}
	}
	if allowed != 100 {
		t.Fatalf("%d connections at once, want the burst of 100", allowed)
	}
	if !r.allow("10.0.0.7", t0) {
		t.Fatal("another address was refused")
	}
	allowed = 0
	for range 1000 {
		if r.allow("10.0.0.9", t0.Add(time.Second)) {
			allowed++
		}
	}
	if allowed != 20 {
		t.Fatalf("%d connections in the next second, want the rate of 20", allowed)
	}
	for i := range 5000 {
		r.allow(fmt.Sprintf("10.3.%d.%d", i/250, i%250), t0)
	}
	if n := len(r.byAddr); n > 1000 || r.lru.Len() != n {
		t.Fatalf("the table holds %d addresses (list %d), over its bound of 1000", n, r.lru.Len())
	}
}
