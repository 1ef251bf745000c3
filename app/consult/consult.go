// Package consult is the duty room's video consultations (视频会商) as
// records: who hosts one, whom it invites, when it is scheduled, when it
// went live and ended, who took part and when, and the roll call (点名)
// with its results (DOMAIN.md, "Video consultation").
//
// A consultation travels between stations as operations addressed to its
// host and invited stations by name, and nobody else. The hub reads the
// start and end operations to open and close the consultation's video
// room, so only the invited stations can join it.
//
// Everything here is pure: callers pass the clock and the station tree.
package consult

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Operation kinds. Schedule, Start and End carry the whole Consultation, so
// a station that missed one still holds the latest state after the next;
// the hub opens the video room on Start and closes it on End.
const (
	OpSchedule = "consult.schedule" // payload: Consultation, State Scheduled
	OpStart    = "consult.start"    // payload: Consultation, State Live
	OpEnd      = "consult.end"      // payload: Consultation, State Ended
	OpReply    = "consult.reply"    // payload: Reply, an invited station accepts or declines
	OpPresence = "consult.presence" // payload: Participation, a join or a leave
	OpRollCall = "consult.rollcall" // payload: Call, the host calls stations
	OpAnswer   = "consult.answer"   // payload: Answer, a station answers the roll
)

// Kinds lists every operation kind of this package.
var Kinds = []string{OpSchedule, OpStart, OpEnd, OpReply, OpPresence, OpRollCall, OpAnswer, OpRecordings}

// Limits.
const (
	MaxTitle   = 100 // runes
	MaxName    = 32  // runes, a person's name
	MaxInvited = 63  // with the host, the most stations one operation may address
	// DefaultGrace is how long a station has to answer the roll and
	// count present; after it the station is late, and absent until it
	// answers.
	DefaultGrace = 30 * time.Second
)

// State is where a consultation is in its life.
type State string

const (
	Scheduled State = "scheduled"
	Live      State = "live"
	Ended     State = "ended"
)

// Consultation is one video consultation. Its JSON is the stored and
// synced format.
type Consultation struct {
	ID        app.ID     `json:"id"`
	Host      app.ID     `json:"host"` // the station that calls it and owns the record
	Title     string     `json:"title"`
	Incident  *app.ID    `json:"incident,omitempty"`  // the incident it was started from
	Scheduled *time.Time `json:"scheduled,omitempty"` // when it is planned to start
	Invited   []app.ID   `json:"invited"`             // the other stations, host excluded
	State     State      `json:"state"`
	Recording bool       `json:"recording,omitempty"` // announced to every participant
	CreatedAt time.Time  `json:"created_at"`
	CreatedBy string     `json:"created_by,omitempty"`
	StartedAt time.Time  `json:"started_at,omitzero"`
	EndedAt   time.Time  `json:"ended_at,omitzero"`
}

// Validate checks a consultation alone.
func (c *Consultation) Validate() error {
	c.Title = strings.TrimSpace(c.Title)
	switch {
	case c.ID == app.NilID:
		return app.FieldErrorf("id", "the consultation has no id")
	case c.Host == app.NilID:
		return app.FieldErrorf("host", "the consultation names no host station")
	case c.Title == "":
		return app.FieldErrorf("title", "the consultation needs a title")
	case utf8.RuneCountInString(c.Title) > MaxTitle:
		return app.FieldErrorf("title", "the title is longer than %d characters", MaxTitle)
	case len(c.Invited) == 0:
		return app.FieldErrorf("invited", "invite at least one station")
	case len(c.Invited) > MaxInvited:
		return app.FieldErrorf("invited", "%d stations invited; the limit is %d", len(c.Invited), MaxInvited)
	case c.State != Scheduled && c.State != Live && c.State != Ended:
		return app.FieldErrorf("state", "unknown state %q", c.State)
	case c.CreatedAt.IsZero():
		return app.FieldErrorf("created_at", "the consultation has no creation time")
	case utf8.RuneCountInString(c.CreatedBy) > MaxName:
		return app.FieldErrorf("created_by", "the name is longer than %d characters", MaxName)
	}
	for i, id := range c.Invited {
		if id == app.NilID {
			return app.FieldErrorf("invited", "the nil station is invited")
		}
		if id == c.Host {
			return app.FieldErrorf("invited", "the host is not invited to its own consultation")
		}
		if slices.Contains(c.Invited[:i], id) {
			return app.FieldErrorf("invited", "station %s is invited twice", id)
		}
	}
	return nil
}

// Scheduled consultations: each station taking part is reminded
// RemindBefore its time, and the host's client starts it at its time by
// itself. A host client that was not running then leaves it Missed (未按时
// 开始) once StartWindow has passed: a consultation hours late should not
// burst into the room unannounced; someone starts it by hand, or not.
const (
	RemindBefore = 10 * time.Minute
	StartWindow  = 5 * time.Minute
	// PastSlack is how far in the past a new schedule may lie: the
	// minute being typed is still now.
	PastSlack = time.Minute
)

// CheckSchedule refuses a consultation scheduled in the past.
func CheckSchedule(at *time.Time, now time.Time) error {
	if at != nil && at.Before(now.Add(-PastSlack)) {
		return app.FieldErrorf("scheduled", "%s has passed; schedule the consultation for a time to come, or start it now",
			at.Format("2006-01-02 15:04"))
	}
	return nil
}

// Upcoming reports whether c is scheduled to start within RemindBefore of
// now: the stations taking part are reminded.
func (c *Consultation) Upcoming(now time.Time) bool {
	return c.State == Scheduled && c.Scheduled != nil && now.Before(*c.Scheduled) && !now.Before(c.Scheduled.Add(-RemindBefore))
}

// DueToStart reports whether the host's client starts c by itself now:
// its time has come and StartWindow has not passed.
func (c *Consultation) DueToStart(now time.Time) bool {
	return c.State == Scheduled && c.Scheduled != nil && !now.Before(*c.Scheduled) && now.Before(c.Scheduled.Add(StartWindow))
}

// Missed reports whether c is still scheduled though StartWindow past its
// time: the host's client did not start it.
func (c *Consultation) Missed(now time.Time) bool {
	return c.State == Scheduled && c.Scheduled != nil && !now.Before(c.Scheduled.Add(StartWindow))
}

// Stations returns the host then the invited stations: everyone who may
// join the room.
func (c *Consultation) Stations() []app.ID {
	return append([]app.ID{c.Host}, c.Invited...)
}

// Takes reports whether station takes part: the host or an invited one.
func (c *Consultation) Takes(station app.ID) bool {
	return station == c.Host || slices.Contains(c.Invited, station)
}

// Others returns the stations of c but self: whom an operation of self's
// about c is addressed to.
func (c *Consultation) Others(self app.ID) []app.ID {
	return slices.DeleteFunc(c.Stations(), func(id app.ID) bool { return id == self })
}

// CanInvite checks that host may invite each station: every one is in the
// tree and none is a village without a duty room.
func CanInvite(tree *app.Tree, host app.ID, invited []app.ID) error {
	if tree.Station(host) == nil {
		return app.Errorf(app.ENOTFOUND, "the host station %s is not in the station tree", host)
	}
	for _, id := range invited {
		s := tree.Station(id)
		if s == nil {
			return app.Errorf(app.ENOTFOUND, "station %s is not in the station tree", id)
		}
		if !s.Tier.HasDutyRoom() {
			return app.Errorf(app.EFORBIDDEN, "%s is a village and keeps no duty room to call by video", s.Name)
		}
	}
	return nil
}

// Reply is an invited station's answer to the ringing invitation.
type Reply struct {
	Consultation app.ID    `json:"consultation"`
	Station      app.ID    `json:"station"`
	Accept       bool      `json:"accept"`
	Person       string    `json:"person,omitempty"`
	At           time.Time `json:"at"`
}

// Participation is one station's stay in a consultation's room: a join,
// and the leave once it came.
type Participation struct {
	Consultation app.ID    `json:"consultation"`
	Station      app.ID    `json:"station"`
	Person       string    `json:"person,omitempty"`
	Joined       time.Time `json:"joined"`
	Left         time.Time `json:"left,omitzero"`
}

// Call is the host calling the roll of some stations: all expected ones at
// once, or one in turn.
type Call struct {
	ID           app.ID        `json:"id"`
	Consultation app.ID        `json:"consultation"`
	Stations     []app.ID      `json:"stations"`
	At           time.Time     `json:"at"`
	Grace        time.Duration `json:"grace"`
}

// Answer is a station answering the roll.
type Answer struct {
	Call         app.ID    `json:"call"`
	Consultation app.ID    `json:"consultation"`
	Station      app.ID    `json:"station"`
	Person       string    `json:"person,omitempty"`
	At           time.Time `json:"at"`
}

// Status is a station's roll-call result.
type Status string

const (
	NotCalled Status = "not_called"
	Pending   Status = "pending" // called, within the grace, no answer yet
	Present   Status = "present" // answered within the grace
	Late      Status = "late"    // answered after it
	Absent    Status = "absent"  // no answer and the grace is over
)

// Result is one expected station's roll-call result: the latest call of
// it and its answer to that call.
type Result struct {
	Station  app.ID    `json:"station"`
	Called   time.Time `json:"called,omitzero"`
	Answered time.Time `json:"answered,omitzero"`
	Person   string    `json:"person,omitempty"`
	Status   Status    `json:"status"`
}

// Results is the roll call of c as of now, one result per invited station
// in invitation order.
func Results(c *Consultation, calls []Call, answers []Answer, now time.Time) []Result {
	sorted := slices.Clone(calls)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].At.Before(sorted[j].At) })
	out := make([]Result, 0, len(c.Invited))
	for _, st := range c.Invited {
		r := Result{Station: st, Status: NotCalled}
		var call *Call
		for i := range sorted {
			if sorted[i].Consultation == c.ID && slices.Contains(sorted[i].Stations, st) {
				call = &sorted[i]
			}
		}
		if call != nil {
			r.Called = call.At
			var ans *Answer
			for i := range answers {
				a := &answers[i]
				if a.Call == call.ID && a.Station == st && (ans == nil || a.At.Before(ans.At)) {
					ans = a
				}
			}
			grace := call.Grace
			if grace <= 0 {
				grace = DefaultGrace
			}
			switch {
			case ans != nil && !ans.At.After(call.At.Add(grace)):
				r.Status, r.Answered, r.Person = Present, ans.At, ans.Person
			case ans != nil:
				r.Status, r.Answered, r.Person = Late, ans.At, ans.Person
			case now.After(call.At.Add(grace)):
				r.Status = Absent
			default:
				r.Status = Pending
			}
		}
		out = append(out, r)
	}
	return out
}

// Record is a consultation with everything held about it.
type Record struct {
	Consultation   Consultation    `json:"consultation"`
	Replies        []Reply         `json:"replies,omitempty"`
	Participations []Participation `json:"participations,omitempty"`
	Calls          []Call          `json:"calls,omitempty"`
	Answers        []Answer        `json:"answers,omitempty"`
	// RollSaved is the roll call as last written to the incident's
	// timeline, kept at the host only, so the same result is not written
	// twice.
	RollSaved *RollCount `json:"roll_saved,omitempty"`
	// Recordings are the files the hub recorded (recording.go); the
	// folder is the one the hub named last.
	Recordings      []RecordedFile `json:"recordings,omitempty"`
	RecordingFolder string         `json:"recording_folder,omitempty"`
}

// RollCount is a roll call in figures: of the latest call of each
// station, how many answered in time, late, and not at all. Stations
// still within the grace, or never called, are not counted.
type RollCount struct {
	Present int `json:"present"`
	Late    int `json:"late"`
	Absent  int `json:"absent"`
}

// Count is the roll call of r as of now in figures.
func (r *Record) Count(now time.Time) RollCount {
	return r.count(now, false)
}

// FinalCount is the roll call of a consultation ending now: a station
// still within its grace never answered, so it counts absent.
func (r *Record) FinalCount(now time.Time) RollCount {
	return r.count(now, true)
}

func (r *Record) count(now time.Time, final bool) RollCount {
	var n RollCount
	for _, res := range r.Results(now) {
		switch {
		case res.Status == Present:
			n.Present++
		case res.Status == Late:
			n.Late++
		case res.Status == Absent, final && res.Status == Pending:
			n.Absent++
		}
	}
	return n
}

// RollSettled reports whether every station called has a final result:
// none is still within its grace. A roll call with no calls is not
// settled.
func (r *Record) RollSettled(now time.Time) bool {
	if len(r.Calls) == 0 {
		return false
	}
	for _, res := range r.Results(now) {
		if res.Status == Pending {
			return false
		}
	}
	return true
}

// Participants returns the stations that were in the room, each once, in
// the order they first joined.
func (r *Record) Participants() []app.ID {
	var out []app.ID
	for _, p := range r.Participations {
		if !slices.Contains(out, p.Station) {
			out = append(out, p.Station)
		}
	}
	return out
}

// Results is the record's roll call as of now.
func (r *Record) Results(now time.Time) []Result {
	return Results(&r.Consultation, r.Calls, r.Answers, now)
}

// OpenCall returns the latest call of station still waiting for its
// answer (no answer to it yet), or nil.
func (r *Record) OpenCall(station app.ID) *Call {
	var latest *Call
	for i := range r.Calls {
		c := &r.Calls[i]
		if slices.Contains(c.Stations, station) && (latest == nil || c.At.After(latest.At)) {
			latest = c
		}
	}
	if latest == nil {
		return nil
	}
	for _, a := range r.Answers {
		if a.Call == latest.ID && a.Station == station {
			return nil
		}
	}
	return latest
}

// Service keeps consultations. One call is one transaction, durable
// before it returns, with its operation in the outbox. The author of a
// change is app.AuthorFrom(ctx).
type Service interface {
	// Schedule records a consultation hosted here: live at once when
	// c.Scheduled is nil, scheduled otherwise. It assigns ID, Host,
	// CreatedAt, CreatedBy and State. EINVALID, ENOTFOUND, EFORBIDDEN.
	Schedule(ctx context.Context, c *Consultation) error
	// FromIncident records a live consultation about an incident held
	// here, inviting the incident's other stations. EINVALID (nobody to
	// invite), ENOTFOUND.
	FromIncident(ctx context.Context, incident app.ID, title string) (*Consultation, error)
	// Start puts a scheduled consultation hosted here live. EFORBIDDEN
	// for another station's, ECONFLICT once ended.
	Start(ctx context.Context, id app.ID) error
	// End ends a consultation hosted here.
	End(ctx context.Context, id app.ID) error
	// Reply answers an invitation of this station.
	Reply(ctx context.Context, id app.ID, accept bool) error
	// Joined and Left record this station's stay in the room.
	Joined(ctx context.Context, id app.ID) error
	Left(ctx context.Context, id app.ID) error
	// CallRoll calls the roll of stations (all invited when none are
	// named) in a consultation hosted here.
	CallRoll(ctx context.Context, id app.ID, stations []app.ID) (*Call, error)
	// AnswerRoll answers the open call of this station.
	AnswerRoll(ctx context.Context, id app.ID) (Status, error)
	// SaveRollCall writes the roll call's result to the timeline of the
	// incident a consultation hosted here is about, unless that result is
	// written already; End does it too. Nothing for a consultation
	// without an incident or a roll call. EFORBIDDEN for another
	// station's.
	SaveRollCall(ctx context.Context, id app.ID) error
	// SaveRecordings keeps the hub's list of the files recorded of a
	// consultation hosted here, and sends it to the invited stations when
	// it changed. EFORBIDDEN for another station's, EINVALID.
	SaveRecordings(ctx context.Context, list Recordings) error

	// Record returns one consultation with its history. ENOTFOUND.
	Record(ctx context.Context, id app.ID) (*Record, error)
	// Records returns the consultations held here, newest first.
	Records(ctx context.Context) ([]Record, error)
	// Ringing returns the live consultations this station is invited to
	// and has neither replied to nor joined: what rings.
	Ringing(ctx context.Context) ([]Consultation, error)
	// Scheduled returns the consultations still scheduled for a time
	// within [from, to], soonest first: what the window reminds of and
	// starts, read without the history.
	Scheduled(ctx context.Context, from, to time.Time) ([]Record, error)
}
