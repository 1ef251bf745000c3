package incident

import (
	"strconv"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Note is what an event says beyond its kind, as data: the kind of
// sentence and its arguments, so that each screen says it in its own
// language (the grade, the report kind, a station, a time in the
// station's zone). The event's Detail keeps the same in English for the
// command line and for programs that know no notes; events stored before
// notes existed have only Detail, and are shown with it.
//
// Notes are generic on purpose: a new kind of event adds a note kind and
// its sentence in the translations, nothing else.
type Note struct {
	Kind  NoteKind `json:"kind"`
	Args  []Arg    `json:"args,omitempty"`
	Items []Note   `json:"items,omitempty"` // a list: one sentence each, in order
}

// NoteKind names a sentence. The screens have a translation for each.
type NoteKind string

const (
	NoteReceived   NoteKind = "received"   // category, channel, reporter?, place?
	NoteGraded     NoteKind = "graded"     // grade, field, value, min, next (the band's bounds), missing_counted?
	NoteRegraded   NoteKind = "regraded"   // from, to, station (whose thresholds), kept? (the leader's grade that stands)
	NoteFigures    NoteKind = "figures"    // items: NoteFigure
	NoteFigure     NoteKind = "figure"     // field, from, to
	NoteTasks      NoteKind = "tasks"      // items: NoteTask
	NoteTask       NoteKind = "task"       // mode, to, due
	NoteConfirmed  NoteKind = "confirmed"  // grade, by
	NoteOverridden NoteKind = "overridden" // grade, provisional, by, reason
	NoteReport     NoteKind = "report"     // kind, missing?
	NoteSigned     NoteKind = "signed"     // kind, station, by, count
	NoteSent       NoteKind = "sent"       // mode, kind, to, late? (the deadline missed)
	NoteAcked      NoteKind = "acked"      // kind, to, by
	NoteClosed     NoteKind = "closed"     // reason
	NoteClosedBy   NoteKind = "closed_by_final"
	// NoteVillageReport: officer, village (station), place, photos, merged? (the report joined the incident)
	NoteVillageReport NoteKind = "village_report"
)

// NoteKinds lists every kind, for the screens' check that each has its
// sentence.
var NoteKinds = []NoteKind{NoteReceived, NoteGraded, NoteRegraded, NoteFigures, NoteFigure, NoteTasks, NoteTask,
	NoteConfirmed, NoteOverridden, NoteReport, NoteSigned, NoteSent, NoteAcked, NoteClosed, NoteClosedBy, NoteVillageReport}

// ArgType says how an argument is shown.
type ArgType string

const (
	ArgText       ArgType = "text"        // as given: names, reasons, place text
	ArgNumber     ArgType = "number"      // a decimal integer
	ArgGrade      ArgType = "grade"       // Grade as its number
	ArgStation    ArgType = "station"     // a station id, shown by name
	ArgTime       ArgType = "time"        // RFC 3339, shown in the station's zone
	ArgReportKind ArgType = "report_kind" // ReportKind
	ArgMode       ArgType = "mode"        // Mode
	ArgRecipient  ArgType = "recipient"   // a station id, or a Level beyond the tree
	ArgCategory   ArgType = "category"    // Category
	ArgChannel    ArgType = "channel"     // Channel
	ArgField      ArgType = "field"       // a figure's field: counts.dead, loss
	ArgFields     ArgType = "fields"      // field names, comma-separated, as MissingFields gives them
)

// Arg is one argument of a note's sentence, named as the translation
// names it.
type Arg struct {
	Name  string  `json:"name"`
	Type  ArgType `json:"type"`
	Value string  `json:"value"`
}

// Limits on notes from other stations.
const (
	maxNoteArgs  = 16
	maxNoteItems = 64
	maxArgValue  = 2000
)

// Validate checks a note as it arrives: bounded, one level of items, and
// every argument named. Kinds and types this version does not know are
// accepted (a later version sends them); the screens then show Detail.
func (n *Note) Validate() error {
	return n.validate(0)
}

func (n *Note) validate(depth int) error {
	switch {
	case n.Kind == "" || len(n.Kind) > 64:
		return app.FieldErrorf("note", "a note needs a kind of at most 64 bytes")
	case len(n.Args) > maxNoteArgs:
		return app.FieldErrorf("note", "a note has %d arguments; at most %d", len(n.Args), maxNoteArgs)
	case len(n.Items) > maxNoteItems:
		return app.FieldErrorf("note", "a note lists %d items; at most %d", len(n.Items), maxNoteItems)
	case depth > 0 && len(n.Items) > 0:
		return app.FieldErrorf("note", "an item of a note cannot list items of its own")
	}
	for _, a := range n.Args {
		if a.Name == "" || len(a.Name) > 64 || a.Type == "" || len(a.Type) > 64 || utf8.RuneCountInString(a.Value) > maxArgValue {
			return app.FieldErrorf("note", "argument %q of a %s note is not a short named value", a.Name, n.Kind)
		}
	}
	for i := range n.Items {
		if err := n.Items[i].validate(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// Arg returns the argument named, and whether there is one.
func (n *Note) Arg(name string) (Arg, bool) {
	for _, a := range n.Args {
		if a.Name == name {
			return a, true
		}
	}
	return Arg{}, false
}

// Helpers that build arguments, so the types and formats are written in
// one place.

func TextArg(name, v string) Arg { return Arg{name, ArgText, v} }
func NumberArg(name string, v int64) Arg {
	return Arg{name, ArgNumber, strconv.FormatInt(v, 10)}
}
func GradeArg(name string, g Grade) Arg { return Arg{name, ArgGrade, strconv.Itoa(int(g))} }
func StationArg(name string, id app.ID) Arg {
	return Arg{name, ArgStation, id.String()}
}
func TimeArg(name string, t time.Time) Arg {
	return Arg{name, ArgTime, t.UTC().Format(time.RFC3339)}
}
func ReportKindArg(name string, k ReportKind) Arg { return Arg{name, ArgReportKind, string(k)} }
func ModeArg(name string, m Mode) Arg             { return Arg{name, ArgMode, string(m)} }
func RecipientArg(name string, r Recipient) Arg {
	if r.External() {
		return Arg{name, ArgRecipient, string(r.Level)}
	}
	return Arg{name, ArgRecipient, r.Station.String()}
}
func CategoryArg(name string, c Category) Arg { return Arg{name, ArgCategory, string(c)} }
func ChannelArg(name string, c Channel) Arg   { return Arg{name, ArgChannel, string(c)} }
func FieldArg(name, field string) Arg         { return Arg{name, ArgField, field} }

// NewNotedEvent returns an event with a fresh id whose detail is given as
// a note, with detail the same in English.
func NewNotedEvent(incident, station app.ID, at time.Time, actor string, kind EventKind, note Note, detail string) Event {
	ev := NewEvent(incident, station, at, actor, kind, detail)
	ev.Note = &note
	return ev
}
