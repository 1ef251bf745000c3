package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
)

// Incidents keeps incidents, their reports, report tasks, timelines,
// attachments and the stations' incident settings. It implements
// incident.Service. Every rule (validation, grading, deadlines, report
// order) is the incident package's; this file only loads what the rules
// need, applies them and writes the outcome with its operation.
type Incidents struct {
	db       *DB
	writer   groupCommit
	stations stationCache
}

var _ incident.Service = (*Incidents)(nil)

// NewIncidents returns the incident service of db.
func NewIncidents(db *DB) *Incidents {
	return &Incidents{db: db, writer: groupCommit{db: db}}
}

// File is the content of an attachment filed with a new incident.
type File struct {
	Name    string
	MIME    string
	Size    int64 // as the file system reports it; checked against the limit before reading
	Content io.Reader
}

// change is the payload of every incident operation: the records as the
// change left them and the events it recorded, so a receiving station can
// apply it without re-running rules that its own settings might change.
type change struct {
	Incident   *incident.Incident    `json:"incident,omitempty"`
	Assessment *incident.Assessment  `json:"assessment,omitempty"`
	Report     *incident.Report      `json:"report,omitempty"`
	Tasks      []incident.ReportTask `json:"tasks,omitempty"`
	Events     []incident.Event      `json:"events,omitempty"`
	// Reports holds every report of the incident in a share (see
	// incident.OpIncidentShare); other changes carry at most Report.
	Reports []incident.Report `json:"reports,omitempty"`
}

type settingsChange struct {
	Station  app.ID            `json:"station"`
	Settings incident.Settings `json:"settings"`
}

// CreateIncident files a new incident whose attachments, if any, are
// already stored (see CreateIncidentWithFiles). It returns once the
// incident is on disk. EINVALID, EFORBIDDEN.
func (s *Incidents) CreateIncident(ctx context.Context, inc *incident.Incident) (incident.Assessment, []incident.ReportTask, error) {
	return s.CreateIncidentWithFiles(ctx, inc, nil)
}

// CreateIncidentWithFiles files a new incident with the contents of its
// attachments, all in one transaction: the incident is saved with every
// file or not at all. The transaction may be shared with other intakes
// arriving at the same moment (group commit); the call returns once it is
// on disk. EINVALID (Field "attachments" for a file over the station's
// limit), EFORBIDDEN.
func (s *Incidents) CreateIncidentWithFiles(ctx context.Context, inc *incident.Incident, files []File) (incident.Assessment, []incident.ReportTask, error) {
	atts, blobs, err := s.readFiles(ctx, inc.Station, files)
	if err != nil {
		return incident.Assessment{}, nil, err
	}
	// The intake is built from what is stored now, before the writing
	// transaction (see incidentintake.go).
	now := s.db.Now().UTC()
	fresh := func() incident.Incident {
		n := *inc
		n.Attachments = append(slices.Clone(inc.Attachments), atts...)
		return n
	}
	n := fresh()
	var p *preparedIntake
	err = s.db.viewLogged(ctx, func(tx *txn) (err error) {
		p, err = prepareIntake(tx, &s.stations, &n, now)
		return err
	})
	if err != nil {
		return incident.Assessment{}, nil, err
	}
	intakePrepared()
	// The intake is logged, and filed right after (incidentfiling.go).
	s.db.filer.startLogging()
	err = s.writer.run(ctx, func(tx *txn) error {
		if !p.inputs.unchanged(tx) {
			// The tree, the settings or this duty room's station changed
			// since: build the intake again from what is stored now.
			n := fresh()
			q, err := prepareIntake(tx, &s.stations, &n, now)
			if err != nil {
				return err
			}
			p = q
		}
		return p.log(tx, blobs)
	})
	s.db.filer.logged(err == nil)
	if err != nil {
		return incident.Assessment{}, nil, err
	}
	*inc = p.inc
	if len(p.inc.Attachments) > 0 && len(p.to) > 0 {
		// The incident is on disk and its operation queued; the parts of
		// its files go after it, in a transaction of their own. Should
		// this fail, they stay owed and go with the next SendContents.
		_, _ = s.SendContents(ctx)
	}
	return p.a, p.tasks, nil
}

// readFiles reads and hashes the files before the transaction, so no
// writer waits on a disk read. A file over the station's limit is not read
// at all: it is listed with its size, and validation refuses it with the
// domain's message.
func (s *Incidents) readFiles(ctx context.Context, station app.ID, files []File) ([]incident.Attachment, map[string][]byte, error) {
	if len(files) == 0 {
		return nil, nil, nil
	}
	var limit int64
	err := s.db.viewLogged(ctx, func(tx *txn) error {
		tree, err := lineage(tx, station)
		if err != nil {
			return err
		}
		st, err := settingsAt(tx, tree, station)
		limit = st.Limits.MaxAttachment
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if limit <= 0 {
		limit = incident.DefaultMaxAttachment
	}
	atts := make([]incident.Attachment, 0, len(files))
	blobs := map[string][]byte{}
	for _, f := range files {
		a := incident.Attachment{ID: app.NewID(), Name: f.Name, Size: f.Size, MIME: f.MIME}
		if f.Size >= 0 && f.Size <= limit {
			data, err := io.ReadAll(io.LimitReader(f.Content, f.Size+1))
			if err != nil {
				return nil, nil, app.FieldErrorf("attachments", "cannot read %s: %v", f.Name, err)
			}
			if int64(len(data)) != f.Size {
				return nil, nil, app.FieldErrorf("attachments", "%s changed while it was read (%d bytes, expected %d); attach it again", f.Name, len(data), f.Size)
			}
			sum := sha256.Sum256(data)
			a.SHA256 = hex.EncodeToString(sum[:])
			blobs[a.SHA256] = data
		}
		atts = append(atts, a)
	}
	return atts, blobs, nil
}

// putBlobs checks that every attachment has its content, here or already
// stored, and stores what is new. Contents are kept once however many
// incidents carry them.
func putBlobs(tx *txn, atts []incident.Attachment, blobs map[string][]byte) error {
	b, err := mustBucket(tx.Tx, bucketIncidentBlobs)
	if err != nil {
		return err
	}
	for _, a := range atts {
		if a.SHA256 == "" {
			return app.FieldErrorf("attachments", "%s has no content; attach the file itself", a.Name)
		}
		key, err := hex.DecodeString(a.SHA256)
		if err != nil {
			return app.FieldErrorf("attachments", "%s: the SHA-256 digest is not hex", a.Name)
		}
		if stored := b.Get(key); stored != nil {
			if int64(len(stored)) != a.Size {
				return app.FieldErrorf("attachments", "%s is %d bytes, but the stored content with its digest has %d", a.Name, a.Size, len(stored))
			}
			continue
		}
		data, ok := blobs[a.SHA256]
		if !ok {
			return app.FieldErrorf("attachments", "the content of %s is not stored on this computer; attach the file itself", a.Name)
		}
		if int64(len(data)) != a.Size {
			return app.FieldErrorf("attachments", "%s is %d bytes, not %d", a.Name, len(data), a.Size)
		}
		if err := b.Put(key, data); err != nil {
			return err
		}
	}
	return nil
}

// Attachment returns the content of an attachment by its SHA-256 digest
// (lowercase hex): filed here, or received from another station and
// complete. ENOTFOUND when no incident here names it, ECONFLICT while it
// is still arriving or when the parts received did not make the file.
func (s *Incidents) Attachment(ctx context.Context, sha string) ([]byte, error) {
	key, err := hex.DecodeString(sha)
	if err != nil || len(key) != sha256.Size {
		return nil, app.FieldErrorf("sha256", "%q is not a SHA-256 digest", sha)
	}
	var out []byte
	err = s.db.view(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketIncidentBlobs)
		if err != nil {
			return err
		}
		if v := b.Get(key); v != nil {
			out = bytes.Clone(v)
			return nil
		}
		if rec, _, err := getBlob(tx, key); err != nil {
			return err
		} else if rec == nil && sha == message.EmptySHA256 {
			out = []byte{} // an empty file travels as no parts at all
			return nil
		} else if rec == nil {
			return app.Errorf(app.ENOTFOUND, "no attachment with digest %s is stored here", sha)
		}
		out, err = readBlob(tx, sha)
		return err
	})
	return out, err
}

// FindIncidentByID returns ENOTFOUND when there is no such incident.
func (s *Incidents) FindIncidentByID(ctx context.Context, id app.ID) (*incident.Incident, error) {
	var inc incident.Incident
	err := s.db.view(ctx, func(tx *txn) (err error) {
		inc, err = findIncident(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &inc, nil
}

// UpdateCounts replaces the figures and re-runs the rules. EINVALID,
// ENOTFOUND, ECONFLICT when closed, EFORBIDDEN.
func (s *Incidents) UpdateCounts(ctx context.Context, id app.ID, c incident.Counts, loss int64) (incident.Assessment, []incident.ReportTask, error) {
	var (
		a     incident.Assessment
		tasks []incident.ReportTask
	)
	err := s.db.update(ctx, func(tx *txn) error {
		e, err := editIncident(tx, id)
		if err != nil {
			return err
		}
		var events []incident.Event
		a, tasks, events, err = e.setFigures(c, loss)
		if err != nil || len(events) == 0 {
			return err // the same figures again are no change
		}
		return e.save(incident.OpIncidentCounts, change{Assessment: &a, Tasks: tasks, Events: events})
	})
	return a, tasks, err
}

// ConfirmGrade records the leader on duty accepting the provisional grade.
// EINVALID, ENOTFOUND, ECONFLICT when closed, EFORBIDDEN.
func (s *Incidents) ConfirmGrade(ctx context.Context, id app.ID, leader string) error {
	return s.db.update(ctx, func(tx *txn) error {
		e, err := editIncident(tx, id)
		if err != nil {
			return err
		}
		if err := e.inc.Confirm(leader, tx.now); err != nil {
			return err
		}
		ev := e.noted(incident.EventGradeConfirmed, confirmedNote(&e.inc))
		return e.save(incident.OpIncidentGrade, change{Events: []incident.Event{ev}})
	})
}

// OverrideGrade records the leader on duty setting the grade, and adds or
// brings forward the reports a higher grade requires. EINVALID (Field
// "reason" without one), ENOTFOUND, ECONFLICT when closed, EFORBIDDEN.
func (s *Incidents) OverrideGrade(ctx context.Context, id app.ID, o incident.Override) ([]incident.ReportTask, error) {
	var tasks []incident.ReportTask
	err := s.db.update(ctx, func(tx *txn) error {
		e, err := editIncident(tx, id)
		if err != nil {
			return err
		}
		if err := e.inc.ApplyOverride(o, tx.now); err != nil {
			return err
		}
		events := []incident.Event{e.noted(incident.EventGradeOverridden, overriddenNote(&e.inc))}
		a := incident.Assess(&e.inc, e.settings.Thresholds)
		tasks, err = e.escalate(a)
		if err != nil {
			return err
		}
		if len(tasks) > 0 {
			events = append(events, e.noted(incident.EventTasksCreated, tasksNote(tasks, e.tree, stationZone(e.tree, e.inc.Station))))
		}
		return e.save(incident.OpIncidentGrade, change{Tasks: tasks, Events: events})
	})
	return tasks, err
}

// AddReport files a report with the tasks that deliver it. Figures the
// report states replace the incident's, as UpdateCounts does, so a
// follow-up with more dead raises the grade and adds its reports. A final
// report closes the incident. The tasks returned are the report's
// deliveries and any the new figures added or brought forward. EINVALID
// (Field "kind" out of order or past the supplementary window, "station"
// for a filing station that is neither the receiving station nor above
// it), ENOTFOUND, ECONFLICT when closed, EFORBIDDEN.
func (s *Incidents) AddReport(ctx context.Context, r *incident.Report) ([]incident.ReportTask, error) {
	return s.AddReportWithFiles(ctx, r, nil)
}

// AddReportWithFiles files a report with the contents of its attachments,
// all in one transaction, as AddReport does; the files' contents follow
// the report to every station holding the incident. EINVALID (Field
// "attachments" for a file over the station's limit), and as AddReport.
func (s *Incidents) AddReportWithFiles(ctx context.Context, r *incident.Report, files []File) ([]incident.ReportTask, error) {
	n := *r
	n.Attachments = slices.Clone(r.Attachments)
	if len(files) > 0 {
		inc, err := s.FindIncidentByID(ctx, n.Incident)
		if err != nil {
			return nil, err
		}
		atts, blobs, err := s.readFiles(ctx, inc.Station, files)
		if err != nil {
			return nil, err
		}
		limit, err := s.attachmentLimit(ctx, inc.Station)
		if err != nil {
			return nil, err
		}
		if err := incident.ValidateAttachments(atts, limit); err != nil {
			return nil, err
		}
		n.Attachments = append(n.Attachments, atts...)
		return s.addReport(ctx, r, n, blobs)
	}
	return s.addReport(ctx, r, n, nil)
}

func (s *Incidents) attachmentLimit(ctx context.Context, station app.ID) (int64, error) {
	st, err := s.Settings(ctx, station)
	if err != nil {
		return 0, err
	}
	if st.Limits.MaxAttachment <= 0 {
		return incident.DefaultMaxAttachment, nil
	}
	return st.Limits.MaxAttachment, nil
}

func (s *Incidents) addReport(ctx context.Context, r *incident.Report, n incident.Report, blobs map[string][]byte) ([]incident.ReportTask, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var tasks []incident.ReportTask
	err := s.db.update(ctx, func(tx *txn) error {
		e, err := editIncident(tx, n.Incident)
		if err != nil {
			return err
		}
		if err := putBlobs(tx, n.Attachments, blobs); err != nil {
			return err
		}
		tree, err := lineage(tx, e.inc.Station, n.Station)
		if err != nil {
			return err
		}
		if tree.Station(n.Station) == nil || !tree.IsWithin(e.inc.Station, n.Station) {
			return app.FieldErrorf("station", "a report on this incident is filed by %s, which received it, or a station above it", tree.Path(e.inc.Station))
		}
		if err := checkWritable(tx, tree, n.Station); err != nil {
			return err
		}
		filed, err := reportsOf(tx, e.inc.ID)
		if err != nil {
			return err
		}
		n.ID = app.NewID()
		n.CreatedBy, n.CreatedAt = app.AuthorFrom(tx.ctx), tx.now
		n.SignedBy, n.SignedAt, n.SentAt = "", time.Time{}, time.Time{}
		if err := incident.CheckNewReport(&e.inc, filed, &n, tx.now, stationZone(e.tree, e.inc.Station)); err != nil {
			return err
		}

		var events []incident.Event
		tasks = nil
		if n.Counts != nil || n.Loss != nil {
			c, loss := e.inc.Counts, e.inc.Loss
			if n.Counts != nil {
				c = *n.Counts
			}
			if n.Loss != nil {
				loss = *n.Loss
			}
			_, changed, evs, err := e.setFigures(c, loss)
			if err != nil {
				return err
			}
			tasks, events = append(tasks, changed...), append(events, evs...)
		}
		events = append(events, e.noted(incident.ReportEvent(n.Kind), reportNote(n.Kind, incident.MissingFields(&e.inc, &n))))

		var delivering []incident.ReportTask
		if n.Kind == incident.KindInitial {
			// The rules created the initial deliveries on intake; the
			// report is what they will carry once signed.
			for _, t := range e.tasks {
				if t.Kind == incident.KindInitial && t.From == n.Station && t.Open() {
					delivering = append(delivering, t)
				}
			}
		} else {
			a := incident.Assess(&e.inc, e.settings.Thresholds)
			delivering = incident.FollowUpTasks(&e.inc, &n, a, tree, e.settings.Rules)
			for i := range delivering {
				if err := e.putTask(&delivering[i]); err != nil {
					return err
				}
			}
			if len(delivering) > 0 {
				events = append(events, e.noted(incident.EventTasksCreated, tasksNote(delivering, tree, stationZone(tree, e.inc.Station))))
			}
		}
		if n.Kind == incident.KindFinal {
			if err := e.inc.Close("final report", tx.now); err != nil {
				return err
			}
			events = append(events, e.noted(incident.EventClosed, closedByFinalNote()))
		}
		if err := putReport(tx, &n); err != nil {
			return err
		}
		tasks = append(delivering, tasks...)
		return e.save(incident.OpIncidentReport, change{Report: &n, Tasks: tasks, Events: events})
	})
	if err != nil {
		return nil, err
	}
	*r = n
	return tasks, nil
}

// Reports returns an incident's reports, oldest first. ENOTFOUND.
func (s *Incidents) Reports(ctx context.Context, id app.ID) ([]incident.Report, error) {
	var out []incident.Report
	err := s.db.view(ctx, func(tx *txn) error {
		if _, err := findIncident(tx, id); err != nil {
			return err
		}
		var err error
		out, err = reportsOf(tx, id)
		return err
	})
	return out, err
}

// FindReportByID returns ENOTFOUND when there is no such report.
func (s *Incidents) FindReportByID(ctx context.Context, id app.ID) (*incident.Report, error) {
	var r incident.Report
	err := s.db.view(ctx, func(tx *txn) (err error) {
		r, err = findReport(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// SignReport records the leader on duty of the filing station signing off
// a report, and marks signed that station's pending deliveries of it. A
// closed incident takes no signature, except on the final report that
// closed it: filing the final report closes the incident, and its own
// sign-off and delivery still follow. EINVALID, ENOTFOUND, ECONFLICT,
// EFORBIDDEN.
func (s *Incidents) SignReport(ctx context.Context, report app.ID, leader string) ([]incident.ReportTask, error) {
	var signed []incident.ReportTask
	err := s.db.update(ctx, func(tx *txn) error {
		r, err := findReport(tx, report)
		if err != nil {
			return err
		}
		signed, err = signReport(tx, r, r.Station, leader)
		return err
	})
	return signed, err
}

// SignTask records the leader on duty of the task's sending station
// signing off the report the task carries (the incident's initial report
// for an initial delivery). For the filing station that is SignReport. A
// station above it passes on a report its filer has signed, and its own
// leader signs its deliveries of it. EINVALID, ENOTFOUND, ECONFLICT when
// the task is not pending, no report is written yet or the filing station
// has not signed it, EFORBIDDEN.
func (s *Incidents) SignTask(ctx context.Context, task app.ID, leader string) ([]incident.ReportTask, error) {
	var signed []incident.ReportTask
	err := s.db.update(ctx, func(tx *txn) error {
		t, err := findTask(tx, task)
		if err != nil {
			return err
		}
		if t.Status != incident.TaskPending {
			return app.Errorf(app.ECONFLICT, "the report is already %s", t.Status)
		}
		var r incident.Report
		if t.Report != app.NilID {
			if r, err = findReport(tx, t.Report); err != nil {
				return err
			}
		} else {
			filed, err := reportsOf(tx, t.Incident)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(filed, func(r incident.Report) bool { return r.Kind == incident.KindInitial })
			if i < 0 {
				return app.Errorf(app.ECONFLICT, "no initial report is written yet; write it before it is signed")
			}
			r = filed[i]
		}
		signed, err = signReport(tx, r, t.From, leader)
		return err
	})
	return signed, err
}

// signReport signs r for station: the report itself when station filed
// it, and station's pending deliveries carrying it.
func signReport(tx *txn, r incident.Report, station app.ID, leader string) ([]incident.ReportTask, error) {
	e, err := loadEdit(tx, r.Incident, station)
	if err != nil {
		return nil, err
	}
	if r.Kind != incident.KindFinal {
		if err := e.inc.CheckOpen(); err != nil {
			return nil, err
		}
	}
	own := station == r.Station
	if own {
		if err := r.Sign(leader, tx.now); err != nil {
			return nil, err
		}
		leader = r.SignedBy
		if r.SignedByID, err = leaderNamed(tx, station, leader); err != nil {
			return nil, err
		}
	} else if r.SignedBy == "" {
		return nil, app.Errorf(app.ECONFLICT, "%s must sign the report it filed before the stations above pass it on", e.tree.Path(r.Station))
	}
	var signed []incident.ReportTask
	for _, t := range e.tasks {
		carries := t.Report == r.ID || r.Kind == incident.KindInitial && t.Kind == incident.KindInitial && t.Report == app.NilID
		if t.Status != incident.TaskPending || t.From != station || !carries {
			continue
		}
		if err := t.Sign(r.ID, leader, tx.now); err != nil {
			return nil, err
		}
		if err := e.putTask(&t); err != nil {
			return nil, err
		}
		signed = append(signed, t)
	}
	ch := change{Tasks: signed}
	if own {
		if err := putReport(tx, &r); err != nil {
			return nil, err
		}
		ch.Report = &r
	} else if len(signed) == 0 {
		return nil, app.Errorf(app.ECONFLICT, "no delivery of this report from %s waits for a signature", e.tree.Path(station))
	}
	ch.Events = []incident.Event{e.noted(incident.EventSigned, signedNote(r.Kind, station, e.tree, leader, len(signed)))}
	return signed, e.save(incident.OpIncidentSign, ch)
}

// FindTaskByID returns ENOTFOUND when there is no such task.
func (s *Incidents) FindTaskByID(ctx context.Context, id app.ID) (*incident.ReportTask, error) {
	var t incident.ReportTask
	err := s.db.view(ctx, func(tx *txn) (err error) {
		t, err = findTask(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// SendTask records the report as sent now, late when past due. Deliveries
// of a closed incident can still be sent: closing stops new reports, not
// the delivery of those already filed. ENOTFOUND, ECONFLICT when a written
// report is unsigned or the task was sent, EFORBIDDEN.
func (s *Incidents) SendTask(ctx context.Context, id app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		t, err := findTask(tx, id)
		if err != nil {
			return err
		}
		e, err := loadEdit(tx, t.Incident, t.From)
		if err != nil {
			return err
		}
		if err := t.Send(tx.now); err != nil {
			return err
		}
		if err := e.putTask(&t); err != nil {
			return err
		}
		var rep *incident.Report
		if t.Report != app.NilID {
			r, err := findReport(tx, t.Report)
			if err != nil {
				return err
			}
			if r.SentAt.IsZero() {
				r.SentAt = tx.now
				if err := putReport(tx, &r); err != nil {
					return err
				}
				rep = &r
			}
		}
		ev := e.noted(incident.EventSent, sentNote(&t, e.tree, stationZone(e.tree, e.inc.Station)))
		return e.save(incident.OpIncidentSend, change{Report: rep, Tasks: []incident.ReportTask{t}, Events: []incident.Event{ev}})
	})
}

// AcknowledgeTask records receipt: by the receiving station, or by the
// sender for an office beyond the tree, which confirms by phone.
// EINVALID, ENOTFOUND, ECONFLICT unless sent, EFORBIDDEN.
func (s *Incidents) AcknowledgeTask(ctx context.Context, id app.ID, by string) error {
	return s.db.update(ctx, func(tx *txn) error {
		t, err := findTask(tx, id)
		if err != nil {
			return err
		}
		// The recipient stands above the sender, so loading for the
		// sender's station admits it; only the recipient itself may say it
		// has the report, or the sender for an office beyond the tree.
		e, err := loadEdit(tx, t.Incident, t.From)
		if err != nil {
			return err
		}
		if err := checkAcknowledger(tx, &t, e.tree); err != nil {
			return err
		}
		if err := t.Acknowledge(by, tx.now); err != nil {
			return err
		}
		if err := e.putTask(&t); err != nil {
			return err
		}
		ev := e.noted(incident.EventAcknowledged, ackedNote(&t, e.tree))
		return e.save(incident.OpIncidentAck, change{Tasks: []incident.ReportTask{t}, Events: []incident.Event{ev}})
	})
}

// CloseIncident closes without a final report. EINVALID (Field "reason"),
// ENOTFOUND, ECONFLICT when closed, EFORBIDDEN.
func (s *Incidents) CloseIncident(ctx context.Context, id app.ID, reason string) error {
	return s.db.update(ctx, func(tx *txn) error {
		e, err := editIncident(tx, id)
		if err != nil {
			return err
		}
		if err := e.inc.Close(reason, tx.now); err != nil {
			return err
		}
		ev := e.noted(incident.EventClosed, closedNote(e.inc.CloseReason))
		return e.save(incident.OpIncidentClose, change{Events: []incident.Event{ev}})
	})
}

// Timeline returns the incident's events in order. ENOTFOUND.
func (s *Incidents) Timeline(ctx context.Context, id app.ID) ([]incident.Event, error) {
	var out []incident.Event
	err := s.db.view(ctx, func(tx *txn) error {
		if _, err := findIncident(tx, id); err != nil {
			return err
		}
		var err error
		out, err = eventsOf(tx, id)
		return err
	})
	return out, err
}

// Settings returns the rules in force at a station: its own, else the
// nearest ancestor's, else the national defaults. ENOTFOUND.
func (s *Incidents) Settings(ctx context.Context, station app.ID) (incident.Settings, error) {
	var st incident.Settings
	err := s.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		tree, err := lineage(tx, station)
		if err != nil {
			return err
		}
		st, err = settingsAt(tx, tree, station)
		return err
	})
	return st, err
}

// SetSettings gives a station its own rules, which its stations below
// inherit unless they have their own, and grades the open incidents they
// govern anew (regradeOpen). EINVALID, ENOTFOUND, EFORBIDDEN.
func (s *Incidents) SetSettings(ctx context.Context, station app.ID, st incident.Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	return s.db.update(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		tree, err := lineage(tx, station)
		if err != nil {
			return err
		}
		if err := checkWritable(tx, tree, station); err != nil {
			return err
		}
		b, err := mustBucket(tx.Tx, bucketIncidentSettings)
		if err != nil {
			return err
		}
		buf, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := b.Put(idKey(station), buf); err != nil {
			return err
		}
		payload, err := json.Marshal(settingsChange{Station: station, Settings: st})
		if err != nil {
			return err
		}
		// Stations below inherit the rules and those above see them.
		if err := appendAlertOp(tx, incident.OpSettingsUpdate, station, payload, app.ScopeLineage, nil); err != nil {
			return err
		}
		return regradeOpen(tx, station, app.NilID)
	})
}

// regradeOpen grades anew, under the rules now in force, the open
// incidents held here that a station at or below station received. One
// whose provisional grade changes gets a 重新定级 event; when it rose, the
// escalation rules run again and add the reports the higher grade
// requires, as a follow-up raising the grade does. A grade the leader on
// duty confirmed or set stands: the new thresholds change the rule, not
// the leader's decision on the facts, and the event says it stood.
// Incidents whose station has rules of its own are not affected.
//
// setBy is NilID when the rules were set here: every such incident held
// here is graded anew. For rules set at station setBy and arriving here,
// setBy has graded anew those it holds; this duty room grades only the
// incidents it received itself that setBy does not hold, so each incident
// is graded anew once, by one station.
func regradeOpen(tx *txn, station, setBy app.ID) error {
	self, err := identityID(tx.Tx)
	if err != nil || setBy != app.NilID && self == app.NilID {
		return err
	}
	open := incident.StatusOpen
	var ids []app.ID
	err = scanRegister(tx, incident.Filter{Status: &open}, nil, tx.now, func(r *registerReader) error {
		if setBy == app.NilID || r.inc.Station == self {
			ids = append(ids, r.inc.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := regradeOne(tx, id, station, setBy); err != nil {
			return err
		}
	}
	return nil
}

func regradeOne(tx *txn, id, station, setBy app.ID) error {
	inc, err := findIncident(tx, id)
	if err != nil {
		return err
	}
	tree, err := lineage(tx, inc.Station)
	if err != nil {
		return err
	}
	if tree.Station(station) == nil || !tree.IsWithin(inc.Station, station) {
		return nil // received outside the stations these rules govern
	}
	e, err := editIncident(tx, id)
	if err != nil {
		return err
	}
	if setBy != app.NilID && slices.Contains(e.named, setBy) {
		return nil // graded anew where the rules were set
	}
	a := incident.Assess(&e.inc, e.settings.Thresholds)
	from := e.inc.Provisional
	if a.Grade == from {
		return nil
	}
	e.inc.Provisional = a.Grade
	events := []incident.Event{e.noted(incident.EventRegraded, regradedNote(from, a.Grade, e.inc.Grade, station, e.tree))}
	var tasks []incident.ReportTask
	if a.Grade > from {
		if tasks, err = e.escalate(a); err != nil {
			return err
		}
		if len(tasks) > 0 {
			events = append(events, e.noted(incident.EventTasksCreated, tasksNote(tasks, e.tree, stationZone(e.tree, e.inc.Station))))
		}
	}
	return e.save(incident.OpIncidentGrade, change{Tasks: tasks, Events: events})
}

// edit is one change to a stored incident: the record, its tasks, the part
// of the tree it lives in and the settings in force, loaded once.
type edit struct {
	tx       *txn
	inc      incident.Incident
	stored   incident.Incident // the record as loaded, whose index entries a save replaces
	tasks    []incident.ReportTask
	tree     *app.Tree
	settings incident.Settings
	actor    app.ID   // the station where the change is made, for its events
	named    []app.ID // the stations holding the incident before the change
}

// actorStation is where a change is made: this duty room, or, before it
// has chosen its station, the station acted for.
func actorStation(tx *txn, actingFor app.ID) (app.ID, error) {
	self, err := identityID(tx.Tx)
	if err != nil || self != app.NilID {
		return self, err
	}
	return actingFor, nil
}

// editIncident loads an incident for a change made for its own station.
func editIncident(tx *txn, id app.ID) (*edit, error) {
	return loadEdit(tx, id, app.NilID)
}

// loadEdit loads an incident for a change made for the station actor
// (NilID: the incident's own station), which this duty room must be
// allowed to act for.
func loadEdit(tx *txn, id, actor app.ID) (*edit, error) {
	inc, err := findIncident(tx, id)
	if err != nil {
		return nil, err
	}
	if actor == app.NilID {
		actor = inc.Station
	}
	tree, err := lineage(tx, inc.Station, actor)
	if err != nil {
		return nil, err
	}
	if err := checkWritable(tx, tree, actor); err != nil {
		return nil, err
	}
	st, err := settingsAt(tx, tree, inc.Station)
	if err != nil {
		return nil, err
	}
	tasks, err := tasksOf(tx, id)
	if err != nil {
		return nil, err
	}
	at, err := actorStation(tx, actor)
	if err != nil {
		return nil, err
	}
	named := incident.Audience(&inc, tasks, tree)
	return &edit{tx: tx, inc: inc, stored: inc, tasks: tasks, tree: tree, settings: st, actor: at, named: named}, nil
}

func (e *edit) event(kind incident.EventKind, detail string) incident.Event {
	return incident.NewEvent(e.inc.ID, e.actor, e.tx.now, app.AuthorFrom(e.tx.ctx), kind, detail)
}

// putTask writes a task and keeps e.tasks current, for NextDue.
func (e *edit) putTask(t *incident.ReportTask) error {
	if err := putTask(e.tx, t); err != nil {
		return err
	}
	for i := range e.tasks {
		if e.tasks[i].ID == t.ID {
			e.tasks[i] = *t
			return nil
		}
	}
	e.tasks = append(e.tasks, *t)
	return nil
}

// setFigures replaces the figures, re-grades and escalates; it records
// nothing when the figures are the ones stored.
func (e *edit) setFigures(c incident.Counts, loss int64) (incident.Assessment, []incident.ReportTask, []incident.Event, error) {
	before, beforeLoss, beforeGrade := e.inc.Counts, e.inc.Loss, e.inc.Provisional
	a, err := e.inc.SetFigures(c, loss, e.settings.Thresholds)
	if err != nil || (c == before && loss == beforeLoss) {
		return a, nil, nil, err
	}
	events := []incident.Event{e.noted(incident.EventCountsChanged, figuresNote(before, beforeLoss, c, loss))}
	if e.inc.Provisional != beforeGrade {
		events = append(events, e.noted(incident.EventGraded, gradedNote(a)))
	}
	tasks, err := e.escalate(a)
	if err != nil {
		return a, nil, nil, err
	}
	if len(tasks) > 0 {
		events = append(events, e.noted(incident.EventTasksCreated, tasksNote(tasks, e.tree, stationZone(e.tree, e.inc.Station))))
	}
	return a, tasks, events, nil
}

// escalate re-runs the rules from now and stores the deliveries they add
// and the deadlines they bring forward. A new initial delivery from a
// station whose initial report is already signed carries that report: the
// leader signed the document, and the new grade only widens who gets it.
func (e *edit) escalate(a incident.Assessment) ([]incident.ReportTask, error) {
	required := incident.RequiredReports(&e.inc, a, e.tree, e.settings.Rules, e.tx.now)
	added := incident.Diff(e.tasks, required)
	tightened := incident.Tighten(e.tasks, required)
	if len(added) > 0 {
		filed, err := reportsOf(e.tx, e.inc.ID)
		if err != nil {
			return nil, err
		}
		for i := range added {
			t := &added[i]
			for _, r := range filed {
				if r.Kind == incident.KindInitial && r.Station == t.From && r.SignedBy != "" {
					if err := t.Sign(r.ID, r.SignedBy, e.tx.now); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	out := append(added, tightened...)
	for i := range out {
		if err := e.putTask(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// save writes the incident with its next deadline, the events and the
// operation.
func (e *edit) save(kind string, ch change) error {
	e.inc.NextDue = incident.NextDue(e.tasks)
	e.inc.UpdatedAt = e.tx.now
	if err := putIncident(e.tx, &e.inc, &e.stored, e.tasks); err != nil {
		return err
	}
	if err := appendEvents(e.tx, ch.Events); err != nil {
		return err
	}
	ch.Incident = &e.inc
	return appendChange(e.tx, kind, e.tasks, e.named, ch)
}

// lineage returns the stations given and all their ancestors: everything
// validation and the escalation rules look at, for a few reads instead of
// decoding the whole tree. Unknown stations are left out, for validation
// to name.
func lineage(tx *txn, ids ...app.ID) (*app.Tree, error) {
	var uncached *stationCache
	return uncached.lineage(tx, ids...)
}

// stationCache keeps the stations intakes decode, each with the bytes it
// was decoded from. A lookup compares those with the stored bytes, so an
// entry is never stale, and an intake skips decoding the same few stations
// again: a fifth of its time otherwise. A nil cache decodes every time.
type stationCache struct {
	mu sync.Mutex
	m  map[app.ID]cachedStation
}

type cachedStation struct {
	raw     []byte
	station app.Station
}

func (c *stationCache) lineage(tx *txn, ids ...app.ID) (*app.Tree, error) {
	var b *bolt.Bucket
	if c != nil {
		var err error
		if b, err = mustBucket(tx.Tx, bucketStations); err != nil {
			return nil, err
		}
	}
	seen := map[app.ID]bool{}
	var list []app.Station
	for _, id := range ids {
		// The tree is four tiers deep; the bound only guards a damaged file.
		for depth := 0; id != app.NilID && !seen[id] && depth < 16; depth++ {
			s, err := c.station(tx, b, id)
			if app.ErrorCode(err) == app.ENOTFOUND {
				break
			} else if err != nil {
				return nil, err
			}
			seen[id] = true
			list = append(list, s)
			id = s.Parent
		}
	}
	return app.NewTree(list), nil
}

// station reads a station from b, the stations bucket of tx.
func (c *stationCache) station(tx *txn, b *bolt.Bucket, id app.ID) (app.Station, error) {
	if c == nil {
		return findStationByID(tx, id)
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return app.Station{}, app.Errorf(app.ENOTFOUND, "station %s not found", id)
	}
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.station, nil
	}
	s, err := decodeStation(raw)
	if err != nil {
		return app.Station{}, app.Errorf(app.ECORRUPT, "station %s is damaged: %s", id, app.ErrorMessage(err))
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[app.ID]cachedStation{}
	}
	c.m[id] = cachedStation{raw: bytes.Clone(raw), station: s}
	c.mu.Unlock()
	return s, nil
}

// settingsAt returns the settings in force at station: its own, the
// nearest ancestor's, or the defaults. tree must hold its lineage.
func settingsAt(tx *txn, tree *app.Tree, station app.ID) (incident.Settings, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentSettings)
	if err != nil {
		return incident.Settings{}, err
	}
	chain := []app.ID{station}
	for _, a := range tree.Ancestors(station) {
		chain = append(chain, a.ID)
	}
	for _, id := range chain {
		if raw := b.Get(idKey(id)); raw != nil {
			var st incident.Settings
			err := decodeJSON(raw, &st, "the incident settings of station "+id.String())
			return st, err
		}
	}
	return incident.DefaultSettings(), nil
}

// checkWritable returns EFORBIDDEN unless this duty room is station or
// above it (DESIGN.md, "Identity, time, ownership"). Before a station is
// chosen everything is open, as while a new folder is set up. tree must
// hold station's lineage.
func checkWritable(tx *txn, tree *app.Tree, station app.ID) error {
	self, err := identityID(tx.Tx)
	if err != nil || self == app.NilID || tree.IsWithin(station, self) {
		return err
	}
	name := self.String()
	if me, err := findStationByID(tx, self); err == nil {
		name = me.Name
	}
	return app.Errorf(app.EFORBIDDEN, "this duty room (%s) files and changes the incidents of its own station and those below it, not of %s", name, tree.Path(station))
}
