package store

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// The roster records as written in the file and in operation payloads. As
// with stations and people, the tags pin the format so renaming a Go field
// cannot change what is on disk. Dates are "2006-01-02", months "2006-01",
// posts "leader" or "standby 2", and instants UTC.

type templateRecord struct {
	Leader  int `json:"leader"`
	Cadre   int `json:"cadre"`
	Officer int `json:"officer"`
	Standby int `json:"standby"`
}

type settingsRecord struct {
	Handover    roster.TimeOfDay `json:"handover"`
	Normal      templateRecord   `json:"normal"`
	Holiday     templateRecord   `json:"holiday"`
	MinRestDays int              `json:"minRestDays"`
}

func toTemplateRecord(t roster.Template) templateRecord {
	return templateRecord{Leader: t.Leader, Cadre: t.Cadre, Officer: t.Officer, Standby: t.Standby}
}

func (t templateRecord) template() roster.Template {
	return roster.Template{Leader: t.Leader, Cadre: t.Cadre, Officer: t.Officer, Standby: t.Standby}
}

func toSettingsRecord(s roster.Settings) settingsRecord {
	return settingsRecord{Handover: s.Handover, Normal: toTemplateRecord(s.Normal), Holiday: toTemplateRecord(s.Holiday), MinRestDays: s.MinRestDays}
}

func (r settingsRecord) settings() roster.Settings {
	return roster.Settings{Handover: r.Handover, Normal: r.Normal.template(), Holiday: r.Holiday.template(), MinRestDays: r.MinRestDays}
}

type specialRecord struct {
	ID      app.ID      `json:"id"`
	Station app.ID      `json:"station"`
	Name    string      `json:"name"`
	From    roster.Date `json:"from"`
	To      roster.Date `json:"to"`
}

func toSpecialRecord(p *roster.SpecialPeriod) specialRecord {
	return specialRecord{ID: p.ID, Station: p.Station, Name: p.Name, From: p.From, To: p.To}
}

func (r specialRecord) period() roster.SpecialPeriod {
	return roster.SpecialPeriod{ID: r.ID, Station: r.Station, Name: r.Name, From: r.From, To: r.To}
}

type absenceRecord struct {
	ID      app.ID               `json:"id"`
	Station app.ID               `json:"station"`
	Person  app.ID               `json:"person"`
	From    roster.Date          `json:"from"`
	To      roster.Date          `json:"to"`
	Reason  roster.AbsenceReason `json:"reason"`
	Note    string               `json:"note,omitempty"`
}

func toAbsenceRecord(a *roster.Absence) absenceRecord {
	return absenceRecord{ID: a.ID, Station: a.Station, Person: a.Person, From: a.From, To: a.To, Reason: a.Reason, Note: a.Note}
}

func (r absenceRecord) absence() roster.Absence {
	return roster.Absence{ID: r.ID, Station: r.Station, Person: r.Person, From: r.From, To: r.To, Reason: r.Reason, Note: r.Note}
}

// postText carries a roster.Post as its text form.
type postText roster.Post

func (p postText) MarshalText() ([]byte, error) {
	if err := roster.Post(p).Validate(); err != nil {
		return nil, err
	}
	return []byte(roster.Post(p).String()), nil
}

func (p *postText) UnmarshalText(b []byte) error {
	v, err := roster.ParsePost(string(b))
	if err != nil {
		return err
	}
	*p = postText(v)
	return nil
}

type monthRecord struct {
	Station     app.ID       `json:"station"`
	Month       roster.Month `json:"month"`
	State       roster.State `json:"state"`
	PublishedAt time.Time    `json:"publishedAt,omitzero"`
	PublishedBy string       `json:"publishedBy,omitempty"`
}

func toMonthRecord(r *roster.Roster) monthRecord {
	return monthRecord{Station: r.Station, Month: r.Month, State: r.State, PublishedAt: r.PublishedAt, PublishedBy: r.PublishedBy}
}

func (r monthRecord) roster() roster.Roster {
	return roster.Roster{Station: r.Station, Month: r.Month, State: r.State, PublishedAt: r.PublishedAt, PublishedBy: r.PublishedBy}
}

type changeRecord struct {
	ID      app.ID      `json:"id"`
	Station app.ID      `json:"station"`
	At      time.Time   `json:"at"`
	Author  string      `json:"author,omitempty"`
	Day     roster.Date `json:"day"`
	Post    postText    `json:"post"`
	Before  app.ID      `json:"before,omitzero"`
	After   app.ID      `json:"after,omitzero"`
	Reason  string      `json:"reason,omitempty"`
	Swap    app.ID      `json:"swap,omitzero"`
}

func toChangeRecord(c *roster.Change) changeRecord {
	return changeRecord{ID: c.ID, Station: c.Station, At: c.At, Author: c.Author, Day: c.Day, Post: postText(c.Post),
		Before: c.Before, After: c.After, Reason: c.Reason, Swap: c.Swap}
}

func (r changeRecord) change() roster.Change {
	return roster.Change{ID: r.ID, Station: r.Station, At: r.At, Author: r.Author, Day: r.Day, Post: roster.Post(r.Post),
		Before: r.Before, After: r.After, Reason: r.Reason, Swap: r.Swap}
}

type slotRecord struct {
	Day    roster.Date `json:"day"`
	Post   postText    `json:"post"`
	Person app.ID      `json:"person"`
}

type swapRecord struct {
	ID          app.ID           `json:"id"`
	Station     app.ID           `json:"station"`
	First       slotRecord       `json:"first"`
	Second      slotRecord       `json:"second"`
	Reason      string           `json:"reason,omitempty"`
	RequestedBy string           `json:"requestedBy,omitempty"`
	RequestedAt time.Time        `json:"requestedAt"`
	State       roster.SwapState `json:"state"`
	DecidedBy   app.ID           `json:"decidedBy,omitzero"`
	DecidedAt   time.Time        `json:"decidedAt,omitzero"`
	Note        string           `json:"note,omitempty"`
}

func toSlotRecord(s roster.Slot) slotRecord {
	return slotRecord{Day: s.Day, Post: postText(s.Post), Person: s.Person}
}

func (r slotRecord) slot() roster.Slot {
	return roster.Slot{Day: r.Day, Post: roster.Post(r.Post), Person: r.Person}
}

func toSwapRecord(s *roster.SwapRequest) swapRecord {
	return swapRecord{ID: s.ID, Station: s.Station, First: toSlotRecord(s.First), Second: toSlotRecord(s.Second),
		Reason: s.Reason, RequestedBy: s.RequestedBy, RequestedAt: s.RequestedAt, State: s.State,
		DecidedBy: s.DecidedBy, DecidedAt: s.DecidedAt, Note: s.Note}
}

func (r swapRecord) swap() roster.SwapRequest {
	return roster.SwapRequest{ID: r.ID, Station: r.Station, First: r.First.slot(), Second: r.Second.slot(),
		Reason: r.Reason, RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt, State: r.State,
		DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, Note: r.Note}
}

type noticeRecord struct {
	ID      app.ID             `json:"id"`
	Person  app.ID             `json:"person"`
	Station app.ID             `json:"station"`
	At      time.Time          `json:"at"`
	Kind    roster.NoticeKind  `json:"kind"`
	Month   roster.Month       `json:"month"`
	Day     roster.Date        `json:"day,omitzero"`
	Post    string             `json:"post,omitempty"`
	Message string             `json:"message"`
	Facts   *noticeFactsRecord `json:"facts,omitempty"` // absent in notices kept before there were facts
	Read    bool               `json:"read,omitempty"`
}

type noticeFactsRecord struct {
	Before    string            `json:"before,omitempty"`
	After     string            `json:"after,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Duties    []namedSlotRecord `json:"duties,omitempty"`
	Swap      []namedSlotRecord `json:"swap,omitempty"`
	DecidedBy string            `json:"decided_by,omitempty"`
	Note      string            `json:"note,omitempty"`
}

type namedSlotRecord struct {
	Name string      `json:"name,omitempty"`
	Day  roster.Date `json:"day"`
	Post string      `json:"post"`
}

func toNamedSlotRecords(in []roster.NamedSlot) []namedSlotRecord {
	var out []namedSlotRecord
	for _, s := range in {
		out = append(out, namedSlotRecord{Name: s.Name, Day: s.Day, Post: s.Post.String()})
	}
	return out
}

func namedSlots(in []namedSlotRecord) []roster.NamedSlot {
	var out []roster.NamedSlot
	for _, r := range in {
		s := roster.NamedSlot{Name: r.Name, Day: r.Day}
		s.Post, _ = roster.ParsePost(r.Post) // shown only; a bad post reads as none
		out = append(out, s)
	}
	return out
}

func toNoticeRecord(n *roster.Notice) noticeRecord {
	r := noticeRecord{ID: n.ID, Person: n.Person, Station: n.Station, At: n.At, Kind: n.Kind, Month: n.Month, Day: n.Day, Message: n.Message, Read: n.Read}
	if !n.Day.IsZero() {
		r.Post = n.Post.String()
	}
	if f := n.Facts; f.Known(n.Kind) {
		r.Facts = &noticeFactsRecord{Before: f.Before, After: f.After, Reason: f.Reason,
			Duties: toNamedSlotRecords(f.Duties), Swap: toNamedSlotRecords(f.Swap), DecidedBy: f.DecidedBy, Note: f.Note}
	}
	return r
}

func (r noticeRecord) notice() roster.Notice {
	n := roster.Notice{ID: r.ID, Person: r.Person, Station: r.Station, At: r.At, Kind: r.Kind, Month: r.Month, Day: r.Day, Message: r.Message, Read: r.Read}
	if r.Post != "" {
		n.Post, _ = roster.ParsePost(r.Post) // shown only; a bad post reads as none
	}
	if f := r.Facts; f != nil {
		n.Facts = roster.NoticeFacts{Before: f.Before, After: f.After, Reason: f.Reason,
			Duties: namedSlots(f.Duties), Swap: namedSlots(f.Swap), DecidedBy: f.DecidedBy, Note: f.Note}
	}
	return n
}

type calendarDayRecord struct {
	Kind roster.DayKind `json:"kind"`
	Name string         `json:"name,omitempty"`
}

type logRecord struct {
	ID       app.ID         `json:"id"`
	Station  app.ID         `json:"station"`
	Day      roster.Date    `json:"day"`
	At       time.Time      `json:"at"`
	Author   string         `json:"author,omitempty"`
	AuthorID app.ID         `json:"author_id,omitzero"`
	Kind     roster.LogKind `json:"kind"`
	Text     string         `json:"text"`
	// An automatic entry (shiftlog.go) names its record; manual ones
	// leave these out, so their records read as before.
	Auto   bool                 `json:"auto,omitempty"`
	Record roster.LogRecordKind `json:"record,omitempty"`
	RecID  app.ID               `json:"record_id,omitzero"`
	Event  string               `json:"event,omitempty"`
	Detail string               `json:"detail,omitempty"`
}

func toLogRecord(e *roster.LogEntry) logRecord {
	return logRecord{ID: e.ID, Station: e.Station, Day: e.Day, At: e.At, Author: e.Author, AuthorID: e.AuthorID, Kind: e.Kind, Text: e.Text,
		Auto: e.Auto, Record: e.Record.Kind, RecID: e.Record.ID, Event: e.Record.Event, Detail: e.Record.Detail}
}

func (r logRecord) entry() roster.LogEntry {
	return roster.LogEntry{ID: r.ID, Station: r.Station, Day: r.Day, At: r.At, Author: r.Author, AuthorID: r.AuthorID, Kind: r.Kind, Text: r.Text,
		Auto: r.Auto, Record: roster.LogRecord{Kind: r.Record, ID: r.RecID, Event: r.Event, Detail: r.Detail}}
}

type checkInRecord struct {
	Station app.ID      `json:"station"`
	Day     roster.Date `json:"day"`
	Person  app.ID      `json:"person"`
	At      time.Time   `json:"at"`
}

type handoverRecord struct {
	Station      app.ID      `json:"station"`
	Day          roster.Date `json:"day"`
	OpenMatters  []string    `json:"openMatters"`
	Outgoing     app.ID      `json:"outgoing"`
	OutgoingName string      `json:"outgoingName"`
	OutAt        time.Time   `json:"outAt"`
	Incoming     app.ID      `json:"incoming,omitzero"`
	IncomingName string      `json:"incomingName,omitempty"`
	InAt         time.Time   `json:"inAt,omitzero"`
}

func toHandoverRecord(h *roster.Handover) handoverRecord {
	matters := h.OpenMatters
	if matters == nil {
		matters = []string{}
	}
	return handoverRecord{Station: h.Station, Day: h.Day, OpenMatters: matters, Outgoing: h.Outgoing, OutgoingName: h.OutgoingName,
		OutAt: h.OutAt, Incoming: h.Incoming, IncomingName: h.IncomingName, InAt: h.InAt}
}

func (r handoverRecord) handover() roster.Handover {
	return roster.Handover{Station: r.Station, Day: r.Day, OpenMatters: r.OpenMatters, Outgoing: r.Outgoing, OutgoingName: r.OutgoingName,
		OutAt: r.OutAt, Incoming: r.Incoming, IncomingName: r.IncomingName, InAt: r.InAt}
}

// putJSON writes v under key and returns its encoding, which is also the
// payload of the operation that records the change.
func putJSON(b *bolt.Bucket, key []byte, v any) ([]byte, error) {
	buf, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return buf, b.Put(key, buf)
}

// getJSON reads the record under key into v and reports whether there was
// one. A record that does not decode is ECORRUPT, naming what it was.
func getJSON(b *bolt.Bucket, key []byte, v any, what string) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := decodeJSON(raw, v, what); err != nil {
		return false, err
	}
	return true, nil
}

func decodeJSON(raw []byte, v any, what string) error {
	if err := unmarshalRecord(raw, v); err != nil {
		return app.Errorf(app.ECORRUPT, "%s is damaged: %s", what, app.ErrorMessage(err))
	}
	return nil
}

// marshalPayload encodes an operation payload that is not itself a stored record.
func marshalPayload(v any) ([]byte, error) {
	return json.Marshal(v)
}
