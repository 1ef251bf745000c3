package store

import (
	"bytes"
	"context"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// Incidents returns the page of incidents matching f, newest received
// first, and how many match in all. The filtering is incident.NewMatcher's,
// run over the register entries; only the page is read in full. EINVALID
// for a negative limit or offset.
func (s *Incidents) Incidents(ctx context.Context, f incident.Filter) ([]incident.Incident, int, error) {
	if f.Limit < 0 || f.Offset < 0 {
		return nil, 0, app.FieldErrorf("limit", "limit and offset cannot be negative")
	}
	now := s.db.Now()
	var (
		page  []incident.Incident
		total int
	)
	err := s.db.view(ctx, func(tx *txn) error {
		tree, err := treeFor(tx, f)
		if err != nil {
			return err
		}
		var ids []app.ID
		err = scanRegister(tx, f, tree, now, func(inc *incident.Incident) {
			total++
			if total > f.Offset && (f.Limit == 0 || len(ids) < f.Limit) {
				ids = append(ids, inc.ID)
			}
		})
		if err != nil {
			return err
		}
		page = make([]incident.Incident, 0, len(ids))
		for _, id := range ids {
			inc, err := findIncident(tx, id)
			if err != nil {
				return err
			}
			page = append(page, inc)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return page, total, nil
}

// Tasks returns the report tasks matching f by deadline. Open tasks are
// found through the overdue index, which holds every incident with a
// report still to send, so the home screen's countdown reads only those.
func (s *Incidents) Tasks(ctx context.Context, f incident.TaskFilter) ([]incident.ReportTask, error) {
	var out []incident.ReportTask
	keep := func(t *incident.ReportTask) bool {
		return (f.From == nil || t.From == *f.From) && (f.To == nil || t.To.Station == *f.To) &&
			(f.Open == nil || t.Open() == *f.Open)
	}
	add := func(tx *txn, id app.ID) error {
		tasks, err := tasksOf(tx, id)
		for i := range tasks {
			if keep(&tasks[i]) {
				out = append(out, tasks[i])
			}
		}
		return err
	}
	err := s.db.view(ctx, func(tx *txn) error {
		if f.Incident != nil {
			if _, err := findIncident(tx, *f.Incident); err != nil {
				return err
			}
			return add(tx, *f.Incident)
		}
		bs, err := buckets(tx, bucketIncidentTasks, bucketIncidentsByDue)
		if err != nil {
			return err
		}
		if f.Open != nil && *f.Open {
			c := bs[1].Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				id, _ := idFromBytes(k[min(len(k), timeKeyLen):])
				if err := add(tx, id); err != nil {
					return err
				}
			}
			return nil
		}
		c := bs[0].Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != 32 {
				continue
			}
			t, err := decodeTask(v)
			if err != nil {
				return err
			}
			if keep(&t) {
				out = append(out, t)
			}
		}
		return nil
	})
	incident.SortTasks(out)
	return out, err
}

// Stats summarises the incidents matching f and their report tasks with
// incident.Summarize. Limit and Offset are ignored.
func (s *Incidents) Stats(ctx context.Context, f incident.Filter, loc *time.Location) (*incident.Stats, error) {
	f.Limit, f.Offset = 0, 0
	now := s.db.Now()
	var st incident.Stats
	err := s.db.view(ctx, func(tx *txn) error {
		stations, err := allStations(tx)
		if err != nil {
			return err
		}
		tree := app.NewTree(stations)
		register, err := mustBucket(tx.Tx, bucketIncidentRegister)
		if err != nil {
			return err
		}
		// Five years are 100,000 incidents of some 600 bytes each: growing
		// the slice by appending would copy it a dozen times.
		incs := make([]incident.Incident, 0, register.Sequence())
		err = scanRegister(tx, f, tree, now, func(inc *incident.Incident) {
			incs = append(incs, slimIncident(inc))
		})
		if err != nil {
			return err
		}
		tasks, err := taskHeaders(tx, incs, register.Sequence())
		if err != nil {
			return err
		}
		st = incident.Summarize(incs, tasks, tree, loc, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// taskHeaders reads the timeliness fields of the tasks of incs. For a few
// incidents it seeks to each one's tasks; for many it walks the bucket once
// beside the sorted ids (both are in id order), which costs less than
// thousands of seeks.
func taskHeaders(tx *txn, incs []incident.Incident, stored uint64) ([]incident.ReportTask, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentTasks)
	if err != nil {
		return nil, err
	}
	// As many tasks per incident as the store holds on average, and some.
	capacity := len(incs) * 3
	if stored > 0 {
		capacity = int(float64(len(incs)) * float64(b.Sequence()) / float64(stored) * 1.05)
	}
	out := make([]incident.ReportTask, 0, capacity)
	add := func(v []byte) error {
		t, ok := decodeTaskHeader(v)
		if !ok {
			return app.Errorf(app.ECORRUPT, "a report task record is damaged (bad header); restore a backup")
		}
		out = append(out, t)
		return nil
	}
	c := b.Cursor()
	if len(incs) < seekTasksBelow {
		for i := range incs {
			prefix := incs[i].ID[:]
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(k) == 32 {
					if err := add(v); err != nil {
						return nil, err
					}
				}
			}
		}
		return out, nil
	}
	ids := make([]app.ID, len(incs))
	for i := range incs {
		ids[i] = incs[i].ID
	}
	slices.SortFunc(ids, func(a, b app.ID) int { return bytes.Compare(a[:], b[:]) })
	j := 0
	for k, v := c.First(); k != nil && j < len(ids); k, v = c.Next() {
		if len(k) != 32 {
			continue
		}
		for j < len(ids) && bytes.Compare(ids[j][:], k[:16]) < 0 {
			j++
		}
		if j < len(ids) && bytes.Equal(ids[j][:], k[:16]) {
			if err := add(v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// treeFor loads the station tree when the filter needs it: only a station
// filter walks the tree.
func treeFor(tx *txn, f incident.Filter) (*app.Tree, error) {
	if f.Station == nil {
		return nil, nil
	}
	stations, err := allStations(tx)
	if err != nil {
		return nil, err
	}
	return app.NewTree(stations), nil
}

// scanRegister calls visit for each incident matching f, newest received
// first. The incident passed is a register entry decoded in place (see
// registerReader): valid during the call only, with only the fields the
// register filters on.
//
// A filter on overdue incidents or on a station below the top of the tree
// reads its index when that narrows the search to under a quarter of the
// register; otherwise, and for everything else, it walks the register
// between From and To, which reads entries in order and so costs less per
// entry than looking each one up.
func scanRegister(tx *txn, f incident.Filter, tree *app.Tree, now time.Time, visit func(*incident.Incident)) error {
	bs, err := buckets(tx, bucketIncidentRegister, bucketIncidentsByStation, bucketIncidentsByDue)
	if err != nil {
		return err
	}
	register, byStation, byDue := bs[0], bs[1], bs[2]
	m := incident.NewMatcher(f, tree, now)
	var r registerReader
	match := func(k, v []byte) error {
		if !r.decode(k, v) {
			id, _ := idFromBytes(k[min(len(k), timeKeyLen):])
			return app.Errorf(app.ECORRUPT, "the register entry of incident %s is damaged; restore a backup", id)
		}
		if m.Match(&r.inc) {
			visit(&r.inc)
		}
		return nil
	}

	limit := int(float64(rangeSize(register, f))*indexShare) + 1
	var candidates []registerKeyBytes
	narrowed := false
	switch {
	case f.Overdue != nil && *f.Overdue:
		end := timeKey(now)
		c := byDue.Cursor()
		k, v := c.First()
		for ; k != nil && len(candidates) <= limit && bytes.Compare(k[:timeKeyLen], end[:]) < 0; k, v = c.Next() {
			candidates = append(candidates, registerKeyOf(v, k[timeKeyLen:]))
		}
		narrowed = len(candidates) <= limit
	case f.Station != nil && tree != nil && tree.Station(*f.Station) != nil && tree.Station(*f.Station).Parent != app.NilID:
		c := byStation.Cursor()
		narrowed = true
		for _, id := range subtree(tree, *f.Station) {
			prefix := id[:]
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				candidates = append(candidates, registerKeyOf(v, k[16:]))
			}
			if len(candidates) > limit {
				narrowed = false
				break
			}
		}
	}
	if !narrowed {
		return scanRange(register, f, match)
	}
	// Newest first, each once: an incident may be filed under its
	// receiving station and its place.
	slices.SortFunc(candidates, func(a, b registerKeyBytes) int { return bytes.Compare(b[:], a[:]) })
	candidates = slices.Compact(candidates)
	for i := range candidates {
		k := candidates[i][:]
		v := register.Get(k)
		if v == nil {
			return app.Errorf(app.ECORRUPT, "an incident index names an incident missing from the register; restore a backup")
		}
		if err := match(k, v); err != nil {
			return err
		}
	}
	return nil
}

// scanRange walks the register backwards from f.To (exclusive) down to
// f.From.
func scanRange(register *bolt.Bucket, f incident.Filter, match func(k, v []byte) error) error {
	c := register.Cursor()
	var k, v []byte
	if f.To != nil {
		end := timeKey(*f.To)
		if k, _ = c.Seek(end[:]); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	} else {
		k, v = c.Last()
	}
	var start []byte
	if f.From != nil {
		tk := timeKey(*f.From)
		start = tk[:]
	}
	for ; k != nil; k, v = c.Prev() {
		if start != nil && bytes.Compare(k[:min(len(k), timeKeyLen)], start) < 0 {
			return nil
		}
		if err := match(k, v); err != nil {
			return err
		}
	}
	return nil
}

// seekTasksBelow is the number of incidents below which the statistics
// seek to each incident's tasks instead of walking all tasks.
var seekTasksBelow = 5000

// indexShare is the share of the entries a walk of the register would read
// up to which an index is read instead: looking entries up one by one costs
// about six times as much per entry as reading them in order.
var indexShare = 0.15

// rangeSize estimates how many entries a walk of the register from f.From
// to f.To reads, from the count of entries and the span of their times.
func rangeSize(register *bolt.Bucket, f incident.Filter) float64 {
	total := float64(register.Sequence())
	c := register.Cursor()
	first, _ := c.First()
	last, _ := c.Last()
	if first == nil || (f.From == nil && f.To == nil) {
		return total
	}
	lo, hi := timeFromKey(first), timeFromKey(last)
	span := hi.Sub(lo)
	if f.From != nil && f.From.After(lo) {
		lo = *f.From
	}
	if f.To != nil && f.To.Before(hi) {
		hi = *f.To
	}
	switch {
	case !hi.After(lo):
		return 0
	case span <= 0:
		return total
	}
	return total * float64(hi.Sub(lo)) / float64(span)
}

// registerKeyBytes is a register key by value, so thousands of candidates
// make one allocation.
type registerKeyBytes [registerKeyLen]byte

func registerKeyOf(received, id []byte) registerKeyBytes {
	var k registerKeyBytes
	copy(k[:timeKeyLen], received)
	copy(k[timeKeyLen:], id)
	return k
}

// subtree returns root and every station below it.
func subtree(tree *app.Tree, root app.ID) []app.ID {
	out := []app.ID{root}
	for i := 0; i < len(out); i++ {
		for _, c := range tree.Children(out[i]) {
			out = append(out, c.ID)
		}
	}
	return out
}
