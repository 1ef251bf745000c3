// Package spotcheck is the duty room's spot checks (查岗): an upper station
// checks, unannounced, that a duty room below it is staffed; the person on
// duty must answer by name before a deadline, and a station that does not
// is recorded absent from post (脱岗). Results are ranked by quarter
// (DOMAIN.md, "Spot checks").
//
// Everything here is pure: callers pass the clock, the station tree and
// the seed of any random choice.
package spotcheck

import (
	"context"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Operation kinds of spot checks. A check goes to its target and up the
// issuer's lineage, so the stations above the issuer can rank too; the
// answer and the issuer's record of a miss go back to the same stations.
// Neither reaches the stations between issuer and target, so an
// unannounced check stays unannounced.
const (
	OpStart  = "spotcheck.start"  // payload: Check
	OpAnswer = "spotcheck.answer" // payload: Answer
	OpResult = "spotcheck.result" // payload: Result, a miss recorded by the issuer
)

// Limits on how long a station has to answer. The default is the common
// local rule of three minutes; a station may set its own.
const (
	DefaultLimit = 3 * time.Minute
	MinLimit     = 10 * time.Second
	MaxLimit     = time.Hour
	MaxPrompt    = 200 // runes
	MaxName      = 32  // runes, as a person's name in the directory
)

// Settings are an issuing station's spot-check rules.
type Settings struct {
	Limit time.Duration `json:"limit"` // time to answer
}

// DefaultSettings returns the national practice.
func DefaultSettings() Settings { return Settings{Limit: DefaultLimit} }

// Validate checks the limit.
func (s Settings) Validate() error {
	if s.Limit < MinLimit || s.Limit > MaxLimit {
		return app.FieldErrorf("limit", "the time to answer must be between %s and %s, not %s", MinLimit, MaxLimit, s.Limit)
	}
	return nil
}

// Check is one spot check of one station. Its JSON is the stored and
// synced format.
type Check struct {
	ID        app.ID    `json:"id"`
	By        app.ID    `json:"by"`     // the checking station
	Target    app.ID    `json:"target"` // the duty room checked
	StartedAt time.Time `json:"started_at"`
	Deadline  time.Time `json:"deadline"`
	Prompt    string    `json:"prompt,omitempty"`     // what the target's screen shows; empty for the standard text
	StartedBy string    `json:"started_by,omitempty"` // the person at the checking station
	// Round groups the checks started together on stations chosen at
	// random; NilID for a check of one chosen station.
	Round app.ID `json:"round,omitzero"`
}

// Validate checks a check alone; CanCheck checks the two stations.
func (c *Check) Validate() error {
	c.Prompt = strings.TrimSpace(c.Prompt)
	c.StartedBy = strings.TrimSpace(c.StartedBy)
	limit := c.Deadline.Sub(c.StartedAt)
	switch {
	case c.ID == app.NilID:
		return app.FieldErrorf("id", "spot check has no id")
	case c.By == app.NilID:
		return app.FieldErrorf("by", "spot check names no checking station")
	case c.Target == app.NilID:
		return app.FieldErrorf("target", "spot check names no station to check")
	case c.Target == c.By:
		return app.FieldErrorf("target", "a station cannot spot-check itself")
	case c.StartedAt.IsZero():
		return app.FieldErrorf("started_at", "spot check has no start time")
	case c.Deadline.IsZero():
		return app.FieldErrorf("deadline", "spot check has no deadline")
	case limit < MinLimit || limit > MaxLimit:
		return app.FieldErrorf("deadline", "the deadline must fall %s to %s after the start, not %s", MinLimit, MaxLimit, limit)
	case utf8.RuneCountInString(c.Prompt) > MaxPrompt:
		return app.FieldErrorf("prompt", "the prompt is longer than %d characters", MaxPrompt)
	case utf8.RuneCountInString(c.StartedBy) > MaxName:
		return app.FieldErrorf("started_by", "the name is longer than %d characters", MaxName)
	}
	return nil
}

// CanCheck checks that by may spot-check target: target is a duty room
// anywhere below by. ENOTFOUND for a station not in the tree, EFORBIDDEN
// otherwise, naming both stations.
func CanCheck(tree *app.Tree, by, target app.ID) error {
	b, t := tree.Station(by), tree.Station(target)
	switch {
	case b == nil:
		return app.Errorf(app.ENOTFOUND, "the checking station %s is not in the station tree", by)
	case t == nil:
		return app.Errorf(app.ENOTFOUND, "station %s is not in the station tree", target)
	case by == target:
		return app.Errorf(app.EFORBIDDEN, "%s cannot spot-check itself", b.Name)
	case !tree.IsWithin(target, by):
		return app.Errorf(app.EFORBIDDEN, "%s cannot spot-check %s: spot checks go only to duty rooms below the checking station", b.Name, t.Name)
	case !t.Tier.HasDutyRoom():
		return app.Errorf(app.EFORBIDDEN, "%s is a village and keeps no duty room to spot-check", t.Name)
	}
	return nil
}

// Candidates returns the duty rooms below by, ordered by code, so a
// choice made with a seed does not depend on how the tree was loaded.
func Candidates(tree *app.Tree, by app.ID) []*app.Station {
	var out []*app.Station
	var walk func(id app.ID, depth int)
	walk = func(id app.ID, depth int) {
		if depth > len(app.Tiers) {
			return // only a damaged tree is deeper than its tiers
		}
		for _, c := range tree.Children(id) {
			if c.Tier.HasDutyRoom() {
				out = append(out, c)
			}
			walk(c.ID, depth+1)
		}
	}
	walk(by, 1)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Choose picks n distinct duty rooms below by at random, the same ones for
// the same seed and tree, so tests can check a choice; real use seeds from
// the clock. EINVALID for n below 1 or above the number of candidates.
func Choose(tree *app.Tree, by app.ID, n int, seed uint64) ([]app.ID, error) {
	cands := Candidates(tree, by)
	switch {
	case n < 1:
		return nil, app.FieldErrorf("n", "choose at least one station to check, not %d", n)
	case n > len(cands):
		name := by.String()
		if s := tree.Station(by); s != nil {
			name = s.Name
		}
		return nil, app.FieldErrorf("n", "%d stations asked for, but %s has only %d duty rooms below it", n, name, len(cands))
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	out := make([]app.ID, 0, n)
	for _, i := range rng.Perm(len(cands))[:n] {
		out = append(out, cands[i].ID)
	}
	return out, nil
}

// Outcome is how a check ended, or that it has not yet.
type Outcome string

const (
	Pending Outcome = "pending" // no answer, and the deadline is still ahead
	OnTime  Outcome = "on_time"
	Late    Outcome = "late"   // answered after the deadline
	Missed  Outcome = "missed" // 脱岗: arrived, and no answer by the deadline counted from arrival
	// Undelivered (未送达): no arrival is known once the limit has passed
	// since the start, or the check arrived expired (MaxDelay). It says
	// nothing of the desk and is left out of the ranking's rate.
	Undelivered Outcome = "undelivered"
)

// Remaining is what the target's countdown shows at now: the time left
// to answer, counted from the check's arrival; zero once the deadline has
// passed or when the check arrived expired. Before any arrival is known
// (on the issuer's side) it is the whole limit.
func (r *Record) Remaining(now time.Time) time.Duration {
	due, ok := r.Due()
	if !ok {
		if r.Expired() {
			return 0
		}
		return r.Check.Limit()
	}
	if d := due.Sub(now); d > 0 {
		return d
	}
	return 0
}

// Answer is the checked station's answer: the person on duty by name.
type Answer struct {
	Check   app.ID    `json:"check"`
	Station app.ID    `json:"station"` // the station answering: the check's target
	Person  string    `json:"person"`
	At      time.Time `json:"at"`
}

// Validate checks an answer alone; CheckAnswer checks it against its check.
func (a *Answer) Validate() error {
	a.Person = strings.TrimSpace(a.Person)
	switch {
	case a.Check == app.NilID:
		return app.FieldErrorf("check", "the answer names no spot check")
	case a.Station == app.NilID:
		return app.FieldErrorf("station", "the answer names no station")
	case a.Person == "":
		return app.FieldErrorf("person", "the person on duty answers by name")
	case utf8.RuneCountInString(a.Person) > MaxName:
		return app.FieldErrorf("person", "the name is longer than %d characters", MaxName)
	case a.At.IsZero():
		return app.FieldErrorf("at", "the answer has no time")
	}
	return nil
}

// CheckAnswer checks that a answers c from the station c checked.
func CheckAnswer(c *Check, a *Answer) error {
	switch {
	case a.Check != c.ID:
		return app.FieldErrorf("check", "the answer is for spot check %s, not %s", a.Check, c.ID)
	case a.Station != c.Target:
		return app.Errorf(app.EFORBIDDEN, "spot check %s is for another station; only the station checked answers it", c.ID)
	}
	return nil
}

// Result is an outcome the issuer records. In this version that is a miss:
// at the deadline by the issuer's clock no answer had arrived.
type Result struct {
	Check   app.ID    `json:"check"`
	Station app.ID    `json:"station"` // the issuer, which decided
	Outcome Outcome   `json:"outcome"`
	At      time.Time `json:"at"` // when it was decided
}

// Validate checks a result alone.
func (r *Result) Validate() error {
	switch {
	case r.Check == app.NilID:
		return app.FieldErrorf("check", "the result names no spot check")
	case r.Station == app.NilID:
		return app.FieldErrorf("station", "the result names no deciding station")
	case r.Outcome != Missed:
		return app.FieldErrorf("outcome", "a recorded result is %q, not %q", Missed, r.Outcome)
	case r.At.IsZero():
		return app.FieldErrorf("at", "the result has no time")
	}
	return nil
}

// Record is a check with what became of it.
type Record struct {
	Check   Check
	Arrival *Arrival // nil while no arrival is known here
	Answer  *Answer  // nil while unanswered
	Result  *Result  // the issuer's record of a miss, nil before or without one
}

// arrived is when the check reached its target as far as this record
// tells: the arrival, or else an answer, which proves the check had
// arrived by the time it was given.
func (r *Record) arrived() (time.Time, bool) {
	if at, ok := r.Check.ArrivedAt(r.Arrival); ok {
		return at, true
	}
	if r.Answer != nil {
		return r.Check.ArrivedAt(&Arrival{At: r.Answer.At})
	}
	return time.Time{}, false
}

// Expired reports whether the check reached its target too late to be a
// fair test (MaxDelay).
func (r *Record) Expired() bool {
	at, ok := r.arrived()
	return ok && r.Check.ExpiredAt(at)
}

// Due is the deadline to answer, counted from arrival; ok is false while
// no arrival is known and for a check that arrived expired.
func (r *Record) Due() (time.Time, bool) {
	at, ok := r.arrived()
	if !ok || r.Check.ExpiredAt(at) {
		return time.Time{}, false
	}
	return r.Check.AnswerBy(at), true
}

// JudgeAnswer is the outcome of an answer given at: on time up to and
// including the deadline counted from arrival, late after it. The
// answering station judges by its own clock, which is also the clock of
// Answer.At and of its arrival, so every station judges the same.
func (r *Record) JudgeAnswer(at time.Time) Outcome {
	if r.Expired() {
		return Undelivered
	}
	if due, ok := r.Due(); ok && at.After(due) {
		return Late
	}
	return OnTime
}

// Outcome is the check's outcome as of now. A check that arrived expired
// is undelivered, answered or not. Otherwise an answer decides it, even
// one that arrives after the issuer recorded a miss: the answer proves
// someone answered, and its time says whether in time. Without an answer
// the check is missed (脱岗) only once it is known to have arrived and the
// limit has passed since; with no arrival known it is undelivered once
// the limit has passed since the start, and stays so until an arrival
// comes. A recorded miss without a known arrival (from a version that
// counted from the start) does not make a miss: it stays in the record
// for the history only.
func (r *Record) Outcome(now time.Time) Outcome {
	if r.Expired() {
		return Undelivered
	}
	if r.Answer != nil {
		return r.JudgeAnswer(r.Answer.At)
	}
	if due, ok := r.Due(); ok {
		if now.After(due) {
			return Missed
		}
		return Pending
	}
	if now.After(r.Check.Deadline) {
		return Undelivered
	}
	return Pending
}

// Join puts checks, answers and results together by check, in the order
// of checks. Answers and results for other checks are ignored; of two
// answers for one check the earlier counts.
func Join(checks []Check, answers []Answer, results []Result) []Record {
	byID := make(map[app.ID]int, len(checks))
	out := make([]Record, len(checks))
	for i := range checks {
		out[i].Check = checks[i]
		byID[checks[i].ID] = i
	}
	for j := range answers {
		a := answers[j]
		if i, ok := byID[a.Check]; ok && (out[i].Answer == nil || a.At.Before(out[i].Answer.At)) {
			out[i].Answer = &a
		}
	}
	for j := range results {
		r := results[j]
		if i, ok := byID[r.Check]; ok && out[i].Result == nil {
			out[i].Result = &r
		}
	}
	return out
}

// JoinArrivals puts arrivals into records joined by Join; of two arrivals
// for one check the earlier counts.
func JoinArrivals(records []Record, arrivals []Arrival) {
	byID := make(map[app.ID]int, len(records))
	for i := range records {
		byID[records[i].Check.ID] = i
	}
	for j := range arrivals {
		a := arrivals[j]
		if i, ok := byID[a.Check]; ok && (records[i].Arrival == nil || a.At.Before(records[i].Arrival.At)) {
			records[i].Arrival = &a
		}
	}
}

// Filter narrows records. Zero fields do not filter.
type Filter struct {
	By     app.ID    // the checking station
	Target app.ID    // the checked station
	Round  app.ID    // checks started together
	From   time.Time // started at or after
	To     time.Time // started before
}

// Matches reports whether c passes f.
func (f Filter) Matches(c *Check) bool {
	return (f.By == app.NilID || c.By == f.By) &&
		(f.Target == app.NilID || c.Target == f.Target) &&
		(f.Round == app.NilID || c.Round == f.Round) &&
		(f.From.IsZero() || !c.StartedAt.Before(f.From)) &&
		(f.To.IsZero() || c.StartedAt.Before(f.To))
}

// Service starts and answers spot checks. One call is one transaction,
// durable before it returns, with its operation in the outbox. The
// author of a change is app.AuthorFrom(ctx).
type Service interface {
	// Settings returns a station's settings, DefaultSettings while it has
	// set none.
	Settings(ctx context.Context, station app.ID) (Settings, error)
	// SetSettings sets this client's station's settings; they stay on this
	// client. EINVALID, EFORBIDDEN for another station.
	SetSettings(ctx context.Context, station app.ID, s Settings) error

	// Start checks c.Target from this client's station. It assigns ID, By,
	// StartedAt, StartedBy (the author) and, when zero, Deadline from the
	// station's Settings. EINVALID, ENOTFOUND, EFORBIDDEN (CanCheck).
	Start(ctx context.Context, c *Check) error
	// StartRandom checks n duty rooms below this station chosen with the
	// seed (Choose), all in one round, and returns the checks by target
	// code. EINVALID, EFORBIDDEN.
	StartRandom(ctx context.Context, n int, seed uint64, prompt string) ([]Check, error)
	// Answer records this station's answer to a check of it, assigning At
	// and Station, and returns its outcome (on time or late by this
	// client's clock, counted from the check's arrival here). EINVALID
	// also for a check that arrived expired, ENOTFOUND, EFORBIDDEN when
	// the check is for another station, ECONFLICT when it was answered
	// already.
	Answer(ctx context.Context, a *Answer) (Outcome, error)
	// Sweep records a miss for every check this station started that is
	// known to have arrived, whose deadline counted from arrival is at or
	// before now, with no answer, and returns how many. A check with no
	// arrival is never recorded missed. Calling it again changes nothing;
	// the app calls it every few seconds.
	Sweep(ctx context.Context, now time.Time) (int, error)

	// Record returns one check with its answer and result. ENOTFOUND.
	Record(ctx context.Context, id app.ID) (*Record, error)
	// Records returns the checks held here that match f, newest first:
	// those this station started or was the target of, and those started
	// by stations below it.
	Records(ctx context.Context, f Filter) ([]Record, error)
	// Unanswered returns the checks of station with no answer yet, oldest
	// first, overdue ones included (they may still be answered, late):
	// what the full-window prompt shows.
	Unanswered(ctx context.Context, station app.ID) ([]Record, error)
	// Ranking ranks the stations checked within p by the records held
	// here (Ranking).
	Ranking(ctx context.Context, p Period, now time.Time) ([]Rank, error)
}
