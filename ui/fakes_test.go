package ui

import (
	"context"
	"io"
	"sort"
	"sync"
	"time"

	"dutyroom/app"
)

// fakeStore keeps the directory in memory and keeps the rules of the real
// store that the screens depend on: validation, placement, unique codes,
// refusing to delete a station with something under it, and one queued
// operation per change.
type fakeStore struct {
	mu       sync.Mutex
	stations map[app.ID]app.Station
	persons  map[app.ID]app.Person
	identity app.ID
	queued   int
	backup   []byte
	failNext error    // returned by the next service call, then cleared
	authors  []string // who made each change
	rosters  *fakeRosters
	clock    func() time.Time // nil: the real time
	author   string           // who sits at the keyboard
}

func newFakeStore() *fakeStore {
	f := &fakeStore{stations: map[app.ID]app.Station{}, persons: map[app.ID]app.Person{}}
	f.rosters = newFakeRosters(f)
	return f
}

func (f *fakeStore) services() Services {
	return Services{Stations: f, Persons: f, Identity: f, Backup: f, Outbox: f, Rosters: f.rosters,
		RosterImporter: f.rosters, Notices: f.rosters, Clock: f.clock, Author: f.author}
}

func (f *fakeStore) takeFailure() error {
	err := f.failNext
	f.failNext = nil
	return err
}

// addStation and addPerson set up a test's data without queueing operations.
func (f *fakeStore) addStation(name, code string, tier app.Tier, parent app.ID) app.Station {
	s := app.Station{ID: app.NewID(), Name: name, Code: code, Tier: tier, Parent: parent}
	if err := s.Validate(); err != nil {
		panic(err)
	}
	f.stations[s.ID] = s
	return s
}

func (f *fakeStore) addPerson(station app.ID, name, title, mobile, office string, roles ...app.Role) app.Person {
	p := app.Person{ID: app.NewID(), Station: station, Name: name, Title: title, Mobile: mobile, Office: office, Roles: roles}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	f.persons[p.ID] = p
	return p
}

func (f *fakeStore) person(id app.ID) (app.Person, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.persons[id]
	return p, ok
}

func (f *fakeStore) personCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.persons)
}

func (f *fakeStore) FindStationByID(_ context.Context, id app.ID) (*app.Station, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.stations[id]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "no station %s", id)
	}
	return &s, nil
}

func (f *fakeStore) FindStationByCode(_ context.Context, code string) (*app.Station, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.stations {
		if s.Code == code {
			return &s, nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "no station with code %s", code)
}

func (f *fakeStore) Stations(context.Context) ([]app.Station, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure(); err != nil {
		return nil, err
	}
	out := make([]app.Station, 0, len(f.stations))
	for _, s := range f.stations {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Tier != out[j].Tier {
			return out[i].Tier < out[j].Tier
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

func (f *fakeStore) checkStation(s *app.Station) error {
	if err := s.Validate(); err != nil {
		return err
	}
	var parent *app.Station
	if p, ok := f.stations[s.Parent]; ok {
		parent = &p
	}
	if err := app.CheckPlacement(s, parent); err != nil {
		return err
	}
	for _, o := range f.stations {
		if o.Code == s.Code && o.ID != s.ID {
			return &app.Error{Code: app.ECONFLICT, Field: "code", Message: "station code " + s.Code + " is in use"}
		}
	}
	return nil
}

func (f *fakeStore) CreateStation(_ context.Context, s *app.Station) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure(); err != nil {
		return err
	}
	s.ID = app.NewID()
	if err := f.checkStation(s); err != nil {
		return err
	}
	s.CreatedAt = time.Now().UTC()
	s.UpdatedAt = s.CreatedAt
	f.stations[s.ID] = *s
	f.queued++
	return nil
}

func (f *fakeStore) UpdateStation(_ context.Context, s *app.Station) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.stations[s.ID]
	if !ok {
		return app.Errorf(app.ENOTFOUND, "no station %s", s.ID)
	}
	s.Tier, s.Parent = old.Tier, old.Parent
	if err := f.checkStation(s); err != nil {
		return err
	}
	s.UpdatedAt = time.Now().UTC()
	f.stations[s.ID] = *s
	f.queued++
	return nil
}

func (f *fakeStore) DeleteStation(_ context.Context, id app.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.stations[id]; !ok {
		return app.Errorf(app.ENOTFOUND, "no station %s", id)
	}
	for _, s := range f.stations {
		if s.Parent == id {
			return app.Errorf(app.ECONFLICT, "station has child stations")
		}
	}
	for _, p := range f.persons {
		if p.Station == id {
			return app.Errorf(app.ECONFLICT, "station has people")
		}
	}
	delete(f.stations, id)
	f.queued++
	return nil
}

func (f *fakeStore) FindPersonByID(_ context.Context, id app.ID) (*app.Person, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.persons[id]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "no person %s", id)
	}
	return &p, nil
}

func (f *fakeStore) Persons(_ context.Context, filter app.PersonFilter) ([]app.Person, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure(); err != nil {
		return nil, err
	}
	var out []app.Person
	for _, p := range f.persons {
		if filter.Station != nil && p.Station != *filter.Station {
			continue
		}
		if filter.Role != nil && !p.Has(*filter.Role) {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Station != out[j].Station {
			return out[i].Station.String() < out[j].Station.String()
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func (f *fakeStore) checkPerson(p *app.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if _, ok := f.stations[p.Station]; !ok {
		return app.Errorf(app.ENOTFOUND, "no station %s", p.Station)
	}
	return nil
}

func (f *fakeStore) CreatePerson(ctx context.Context, p *app.Person) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure(); err != nil {
		return err
	}
	if err := f.checkPerson(p); err != nil {
		return err
	}
	f.authors = append(f.authors, app.AuthorFrom(ctx))
	p.ID = app.NewID()
	p.CreatedAt = time.Now().UTC()
	p.UpdatedAt = p.CreatedAt
	f.persons[p.ID] = *p
	f.queued++
	return nil
}

func (f *fakeStore) UpdatePerson(_ context.Context, p *app.Person) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.persons[p.ID]; !ok {
		return app.Errorf(app.ENOTFOUND, "no person %s", p.ID)
	}
	if err := f.checkPerson(p); err != nil {
		return err
	}
	p.UpdatedAt = time.Now().UTC()
	f.persons[p.ID] = *p
	f.queued++
	return nil
}

func (f *fakeStore) DeletePerson(_ context.Context, id app.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.persons[id]; !ok {
		return app.Errorf(app.ENOTFOUND, "no person %s", id)
	}
	delete(f.persons, id)
	f.queued++
	return nil
}

func (f *fakeStore) Identity(context.Context) (*app.Station, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.stations[f.identity]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "this station is not set")
	}
	return &s, nil
}

func (f *fakeStore) SetIdentity(_ context.Context, id app.ID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.stations[id]; !ok {
		return app.Errorf(app.ENOTFOUND, "no station %s", id)
	}
	f.identity = id
	return nil
}

func (f *fakeStore) Backup(_ context.Context, w io.Writer) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure(); err != nil {
		return 0, err
	}
	n, err := w.Write(f.backup)
	return int64(n), err
}

func (f *fakeStore) Path() string { return "/var/lib/dutyroom/dutyroom.db" }

func (f *fakeStore) Outbox(context.Context, uint64, int) ([]app.Operation, error) {
	return nil, nil
}

func (f *fakeStore) OutboxLen(context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queued, nil
}
