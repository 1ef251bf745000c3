// Package incident is the duty room's incident domain: intake (接报), grading
// under State Council Decree 493, the reporting deadlines that follow from the
// grade, the reports sent up the station tree, an append-only timeline, and
// the register's filters and statistics.
//
// Everything here is pure: no clock, no storage. Callers pass "now" and the
// station tree, so the same rules run in the form, the command line, the
// store and on data arriving from other stations. Error field names are the
// JSON paths of the offending value ("counts.dead", "place.station"), so a
// form and an import report the same place.
package incident

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/attachment"
)

// Channel is how the duty room heard of the incident.
type Channel string

const (
	ChannelPhone        Channel = "phone"
	ChannelHotline12345 Channel = "hotline_12345" // the government service hotline
	ChannelHotline12379 Channel = "hotline_12379" // the emergency warning channel
	ChannelSystem       Channel = "system"        // a report through an information system
	ChannelRadio        Channel = "radio"
	ChannelWalkIn       Channel = "walk_in"
	ChannelOther        Channel = "other"
)

// Channels lists every channel in the order forms offer them.
var Channels = []Channel{ChannelPhone, ChannelHotline12345, ChannelHotline12379, ChannelSystem, ChannelRadio, ChannelWalkIn, ChannelOther}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	for _, k := range Channels {
		if c == k {
			return true
		}
	}
	return false
}

// Group is the family a category belongs to. It decides which thresholds
// grade the incident: production-safety accidents follow Decree 493, natural
// disasters their own scale.
type Group string

const (
	GroupProductionSafety Group = "production_safety"
	GroupNaturalDisaster  Group = "natural_disaster"
	GroupOther            Group = "other"
)

// Category is the type of incident, one of the figures the law requires in
// every report.
type Category string

const (
	// Production safety.
	RoadTraffic        Category = "road_traffic"
	WaterwayTraffic    Category = "waterway_traffic"
	NonCoalMine        Category = "non_coal_mine"
	HazardousChemicals Category = "hazardous_chemicals"
	Fireworks          Category = "fireworks"
	Fire               Category = "fire"
	Construction       Category = "construction"
	TownGas            Category = "town_gas"
	SpecialEquipment   Category = "special_equipment"
	IndustryTrade      Category = "industry_trade"
	Tourism            Category = "tourism"

	// Natural disasters.
	Flood      Category = "flood"
	Drought    Category = "drought"
	Geological Category = "geological"
	Earthquake Category = "earthquake"
	ForestFire Category = "forest_fire"
	LowTempIce Category = "low_temp_ice" // low temperature, rain, snow and ice

	// Anything else; graded on the accident scale.
	OtherIncident Category = "other"
)

// Categories lists every category, grouped, in the order forms offer them.
var Categories = []Category{
	RoadTraffic, WaterwayTraffic, NonCoalMine, HazardousChemicals, Fireworks, Fire,
	Construction, TownGas, SpecialEquipment, IndustryTrade, Tourism,
	Flood, Drought, Geological, Earthquake, ForestFire, LowTempIce,
	OtherIncident,
}

// Group returns the family of c, or "" for an unknown category.
func (c Category) Group() Group {
	switch c {
	case RoadTraffic, WaterwayTraffic, NonCoalMine, HazardousChemicals, Fireworks, Fire,
		Construction, TownGas, SpecialEquipment, IndustryTrade, Tourism:
		return GroupProductionSafety
	case Flood, Drought, Geological, Earthquake, ForestFire, LowTempIce:
		return GroupNaturalDisaster
	case OtherIncident:
		return GroupOther
	}
	return ""
}

// Valid reports whether c is a known category.
func (c Category) Valid() bool { return c.Group() != "" }

// Counts are the people affected. Missing persons are kept apart from the
// dead: Decree 493 grades on deaths alone, natural-disaster rules add the
// missing, and a station may choose either (Scale.CountMissingWithDead).
type Counts struct {
	Dead           int `json:"dead"`
	Missing        int `json:"missing"`
	SeriousInjured int `json:"serious_injured"` // 重伤, acute industrial poisoning included, as Decree 493 counts it
	Injured        int `json:"injured"`         // 轻伤: the injured not counted as serious
	Trapped        int `json:"trapped"`
	Evacuated      int `json:"evacuated"` // 转移安置
}

// Bounds of plausible figures. They exist to stop typing slips, corrupt
// imports and integer overflow in sums, not to judge what can happen, so they
// sit far above anything on record.
const (
	// MaxPersons is four times the toll of the 1976 Tangshan earthquake
	// (242,769 dead), the deadliest event in the People's Republic's records.
	MaxPersons = 1_000_000
	// MaxEvacuated is about the population of the most populous province:
	// typhoon and flood evacuations reach millions.
	MaxEvacuated = 150_000_000
	// MaxLoss is over ten times the direct loss of the 2008 Wenchuan
	// earthquake (845.1 billion yuan).
	MaxLoss int64 = 10_000_000_000_000
)

// Validate checks each figure is a count a person could have meant.
func (c Counts) Validate() error {
	figures := []struct {
		field string
		n     int
		max   int
	}{
		{"counts.dead", c.Dead, MaxPersons},
		{"counts.missing", c.Missing, MaxPersons},
		{"counts.serious_injured", c.SeriousInjured, MaxPersons},
		{"counts.injured", c.Injured, MaxPersons},
		{"counts.trapped", c.Trapped, MaxPersons},
		{"counts.evacuated", c.Evacuated, MaxEvacuated},
	}
	for _, f := range figures {
		if f.n < 0 {
			return app.FieldErrorf(f.field, "%d is negative; enter 0 when there are none", f.n)
		}
		if f.n > f.max {
			return app.FieldErrorf(f.field, "%d is beyond any recorded event (at most %d); check the figure", f.n, f.max)
		}
	}
	return nil
}

// ValidateLoss checks an estimated direct economic loss in yuan.
func ValidateLoss(yuan int64) error {
	if yuan < 0 {
		return app.FieldErrorf("loss", "%d yuan is negative; enter 0 when there is no loss", yuan)
	}
	if yuan > MaxLoss {
		return app.FieldErrorf("loss", "%d yuan is beyond any recorded loss (at most %d); the figure is in yuan, not ten-thousands", yuan, MaxLoss)
	}
	return nil
}

// Reporter is whoever told the duty room: a caller, a unit, another system.
type Reporter struct {
	Name  string `json:"name,omitempty"`
	Unit  string `json:"unit,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Place is where the incident happened: a station of the tree (down to the
// village) and free text for the spot itself, with optional coordinates.
type Place struct {
	Station app.ID   `json:"station,omitzero"`
	Text    string   `json:"text,omitempty"`
	Lat     *float64 `json:"lat,omitempty"`
	Lon     *float64 `json:"lon,omitempty"`
}

// Empty reports whether the place says nothing at all.
func (p Place) Empty() bool { return p.Station == app.NilID && strings.TrimSpace(p.Text) == "" }

// Attachment is a photo or document filed with the incident. The bytes live
// elsewhere, addressed by SHA256; the record carries what a list shows.
type Attachment = attachment.Attachment

// Status is whether the incident still takes changes.
type Status string

const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed" // by a final report or with a reason; read-only afterwards
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusOpen || s == StatusClosed }

// Incident is one event received by a duty room.
type Incident struct {
	ID         app.ID    `json:"id,omitzero"`
	Station    app.ID    `json:"station"` // the receiving station, which owns the record
	ReceivedAt time.Time `json:"received_at"`
	OccurredAt time.Time `json:"occurred_at,omitzero"` // zero while unknown; reports need it
	Channel    Channel   `json:"channel"`
	Reporter   Reporter  `json:"reporter"`
	Place      Place     `json:"place"`
	Category   Category  `json:"category"`
	Title      string    `json:"title,omitempty"` // the register's one-line summary
	Counts     Counts    `json:"counts"`
	Loss       int64     `json:"loss"` // estimated direct economic loss, yuan

	Description string       `json:"description,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`

	// Provisional is the grade the thresholds give for the current figures;
	// Grade is the one the leader on duty confirmed, zero until then.
	Provisional Grade     `json:"provisional,omitzero"`
	Grade       Grade     `json:"grade,omitzero"`
	GradedBy    string    `json:"graded_by,omitempty"`
	GradedAt    time.Time `json:"graded_at,omitzero"`
	GradeReason string    `json:"grade_reason,omitempty"` // why the leader departed from the provisional grade

	// NextDue is the earliest deadline among the reports not yet sent, zero
	// when none wait. The store keeps it (see NextDue) so the register can
	// filter overdue incidents without reading every task.
	NextDue time.Time `json:"next_due,omitzero"`

	Status      Status    `json:"status"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	CloseReason string    `json:"close_reason,omitempty"`

	CreatedBy string `json:"created_by,omitempty"`
	// CreatedByID is the person who took the call (signed in at the desk).
	CreatedByID app.ID    `json:"created_by_id,omitzero"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// Limits are the tolerances of validation. The zero value means the defaults.
type Limits struct {
	// MaxAttachment is the largest attachment accepted, in bytes.
	MaxAttachment int64 `json:"max_attachment"`
	// ClockSkew is how far ahead of "now" a time may lie: clocks of duty
	// room PCs drift, and an incident typed on a PC a minute fast is not
	// from the future.
	ClockSkew time.Duration `json:"clock_skew"`
}

// Defaults of Limits.
const (
	DefaultMaxAttachment = 20 << 20 // 20 MB: a phone photo or a scanned report, not a video
	DefaultClockSkew     = 5 * time.Minute
	maxAttachments       = 100
)

func (l Limits) withDefaults() Limits {
	if l.MaxAttachment <= 0 {
		l.MaxAttachment = DefaultMaxAttachment
	}
	if l.ClockSkew <= 0 {
		l.ClockSkew = DefaultClockSkew
	}
	return l
}

// Validate checks an incident as it comes from a form, an import or another
// station, trimming text on the way. now is the checking clock; tree holds
// the stations, so the receiving station and the place can be checked.
func (inc *Incident) Validate(now time.Time, tree *app.Tree, lim Limits) error {
	if tree == nil {
		return app.Errorf(app.EINTERNAL, "incident validation needs the station tree")
	}
	lim = lim.withDefaults()
	inc.Title = strings.TrimSpace(inc.Title)
	inc.Description = strings.TrimSpace(inc.Description)
	inc.Place.Text = strings.TrimSpace(inc.Place.Text)
	inc.Reporter.Name = strings.TrimSpace(inc.Reporter.Name)
	inc.Reporter.Unit = strings.TrimSpace(inc.Reporter.Unit)
	inc.Reporter.Phone = app.NormalisePhone(inc.Reporter.Phone)
	if inc.Status == "" {
		inc.Status = StatusOpen
	}

	if inc.Station == app.NilID {
		return app.FieldErrorf("station", "the receiving station is required")
	}
	if tree.Station(inc.Station) == nil {
		return app.FieldErrorf("station", "station %s is not in the station tree", inc.Station)
	}
	if err := validateTimes(inc, now, lim.ClockSkew); err != nil {
		return err
	}
	if inc.Channel == "" {
		return app.FieldErrorf("channel", "how the report came in is required")
	}
	if !inc.Channel.Valid() {
		return app.FieldErrorf("channel", "unknown channel %q", inc.Channel)
	}
	if err := validateReporter(inc.Reporter); err != nil {
		return err
	}
	if err := validatePlace(inc, tree); err != nil {
		return err
	}
	if inc.Category == "" {
		return app.FieldErrorf("category", "the type of incident is required")
	}
	if !inc.Category.Valid() {
		return app.FieldErrorf("category", "unknown category %q", inc.Category)
	}
	if utf8.RuneCountInString(inc.Title) > 100 {
		return app.FieldErrorf("title", "title is longer than 100 characters; put the details in the description")
	}
	if err := inc.Counts.Validate(); err != nil {
		return err
	}
	if err := ValidateLoss(inc.Loss); err != nil {
		return err
	}
	if utf8.RuneCountInString(inc.Description) > 10000 {
		return app.FieldErrorf("description", "description is longer than 10,000 characters; attach a document instead")
	}
	if err := validateAttachments(inc.Attachments, lim.MaxAttachment); err != nil {
		return err
	}
	if inc.Provisional != 0 && !inc.Provisional.Valid() {
		return app.FieldErrorf("provisional", "unknown grade %d", inc.Provisional)
	}
	if inc.Grade != 0 && !inc.Grade.Valid() {
		return app.FieldErrorf("grade", "unknown grade %d", inc.Grade)
	}
	if !inc.Status.Valid() {
		return app.FieldErrorf("status", "unknown status %q", inc.Status)
	}
	return nil
}

func validateTimes(inc *Incident, now time.Time, skew time.Duration) error {
	if inc.ReceivedAt.IsZero() {
		return app.FieldErrorf("received_at", "the time received is required")
	}
	if inc.ReceivedAt.After(now.Add(skew)) {
		return app.FieldErrorf("received_at", "%s is in the future (now is %s); check the date and the PC's clock",
			inc.ReceivedAt.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if !inc.OccurredAt.IsZero() && inc.OccurredAt.After(inc.ReceivedAt.Add(skew)) {
		return app.FieldErrorf("occurred_at", "the incident cannot have happened (%s) after it was reported (%s)",
			inc.OccurredAt.Format(time.RFC3339), inc.ReceivedAt.Format(time.RFC3339))
	}
	return nil
}

func validateReporter(r Reporter) error {
	if utf8.RuneCountInString(r.Name) > 32 {
		return app.FieldErrorf("reporter.name", "name is longer than 32 characters")
	}
	if utf8.RuneCountInString(r.Unit) > 60 {
		return app.FieldErrorf("reporter.unit", "unit is longer than 60 characters")
	}
	if r.Phone != "" {
		if err := app.ValidatePhone(r.Phone); err != nil {
			return app.FieldErrorf("reporter.phone", "%s", app.ErrorMessage(err))
		}
	}
	return nil
}

func validatePlace(inc *Incident, tree *app.Tree) error {
	p := inc.Place
	if p.Empty() {
		return app.FieldErrorf("place", "where it happened is required: pick the village or township, or describe the spot")
	}
	if utf8.RuneCountInString(p.Text) > 200 {
		return app.FieldErrorf("place.text", "place is longer than 200 characters")
	}
	if p.Station != app.NilID {
		if tree.Station(p.Station) == nil {
			return app.FieldErrorf("place.station", "station %s is not in the station tree", p.Station)
		}
		// A duty room files what happens in its own area; an incident
		// elsewhere belongs to that area's duty room, or to a common
		// ancestor receiving it.
		if !tree.IsWithin(p.Station, inc.Station) {
			return app.FieldErrorf("place.station", "%s is outside the area of %s, the receiving station",
				tree.Path(p.Station), tree.Path(inc.Station))
		}
	}
	if (p.Lat == nil) != (p.Lon == nil) {
		return app.FieldErrorf("place.lat", "give both latitude and longitude, or neither")
	}
	if p.Lat != nil {
		if math.IsNaN(*p.Lat) || *p.Lat < -90 || *p.Lat > 90 {
			return app.FieldErrorf("place.lat", "latitude %v is not between -90 and 90", *p.Lat)
		}
		if math.IsNaN(*p.Lon) || *p.Lon < -180 || *p.Lon > 180 {
			return app.FieldErrorf("place.lon", "longitude %v is not between -180 and 180", *p.Lon)
		}
	}
	return nil
}

func validateAttachments(as []Attachment, max int64) error {
	return attachment.Validate(as, attachment.Limits{MaxCount: maxAttachments, MaxSize: max})
}

// EffectiveGrade is the grade the incident is handled under: the leader's
// when confirmed, the provisional one until then.
func (inc *Incident) EffectiveGrade() Grade {
	if inc.Grade != 0 {
		return inc.Grade
	}
	return inc.Provisional
}

// Overdue reports whether a report about the incident is past its deadline
// and not yet sent, as far as NextDue knows.
func (inc *Incident) Overdue(now time.Time) bool {
	return !inc.NextDue.IsZero() && now.After(inc.NextDue)
}

// CheckOpen returns ECONFLICT for a closed incident: after the final report
// the record is for reading only.
func (inc *Incident) CheckOpen() error {
	if inc.Status == StatusClosed {
		return app.Errorf(app.ECONFLICT, "the incident was closed on %s and can only be read", inc.ClosedAt.Format("2006-01-02 15:04"))
	}
	return nil
}

// SetFigures replaces the counts and the loss, re-grades under t and
// returns the assessment. When the figures change and now reach above the
// leader's confirmed grade, the confirmation lapses: the leader decided on
// figures that no longer hold, and keeping the lower grade would hold back
// reports the new figures require. ECONFLICT when closed, EINVALID for a
// bad figure.
func (inc *Incident) SetFigures(c Counts, loss int64, t Thresholds) (Assessment, error) {
	if err := inc.CheckOpen(); err != nil {
		return Assessment{}, err
	}
	if err := c.Validate(); err != nil {
		return Assessment{}, err
	}
	if err := ValidateLoss(loss); err != nil {
		return Assessment{}, err
	}
	changed := c != inc.Counts || loss != inc.Loss
	inc.Counts, inc.Loss = c, loss
	a := Assess(inc, t)
	inc.Provisional = a.Grade
	if changed && inc.Grade != 0 && a.Grade > inc.Grade {
		inc.clearConfirmation()
	}
	return a, nil
}

func (inc *Incident) clearConfirmation() {
	inc.Grade, inc.GradedBy, inc.GradedAt, inc.GradeReason = 0, "", time.Time{}, ""
}

// Regrade records an assessment as the provisional grade and reports
// whether it changed, as on intake or after the thresholds change. A
// confirmed grade lapses when the provisional one rises above it (see
// SetFigures); one at or above it stands.
func (inc *Incident) Regrade(a Assessment) bool {
	if a.Grade == inc.Provisional {
		return false
	}
	inc.Provisional = a.Grade
	if inc.Grade != 0 && a.Grade > inc.Grade {
		inc.clearConfirmation()
	}
	return true
}

// Confirm records the leader on duty accepting the provisional grade.
// ECONFLICT when closed, EINVALID without a name or a provisional grade.
func (inc *Incident) Confirm(by string, at time.Time) error {
	if err := inc.CheckOpen(); err != nil {
		return err
	}
	by = strings.TrimSpace(by)
	if by == "" {
		return app.FieldErrorf("by", "the leader on duty who confirms the grade is required")
	}
	if !inc.Provisional.Valid() {
		return app.FieldErrorf("grade", "the incident has not been graded yet")
	}
	inc.Grade, inc.GradedBy, inc.GradedAt, inc.GradeReason = inc.Provisional, by, at, ""
	return nil
}

// ApplyOverride records the leader on duty setting the grade.
// ECONFLICT when closed, EINVALID for an incomplete override.
func (inc *Incident) ApplyOverride(o Override, at time.Time) error {
	if err := inc.CheckOpen(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	inc.Grade, inc.GradedBy, inc.GradedAt, inc.GradeReason = o.Grade, strings.TrimSpace(o.By), at, strings.TrimSpace(o.Reason)
	return nil
}

// Close makes the incident read-only. A final report closes it; so may the
// leader, with a reason, for a duplicate or a false alarm. ECONFLICT when
// already closed, EINVALID without a reason.
func (inc *Incident) Close(reason string, at time.Time) error {
	if err := inc.CheckOpen(); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return app.FieldErrorf("reason", "say why the incident is closed (final report, duplicate, false alarm, ...)")
	}
	inc.Status, inc.ClosedAt, inc.CloseReason = StatusClosed, at, reason
	return nil
}
