// Package villagereport is a report from a village's disaster information
// officer (灾害信息员), made on a phone at the hub's web page (/report), and
// its verification (核实) by a duty room above the village.
//
// The officer has no DutyRoom client: the hub itself writes the report's
// operations (origin nil) on the officer's behalf, once per report id made on
// the phone, so a report sent twice is stored once. A duty room above the
// village verifies it: a new incident, merged into an incident it holds, or
// not adopted with a reason. The hub reads the verification to show the
// officer the report's state.
package villagereport

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/incident"
)

// Operation kinds. Create and Chunk are written by the hub alone; Verify by a
// duty room above the village.
const (
	OpCreate = "villagereport.create" // payload: Report
	OpChunk  = "villagereport.chunk"  // payload: incident.Chunk of one photo's bytes
	OpVerify = "villagereport.verify" // payload: Verification
)

// Limits of one report.
const (
	MaxPlace       = 200
	MaxDescription = 2000
	MaxPhotos      = 6
	MaxPhotoSize   = 2 << 20 // a phone shrinks a photo to about 300 KB; 2 MiB leaves room
	MaxName        = 64
	MaxReason      = 500
	// ClockSkew is how far ahead of the hub's clock a phone's times may lie.
	ClockSkew = 10 * time.Minute
)

// Counts are the figures an officer can see on the spot. Injured are all
// the injured: the duty room sorts serious from light when it verifies.
type Counts struct {
	Dead          int `json:"dead"`
	Missing       int `json:"missing"`
	Injured       int `json:"injured"`
	Trapped       int `json:"trapped"`
	Evacuated     int `json:"evacuated"`
	HousesDamaged int `json:"houses_damaged"`
}

// Incident returns the figures as an incident counts them.
func (c Counts) Incident() incident.Counts {
	return incident.Counts{Dead: c.Dead, Missing: c.Missing, Injured: c.Injured, Trapped: c.Trapped, Evacuated: c.Evacuated}
}

// Photo is one photo with where and when it was taken: read on the phone at
// the moment of capture, never at sending.
type Photo struct {
	attachment.Attachment
	TakenAt time.Time `json:"taken_at,omitzero"`
	Lat     *float64  `json:"lat,omitempty"`
	Lon     *float64  `json:"lon,omitempty"`
}

// Report is one report from an officer.
type Report struct {
	ID          app.ID            `json:"id"`      // made on the phone
	Village     app.ID            `json:"village"` // the officer's village, which owns the record
	Officer     app.ID            `json:"officer"` // the person
	OfficerName string            `json:"officer_name"`
	Category    incident.Category `json:"category"`
	Place       string            `json:"place"` // the spot, within the village
	Lat         *float64          `json:"lat,omitempty"`
	Lon         *float64          `json:"lon,omitempty"`
	OccurredAt  time.Time         `json:"occurred_at"`
	Counts      Counts            `json:"counts"`
	Description string            `json:"description,omitempty"`
	Photos      []Photo           `json:"photos,omitempty"`
	WrittenAt   time.Time         `json:"written_at"`  // saved on the phone
	ReceivedAt  time.Time         `json:"received_at"` // stored by the hub
}

// Validate checks a report as the hub receives it and as a client applies
// it, at now. Errors name the field (the page shows them in Chinese by
// field).
func (r *Report) Validate(now time.Time) error {
	r.Place = strings.TrimSpace(r.Place)
	r.Description = strings.TrimSpace(r.Description)
	r.OfficerName = strings.TrimSpace(r.OfficerName)
	switch {
	case r.ID == app.NilID:
		return app.FieldErrorf("id", "the report has no id")
	case r.Village == app.NilID:
		return app.FieldErrorf("village", "the report names no village")
	case r.Officer == app.NilID || r.OfficerName == "":
		return app.FieldErrorf("officer", "the report names no officer")
	case utf8.RuneCountInString(r.OfficerName) > MaxName:
		return app.FieldErrorf("officer", "the officer's name is longer than %d characters", MaxName)
	case !r.Category.Valid():
		return app.FieldErrorf("category", "choose what happened")
	case r.Place == "":
		return app.FieldErrorf("place", "say where it happened")
	case utf8.RuneCountInString(r.Place) > MaxPlace:
		return app.FieldErrorf("place", "the place is longer than %d characters", MaxPlace)
	case utf8.RuneCountInString(r.Description) > MaxDescription:
		return app.FieldErrorf("description", "the description is longer than %d characters", MaxDescription)
	case r.OccurredAt.IsZero():
		return app.FieldErrorf("occurred_at", "say when it happened")
	case r.OccurredAt.After(now.Add(ClockSkew)):
		return app.FieldErrorf("occurred_at", "the time it happened is in the future")
	case r.WrittenAt.IsZero() || r.ReceivedAt.IsZero():
		return app.FieldErrorf("written_at", "the report has no time of writing or receipt")
	}
	if err := r.Counts.Validate(); err != nil {
		return err
	}
	if err := validPosition(r.Lat, r.Lon); err != nil {
		return err
	}
	if len(r.Photos) > MaxPhotos {
		return app.FieldErrorf("photos", "%d photos; at most %d", len(r.Photos), MaxPhotos)
	}
	as := make([]attachment.Attachment, len(r.Photos))
	for i := range r.Photos {
		p := &r.Photos[i]
		if !strings.HasPrefix(p.MIME, "image/") {
			return app.FieldErrorf("photos", "photo %d is not an image", i+1)
		}
		if err := validPosition(p.Lat, p.Lon); err != nil {
			return app.FieldErrorf("photos", "photo %d: %s", i+1, app.ErrorMessage(err))
		}
		if p.TakenAt.After(now.Add(ClockSkew)) {
			return app.FieldErrorf("photos", "photo %d was taken in the future", i+1)
		}
		as[i] = p.Attachment
	}
	if err := attachment.Validate(as, attachment.Limits{MaxCount: MaxPhotos, MaxSize: MaxPhotoSize, NeedDigest: true}); err != nil {
		return err
	}
	for i := range as {
		r.Photos[i].Attachment = as[i]
	}
	return nil
}

// Validate checks each figure is a whole number of people (or houses) a
// person could have meant.
func (c Counts) Validate() error {
	if err := c.Incident().Validate(); err != nil {
		return err
	}
	if c.HousesDamaged < 0 {
		return app.FieldErrorf("counts.houses_damaged", "%d is negative; enter 0 when there are none", c.HousesDamaged)
	}
	if c.HousesDamaged > incident.MaxPersons {
		return app.FieldErrorf("counts.houses_damaged", "%d is beyond any recorded event; check the figure", c.HousesDamaged)
	}
	return nil
}

func validPosition(lat, lon *float64) error {
	if (lat == nil) != (lon == nil) {
		return app.FieldErrorf("position", "a position needs both latitude and longitude")
	}
	if lat != nil && (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
		return app.FieldErrorf("position", "%.5f, %.5f is not a position on Earth", *lat, *lon)
	}
	return nil
}

// Outcome is what the duty room made of a report.
type Outcome string

const (
	NewIncident Outcome = "new_incident" // 已核实: a new incident was opened from it
	Merged      Outcome = "merged"       // 已并入: added to an incident the station holds
	Unfounded   Outcome = "unfounded"    // 不予采用, with the reason
)

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return o == NewIncident || o == Merged || o == Unfounded }

// Verification is one duty room's 核实 of a report. The first one wins
// (earlier At, then the lower station id), so every holder shows the same.
type Verification struct {
	Report   app.ID    `json:"report"`
	Outcome  Outcome   `json:"outcome"`
	Incident app.ID    `json:"incident,omitzero"` // NewIncident and Merged
	Reason   string    `json:"reason,omitempty"`  // Unfounded
	Station  app.ID    `json:"station"`           // the duty room that verified
	By       string    `json:"by"`
	ByID     app.ID    `json:"by_id,omitzero"`
	At       time.Time `json:"at"`
}

// Validate checks a verification alone.
func (v *Verification) Validate() error {
	v.Reason = strings.TrimSpace(v.Reason)
	v.By = strings.TrimSpace(v.By)
	switch {
	case v.Report == app.NilID:
		return app.FieldErrorf("report", "the verification names no report")
	case !v.Outcome.Valid():
		return app.FieldErrorf("outcome", "unknown outcome %q", v.Outcome)
	case v.Outcome != Unfounded && v.Incident == app.NilID:
		return app.FieldErrorf("incident", "name the incident the report became or joined")
	case v.Outcome == Unfounded && v.Reason == "":
		return app.FieldErrorf("reason", "say why the report is not adopted")
	case utf8.RuneCountInString(v.Reason) > MaxReason:
		return app.FieldErrorf("reason", "the reason is longer than %d characters", MaxReason)
	case v.Station == app.NilID:
		return app.FieldErrorf("station", "the verification names no station")
	case v.By == "" || utf8.RuneCountInString(v.By) > MaxName:
		return app.FieldErrorf("by", "name who verified (1 to %d characters)", MaxName)
	case v.At.IsZero():
		return app.FieldErrorf("at", "the verification has no time")
	}
	return nil
}

// Earlier reports whether a should be kept over b for one report.
func Earlier(a, b *Verification) bool {
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	return strings.Compare(a.Station.String(), b.Station.String()) < 0
}

// OpID is the id of the hub's create operation for a report: fixed by the
// report's id, so that the phone sending twice makes one operation.
func OpID(report app.ID) app.ID { return app.DeriveID(report, "villagereport.create") }

// HubSubject reads the village a hub-written operation speaks for
// (authority.Rule.HubSubject): the report's village for a create; for a
// chunk the entity is the report and the village comes from the record.
func HubSubject(op *app.Operation) (app.ID, error) {
	switch op.Kind {
	case OpCreate:
		var r struct {
			Village app.ID `json:"village"`
		}
		if err := json.Unmarshal(op.Payload, &r); err != nil || r.Village == app.NilID {
			return app.NilID, app.FieldErrorf("village", "%s names no village", op.Kind)
		}
		return r.Village, nil
	}
	return app.NilID, nil
}
