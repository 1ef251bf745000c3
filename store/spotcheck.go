package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
)

// Checks, answers and results are stored as the JSON of their domain
// types, which is also their operation payload, and never change once
// written. spotcheck_due holds the checks still open here, so neither the
// sweep every few seconds nor the prompt reads the whole history.

// SpotChecks starts, answers and sweeps spot checks. It implements
// spotcheck.Service.
type SpotChecks struct {
	db *DB
}

var _ spotcheck.Service = (*SpotChecks)(nil)

// NewSpotChecks returns the spot-check service of db.
func NewSpotChecks(db *DB) *SpotChecks { return &SpotChecks{db: db} }

// The flag byte after the target in a spotcheck_due value.
const (
	dueOfHere   = 0 // a check of this station: open until answered
	dueFromHere = 1 // a check this station started: open until answered or missed
)

// Settings implements spotcheck.Service.
func (s *SpotChecks) Settings(ctx context.Context, station app.ID) (spotcheck.Settings, error) {
	var set spotcheck.Settings
	err := s.db.view(ctx, func(tx *txn) (err error) {
		set, err = spotSettings(tx, station)
		return err
	})
	return set, err
}

// SetSettings implements spotcheck.Service.
func (s *SpotChecks) SetSettings(ctx context.Context, station app.ID, set spotcheck.Settings) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		if station != self {
			return app.Errorf(app.EFORBIDDEN, "only %s sets its own spot-check rules", stationName(tree, station))
		}
		if err := set.Validate(); err != nil {
			return err
		}
		b, err := mustBucket(tx.Tx, bucketSpotCheckConfig)
		if err != nil {
			return err
		}
		buf, err := json.Marshal(set)
		if err != nil {
			return err
		}
		return b.Put(idKey(station), buf)
	})
}

func spotSettings(tx *txn, station app.ID) (spotcheck.Settings, error) {
	b, err := mustBucket(tx.Tx, bucketSpotCheckConfig)
	if err != nil {
		return spotcheck.Settings{}, err
	}
	raw := b.Get(idKey(station))
	if raw == nil {
		return spotcheck.DefaultSettings(), nil
	}
	var set spotcheck.Settings
	if err := unmarshalRecord(raw, &set); err != nil {
		return spotcheck.Settings{}, app.Errorf(app.ECORRUPT, "the spot-check settings of station %s are damaged: %s", station, app.ErrorMessage(err))
	}
	return set, nil
}

// Start implements spotcheck.Service.
func (s *SpotChecks) Start(ctx context.Context, c *spotcheck.Check) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		n, err := startCheck(tx, self, tree, *c)
		if err != nil {
			return err
		}
		*c = n
		return nil
	})
}

// StartRandom implements spotcheck.Service.
func (s *SpotChecks) StartRandom(ctx context.Context, n int, seed uint64, prompt string) ([]spotcheck.Check, error) {
	var out []spotcheck.Check
	err := s.db.update(ctx, func(tx *txn) error {
		out = nil
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		targets, err := spotcheck.Choose(tree, self, n, seed)
		if err != nil {
			return err
		}
		round := app.NewID()
		for _, t := range targets {
			c, err := startCheck(tx, self, tree, spotcheck.Check{Target: t, Prompt: prompt, Round: round})
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	codes := make(map[app.ID]string)
	err = s.db.view(ctx, func(tx *txn) error {
		for _, c := range out {
			st, err := findStationByID(tx, c.Target)
			if err != nil {
				return err
			}
			codes[c.Target] = st.Code
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return codes[out[i].Target] < codes[out[j].Target] })
	return out, err
}

// startCheck stores a check from self and queues it for the target and
// the stations above self.
func startCheck(tx *txn, self app.ID, tree *app.Tree, c spotcheck.Check) (spotcheck.Check, error) {
	if err := spotcheck.CanCheck(tree, self, c.Target); err != nil {
		return c, err
	}
	set, err := spotSettings(tx, self)
	if err != nil {
		return c, err
	}
	c.ID, c.By, c.StartedAt = app.NewID(), self, tx.now
	if c.StartedBy == "" {
		c.StartedBy = app.AuthorFrom(tx.ctx)
	}
	if c.Deadline.IsZero() {
		c.Deadline = c.StartedAt.Add(set.Limit)
	}
	c.Deadline = c.Deadline.UTC()
	if err := c.Validate(); err != nil {
		return c, err
	}
	buf, err := putCheck(tx, &c, self)
	if err != nil {
		return c, err
	}
	return c, appendAlertOp(tx, spotcheck.OpStart, c.ID, buf, app.ScopeUp, []app.ID{c.Target})
}

// Answer implements spotcheck.Service.
func (s *SpotChecks) Answer(ctx context.Context, a *spotcheck.Answer) (spotcheck.Outcome, error) {
	var outcome spotcheck.Outcome
	err := s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		c, err := getCheck(tx, a.Check)
		if err != nil {
			return err
		}
		rec, err := spotRecordOf(tx, *c)
		if err != nil {
			return err
		}
		n := spotcheck.Answer{Check: a.Check, Station: self, Person: a.Person, At: tx.now}
		if err := n.Validate(); err != nil {
			return err
		}
		if err := spotcheck.CheckAnswer(c, &n); err != nil {
			return err
		}
		if old, err := getAnswer(tx, c.ID); err == nil {
			return app.Errorf(app.ECONFLICT, "this spot check was answered already by %s at %s",
				old.Person, old.At.In(stationLoc(tree, self)).Format("15:04:05"))
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return err
		}
		if rec.Expired() {
			return app.Errorf(app.EINVALID, "this spot check reached this station more than %s after it was made; it is recorded 未送达 and needs no answer", spotcheck.MaxDelay)
		}
		buf, err := putAnswer(tx, c, &n)
		if err != nil {
			return err
		}
		// Back to the checking station and those above it, the stations
		// that had the check; not to the stations in between.
		to := []app.ID{c.By}
		for _, anc := range tree.Ancestors(c.By) {
			to = append(to, anc.ID)
		}
		if err := appendAlertOp(tx, spotcheck.OpAnswer, c.ID, buf, app.ScopeNone, to); err != nil {
			return err
		}
		*a = n
		outcome = rec.JudgeAnswer(n.At)
		return nil
	})
	return outcome, err
}

// Sweep implements spotcheck.Service. It looks before it writes, so the
// calls every few seconds cost no disk write while nothing is due.
func (s *SpotChecks) Sweep(ctx context.Context, now time.Time) (int, error) {
	due := false
	err := s.db.view(ctx, func(tx *txn) error {
		keys, err := sweepable(tx, now)
		due = len(keys) > 0
		return err
	})
	if err != nil || !due {
		return 0, err
	}
	var n int
	err = s.db.update(ctx, func(tx *txn) error {
		n = 0
		keys, err := sweepable(tx, now)
		if err != nil {
			return err
		}
		dueB, err := mustBucket(tx.Tx, bucketSpotCheckDue)
		if err != nil {
			return err
		}
		for _, k := range keys {
			id, _ := idFromBytes(k[timeKeyLen:])
			c, err := getCheck(tx, id)
			if err != nil {
				return err
			}
			if _, err := getAnswer(tx, id); err == nil {
				if err := dueB.Delete(k); err != nil {
					return err
				}
				continue
			}
			if _, err := getResult(tx, id); err == nil {
				if err := dueB.Delete(k); err != nil {
					return err
				}
				continue
			}
			rec, err := spotRecordOf(tx, *c)
			if err != nil {
				return err
			}
			due, arrived := rec.Due()
			if !arrived || due.After(now) {
				// Not known to have arrived (未送达, derived, never a
				// miss; an arrival later opens it again), arrived
				// expired, or due later than this entry said.
				if err := dueB.Delete(k); err != nil {
					return err
				}
				if arrived {
					if err := putDueAt(tx, c, due, dueFromHere); err != nil {
						return err
					}
				}
				continue
			}
			r := spotcheck.Result{Check: id, Station: c.By, Outcome: spotcheck.Missed, At: now.UTC()}
			buf, err := putResult(tx, &r)
			if err != nil {
				return err
			}
			if err := dueB.Delete(k); err != nil {
				return err
			}
			if err := appendAlertOp(tx, spotcheck.OpResult, id, buf, app.ScopeUp, []app.ID{c.Target}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// sweepable returns the keys of checks started here whose deadline is at
// or before now.
func sweepable(tx *txn, now time.Time) ([][]byte, error) {
	b, err := mustBucket(tx.Tx, bucketSpotCheckDue)
	if err != nil {
		return nil, err
	}
	limit := timeKey(now)
	var keys [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil && bytes.Compare(k[:timeKeyLen], limit[:]) <= 0; k, v = c.Next() {
		if len(v) == 17 && v[16] == dueFromHere {
			keys = append(keys, bytes.Clone(k))
		}
	}
	return keys, nil
}

// Record implements spotcheck.Service.
func (s *SpotChecks) Record(ctx context.Context, id app.ID) (*spotcheck.Record, error) {
	var r spotcheck.Record
	err := s.db.view(ctx, func(tx *txn) error {
		c, err := getCheck(tx, id)
		if err != nil {
			return err
		}
		r, err = spotRecordOf(tx, *c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Records implements spotcheck.Service.
func (s *SpotChecks) Records(ctx context.Context, f spotcheck.Filter) ([]spotcheck.Record, error) {
	var out []spotcheck.Record
	err := s.db.view(ctx, func(tx *txn) (err error) {
		out, err = spotRecords(tx, f)
		return err
	})
	return out, err
}

// Unanswered implements spotcheck.Service.
func (s *SpotChecks) Unanswered(ctx context.Context, station app.ID) ([]spotcheck.Record, error) {
	var out []spotcheck.Record
	err := s.db.view(ctx, func(tx *txn) (err error) {
		out, err = unansweredChecks(tx, station)
		return err
	})
	return out, err
}

// unansweredChecks is Unanswered within tx.
func unansweredChecks(tx *txn, station app.ID) ([]spotcheck.Record, error) {
	var out []spotcheck.Record
	b, err := mustBucket(tx.Tx, bucketSpotCheckDue)
	if err != nil {
		return nil, err
	}
	err = b.ForEach(func(k, v []byte) error {
		if len(v) != 17 || v[16] != dueOfHere || !bytes.Equal(v[:16], station[:]) {
			return nil
		}
		id, _ := idFromBytes(k[timeKeyLen:])
		c, err := getCheck(tx, id)
		if err != nil {
			return err
		}
		r, err := spotRecordOf(tx, *c)
		if err != nil || r.Answer != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// Ranking implements spotcheck.Service.
func (s *SpotChecks) Ranking(ctx context.Context, p spotcheck.Period, now time.Time) ([]spotcheck.Rank, error) {
	var out []spotcheck.Rank
	err := s.db.view(ctx, func(tx *txn) error {
		list, err := spotRecords(tx, spotcheck.Filter{From: p.From, To: p.To})
		if err != nil {
			return err
		}
		stations, err := allStations(tx)
		if err != nil {
			return err
		}
		out = spotcheck.Ranking(list, p, app.NewTree(stations), now)
		return nil
	})
	return out, err
}

// records returns the checks matching f with their answers and results,
// newest first.
func spotRecords(tx *txn, f spotcheck.Filter) ([]spotcheck.Record, error) {
	b, err := mustBucket(tx.Tx, bucketSpotChecks)
	if err != nil {
		return nil, err
	}
	var out []spotcheck.Record
	err = b.ForEach(func(k, v []byte) error {
		c, err := decodeCheck(k, v)
		if err != nil {
			return err
		}
		if !f.Matches(&c) {
			return nil
		}
		r, err := spotRecordOf(tx, c)
		if err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Check.StartedAt.After(out[j].Check.StartedAt) })
	return out, err
}

func spotRecordOf(tx *txn, c spotcheck.Check) (spotcheck.Record, error) {
	r := spotcheck.Record{Check: c}
	if a, err := getSpotArrival(tx, c.ID); err == nil {
		r.Arrival = a
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return r, err
	}
	if a, err := getAnswer(tx, c.ID); err == nil {
		r.Answer = a
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return r, err
	}
	if res, err := getResult(tx, c.ID); err == nil {
		r.Result = res
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return r, err
	}
	return r, nil
}

// applySpotCheckOp takes in a check, an answer or a result from another
// station. A non-empty reason says why it was kept instead.
func applySpotCheckOp(tx *txn, op *app.Operation) (string, error) {
	switch op.Kind {
	case spotcheck.OpStart:
		var c spotcheck.Check
		if err := unmarshalRecord(op.Payload, &c); err != nil {
			return "spot check: " + app.ErrorMessage(err), nil
		}
		if err := c.Validate(); err != nil {
			return "spot check: " + err.Error(), nil
		}
		switch {
		case c.ID != op.Entity:
			return fmt.Sprintf("the payload is spot check %s but the operation names %s", c.ID, op.Entity), nil
		case c.By != op.Origin:
			return fmt.Sprintf("spot check %s names checking station %s but came from station %s", c.ID, c.By, op.Origin), nil
		}
		stations, err := allStations(tx)
		if err != nil {
			return "", err
		}
		if err := spotcheck.CanCheck(app.NewTree(stations), c.By, c.Target); err != nil {
			return "spot check: " + app.ErrorMessage(err), nil
		}
		if _, err := getCheck(tx, c.ID); err == nil {
			return "", nil
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return "", err
		}
		self, err := identityID(tx.Tx)
		if err != nil {
			return "", err
		}
		if _, err := putCheck(tx, &c, self); err != nil {
			return "", err
		}
		if self != c.Target {
			return "", nil
		}
		return "", arriveHere(tx, &c, self)
	case spotcheck.OpArrive:
		return applySpotArrival(tx, op)
	case spotcheck.OpAnswer:
		var a spotcheck.Answer
		if err := unmarshalRecord(op.Payload, &a); err != nil {
			return "spot check answer: " + app.ErrorMessage(err), nil
		}
		if err := a.Validate(); err != nil {
			return "spot check answer: " + err.Error(), nil
		}
		switch {
		case a.Check != op.Entity:
			return fmt.Sprintf("the payload answers spot check %s but the operation names %s", a.Check, op.Entity), nil
		case a.Station != op.Origin:
			return fmt.Sprintf("the answer names station %s but came from station %s; only the station checked answers", a.Station, op.Origin), nil
		}
		c, err := getCheck(tx, a.Check)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return fmt.Sprintf("no spot check %s here to answer", a.Check), nil
		} else if err != nil {
			return "", err
		}
		if err := spotcheck.CheckAnswer(c, &a); err != nil {
			return "spot check answer: " + app.ErrorMessage(err), nil
		}
		if old, err := getAnswer(tx, a.Check); err == nil && !a.At.Before(old.At) {
			return "", nil
		} else if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
			return "", err
		}
		_, err = putAnswer(tx, c, &a)
		return "", err
	case spotcheck.OpResult:
		var r spotcheck.Result
		if err := unmarshalRecord(op.Payload, &r); err != nil {
			return "spot check result: " + app.ErrorMessage(err), nil
		}
		if err := r.Validate(); err != nil {
			return "spot check result: " + err.Error(), nil
		}
		switch {
		case r.Check != op.Entity:
			return fmt.Sprintf("the payload is the result of spot check %s but the operation names %s", r.Check, op.Entity), nil
		case r.Station != op.Origin:
			return fmt.Sprintf("the result names station %s but came from station %s", r.Station, op.Origin), nil
		}
		c, err := getCheck(tx, r.Check)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return fmt.Sprintf("no spot check %s here to record a result for", r.Check), nil
		} else if err != nil {
			return "", err
		}
		if c.By != r.Station {
			return fmt.Sprintf("spot check %s was started by station %s; only it records the result", c.ID, c.By), nil
		}
		if _, err := getResult(tx, r.Check); err == nil {
			return "", nil
		} else if app.ErrorCode(err) != app.ENOTFOUND {
			return "", err
		}
		_, err = putResult(tx, &r)
		return "", err
	}
	return fmt.Sprintf("%s is not a spot-check operation", op.Kind), nil
}

// putCheck stores a check and, when it concerns this station, marks it open.
func putCheck(tx *txn, c *spotcheck.Check, self app.ID) ([]byte, error) {
	b, err := mustBucket(tx.Tx, bucketSpotChecks)
	if err != nil {
		return nil, err
	}
	buf, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if err := b.Put(idKey(c.ID), buf); err != nil {
		return nil, err
	}
	switch self {
	case c.By:
		err = putDue(tx, c, dueFromHere)
	case c.Target:
		err = putDue(tx, c, dueOfHere)
	}
	return buf, err
}

func spotDueKey(c *spotcheck.Check, at time.Time) []byte {
	tk := timeKey(at)
	return append(tk[:], c.ID[:]...)
}

// putDue opens c here at its deadline counted from the start: the
// issuer's first look, when an arrival should be known.
func putDue(tx *txn, c *spotcheck.Check, flag byte) error {
	return putDueAt(tx, c, c.Deadline, flag)
}

func putDueAt(tx *txn, c *spotcheck.Check, at time.Time, flag byte) error {
	b, err := mustBucket(tx.Tx, bucketSpotCheckDue)
	if err != nil {
		return err
	}
	v := make([]byte, 17)
	copy(v, c.Target[:])
	v[16] = flag
	return b.Put(spotDueKey(c, at), v)
}

// deleteDue closes c here: its entry is at the start's deadline or, once
// an arrival is known, at the arrival's.
func deleteDue(tx *txn, c *spotcheck.Check) error {
	b, err := mustBucket(tx.Tx, bucketSpotCheckDue)
	if err != nil {
		return err
	}
	if err := b.Delete(spotDueKey(c, c.Deadline)); err != nil {
		return err
	}
	a, err := getSpotArrival(tx, c.ID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if at, ok := c.ArrivedAt(a); ok {
		return b.Delete(spotDueKey(c, c.AnswerBy(at)))
	}
	return nil
}

func decodeCheck(k, v []byte) (spotcheck.Check, error) {
	var c spotcheck.Check
	if err := unmarshalRecord(v, &c); err != nil {
		id, _ := idFromBytes(k)
		return c, app.Errorf(app.ECORRUPT, "spot check %s is damaged: %s", id, app.ErrorMessage(err))
	}
	return c, nil
}

func getCheck(tx *txn, id app.ID) (*spotcheck.Check, error) {
	b, err := mustBucket(tx.Tx, bucketSpotChecks)
	if err != nil {
		return nil, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return nil, app.Errorf(app.ENOTFOUND, "no spot check %s here", id)
	}
	c, err := decodeCheck(id[:], raw)
	return &c, err
}

// putAnswer stores an answer, which closes the check here.
func putAnswer(tx *txn, c *spotcheck.Check, a *spotcheck.Answer) ([]byte, error) {
	buf, err := putSpotJSON(tx, bucketSpotCheckAnswers, a.Check, a)
	if err != nil {
		return nil, err
	}
	return buf, deleteDue(tx, c)
}

func getAnswer(tx *txn, check app.ID) (*spotcheck.Answer, error) {
	var a spotcheck.Answer
	if err := getSpotJSON(tx, bucketSpotCheckAnswers, check, &a, "the answer to spot check"); err != nil {
		return nil, err
	}
	return &a, nil
}

func putResult(tx *txn, r *spotcheck.Result) ([]byte, error) {
	return putSpotJSON(tx, bucketSpotCheckResults, r.Check, r)
}

func getResult(tx *txn, check app.ID) (*spotcheck.Result, error) {
	var r spotcheck.Result
	if err := getSpotJSON(tx, bucketSpotCheckResults, check, &r, "the result of spot check"); err != nil {
		return nil, err
	}
	return &r, nil
}

func putSpotJSON(tx *txn, name []byte, id app.ID, v any) ([]byte, error) {
	b, err := mustBucket(tx.Tx, name)
	if err != nil {
		return nil, err
	}
	buf, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return buf, b.Put(idKey(id), buf)
}

func getSpotJSON(tx *txn, name []byte, id app.ID, v any, what string) error {
	b, err := mustBucket(tx.Tx, name)
	if err != nil {
		return err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return app.Errorf(app.ENOTFOUND, "no %s %s here", what, id)
	}
	if err := unmarshalRecord(raw, v); err != nil {
		return app.Errorf(app.ECORRUPT, "%s %s is damaged: %s", what, id, app.ErrorMessage(err))
	}
	return nil
}
