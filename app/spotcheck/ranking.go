package spotcheck

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"dutyroom/app"
)

// Period is a span of time [From, To) over which checks are ranked.
type Period struct {
	From time.Time
	To   time.Time
	Name string // "2026Q3" for a quarter, for headings and file names
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.From) && t.Before(p.To)
}

// Quarter returns the calendar quarter of year (1 to 4) in loc: the work
// plan ranks duty rooms quarterly, by local dates.
func Quarter(year, q int, loc *time.Location) (Period, error) {
	if q < 1 || q > 4 {
		return Period{}, app.FieldErrorf("period", "a year has quarters 1 to 4, not %d", q)
	}
	if year < 2000 || year > 2200 {
		return Period{}, app.FieldErrorf("period", "year %d is out of range", year)
	}
	if loc == nil {
		loc = time.UTC
	}
	from := time.Date(year, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, loc)
	return Period{From: from, To: from.AddDate(0, 3, 0), Name: fmt.Sprintf("%dQ%d", year, q)}, nil
}

// QuarterOf returns the quarter t falls in, in loc.
func QuarterOf(t time.Time, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	p, _ := Quarter(t.Year(), (int(t.Month())-1)/3+1, loc)
	return p
}

// ParseQuarter reads "2026Q3" (the q may be small, spaces around are
// ignored) as that quarter in loc.
func ParseQuarter(s string, loc *time.Location) (Period, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	year, q, ok := strings.Cut(t, "Q")
	if !ok || len(year) != 4 || len(q) != 1 {
		return Period{}, app.FieldErrorf("period", "%q is not a quarter; write it like 2026Q3", s)
	}
	y, err1 := strconv.Atoi(year)
	n, err2 := strconv.Atoi(q)
	if err1 != nil || err2 != nil {
		return Period{}, app.FieldErrorf("period", "%q is not a quarter; write it like 2026Q3", s)
	}
	return Quarter(y, n, loc)
}

// Rank is one station's line in the ranking.
type Rank struct {
	Place   int // 1 for the best; stations with nothing decided yet come last
	Station app.ID
	Name    string
	Path    string // from the top of the tree, for stations of the same name
	Checks  int    // started in the period
	OnTime  int
	Late    int
	Missed  int
	Pending int
	// Undelivered (未送达) checks never tested the desk: they are counted
	// apart and left out of the rate.
	Undelivered int
}

// Decided is the number of checks with an outcome.
func (r *Rank) Decided() int { return r.OnTime + r.Late + r.Missed }

// Rate is the answered-on-time rate over the decided checks, 0 to 1; 0
// when nothing is decided yet.
func (r *Rank) Rate() float64 {
	if r.Decided() == 0 {
		return 0
	}
	return float64(r.OnTime) / float64(r.Decided())
}

// Ranking ranks the stations checked in p (by start time) by their
// answered-on-time rate, best first; ties go to fewer misses, then by
// name. Outcomes are as of now (Record.Outcome), so a check whose deadline
// is still ahead counts as pending, not against the station, and one that
// never reached it (未送达) counts apart, neither for nor against it.
// Stations with nothing decided come last.
func Ranking(records []Record, p Period, tree *app.Tree, now time.Time) []Rank {
	by := make(map[app.ID]*Rank)
	var order []*Rank
	for i := range records {
		r := &records[i]
		if !p.Contains(r.Check.StartedAt) {
			continue
		}
		k := by[r.Check.Target]
		if k == nil {
			k = &Rank{Station: r.Check.Target, Name: r.Check.Target.String()}
			if s := tree.Station(k.Station); s != nil {
				k.Name, k.Path = s.Name, tree.Path(s.ID)
			}
			by[k.Station] = k
			order = append(order, k)
		}
		k.Checks++
		switch r.Outcome(now) {
		case OnTime:
			k.OnTime++
		case Late:
			k.Late++
		case Missed:
			k.Missed++
		case Undelivered:
			k.Undelivered++
		default:
			k.Pending++
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return better(order[i], order[j]) })
	out := make([]Rank, len(order))
	for i, k := range order {
		out[i] = *k
		out[i].Place = i + 1
	}
	return out
}

// better orders two ranks, comparing rates as fractions so equal rates
// tie exactly.
func better(a, b *Rank) bool {
	da, db := a.Decided(), b.Decided()
	if (da == 0) != (db == 0) {
		return db == 0
	}
	if x, y := a.OnTime*db, b.OnTime*da; x != y {
		return x > y
	}
	if a.Missed != b.Missed {
		return a.Missed < b.Missed
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Path < b.Path
}
