package roster

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Operation kinds of rosters and the duty log (app.Operation.Kind).
const (
	OpSettings        = "roster.settings"
	OpSpecialCreate   = "roster.special.create"
	OpSpecialUpdate   = "roster.special.update"
	OpSpecialDelete   = "roster.special.delete"
	OpAbsenceCreate   = "roster.absence.create"
	OpAbsenceUpdate   = "roster.absence.update"
	OpAbsenceDelete   = "roster.absence.delete"
	OpAssign          = "roster.assign"
	OpUnassign        = "roster.unassign"
	OpGenerate        = "roster.generate"
	OpPublish         = "roster.publish"
	OpSwapRequest     = "roster.swap.request"
	OpSwapApprove     = "roster.swap.approve"
	OpSwapReject      = "roster.swap.reject"
	OpLog             = "roster.log"
	OpCheckIn         = "roster.checkin"
	OpHandover        = "roster.handover"
	OpHandoverConfirm = "roster.handover.confirm"
	OpCalendarImport  = "calendar.import"
	OpCalendarDay     = "calendar.day"
)

// LogKind says what a duty log entry records.
type LogKind string

const (
	LogCall        LogKind = "call"        // a call or message received (来电来报)
	LogInstruction LogKind = "instruction" // an instruction passed on (领导批示, 上级指示)
	LogEvent       LogKind = "event"       // something that happened (事件, 处置)
	LogOther       LogKind = "other"
)

// Valid reports whether k is a known kind.
func (k LogKind) Valid() bool {
	return k == LogCall || k == LogInstruction || k == LogEvent || k == LogOther
}

const maxLogText = 2000

// LogEntry is one timestamped line of the duty log (值班日志).
type LogEntry struct {
	ID      app.ID
	Station app.ID
	Day     Date      // the duty day it belongs to
	At      time.Time // when it happened
	Author  string
	// AuthorID is the person who wrote it (signed in at the desk), NilID
	// for entries from before people signed in.
	AuthorID app.ID
	Kind     LogKind
	Text     string

	// An automatic entry is written by the station itself as a record is
	// made or arrives (an intake, a warning, a spot check...); it names the
	// record it follows and cannot be edited or deleted by hand. Manual
	// entries leave these empty.
	Auto   bool
	Record LogRecord
}

// LogRecordKind names the kind of record an automatic log entry follows.
type LogRecordKind string

const (
	RecordIncident     LogRecordKind = "incident"     // an intake, a report, an incident from below
	RecordWarning      LogRecordKind = "warning"      // 预警
	RecordNotice       LogRecordKind = "notice"       // 通知: a message of kind notice
	RecordSpotCheck    LogRecordKind = "spotcheck"    // 查岗
	RecordConsultation LogRecordKind = "consultation" // 会商
	RecordHandover     LogRecordKind = "handover"     // 交接班; ID is the station, Day the duty day handed over
	// RecordVillageReport: 村报, a village information officer's report
	// received, and its 核实 here.
	RecordVillageReport LogRecordKind = "villagereport"
)

// LogRecord links an automatic entry to its record: what it is, which
// one, and what happened to it.
type LogRecord struct {
	Kind LogRecordKind
	ID   app.ID
	// Event says what happened, as "<kind>.<what>": incident.intake,
	// warning.received, spotcheck.missed... The window words it.
	Event string
	// Detail is a code the event's wording needs beside the text: a
	// report's kind, a warning's level. Empty when there is none.
	Detail string
}

// Validate checks the entry on its own. EINVALID with the field.
func (e *LogEntry) Validate() error {
	e.Text = strings.TrimSpace(e.Text)
	switch {
	case e.Station == app.NilID:
		return app.FieldErrorf("station", "a log entry belongs to a station")
	case !e.Day.Valid():
		return app.FieldErrorf("day", "a valid duty day is required")
	case e.At.IsZero():
		return app.FieldErrorf("at", "say when it happened")
	case !e.Kind.Valid():
		return app.FieldErrorf("kind", "unknown kind %q (want call, instruction, event or other)", e.Kind)
	case e.Text == "":
		return app.FieldErrorf("text", "write what happened")
	case utf8.RuneCountInString(e.Text) > maxLogText:
		return app.FieldErrorf("text", "text is longer than %d characters", maxLogText)
	}
	return nil
}

// CheckIn records that a person took up their post (到岗签到).
type CheckIn struct {
	Station app.ID
	Day     Date
	Person  app.ID
	At      time.Time
}

// Validate checks the check-in on its own. EINVALID with the field.
func (c *CheckIn) Validate() error {
	switch {
	case c.Station == app.NilID:
		return app.FieldErrorf("station", "a check-in belongs to a station")
	case !c.Day.Valid():
		return app.FieldErrorf("day", "a valid duty day is required")
	case c.Person == app.NilID:
		return app.FieldErrorf("person", "say who checks in")
	case c.At.IsZero():
		return app.FieldErrorf("at", "say when")
	}
	return nil
}

const maxOpenMatters = 50

// Handover closes a duty day (交接班): the outgoing officer lists the open
// matters, the incoming one confirms. Names are kept beside the ids so the
// record still reads right after someone leaves the directory.
type Handover struct {
	Station      app.ID
	Day          Date // the outgoing duty day
	OpenMatters  []string
	Outgoing     app.ID
	OutgoingName string
	OutAt        time.Time
	Incoming     app.ID // NilID until confirmed
	IncomingName string
	InAt         time.Time
}

// Confirmed reports whether the incoming officer has taken over.
func (h *Handover) Confirmed() bool { return h.Incoming != app.NilID }

// Validate checks the handover on its own. EINVALID with the field.
func (h *Handover) Validate() error {
	matters := h.OpenMatters[:0]
	for _, m := range h.OpenMatters {
		if m = strings.TrimSpace(m); m != "" {
			matters = append(matters, m)
		}
	}
	h.OpenMatters = matters
	switch {
	case h.Station == app.NilID:
		return app.FieldErrorf("station", "a handover belongs to a station")
	case !h.Day.Valid():
		return app.FieldErrorf("day", "a valid duty day is required")
	case h.Outgoing == app.NilID || h.OutAt.IsZero():
		return app.FieldErrorf("outgoing", "the outgoing officer and time are required")
	case len(h.OpenMatters) > maxOpenMatters:
		return app.FieldErrorf("open_matters", "more than %d open matters", maxOpenMatters)
	case h.Incoming != app.NilID && h.InAt.Before(h.OutAt):
		return app.FieldErrorf("in_at", "confirmed before it was handed over")
	case h.Incoming != app.NilID && h.Incoming == h.Outgoing:
		return app.FieldErrorf("incoming", "the incoming officer must be someone else")
	}
	for _, m := range h.OpenMatters {
		if utf8.RuneCountInString(m) > maxLogText {
			return app.FieldErrorf("open_matters", "an open matter is longer than %d characters", maxLogText)
		}
	}
	return nil
}

// AbsenceFilter narrows Absences. Nil fields do not filter; From and To
// keep absences overlapping that range.
type AbsenceFilter struct {
	Station *app.ID
	Person  *app.ID
	From    *Date
	To      *Date
}

// Service keeps rosters: per-station settings, special periods, absences,
// assignments with their audit history, swaps and publication. Changes are
// authored by app.AuthorFrom(ctx), and each appends its operation to the
// outbox. EFORBIDDEN wherever the client's station may not change the
// station's records.
type Service interface {
	CalendarService
	DutyLogService

	// Settings returns the station's settings, DefaultSettings while it has
	// set none. ENOTFOUND for an unknown station.
	Settings(ctx context.Context, station app.ID) (Settings, error)
	// SetSettings replaces the station's settings. EINVALID, ENOTFOUND.
	SetSettings(ctx context.Context, station app.ID, s Settings) error

	// SpecialPeriods returns the station's periods overlapping from..to, by start.
	SpecialPeriods(ctx context.Context, station app.ID, from, to Date) ([]SpecialPeriod, error)
	// CreateSpecialPeriod assigns the ID. EINVALID, ENOTFOUND for an unknown
	// station, ECONFLICT when it overlaps another period of the station.
	CreateSpecialPeriod(ctx context.Context, p *SpecialPeriod) error
	// UpdateSpecialPeriod changes name and dates. EINVALID, ENOTFOUND, ECONFLICT.
	UpdateSpecialPeriod(ctx context.Context, p *SpecialPeriod) error
	// DeleteSpecialPeriod removes a period. ENOTFOUND.
	DeleteSpecialPeriod(ctx context.Context, id app.ID) error

	// Absences returns matching absences by start date.
	Absences(ctx context.Context, f AbsenceFilter) ([]Absence, error)
	// CreateAbsence assigns the ID. EINVALID, ENOTFOUND for an unknown
	// person, ECONFLICT when the person already holds a duty in the range
	// (clear or swap it first).
	CreateAbsence(ctx context.Context, a *Absence) error
	// UpdateAbsence changes dates, reason and note. EINVALID, ENOTFOUND, ECONFLICT.
	UpdateAbsence(ctx context.Context, a *Absence) error
	// DeleteAbsence removes an absence. ENOTFOUND.
	DeleteAbsence(ctx context.Context, id app.ID) error

	// Assignments returns the station's assignments from..to in day and post order.
	Assignments(ctx context.Context, station app.ID, from, to Date) ([]Assignment, error)
	// PersonDuties returns a person's assignments from..to at every station.
	PersonDuties(ctx context.Context, person app.ID, from, to Date) ([]Assignment, error)
	// SetAssignment puts a person on a post by hand (Manual is forced true)
	// and records a Change with the reason. It runs CheckAssignment and
	// returns its warnings. EINVALID (bad post, role not held), ENOTFOUND
	// (unknown station or person), ECONFLICT (another post that day, away).
	// On a published month it returns the people to notify.
	SetAssignment(ctx context.Context, a Assignment, reason string) (warnings []string, notify []app.ID, err error)
	// ClearAssignment empties a post and records a Change. ENOTFOUND when the
	// post is empty. On a published month it returns the people to notify.
	ClearAssignment(ctx context.Context, station app.ID, day Date, post Post, reason string) (notify []app.ID, err error)
	// SaveGenerated replaces the station's non-manual assignments from..to
	// with the generator's result, recording a Change per post that differs
	// (Diff). EINVALID for assignments outside the range or station,
	// ECONFLICT when a manual assignment changed since generating. On
	// published months it returns the people to notify.
	SaveGenerated(ctx context.Context, station app.ID, from, to Date, as []Assignment) (notify []app.ID, err error)
	// History returns the audit trail of a station's duty day, oldest first.
	History(ctx context.Context, station app.ID, day Date) ([]Change, error)

	// Roster returns a month's roster, a draft while nothing was published.
	Roster(ctx context.Context, station app.ID, m Month) (*Roster, error)
	// Publish puts the month in force and returns every person with a duty
	// in it, to notify. EINVALID when posts are empty, unless allowGaps.
	Publish(ctx context.Context, station app.ID, m Month, allowGaps bool) (notify []app.ID, err error)

	// RequestSwap files a pending request. EINVALID (bad request, a role
	// not held: CheckSwap), ECONFLICT when a slot is not held as stated.
	RequestSwap(ctx context.Context, s *SwapRequest) error
	// SwapRequests returns the station's requests in a state ("" for all),
	// newest first.
	SwapRequests(ctx context.Context, station app.ID, state SwapState) ([]SwapRequest, error)
	// ApproveSwap carries out a pending swap with its two Changes. EFORBIDDEN
	// unless leader is a leader of the station (CanDecide), ENOTFOUND,
	// ECONFLICT when it is no longer pending or a slot changed meanwhile.
	// Returns the people to notify.
	ApproveSwap(ctx context.Context, id app.ID, leader app.ID, note string) (notify []app.ID, err error)
	// RejectSwap closes a pending swap unchanged. EFORBIDDEN, ENOTFOUND, ECONFLICT.
	RejectSwap(ctx context.Context, id app.ID, leader app.ID, note string) error
}

// CalendarService keeps the one holiday calendar a client uses. The
// calendar is national, so it is shared by every station.
type CalendarService interface {
	// Calendar returns a copy of the calendar, the shipped years included.
	Calendar(ctx context.Context) (*Calendar, error)
	// ImportCalendar parses a file (ParseCalendar) and merges its years
	// (Calendar.Merge), all or nothing. EINVALID naming the bad line.
	// Returns the years imported.
	ImportCalendar(ctx context.Context, r io.Reader) (years []int, err error)
	// SetCalendarDay edits one day (Calendar.SetDay). EINVALID.
	SetCalendarDay(ctx context.Context, d Date, kind DayKind, name string) error
}

// DutyLogService keeps what happens during a duty day: the log, check-ins
// and the handover. These are append-only records, so they never conflict
// between stations.
type DutyLogService interface {
	// LogEntries returns a station's log of a duty day, by time.
	LogEntries(ctx context.Context, station app.ID, day Date) ([]LogEntry, error)
	// AddLogEntry assigns the ID, and the author from the context.
	// EINVALID, ENOTFOUND for an unknown station.
	AddLogEntry(ctx context.Context, e *LogEntry) error
	// CheckIns returns a station's check-ins of a duty day, by time.
	CheckIns(ctx context.Context, station app.ID, day Date) ([]CheckIn, error)
	// CheckIn records a check-in. EINVALID, ENOTFOUND, ECONFLICT when the
	// person holds no post that day or has checked in already.
	CheckIn(ctx context.Context, c *CheckIn) error
	// Handover returns the handover of a duty day. ENOTFOUND before one.
	Handover(ctx context.Context, station app.ID, day Date) (*Handover, error)
	// HandOver records the outgoing side. EINVALID, ECONFLICT when the day
	// was handed over already.
	HandOver(ctx context.Context, h *Handover) error
	// ConfirmHandover records the incoming side. ENOTFOUND before HandOver,
	// ECONFLICT when already confirmed.
	ConfirmHandover(ctx context.Context, station app.ID, day Date, incoming app.ID, at time.Time) error
}
