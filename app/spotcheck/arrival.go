package spotcheck

import (
	"time"

	"dutyroom/app"
)

// OpArrive is the checked station's client telling the issuer that a check
// has reached it: sent automatically, in the same transaction that stores
// the check there, back to the issuer and the stations above it (as an
// answer goes). The answer window is counted from this arrival, not from
// the start: a check that waited in the issuer's outbox while its link was
// down, or at the hub while the target's client was off, did not test the
// desk while it waited.
const OpArrive = "spotcheck.arrive" // payload: Arrival

// MaxDelay is how long after its start a check may still reach its target
// and be a fair test. An unannounced check that arrives later (the issuer
// was offline for hours) tests another shift than the one it was made for:
// it arrives expired, the target's window shows it as such and asks no
// answer, and its outcome is 未送达, never 脱岗.
const MaxDelay = 10 * time.Minute

// Arrival is the checked station's record that a check reached it.
type Arrival struct {
	Check   app.ID    `json:"check"`
	Station app.ID    `json:"station"` // the checked station
	At      time.Time `json:"at"`      // when its client stored the check, by its clock
	// Received is when the station holding this record first had it, by
	// its own clock; it is not sent (each station sets its own) and bounds
	// the claimed time: a target cannot say the check reached it after the
	// issuer had already heard that it had.
	Received time.Time `json:"-"`
}

// Validate checks an arrival alone; CheckArrival checks it against its check.
func (a *Arrival) Validate() error {
	switch {
	case a.Check == app.NilID:
		return app.FieldErrorf("check", "the arrival names no spot check")
	case a.Station == app.NilID:
		return app.FieldErrorf("station", "the arrival names no station")
	case a.At.IsZero():
		return app.FieldErrorf("at", "the arrival has no time")
	}
	return nil
}

// CheckArrival checks that a reports c reaching the station c checked.
func CheckArrival(c *Check, a *Arrival) error {
	switch {
	case a.Check != c.ID:
		return app.FieldErrorf("check", "the arrival is of spot check %s, not %s", a.Check, c.ID)
	case a.Station != c.Target:
		return app.Errorf(app.EFORBIDDEN, "spot check %s is for another station; only the station checked reports its arrival", c.ID)
	}
	return nil
}

// Limit is the time the checked station has to answer, counted from the
// check's arrival. Deadline-StartedAt carries it, so the stored format and
// older clients are unchanged.
func (c *Check) Limit() time.Duration { return c.Deadline.Sub(c.StartedAt) }

// ArrivedAt is when the check is taken to have reached its target: the
// time the target claims, bounded below by the start (a target's clock
// behind the issuer's gains it nothing) and above by when this station
// received the arrival (a target cannot claim a later arrival than the
// issuer already knew of). ok is false while no arrival is known.
func (c *Check) ArrivedAt(a *Arrival) (at time.Time, ok bool) {
	if a == nil {
		return time.Time{}, false
	}
	at = a.At
	if !a.Received.IsZero() && at.After(a.Received) {
		at = a.Received
	}
	if at.Before(c.StartedAt) {
		at = c.StartedAt
	}
	return at, true
}

// ExpiredAt reports whether a check that reached its target at arrived
// came too late to be a fair test (MaxDelay).
func (c *Check) ExpiredAt(arrived time.Time) bool {
	return arrived.Sub(c.StartedAt) > MaxDelay
}

// AnswerBy is the deadline of a check that arrived at arrived.
func (c *Check) AnswerBy(arrived time.Time) time.Time { return arrived.Add(c.Limit()) }
