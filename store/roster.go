package store

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// The roster, calendar and duty log buckets; buckets.go draws their keys.
var (
	bucketRosterSettings       = []byte("roster_settings")
	bucketRosterSpecials       = []byte("roster_specials")
	bucketRosterSpecialsByStn  = []byte("roster_specials_by_station")
	bucketRosterAbsences       = []byte("roster_absences")
	bucketRosterAbsencesByPers = []byte("roster_absences_by_person")
	bucketRosterAbsencesByStn  = []byte("roster_absences_by_station")
	bucketRosterAssignments    = []byte("roster_assignments")
	bucketRosterDutiesByPerson = []byte("roster_duties_by_person")
	bucketRosterMonths         = []byte("roster_months")
	bucketRosterChanges        = []byte("roster_changes")
	bucketRosterSwaps          = []byte("roster_swaps")
	bucketRosterSwapsByStation = []byte("roster_swaps_by_station")
	bucketRosterNotices        = []byte("roster_notices")
	bucketCalendarDays         = []byte("calendar_days")
	bucketCalendarYears        = []byte("calendar_years")
	bucketDutyLog              = []byte("duty_log")
	bucketDutyCheckIns         = []byte("duty_checkins")
	bucketDutyHandovers        = []byte("duty_handovers")
)

var rosterBuckets = [][]byte{
	bucketRosterSettings,
	bucketRosterSpecials,
	bucketRosterSpecialsByStn,
	bucketRosterAbsences,
	bucketRosterAbsencesByPers,
	bucketRosterAbsencesByStn,
	bucketRosterAssignments,
	bucketRosterDutiesByPerson,
	bucketRosterMonths,
	bucketRosterChanges,
	bucketRosterSwaps,
	bucketRosterSwapsByStation,
	bucketRosterNotices,
	bucketCalendarDays,
	bucketCalendarYears,
	bucketDutyLog,
	bucketDutyCheckIns,
	bucketDutyHandovers,
}

// createRosterV2 adds the roster buckets. The shipped holiday calendar is
// not copied in: the store keeps only imported and edited years, so a later
// release that ships a corrected or new year reaches existing files too.
func createRosterV2(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket")
	}
	for _, name := range rosterBuckets {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}

// Rosters keeps duty rosters, the holiday calendar and the duty log. It
// implements roster.Service (with roster.CalendarService and
// roster.DutyLogService), roster.Planner, roster.Importer and
// roster.NoticeService.
type Rosters struct {
	db *DB
}

var (
	_ roster.Service       = (*Rosters)(nil)
	_ roster.Planner       = (*Rosters)(nil)
	_ roster.NoticeService = (*Rosters)(nil)
	_ roster.Importer      = (*Rosters)(nil)
)

// NewRosters returns the roster service of db.
func NewRosters(db *DB) *Rosters { return &Rosters{db: db} }

// Key builders. Every key is fixed-width parts back to back, so a prefix
// names a station, a station's day or a person, and a Seek finds it.

const postKeyLen = 2

func postKey(p roster.Post) [postKeyLen]byte {
	for i, r := range roster.DutyRoles {
		if r == p.Role {
			return [postKeyLen]byte{byte(i), byte(p.Index)}
		}
	}
	return [postKeyLen]byte{0xff, byte(p.Index)} // Validate rejects such posts before they are written
}

func postFromKey(b []byte) (roster.Post, error) {
	if len(b) != postKeyLen || int(b[0]) >= len(roster.DutyRoles) || int(b[1]) >= roster.MaxPerRole {
		return roster.Post{}, app.Errorf(app.ECORRUPT, "a roster key holds the unknown post %x", b)
	}
	return roster.Post{Role: roster.DutyRoles[b[0]], Index: int(b[1])}, nil
}

// stationDayKey is <station id><day>: the prefix of a duty day's records.
func stationDayKey(station app.ID, day roster.Date) []byte {
	k := make([]byte, 16+roster.KeyLen)
	copy(k, station[:])
	day.PutKey(k[16:])
	return k
}

// stationDayIDKey is <station id><day><id>.
func stationDayIDKey(station app.ID, day roster.Date, id app.ID) []byte {
	return append(stationDayKey(station, day), id[:]...)
}

func assignmentKey(station app.ID, day roster.Date, post roster.Post) []byte {
	pk := postKey(post)
	return append(stationDayKey(station, day), pk[:]...)
}

const assignmentKeyLen = 16 + roster.KeyLen + postKeyLen

func personDutyKey(person app.ID, day roster.Date, station app.ID, post roster.Post) []byte {
	k := make([]byte, 0, 16+roster.KeyLen+16+postKeyLen)
	k = append(k, person[:]...)
	k = append(k, day.Key()...)
	k = append(k, station[:]...)
	pk := postKey(post)
	return append(k, pk[:]...)
}

func monthKey(station app.ID, m roster.Month) []byte {
	return stationDayKey(station, m.First())
}

func yearKey(y int) []byte {
	return []byte{byte(y >> 8), byte(y)}
}

// buckets fetches several buckets at once, for methods that touch many.
func buckets(tx *txn, names ...[]byte) ([]*bolt.Bucket, error) {
	out := make([]*bolt.Bucket, len(names))
	for i, name := range names {
		b, err := mustBucket(tx.Tx, name)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// writableStation returns the station when this duty room may change its
// records: its own station and those below it (DESIGN.md, "Identity, time,
// ownership"). Before a station is chosen everything is open, as it is
// while a new folder is being set up. ENOTFOUND, EFORBIDDEN.
func writableStation(tx *txn, id app.ID) (app.Station, error) {
	s, err := findStationByID(tx, id)
	if err != nil {
		return app.Station{}, err
	}
	self, err := identityID(tx.Tx)
	if err != nil || self == app.NilID || self == id {
		return s, err
	}
	cur := s
	// The tree is four tiers deep; the bound only guards a damaged file.
	for range 16 {
		if cur.Parent == app.NilID {
			break
		}
		if cur.Parent == self {
			return s, nil
		}
		if cur, err = findStationByID(tx, cur.Parent); err != nil {
			break
		}
	}
	name := self.String()
	if me, err := findStationByID(tx, self); err == nil {
		name = me.Name
	}
	return app.Station{}, app.Errorf(app.EFORBIDDEN, "this duty room (%s) may change the records of its own station and the stations below it, not of %s (%s)", name, s.Name, s.Code)
}

// dutyRoomStation is writableStation for records only a duty room keeps:
// villages have information officers, not a 24-hour roster.
func dutyRoomStation(tx *txn, id app.ID) (app.Station, error) {
	s, err := writableStation(tx, id)
	if err == nil && !s.Tier.HasDutyRoom() {
		return app.Station{}, app.FieldErrorf("station", "%s (%s) is a %s and keeps no duty roster", s.Name, s.Code, s.Tier.Key())
	}
	return s, err
}

// Settings returns the station's settings, roster.DefaultSettings while it
// has set none. ENOTFOUND for an unknown station.
func (r *Rosters) Settings(ctx context.Context, station app.ID) (roster.Settings, error) {
	var s roster.Settings
	err := r.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		var err error
		s, err = settingsOf(tx, station)
		return err
	})
	return s, err
}

func settingsOf(tx *txn, station app.ID) (roster.Settings, error) {
	b, err := mustBucket(tx.Tx, bucketRosterSettings)
	if err != nil {
		return roster.Settings{}, err
	}
	var rec settingsRecord
	found, err := getJSON(b, idKey(station), &rec, "the roster settings of station "+station.String())
	if err != nil || !found {
		return roster.DefaultSettings(), err
	}
	return rec.settings(), nil
}

// SetSettings replaces the station's settings. EINVALID, ENOTFOUND,
// EFORBIDDEN.
func (r *Rosters) SetSettings(ctx context.Context, station app.ID, s roster.Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return r.db.update(ctx, func(tx *txn) error {
		if _, err := dutyRoomStation(tx, station); err != nil {
			return err
		}
		b, err := mustBucket(tx.Tx, bucketRosterSettings)
		if err != nil {
			return err
		}
		buf, err := putJSON(b, idKey(station), toSettingsRecord(s))
		if err != nil {
			return err
		}
		_, err = appendOp(tx, roster.OpSettings, station, buf)
		return err
	})
}

// SpecialPeriods returns the station's periods overlapping from..to, by
// start. ENOTFOUND for an unknown station.
func (r *Rosters) SpecialPeriods(ctx context.Context, station app.ID, from, to roster.Date) ([]roster.SpecialPeriod, error) {
	var out []roster.SpecialPeriod
	err := r.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		all, err := specialsOf(tx, station)
		for _, p := range all {
			if !p.To.Before(from) && !p.From.After(to) {
				out = append(out, p)
			}
		}
		return err
	})
	return out, err
}

// specialsOf returns every period of the station, by start then name.
func specialsOf(tx *txn, station app.ID) ([]roster.SpecialPeriod, error) {
	bs, err := buckets(tx, bucketRosterSpecials, bucketRosterSpecialsByStn)
	if err != nil {
		return nil, err
	}
	var out []roster.SpecialPeriod
	prefix := idKey(station)
	c := bs[1].Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var rec specialRecord
		found, err := getJSON(bs[0], k[16:], &rec, "a special period")
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, app.Errorf(app.ECORRUPT, "the special period index names a period that is not stored; restore a backup")
		}
		out = append(out, rec.period())
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From.Before(out[j].From)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// CreateSpecialPeriod assigns the ID. EINVALID, ENOTFOUND for an unknown
// station, ECONFLICT when it overlaps another period of the station,
// EFORBIDDEN.
func (r *Rosters) CreateSpecialPeriod(ctx context.Context, p *roster.SpecialPeriod) error {
	n := *p
	n.ID = app.NewID()
	if err := n.Validate(); err != nil {
		return err
	}
	err := r.db.update(ctx, func(tx *txn) error {
		return putSpecial(tx, &n, roster.OpSpecialCreate)
	})
	if err == nil {
		*p = n
	}
	return err
}

// UpdateSpecialPeriod changes name and dates; the station stays. EINVALID,
// ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (r *Rosters) UpdateSpecialPeriod(ctx context.Context, p *roster.SpecialPeriod) error {
	var n roster.SpecialPeriod
	err := r.db.update(ctx, func(tx *txn) error {
		old, err := findSpecial(tx, p.ID)
		if err != nil {
			return err
		}
		n = old
		n.Name, n.From, n.To = p.Name, p.From, p.To
		if err := n.Validate(); err != nil {
			return err
		}
		return putSpecial(tx, &n, roster.OpSpecialUpdate)
	})
	if err == nil {
		*p = n
	}
	return err
}

func putSpecial(tx *txn, p *roster.SpecialPeriod, kind string) error {
	if _, err := dutyRoomStation(tx, p.Station); err != nil {
		return err
	}
	others, err := specialsOf(tx, p.Station)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID != p.ID && !o.To.Before(p.From) && !o.From.After(p.To) {
			return app.Errorf(app.ECONFLICT, "%s (%s to %s) overlaps %s (%s to %s)", p.Name, p.From, p.To, o.Name, o.From, o.To)
		}
	}
	bs, err := buckets(tx, bucketRosterSpecials, bucketRosterSpecialsByStn)
	if err != nil {
		return err
	}
	buf, err := putJSON(bs[0], idKey(p.ID), toSpecialRecord(p))
	if err != nil {
		return err
	}
	if err := bs[1].Put(pairKey(p.Station, p.ID), nil); err != nil {
		return err
	}
	_, err = appendOp(tx, kind, p.ID, buf)
	return err
}

func findSpecial(tx *txn, id app.ID) (roster.SpecialPeriod, error) {
	b, err := mustBucket(tx.Tx, bucketRosterSpecials)
	if err != nil {
		return roster.SpecialPeriod{}, err
	}
	var rec specialRecord
	found, err := getJSON(b, idKey(id), &rec, "special period "+id.String())
	if err != nil {
		return roster.SpecialPeriod{}, err
	}
	if !found {
		return roster.SpecialPeriod{}, app.Errorf(app.ENOTFOUND, "special period %s not found", id)
	}
	return rec.period(), nil
}

// DeleteSpecialPeriod removes a period. ENOTFOUND, EFORBIDDEN.
func (r *Rosters) DeleteSpecialPeriod(ctx context.Context, id app.ID) error {
	return r.db.update(ctx, func(tx *txn) error {
		p, err := findSpecial(tx, id)
		if err != nil {
			return err
		}
		if _, err := writableStation(tx, p.Station); err != nil {
			return err
		}
		bs, err := buckets(tx, bucketRosterSpecials, bucketRosterSpecialsByStn)
		if err != nil {
			return err
		}
		if err := bs[0].Delete(idKey(id)); err != nil {
			return err
		}
		if err := bs[1].Delete(pairKey(p.Station, id)); err != nil {
			return err
		}
		return appendIDOp(tx, roster.OpSpecialDelete, id)
	})
}

// Absences returns matching absences by start date.
func (r *Rosters) Absences(ctx context.Context, f roster.AbsenceFilter) ([]roster.Absence, error) {
	var out []roster.Absence
	err := r.db.view(ctx, func(tx *txn) (err error) {
		out, err = absences(tx, f)
		return err
	})
	return out, err
}

func absences(tx *txn, f roster.AbsenceFilter) ([]roster.Absence, error) {
	bs, err := buckets(tx, bucketRosterAbsences, bucketRosterAbsencesByPers, bucketRosterAbsencesByStn)
	if err != nil {
		return nil, err
	}
	var ids []app.ID
	switch {
	case f.Person != nil:
		ids = idsUnder(bs[1], *f.Person)
	case f.Station != nil:
		ids = idsUnder(bs[2], *f.Station)
	default:
		err := bs[0].ForEach(func(k, _ []byte) error {
			id, ok := idFromBytes(k)
			if !ok {
				return app.Errorf(app.ECORRUPT, "the absences bucket holds a key that is not an id")
			}
			ids = append(ids, id)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var out []roster.Absence
	for _, id := range ids {
		var rec absenceRecord
		found, err := getJSON(bs[0], idKey(id), &rec, "absence "+id.String())
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, app.Errorf(app.ECORRUPT, "an absence index names absence %s, which is not stored; restore a backup", id)
		}
		a := rec.absence()
		switch {
		case f.Station != nil && a.Station != *f.Station,
			f.Person != nil && a.Person != *f.Person,
			f.From != nil && a.To.Before(*f.From),
			f.To != nil && a.From.After(*f.To):
			continue
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	return out, nil
}

// idsUnder lists the second halves of the <id><id> keys under one id.
func idsUnder(b *bolt.Bucket, first app.ID) []app.ID {
	var ids []app.ID
	prefix := idKey(first)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); len(k) == 32 && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		id, _ := idFromBytes(k[16:])
		ids = append(ids, id)
	}
	return ids
}

// CreateAbsence assigns the ID. EINVALID, ENOTFOUND for an unknown station
// or person, ECONFLICT when the person already holds a duty in the range,
// EFORBIDDEN.
func (r *Rosters) CreateAbsence(ctx context.Context, a *roster.Absence) error {
	n := *a
	n.ID = app.NewID()
	if err := n.Validate(); err != nil {
		return err
	}
	err := r.db.update(ctx, func(tx *txn) error {
		return putAbsence(tx, &n, roster.OpAbsenceCreate)
	})
	if err == nil {
		*a = n
	}
	return err
}

// UpdateAbsence changes dates, reason and note; station and person stay.
// EINVALID, ENOTFOUND, ECONFLICT, EFORBIDDEN.
func (r *Rosters) UpdateAbsence(ctx context.Context, a *roster.Absence) error {
	var n roster.Absence
	err := r.db.update(ctx, func(tx *txn) error {
		old, err := findAbsence(tx, a.ID)
		if err != nil {
			return err
		}
		n = old
		n.From, n.To, n.Reason, n.Note = a.From, a.To, a.Reason, a.Note
		if err := n.Validate(); err != nil {
			return err
		}
		return putAbsence(tx, &n, roster.OpAbsenceUpdate)
	})
	if err == nil {
		*a = n
	}
	return err
}

func putAbsence(tx *txn, a *roster.Absence, kind string) error {
	if _, err := writableStation(tx, a.Station); err != nil {
		return err
	}
	p, err := findPersonByID(tx, a.Person)
	if err != nil {
		return &app.Error{Code: app.ErrorCode(err), Field: "person", Message: app.ErrorMessage(err)}
	}
	duties, err := personDuties(tx, a.Person, a.From, a.To)
	if err != nil {
		return err
	}
	if len(duties) > 0 {
		d := duties[0]
		where := "this station"
		if s, err := findStationByID(tx, d.Station); err == nil {
			where = s.Name
		}
		return app.Errorf(app.ECONFLICT, "%s is %s at %s on %s, within the absence; clear or swap that duty first", p.Name, d.Post, where, d.Day)
	}
	bs, err := buckets(tx, bucketRosterAbsences, bucketRosterAbsencesByPers, bucketRosterAbsencesByStn)
	if err != nil {
		return err
	}
	buf, err := putJSON(bs[0], idKey(a.ID), toAbsenceRecord(a))
	if err != nil {
		return err
	}
	if err := bs[1].Put(pairKey(a.Person, a.ID), nil); err != nil {
		return err
	}
	if err := bs[2].Put(pairKey(a.Station, a.ID), nil); err != nil {
		return err
	}
	_, err = appendOp(tx, kind, a.ID, buf)
	return err
}

func findAbsence(tx *txn, id app.ID) (roster.Absence, error) {
	b, err := mustBucket(tx.Tx, bucketRosterAbsences)
	if err != nil {
		return roster.Absence{}, err
	}
	var rec absenceRecord
	found, err := getJSON(b, idKey(id), &rec, "absence "+id.String())
	if err != nil {
		return roster.Absence{}, err
	}
	if !found {
		return roster.Absence{}, app.Errorf(app.ENOTFOUND, "absence %s not found", id)
	}
	return rec.absence(), nil
}

// DeleteAbsence removes an absence. ENOTFOUND, EFORBIDDEN.
func (r *Rosters) DeleteAbsence(ctx context.Context, id app.ID) error {
	return r.db.update(ctx, func(tx *txn) error {
		a, err := findAbsence(tx, id)
		if err != nil {
			return err
		}
		if _, err := writableStation(tx, a.Station); err != nil {
			return err
		}
		bs, err := buckets(tx, bucketRosterAbsences, bucketRosterAbsencesByPers, bucketRosterAbsencesByStn)
		if err != nil {
			return err
		}
		for i, k := range [][]byte{idKey(id), pairKey(a.Person, id), pairKey(a.Station, id)} {
			if err := bs[i].Delete(k); err != nil {
				return err
			}
		}
		return appendIDOp(tx, roster.OpAbsenceDelete, id)
	})
}
