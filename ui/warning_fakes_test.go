package ui

import (
	"context"
	"sort"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
)

// fakeTree is the station tree of the fake store, in the store's order.
func fakeTree(f *fakeStore) *app.Tree {
	f.mu.Lock()
	defer f.mu.Unlock()
	stations := make([]app.Station, 0, len(f.stations))
	for _, st := range f.stations {
		stations = append(stations, st)
	}
	sortStations(stations)
	return app.NewTree(stations)
}

func fakeNow(f *fakeStore) time.Time {
	if f.clock != nil {
		return f.clock()
	}
	return time.Now()
}

// fakeWarnings keeps warnings in memory with the rules the store applies:
// CanIssue and Validate on issue, Validate and CheckAck on an
// acknowledgement, one acknowledgement per station, Progress and Reaches
// for what each station sees.
type fakeWarnings struct {
	f  *fakeStore
	mu sync.Mutex

	warnings   []warning.Warning
	acks       map[[2]app.ID]warning.Ack // by warning and station
	deliveries []warning.Delivery
}

func newFakeWarnings(f *fakeStore) *fakeWarnings {
	return &fakeWarnings{f: f, acks: map[[2]app.ID]warning.Ack{}}
}

// receive takes in a warning issued elsewhere, as the sync engine applies
// one: checked, then kept as it came.
func (s *fakeWarnings) receive(w warning.Warning) warning.Warning {
	if w.ID == app.NilID {
		w.ID = app.NewID()
	}
	if err := w.Validate(); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warnings = append(s.warnings, w)
	return w
}

// receiveAck takes in an acknowledgement recorded elsewhere.
func (s *fakeWarnings) receiveAck(a warning.Ack) {
	if err := a.Validate(); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]app.ID{a.Warning, a.Station}
	if old, ok := s.acks[k]; !ok || warning.Earlier(&a, &old) {
		s.acks[k] = a
	}
}

func (s *fakeWarnings) find(id app.ID) (*warning.Warning, error) {
	for i := range s.warnings {
		if s.warnings[i].ID == id {
			w := s.warnings[i]
			return &w, nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "no warning %s here", id)
}

func (s *fakeWarnings) Issue(ctx context.Context, w *warning.Warning) error {
	self, tree, now := s.f.identity, fakeTree(s.f), fakeNow(s.f)
	if self == app.NilID {
		return app.Errorf(app.ENOTFOUND, "this duty room has not chosen its station yet")
	}
	if err := warning.CanIssue(tree, self); err != nil {
		return err
	}
	n := *w
	n.ID, n.Issuer, n.IssuedAt = app.NewID(), self, now.UTC()
	n.Tracked = true
	if n.IssuedBy == "" {
		n.IssuedBy = app.AuthorFrom(ctx)
	}
	if n.ValidFrom.IsZero() {
		n.ValidFrom = n.IssuedAt
	}
	n.ValidFrom, n.ValidUntil = n.ValidFrom.UTC(), n.ValidUntil.UTC()
	if err := n.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.warnings = append(s.warnings, n)
	s.mu.Unlock()
	s.f.mu.Lock()
	s.f.queued++
	s.f.mu.Unlock()
	*w = n
	return nil
}

func (s *fakeWarnings) Acknowledge(ctx context.Context, a *warning.Ack) error {
	self, tree, now := s.f.identity, fakeTree(s.f), fakeNow(s.f)
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.find(a.Warning)
	if err != nil {
		return err
	}
	n := *a
	n.At, n.RecordedBy = now.UTC(), self
	if n.Station == app.NilID {
		n.Station = self
	}
	if err := n.Validate(); err != nil {
		return err
	}
	if err := warning.CheckAck(tree, w, &n); err != nil {
		return err
	}
	k := [2]app.ID{n.Warning, n.Station}
	if _, ok := s.acks[k]; ok {
		return app.Errorf(app.ECONFLICT, "acknowledged already")
	}
	s.acks[k] = n
	*a = n
	return nil
}

func (s *fakeWarnings) Warning(_ context.Context, id app.ID) (*warning.Warning, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(id)
}

func (s *fakeWarnings) Warnings(_ context.Context, since time.Time) ([]warning.Warning, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []warning.Warning
	for _, w := range s.warnings {
		if !w.IssuedAt.Before(since) {
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].IssuedAt.After(out[j].IssuedAt) })
	return out, nil
}

func (s *fakeWarnings) acksOf(id app.ID) []warning.Ack {
	var out []warning.Ack
	for _, a := range s.acks {
		if a.Warning == id {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

func (s *fakeWarnings) Acks(_ context.Context, id app.ID) ([]warning.Ack, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acksOf(id), nil
}

func (s *fakeWarnings) Progress(_ context.Context, id app.ID) (*warning.Report, error) {
	tree := fakeTree(s.f)
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.find(id)
	if err != nil {
		return nil, err
	}
	r := warning.Progress(w, tree, s.acksOf(id))
	if w.Tracked {
		r.AddDeliveries(s.deliveries)
	}
	return &r, nil
}

func (s *fakeWarnings) Pending(_ context.Context, station app.ID) ([]warning.Warning, error) {
	tree := fakeTree(s.f)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []warning.Warning
	for _, w := range s.warnings {
		if _, acked := s.acks[[2]app.ID{w.ID, station}]; !acked && warning.Reaches(tree, &w, station) {
			out = append(out, w)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].IssuedAt.After(out[j].IssuedAt) })
	return out, nil
}

// fakeSpotChecks keeps spot checks in memory with the store's rules:
// CanCheck, Choose, Validate and the station's limit on start;
// CheckAnswer, one answer and Judge by this client's clock on answer; a
// miss recorded by the sweep; Join, Record.Outcome and Ranking to read.
type fakeSpotChecks struct {
	f  *fakeStore
	mu sync.Mutex

	checks   []spotcheck.Check
	answers  []spotcheck.Answer
	results  []spotcheck.Result
	arrivals []spotcheck.Arrival
	// undelivered: checks started here never reach their targets, as with
	// no hub reachable.
	undelivered bool
	settings    map[app.ID]spotcheck.Settings
	seeds       []uint64 // the seeds random rounds were started with
}

func newFakeSpotChecks(f *fakeStore) *fakeSpotChecks {
	return &fakeSpotChecks{f: f, settings: map[app.ID]spotcheck.Settings{}}
}

// receive takes in a check of this station started elsewhere.
func (s *fakeSpotChecks) receive(c spotcheck.Check) spotcheck.Check {
	if c.ID == app.NilID {
		c.ID = app.NewID()
	}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, c)
	s.arrivals = append(s.arrivals, spotcheck.Arrival{Check: c.ID, Station: c.Target, At: c.StartedAt, Received: c.StartedAt})
	return c
}

// join is spotcheck.Join with the arrivals known.
func (s *fakeSpotChecks) join(checks []spotcheck.Check) []spotcheck.Record {
	recs := spotcheck.Join(checks, s.answers, s.results)
	spotcheck.JoinArrivals(recs, s.arrivals)
	return recs
}

func (s *fakeSpotChecks) settingsOf(station app.ID) spotcheck.Settings {
	if set, ok := s.settings[station]; ok {
		return set
	}
	return spotcheck.DefaultSettings()
}

func (s *fakeSpotChecks) Settings(_ context.Context, station app.ID) (spotcheck.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settingsOf(station), nil
}

func (s *fakeSpotChecks) SetSettings(_ context.Context, station app.ID, set spotcheck.Settings) error {
	if station != s.f.identity {
		return app.Errorf(app.EFORBIDDEN, "only the station sets its own rules")
	}
	if err := set.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[station] = set
	return nil
}

func (s *fakeSpotChecks) start(ctx context.Context, tree *app.Tree, c spotcheck.Check) (spotcheck.Check, error) {
	self := s.f.identity
	if err := spotcheck.CanCheck(tree, self, c.Target); err != nil {
		return c, err
	}
	c.ID, c.By, c.StartedAt = app.NewID(), self, fakeNow(s.f).UTC()
	if c.StartedBy == "" {
		c.StartedBy = app.AuthorFrom(ctx)
	}
	if c.Deadline.IsZero() {
		c.Deadline = c.StartedAt.Add(s.settingsOf(self).Limit)
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	s.checks = append(s.checks, c)
	if !s.undelivered {
		s.arrivals = append(s.arrivals, spotcheck.Arrival{Check: c.ID, Station: c.Target, At: c.StartedAt, Received: c.StartedAt})
	}
	return c, nil
}

func (s *fakeSpotChecks) Start(ctx context.Context, c *spotcheck.Check) error {
	tree := fakeTree(s.f)
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.start(ctx, tree, *c)
	if err != nil {
		return err
	}
	*c = n
	return nil
}

func (s *fakeSpotChecks) StartRandom(ctx context.Context, n int, seed uint64, prompt string) ([]spotcheck.Check, error) {
	tree := fakeTree(s.f)
	targets, err := spotcheck.Choose(tree, s.f.identity, n, seed)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seeds = append(s.seeds, seed)
	round := app.NewID()
	var out []spotcheck.Check
	for _, t := range targets {
		c, err := s.start(ctx, tree, spotcheck.Check{Target: t, Prompt: prompt, Round: round})
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return tree.Station(out[i].Target).Code < tree.Station(out[j].Target).Code })
	return out, nil
}

func (s *fakeSpotChecks) find(id app.ID) (*spotcheck.Check, error) {
	for i := range s.checks {
		if s.checks[i].ID == id {
			c := s.checks[i]
			return &c, nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "no spot check %s here", id)
}

func (s *fakeSpotChecks) answerOf(id app.ID) *spotcheck.Answer {
	for i := range s.answers {
		if s.answers[i].Check == id {
			return &s.answers[i]
		}
	}
	return nil
}

func (s *fakeSpotChecks) Answer(_ context.Context, a *spotcheck.Answer) (spotcheck.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.find(a.Check)
	if err != nil {
		return "", err
	}
	n := spotcheck.Answer{Check: a.Check, Station: s.f.identity, Person: a.Person, At: fakeNow(s.f).UTC()}
	if err := n.Validate(); err != nil {
		return "", err
	}
	if err := spotcheck.CheckAnswer(c, &n); err != nil {
		return "", err
	}
	if s.answerOf(c.ID) != nil {
		return "", app.Errorf(app.ECONFLICT, "this spot check was answered already")
	}
	rec := s.join([]spotcheck.Check{*c})[0]
	if rec.Expired() {
		return "", app.Errorf(app.EINVALID, "this spot check arrived expired")
	}
	s.answers = append(s.answers, n)
	*a = n
	return rec.JudgeAnswer(n.At), nil
}

func (s *fakeSpotChecks) Sweep(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.join(s.checks) {
		c := r.Check
		due, arrived := r.Due()
		if c.By != s.f.identity || !arrived || due.After(now) || s.answerOf(c.ID) != nil {
			continue
		}
		recorded := false
		for _, r := range s.results {
			recorded = recorded || r.Check == c.ID
		}
		if !recorded {
			s.results = append(s.results, spotcheck.Result{Check: c.ID, Station: c.By, Outcome: spotcheck.Missed, At: now.UTC()})
			n++
		}
	}
	return n, nil
}

func (s *fakeSpotChecks) Record(_ context.Context, id app.ID) (*spotcheck.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.find(id)
	if err != nil {
		return nil, err
	}
	r := s.join([]spotcheck.Check{*c})[0]
	return &r, nil
}

func (s *fakeSpotChecks) Records(_ context.Context, f spotcheck.Filter) ([]spotcheck.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var checks []spotcheck.Check
	for i := range s.checks {
		if f.Matches(&s.checks[i]) {
			checks = append(checks, s.checks[i])
		}
	}
	sort.SliceStable(checks, func(i, j int) bool { return checks[i].StartedAt.After(checks[j].StartedAt) })
	return s.join(checks), nil
}

func (s *fakeSpotChecks) Unanswered(_ context.Context, station app.ID) ([]spotcheck.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var checks []spotcheck.Check
	for _, c := range s.checks {
		if c.Target == station && s.answerOf(c.ID) == nil {
			checks = append(checks, c)
		}
	}
	sort.SliceStable(checks, func(i, j int) bool { return checks[i].StartedAt.Before(checks[j].StartedAt) })
	return s.join(checks), nil
}

func (s *fakeSpotChecks) Ranking(_ context.Context, p spotcheck.Period, now time.Time) ([]spotcheck.Rank, error) {
	tree := fakeTree(s.f)
	s.mu.Lock()
	defer s.mu.Unlock()
	return spotcheck.Ranking(s.join(s.checks), p, tree, now), nil
}
