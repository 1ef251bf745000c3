package consult

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Routine test calls (例行测试): on a schedule, an upper station's client
// calls each of its subordinate duty rooms by video, one at a time, and
// records whether the call connected, was not answered, or was answered
// without any picture arriving, so the system is kept in working order
// (保持良好状态). The schedule and the records stay at the calling
// station; they do not travel.

// Outcome is how one test call ended.
type Outcome string

const (
	Connected   Outcome = "connected"    // the callee's picture was decoded within the limit
	NoAnswer    Outcome = "no_answer"    // the invitation was declined or not accepted in time
	MediaFailed Outcome = "media_failed" // accepted, but no picture decoded in time
)

// Outcomes lists every outcome, in the order a table shows them.
var Outcomes = []Outcome{Connected, NoAnswer, MediaFailed}

// Limits of a test call.
const (
	// DefaultAnswerLimit is how long the callee has to accept the
	// invitation.
	DefaultAnswerLimit = 60 * time.Second
	// DefaultMediaLimit is how long after accepting the callee's first
	// picture has to be decoded.
	DefaultMediaLimit = 15 * time.Second
	// DueWindow is how late a missed scheduled time is still made up:
	// a client started within it after the time calls then; one started
	// later waits for the next scheduled time.
	DueWindow = 2 * time.Hour
	// MaxDetail bounds the detail of a record, in runes.
	MaxDetail = 200
)

// TestSchedule is a station's routine test-call schedule.
type TestSchedule struct {
	Enabled bool `json:"enabled"`
	// Minute is the time of day, local to the calling client, in minutes
	// after midnight.
	Minute int `json:"minute"`
	// Days are the weekdays to call on; none means every day.
	Days []time.Weekday `json:"days,omitempty"`
	// Stations are the subordinate duty rooms to call; none means every
	// direct subordinate that keeps a duty room.
	Stations  []app.ID  `json:"stations,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// DefaultTestSchedule is the schedule of a station that has not set one:
// off, every morning at 08:30, all direct subordinates.
func DefaultTestSchedule() TestSchedule { return TestSchedule{Minute: 8*60 + 30} }

// Validate checks a schedule alone.
func (s *TestSchedule) Validate() error {
	if s.Minute < 0 || s.Minute >= 24*60 {
		return app.FieldErrorf("minute", "the time of day %d is not between 00:00 and 23:59", s.Minute)
	}
	for i, d := range s.Days {
		if d < time.Sunday || d > time.Saturday {
			return app.FieldErrorf("days", "unknown weekday %d", d)
		}
		if slices.Contains(s.Days[:i], d) {
			return app.FieldErrorf("days", "%s is named twice", d)
		}
	}
	for i, id := range s.Stations {
		if id == app.NilID {
			return app.FieldErrorf("stations", "the nil station is named")
		}
		if slices.Contains(s.Stations[:i], id) {
			return app.FieldErrorf("stations", "station %s is named twice", id)
		}
	}
	if len(s.Stations) > MaxInvited {
		return app.FieldErrorf("stations", "%d stations named; the limit is %d", len(s.Stations), MaxInvited)
	}
	if utf8.RuneCountInString(s.UpdatedBy) > MaxName {
		return app.FieldErrorf("updated_by", "the name is longer than %d characters", MaxName)
	}
	return nil
}

// On reports whether the schedule calls on weekday d.
func (s *TestSchedule) On(d time.Weekday) bool { return len(s.Days) == 0 || slices.Contains(s.Days, d) }

// Targets returns the stations self's schedule calls, in tree order: the
// named ones that are still direct subordinates keeping a duty room, or
// every such subordinate when none are named.
func (s *TestSchedule) Targets(tree *app.Tree, self app.ID) []app.ID {
	var out []app.ID
	for _, ch := range tree.Children(self) {
		if !ch.Tier.HasDutyRoom() {
			continue
		}
		if len(s.Stations) == 0 || slices.Contains(s.Stations, ch.ID) {
			out = append(out, ch.ID)
		}
	}
	return out
}

// Slot returns the latest scheduled time at or before now, in now's
// location, and whether there is one within DueWindow.
func (s *TestSchedule) Slot(now time.Time) (time.Time, bool) {
	if !s.Enabled {
		return time.Time{}, false
	}
	y, m, d := now.Date()
	for back := 0; back <= 1; back++ {
		at := time.Date(y, m, d-back, s.Minute/60, s.Minute%60, 0, 0, now.Location())
		if at.After(now) || !s.On(at.Weekday()) {
			continue
		}
		if now.Sub(at) <= DueWindow {
			return at, true
		}
		return time.Time{}, false
	}
	return time.Time{}, false
}

// TestCall is the record of one test call.
type TestCall struct {
	ID           app.ID    `json:"id"`
	Station      app.ID    `json:"station"`               // the subordinate duty room called
	Consultation app.ID    `json:"consultation,omitzero"` // the short consultation it ran in
	Slot         time.Time `json:"slot,omitzero"`         // the scheduled time it answers
	Started      time.Time `json:"started"`
	Ended        time.Time `json:"ended,omitzero"`
	Outcome      Outcome   `json:"outcome"`
	Detail       string    `json:"detail,omitempty"`
}

// Validate checks a record alone.
func (c *TestCall) Validate() error {
	switch {
	case c.Station == app.NilID:
		return app.FieldErrorf("station", "the test call names no station")
	case c.Started.IsZero():
		return app.FieldErrorf("started", "the test call has no start time")
	case !slices.Contains(Outcomes, c.Outcome):
		return app.FieldErrorf("outcome", "unknown outcome %q", c.Outcome)
	case utf8.RuneCountInString(c.Detail) > MaxDetail:
		return app.FieldErrorf("detail", "the detail is longer than %d characters", MaxDetail)
	}
	return nil
}

// Due returns the targets to call at now: those of the current slot with
// no record of a call started at or after it, in target order. A client
// runs it from a ticker and calls the first, one at a time.
func Due(s *TestSchedule, targets []app.ID, calls []TestCall, now time.Time) []app.ID {
	slot, ok := s.Slot(now)
	if !ok {
		return nil
	}
	var out []app.ID
	for _, st := range targets {
		done := slices.ContainsFunc(calls, func(c TestCall) bool {
			return c.Station == st && !c.Started.Before(slot)
		})
		if !done {
			out = append(out, st)
		}
	}
	return out
}

// Observation is what the calling client saw of one test call so far.
type Observation struct {
	Invited    time.Time // when the invitation went out
	Accepted   time.Time // when the callee accepted or joined; zero until then
	Declined   bool      // the callee declined
	FirstFrame time.Time // when the callee's first picture was decoded; zero until then
}

// Judge applies the outcome rules to what was seen as of now, with the
// limits (zero for the defaults): connected when the callee's picture was
// decoded within the media limit of accepting; no answer when it declined
// or did not accept within the answer limit; media failed when it accepted
// and no picture came within the media limit. done is false while the
// call is still within its limits.
func Judge(o Observation, answer, media time.Duration, now time.Time) (out Outcome, done bool) {
	if answer <= 0 {
		answer = DefaultAnswerLimit
	}
	if media <= 0 {
		media = DefaultMediaLimit
	}
	if o.Accepted.IsZero() && !o.FirstFrame.IsZero() {
		o.Accepted = o.FirstFrame // a picture means it was accepted
	}
	switch {
	case o.Accepted.IsZero() && o.Declined:
		return NoAnswer, true
	case o.Accepted.IsZero() && now.Sub(o.Invited) >= answer:
		return NoAnswer, true
	case o.Accepted.IsZero():
		return "", false
	case !o.FirstFrame.IsZero() && o.FirstFrame.Sub(o.Accepted) <= media:
		return Connected, true
	case !o.FirstFrame.IsZero() || now.Sub(o.Accepted) >= media:
		return MediaFailed, true
	}
	return "", false
}

// Summary is one station's test-call results over a span of time.
type Summary struct {
	Station app.ID
	Counts  map[Outcome]int
	Last    *TestCall // the latest call, nil for none
}

// Good reports whether the latest call connected.
func (s *Summary) Good() bool { return s.Last != nil && s.Last.Outcome == Connected }

// Summarize returns one summary per station, in the order given, of the
// calls among calls.
func Summarize(stations []app.ID, calls []TestCall) []Summary {
	out := make([]Summary, 0, len(stations))
	for _, st := range stations {
		s := Summary{Station: st, Counts: map[Outcome]int{}}
		for i := range calls {
			c := &calls[i]
			if c.Station != st {
				continue
			}
			s.Counts[c.Outcome]++
			if s.Last == nil || c.Started.After(s.Last.Started) {
				s.Last = c
			}
		}
		out = append(out, s)
	}
	return out
}

// TestCalls keeps a station's test-call schedule and records. One call is
// one transaction.
type TestCalls interface {
	// TestSchedule returns this station's schedule, the default when
	// none was set.
	TestSchedule(ctx context.Context) (TestSchedule, error)
	// SetTestSchedule saves it; UpdatedAt and UpdatedBy are assigned.
	// EINVALID, ENOTFOUND (a named station not a direct subordinate
	// keeping a duty room).
	SetTestSchedule(ctx context.Context, s TestSchedule) error
	// Targets returns the stations the schedule calls.
	TestTargets(ctx context.Context) ([]app.ID, error)
	// DueTestCalls returns the stations to call at now.
	DueTestCalls(ctx context.Context, now time.Time) ([]app.ID, error)
	// RecordTestCall saves a finished call, assigning its ID. EINVALID.
	RecordTestCall(ctx context.Context, c *TestCall) error
	// TestCallsSince returns the calls started at or after since, oldest
	// first; the zero time reads them all.
	TestCallsSince(ctx context.Context, since time.Time) ([]TestCall, error)
}
