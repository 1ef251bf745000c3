package warning

import (
	"time"

	"dutyroom/app"
)

// StationStatus is one row of a warning's progress: a station the warning
// reaches, whether it has acknowledged, and the tally of its own subtree.
type StationStatus struct {
	Station app.ID
	Name    string
	Code    string
	Tier    app.Tier
	Parent  app.ID
	Depth   int  // 1 for the issuer's direct children, 2 below them, ...
	Ack     *Ack // nil while not yet acknowledged
	// Delivered is when the warning was stored at the station (for a
	// village, at the duty room above it); zero while not known.
	Delivered time.Time
	// The station and everything below it: what a collapsed subtree shows.
	SubtreeTotal int
	SubtreeAcked int
}

// Acked reports whether the station has acknowledged.
func (s *StationStatus) Acked() bool { return s.Ack != nil }

// Count is a number of stations and how many of them have acknowledged.
type Count struct {
	Total int
	Acked int
}

// Report is a warning's acknowledgement progress as one station sees it.
type Report struct {
	Warning   app.ID
	All       Count
	DutyRooms Count // counties and townships: the duty rooms reached
	Villages  Count
	// Stations is every station reached, in pre-order: a station comes
	// before its subtree and each subtree is one run, so the view can
	// indent by Depth and fold a subtree under its row.
	Stations []StationStatus
	// Latest is the time of the latest acknowledgement counted, zero for
	// none: the view refreshes when it moves.
	Latest time.Time
	// Tracked: deliveries are recorded for this warning (AddDeliveries),
	// so a station with none is 未送达 rather than unknown.
	Tracked bool
}

// Complete reports whether every station reached has acknowledged.
func (r *Report) Complete() bool { return r.All.Acked == r.All.Total }

// Waiting returns the rows not yet acknowledged, in the order of Stations.
func (r *Report) Waiting() []StationStatus {
	var out []StationStatus
	for _, s := range r.Stations {
		if s.Ack == nil {
			out = append(out, s)
		}
	}
	return out
}

// Progress tallies the acknowledgements of w over the stations it reaches
// in tree. Acks for other warnings or for stations it does not reach are
// ignored; of two acks by one station the earlier counts (Earlier).
func Progress(w *Warning, tree *app.Tree, acks []Ack) Report {
	best := make(map[app.ID]*Ack)
	for i := range acks {
		a := &acks[i]
		if a.Warning != w.ID {
			continue
		}
		if b := best[a.Station]; b == nil || Earlier(a, b) {
			best[a.Station] = a
		}
	}
	r := Report{Warning: w.ID}
	var walk func(id app.ID, depth int) Count
	walk = func(id app.ID, depth int) Count {
		var sum Count
		if depth > len(app.Tiers) {
			return sum // only a damaged tree is deeper than its tiers
		}
		for _, c := range tree.Children(id) {
			i := len(r.Stations)
			r.Stations = append(r.Stations, StationStatus{
				Station: c.ID, Name: c.Name, Code: c.Code, Tier: c.Tier, Parent: c.Parent, Depth: depth,
			})
			own := Count{Total: 1}
			if a := best[c.ID]; a != nil {
				ack := *a
				r.Stations[i].Ack = &ack
				own.Acked = 1
				if ack.At.After(r.Latest) {
					r.Latest = ack.At
				}
			}
			if c.Tier == app.TierVillage {
				r.Villages.Total += own.Total
				r.Villages.Acked += own.Acked
			} else {
				r.DutyRooms.Total += own.Total
				r.DutyRooms.Acked += own.Acked
			}
			below := walk(c.ID, depth+1)
			r.Stations[i].SubtreeTotal = own.Total + below.Total
			r.Stations[i].SubtreeAcked = own.Acked + below.Acked
			sum.Total += r.Stations[i].SubtreeTotal
			sum.Acked += r.Stations[i].SubtreeAcked
		}
		return sum
	}
	r.All = walk(w.Issuer, 1)
	return r
}
