package villagereport

import (
	"context"
	"math"
	"sort"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// State is what a duty room shows of a report: waiting for its 核实, or
// what the first verification made of it.
type State string

const (
	StatePending   State = "pending"   // 待核实
	StateVerified  State = "verified"  // 已核实: a new incident
	StateMerged    State = "merged"    // 已并入
	StateUnfounded State = "unfounded" // 不予采用
)

// PhotoState is how much of one photo's bytes this duty room holds.
type PhotoState struct {
	Photo
	Have     int    // parts stored
	Parts    int    // parts expected; 0 before the first part
	Complete bool   // every part here and the whole matches its SHA-256
	Damaged  string // why the parts received were refused, "" if they were not
}

// Entry is a report as a duty room holds it.
type Entry struct {
	Report       Report
	Verification *Verification // the first one, nil while pending
	Photos       []PhotoState  // in the report's order
}

// State says what the entry shows.
func (e *Entry) State() State {
	if e.Verification == nil {
		return StatePending
	}
	switch e.Verification.Outcome {
	case NewIncident:
		return StateVerified
	case Merged:
		return StateMerged
	}
	return StateUnfounded
}

// Service is the duty room's side of village reports: the 村报 list and
// its 核实. The store implements it; each verification is one transaction
// together with the incident change it makes, durable before it returns.
// The actor is app.AuthorFrom(ctx).
type Service interface {
	// List returns the reports this duty room holds: pending first, then
	// newest received first.
	List(ctx context.Context) ([]Entry, error)
	// Get returns one report. ENOTFOUND.
	Get(ctx context.Context, id app.ID) (Entry, error)
	// Pending counts the reports waiting for 核实, for the alarm and the
	// badge.
	Pending(ctx context.Context) (int, error)
	// Photo returns a photo's bytes, checked against its SHA-256.
	// ENOTFOUND when the report has no such photo, ECONFLICT while it is
	// still arriving or when its parts were refused.
	Photo(ctx context.Context, report app.ID, sha string) ([]byte, error)
	// Candidates lists the open incidents this duty room holds that a
	// report could be merged into, nearest in time and place first.
	Candidates(ctx context.Context, report app.ID) ([]incident.Incident, error)
	// NewIncident opens an incident at this station from the report, its
	// photos as the incident's attachments, through the incident rules
	// (grading, report tasks). ENOTFOUND, ECONFLICT when the report is
	// verified already or a photo is not here in full.
	NewIncident(ctx context.Context, report app.ID) (*incident.Incident, error)
	// Merge adds the report to an open incident this station holds: a
	// timeline entry, and the report's figures where they are higher.
	// ENOTFOUND, ECONFLICT when verified already or the incident is
	// closed.
	Merge(ctx context.Context, report, into app.ID) error
	// MergedInto returns the reports that became incident id or were
	// merged into it, oldest received first: their photos are the
	// incident's too.
	MergedInto(ctx context.Context, id app.ID) ([]Entry, error)
	// Unfounded marks the report not adopted. EINVALID (Field "reason")
	// without a reason; ENOTFOUND, ECONFLICT when verified already.
	Unfounded(ctx context.Context, report app.ID, reason string) error
}

// Raised returns the incident's figures with each of the report's that is
// higher in its place, and whether any was. A report never lowers a
// figure: it is one officer's sight of one spot, and the incident may
// count several. Nor does it add: several officers see the same dead, and
// adding would count them twice; the duty room corrects by hand what it
// learns otherwise. The report's injured count as light injuries (轻伤):
// the officer cannot tell serious from light.
func Raised(have incident.Counts, r Counts) (incident.Counts, bool) {
	out := have
	raise := func(dst *int, v int) {
		if v > *dst {
			*dst = v
		}
	}
	raise(&out.Dead, r.Dead)
	raise(&out.Missing, r.Missing)
	if r.Injured > have.Injured+have.SeriousInjured {
		out.Injured = r.Injured - have.SeriousInjured
	}
	raise(&out.Trapped, r.Trapped)
	raise(&out.Evacuated, r.Evacuated)
	return out, out != have
}

// SortCandidates orders open incidents for a report: those that happened
// at the report's village first, then those whose place lies under the
// same township, then the rest; within each, by distance when both have a
// position, then by time from the report's.
func SortCandidates(list []incident.Incident, r *Report, tree *app.Tree) {
	rank := func(inc *incident.Incident) int {
		switch {
		case inc.Place.Station == r.Village:
			return 0
		case tree != nil && inc.Place.Station != app.NilID && tree.Station(r.Village) != nil &&
			tree.Station(r.Village).Parent != app.NilID && tree.IsWithin(inc.Place.Station, tree.Station(r.Village).Parent):
			return 1
		}
		return 2
	}
	dist := func(inc *incident.Incident) float64 {
		if r.Lat == nil || inc.Place.Lat == nil || inc.Place.Lon == nil {
			return math.Inf(1)
		}
		return Distance(*r.Lat, *r.Lon, *inc.Place.Lat, *inc.Place.Lon)
	}
	when := func(inc *incident.Incident) time.Duration {
		at := inc.OccurredAt
		if at.IsZero() {
			at = inc.ReceivedAt
		}
		d := at.Sub(r.OccurredAt)
		if d < 0 {
			d = -d
		}
		return d
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := &list[i], &list[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if da, db := dist(a), dist(b); da != db {
			return da < db
		}
		return when(a) < when(b)
	})
}

// Distance is the great-circle distance in metres.
func Distance(lat1, lon1, lat2, lon2 float64) float64 {
	const earth = 6371000.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earth * math.Asin(math.Min(1, math.Sqrt(a)))
}
