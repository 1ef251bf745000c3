package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// Incidents between stations. A change to an incident goes to the stations
// that hold it (incident.Audience): the receiving station and every
// station its report tasks name, never a sibling. A station that a change
// names for the first time gets the whole incident first (a share). The
// receiving side checks that the sender may make the change, applies the
// record, tasks, reports and events once, runs its own rules for the
// reports it owes, and rings the alarm for an incident from below.

// The kinds applyOne hands to applyIncidentOp.
const (
	opIncidentCreate   = incident.OpIncidentCreate
	opIncidentCounts   = incident.OpIncidentCounts
	opIncidentGrade    = incident.OpIncidentGrade
	opIncidentReport   = incident.OpIncidentReport
	opIncidentSign     = incident.OpIncidentSign
	opIncidentSend     = incident.OpIncidentSend
	opIncidentAck      = incident.OpIncidentAck
	opIncidentClose    = incident.OpIncidentClose
	opIncidentShare    = incident.OpIncidentShare
	opIncidentTasks    = incident.OpIncidentTasks
	opIncidentSettings = incident.OpSettingsUpdate
	opIncidentEvent    = incident.OpIncidentEvent
	opIncidentChunk    = incident.OpChunk
	opIncidentResend   = incident.OpResend
)

var (
	bucketIncidentArrivals        = []byte("incident_arrivals")
	bucketIncidentArrivalsPending = []byte("incident_arrivals_pending")
)

func createIncidentArrivalsV7(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket")
	}
	for _, name := range [][]byte{bucketIncidentArrivals, bucketIncidentArrivalsPending} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}

var _ incident.Alarms = (*Incidents)(nil)

// appendChange queues an incident change for the stations holding the
// incident after it, tasks being all its tasks. before lists those that
// held it already (nil for a new incident): a station the change names
// for the first time gets a share ahead of the change, so it holds what
// the change builds on.
func appendChange(tx *txn, kind string, tasks []incident.ReportTask, before []app.ID, ch change) error {
	inc := ch.Incident
	tree, err := lineage(tx, inc.Station)
	if err != nil {
		return err
	}
	self, err := identityID(tx.Tx)
	if err != nil {
		return err
	}
	to := slices.DeleteFunc(incident.Audience(inc, tasks, tree), func(id app.ID) bool { return id == self })
	if before != nil {
		var fresh []app.ID
		for _, id := range to {
			if !slices.Contains(before, id) {
				fresh = append(fresh, id)
			}
		}
		if len(fresh) > 0 {
			if err := appendShare(tx, inc, fresh); err != nil {
				return err
			}
		}
	}
	payload, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	if err := appendAddressedOp(tx, kind, inc.ID, payload, to); err != nil {
		return err
	}
	// The contents of a new report's files follow it; those of a share
	// were owed by appendShare. Both go after the records they belong to.
	if ch.Report != nil {
		if err := oweContents(tx, inc.ID, ch.Report.Attachments, to); err != nil {
			return err
		}
	}
	if _, err := sendOwed(tx); err != nil {
		return err
	}
	return nil
}

// shareBudget is what one share carries at most besides the record and
// tasks, under the limit of an operation: a long incident goes in parts.
const shareBudget = app.MaxOpPayload / 2

// appendShare queues the whole incident as stored for the stations to. The
// first part carries the record and every task; reports and events follow
// in as many parts as they need.
func appendShare(tx *txn, inc *incident.Incident, to []app.ID) error {
	tasks, err := tasksOf(tx, inc.ID)
	if err != nil {
		return err
	}
	reports, err := reportsOf(tx, inc.ID)
	if err != nil {
		return err
	}
	events, err := eventsOf(tx, inc.ID)
	if err != nil {
		return err
	}
	part := change{Incident: inc, Tasks: tasks}
	size := 0
	flush := func() error {
		payload, err := json.Marshal(part)
		if err != nil {
			return err
		}
		part, size = change{Incident: inc}, 0
		return appendAddressedOp(tx, incident.OpIncidentShare, inc.ID, payload, to)
	}
	add := func(v any, put func()) error {
		buf, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if size > 0 && size+len(buf) > shareBudget {
			if err := flush(); err != nil {
				return err
			}
		}
		put()
		size += len(buf)
		return nil
	}
	for i := range reports {
		if err := add(&reports[i], func() { part.Reports = append(part.Reports, reports[i]) }); err != nil {
			return err
		}
	}
	for i := range events {
		if err := add(&events[i], func() { part.Events = append(part.Events, events[i]) }); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	// The files go with the whole incident, once this duty room holds
	// them (see sendOwed, which the caller runs after its own operation).
	atts, err := incidentAttachments(tx, inc)
	if err != nil {
		return err
	}
	return oweContents(tx, inc.ID, atts, to)
}

// applyIncidentOp takes in an incident operation from another station.
// Everything is checked before anything is written, so an operation that
// breaks a rule is kept with the reason and changes nothing here; err is
// only for the file.
func applyIncidentOp(tx *txn, op *app.Operation) (string, error) {
	switch op.Kind {
	case incident.OpSettingsUpdate:
		return applyIncidentSettings(tx, op)
	case incident.OpChunk:
		return applyIncidentChunk(tx, op)
	case incident.OpResend:
		return applyIncidentResend(tx, op)
	}
	var ch change
	if err := unmarshalRecord(op.Payload, &ch); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if ch.Incident == nil {
		return op.Kind + ": the operation carries no incident", nil
	}
	in := *ch.Incident
	if in.ID != op.Entity {
		return fmt.Sprintf("%s: the payload is incident %s but the operation names %s", op.Kind, in.ID, op.Entity), nil
	}
	stored, err := findIncident(tx, in.ID)
	exists := err == nil
	if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	whole := op.Kind == incident.OpIncidentCreate || op.Kind == incident.OpIncidentShare
	switch {
	case !exists && !whole:
		return fmt.Sprintf("%s: incident %s is not here; its filing never reached this station", op.Kind, in.ID), nil
	case exists && stored.Station != in.Station:
		return fmt.Sprintf("%s: incident %s was received by station %s, not %s", op.Kind, in.ID, stored.Station, in.Station), nil
	}
	self, err := identityID(tx.Tx)
	if err != nil {
		return "", err
	}
	tree, err := lineage(tx, in.Station, in.Place.Station, op.Origin, self)
	if err != nil {
		return "", err
	}
	switch {
	case tree.Station(in.Station) == nil:
		return fmt.Sprintf("%s: incident %s was received by station %s, which this client does not have", op.Kind, in.ID, in.Station), nil
	case tree.Station(op.Origin) == nil:
		return fmt.Sprintf("%s: it comes from station %s, which this client does not have", op.Kind, op.Origin), nil
	case !tree.IsWithin(in.Station, op.Origin):
		// The rule of checkWritable, seen from the receiving side.
		return fmt.Sprintf("%s: %s cannot change the incidents of %s; only that station and those above it can",
			op.Kind, tree.Path(op.Origin), tree.Path(in.Station)), nil
	}

	var tasks []incident.ReportTask // every task of the incident once the operation is applied
	if exists {
		if tasks, err = tasksOf(tx, in.ID); err != nil {
			return "", err
		}
	}
	var changed []incident.ReportTask
	for i := range ch.Tasks {
		t := ch.Tasks[i]
		take, reason, err := checkIncomingTask(tx, op, &in, &t, tasks, tree)
		if err != nil || reason != "" {
			return reason, err
		}
		if take {
			tasks = replaceTask(tasks, t)
			changed = append(changed, t)
		}
	}
	if self != app.NilID && !slices.Contains(incident.Audience(&in, tasks, tree), self) {
		return fmt.Sprintf("%s: incident %s of %s names no report to or from this station", op.Kind, in.ID, tree.Path(in.Station)), nil
	}
	// A sender's clock a little ahead of this one is no reason to refuse
	// what it received; its own operation time bounds what it could know.
	now := tx.now
	if op.At.After(now) {
		now = op.At
	}
	if err := in.Validate(now, tree, incident.Limits{MaxAttachment: maxIncomingAttachment}); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	reports := ch.Reports
	if ch.Report != nil {
		reports = append(reports, *ch.Report)
	}
	for i := range reports {
		r := &reports[i]
		if err := r.Validate(); err != nil {
			return op.Kind + ": " + app.ErrorMessage(err), nil
		}
		if r.ID == app.NilID || r.Incident != in.ID || tree.Station(r.Station) == nil || !tree.IsWithin(in.Station, r.Station) {
			return fmt.Sprintf("%s: report %s is not a report on incident %s by %s or a station above it", op.Kind, r.ID, in.ID, tree.Path(in.Station)), nil
		}
		if old, err := findReport(tx, r.ID); err == nil && old.Incident != in.ID {
			return fmt.Sprintf("%s: report %s belongs to another incident here", op.Kind, r.ID), nil
		} else if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
			return "", err
		}
	}
	for i := range ch.Events {
		ev := &ch.Events[i]
		if err := ev.Validate(); err != nil {
			return op.Kind + ": " + app.ErrorMessage(err), nil
		}
		// An event is recorded where its actor sat: on the incident's
		// chain, and for anything but a share at the sender or a station
		// it acted for.
		onChain := ev.Station != app.NilID && tree.Station(ev.Station) != nil && tree.IsWithin(in.Station, ev.Station)
		if ev.Incident != in.ID || !onChain || (op.Kind != incident.OpIncidentShare && !tree.IsWithin(ev.Station, op.Origin)) {
			return fmt.Sprintf("%s: event %s is not an event of incident %s recorded by %s", op.Kind, ev.ID, in.ID, tree.Path(op.Origin)), nil
		}
	}

	// Everything checks: write.
	rec := mergeIncident(stored, exists, in, op.Kind)
	named := incident.Audience(&rec, tasks, tree)
	var (
		own       []incident.ReportTask
		ownEvents []incident.Event
	)
	switch op.Kind {
	case incident.OpIncidentCreate, incident.OpIncidentShare, incident.OpIncidentCounts, incident.OpIncidentGrade, incident.OpIncidentReport:
		own, ownEvents, err = ownObligations(tx, self, &rec, tasks, tree, obligationStart(op, &in))
		if err != nil {
			return "", err
		}
		for _, t := range own {
			tasks = replaceTask(tasks, t)
		}
	}
	rec.NextDue = incident.NextDue(tasks)
	var prev *incident.Incident
	if exists {
		prev = &stored
	}
	if err := putIncident(tx, &rec, prev, tasks); err != nil {
		return "", err
	}
	for i := range changed {
		if err := putTask(tx, &changed[i]); err != nil {
			return "", err
		}
	}
	for i := range reports {
		if err := mergeReport(tx, &reports[i]); err != nil {
			return "", err
		}
	}
	if err := appendNewEvents(tx, ch.Events); err != nil {
		return "", err
	}
	if len(own) > 0 {
		for i := range own {
			if err := putTask(tx, &own[i]); err != nil {
				return "", err
			}
		}
		if err := appendEvents(tx, ownEvents); err != nil {
			return "", err
		}
		if err := appendChange(tx, incident.OpIncidentTasks, tasks, named, change{Incident: &rec, Tasks: own, Events: ownEvents}); err != nil {
			return "", err
		}
	}
	return "", ringArrival(tx, self, &rec, op.Origin, tree)
}

// statusRank orders a task's statuses as they are reached.
func statusRank(s incident.TaskStatus) int {
	switch s {
	case incident.TaskSigned:
		return 1
	case incident.TaskSent:
		return 2
	case incident.TaskAcknowledged:
		return 3
	}
	return 0
}

// checkIncomingTask decides what an incoming task does: take it (a new
// task, a step forward, an earlier deadline), pass over it (older than
// what is here: operations of several stations interleave), or refuse the
// operation with a reason. tasks are the incident's tasks here.
func checkIncomingTask(tx *txn, op *app.Operation, in *incident.Incident, t *incident.ReportTask, tasks []incident.ReportTask, tree *app.Tree) (bool, string, error) {
	if err := t.Validate(); err != nil {
		return false, op.Kind + ": " + app.ErrorMessage(err), nil
	}
	onChain := func(id app.ID) bool { return tree.Station(id) != nil && tree.IsWithin(in.Station, id) }
	switch {
	case t.ID == app.NilID || t.Incident != in.ID:
		return false, fmt.Sprintf("%s: report task %s is not a task of incident %s", op.Kind, t.ID, in.ID), nil
	case !onChain(t.From):
		return false, fmt.Sprintf("%s: report task %s is sent by station %s, which is neither %s nor above it", op.Kind, t.ID, t.From, tree.Path(in.Station)), nil
	case !t.To.External() && (!onChain(t.To.Station) || t.To.Station == t.From || !tree.IsWithin(t.From, t.To.Station)):
		return false, fmt.Sprintf("%s: report task %s goes to station %s, which is not above its sender on the way up from %s", op.Kind, t.ID, t.To.Station, tree.Path(in.Station)), nil
	}
	var old *incident.ReportTask
	if i := slices.IndexFunc(tasks, func(x incident.ReportTask) bool { return x.ID == t.ID }); i >= 0 {
		old = &tasks[i]
	} else if other, err := findTask(tx, t.ID); err == nil {
		return false, fmt.Sprintf("%s: report task %s belongs to incident %s here", op.Kind, t.ID, other.Incident), nil
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return false, "", err
	}
	if old != nil && (old.Kind != t.Kind || old.From != t.From || old.To != t.To || old.Mode != t.Mode) {
		return false, fmt.Sprintf("%s: report task %s would change who reports what to whom", op.Kind, t.ID), nil
	}
	base := incident.TaskPending
	if old != nil {
		base = old.Status
	}
	from, to := statusRank(base), statusRank(t.Status)
	if op.Kind != incident.OpIncidentShare {
		// Only the sender (or a station acting for it) signs and sends;
		// only the recipient acknowledges. A new task may come signed:
		// the rules add it carrying a report its filer has signed.
		signs := to >= 1 && from < 1 && old != nil
		sends := to >= 2 && from < 2
		if (signs || sends) && !tree.IsWithin(t.From, op.Origin) {
			return false, fmt.Sprintf("%s: %s cannot sign or send the report of %s", op.Kind, tree.Path(op.Origin), tree.Path(t.From)), nil
		}
		acks := to == 3 && from < 3
		if acks && (t.To.External() && !tree.IsWithin(t.From, op.Origin) || !t.To.External() && op.Origin != t.To.Station) {
			return false, fmt.Sprintf("%s: %s cannot acknowledge a report sent to %s", op.Kind, tree.Path(op.Origin), recipientName(t.To, tree)), nil
		}
	}
	if old == nil {
		// One report satisfies the same delivery however many rules ask
		// for it (see the router's add): a task that stations' rules
		// made twice, each on its own side, is kept once.
		for i := range tasks {
			x := &tasks[i]
			if x.Kind == t.Kind && x.From == t.From && x.To == t.To && x.Mode == t.Mode && (t.Kind == incident.KindInitial || x.Report == t.Report) {
				return false, "", nil
			}
		}
		return true, "", nil
	}
	// Whichever copy is further along stands; an open task keeps the
	// earlier deadline either copy knows, and late stays late.
	merged := *old
	if to > from {
		merged = *t
	}
	if merged.Open() && t.Due.Before(old.Due) {
		merged.Due = t.Due
	} else if merged.Open() {
		merged.Due = old.Due
	}
	merged.Late = old.Late || t.Late
	if merged == *old {
		return false, "", nil
	}
	*t = merged
	return true, "", nil
}

// replaceTask puts t in the list in place of the task with its id, or at
// the end.
func replaceTask(tasks []incident.ReportTask, t incident.ReportTask) []incident.ReportTask {
	if i := slices.IndexFunc(tasks, func(x incident.ReportTask) bool { return x.ID == t.ID }); i >= 0 {
		tasks[i] = t
		return tasks
	}
	return append(tasks, t)
}

// mergeIncident applies what the kind of operation changes to the record
// here. The rest of the record stays as this station knows it: operations
// of several stations interleave, and each carries the whole record as its
// sender saw it.
func mergeIncident(stored incident.Incident, exists bool, in incident.Incident, kind string) incident.Incident {
	if !exists {
		return in
	}
	out := stored
	figures := func() { out.Counts, out.Loss = in.Counts, in.Loss }
	grade := func() {
		out.Provisional, out.Grade, out.GradedBy, out.GradedAt, out.GradeReason = in.Provisional, in.Grade, in.GradedBy, in.GradedAt, in.GradeReason
	}
	closed := func() {
		if in.Status == incident.StatusClosed && out.Status != incident.StatusClosed {
			out.Status, out.ClosedAt, out.CloseReason = in.Status, in.ClosedAt, in.CloseReason
		}
	}
	switch kind {
	case incident.OpIncidentCounts:
		figures()
		grade()
	case incident.OpIncidentGrade:
		grade()
	case incident.OpIncidentReport:
		figures()
		grade()
		closed()
	case incident.OpIncidentClose:
		closed()
	case incident.OpIncidentCreate, incident.OpIncidentShare:
		if !in.UpdatedAt.Before(stored.UpdatedAt) {
			figures()
			grade()
		}
		closed()
	}
	if in.UpdatedAt.After(out.UpdatedAt) {
		out.UpdatedAt = in.UpdatedAt
	}
	return out
}

// mergeReport stores a report new here, or adds the sign-off and first
// delivery a later operation tells of.
func mergeReport(tx *txn, r *incident.Report) error {
	old, err := findReport(tx, r.ID)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return putReport(tx, r)
	} else if err != nil {
		return err
	}
	changed := false
	if old.SignedBy == "" && r.SignedBy != "" {
		old.SignedBy, old.SignedAt, changed = r.SignedBy, r.SignedAt, true
	}
	if old.SentAt.IsZero() && !r.SentAt.IsZero() {
		old.SentAt, changed = r.SentAt, true
	}
	if !changed {
		return nil
	}
	return putReport(tx, &old)
}

// appendNewEvents adds the events not yet on the timeline here: a share
// repeats what earlier operations brought.
func appendNewEvents(tx *txn, events []incident.Event) error {
	b, err := mustBucket(tx.Tx, bucketIncidents)
	if err != nil {
		return err
	}
	var fresh []incident.Event
	for _, ev := range events {
		if b.Get(pairKey(ev.Incident, ev.ID)) == nil && !slices.ContainsFunc(fresh, func(x incident.Event) bool { return x.ID == ev.ID }) {
			fresh = append(fresh, ev)
		}
	}
	return appendEvents(tx, fresh)
}

// obligationStart is when the deadlines of what an operation requires of
// this station run from: the intake for a new incident, the sender's
// change otherwise (a deadline cannot run from before the facts that
// trigger it were known). These are the sender's own starts, so the same
// rules give the same deadlines on both sides.
func obligationStart(op *app.Operation, in *incident.Incident) time.Time {
	if op.Kind == incident.OpIncidentCreate {
		return in.ReceivedAt
	}
	return op.At
}

// ownObligations runs the rules at this station for the reports it owes
// on an incident from below: the sender ran them with the rules it knows,
// and this station's may ask for more or sooner (settings not yet passed
// down, say). It returns the tasks of this station the rules add or bring
// forward, with the event recording them; the sender's tasks stand.
func ownObligations(tx *txn, self app.ID, inc *incident.Incident, tasks []incident.ReportTask, tree *app.Tree, start time.Time) ([]incident.ReportTask, []incident.Event, error) {
	if self == app.NilID || self == inc.Station || tree.Station(self) == nil || !tree.IsWithin(inc.Station, self) || inc.CheckOpen() != nil {
		return nil, nil, nil
	}
	st, err := settingsAt(tx, tree, inc.Station)
	if err != nil {
		return nil, nil, err
	}
	a := incident.Assess(inc, st.Thresholds)
	var mine []incident.ReportTask
	for _, t := range incident.RequiredReports(inc, a, tree, st.Rules, start) {
		if t.From == self {
			mine = append(mine, t)
		}
	}
	own := append(incident.Diff(tasks, mine), incident.Tighten(tasks, mine)...)
	if len(own) == 0 {
		return nil, nil, nil
	}
	ev := notedEvent(inc.ID, self, tx.now, app.AuthorFrom(tx.ctx), incident.EventTasksCreated,
		tasksNote(own, tree, stationZone(tree, inc.Station)))
	return own, []incident.Event{ev}, nil
}

// arrivalRecord is an arrival as stored; the incident is read afresh.
type arrivalRecord struct {
	From    app.ID                 `json:"from"`
	Reason  incident.ArrivalReason `json:"reason"`
	Grade   incident.Grade         `json:"grade"`
	At      time.Time              `json:"at"`
	AckedBy string                 `json:"acked_by,omitempty"`
	AckedAt time.Time              `json:"acked_at,omitzero"`
}

// ringArrival rings for an incident from a station below: the first time
// it reaches this duty room, and again whenever its grade rises above the
// one it last rang with, acknowledged or not.
func ringArrival(tx *txn, self app.ID, inc *incident.Incident, from app.ID, tree *app.Tree) error {
	if self == app.NilID || self == inc.Station || !tree.IsWithin(inc.Station, self) {
		return nil
	}
	old, found, err := getArrival(tx, inc.ID)
	if err != nil {
		return err
	}
	g := inc.EffectiveGrade()
	rec := arrivalRecord{From: from, Reason: incident.ArrivalNew, Grade: g, At: tx.now}
	if found {
		if g <= old.Grade {
			return nil
		}
		rec.Reason = incident.ArrivalRaised
	}
	return putArrival(tx, inc.ID, &rec)
}

func getArrival(tx *txn, id app.ID) (arrivalRecord, bool, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentArrivals)
	if err != nil {
		return arrivalRecord{}, false, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return arrivalRecord{}, false, nil
	}
	var rec arrivalRecord
	err = decodeJSON(raw, &rec, "the arrival of incident "+id.String())
	return rec, err == nil, err
}

// putArrival writes the arrival and keeps the pending index, which the
// alarm reads at every start and after every sync, in step with it.
func putArrival(tx *txn, id app.ID, rec *arrivalRecord) error {
	bs, err := buckets(tx, bucketIncidentArrivals, bucketIncidentArrivalsPending)
	if err != nil {
		return err
	}
	buf, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := bs[0].Put(idKey(id), buf); err != nil {
		return err
	}
	if rec.AckedBy == "" {
		return bs[1].Put(idKey(id), nil)
	}
	return bs[1].Delete(idKey(id))
}

func (s *Incidents) arrival(tx *txn, id app.ID, rec *arrivalRecord) (incident.Arrival, error) {
	inc, err := findIncident(tx, id)
	if err != nil {
		return incident.Arrival{}, err
	}
	return incident.Arrival{Incident: inc, From: rec.From, Reason: rec.Reason, Grade: rec.Grade, At: rec.At,
		AckedBy: rec.AckedBy, AckedAt: rec.AckedAt}, nil
}

// PendingArrivals returns the incidents from below whose alarm nobody has
// acknowledged here, oldest first.
func (s *Incidents) PendingArrivals(ctx context.Context) ([]incident.Arrival, error) {
	var out []incident.Arrival
	err := s.db.view(ctx, func(tx *txn) error {
		pending, err := mustBucket(tx.Tx, bucketIncidentArrivalsPending)
		if err != nil {
			return err
		}
		return pending.ForEach(func(k, _ []byte) error {
			id, _ := idFromBytes(k)
			rec, found, err := getArrival(tx, id)
			if err != nil {
				return err
			}
			if !found {
				return app.Errorf(app.ECORRUPT, "the alarm list names incident %s, whose arrival is not stored; restore a backup", id)
			}
			a, err := s.arrival(tx, id, &rec)
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b incident.Arrival) int { return a.At.Compare(b.At) })
	return out, err
}

// FindArrival returns the arrival of an incident. ENOTFOUND when it never
// rang here.
func (s *Incidents) FindArrival(ctx context.Context, id app.ID) (*incident.Arrival, error) {
	var out incident.Arrival
	err := s.db.view(ctx, func(tx *txn) error {
		rec, found, err := getArrival(tx, id)
		if err != nil {
			return err
		}
		if !found {
			return app.Errorf(app.ENOTFOUND, "incident %s has not rung here", id)
		}
		out, err = s.arrival(tx, id, &rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AckArrival records someone here silencing an incident's alarm. It stays
// here: the sender learns of receipt from AcknowledgeTask. EINVALID
// without a name, ENOTFOUND when it never rang; acknowledging again keeps
// the first.
func (s *Incidents) AckArrival(ctx context.Context, id app.ID, by string) error {
	return s.db.update(ctx, func(tx *txn) error {
		rec, found, err := getArrival(tx, id)
		if err != nil {
			return err
		}
		if !found {
			return app.Errorf(app.ENOTFOUND, "incident %s has not rung here", id)
		}
		a := incident.Arrival{AckedBy: rec.AckedBy, AckedAt: rec.AckedAt}
		if err := a.Acknowledge(by, tx.now); err != nil {
			return err
		}
		if a.AckedBy == rec.AckedBy {
			return nil
		}
		rec.AckedBy, rec.AckedAt = a.AckedBy, a.AckedAt
		return putArrival(tx, id, &rec)
	})
}

// checkAcknowledger returns EFORBIDDEN unless this duty room may say the
// task's report has arrived: its recipient, or for an office beyond the
// tree the sender, which confirms by phone (loadEdit checked that).
func checkAcknowledger(tx *txn, t *incident.ReportTask, tree *app.Tree) error {
	self, err := identityID(tx.Tx)
	if err != nil || self == app.NilID || t.To.External() || self == t.To.Station {
		return err
	}
	return app.Errorf(app.EFORBIDDEN, "the report was sent to %s; only that duty room can say it has arrived", recipientName(t.To, tree))
}

// applyIncidentSettings takes in a station's incident rules, set there or
// by a station above it.
func applyIncidentSettings(tx *txn, op *app.Operation) (string, error) {
	var sc settingsChange
	if err := unmarshalRecord(op.Payload, &sc); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if sc.Station != op.Entity {
		return fmt.Sprintf("%s: the payload is the rules of station %s but the operation names %s", op.Kind, sc.Station, op.Entity), nil
	}
	if err := sc.Settings.Validate(); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	tree, err := lineage(tx, sc.Station, op.Origin)
	if err != nil {
		return "", err
	}
	switch {
	case tree.Station(sc.Station) == nil:
		return fmt.Sprintf("%s: station %s is not here", op.Kind, sc.Station), nil
	case tree.Station(op.Origin) == nil || !tree.IsWithin(sc.Station, op.Origin):
		return fmt.Sprintf("%s: station %s cannot set the rules of %s", op.Kind, op.Origin, tree.Path(sc.Station)), nil
	}
	b, err := mustBucket(tx.Tx, bucketIncidentSettings)
	if err != nil {
		return "", err
	}
	buf, err := json.Marshal(sc.Settings)
	if err != nil {
		return "", err
	}
	if err := b.Put(idKey(sc.Station), buf); err != nil {
		return "", err
	}
	// The incidents received here that the setting station does not hold
	// are graded anew here (regradeOpen).
	return "", regradeOpen(tx, sc.Station, op.Origin)
}
