// Package roster plans who is on duty at a station on each duty day: the
// holiday calendar, per-station templates and special periods, the
// generator, swaps and the audit trail, and who is on duty now. It is pure
// domain: storage and screens implement and call Service.
package roster

import (
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// DutyRoles are the roles that hold a post on a duty day, in the order posts
// are filled and shown: scarce senior posts first.
var DutyRoles = []app.Role{app.RoleLeader, app.RoleCadre, app.RoleOfficer, app.RoleStandby}

func roleIndex(r app.Role) int {
	for i, x := range DutyRoles {
		if x == r {
			return i
		}
	}
	return -1
}

// MaxPerRole bounds how many posts of one role a template may ask for.
const MaxPerRole = 20

// Post is one seat of a duty day: a role, and for roles with several seats
// (standby, mostly) which one, counting from 0.
type Post struct {
	Role  app.Role
	Index int
}

// String returns "leader", or "standby 2" for the second standby seat.
func (p Post) String() string {
	if p.Index == 0 && p.Role != app.RoleStandby {
		return string(p.Role)
	}
	return string(p.Role) + " " + strconv.Itoa(p.Index+1)
}

// ParsePost is the inverse of String.
func ParsePost(s string) (Post, error) {
	role, num, hasNum := strings.Cut(strings.TrimSpace(s), " ")
	p := Post{Role: app.Role(role)}
	if hasNum {
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 {
			return Post{}, app.FieldErrorf("post", "%q is not a post (e.g. leader, officer, standby 2)", s)
		}
		p.Index = n - 1
	}
	if err := p.Validate(); err != nil {
		return Post{}, err
	}
	return p, nil
}

// Validate checks the role is a duty role and the index is in range.
func (p Post) Validate() error {
	if roleIndex(p.Role) < 0 {
		return app.FieldErrorf("post", "%q is not a duty role (want leader, cadre, officer or standby)", p.Role)
	}
	if p.Index < 0 || p.Index >= MaxPerRole {
		return app.FieldErrorf("post", "post number %d is out of range 1–%d", p.Index+1, MaxPerRole)
	}
	return nil
}

// Less orders posts as screens show them: by role, then seat.
func (p Post) Less(o Post) bool {
	if p.Role != o.Role {
		return roleIndex(p.Role) < roleIndex(o.Role)
	}
	return p.Index < o.Index
}

// Template says how many people of each role a duty day needs.
type Template struct {
	Leader  int
	Cadre   int
	Officer int
	Standby int
}

// Count returns how many posts of role r the template has.
func (t Template) Count(r app.Role) int {
	switch r {
	case app.RoleLeader:
		return t.Leader
	case app.RoleCadre:
		return t.Cadre
	case app.RoleOfficer:
		return t.Officer
	case app.RoleStandby:
		return t.Standby
	}
	return 0
}

// Size returns the number of posts.
func (t Template) Size() int { return t.Leader + t.Cadre + t.Officer + t.Standby }

// Posts lists the template's posts in fill order.
func (t Template) Posts() []Post {
	out := make([]Post, 0, t.Size())
	for _, r := range DutyRoles {
		for i := 0; i < t.Count(r); i++ {
			out = append(out, Post{r, i})
		}
	}
	return out
}

// Has reports whether p is one of the template's posts.
func (t Template) Has(p Post) bool { return p.Index >= 0 && p.Index < t.Count(p.Role) }

// Validate checks each count is between 0 and MaxPerRole and that a duty day
// has someone on it. field prefixes the field names ("normal", "holiday").
func (t Template) Validate(field string) error {
	for _, r := range DutyRoles {
		if n := t.Count(r); n < 0 || n > MaxPerRole {
			return app.FieldErrorf(field+"."+string(r), "%d %s posts: want 0 to %d", n, r, MaxPerRole)
		}
	}
	if t.Size() == 0 {
		return app.FieldErrorf(field, "a duty day needs at least one post")
	}
	return nil
}

// Default templates (DOMAIN.md, "Who uses it"): a leader and an officer on
// normal days; 1+1+1+N on holidays and in special periods, N=2 until the
// station says otherwise.
var (
	DefaultNormal  = Template{Leader: 1, Officer: 1}
	DefaultHoliday = Template{Leader: 1, Cadre: 1, Officer: 1, Standby: 2}
)

// MaxRestDays bounds MinRestDays: a week of rest after each duty would leave
// no station able to staff its room.
const MaxRestDays = 7

// Settings are a station's rules for its roster.
type Settings struct {
	Handover    TimeOfDay // when one duty day hands over to the next
	Normal      Template  // workdays and weekends
	Holiday     Template  // statutory holidays and the station's special periods
	MinRestDays int       // free days required after each duty (a duty is 24 hours)
}

// DefaultSettings is what a station gets before it sets its own.
func DefaultSettings() Settings {
	return Settings{Handover: DefaultHandover, Normal: DefaultNormal, Holiday: DefaultHoliday, MinRestDays: 1}
}

// Validate checks the settings. EINVALID with the field.
func (s *Settings) Validate() error {
	if !s.Handover.Valid() {
		return app.FieldErrorf("handover", "the handover time must lie between 00:00 and 23:59")
	}
	if err := s.Normal.Validate("normal"); err != nil {
		return err
	}
	if err := s.Holiday.Validate("holiday"); err != nil {
		return err
	}
	if s.MinRestDays < 0 || s.MinRestDays > MaxRestDays {
		return app.FieldErrorf("min_rest_days", "rest of %d days: want 0 to %d", s.MinRestDays, MaxRestDays)
	}
	return nil
}

// TemplateFor returns the template of a classified day.
func (s Settings) TemplateFor(info DayInfo) Template {
	if info.Kind == Holiday || info.Special != "" {
		return s.Holiday
	}
	return s.Normal
}

// maxPeriodDays bounds a special period; flood season, the longest, runs
// about five months.
const maxPeriodDays = 366

// SpecialPeriod is a date range a station declares (flood season, forest-fire
// high-risk season, a major event) during which it staffs holiday strength.
type SpecialPeriod struct {
	ID       app.ID
	Station  app.ID
	Name     string // 主汛期, 森林防火紧要期, ...
	From, To Date   // both included
}

// Validate checks the period on its own. EINVALID with the field.
func (p *SpecialPeriod) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	switch {
	case p.Station == app.NilID:
		return app.FieldErrorf("station", "a special period belongs to a station")
	case p.Name == "":
		return app.FieldErrorf("name", "name the special period (e.g. 主汛期)")
	case utf8.RuneCountInString(p.Name) > maxNameLen:
		return app.FieldErrorf("name", "name is longer than %d characters", maxNameLen)
	}
	return checkSpan(p.From, p.To, maxPeriodDays)
}

// Covers reports whether d lies in the period.
func (p *SpecialPeriod) Covers(d Date) bool { return d.Within(p.From, p.To) }

func checkSpan(from, to Date, max int) error {
	switch {
	case !from.Valid():
		return app.FieldErrorf("from", "a valid start date is required")
	case !to.Valid():
		return app.FieldErrorf("to", "a valid end date is required")
	case to.Before(from):
		return app.FieldErrorf("to", "ends on %s, before it starts on %s", to, from)
	case to.Sub(from) >= max:
		return app.FieldErrorf("to", "%s to %s is longer than %d days", from, to, max)
	}
	return nil
}

// DayInfo is everything that decides a duty day's template and tally.
type DayInfo struct {
	Date    Date
	Kind    DayKind
	Name    string // the holiday or make-up day's name
	Special string // the special period in force, "" if none
}

// Classify returns the day's kind and the special period in force, if any.
// Only periods of any station given are considered: pass the station's own.
// Where periods overlap, the one starting first (then by name) names the day.
func Classify(cal *Calendar, periods []SpecialPeriod, d Date) DayInfo {
	cd := cal.Day(d)
	info := DayInfo{Date: d, Kind: cd.Kind, Name: cd.Name}
	var in *SpecialPeriod
	for i := range periods {
		p := &periods[i]
		if p.Covers(d) && (in == nil || p.From.Before(in.From) || p.From == in.From && p.Name < in.Name) {
			in = p
		}
	}
	if in != nil {
		info.Special = in.Name
	}
	return info
}

// AbsenceReason says why someone cannot be on duty.
type AbsenceReason string

const (
	ReasonLeave AbsenceReason = "leave" // 请假, including sick leave
	ReasonTrip  AbsenceReason = "trip"  // 出差
	ReasonOther AbsenceReason = "other" // training, secondment, ...
)

// Valid reports whether r is a known reason.
func (r AbsenceReason) Valid() bool {
	return r == ReasonLeave || r == ReasonTrip || r == ReasonOther
}

// describe is how the generator explains the absence in English.
func (r AbsenceReason) describe() string {
	switch r {
	case ReasonLeave:
		return "on leave"
	case ReasonTrip:
		return "on a trip"
	}
	return "away"
}

const maxAbsenceDays = 366

// Absence is leave or a trip entered before rostering: the person takes no
// duty on any duty day from From to To.
type Absence struct {
	ID       app.ID
	Station  app.ID // the station that entered it, which owns the record
	Person   app.ID
	From, To Date // duty days, both included
	Reason   AbsenceReason
	Note     string
}

// Validate checks the absence on its own. EINVALID with the field.
func (a *Absence) Validate() error {
	a.Note = strings.TrimSpace(a.Note)
	switch {
	case a.Station == app.NilID:
		return app.FieldErrorf("station", "an absence belongs to a station")
	case a.Person == app.NilID:
		return app.FieldErrorf("person", "say who is away")
	case !a.Reason.Valid():
		return app.FieldErrorf("reason", "unknown reason %q (want leave, trip or other)", a.Reason)
	case utf8.RuneCountInString(a.Note) > 200:
		return app.FieldErrorf("note", "note is longer than 200 characters")
	}
	return checkSpan(a.From, a.To, maxAbsenceDays)
}

// Covers reports whether d lies in the absence.
func (a *Absence) Covers(d Date) bool { return d.Within(a.From, a.To) }

// Assignment puts a person on a post of a station's duty day.
type Assignment struct {
	Station app.ID
	Day     Date
	Post    Post
	Person  app.ID
	Manual  bool // set by hand: the generator keeps it
}

// Validate checks the assignment on its own. EINVALID with the field.
func (a *Assignment) Validate() error {
	switch {
	case a.Station == app.NilID:
		return app.FieldErrorf("station", "an assignment belongs to a station")
	case !a.Day.Valid():
		return app.FieldErrorf("day", "a valid duty day is required")
	case a.Person == app.NilID:
		return app.FieldErrorf("person", "say who takes the post")
	}
	return a.Post.Validate()
}

// SortAssignments orders assignments by station, day and post, the order
// every function of this package returns them in.
func SortAssignments(as []Assignment) {
	sort.SliceStable(as, func(i, j int) bool { return assignmentLess(&as[i], &as[j]) })
}

func assignmentLess(a, b *Assignment) bool {
	if c := compareID(a.Station, b.Station); c != 0 {
		return c < 0
	}
	if a.Day != b.Day {
		return a.Day.Before(b.Day)
	}
	if a.Post != b.Post {
		return a.Post.Less(b.Post)
	}
	return compareID(a.Person, b.Person) < 0
}

func compareID(a, b app.ID) int {
	for i := range a {
		if a[i] != b[i] {
			return cmpInt(int(a[i]), int(b[i]))
		}
	}
	return 0
}

// State is where a month's roster is in its life.
type State string

const (
	StateDraft     State = "draft"     // being edited; only the office sees it
	StatePublished State = "published" // in force; changes notify the people affected
)

// Valid reports whether s is a known state.
func (s State) Valid() bool { return s == StateDraft || s == StatePublished }

// Roster is a station's roster for one month. The assignments are stored
// apart, one per post, so a change touches one record.
type Roster struct {
	Station     app.ID
	Month       Month
	State       State
	PublishedAt time.Time // the last publication, zero while never published
	PublishedBy string
}

// Change is one entry of the audit history: a post's holder before and after.
type Change struct {
	ID      app.ID
	Station app.ID
	At      time.Time
	Author  string
	Day     Date
	Post    Post
	Before  app.ID // NilID when the post was empty
	After   app.ID // NilID when the post is cleared
	Reason  string
	Swap    app.ID // the approved swap request it carries out, NilID otherwise
}

// Diff returns the changes that turn before into after, one per post whose
// holder differs, in assignment order. At, Author and Reason are left for
// the caller. Use it to audit a regenerated or imported month.
func Diff(before, after []Assignment) []Change {
	type slot struct {
		station app.ID
		day     Date
		post    Post
	}
	old := make(map[slot]app.ID, len(before))
	for _, a := range before {
		old[slot{a.Station, a.Day, a.Post}] = a.Person
	}
	var out []Change
	seen := make(map[slot]bool, len(after))
	for _, a := range after {
		k := slot{a.Station, a.Day, a.Post}
		seen[k] = true
		if old[k] != a.Person {
			out = append(out, Change{Station: a.Station, Day: a.Day, Post: a.Post, Before: old[k], After: a.Person})
		}
	}
	for _, a := range before {
		if k := (slot{a.Station, a.Day, a.Post}); !seen[k] {
			seen[k] = true
			out = append(out, Change{Station: a.Station, Day: a.Day, Post: a.Post, Before: a.Person})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		x := Assignment{Station: out[i].Station, Day: out[i].Day, Post: out[i].Post}
		y := Assignment{Station: out[j].Station, Day: out[j].Day, Post: out[j].Post}
		return assignmentLess(&x, &y)
	})
	return out
}

// Affected returns the people a set of changes to a published roster must
// notify: everyone who lost or gained a duty, once each, in id order.
func Affected(changes []Change) []app.ID {
	seen := map[app.ID]bool{}
	var out []app.ID
	for _, c := range changes {
		for _, id := range []app.ID{c.Before, c.After} {
			if id != app.NilID && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return compareID(out[i], out[j]) < 0 })
	return out
}
