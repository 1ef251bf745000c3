package warning

import (
	"time"

	"dutyroom/app"
)

// OpDeliver is a receiving station's client saying a warning has been
// stored in its duty room: sent automatically, in the transaction that
// stores the warning, up the tree to the issuer and the stations above
// (as acknowledgements go). It lets the issuer tell a station the warning
// never reached (未送达) from one that has it but has not acknowledged.
const OpDeliver = "warning.deliver" // payload: Delivery

// Delivery is one station's record that a warning reached it.
type Delivery struct {
	Warning app.ID    `json:"warning"`
	Station app.ID    `json:"station"` // the station it reached, which reports it
	At      time.Time `json:"at"`      // when its client stored the warning, by its clock
}

// Validate checks a delivery as it arrives from another station.
func (d *Delivery) Validate() error {
	switch {
	case d.Warning == app.NilID:
		return app.FieldErrorf("warning", "the delivery names no warning")
	case d.Station == app.NilID:
		return app.FieldErrorf("station", "the delivery names no station")
	case d.At.IsZero():
		return app.FieldErrorf("at", "the delivery has no time")
	}
	return nil
}

// Reach is where a warning stands at one station.
type Reach int

const (
	// ReachUnknown: the warning was issued by a version that did not ask
	// for deliveries (Warning.Tracked false); only an acknowledgement says
	// anything.
	ReachUnknown Reach = iota
	NotDelivered       // 未送达: no delivery known
	Delivered          // 已送达，未签收
	Acknowledged       // 已签收 (which implies delivered)
)

// Reach says where the warning stands at this row's station.
func (s *StationStatus) Reach(tracked bool) Reach {
	switch {
	case s.Ack != nil:
		return Acknowledged
	case !s.Delivered.IsZero():
		return Delivered
	case !tracked:
		return ReachUnknown
	}
	return NotDelivered
}

// AddDeliveries marks the rows of r whose station has recorded the
// warning, or acknowledged it itself. A village keeps no duty room and no client: the warning is
// there when the duty room above it holds it, since that room relays it by
// phone. Deliveries for other warnings are ignored; the earliest counts.
func (r *Report) AddDeliveries(deliveries []Delivery) {
	at := make(map[app.ID]time.Time, len(deliveries))
	for _, d := range deliveries {
		if d.Warning != r.Warning {
			continue
		}
		if t, ok := at[d.Station]; !ok || d.At.Before(t) {
			at[d.Station] = d.At
		}
	}
	// Pre-order: a village's parent comes before it.
	byStation := make(map[app.ID]time.Time, len(r.Stations))
	for i := range r.Stations {
		s := &r.Stations[i]
		t, ok := at[s.Station]
		if !ok && s.Ack != nil && s.Ack.RecordedBy == s.Station {
			// Its own acknowledgement says it had the warning then.
			t, ok = s.Ack.At, true
		}
		if !ok && s.Tier == app.TierVillage {
			t, ok = byStation[s.Parent]
		}
		if ok {
			s.Delivered = t
			byStation[s.Station] = t
		}
	}
	r.Tracked = true
}

// Undelivered returns the rows with neither a delivery nor an
// acknowledgement, in the order of Stations; none while not tracked.
func (r *Report) Undelivered() []StationStatus {
	var out []StationStatus
	for i := range r.Stations {
		if r.Stations[i].Reach(r.Tracked) == NotDelivered {
			out = append(out, r.Stations[i])
		}
	}
	return out
}
