package incident

import (
	"bytes"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// EventKind is what happened to an incident.
type EventKind string

const (
	EventReceived        EventKind = "received"
	EventGraded          EventKind = "graded" // the provisional grade was set or changed by the figures
	EventCountsChanged   EventKind = "counts_changed"
	EventGradeConfirmed  EventKind = "grade_confirmed"
	EventGradeOverridden EventKind = "grade_overridden"
	EventTasksCreated    EventKind = "tasks_created" // the rules required new reports
	EventReported        EventKind = "reported"      // the initial report was written
	EventFollowedUp      EventKind = "followed_up"
	EventSupplemented    EventKind = "supplemented"
	EventFinalReported   EventKind = "final_reported"
	EventSigned          EventKind = "signed"
	EventSent            EventKind = "sent"
	EventAcknowledged    EventKind = "acknowledged"
	EventClosed          EventKind = "closed"
	// A video consultation about the incident: its start (the invited
	// stations), its end (who took part, how long) and its roll call
	// (how many answered in time, late, not at all). Event.Consult holds
	// the figures, so every station words them in its own language.
	EventConsultStarted EventKind = "consult_started"
	EventConsultEnded   EventKind = "consult_ended"
	EventConsultRoll    EventKind = "consult_roll"
	// EventRegraded: the station's thresholds changed and gave the
	// figures another provisional grade (重新定级).
	EventRegraded EventKind = "regraded"
	// EventVillageReport: a village information officer's report (村报)
	// became the incident or was merged into it.
	EventVillageReport EventKind = "village_report"
)

// EventKinds lists every kind.
var EventKinds = []EventKind{
	EventReceived, EventGraded, EventCountsChanged, EventGradeConfirmed, EventGradeOverridden,
	EventTasksCreated, EventReported, EventFollowedUp, EventSupplemented, EventFinalReported,
	EventSigned, EventSent, EventAcknowledged, EventClosed,
	EventConsultStarted, EventConsultEnded, EventConsultRoll, EventRegraded,
	EventVillageReport,
}

// Valid reports whether k is a known kind.
func (k EventKind) Valid() bool { return slices.Contains(EventKinds, k) }

// ReportEvent is the event that filing a report of kind k records.
func ReportEvent(k ReportKind) EventKind {
	switch k {
	case KindFollowUp:
		return EventFollowedUp
	case KindSupplementary:
		return EventSupplemented
	case KindFinal:
		return EventFinalReported
	}
	return EventReported
}

// Event is one entry of an incident's timeline. The timeline is append-only:
// events are never changed or removed, so it can always answer who did what
// and when, and events from several stations merge without conflict.
type Event struct {
	ID       app.ID    `json:"id"`
	Incident app.ID    `json:"incident"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Station  app.ID    `json:"station,omitzero"` // where the actor sat
	Kind     EventKind `json:"kind"`
	Detail   string    `json:"detail,omitempty"` // in English; what older events have only
	Note     *Note     `json:"note,omitempty"`   // the detail as data, for each screen's language
	// Consult is set on the consultation events.
	Consult *ConsultFacts `json:"consult,omitempty"`
}

// ConsultFacts are what a consultation event records: which consultation,
// and for its kind the invited stations, the stations that took part and
// how long it lasted, or the roll call's counts.
type ConsultFacts struct {
	Consultation app.ID        `json:"consultation"`
	Title        string        `json:"title"`
	Invited      []app.ID      `json:"invited,omitempty"`
	Participants []app.ID      `json:"participants,omitempty"`
	Duration     time.Duration `json:"duration,omitempty"`
	Present      int           `json:"present,omitempty"`
	Late         int           `json:"late,omitempty"`
	Absent       int           `json:"absent,omitempty"`
}

// NewEvent returns an event with a fresh id.
func NewEvent(incident, station app.ID, at time.Time, actor string, kind EventKind, detail string) Event {
	return Event{ID: app.NewID(), Incident: incident, Station: station, At: at, Actor: actor, Kind: kind, Detail: detail}
}

// Validate checks an event as it arrives from another station.
func (e *Event) Validate() error {
	e.Actor = strings.TrimSpace(e.Actor)
	switch {
	case e.ID == app.NilID:
		return app.FieldErrorf("id", "an event needs an id")
	case e.Incident == app.NilID:
		return app.FieldErrorf("incident", "an event belongs to an incident")
	case e.At.IsZero():
		return app.FieldErrorf("at", "an event needs a time")
	case !e.Kind.Valid():
		return app.FieldErrorf("kind", "unknown event kind %q", e.Kind)
	case utf8.RuneCountInString(e.Detail) > 2000:
		return app.FieldErrorf("detail", "event detail is longer than 2,000 characters")
	}
	if f := e.Consult; f != nil {
		switch {
		case f.Consultation == app.NilID:
			return app.FieldErrorf("consult", "a consultation event names no consultation")
		case utf8.RuneCountInString(f.Title) > 200:
			return app.FieldErrorf("consult", "the consultation title is longer than 200 characters")
		case len(f.Invited) > 64 || len(f.Participants) > 64:
			return app.FieldErrorf("consult", "a consultation event names more than 64 stations")
		case f.Duration < 0 || f.Present < 0 || f.Late < 0 || f.Absent < 0:
			return app.FieldErrorf("consult", "a consultation event has a negative figure")
		}
	}
	if e.Note != nil {
		return e.Note.Validate()
	}
	return nil
}

// SortTimeline orders events by time, then by id. Clocks of different
// stations disagree slightly, so two stations' events may interleave
// unexpectedly; the id makes the order the same everywhere.
func SortTimeline(events []Event) {
	slices.SortStableFunc(events, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
}
