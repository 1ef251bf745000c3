package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
)

// A consultation is stored whole, as the JSON of consult.Record under its
// id in v1/consultations: its state, replies, stays in the room, roll
// calls and answers together. A consultation holds a few dozen of them, so
// one read gives a screen everything.

var bucketConsultations = []byte("consultations")

func createConsultationsV8(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the consultation bucket to")
	}
	if _, err := root.CreateBucketIfNotExists(bucketConsultations); err != nil {
		return fmt.Errorf("create v1/%s: %w", bucketConsultations, err)
	}
	return nil
}

// Consultations keeps video consultations. It implements consult.Service.
type Consultations struct {
	db *DB
}

var _ consult.Service = (*Consultations)(nil)

// NewConsultations returns the consultation service of db.
func NewConsultations(db *DB) *Consultations { return &Consultations{db: db} }

func getConsultation(tx *txn, id app.ID) (*consult.Record, error) {
	b, err := mustBucket(tx.Tx, bucketConsultations)
	if err != nil {
		return nil, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return nil, app.Errorf(app.ENOTFOUND, "no consultation %s here", id)
	}
	var r consult.Record
	if err := unmarshalRecord(raw, &r); err != nil {
		return nil, app.Errorf(app.ECORRUPT, "consultation %s is damaged: %s", id, app.ErrorMessage(err))
	}
	return &r, nil
}

func putConsultation(tx *txn, r *consult.Record) error {
	b, err := mustBucket(tx.Tx, bucketConsultations)
	if err != nil {
		return err
	}
	buf, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := b.Put(idKey(r.Consultation.ID), buf); err != nil {
		return err
	}
	idx, err := mustBucket(tx.Tx, bucketConsultOpen)
	if err != nil {
		return err
	}
	return indexConsultation(idx, &r.Consultation)
}

// sendConsult queues an operation about r for its other stations.
func sendConsult(tx *txn, self app.ID, r *consult.Record, kind string, entity app.ID, payload any) error {
	buf, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return appendAlertOp(tx, kind, entity, buf, app.ScopeNone, r.Consultation.Others(self))
}

// Schedule implements consult.Service.
func (s *Consultations) Schedule(ctx context.Context, c *consult.Consultation) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		n, err := newConsultation(tx, self, tree, *c)
		if err != nil {
			return err
		}
		*c = n
		return nil
	})
}

func newConsultation(tx *txn, self app.ID, tree *app.Tree, c consult.Consultation) (consult.Consultation, error) {
	c.Invited = slices.DeleteFunc(slices.Clone(c.Invited), func(id app.ID) bool { return id == self })
	if err := consult.CanInvite(tree, self, c.Invited); err != nil {
		return c, err
	}
	c.ID, c.Host, c.CreatedAt = app.NewID(), self, tx.now
	c.CreatedBy = strings.TrimSpace(app.AuthorFrom(tx.ctx))
	c.StartedAt, c.EndedAt = time.Time{}, time.Time{}
	kind := consult.OpSchedule
	if c.Scheduled == nil {
		c.State, c.StartedAt, kind = consult.Live, tx.now, consult.OpStart
	} else {
		if err := consult.CheckSchedule(c.Scheduled, tx.now); err != nil {
			return c, err
		}
		at := c.Scheduled.UTC()
		c.Scheduled, c.State = &at, consult.Scheduled
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	r := &consult.Record{Consultation: c}
	if err := putConsultation(tx, r); err != nil {
		return c, err
	}
	if c.State == consult.Live {
		if err := consultEvent(tx, r, incident.EventConsultStarted); err != nil {
			return c, err
		}
	}
	return c, sendConsult(tx, self, r, kind, c.ID, c)
}

// FromIncident implements consult.Service.
func (s *Consultations) FromIncident(ctx context.Context, id app.ID, title string) (*consult.Consultation, error) {
	var out consult.Consultation
	err := s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		inc, err := findIncident(tx, id)
		if err != nil {
			return err
		}
		tasks, err := tasksOf(tx, id)
		if err != nil {
			return err
		}
		line, err := lineage(tx, inc.Station)
		if err != nil {
			return err
		}
		var invited []app.ID
		for _, st := range incident.Audience(&inc, tasks, line) {
			if st != self {
				invited = append(invited, st)
			}
		}
		if len(invited) == 0 {
			return app.FieldErrorf("invited", "no other station holds this incident; invite stations by name instead")
		}
		if strings.TrimSpace(title) == "" {
			title = inc.Title
		}
		if strings.TrimSpace(title) == "" {
			title = "视频会商"
		}
		incID := id
		out, err = newConsultation(tx, self, tree, consult.Consultation{Title: title, Incident: &incID, Invited: invited})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// hosted loads a consultation this station hosts.
func hosted(tx *txn, id app.ID) (app.ID, *consult.Record, error) {
	self, err := identityID(tx.Tx)
	if err != nil {
		return self, nil, err
	}
	r, err := getConsultation(tx, id)
	if err != nil {
		return self, nil, err
	}
	if r.Consultation.Host != self {
		return self, nil, app.Errorf(app.EFORBIDDEN, "only the host station starts, ends and calls the roll of consultation %q", r.Consultation.Title)
	}
	return self, r, nil
}

// taking loads a consultation this station takes part in.
func taking(tx *txn, id app.ID) (app.ID, *consult.Record, error) {
	self, err := identityID(tx.Tx)
	if err != nil {
		return self, nil, err
	}
	r, err := getConsultation(tx, id)
	if err != nil {
		return self, nil, err
	}
	if !r.Consultation.Takes(self) {
		return self, nil, app.Errorf(app.EFORBIDDEN, "this station is not invited to consultation %q", r.Consultation.Title)
	}
	return self, r, nil
}

// Start implements consult.Service.
func (s *Consultations) Start(ctx context.Context, id app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, r, err := hosted(tx, id)
		if err != nil {
			return err
		}
		switch r.Consultation.State {
		case consult.Ended:
			return app.Errorf(app.ECONFLICT, "consultation %q has ended; schedule a new one", r.Consultation.Title)
		case consult.Scheduled:
			r.Consultation.State, r.Consultation.StartedAt = consult.Live, tx.now
			if err := consultEvent(tx, r, incident.EventConsultStarted); err != nil {
				return err
			}
		}
		if err := putConsultation(tx, r); err != nil {
			return err
		}
		// Sent again when live already: the hub reopens the room of a
		// consultation it lost at a restart.
		return sendConsult(tx, self, r, consult.OpStart, id, r.Consultation)
	})
}

// End implements consult.Service.
func (s *Consultations) End(ctx context.Context, id app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, r, err := hosted(tx, id)
		if err != nil {
			return err
		}
		if r.Consultation.State == consult.Ended {
			return nil
		}
		wasLive := r.Consultation.State == consult.Live
		r.Consultation.State, r.Consultation.EndedAt = consult.Ended, tx.now
		if wasLive {
			// The roll call's final result goes on the timeline before
			// the end, as it happened.
			if err := saveRoll(tx, r); err != nil {
				return err
			}
			if err := consultEvent(tx, r, incident.EventConsultEnded); err != nil {
				return err
			}
		}
		if err := putConsultation(tx, r); err != nil {
			return err
		}
		return sendConsult(tx, self, r, consult.OpEnd, id, r.Consultation)
	})
}

// SaveRollCall implements consult.Service.
func (s *Consultations) SaveRollCall(ctx context.Context, id app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		_, r, err := hosted(tx, id)
		if err != nil {
			return err
		}
		before := r.RollSaved
		if err := saveRoll(tx, r); err != nil || r.RollSaved == before {
			return err
		}
		return putConsultation(tx, r)
	})
}

// saveRoll writes r's roll call to its incident's timeline when it has
// calls and its figures differ from those written last; the caller
// stores r. At the end (r ended) a station still within its grace counts
// absent.
func saveRoll(tx *txn, r *consult.Record) error {
	if r.Consultation.Incident == nil || len(r.Calls) == 0 {
		return nil
	}
	n := rollCount(tx, r)
	if r.RollSaved != nil && *r.RollSaved == n {
		return nil
	}
	if err := consultEvent(tx, r, incident.EventConsultRoll); err != nil {
		return err
	}
	r.RollSaved = &n
	return nil
}

func rollCount(tx *txn, r *consult.Record) consult.RollCount {
	if r.Consultation.State == consult.Ended {
		return r.FinalCount(tx.now)
	}
	return r.Count(tx.now)
}

// consultEvent records an event of the consultation r on the timeline of
// the incident it is about, through the incident's own write path, so it
// travels to the stations holding the incident as an incident.event in
// the same transaction as the consultation's change. A consultation about
// an incident this station does not hold (any more) records nothing.
func consultEvent(tx *txn, r *consult.Record, kind incident.EventKind) error {
	c := &r.Consultation
	if c.Incident == nil {
		return nil
	}
	e, err := editIncident(tx, *c.Incident)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	names := func(ids []app.ID) string {
		var out []string
		for _, id := range ids {
			if st, err := findStationByID(tx, id); err == nil {
				out = append(out, st.Name)
			} else {
				out = append(out, id.String())
			}
		}
		return strings.Join(out, ", ")
	}
	f := &incident.ConsultFacts{Consultation: c.ID, Title: c.Title}
	var detail string
	switch kind {
	case incident.EventConsultStarted:
		f.Invited = slices.Clone(c.Invited)
		detail = fmt.Sprintf("video consultation %q started, inviting %s", c.Title, names(c.Invited))
	case incident.EventConsultEnded:
		f.Participants = r.Participants()
		if !c.StartedAt.IsZero() && c.EndedAt.After(c.StartedAt) {
			f.Duration = c.EndedAt.Sub(c.StartedAt).Truncate(time.Second)
		}
		detail = fmt.Sprintf("video consultation %q ended after %s; took part: %s", c.Title, f.Duration, names(f.Participants))
	case incident.EventConsultRoll:
		n := rollCount(tx, r)
		f.Present, f.Late, f.Absent = n.Present, n.Late, n.Absent
		detail = fmt.Sprintf("roll call of video consultation %q: %d present, %d late, %d absent", c.Title, n.Present, n.Late, n.Absent)
	}
	ev := e.event(kind, detail)
	ev.Consult = f
	return e.save(incident.OpIncidentEvent, change{Events: []incident.Event{ev}})
}

// Reply implements consult.Service.
func (s *Consultations) Reply(ctx context.Context, id app.ID, accept bool) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, r, err := taking(tx, id)
		if err != nil {
			return err
		}
		rep := consult.Reply{Consultation: id, Station: self, Accept: accept, Person: app.AuthorFrom(tx.ctx), At: tx.now}
		r.Replies = append(r.Replies, rep)
		if err := putConsultation(tx, r); err != nil {
			return err
		}
		return sendConsult(tx, self, r, consult.OpReply, id, rep)
	})
}

// Joined implements consult.Service.
func (s *Consultations) Joined(ctx context.Context, id app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, r, err := taking(tx, id)
		if err != nil {
			return err
		}
		if r.Consultation.State == consult.Ended {
			return app.Errorf(app.ECONFLICT, "consultation %q has ended", r.Consultation.Title)
		}
		p := consult.Participation{Consultation: id, Station: self, Person: app.AuthorFrom(tx.ctx), Joined: tx.now}
		r.Participations = append(r.Participations, p)
		if err := putConsultation(tx, r); err != nil {
			return err
		}
		return sendConsult(tx, self, r, consult.OpPresence, id, p)
	})
}

// Left implements consult.Service.
func (s *Consultations) Left(ctx context.Context, id app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, r, err := taking(tx, id)
		if err != nil {
			return err
		}
		for i := len(r.Participations) - 1; i >= 0; i-- {
			p := &r.Participations[i]
			if p.Station == self && p.Left.IsZero() {
				p.Left = tx.now
				if err := putConsultation(tx, r); err != nil {
					return err
				}
				return sendConsult(tx, self, r, consult.OpPresence, id, *p)
			}
		}
		return nil // not in the room: nothing to record
	})
}

// CallRoll implements consult.Service.
func (s *Consultations) CallRoll(ctx context.Context, id app.ID, stations []app.ID) (*consult.Call, error) {
	var out consult.Call
	err := s.db.update(ctx, func(tx *txn) error {
		self, r, err := hosted(tx, id)
		if err != nil {
			return err
		}
		if r.Consultation.State != consult.Live {
			return app.Errorf(app.ECONFLICT, "the roll is called while consultation %q is live", r.Consultation.Title)
		}
		if len(stations) == 0 {
			stations = slices.Clone(r.Consultation.Invited)
		}
		for _, st := range stations {
			if !slices.Contains(r.Consultation.Invited, st) {
				return app.Errorf(app.EFORBIDDEN, "station %s is not invited to consultation %q", st, r.Consultation.Title)
			}
		}
		out = consult.Call{ID: app.NewID(), Consultation: id, Stations: stations, At: tx.now, Grace: consult.DefaultGrace}
		r.Calls = append(r.Calls, out)
		if err := putConsultation(tx, r); err != nil {
			return err
		}
		return sendConsult(tx, self, r, consult.OpRollCall, id, out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AnswerRoll implements consult.Service.
func (s *Consultations) AnswerRoll(ctx context.Context, id app.ID) (consult.Status, error) {
	var status consult.Status
	err := s.db.update(ctx, func(tx *txn) error {
		self, r, err := taking(tx, id)
		if err != nil {
			return err
		}
		call := r.OpenCall(self)
		if call == nil {
			return app.Errorf(app.ENOTFOUND, "the host has not called this station's name, or it was answered already")
		}
		a := consult.Answer{Call: call.ID, Consultation: id, Station: self, Person: app.AuthorFrom(tx.ctx), At: tx.now}
		r.Answers = append(r.Answers, a)
		for _, res := range r.Results(tx.now) {
			if res.Station == self {
				status = res.Status
			}
		}
		if err := putConsultation(tx, r); err != nil {
			return err
		}
		return sendConsult(tx, self, r, consult.OpAnswer, id, a)
	})
	return status, err
}

// SaveRecordings implements consult.Service. The hub sends the whole list
// at every file it opens or closes; files the record holds and the list
// no longer names (the hub restarted) stay. An unchanged list is neither
// stored nor sent again.
func (s *Consultations) SaveRecordings(ctx context.Context, list consult.Recordings) error {
	if err := list.Validate(); err != nil {
		return err
	}
	return s.db.update(ctx, func(tx *txn) error {
		self, r, err := hosted(tx, list.Consultation)
		if err != nil {
			return err
		}
		list.Files = consult.MergeFiles(r.Recordings, list.Files)
		if consult.SameFiles(r.Recordings, list.Files) && r.RecordingFolder == list.Folder {
			return nil
		}
		r.Recordings, r.RecordingFolder = list.Files, list.Folder
		if err := putConsultation(tx, r); err != nil {
			return err
		}
		return sendConsult(tx, self, r, consult.OpRecordings, r.Consultation.ID, list)
	})
}

// Record implements consult.Service.
func (s *Consultations) Record(ctx context.Context, id app.ID) (*consult.Record, error) {
	var out *consult.Record
	err := s.db.view(ctx, func(tx *txn) (err error) {
		out, err = getConsultation(tx, id)
		return err
	})
	return out, err
}

// Records implements consult.Service.
func (s *Consultations) Records(ctx context.Context) ([]consult.Record, error) {
	var out []consult.Record
	err := s.db.view(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketConsultations)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var r consult.Record
			if err := unmarshalRecord(v, &r); err != nil {
				return app.Errorf(app.ECORRUPT, "a consultation is damaged: %s", app.ErrorMessage(err))
			}
			out = append(out, r)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Consultation.CreatedAt.After(out[j].Consultation.CreatedAt)
	})
	return out, err
}

// Ringing implements consult.Service. It reads the live consultations
// only (consult_open), not the history.
func (s *Consultations) Ringing(ctx context.Context) ([]consult.Consultation, error) {
	var out []consult.Consultation
	err := s.db.view(ctx, func(tx *txn) error {
		self, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		out, err = ringingFor(tx, self)
		return err
	})
	return out, err
}

// stateRank orders the states a consultation goes through, so an old
// state arriving late does not undo a newer one.
func stateRank(s consult.State) int {
	switch s {
	case consult.Scheduled:
		return 0
	case consult.Live:
		return 1
	}
	return 2
}

// applyConsultOp applies another station's consultation operation. A
// non-empty reason says why it was not applied.
func applyConsultOp(tx *txn, op *app.Operation) (string, error) {
	switch op.Kind {
	case consult.OpSchedule, consult.OpStart, consult.OpEnd:
		var c consult.Consultation
		if err := unmarshalRecord(op.Payload, &c); err != nil {
			return "unreadable consultation: " + app.ErrorMessage(err), nil
		}
		if err := c.Validate(); err != nil {
			return app.ErrorMessage(err), nil
		}
		if c.Host != op.Origin || c.ID != op.Entity {
			return "a consultation changed by a station other than its host", nil
		}
		r, err := getConsultation(tx, c.ID)
		switch {
		case app.ErrorCode(err) == app.ENOTFOUND:
			r = &consult.Record{Consultation: c}
		case err != nil:
			return "", err
		case stateRank(c.State) >= stateRank(r.Consultation.State):
			r.Consultation = c
		default:
			return "", nil // older than what is held
		}
		return "", putConsultation(tx, r)
	}
	r, err := getConsultation(tx, op.Entity)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return "an operation for a consultation this station does not hold", nil
	} else if err != nil {
		return "", err
	}
	c := &r.Consultation
	switch op.Kind {
	case consult.OpReply:
		var x consult.Reply
		if err := unmarshalRecord(op.Payload, &x); err != nil {
			return "unreadable reply: " + app.ErrorMessage(err), nil
		}
		if x.Station != op.Origin || x.Consultation != c.ID || !slices.Contains(c.Invited, x.Station) {
			return "a reply from a station not invited, or for another station", nil
		}
		r.Replies = append(r.Replies, x)
	case consult.OpPresence:
		var x consult.Participation
		if err := unmarshalRecord(op.Payload, &x); err != nil {
			return "unreadable participation: " + app.ErrorMessage(err), nil
		}
		if x.Station != op.Origin || x.Consultation != c.ID || !c.Takes(x.Station) || x.Joined.IsZero() {
			return "a participation from a station not invited, or for another station", nil
		}
		i := slices.IndexFunc(r.Participations, func(p consult.Participation) bool {
			return p.Station == x.Station && p.Joined.Equal(x.Joined)
		})
		if i >= 0 {
			r.Participations[i] = x
		} else {
			r.Participations = append(r.Participations, x)
		}
	case consult.OpRollCall:
		var x consult.Call
		if err := unmarshalRecord(op.Payload, &x); err != nil {
			return "unreadable roll call: " + app.ErrorMessage(err), nil
		}
		if op.Origin != c.Host || x.Consultation != c.ID || x.ID == app.NilID {
			return "a roll call from a station that does not host the consultation", nil
		}
		r.Calls = append(r.Calls, x)
	case consult.OpRecordings:
		var x consult.Recordings
		if err := unmarshalRecord(op.Payload, &x); err != nil {
			return "unreadable list of recorded files: " + app.ErrorMessage(err), nil
		}
		if err := x.Validate(); err != nil {
			return app.ErrorMessage(err), nil
		}
		if op.Origin != c.Host || x.Consultation != c.ID {
			return "a list of recorded files from a station that does not host the consultation", nil
		}
		r.Recordings, r.RecordingFolder = x.Files, x.Folder
	case consult.OpAnswer:
		var x consult.Answer
		if err := unmarshalRecord(op.Payload, &x); err != nil {
			return "unreadable roll-call answer: " + app.ErrorMessage(err), nil
		}
		if x.Station != op.Origin || x.Consultation != c.ID || !slices.Contains(c.Invited, x.Station) {
			return "a roll-call answer from a station not invited, or for another station", nil
		}
		r.Answers = append(r.Answers, x)
	default:
		return "unknown consultation operation " + op.Kind, nil
	}
	return "", putConsultation(tx, r)
}
