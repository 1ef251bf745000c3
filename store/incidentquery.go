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

// Tasks returns the report tasks matching f by deadline. Open tasks come
// from their own index, so the home screen's countdown reads only those.
func (s *Incidents) Tasks(ctx context.Context, f incident.TaskFilter) ([]incident.ReportTask, error) {
	var out []incident.ReportTask
	keep := func(t *incident.ReportTask) bool {
		return (f.From == nil || t.From == *f.From) && (f.To == nil || t.To.Station == *f.To) &&
			(f.Open == nil || t.Open() == *f.Open)
	}
	err := s.db.view(ctx, func(tx *txn) error {
		bs, err := buckets(tx, bucketIncidentTasks, bucketIncidentTasksOpen)
		if err != nil {
			return err
		}
		tasks, open := bs[0], bs[1]
		var prefix []byte
		if f.Incident != nil {
			if _, err := findIncident(tx, *f.Incident); err != nil {
				return err
			}
			prefix = idKey(*f.Incident)
		}
		visit := func(v []byte) error {
			t, err := decodeTask(v)
			if err == nil && keep(&t) {
				out = append(out, t)
			}
			return err
		}
		if f.Open != nil && *f.Open {
			c := open.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				v := tasks.Get(k)
				if v == nil {
					return app.Errorf(app.ECORRUPT, "the open-task index names a task that is not stored; restore a backup")
				}
				if err := visit(v); err != nil {
					return err
				}
			}
			return nil
		}
		c := tasks.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if err := visit(v); err != nil {
				return err
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
		var incs []incident.Incident
		err = scanRegister(tx, f, tree, now, func(inc *incident.Incident) {
			incs = append(incs, slimIncident(inc))
		})
		if err != nil {
			return err
		}
		tasks, err := taskHeaders(tx, incs)
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
// incidents it seeks to each one's tasks; for many it reads the bucket
// through once, which costs less than thousands of seeks.
func taskHeaders(tx *txn, incs []incident.Incident) ([]incident.ReportTask, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentTasks)
	if err != nil {
		return nil, err
	}
	var out []incident.ReportTask
	add := func(v []byte) error {
		t, ok := decodeTaskHeader(v)
		if !ok {
			return app.Errorf(app.ECORRUPT, "a report task record is damaged (bad header); restore a backup")
		}
		out = append(out, t)
		return nil
	}
	c := b.Cursor()
	if len(incs) < 5000 {
		for i := range incs {
			prefix := incs[i].ID[:]
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if err := add(v); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	wanted := make(map[app.ID]struct{}, len(incs))
	for i := range incs {
		wanted[incs[i].ID] = struct{}{}
	}
	out = make([]incident.ReportTask, 0, 3*len(incs))
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var id app.ID
		copy(id[:], k)
		if _, ok := wanted[id]; ok {
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
// It reads the smallest set it can: the overdue index when the filter asks
// for overdue incidents, the station index for a station below the top of
// the tree, and the register itself between From and To otherwise.
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

	var candidates [][]byte
	switch {
	case f.Overdue != nil && *f.Overdue:
		end := timeKey(now)
		c := byDue.Cursor()
		for k, v := c.First(); k != nil && bytes.Compare(k[:timeKeyLen], end[:]) < 0; k, v = c.Next() {
			candidates = append(candidates, registerKeyFrom(v, k[timeKeyLen:]))
		}
	case f.Station != nil && tree != nil && tree.Station(*f.Station) != nil && tree.Station(*f.Station).Parent != app.NilID:
		c := byStation.Cursor()
		for _, id := range subtree(tree, *f.Station) {
			prefix := id[:]
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				candidates = append(candidates, registerKeyFrom(v, k[16:]))
			}
		}
	default:
		return scanRange(register, f, match)
	}
	// Newest first, each once: an incident is indexed under both its
	// receiving station and its place.
	slices.SortFunc(candidates, func(a, b []byte) int { return bytes.Compare(b, a) })
	candidates = slices.CompactFunc(candidates, bytes.Equal)
	for _, k := range candidates {
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

func registerKeyFrom(received, id []byte) []byte {
	k := make([]byte, 0, registerKeyLen)
	k = append(k, received...)
	return append(k, id...)
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
