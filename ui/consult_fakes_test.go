package ui

import (
	"context"
	"image"
	"slices"
	"sort"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// fakeConsults keeps one station's consultations in memory as the store
// does, with the same rules for who may do what.
type fakeConsults struct {
	mu      sync.Mutex
	self    func() app.ID
	now     func() time.Time
	records []*consult.Record
	replies []consult.Reply
	// incidentStations are whom FromIncident invites.
	incidentStations []app.ID
	rollSaves        int // roll-call results written to an incident's timeline
	// onFromIncident stands for what the store writes on the incident's
	// timeline when a consultation starts from it.
	onFromIncident func(id app.ID)
}

var _ consult.Service = (*fakeConsults)(nil)

func (f *fakeConsults) find(id app.ID) (*consult.Record, error) {
	for _, r := range f.records {
		if r.Consultation.ID == id {
			return r, nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "no consultation %s", id)
}

// receive adds a consultation hosted elsewhere, as if it had arrived.
func (f *fakeConsults) receive(c consult.Consultation) consult.Consultation {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.ID == app.NilID {
		c.ID = app.NewID()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = f.now()
	}
	if c.State == consult.Live && c.StartedAt.IsZero() {
		c.StartedAt = c.CreatedAt
	}
	f.records = append(f.records, &consult.Record{Consultation: c})
	return c
}

func (f *fakeConsults) Schedule(ctx context.Context, c *consult.Consultation) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := consult.CheckSchedule(c.Scheduled, f.now()); err != nil {
		return err
	}
	c.ID, c.Host, c.CreatedAt, c.CreatedBy = app.NewID(), f.self(), f.now(), app.AuthorFrom(ctx)
	c.State = consult.Scheduled
	if c.Scheduled == nil {
		c.State, c.StartedAt = consult.Live, c.CreatedAt
	}
	if err := c.Validate(); err != nil {
		return err
	}
	f.records = append(f.records, &consult.Record{Consultation: *c})
	return nil
}

func (f *fakeConsults) FromIncident(ctx context.Context, id app.ID, title string) (*consult.Consultation, error) {
	if len(f.incidentStations) == 0 {
		return nil, app.Errorf(app.ENOTFOUND, "no incident %s", id)
	}
	if title == "" {
		title = "事件会商"
	}
	if f.onFromIncident != nil {
		f.onFromIncident(id)
	}
	inc := id
	c := consult.Consultation{Title: title, Incident: &inc, Invited: f.incidentStations}
	return &c, f.Schedule(ctx, &c)
}

func (f *fakeConsults) hosted(id app.ID) (*consult.Record, error) {
	r, err := f.find(id)
	if err == nil && r.Consultation.Host != f.self() {
		err = app.Errorf(app.EFORBIDDEN, "only the host")
	}
	return r, err
}

func (f *fakeConsults) Start(ctx context.Context, id app.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.hosted(id)
	if err == nil {
		r.Consultation.State, r.Consultation.StartedAt = consult.Live, f.now()
	}
	return err
}

func (f *fakeConsults) End(ctx context.Context, id app.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.hosted(id)
	if err == nil {
		r.Consultation.State, r.Consultation.EndedAt = consult.Ended, f.now()
	}
	return err
}

func (f *fakeConsults) Reply(ctx context.Context, id app.ID, accept bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.find(id)
	if err != nil {
		return err
	}
	rep := consult.Reply{Consultation: id, Station: f.self(), Accept: accept, Person: app.AuthorFrom(ctx), At: f.now()}
	r.Replies = append(r.Replies, rep)
	f.replies = append(f.replies, rep)
	return nil
}

func (f *fakeConsults) Joined(ctx context.Context, id app.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.find(id)
	if err == nil {
		r.Participations = append(r.Participations, consult.Participation{Consultation: id, Station: f.self(), Person: app.AuthorFrom(ctx), Joined: f.now()})
	}
	return err
}

func (f *fakeConsults) Left(ctx context.Context, id app.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.find(id)
	if err != nil {
		return err
	}
	for i := range r.Participations {
		if p := &r.Participations[i]; p.Station == f.self() && p.Left.IsZero() {
			p.Left = f.now()
		}
	}
	return nil
}

func (f *fakeConsults) CallRoll(ctx context.Context, id app.ID, stations []app.ID) (*consult.Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.hosted(id)
	if err != nil {
		return nil, err
	}
	if len(stations) == 0 {
		stations = slices.Clone(r.Consultation.Invited)
	}
	c := consult.Call{ID: app.NewID(), Consultation: id, Stations: stations, At: f.now(), Grace: consult.DefaultGrace}
	r.Calls = append(r.Calls, c)
	return &c, nil
}

func (f *fakeConsults) SaveRollCall(ctx context.Context, id app.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.hosted(id)
	if err != nil || r.Consultation.Incident == nil || len(r.Calls) == 0 {
		return err
	}
	n := r.Count(f.now())
	if r.RollSaved == nil || *r.RollSaved != n {
		r.RollSaved = &n
		f.rollSaves++
	}
	return nil
}

// answerAs records another station's answer, as if it had arrived.
func (f *fakeConsults) answerAs(id, station app.ID, person string, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, _ := f.find(id)
	if call := r.OpenCall(station); call != nil {
		r.Answers = append(r.Answers, consult.Answer{Call: call.ID, Consultation: id, Station: station, Person: person, At: at})
	}
}

func (f *fakeConsults) AnswerRoll(ctx context.Context, id app.ID) (consult.Status, error) {
	f.mu.Lock()
	r, err := f.find(id)
	f.mu.Unlock()
	if err != nil {
		return "", err
	}
	if r.OpenCall(f.self()) == nil {
		return "", app.Errorf(app.ENOTFOUND, "not called")
	}
	f.answerAs(id, f.self(), app.AuthorFrom(ctx), f.now())
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, res := range r.Results(f.now()) {
		if res.Station == f.self() {
			return res.Status, nil
		}
	}
	return "", nil
}

func (f *fakeConsults) SaveRecordings(ctx context.Context, list consult.Recordings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.find(list.Consultation)
	if err != nil {
		return err
	}
	if r.Consultation.Host != f.self() {
		return app.Errorf(app.EFORBIDDEN, "not the host")
	}
	r.Recordings, r.RecordingFolder = list.Files, list.Folder
	return nil
}

func (f *fakeConsults) Record(ctx context.Context, id app.ID) (*consult.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, err := f.find(id)
	if err != nil {
		return nil, err
	}
	c := *r
	return &c, nil
}

func (f *fakeConsults) Records(ctx context.Context) ([]consult.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []consult.Record
	for i := len(f.records) - 1; i >= 0; i-- {
		out = append(out, *f.records[i])
	}
	return out, nil
}

func (f *fakeConsults) Ringing(ctx context.Context) ([]consult.Consultation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []consult.Consultation
	for _, r := range f.records {
		c := r.Consultation
		if c.State == consult.Live && slices.Contains(c.Invited, f.self()) &&
			!slices.ContainsFunc(r.Replies, func(x consult.Reply) bool { return x.Station == f.self() }) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeConsults) Scheduled(ctx context.Context, from, to time.Time) ([]consult.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []consult.Record
	for _, r := range f.records {
		c := r.Consultation
		if c.State == consult.Scheduled && c.Scheduled != nil && !c.Scheduled.Before(from) && !c.Scheduled.After(to) {
			out = append(out, *r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Consultation.Scheduled.Before(*out[j].Consultation.Scheduled) })
	return out, nil
}

// fakeMedia is the room as the window sees it: the test plays the
// engine's part through the sink it was given.
type fakeMedia struct {
	mu     sync.Mutex
	sink   consult.Sink
	joined []app.ID
	left   int
	muted  bool
	camera bool
	// records are the recording switches asked for; refuse is the hub's
	// answer to them, nil for yes.
	records []bool
	refuse  error
}

var _ consult.Media = (*fakeMedia)(nil)

func (m *fakeMedia) Join(ctx context.Context, id app.ID, sink consult.Sink) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sink, m.joined, m.camera = sink, append(m.joined, id), true
	return nil
}

func (m *fakeMedia) Leave() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.left++
	return nil
}

func (m *fakeMedia) SetMuted(muted bool) { m.mu.Lock(); m.muted = muted; m.mu.Unlock() }
func (m *fakeMedia) SetCamera(on bool)   { m.mu.Lock(); m.camera = on; m.mu.Unlock() }

func (m *fakeMedia) SetRecording(ctx context.Context, on bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records = append(m.records, on)
	return m.refuse
}

// frame is a picture of one flat colour, so a test can tell whose it is.
func solidFrame(participant string, station app.ID, y uint8) consult.Frame {
	img := image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = y
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128, 128
	}
	return consult.Frame{Participant: participant, Station: station, Image: img, At: time.Now()}
}
