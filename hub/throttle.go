package hub

import (
	"sync"
	"time"
)

// Login throttling. After FreeFailures failed logins for one account, or
// from one address, each further attempt must wait: 1 s, then twice as
// long after each failure, up to MaxLockout. Attempts during the wait are
// refused without checking the password and count as failures, so
// guessing costs ever more time and the hub's CPU is not spent on argon2
// for an attacker. The counts live in
// memory: a restart forgets them, which costs an attacker a restart of the
// hub they cannot cause.
const (
	FreeFailures = 5
	MaxLockout   = 15 * time.Minute
	// forgetAfter drops the record of failures this long after the last.
	forgetAfter = time.Hour
)

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

type throttle struct {
	mu    sync.Mutex
	byKey map[string]*failures
}

func newThrottle() *throttle { return &throttle{byKey: make(map[string]*failures)} }

// wait returns how long the keys must still wait; zero when a login may be
// tried now.
func (t *throttle) wait(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		if f := t.byKey[k]; f != nil && now.Before(f.until) {
			longest = max(longest, f.until.Sub(now))
		}
	}
	return longest
}

// fail records a failed login against every key.
func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.byKey) > 100_000 {
		t.prune(now)
	}
	for _, k := range keys {
		f := t.byKey[k]
		if f == nil || now.Sub(f.last) > forgetAfter {
			f = &failures{}
			t.byKey[k] = f
		}
		f.n++
		f.last = now
		if f.n >= FreeFailures {
			delay := MaxLockout
			if shift := f.n - FreeFailures; shift < 20 {
				delay = min(time.Second<<shift, MaxLockout)
			}
			f.until = now.Add(delay)
		}
	}
}

// succeed clears the account's record. The address keeps its count: one
// good password must not reset the count for guesses at other accounts.
func (t *throttle) succeed(userKey string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.byKey, userKey)
}

func (t *throttle) prune(now time.Time) {
	for k, f := range t.byKey {
		if now.Sub(f.last) > forgetAfter && now.After(f.until) {
			delete(t.byKey, k)
		}
	}
}
