package incident

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"time"

	"dutyroom/app"
)

// Month is a calendar month in a station's zone.
type Month struct {
	Year  int        `json:"year"`
	Month time.Month `json:"month"`
}

// MonthOf returns the month t falls in, in loc.
func MonthOf(t time.Time, loc *time.Location) Month {
	y, m, _ := t.In(loc).Date()
	return Month{y, m}
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

func (m Month) before(o Month) bool {
	return m.Year < o.Year || m.Year == o.Year && m.Month < o.Month
}

// MonthCount is how many incidents of a category were received in a month.
type MonthCount struct {
	Month    Month    `json:"month"`
	Category Category `json:"category"`
	Count    int      `json:"count"`
}

// AreaCount is how many incidents happened in an area.
type AreaCount struct {
	Station app.ID `json:"station"` // NilID: a station missing from the tree
	Count   int    `json:"count"`
}

// GradeCount is how many incidents have a grade; grade 0 counts the ungraded.
type GradeCount struct {
	Grade Grade `json:"grade"`
	Count int   `json:"count"`
}

// Timeliness is a station's record of reporting on time, the work plan's
// timeliness ranking. Only reports already due or sent count.
type Timeliness struct {
	Station app.ID  `json:"station"`
	Due     int     `json:"due"`     // OnTime + Late + Overdue
	OnTime  int     `json:"on_time"` // sent by the deadline
	Late    int     `json:"late"`    // sent after it (迟报)
	Overdue int     `json:"overdue"` // past it and not sent yet
	Rate    float64 `json:"rate"`    // OnTime / Due
}

// Stats are the figures of the statistics screen.
type Stats struct {
	ByMonth    []MonthCount `json:"by_month"`
	ByCounty   []AreaCount  `json:"by_county"`
	ByGrade    []GradeCount `json:"by_grade"`
	Timeliness []Timeliness `json:"timeliness"`
}

// Summarize computes every figure of the statistics screen. The store
// selects the incidents and their tasks; the arithmetic is here so every
// store and the tests agree on it.
func Summarize(incs []Incident, tasks []ReportTask, tree *app.Tree, loc *time.Location, now time.Time) Stats {
	return Stats{
		ByMonth:    CountByMonth(incs, loc),
		ByCounty:   CountByCounty(incs, tree),
		ByGrade:    CountByGrade(incs),
		Timeliness: OnTimeRates(tasks, now),
	}
}

// CountByMonth counts incidents per month received (in loc) and category,
// by month, then in the order of Categories. Pairs with no incident are
// left out.
func CountByMonth(incs []Incident, loc *time.Location) []MonthCount {
	if loc == nil {
		loc = chinaTime()
	}
	order := make(map[Category]int, len(Categories))
	for i, c := range Categories {
		order[c] = i
	}
	type key struct {
		m Month
		c Category
	}
	counts := map[key]int{}
	for i := range incs {
		counts[key{MonthOf(incs[i].ReceivedAt, loc), incs[i].Category}]++
	}
	out := make([]MonthCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, MonthCount{Month: k.m, Category: k.c, Count: n})
	}
	slices.SortFunc(out, func(a, b MonthCount) int {
		switch {
		case a.Month.before(b.Month):
			return -1
		case b.Month.before(a.Month):
			return 1
		}
		oa, oka := order[a.Category]
		ob, okb := order[b.Category]
		if !oka {
			oa = len(order)
		}
		if !okb {
			ob = len(order)
		}
		if oa != ob {
			return oa - ob
		}
		return cmp.Compare(a.Category, b.Category)
	})
	return out
}

// CountByCounty counts incidents per county of the place where they
// happened (the receiving station when no place station is given). Every
// county of the tree appears, in tree order, even with no incident, so a
// chart shows the quiet counties too. Incidents at the prefecture itself
// follow under the prefecture, and those whose station is not in the tree
// last under NilID.
func CountByCounty(incs []Incident, tree *app.Tree) []AreaCount {
	countyOf := map[app.ID]app.ID{}
	var counties, tops []app.ID
	var walk func(s *app.Station, county app.ID)
	walk = func(s *app.Station, county app.ID) {
		if s.Tier == app.TierCounty {
			county = s.ID
			counties = append(counties, s.ID)
		}
		if county == app.NilID {
			countyOf[s.ID] = s.ID // above the counties: counted on its own
		} else {
			countyOf[s.ID] = county
		}
		for _, c := range tree.Children(s.ID) {
			walk(c, county)
		}
	}
	if tree != nil {
		for _, r := range tree.Children(app.NilID) {
			tops = append(tops, r.ID)
			walk(r, app.NilID)
		}
	}
	counts := map[app.ID]int{}
	for i := range incs {
		id := incs[i].Place.Station
		if id == app.NilID {
			id = incs[i].Station
		}
		counts[countyOf[id]]++ // a station not in the tree maps to NilID
	}
	out := make([]AreaCount, 0, len(counties)+len(tops)+1)
	for _, c := range counties {
		out = append(out, AreaCount{Station: c, Count: counts[c]})
	}
	for _, t := range tops {
		if counts[t] > 0 {
			out = append(out, AreaCount{Station: t, Count: counts[t]})
		}
	}
	if counts[app.NilID] > 0 {
		out = append(out, AreaCount{Station: app.NilID, Count: counts[app.NilID]})
	}
	return out
}

// CountByGrade counts incidents per effective grade, from general up, each
// grade present even at zero; ungraded incidents follow as grade 0 when
// there are any.
func CountByGrade(incs []Incident) []GradeCount {
	var n [GradeEspeciallyMajor + 1]int
	for i := range incs {
		g := incs[i].EffectiveGrade()
		if !g.Valid() {
			g = 0
		}
		n[g]++
	}
	out := make([]GradeCount, 0, len(n))
	for _, g := range Grades {
		out = append(out, GradeCount{Grade: g, Count: n[g]})
	}
	if n[0] > 0 {
		out = append(out, GradeCount{Grade: 0, Count: n[0]})
	}
	return out
}

// OnTimeRates ranks sending stations by the share of their due reports sent
// on time: best rate first, then the station with more reports due, then by
// id so the ranking is stable. Reports not yet due do not count: nobody is
// late before the deadline.
func OnTimeRates(tasks []ReportTask, now time.Time) []Timeliness {
	by := map[app.ID]*Timeliness{}
	for i := range tasks {
		t := &tasks[i]
		var onTime, late, overdue bool
		switch {
		case !t.Open():
			late = t.Late || t.SentAt.After(t.Due)
			onTime = !late
		case now.After(t.Due):
			overdue = true
		default:
			continue
		}
		s := by[t.From]
		if s == nil {
			s = &Timeliness{Station: t.From}
			by[t.From] = s
		}
		s.Due++
		switch {
		case onTime:
			s.OnTime++
		case late:
			s.Late++
		case overdue:
			s.Overdue++
		}
	}
	out := make([]Timeliness, 0, len(by))
	for _, s := range by {
		s.Rate = float64(s.OnTime) / float64(s.Due)
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Timeliness) int {
		switch {
		case a.Rate > b.Rate:
			return -1
		case a.Rate < b.Rate:
			return 1
		case a.Due != b.Due:
			return b.Due - a.Due
		}
		return bytes.Compare(a.Station[:], b.Station[:])
	})
	return out
}
