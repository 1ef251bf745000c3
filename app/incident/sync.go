package incident

import (
	"context"
	"slices"
	"strings"
	"time"

	"dutyroom/app"
)

// Operation kinds that exist for travel between stations rather than for
// a change a person makes.
const (
	// OpIncidentShare carries the whole incident (record, tasks, reports
	// and timeline) to stations that a change has just made recipients,
	// so they can take in the later changes.
	OpIncidentShare = "incident.share"
	// OpIncidentTasks carries the reports a receiving station's own rules
	// require of it beyond those the sender's rules gave it.
	OpIncidentTasks = "incident.tasks"
)

// Audience returns the stations of the tree that hold an incident: the
// receiving station, every station its report tasks name as sender or
// recipient, and every level a direct report skips (越级直报 copies the
// levels in between). Recipients beyond the tree are left out; their
// reports are made by phone or fax and recorded by the sender. The order is
// from the receiving station up. tree must hold the receiving station's
// lineage.
func Audience(inc *Incident, tasks []ReportTask, tree *app.Tree) []app.ID {
	chain := []app.ID{inc.Station}
	for _, a := range tree.Ancestors(inc.Station) {
		chain = append(chain, a.ID)
	}
	pos := func(id app.ID) int { return slices.Index(chain, id) }
	named := make([]bool, len(chain))
	named[0] = true
	for i := range tasks {
		t := &tasks[i]
		from, to := pos(t.From), pos(t.From)
		if !t.To.External() {
			to = pos(t.To.Station)
		}
		if from < 0 || to < 0 {
			continue // not on the chain: Validate refuses such a task
		}
		for j := min(from, to); j <= max(from, to); j++ {
			named[j] = true
		}
	}
	var out []app.ID
	for i, id := range chain {
		if named[i] {
			out = append(out, id)
		}
	}
	return out
}

// ArrivalReason is why an incident rings at a receiving station.
type ArrivalReason string

const (
	ArrivalNew    ArrivalReason = "new"    // first reached this station
	ArrivalRaised ArrivalReason = "raised" // its grade rose after it arrived
)

// Arrival is an incident from a station below that has reached this duty
// room with a report addressed to it. It rings (desktop notification,
// repeating sound, badge) until someone acknowledges it in the program,
// and rings again when the grade rises. Acknowledging the arrival silences
// the alarm here; acknowledging a report received (AcknowledgeTask) is
// what the sender sees.
type Arrival struct {
	Incident Incident      `json:"incident"` // as stored now
	From     app.ID        `json:"from"`     // the station whose change brought it
	Reason   ArrivalReason `json:"reason"`
	Grade    Grade         `json:"grade"` // the grade it rang with: the alarm's level
	At       time.Time     `json:"at"`    // when it rang here
	AckedBy  string        `json:"acked_by,omitempty"`
	AckedAt  time.Time     `json:"acked_at,omitzero"`
}

// Pending reports whether the arrival still rings.
func (a *Arrival) Pending() bool { return a.AckedBy == "" }

// Acknowledge records someone in the duty room silencing the arrival.
// EINVALID without a name. The first acknowledgement is kept.
func (a *Arrival) Acknowledge(by string, at time.Time) error {
	by = strings.TrimSpace(by)
	if by == "" {
		return app.FieldErrorf("by", "who acknowledges the alarm is required")
	}
	if a.Pending() {
		a.AckedBy, a.AckedAt = by, at
	}
	return nil
}

// Alarms are the arrivals of a duty room, kept so that a restart rings for
// what nobody has acknowledged and not for what somebody has.
type Alarms interface {
	// PendingArrivals returns the arrivals nobody has acknowledged,
	// oldest first.
	PendingArrivals(ctx context.Context) ([]Arrival, error)
	// FindArrival returns the arrival of an incident. ENOTFOUND when it
	// never rang here.
	FindArrival(ctx context.Context, incident app.ID) (*Arrival, error)
	// AckArrival silences an incident's alarm. EINVALID without a name,
	// ENOTFOUND when it never rang here; acknowledging again keeps the
	// first.
	AckArrival(ctx context.Context, incident app.ID, by string) error
}
