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
		err = scanRegister(tx, f, tree, now, func(r *registerReader) error {
			total++
			if total > f.Offset && (f.Limit == 0 || len(ids) < f.Limit) {
				ids = append(ids, r.inc.ID)
			}
			return nil
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
		if f.Open != nil && *f.Open {
			byDue, err := mustBucket(tx.Tx, bucketIncidentsByDue)
			if err != nil {
				return err
			}
			c := byDue.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				id, _ := idFromBytes(k[min(len(k), timeKeyLen):])
				if err := add(tx, id); err != nil {
					return err
				}
			}
			return nil
		}
		// Every task: they sit beside their incidents' records and
		// events, so this walks all of them. Nothing frequent asks this.
		records, err := mustBucket(tx.Tx, bucketIncidents)
		if err != nil {
			return err
		}
		c := records.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !isTaskKey(k) {
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
		// the slice by appending would copy it a dozen times. The tasks'
		// headers are kept as they lie in the register's pages, valid
		// while the transaction is open, and decoded once their number is
		// known.
		incs := make([]incident.Incident, 0, register.Sequence())
		headers := make([][]byte, 0, register.Sequence())
		n := 0
		err = scanRegister(tx, f, tree, now, func(r *registerReader) error {
			incs = append(incs, slimIncident(&r.inc))
			headers = append(headers, r.tasks)
			n += len(r.tasks) / registerTaskLen
			return nil
		})
		if err != nil {
			return err
		}
		tasks := make([]incident.ReportTask, 0, n)
		for i, h := range headers {
			for ; len(h) >= registerTaskLen; h = h[registerTaskLen:] {
				t, ok := taskFromHeader(h[:registerTaskLen])
				if !ok {
					return app.Errorf(app.ECORRUPT, "the register entry of incident %s is damaged (bad task header); restore a backup", incs[i].ID)
				}
				tasks = append(tasks, t)
			}
		}
		st = incident.Summarize(incs, tasks, tree, loc, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
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
// first, with the register entry decoded in place (see registerReader):
// valid during the call only, with only the fields the register filters
// on, and the headers of the incident's tasks.
//
// A filter on overdue incidents reads the overdue index when that narrows
// the search to under indexShare of the register; otherwise, and for
// everything else, it walks the register between From and To, which reads
// entries in order and so costs less per entry than looking each one up.
// A station filter walks too: an index by station would be one more page
// for every intake to write, and a walk of five years takes milliseconds.
func scanRegister(tx *txn, f incident.Filter, tree *app.Tree, now time.Time, visit func(*registerReader) error) error {
	bs, err := buckets(tx, bucketIncidentRegister, bucketIncidentsByDue)
	if err != nil {
		return err
	}
	register, byDue := bs[0], bs[1]
	m := incident.NewMatcher(f, tree, now)
	var r registerReader
	match := func(k, v []byte) error {
		if !r.decode(k, v) {
			id, _ := idFromBytes(k[min(len(k), timeKeyLen):])
			return app.Errorf(app.ECORRUPT, "the register entry of incident %s is damaged; restore a backup", id)
		}
		if m.Match(&r.inc) {
			return visit(&r)
		}
		return nil
	}

	if f.Overdue == nil || !*f.Overdue {
		return scanRange(register, f, match)
	}
	limit := int(float64(rangeSize(register, f))*indexShare) + 1
	var candidates []registerKeyBytes
	end := timeKey(now)
	c := byDue.Cursor()
	k, v := c.First()
	for ; k != nil && len(candidates) <= limit && bytes.Compare(k[:timeKeyLen], end[:]) < 0; k, v = c.Next() {
		candidates = append(candidates, registerKeyOf(v, k[timeKeyLen:]))
	}
	if len(candidates) > limit {
		return scanRange(register, f, match)
	}
	// Newest first.
	slices.SortFunc(candidates, func(a, b registerKeyBytes) int { return bytes.Compare(b[:], a[:]) })
	for i := range candidates {
		k := candidates[i][:]
		v := register.Get(k)
		if v == nil {
			return app.Errorf(app.ECORRUPT, "the overdue index names an incident missing from the register; restore a backup")
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
