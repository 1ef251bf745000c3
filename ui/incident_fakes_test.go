package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// fakeIncidents keeps incidents in memory and applies the domain's rules
// as the store does: Validate on intake, Assess and RequiredReports for
// the grade and the deadlines, Diff and Tighten when the grade rises,
// CheckNewReport, the tasks' Sign, Send and Acknowledge, and an
// append-only timeline.
type fakeIncidents struct {
	f  *fakeStore
	mu sync.Mutex

	incidents map[app.ID]*incident.Incident
	tasks     []*incident.ReportTask
	reports   []*incident.Report
	events    []incident.Event
	settings  map[app.ID]incident.Settings
	files     map[string][]byte // attachment contents by digest
	// arriving are contents still on their way, or refused, by digest.
	arriving map[string]incident.ContentState
	failNext error
}

func newFakeIncidents(f *fakeStore) *fakeIncidents {
	return &fakeIncidents{f: f, incidents: map[app.ID]*incident.Incident{},
		settings: map[app.ID]incident.Settings{}, files: map[string][]byte{},
		arriving: map[string]incident.ContentState{}}
}

func (s *fakeIncidents) now() time.Time {
	if s.f.clock != nil {
		return s.f.clock()
	}
	return time.Now()
}

func (s *fakeIncidents) tree() *app.Tree {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	stations := make([]app.Station, 0, len(s.f.stations))
	for _, st := range s.f.stations {
		stations = append(stations, st)
	}
	sortStations(stations)
	return app.NewTree(stations)
}

func (s *fakeIncidents) takeFailure() error {
	err := s.failNext
	s.failNext = nil
	return err
}

func (s *fakeIncidents) settingsAt(tree *app.Tree, station app.ID) incident.Settings {
	if st, ok := s.settings[station]; ok {
		return st
	}
	for _, a := range tree.Ancestors(station) {
		if st, ok := s.settings[a.ID]; ok {
			return st
		}
	}
	return incident.DefaultSettings()
}

func (s *fakeIncidents) event(inc *incident.Incident, ctx context.Context, kind incident.EventKind, detail string) {
	s.events = append(s.events, incident.NewEvent(inc.ID, s.f.identity, s.now(), app.AuthorFrom(ctx), kind, detail))
}

func (s *fakeIncidents) tasksOf(id app.ID) []incident.ReportTask {
	var out []incident.ReportTask
	for _, t := range s.tasks {
		if t.Incident == id {
			out = append(out, *t)
		}
	}
	return out
}

func (s *fakeIncidents) putTasks(tasks []incident.ReportTask) {
	for i := range tasks {
		t := tasks[i]
		replaced := false
		for j, old := range s.tasks {
			if old.ID == t.ID {
				s.tasks[j] = &t
				replaced = true
			}
		}
		if !replaced {
			s.tasks = append(s.tasks, &t)
		}
	}
}

func (s *fakeIncidents) updateNextDue(inc *incident.Incident) {
	inc.NextDue = incident.NextDue(s.tasksOf(inc.ID))
}

// escalate adds the reports a higher grade requires and brings forward
// the deadlines it tightens, from now.
func (s *fakeIncidents) escalate(inc *incident.Incident, a incident.Assessment, tree *app.Tree, st incident.Settings) []incident.ReportTask {
	required := incident.RequiredReports(inc, a, tree, st.Rules, s.now())
	existing := s.tasksOf(inc.ID)
	changed := append(incident.Diff(existing, required), incident.Tighten(existing, required)...)
	s.putTasks(changed)
	s.updateNextDue(inc)
	return changed
}

func (s *fakeIncidents) CreateIncident(ctx context.Context, inc *incident.Incident) (incident.Assessment, []incident.ReportTask, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.takeFailure(); err != nil {
		return incident.Assessment{}, nil, err
	}
	tree := s.tree()
	st := s.settingsAt(tree, inc.Station)
	n := *inc
	n.ID = app.NewID()
	n.Status = incident.StatusOpen
	if err := n.Validate(s.now(), tree, st.Limits); err != nil {
		return incident.Assessment{}, nil, err
	}
	if !tree.IsWithin(n.Station, s.f.identity) {
		return incident.Assessment{}, nil, app.Errorf(app.EFORBIDDEN, "this station may not file for %s", n.Station)
	}
	a := incident.Assess(&n, st.Thresholds)
	n.Regrade(a)
	n.CreatedBy, n.CreatedAt, n.UpdatedAt = app.AuthorFrom(ctx), s.now(), s.now()
	tasks := incident.RequiredReports(&n, a, tree, st.Rules, n.ReceivedAt)
	n.NextDue = incident.NextDue(tasks)
	s.incidents[n.ID] = &n
	s.putTasks(tasks)
	s.events = append(s.events, incident.NewEvent(n.ID, s.f.identity, n.ReceivedAt, app.AuthorFrom(ctx), incident.EventReceived, string(n.Category)))
	s.event(&n, ctx, incident.EventGraded, a.String())
	if len(tasks) > 0 {
		s.event(&n, ctx, incident.EventTasksCreated, "")
	}
	*inc = n
	return a, tasks, nil
}

// createWithFiles is Services.IncidentFiles: the contents are kept by
// digest, then the incident is filed with them as the store does.
func (s *fakeIncidents) createWithFiles(ctx context.Context, inc *incident.Incident, files []IncidentFile) (incident.Assessment, []incident.ReportTask, error) {
	n := *inc
	for _, f := range files {
		data, err := io.ReadAll(f.Content)
		if err != nil {
			return incident.Assessment{}, nil, err
		}
		sum := sha256.Sum256(data)
		digest := hex.EncodeToString(sum[:])
		s.mu.Lock()
		s.files[digest] = data
		s.mu.Unlock()
		n.Attachments = append(n.Attachments, incident.Attachment{ID: app.NewID(), Name: f.Name, Size: int64(len(data)), SHA256: digest, MIME: f.MIME})
	}
	a, tasks, err := s.CreateIncident(ctx, &n)
	if err == nil {
		*inc = n
	}
	return a, tasks, err
}

func (s *fakeIncidents) FindIncidentByID(_ context.Context, id app.ID) (*incident.Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, ok := s.incidents[id]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "no incident %s", id)
	}
	c := *inc
	return &c, nil
}

func (s *fakeIncidents) Incidents(_ context.Context, f incident.Filter) ([]incident.Incident, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.takeFailure(); err != nil {
		return nil, 0, err
	}
	tree, now := s.tree(), s.now()
	var out []incident.Incident
	for _, inc := range s.incidents {
		if incident.Matches(inc, f, tree, now) {
			out = append(out, *inc)
		}
	}
	slices.SortFunc(out, func(a, b incident.Incident) int { return b.ReceivedAt.Compare(a.ReceivedAt) })
	total := len(out)
	if f.Offset > 0 {
		out = out[min(f.Offset, len(out)):]
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, total, nil
}

func (s *fakeIncidents) find(id app.ID) (*incident.Incident, error) {
	inc, ok := s.incidents[id]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "no incident %s", id)
	}
	return inc, nil
}

func (s *fakeIncidents) UpdateCounts(ctx context.Context, id app.ID, c incident.Counts, loss int64) (incident.Assessment, []incident.ReportTask, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.find(id)
	if err != nil {
		return incident.Assessment{}, nil, err
	}
	tree := s.tree()
	st := s.settingsAt(tree, inc.Station)
	a, err := inc.SetFigures(c, loss, st.Thresholds)
	if err != nil {
		return a, nil, err
	}
	s.event(inc, ctx, incident.EventCountsChanged, "")
	return a, s.escalate(inc, a, tree, st), nil
}

func (s *fakeIncidents) ConfirmGrade(ctx context.Context, id app.ID, leader string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.find(id)
	if err != nil {
		return err
	}
	if err := inc.Confirm(leader, s.now()); err != nil {
		return err
	}
	s.event(inc, ctx, incident.EventGradeConfirmed, inc.Grade.Key())
	return nil
}

func (s *fakeIncidents) OverrideGrade(ctx context.Context, id app.ID, o incident.Override) ([]incident.ReportTask, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.find(id)
	if err != nil {
		return nil, err
	}
	if err := inc.ApplyOverride(o, s.now()); err != nil {
		return nil, err
	}
	s.event(inc, ctx, incident.EventGradeOverridden, o.Reason)
	tree := s.tree()
	st := s.settingsAt(tree, inc.Station)
	return s.escalate(inc, incident.Assess(inc, st.Thresholds), tree, st), nil
}

func (s *fakeIncidents) Tasks(_ context.Context, f incident.TaskFilter) ([]incident.ReportTask, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []incident.ReportTask
	for _, t := range s.tasks {
		switch {
		case f.Incident != nil && t.Incident != *f.Incident,
			f.From != nil && t.From != *f.From,
			f.To != nil && t.To.Station != *f.To,
			f.Open != nil && t.Open() != *f.Open:
			continue
		}
		out = append(out, *t)
	}
	incident.SortTasks(out)
	return out, nil
}

func (s *fakeIncidents) AddReport(ctx context.Context, r *incident.Report) ([]incident.ReportTask, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.find(r.Incident)
	if err != nil {
		return nil, err
	}
	tree := s.tree()
	st := s.settingsAt(tree, inc.Station)
	var filed []incident.Report
	for _, x := range s.reports {
		if x.Incident == inc.ID {
			filed = append(filed, *x)
		}
	}
	n := *r
	n.ID = app.NewID()
	n.CreatedBy, n.CreatedAt = app.AuthorFrom(ctx), s.now()
	if err := incident.CheckNewReport(inc, filed, &n, s.now(), tree.Station(inc.Station).Location()); err != nil {
		return nil, err
	}
	var tasks []incident.ReportTask
	if n.Counts != nil || n.Loss != nil {
		c, loss := inc.Counts, inc.Loss
		if n.Counts != nil {
			c = *n.Counts
		}
		if n.Loss != nil {
			loss = *n.Loss
		}
		a, err := inc.SetFigures(c, loss, st.Thresholds)
		if err != nil {
			return nil, err
		}
		tasks = s.escalate(inc, a, tree, st)
	}
	s.event(inc, ctx, incident.ReportEvent(n.Kind), string(n.Kind))
	if n.Kind != incident.KindInitial {
		delivering := incident.FollowUpTasks(inc, &n, incident.Assess(inc, st.Thresholds), tree, st.Rules)
		s.putTasks(delivering)
		tasks = append(delivering, tasks...)
	}
	if n.Kind == incident.KindFinal {
		if err := inc.Close("final report", s.now()); err != nil {
			return nil, err
		}
		s.event(inc, ctx, incident.EventClosed, "final report")
	}
	s.updateNextDue(inc)
	s.reports = append(s.reports, &n)
	*r = n
	return tasks, nil
}

func (s *fakeIncidents) Reports(_ context.Context, id app.ID) ([]incident.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []incident.Report
	for _, r := range s.reports {
		if r.Incident == id {
			out = append(out, *r)
		}
	}
	return out, nil
}

func (s *fakeIncidents) SignReport(ctx context.Context, id app.ID, leader string) ([]incident.ReportTask, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r *incident.Report
	for _, x := range s.reports {
		if x.ID == id {
			r = x
		}
	}
	if r == nil {
		return nil, app.Errorf(app.ENOTFOUND, "no report %s", id)
	}
	inc, err := s.find(r.Incident)
	if err != nil {
		return nil, err
	}
	if r.Kind != incident.KindFinal {
		if err := inc.CheckOpen(); err != nil {
			return nil, err
		}
	}
	if err := r.Sign(leader, s.now()); err != nil {
		return nil, err
	}
	var signed []incident.ReportTask
	for _, t := range s.tasks {
		carries := t.Report == r.ID || t.Report == app.NilID && t.Kind == incident.KindInitial && r.Kind == incident.KindInitial
		if t.Incident == r.Incident && t.From == r.Station && t.Status == incident.TaskPending && carries {
			if err := t.Sign(r.ID, r.SignedBy, s.now()); err != nil {
				return nil, err
			}
			signed = append(signed, *t)
		}
	}
	s.event(inc, ctx, incident.EventSigned, leader)
	return signed, nil
}

func (s *fakeIncidents) SendTask(ctx context.Context, id app.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tasks {
		if t.ID != id {
			continue
		}
		if err := t.Send(s.now()); err != nil {
			return err
		}
		inc, err := s.find(t.Incident)
		if err != nil {
			return err
		}
		s.updateNextDue(inc)
		s.event(inc, ctx, incident.EventSent, string(t.Mode))
		return nil
	}
	return app.Errorf(app.ENOTFOUND, "no task %s", id)
}

func (s *fakeIncidents) AcknowledgeTask(ctx context.Context, id app.ID, by string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tasks {
		if t.ID != id {
			continue
		}
		if err := t.Acknowledge(by, s.now()); err != nil {
			return err
		}
		inc, err := s.find(t.Incident)
		if err != nil {
			return err
		}
		s.event(inc, ctx, incident.EventAcknowledged, by)
		return nil
	}
	return app.Errorf(app.ENOTFOUND, "no task %s", id)
}

func (s *fakeIncidents) CloseIncident(ctx context.Context, id app.ID, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inc, err := s.find(id)
	if err != nil {
		return err
	}
	if err := inc.Close(reason, s.now()); err != nil {
		return err
	}
	s.event(inc, ctx, incident.EventClosed, reason)
	return nil
}

func (s *fakeIncidents) Timeline(_ context.Context, id app.ID) ([]incident.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.find(id); err != nil {
		return nil, err
	}
	var out []incident.Event
	for _, e := range s.events {
		if e.Incident == id {
			out = append(out, e)
		}
	}
	incident.SortTimeline(out)
	return out, nil
}

func (s *fakeIncidents) Stats(_ context.Context, f incident.Filter, loc *time.Location) (*incident.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tree, now := s.tree(), s.now()
	var incs []incident.Incident
	var tasks []incident.ReportTask
	for _, inc := range s.incidents {
		if incident.Matches(inc, f, tree, now) {
			incs = append(incs, *inc)
			tasks = append(tasks, s.tasksOf(inc.ID)...)
		}
	}
	st := incident.Summarize(incs, tasks, tree, loc, now)
	return &st, nil
}

func (s *fakeIncidents) Settings(_ context.Context, station app.ID) (incident.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tree := s.tree()
	if tree.Station(station) == nil {
		return incident.Settings{}, app.Errorf(app.ENOTFOUND, "no station %s", station)
	}
	return s.settingsAt(tree, station), nil
}

func (s *fakeIncidents) SetSettings(_ context.Context, station app.ID, st incident.Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := st.Validate(); err != nil {
		return err
	}
	s.settings[station] = st
	return nil
}

// count returns how many incidents are stored.
func (s *fakeIncidents) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.incidents)
}

// only returns the one incident stored, or nil.
func (s *fakeIncidents) only() *incident.Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inc := range s.incidents {
		c := *inc
		return &c
	}
	return nil
}

// fakeAlarm records what the window asks of the alarm.
type fakeAlarm struct {
	sounding bool
	level    incident.Grade
	sounds   int
}

func (a *fakeAlarm) Sound(g incident.Grade) { a.sounding, a.level = true, g; a.sounds++ }
func (a *fakeAlarm) Silence()               { a.sounding = false }

// fakeArrivals keeps a duty room's alarms in memory as the store does:
// oldest first, ringing again with a later time when the grade rises above
// the one it last rang with, the first acknowledgement kept.
type fakeArrivals struct {
	mu       sync.Mutex
	arrivals []*incident.Arrival
	acks     []arrivalAck // every AckArrival call, failed or not
	ackErr   error        // what AckArrival fails with while it is set
}

type arrivalAck struct {
	id app.ID
	by string
}

// ring is an incident from below reaching the duty room at a time, or
// reaching it again with newer figures.
func (s *fakeArrivals) ring(inc incident.Incident, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &incident.Arrival{Incident: inc, From: inc.Station, Reason: incident.ArrivalNew, Grade: inc.EffectiveGrade(), At: at}
	for i, old := range s.arrivals {
		if old.Incident.ID != inc.ID {
			continue
		}
		old.Incident = inc
		if a.Grade <= old.Grade {
			return
		}
		a.Reason = incident.ArrivalRaised
		s.arrivals[i] = a
		return
	}
	s.arrivals = append(s.arrivals, a)
}

func (s *fakeArrivals) PendingArrivals(context.Context) ([]incident.Arrival, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []incident.Arrival
	for _, a := range s.arrivals {
		if a.Pending() {
			out = append(out, *a)
		}
	}
	slices.SortStableFunc(out, func(a, b incident.Arrival) int { return a.At.Compare(b.At) })
	return out, nil
}

func (s *fakeArrivals) FindArrival(_ context.Context, id app.ID) (*incident.Arrival, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.arrivals {
		if a.Incident.ID == id {
			c := *a
			return &c, nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "incident %s has not rung here", id)
}

func (s *fakeArrivals) AckArrival(_ context.Context, id app.ID, by string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acks = append(s.acks, arrivalAck{id, by})
	if s.ackErr != nil {
		return s.ackErr
	}
	for _, a := range s.arrivals {
		if a.Incident.ID == id {
			return a.Acknowledge(by, time.Now())
		}
	}
	return app.Errorf(app.ENOTFOUND, "incident %s has not rung here", id)
}

// acked returns the AckArrival calls so far.
func (s *fakeArrivals) acked() []arrivalAck {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

// AttachmentState and Attachment are incident.Contents: what was filed
// here is complete, what a test put in arriving is as it says.
func (s *fakeIncidents) AttachmentState(_ context.Context, sha string) (incident.ContentState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, ok := s.files[sha]; ok {
		return incident.ContentState{SHA256: sha, Size: int64(len(data)), Complete: true}, nil
	}
	return s.arriving[sha], nil
}

func (s *fakeIncidents) Attachment(_ context.Context, sha string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, ok := s.files[sha]; ok {
		return slices.Clone(data), nil
	}
	return nil, app.Errorf(app.ECONFLICT, "the attachment is incomplete")
}
