// Package warning is the duty room's warnings (预警): a graded warning an
// upper station issues to every duty room and village below it, and the
// acknowledgement each of them owes (DOMAIN.md, "Warnings").
//
// Everything here is pure: callers pass the clock and the station tree, so
// the same rules run in the form, the store and on operations arriving from
// other stations.
package warning

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Operation kinds of warnings. A warning is broadcast down the issuer's
// subtree (app.ScopeDown); an acknowledgement reports upward, so the issuer
// and every station between see it.
const (
	OpIssue = "warning.issue" // payload: Warning
	OpAck   = "warning.ack"   // payload: Ack
)

// Level is the colour grade, from blue (lowest) to red.
type Level string

const (
	Blue   Level = "blue"   // 蓝色
	Yellow Level = "yellow" // 黄色
	Orange Level = "orange" // 橙色
	Red    Level = "red"    // 红色
)

// Levels lists the grades from the lowest up.
var Levels = []Level{Blue, Yellow, Orange, Red}

// Valid reports whether l is one of the four grades.
func (l Level) Valid() bool { return l.Rank() > 0 }

// Rank is 1 for blue up to 4 for red, 0 for anything else.
func (l Level) Rank() int {
	for i, x := range Levels {
		if x == l {
			return i + 1
		}
	}
	return 0
}

// NeedsSound reports whether a warning of this grade alarms with sound
// until it is acknowledged: orange and red do, because they call for
// action within hours and a silent window is easy to miss at night.
func NeedsSound(l Level) bool { return l == Orange || l == Red }

// Type is the hazard the warning is about.
type Type string

const (
	Rainstorm  Type = "rainstorm"    // 暴雨
	Flood      Type = "flood"        // 洪水
	Geological Type = "geological"   // 地质灾害
	ForestFire Type = "forest_fire"  // 森林火险
	LowTempIce Type = "low_temp_ice" // 低温雨雪冰冻
	HighTemp   Type = "high_temp"    // 高温
	StrongWind Type = "strong_wind"  // 大风
	Thunder    Type = "thunder"      // 雷电
	Other      Type = "other"
)

// Types lists every type in the order forms offer them.
var Types = []Type{Rainstorm, Flood, Geological, ForestFire, LowTempIce, HighTemp, StrongWind, Thunder, Other}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// Limits on a warning, so one record stays a readable notice and fits an
// operation comfortably.
const (
	MaxArea     = 200  // runes
	MaxText     = 4000 // runes
	MaxName     = 32   // runes, as a person's name in the directory
	MaxValidity = 31 * 24 * time.Hour
)

// Warning is one issued warning. Its JSON is the stored and synced format.
type Warning struct {
	ID         app.ID    `json:"id"`
	Issuer     app.ID    `json:"issuer"` // the issuing station
	Level      Level     `json:"level"`
	Type       Type      `json:"type"`
	Area       string    `json:"area,omitempty"` // the area concerned, as the issuing department words it
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
	Text       string    `json:"text"`
	IssuedBy   string    `json:"issued_by"` // the person who signed it off
	IssuedAt   time.Time `json:"issued_at"`
	// Tracked: issued by a version whose receiving stations report when it
	// reaches them (OpDeliver), so a station with no delivery is 未送达;
	// false for warnings issued before, whose deliveries are unknown.
	Tracked bool `json:"tracked,omitempty"`
}

// Validate checks the rules that hold for a warning alone; CanIssue checks
// the issuer's place in the tree. Field names are the JSON names.
func (w *Warning) Validate() error {
	w.Area = strings.TrimSpace(w.Area)
	w.Text = strings.TrimSpace(w.Text)
	w.IssuedBy = strings.TrimSpace(w.IssuedBy)
	switch {
	case w.ID == app.NilID:
		return app.FieldErrorf("id", "warning has no id")
	case w.Issuer == app.NilID:
		return app.FieldErrorf("issuer", "warning names no issuing station")
	case !w.Level.Valid():
		return app.FieldErrorf("level", "unknown warning level %q (want blue, yellow, orange or red)", w.Level)
	case !w.Type.Valid():
		return app.FieldErrorf("type", "unknown warning type %q", w.Type)
	case utf8.RuneCountInString(w.Area) > MaxArea:
		return app.FieldErrorf("area", "the area is longer than %d characters", MaxArea)
	case w.Text == "":
		return app.FieldErrorf("text", "the warning has no text")
	case utf8.RuneCountInString(w.Text) > MaxText:
		return app.FieldErrorf("text", "the text is longer than %d characters", MaxText)
	case w.IssuedBy == "":
		return app.FieldErrorf("issued_by", "name the person who issues the warning")
	case utf8.RuneCountInString(w.IssuedBy) > MaxName:
		return app.FieldErrorf("issued_by", "the issuer's name is longer than %d characters", MaxName)
	case w.IssuedAt.IsZero():
		return app.FieldErrorf("issued_at", "warning has no issue time")
	case w.ValidFrom.IsZero():
		return app.FieldErrorf("valid_from", "warning has no start of validity")
	case w.ValidUntil.IsZero():
		return app.FieldErrorf("valid_until", "give the time the warning is valid until")
	case !w.ValidUntil.After(w.ValidFrom):
		return app.FieldErrorf("valid_until", "valid until %s is not after valid from %s",
			w.ValidUntil.Format(time.RFC3339), w.ValidFrom.Format(time.RFC3339))
	case !w.ValidUntil.After(w.IssuedAt):
		return app.FieldErrorf("valid_until", "valid until %s has already passed when the warning is issued",
			w.ValidUntil.Format(time.RFC3339))
	case w.ValidUntil.Sub(w.ValidFrom) > MaxValidity:
		return app.FieldErrorf("valid_until", "a warning is valid for at most %d days; issue a new one when it is extended", MaxValidity/(24*time.Hour))
	}
	return nil
}

// CanIssue checks that issuer may issue warnings: a station with a duty
// room and stations below it, since a warning exists to go down the tree.
// ENOTFOUND for a station not in the tree, EFORBIDDEN otherwise.
func CanIssue(tree *app.Tree, issuer app.ID) error {
	s := tree.Station(issuer)
	switch {
	case s == nil:
		return app.Errorf(app.ENOTFOUND, "station %s is not in the station tree", issuer)
	case !s.Tier.HasDutyRoom():
		return app.Errorf(app.EFORBIDDEN, "%s is a village: only a duty room with stations below it issues warnings", s.Name)
	case len(tree.Children(issuer)) == 0:
		return app.Errorf(app.EFORBIDDEN, "%s has no stations below it to warn", s.Name)
	}
	return nil
}

// Active reports whether the warning is in force at now.
func (w *Warning) Active(now time.Time) bool {
	return !now.Before(w.ValidFrom) && now.Before(w.ValidUntil)
}

// Alarming reports whether a station that received w should sound the
// alarm at now: an orange or red warning it has not acknowledged, until
// the warning runs out.
func (w *Warning) Alarming(acked bool, now time.Time) bool {
	return NeedsSound(w.Level) && !acked && now.Before(w.ValidUntil)
}

// Reaches reports whether station must acknowledge w: every station below
// the issuer, duty rooms and villages alike.
func Reaches(tree *app.Tree, w *Warning, station app.ID) bool {
	return station != w.Issuer && tree.Station(station) != nil && tree.IsWithin(station, w.Issuer)
}

// Recipients returns the stations w reaches, top-down with each subtree
// in one run (pre-order), in the tree's order of children.
func Recipients(tree *app.Tree, w *Warning) []*app.Station {
	var out []*app.Station
	var walk func(id app.ID, depth int)
	walk = func(id app.ID, depth int) {
		if depth > len(app.Tiers) {
			return // a damaged tree with a cycle; tiers bound the real depth
		}
		for _, c := range tree.Children(id) {
			out = append(out, c)
			walk(c.ID, depth+1)
		}
	}
	walk(w.Issuer, 1)
	return out
}

// Ack is one station's acknowledgement of a warning.
type Ack struct {
	Warning app.ID    `json:"warning"`
	Station app.ID    `json:"station"` // who acknowledges: a duty room or a village
	Person  string    `json:"person"`  // by name: the duty officer, or the village's information officer
	At      time.Time `json:"at"`
	// RecordedBy is the station whose client recorded the ack: the station
	// itself, or a duty room above a village whose officer acknowledged by
	// phone (most village officers keep no DutyRoom of their own).
	RecordedBy app.ID `json:"recorded_by"`
	// Via is how an acknowledgement the hub recorded itself (RecordedBy
	// nil) reached it: an SMS reply (短信签收) or the village officer's
	// phone page (信息员签收). Empty for a client's own.
	Via Via `json:"via,omitempty"`
	// Number is the phone an SMS reply came from, masked (138****1234):
	// mobile numbers leave the hub only to the SMS gateway.
	Number string `json:"number,omitempty"`
}

// Via is the way an acknowledgement the hub recorded reached it.
type Via string

const (
	ViaSMS  Via = "sms"  // a reply to the 叫应 SMS: 短信签收
	ViaPage Via = "page" // the village officer's phone page: 信息员签收
)

// Valid reports whether v is a known way.
func (v Via) Valid() bool { return v == ViaSMS || v == ViaPage }

// HubSubject reads the station a hub-written acknowledgement speaks for
// (authority.Rule.HubSubject): the hub records an SMS reply or a village
// officer's 签收 as that station's acknowledgement.
func HubSubject(op *app.Operation) (app.ID, error) {
	var a struct {
		Station app.ID `json:"station"`
	}
	if err := json.Unmarshal(op.Payload, &a); err != nil || a.Station == app.NilID {
		return app.NilID, app.FieldErrorf("station", "%s names no station", op.Kind)
	}
	return a.Station, nil
}

// Validate checks an ack alone; CheckAck checks it against the warning.
func (a *Ack) Validate() error {
	a.Person = strings.TrimSpace(a.Person)
	switch {
	case a.Warning == app.NilID:
		return app.FieldErrorf("warning", "the acknowledgement names no warning")
	case a.Station == app.NilID:
		return app.FieldErrorf("station", "the acknowledgement names no station")
	case a.RecordedBy == app.NilID && !a.Via.Valid():
		return app.FieldErrorf("recorded_by", "the acknowledgement names no recording station")
	case a.RecordedBy != app.NilID && a.Via != "":
		return app.FieldErrorf("via", "only the hub records an acknowledgement by SMS or from the officer's page")
	case utf8.RuneCountInString(a.Number) > 20:
		return app.FieldErrorf("number", "the masked number is longer than 20 characters")
	case a.Person == "":
		return app.FieldErrorf("person", "name the person who acknowledges the warning")
	case utf8.RuneCountInString(a.Person) > MaxName:
		return app.FieldErrorf("person", "the name is longer than %d characters", MaxName)
	case a.At.IsZero():
		return app.FieldErrorf("at", "the acknowledgement has no time")
	}
	return nil
}

// CheckAck checks that a.Station is one the warning reaches, and that
// a.RecordedBy may record for it: the station itself, or for a village
// any duty room above it. EFORBIDDEN names the problem.
func CheckAck(tree *app.Tree, w *Warning, a *Ack) error {
	st := tree.Station(a.Station)
	switch {
	case a.Warning != w.ID:
		return app.FieldErrorf("warning", "the acknowledgement is for warning %s, not %s", a.Warning, w.ID)
	case st == nil:
		return app.Errorf(app.ENOTFOUND, "station %s is not in the station tree", a.Station)
	case !Reaches(tree, w, a.Station):
		return app.Errorf(app.EFORBIDDEN, "the warning was not issued to %s: only stations below the issuer acknowledge it", st.Name)
	case a.RecordedBy == a.Station:
		return nil
	case a.RecordedBy == app.NilID && a.Via == ViaSMS:
		return nil // the hub matched an SMS reply to the message it sent for this station
	case a.RecordedBy == app.NilID && a.Via == ViaPage && st.Tier == app.TierVillage:
		return nil // the village's officer signed on the hub's page
	case a.RecordedBy == app.NilID:
		return app.Errorf(app.EFORBIDDEN, "%s keeps a duty room: the officer's page acknowledges only for a village", st.Name)
	case st.Tier != app.TierVillage:
		return app.Errorf(app.EFORBIDDEN, "%s keeps a duty room and acknowledges for itself; only a village's acknowledgement may be recorded by a station above it", st.Name)
	case tree.IsWithin(a.Station, a.RecordedBy):
		return nil
	}
	return app.Errorf(app.EFORBIDDEN, "the acknowledgement of %s may be recorded only by the village or a duty room above it", st.Name)
}

// Earlier reports whether a should be kept over b when one station has
// acknowledged twice (from two clients): the earlier wins, then the lower
// recording station id, so every client keeps the same one.
func Earlier(a, b *Ack) bool {
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	return strings.Compare(a.RecordedBy.String(), b.RecordedBy.String()) < 0
}

// Service issues warnings and records their acknowledgements. One call is
// one transaction, durable before it returns, with its operation in the
// outbox. The author of a change is app.AuthorFrom(ctx).
type Service interface {
	// Issue issues w from this client's station. It assigns ID, Issuer and
	// IssuedAt; IssuedBy defaults to the author and ValidFrom to IssuedAt.
	// EINVALID (Field names the field), EFORBIDDEN when this station may not
	// issue (CanIssue), ENOTFOUND before the station is chosen.
	Issue(ctx context.Context, w *Warning) error
	// Acknowledge records a.Station's acknowledgement, assigning At and
	// RecordedBy (this client's station). a.Station is this station or a
	// village below it (CheckAck). EINVALID, ENOTFOUND for an unknown
	// warning, EFORBIDDEN, ECONFLICT when the station has acknowledged
	// already.
	Acknowledge(ctx context.Context, a *Ack) error

	// Warning returns one warning. ENOTFOUND.
	Warning(ctx context.Context, id app.ID) (*Warning, error)
	// Warnings returns the warnings held here issued at or after since
	// (zero for all), newest first: those this station issued, and those
	// that reached it.
	Warnings(ctx context.Context, since time.Time) ([]Warning, error)
	// Acks returns the acknowledgements of a warning held here, by time.
	Acks(ctx context.Context, warning app.ID) ([]Ack, error)
	// Progress returns Progress for a warning with the tree held here: the
	// issuer's live view, and a county's view of its own part.
	Progress(ctx context.Context, warning app.ID) (*Report, error)
	// Pending returns the warnings that reach station and that it has not
	// acknowledged, newest first, expired ones included (they are still
	// owed an acknowledgement, but no longer alarm: Alarming).
	Pending(ctx context.Context, station app.ID) ([]Warning, error)
}
