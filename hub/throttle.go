package hub

import (
	"container/list"
	"fmt"
	"net"
	"sync"
	"time"

	"dutyroom/app/wire"
)

// Login throttling. The throttle decides before the password is hashed,
// so an attacker's guesses cost the hub a map lookup, not an argon2 check.
//
//   - In flight: one address may have LoginsInFlightPerAddr password
//     checks running or waiting at once, one account
//     LoginsInFlightPerAccount; a burst beyond is answered busy at once.
//   - Failures from an address: after FreeFailures, each further attempt
//     from it must wait 1 s, then twice as long after each failure, up to
//     MaxLockout. Attempts during the wait are refused without a check
//     and lengthen it.
//   - Failures for an account: after AccountFreeFailures the account
//     waits too, but at most MaxAccountLockout, and attempts refused for
//     it count against their address, not the account. Addresses weigh
//     more than accounts: an attacker at one address locks out that
//     address, while the account's owner, elsewhere, waits at most a
//     minute, and only after many failures from many attempts.
//
// The counts live in memory, in a table of at most ThrottleEntries keys;
// when it is full the key used least recently goes. Every check is a few
// map and list operations: no scans. A restart forgets the counts, which
// costs an attacker a restart of the hub they cannot cause.
const (
	FreeFailures        = 5
	MaxLockout          = 15 * time.Minute
	AccountFreeFailures = 10
	MaxAccountLockout   = time.Minute

	// Two, not one: duty rooms behind one NAT address may log in at the
	// same moment, and a locked address gets few checks either way.
	LoginsInFlightPerAddr    = 2
	LoginsInFlightPerAccount = 2

	// DefaultHashSlots is how many argon2 checks run at once (19 MiB
	// each); a login waits for a slot at most DefaultHashWait, behind at
	// most DefaultHashQueue others, and is otherwise answered busy: a
	// quick "try again" beats a login that hangs for half a minute.
	DefaultHashSlots = 2
	DefaultHashQueue = 16
	DefaultHashWait  = 2 * time.Second

	// DefaultThrottleEntries bounds the throttle's table: about 150 bytes
	// a key, 7.5 MiB when full.
	DefaultThrottleEntries = 50_000

	// forgetAfter drops the record of failures this long after the last.
	forgetAfter = time.Hour
)

type throttleEntry struct {
	key      string
	n        int // failures since the record was last cleared
	last     time.Time
	until    time.Time
	inFlight int
	elem     *list.Element
}

type throttle struct {
	max   int
	mu    sync.Mutex
	byKey map[string]*throttleEntry
	lru   *list.List // front: used most recently
}

func newThrottle(max int) *throttle {
	return &throttle{max: max, byKey: make(map[string]*throttleEntry), lru: list.New()}
}

// entry returns the key's record, making it if needed and evicting the
// least recently used when the table is full; t.mu is held.
func (t *throttle) entry(now time.Time, key string) *throttleEntry {
	if e := t.byKey[key]; e != nil {
		t.lru.MoveToFront(e.elem)
		if e.inFlight == 0 && now.Sub(e.last) > forgetAfter && now.After(e.until) {
			e.n = 0
		}
		return e
	}
	for len(t.byKey) >= t.max {
		old := t.lru.Back()
		t.lru.Remove(old)
		delete(t.byKey, old.Value.(*throttleEntry).key)
	}
	e := &throttleEntry{key: key}
	e.elem = t.lru.PushFront(e)
	t.byKey[key] = e
	return e
}

// fail records a failure on e with the given allowance and cap; t.mu is held.
func (e *throttleEntry) fail(now time.Time, free int, maxWait time.Duration) {
	e.n++
	e.last = now
	if e.n >= free {
		delay := maxWait
		if shift := e.n - free; shift < 20 {
			delay = min(time.Second<<shift, maxWait)
		}
		e.until = now.Add(delay)
	}
}

// loginAttempt is a password check the throttle let through; finish it.
type loginAttempt struct {
	addr, user *throttleEntry
}

// loginRefusal is the throttle's no: the error for the client and the
// reason for the log and the metric.
type loginRefusal struct {
	err    *wire.Error
	reason string
}

// addrKey is the address an attempt is counted against: the IP, or for
// IPv6 its /64, which one attacker holds whole.
func addrKey(ip string) string {
	p := net.ParseIP(ip)
	if p == nil || p.To4() != nil {
		return ip
	}
	return p.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// begin decides, before any hashing, whether user may try a password from
// addr now.
func (t *throttle) begin(now time.Time, user, addr string) (*loginAttempt, *loginRefusal) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.entry(now, "addr:"+addrKey(addr))
	if now.Before(a.until) {
		a.fail(now, FreeFailures, MaxLockout)
		return nil, &loginRefusal{throttled(fmt.Sprintf("too many failed logins from %s", addr), a.until.Sub(now)), "login_addr_throttled"}
	}
	if a.inFlight >= LoginsInFlightPerAddr {
		return nil, &loginRefusal{busy(1, "%s already has a login being checked; try again in a second", addr), "login_addr_in_flight"}
	}
	u := t.entry(now, "user:"+user)
	if now.Before(u.until) {
		// Counted against the address only: the account's wait must not
		// grow with an attacker's persistence.
		a.fail(now, FreeFailures, MaxLockout)
		return nil, &loginRefusal{throttled(fmt.Sprintf("too many failed logins for %s", user), u.until.Sub(now)), "login_account_throttled"}
	}
	if u.inFlight >= LoginsInFlightPerAccount {
		return nil, &loginRefusal{busy(1, "logins for %s are already being checked; try again in a second", user), "login_account_in_flight"}
	}
	a.inFlight++
	u.inFlight++
	return &loginAttempt{addr: a, user: u}, nil
}

// Outcomes of a login attempt.
const (
	loginUnchecked = iota // the password was not checked (the hub was busy)
	loginFailed
	loginSucceeded
)

// finish ends an attempt. A success clears the account's record; the
// address keeps its count, so one good password does not reset guesses at
// other accounts.
func (t *throttle) finish(now time.Time, at *loginAttempt, outcome int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// An entry evicted meanwhile is changed harmlessly: nothing reads it.
	at.addr.inFlight--
	at.user.inFlight--
	switch outcome {
	case loginFailed:
		at.addr.fail(now, FreeFailures, MaxLockout)
		at.user.fail(now, AccountFreeFailures, MaxAccountLockout)
	case loginSucceeded:
		at.user.n, at.user.until = 0, time.Time{}
	}
}

// wait returns how long key must still wait; zero when it may try now.
// The join page throttles unknown codes by address with it.
func (t *throttle) wait(now time.Time, key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.byKey[key]
	if e == nil || !now.Before(e.until) {
		return 0
	}
	return e.until.Sub(now)
}

// fail records a failure against key, with the address's allowance.
func (t *throttle) fail(now time.Time, key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entry(now, key).fail(now, FreeFailures, MaxLockout)
}

// size is the number of keys held.
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byKey)
}

func throttled(what string, wait time.Duration) *wire.Error {
	secs := int((wait + time.Second - 1) / time.Second)
	return &wire.Error{Code: wire.CodeThrottled, RetryAfter: secs,
		Message: fmt.Sprintf("%s; try again in %s", what, (time.Duration(secs) * time.Second).String())}
}

func busy(retry int, format string, args ...any) *wire.Error {
	e := wire.Errorf(wire.CodeBusy, format, args...)
	e.RetryAfter = retry
	return e
}
