package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/assets/calendar"
)

// fakeRosters keeps rosters and the duty log in memory and keeps the rules
// of the real store the screens depend on, through the same domain checks:
// settings, periods and absences validate; assignments pass CheckAssignment
// against every duty and absence; swaps pass CheckSwap and CanDecide; only
// this station and those below it may be changed; a published month
// returns the people to notify and keeps a notice for each, worded as the
// store words them; imports are all or nothing; check-ins need a post that
// day.
type fakeRosters struct {
	f *fakeStore

	mu        sync.Mutex
	cal       *roster.Calendar
	settings  map[app.ID]roster.Settings
	specials  map[app.ID]roster.SpecialPeriod
	absences  map[app.ID]roster.Absence
	assigned  map[slotKey]roster.Assignment
	changes   []roster.Change
	rosters   map[monthKey]roster.Roster
	swaps     map[app.ID]roster.SwapRequest
	log       []roster.LogEntry
	checkIns  []roster.CheckIn
	handovers map[dayKey]roster.Handover
	notices   map[app.ID][]roster.Notice // each person's, oldest first
}

type slotKey struct {
	station app.ID
	day     roster.Date
	post    roster.Post
}

type monthKey struct {
	station app.ID
	month   roster.Month
}

type dayKey struct {
	station app.ID
	day     roster.Date
}

func newFakeRosters(f *fakeStore) *fakeRosters {
	cal, err := roster.ParseCalendar(bytes.NewReader(calendar.Default()))
	if err != nil {
		panic(err)
	}
	return &fakeRosters{
		f:         f,
		cal:       cal,
		settings:  map[app.ID]roster.Settings{},
		specials:  map[app.ID]roster.SpecialPeriod{},
		absences:  map[app.ID]roster.Absence{},
		assigned:  map[slotKey]roster.Assignment{},
		rosters:   map[monthKey]roster.Roster{},
		swaps:     map[app.ID]roster.SwapRequest{},
		handovers: map[dayKey]roster.Handover{},
		notices:   map[app.ID][]roster.Notice{},
	}
}

// put sets up a test's roster without checks or history.
func (r *fakeRosters) put(station app.ID, day string, post roster.Post, person app.ID) {
	d, err := roster.ParseDate(day)
	if err != nil {
		panic(err)
	}
	r.assigned[slotKey{station, d, post}] = roster.Assignment{Station: station, Day: d, Post: post, Person: person}
}

func (r *fakeRosters) holder(station app.ID, day string, post roster.Post) app.ID {
	d, _ := roster.ParseDate(day)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.assigned[slotKey{station, d, post}].Person
}

func (r *fakeRosters) station(id app.ID) (app.Station, bool) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	s, ok := r.f.stations[id]
	return s, ok
}

// mayChange applies the ownership rule: this station and its descendants.
func (r *fakeRosters) mayChange(id app.ID) error {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if _, ok := r.f.stations[id]; !ok {
		return app.Errorf(app.ENOTFOUND, "no station %s", id)
	}
	for s, ok := r.f.stations[id]; ok; s, ok = r.f.stations[s.Parent] {
		if s.ID == r.f.identity {
			return nil
		}
	}
	return app.Errorf(app.EFORBIDDEN, "station %s is not this one or below it", id)
}

func (r *fakeRosters) now() time.Time { return time.Now().UTC() }

func (r *fakeRosters) Calendar(context.Context) (*roster.Calendar, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cal.Clone(), nil
}

func (r *fakeRosters) ImportCalendar(_ context.Context, in io.Reader) ([]int, error) {
	c, err := roster.ParseCalendar(in)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cal.Merge(c)
	return c.Years(), nil
}

func (r *fakeRosters) SetCalendarDay(_ context.Context, d roster.Date, kind roster.DayKind, name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cal.SetDay(d, kind, name)
}

func (r *fakeRosters) Settings(_ context.Context, station app.ID) (roster.Settings, error) {
	if _, ok := r.station(station); !ok {
		return roster.Settings{}, app.Errorf(app.ENOTFOUND, "no station %s", station)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.settings[station]; ok {
		return s, nil
	}
	return roster.DefaultSettings(), nil
}

func (r *fakeRosters) SetSettings(_ context.Context, station app.ID, s roster.Settings) error {
	if err := r.mayChange(station); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.settings[station] = s
	return nil
}

func (r *fakeRosters) settingsOf(station app.ID) roster.Settings {
	if s, ok := r.settings[station]; ok {
		return s
	}
	return roster.DefaultSettings()
}

func (r *fakeRosters) SpecialPeriods(_ context.Context, station app.ID, from, to roster.Date) ([]roster.SpecialPeriod, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.specialsOf(station, from, to), nil
}

func (r *fakeRosters) specialsOf(station app.ID, from, to roster.Date) []roster.SpecialPeriod {
	var out []roster.SpecialPeriod
	for _, p := range r.specials {
		if p.Station == station && !p.To.Before(from) && !p.From.After(to) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out
}

func (r *fakeRosters) checkSpecial(p *roster.SpecialPeriod) error {
	if err := p.Validate(); err != nil {
		return err
	}
	for _, o := range r.specials {
		if o.ID != p.ID && o.Station == p.Station && !o.To.Before(p.From) && !o.From.After(p.To) {
			return app.Errorf(app.ECONFLICT, "overlaps %s", o.Name)
		}
	}
	return nil
}

func (r *fakeRosters) CreateSpecialPeriod(_ context.Context, p *roster.SpecialPeriod) error {
	if err := r.mayChange(p.Station); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p.ID = app.NewID()
	if err := r.checkSpecial(p); err != nil {
		return err
	}
	r.specials[p.ID] = *p
	return nil
}

func (r *fakeRosters) UpdateSpecialPeriod(_ context.Context, p *roster.SpecialPeriod) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.specials[p.ID]; !ok {
		return app.Errorf(app.ENOTFOUND, "no period %s", p.ID)
	}
	if err := r.checkSpecial(p); err != nil {
		return err
	}
	r.specials[p.ID] = *p
	return nil
}

func (r *fakeRosters) DeleteSpecialPeriod(_ context.Context, id app.ID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.specials[id]; !ok {
		return app.Errorf(app.ENOTFOUND, "no period %s", id)
	}
	delete(r.specials, id)
	return nil
}

func (r *fakeRosters) Absences(_ context.Context, f roster.AbsenceFilter) ([]roster.Absence, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.absencesWhere(f), nil
}

func (r *fakeRosters) absencesWhere(f roster.AbsenceFilter) []roster.Absence {
	var out []roster.Absence
	for _, a := range r.absences {
		switch {
		case f.Station != nil && a.Station != *f.Station,
			f.Person != nil && a.Person != *f.Person,
			f.From != nil && a.To.Before(*f.From),
			f.To != nil && a.From.After(*f.To):
			continue
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out
}

func (r *fakeRosters) checkAbsence(a *roster.Absence) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if _, ok := r.f.person(a.Person); !ok {
		return app.Errorf(app.ENOTFOUND, "no person %s", a.Person)
	}
	for _, d := range r.assigned {
		if d.Person == a.Person && a.Covers(d.Day) {
			return app.Errorf(app.ECONFLICT, "on duty on %s", d.Day)
		}
	}
	return nil
}

func (r *fakeRosters) CreateAbsence(_ context.Context, a *roster.Absence) error {
	if err := r.mayChange(a.Station); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a.ID = app.NewID()
	if err := r.checkAbsence(a); err != nil {
		return err
	}
	r.absences[a.ID] = *a
	return nil
}

func (r *fakeRosters) UpdateAbsence(_ context.Context, a *roster.Absence) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.absences[a.ID]; !ok {
		return app.Errorf(app.ENOTFOUND, "no absence %s", a.ID)
	}
	if err := r.checkAbsence(a); err != nil {
		return err
	}
	r.absences[a.ID] = *a
	return nil
}

func (r *fakeRosters) DeleteAbsence(_ context.Context, id app.ID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.absences[id]; !ok {
		return app.Errorf(app.ENOTFOUND, "no absence %s", id)
	}
	delete(r.absences, id)
	return nil
}

func (r *fakeRosters) where(keep func(roster.Assignment) bool) []roster.Assignment {
	var out []roster.Assignment
	for _, a := range r.assigned {
		if keep(a) {
			out = append(out, a)
		}
	}
	roster.SortAssignments(out)
	return out
}

func (r *fakeRosters) Assignments(_ context.Context, station app.ID, from, to roster.Date) ([]roster.Assignment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.where(func(a roster.Assignment) bool { return a.Station == station && a.Day.Within(from, to) }), nil
}

func (r *fakeRosters) PersonDuties(_ context.Context, person app.ID, from, to roster.Date) ([]roster.Assignment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.where(func(a roster.Assignment) bool { return a.Person == person && a.Day.Within(from, to) }), nil
}

// history keeps changes in the history.
func (r *fakeRosters) history(ctx context.Context, cs []roster.Change) {
	for i := range cs {
		cs[i].ID = app.NewID()
		if cs[i].At.IsZero() {
			cs[i].At = r.now()
		}
		if cs[i].Author == "" {
			cs[i].Author = app.AuthorFrom(ctx)
		}
		r.changes = append(r.changes, cs[i])
	}
}

// record keeps changes in the history and, as the store does, a notice for
// everyone a change to a published month gives or takes a duty, and
// returns them.
func (r *fakeRosters) record(ctx context.Context, cs []roster.Change) []app.ID {
	r.history(ctx, cs)
	var published []roster.Change
	for _, c := range cs {
		if r.rosters[monthKey{c.Station, roster.MonthOf(c.Day)}].State == roster.StatePublished {
			published = append(published, c)
		}
	}
	for _, c := range published {
		st, _ := r.station(c.Station)
		msg := fmt.Sprintf("%s %s %s: %s → %s", st.Name, c.Day, c.Post, r.personName(c.Before), r.personName(c.After))
		if c.Reason != "" {
			msg += " (" + c.Reason + ")"
		}
		for _, id := range []app.ID{c.Before, c.After} {
			if id != app.NilID {
				r.putNotice(roster.Notice{Person: id, Station: c.Station, Kind: roster.NoticeChanged,
					Month: roster.MonthOf(c.Day), Day: c.Day, Post: c.Post, Message: msg,
					Facts: roster.NoticeFacts{Before: r.holderName(c.Before), After: r.holderName(c.After), Reason: c.Reason}})
			}
		}
	}
	return roster.Affected(published)
}

// holderName is personName with "" for nobody, as the store's notice
// facts have it.
func (r *fakeRosters) holderName(id app.ID) string {
	if id == app.NilID {
		return ""
	}
	return r.personName(id)
}

func (r *fakeRosters) personName(id app.ID) string {
	if id == app.NilID {
		return "(empty)"
	}
	if p, ok := r.f.person(id); ok {
		return p.Name
	}
	return "(" + id.String()[:8] + ")"
}

func (r *fakeRosters) putNotice(n roster.Notice) {
	n.ID, n.At = app.NewID(), r.now()
	r.notices[n.Person] = append(r.notices[n.Person], n)
}

func (r *fakeRosters) Notices(_ context.Context, person app.ID, unreadOnly bool) ([]roster.Notice, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []roster.Notice
	ns := r.notices[person]
	for i := len(ns) - 1; i >= 0; i-- {
		if !unreadOnly || !ns[i].Read {
			out = append(out, ns[i])
		}
	}
	return out, nil
}

func (r *fakeRosters) MarkNoticeRead(_ context.Context, person, id app.ID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, n := range r.notices[person] {
		if n.ID == id {
			r.notices[person][i].Read = true
			return nil
		}
	}
	return app.Errorf(app.ENOTFOUND, "notice %s not found", id)
}

// ImportAssignments checks the whole batch as the store does before it
// changes anything: the range, the station, each assignment on its own, a
// post given twice, unknown people, then CheckAssignment against the batch
// and the stored duties outside what the batch replaces, and a duty at
// another station that day.
func (r *fakeRosters) ImportAssignments(ctx context.Context, station app.ID, from, to roster.Date, as []roster.Assignment, reason string) ([]string, []app.ID, error) {
	switch {
	case !from.Valid():
		return nil, nil, app.FieldErrorf("from", "a valid start date is required")
	case !to.Valid():
		return nil, nil, app.FieldErrorf("to", "a valid end date is required")
	case to.Before(from):
		return nil, nil, app.FieldErrorf("to", "%s is before %s", to, from)
	}
	if err := r.mayChange(station); err != nil {
		return nil, nil, err
	}
	batch := make([]roster.Assignment, len(as))
	mine := map[app.ID][]roster.Assignment{}
	seen := map[slotKey]bool{}
	for i, a := range as {
		a.Manual = true
		batch[i] = a
		switch {
		case a.Station != station:
			return nil, nil, app.FieldErrorf("station", "an assignment on %s is for another station", a.Day)
		case !a.Day.Within(from, to):
			return nil, nil, app.FieldErrorf("day", "an assignment on %s lies outside %s to %s", a.Day, from, to)
		}
		if err := a.Validate(); err != nil {
			return nil, nil, err
		}
		k := slotKey{a.Station, a.Day, a.Post}
		if seen[k] {
			return nil, nil, app.FieldErrorf("post", "the %s post on %s is given twice", a.Post, a.Day)
		}
		seen[k] = true
		mine[a.Person] = append(mine[a.Person], a)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rest := r.settingsOf(station).MinRestDays
	var warnings []string
	for _, a := range batch {
		p, ok := r.f.person(a.Person)
		if !ok {
			return nil, nil, app.Errorf(app.ENOTFOUND, "no person %s", a.Person)
		}
		lo, hi := a.Day.AddDays(-rest), a.Day.AddDays(rest)
		duties := append([]roster.Assignment(nil), mine[a.Person]...)
		duties = append(duties, r.where(func(d roster.Assignment) bool {
			return d.Person == a.Person && d.Day.Within(lo, hi) && (d.Station != station || !d.Day.Within(from, to))
		})...)
		away := r.absencesWhere(roster.AbsenceFilter{Person: &a.Person, From: &a.Day, To: &a.Day})
		w, err := roster.CheckAssignment(a, &p, duties, away, rest)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", a.Day, a.Post, err)
		}
		warnings = append(warnings, w...)
	}
	existing := r.where(func(a roster.Assignment) bool { return a.Station == station && a.Day.Within(from, to) })
	roster.SortAssignments(batch)
	changes := roster.Diff(existing, batch)
	for _, c := range changes {
		if c.After == app.NilID {
			continue
		}
		if len(r.where(func(d roster.Assignment) bool { return d.Person == c.After && d.Day == c.Day && d.Station != station })) > 0 {
			return nil, nil, app.Errorf(app.ECONFLICT, "%s is on duty at another station on %s", r.personName(c.After), c.Day)
		}
	}
	for _, a := range existing {
		delete(r.assigned, slotKey{a.Station, a.Day, a.Post})
	}
	for _, a := range batch {
		r.assigned[slotKey{a.Station, a.Day, a.Post}] = a
	}
	for i := range changes {
		changes[i].Reason = reason
	}
	return warnings, r.record(ctx, changes), nil
}

func (r *fakeRosters) SetAssignment(ctx context.Context, a roster.Assignment, reason string) ([]string, []app.ID, error) {
	if err := r.mayChange(a.Station); err != nil {
		return nil, nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, nil, err
	}
	p, ok := r.f.person(a.Person)
	if !ok {
		return nil, nil, app.Errorf(app.ENOTFOUND, "no person %s", a.Person)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rest := r.settingsOf(a.Station).MinRestDays
	lo, hi := a.Day.AddDays(-rest), a.Day.AddDays(rest)
	duties := r.where(func(d roster.Assignment) bool { return d.Person == a.Person && d.Day.Within(lo, hi) })
	absences := r.absencesWhere(roster.AbsenceFilter{Person: &a.Person})
	a.Manual = true
	warnings, err := roster.CheckAssignment(a, &p, duties, absences, rest)
	if err != nil {
		return nil, nil, err
	}
	k := slotKey{a.Station, a.Day, a.Post}
	before := r.assigned[k].Person
	r.assigned[k] = a
	notify := r.record(ctx, []roster.Change{{Station: a.Station, Day: a.Day, Post: a.Post, Before: before, After: a.Person, Reason: reason}})
	return warnings, notify, nil
}

func (r *fakeRosters) ClearAssignment(ctx context.Context, station app.ID, day roster.Date, post roster.Post, reason string) ([]app.ID, error) {
	if err := r.mayChange(station); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := slotKey{station, day, post}
	old, ok := r.assigned[k]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "post %s on %s is empty", post, day)
	}
	delete(r.assigned, k)
	return r.record(ctx, []roster.Change{{Station: station, Day: day, Post: post, Before: old.Person, Reason: reason}}), nil
}

func (r *fakeRosters) SaveGenerated(ctx context.Context, station app.ID, from, to roster.Date, as []roster.Assignment) ([]app.ID, error) {
	if err := r.mayChange(station); err != nil {
		return nil, err
	}
	for i := range as {
		if err := as[i].Validate(); err != nil {
			return nil, err
		}
		if as[i].Station != station || !as[i].Day.Within(from, to) {
			return nil, app.Errorf(app.EINVALID, "assignment outside %s..%s", from, to)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	before := r.where(func(a roster.Assignment) bool { return a.Station == station && a.Day.Within(from, to) })
	kept := map[slotKey]app.ID{}
	for _, a := range as {
		if a.Manual {
			kept[slotKey{a.Station, a.Day, a.Post}] = a.Person
		}
	}
	for _, a := range before {
		if a.Manual && kept[slotKey{a.Station, a.Day, a.Post}] != a.Person {
			return nil, app.Errorf(app.ECONFLICT, "the manual %s of %s changed since generating", a.Post, a.Day)
		}
	}
	for _, a := range before {
		delete(r.assigned, slotKey{a.Station, a.Day, a.Post})
	}
	for _, a := range as {
		r.assigned[slotKey{a.Station, a.Day, a.Post}] = a
	}
	changes := roster.Diff(before, as)
	for i := range changes {
		changes[i].Reason = "generated" // as the store words it
	}
	return r.record(ctx, changes), nil
}

func (r *fakeRosters) History(_ context.Context, station app.ID, day roster.Date) ([]roster.Change, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []roster.Change
	for _, c := range r.changes {
		if c.Station == station && c.Day == day {
			out = append(out, c)
		}
	}
	return out, nil
}

func (r *fakeRosters) Roster(_ context.Context, station app.ID, m roster.Month) (*roster.Roster, error) {
	if _, ok := r.station(station); !ok {
		return nil, app.Errorf(app.ENOTFOUND, "no station %s", station)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ro, ok := r.rosters[monthKey{station, m}]; ok {
		return &ro, nil
	}
	return &roster.Roster{Station: station, Month: m, State: roster.StateDraft}, nil
}

func (r *fakeRosters) Publish(ctx context.Context, station app.ID, m roster.Month, allowGaps bool) ([]app.ID, error) {
	if err := r.mayChange(station); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	settings := r.settingsOf(station)
	periods := r.specialsOf(station, m.First(), m.Last())
	gaps := 0
	for d := m.First(); !d.After(m.Last()); d = d.AddDays(1) {
		for _, p := range settings.TemplateFor(roster.Classify(r.cal, periods, d)).Posts() {
			if _, ok := r.assigned[slotKey{station, d, p}]; !ok {
				gaps++
			}
		}
	}
	if gaps > 0 && !allowGaps {
		return nil, app.Errorf(app.EINVALID, "%d posts are empty", gaps)
	}
	r.rosters[monthKey{station, m}] = roster.Roster{Station: station, Month: m, State: roster.StatePublished,
		PublishedAt: r.now(), PublishedBy: app.AuthorFrom(ctx)}
	duties := map[app.ID][]string{}
	slots := map[app.ID][]roster.NamedSlot{}
	var notify []app.ID
	for _, a := range r.where(func(a roster.Assignment) bool { return a.Station == station && roster.MonthOf(a.Day) == m }) {
		if _, ok := duties[a.Person]; !ok {
			notify = append(notify, a.Person)
		}
		duties[a.Person] = append(duties[a.Person], a.Day.String()+" "+a.Post.String())
		slots[a.Person] = append(slots[a.Person], roster.NamedSlot{Day: a.Day, Post: a.Post})
	}
	st, _ := r.station(station)
	for _, id := range notify {
		r.putNotice(roster.Notice{Person: id, Station: station, Kind: roster.NoticePublished, Month: m,
			Message: fmt.Sprintf("%s roster for %s published; your duties: %s", st.Name, m, strings.Join(duties[id], ", ")),
			Facts:   roster.NoticeFacts{Duties: slots[id]}})
	}
	return notify, nil
}

func (r *fakeRosters) holds(s roster.Slot, station app.ID) bool {
	return r.assigned[slotKey{station, s.Day, s.Post}].Person == s.Person
}

// checkSides checks each person may take the other's post as if set by
// hand: not away that day and on no other post, the one given up aside.
func (r *fakeRosters) checkSides(s roster.SwapRequest, first, second app.Person) error {
	rest := r.settingsOf(s.Station).MinRestDays
	for _, side := range []struct {
		p           app.Person
		gives, gets roster.Slot
	}{{first, s.First, s.Second}, {second, s.Second, s.First}} {
		duties := r.where(func(d roster.Assignment) bool {
			return d.Person == side.p.ID && !(d.Station == s.Station && d.Day == side.gives.Day && d.Post == side.gives.Post)
		})
		away := r.absencesWhere(roster.AbsenceFilter{Person: &side.p.ID})
		a := roster.Assignment{Station: s.Station, Day: side.gets.Day, Post: side.gets.Post, Person: side.p.ID, Manual: true}
		if _, err := roster.CheckAssignment(a, &side.p, duties, away, rest); err != nil {
			return err
		}
	}
	return nil
}

func (r *fakeRosters) RequestSwap(ctx context.Context, s *roster.SwapRequest) error {
	if err := r.mayChange(s.Station); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	first, ok1 := r.f.person(s.First.Person)
	second, ok2 := r.f.person(s.Second.Person)
	if !ok1 || !ok2 {
		return app.Errorf(app.ENOTFOUND, "a person of the swap is unknown")
	}
	if err := roster.CheckSwap(s, &first, &second); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.holds(s.First, s.Station) || !r.holds(s.Second, s.Station) {
		return app.Errorf(app.ECONFLICT, "a slot is not held as stated")
	}
	if err := r.checkSides(*s, first, second); err != nil {
		return err
	}
	s.ID = app.NewID()
	s.State = roster.SwapPending
	s.RequestedBy = app.AuthorFrom(ctx)
	if s.RequestedAt.IsZero() {
		s.RequestedAt = r.now()
	}
	r.swaps[s.ID] = *s
	return nil
}

func (r *fakeRosters) SwapRequests(_ context.Context, station app.ID, state roster.SwapState) ([]roster.SwapRequest, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []roster.SwapRequest
	for _, s := range r.swaps {
		if s.Station == station && (state == "" || s.State == state) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RequestedAt.After(out[j].RequestedAt) })
	return out, nil
}

// decide checks a decision on a pending swap and returns it.
func (r *fakeRosters) decide(id, leader app.ID) (roster.SwapRequest, error) {
	s, ok := r.swaps[id]
	if !ok {
		return s, app.Errorf(app.ENOTFOUND, "no swap %s", id)
	}
	p, ok := r.f.person(leader)
	var who *app.Person
	if ok {
		who = &p
	}
	if err := roster.CanDecide(&s, who); err != nil {
		return s, err
	}
	if s.State != roster.SwapPending {
		return s, app.Errorf(app.ECONFLICT, "the swap is %s", s.State)
	}
	return s, nil
}

func (r *fakeRosters) ApproveSwap(ctx context.Context, id, leader app.ID, note string) ([]app.ID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.decide(id, leader)
	if err != nil {
		return nil, err
	}
	if !r.holds(s.First, s.Station) || !r.holds(s.Second, s.Station) {
		return nil, app.Errorf(app.ECONFLICT, "a slot changed since the request")
	}
	first, _ := r.f.person(s.First.Person)
	second, _ := r.f.person(s.Second.Person)
	if err := r.checkSides(s, first, second); err != nil {
		return nil, err
	}
	at := r.now()
	k1 := slotKey{s.Station, s.First.Day, s.First.Post}
	k2 := slotKey{s.Station, s.Second.Day, s.Second.Post}
	a1, a2 := r.assigned[k1], r.assigned[k2]
	a1.Person, a2.Person = s.Second.Person, s.First.Person
	a1.Manual, a2.Manual = true, true
	r.assigned[k1], r.assigned[k2] = a1, a2
	s.State, s.DecidedBy, s.DecidedAt, s.Note = roster.SwapApproved, leader, at, note
	r.swaps[id] = s
	changes := s.Changes(app.AuthorFrom(ctx), at)
	r.history(ctx, changes)
	r.swapNotices(s)
	return roster.Affected(changes), nil
}

func (r *fakeRosters) RejectSwap(_ context.Context, id, leader app.ID, note string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.decide(id, leader)
	if err != nil {
		return err
	}
	s.State, s.DecidedBy, s.DecidedAt, s.Note = roster.SwapRejected, leader, r.now(), note
	r.swaps[id] = s
	r.swapNotices(s)
	return nil
}

func (r *fakeRosters) swapNotices(s roster.SwapRequest) {
	st, _ := r.station(s.Station)
	kind, verb := roster.NoticeSwapApproved, "approved"
	if s.State == roster.SwapRejected {
		kind, verb = roster.NoticeSwapRejected, "rejected"
	}
	msg := fmt.Sprintf("%s: the swap of %s (%s %s) with %s (%s %s) was %s by %s",
		st.Name, r.personName(s.First.Person), s.First.Day, s.First.Post,
		r.personName(s.Second.Person), s.Second.Day, s.Second.Post, verb, r.personName(s.DecidedBy))
	if s.Note != "" {
		msg += ": " + s.Note
	}
	facts := roster.NoticeFacts{DecidedBy: r.holderName(s.DecidedBy), Note: s.Note, Swap: []roster.NamedSlot{
		{Name: r.holderName(s.First.Person), Day: s.First.Day, Post: s.First.Post},
		{Name: r.holderName(s.Second.Person), Day: s.Second.Day, Post: s.Second.Post},
	}}
	for _, slot := range []roster.Slot{s.First, s.Second} {
		r.putNotice(roster.Notice{Person: slot.Person, Station: s.Station, Kind: kind, Month: roster.MonthOf(slot.Day),
			Day: slot.Day, Post: slot.Post, Message: msg, Facts: facts})
	}
}

func (r *fakeRosters) LogEntries(_ context.Context, station app.ID, day roster.Date) ([]roster.LogEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []roster.LogEntry
	for _, e := range r.log {
		if e.Station == station && e.Day == day {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

func (r *fakeRosters) AddLogEntry(ctx context.Context, e *roster.LogEntry) error {
	if _, ok := r.station(e.Station); !ok {
		return app.Errorf(app.ENOTFOUND, "no station %s", e.Station)
	}
	if err := e.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e.ID = app.NewID()
	e.Author = app.AuthorFrom(ctx)
	r.log = append(r.log, *e)
	return nil
}

func (r *fakeRosters) CheckIns(_ context.Context, station app.ID, day roster.Date) ([]roster.CheckIn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []roster.CheckIn
	for _, c := range r.checkIns {
		if c.Station == station && c.Day == day {
			out = append(out, c)
		}
	}
	return out, nil
}

func (r *fakeRosters) CheckIn(_ context.Context, c *roster.CheckIn) error {
	if err := c.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.where(func(a roster.Assignment) bool {
		return a.Station == c.Station && a.Day == c.Day && a.Person == c.Person
	})) == 0 {
		return app.Errorf(app.ECONFLICT, "no post that day")
	}
	for _, o := range r.checkIns {
		if o.Station == c.Station && o.Day == c.Day && o.Person == c.Person {
			return app.Errorf(app.ECONFLICT, "checked in already")
		}
	}
	r.checkIns = append(r.checkIns, *c)
	return nil
}

func (r *fakeRosters) Handover(_ context.Context, station app.ID, day roster.Date) (*roster.Handover, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.handovers[dayKey{station, day}]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "no handover on %s", day)
	}
	return &h, nil
}

func (r *fakeRosters) HandOver(_ context.Context, h *roster.Handover) error {
	if err := h.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := dayKey{h.Station, h.Day}
	if _, ok := r.handovers[k]; ok {
		return app.Errorf(app.ECONFLICT, "handed over already")
	}
	r.handovers[k] = *h
	return nil
}

func (r *fakeRosters) ConfirmHandover(_ context.Context, station app.ID, day roster.Date, incoming app.ID, at time.Time) error {
	p, _ := r.f.person(incoming)
	r.mu.Lock()
	defer r.mu.Unlock()
	k := dayKey{station, day}
	h, ok := r.handovers[k]
	if !ok {
		return app.Errorf(app.ENOTFOUND, "not handed over")
	}
	if h.Confirmed() {
		return app.Errorf(app.ECONFLICT, "confirmed already")
	}
	h.Incoming, h.IncomingName, h.InAt = incoming, p.Name, at
	if err := h.Validate(); err != nil {
		return err
	}
	r.handovers[k] = h
	return nil
}
