package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// Reading and writing incident records and their indexes. Each helper
// takes the service's transaction and composes with the others.

func findIncident(tx *txn, id app.ID) (incident.Incident, error) {
	b, err := mustBucket(tx.Tx, bucketIncidents)
	if err != nil {
		return incident.Incident{}, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return incident.Incident{}, app.Errorf(app.ENOTFOUND, "incident %s not found", id)
	}
	var inc incident.Incident
	err = decodeJSON(raw, &inc, "incident "+id.String())
	return inc, err
}

// putIncident writes the record and its register and overdue entries.
// stored is the record as it was before the change, nil for a new one.
func putIncident(tx *txn, inc *incident.Incident, stored *incident.Incident) error {
	bs, err := buckets(tx, bucketIncidents, bucketIncidentRegister, bucketIncidentsByDue)
	if err != nil {
		return err
	}
	records, register, byDue := bs[0], bs[1], bs[2]
	buf, err := json.Marshal(inc)
	if err != nil {
		return err
	}
	records.FillPercent = appendFillPercent
	if err := records.Put(idKey(inc.ID), buf); err != nil {
		return err
	}
	// The received time never changes after intake, so the register key
	// is the same for the life of the incident.
	rk := registerKey(inc)
	if stored == nil {
		// The register's sequence counts its entries, so a query can size
		// its buffers without walking the bucket.
		if _, err := register.NextSequence(); err != nil {
			return err
		}
	}
	register.FillPercent = appendFillPercent
	if err := register.Put(rk, encodeRegister(inc)); err != nil {
		return err
	}
	if stored != nil && !stored.NextDue.IsZero() && !stored.NextDue.Equal(inc.NextDue) {
		if err := byDue.Delete(dueKey(stored.NextDue, inc.ID)); err != nil {
			return err
		}
	}
	if !inc.NextDue.IsZero() {
		return byDue.Put(dueKey(inc.NextDue, inc.ID), rk[:timeKeyLen])
	}
	return nil
}

// appendFillPercent packs pages full in buckets whose keys are uuid v7 or
// times of the moment, which only ever land at the right edge.
const appendFillPercent = 0.95

// indexByStation files a new incident under the place's station, or the
// receiving station when no place station is given. The place lies within
// the receiving station's area (Validate), so whatever is above the
// receiving station is above the place too, and one entry serves a filter
// on either; a place outside it, as from data of another release, gets an
// entry for each. tree holds both stations' lineage.
func indexByStation(tx *txn, inc *incident.Incident, tree *app.Tree) error {
	b, err := mustBucket(tx.Tx, bucketIncidentsByStation)
	if err != nil {
		return err
	}
	received := timeKey(inc.ReceivedAt)
	place := inc.Place.Station
	if place == app.NilID || !tree.IsWithin(place, inc.Station) {
		if err := b.Put(pairKey(inc.Station, inc.ID), received[:]); err != nil {
			return err
		}
	}
	if place != app.NilID {
		return b.Put(pairKey(place, inc.ID), received[:])
	}
	return nil
}

func dueKey(due time.Time, id app.ID) []byte {
	tk := timeKey(due)
	return append(tk[:], id[:]...)
}

// putTask writes a task under <incident id><task id> and, beside it, the
// entry <task id> → incident id that finds it by id alone.
func putTask(tx *txn, t *incident.ReportTask) error {
	b, err := mustBucket(tx.Tx, bucketIncidentTasks)
	if err != nil {
		return err
	}
	buf, err := encodeTask(t)
	if err != nil {
		return err
	}
	b.FillPercent = appendFillPercent
	if b.Get(idKey(t.ID)) == nil {
		// The sequence counts the tasks, so the statistics can size their
		// buffer without walking the bucket.
		if _, err := b.NextSequence(); err != nil {
			return err
		}
		if err := b.Put(idKey(t.ID), idKey(t.Incident)); err != nil {
			return err
		}
	}
	return b.Put(pairKey(t.Incident, t.ID), buf)
}

func tasksOf(tx *txn, id app.ID) ([]incident.ReportTask, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentTasks)
	if err != nil {
		return nil, err
	}
	var out []incident.ReportTask
	prefix := idKey(id)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != 32 {
			continue // an id entry
		}
		t, err := decodeTask(v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func findTask(tx *txn, id app.ID) (incident.ReportTask, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentTasks)
	if err != nil {
		return incident.ReportTask{}, err
	}
	inc, ok := idFromBytes(b.Get(idKey(id)))
	if !ok {
		return incident.ReportTask{}, app.Errorf(app.ENOTFOUND, "report task %s not found", id)
	}
	raw := b.Get(pairKey(inc, id))
	if raw == nil {
		return incident.ReportTask{}, app.Errorf(app.ECORRUPT, "the index names report task %s, which is not stored; restore a backup", id)
	}
	return decodeTask(raw)
}

// putReport writes a report under <incident id><report id>, with the
// entry <report id> → incident id beside it, as putTask does.
func putReport(tx *txn, r *incident.Report) error {
	b, err := mustBucket(tx.Tx, bucketIncidentReports)
	if err != nil {
		return err
	}
	buf, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := b.Put(pairKey(r.Incident, r.ID), buf); err != nil {
		return err
	}
	return b.Put(idKey(r.ID), idKey(r.Incident))
}

// reportsOf returns the reports of an incident, oldest first.
func reportsOf(tx *txn, id app.ID) ([]incident.Report, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentReports)
	if err != nil {
		return nil, err
	}
	var out []incident.Report
	prefix := idKey(id)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != 32 {
			continue
		}
		var r incident.Report
		if err := decodeJSON(v, &r, "a report of incident "+id.String()); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b incident.Report) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func findReport(tx *txn, id app.ID) (incident.Report, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentReports)
	if err != nil {
		return incident.Report{}, err
	}
	inc, ok := idFromBytes(b.Get(idKey(id)))
	if !ok {
		return incident.Report{}, app.Errorf(app.ENOTFOUND, "report %s not found", id)
	}
	raw := b.Get(pairKey(inc, id))
	if raw == nil {
		return incident.Report{}, app.Errorf(app.ECORRUPT, "the index names report %s, which is not stored; restore a backup", id)
	}
	var r incident.Report
	err = decodeJSON(raw, &r, "report "+id.String())
	return r, err
}

// eventsOf returns an incident's events, stored under <incident id><event
// id> beside its record, in timeline order.
func eventsOf(tx *txn, id app.ID) ([]incident.Event, error) {
	b, err := mustBucket(tx.Tx, bucketIncidents)
	if err != nil {
		return nil, err
	}
	var out []incident.Event
	prefix := idKey(id)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != 32 {
			continue // the record itself
		}
		var ev incident.Event
		if err := decodeJSON(v, &ev, "an event of incident "+id.String()); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	incident.SortTimeline(out)
	return out, nil
}

const maxEventDetail = 2000

// appendEvents adds to timelines. An event is written once: a key already
// present means a bug or a replayed change, and overwriting it would
// rewrite history.
func appendEvents(tx *txn, events []incident.Event) error {
	b, err := mustBucket(tx.Tx, bucketIncidents)
	if err != nil {
		return err
	}
	b.FillPercent = appendFillPercent
	for i := range events {
		ev := &events[i]
		// A detail quotes what people typed (an override's reason, say),
		// which may be longer than an event holds; the record it explains
		// keeps the full text.
		if r := []rune(ev.Detail); len(r) > maxEventDetail {
			ev.Detail = string(r[:maxEventDetail-1]) + "…"
		}
		if err := ev.Validate(); err != nil {
			return err
		}
		key := pairKey(ev.Incident, ev.ID)
		if b.Get(key) != nil {
			return app.Errorf(app.ECONFLICT, "event %s of incident %s is already recorded; the timeline is append-only", ev.ID, ev.Incident)
		}
		buf, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if err := b.Put(key, buf); err != nil {
			return err
		}
	}
	return nil
}

// Event details are short English sentences for the timeline; the screens
// show them as they are, beside the translated kind.

func receivedDetail(inc *incident.Incident, tree *app.Tree) string {
	s := fmt.Sprintf("%s by %s", inc.Category, inc.Channel)
	if inc.Reporter.Name != "" || inc.Reporter.Unit != "" {
		s += " from " + strings.TrimSpace(inc.Reporter.Name+" "+inc.Reporter.Unit)
	}
	if p := tree.Path(inc.Place.Station); p != "" {
		s += " at " + p
	}
	return s
}

// detailTime is how event details give an instant: in the station's zone,
// with the offset, as people read it and without doubt later.
const detailTime = "2006-01-02 15:04 -07:00"

func tasksDetail(tasks []incident.ReportTask, tree *app.Tree, loc *time.Location) string {
	parts := make([]string, 0, len(tasks))
	for _, t := range tasks {
		parts = append(parts, fmt.Sprintf("%s to %s by %s", t.Mode, recipientName(t.To, tree), t.Due.In(loc).Format(detailTime)))
	}
	return strings.Join(parts, "; ")
}

func recipientName(r incident.Recipient, tree *app.Tree) string {
	if r.External() {
		return string(r.Level)
	}
	if s := tree.Station(r.Station); s != nil {
		return s.Name
	}
	return r.Station.String()
}

func figuresDetail(before incident.Counts, beforeLoss int64, after incident.Counts, loss int64) string {
	var parts []string
	add := func(name string, a, b int64) {
		if a != b {
			parts = append(parts, fmt.Sprintf("%s %d → %d", name, a, b))
		}
	}
	add("dead", int64(before.Dead), int64(after.Dead))
	add("missing", int64(before.Missing), int64(after.Missing))
	add("seriously injured", int64(before.SeriousInjured), int64(after.SeriousInjured))
	add("injured", int64(before.Injured), int64(after.Injured))
	add("trapped", int64(before.Trapped), int64(after.Trapped))
	add("evacuated", int64(before.Evacuated), int64(after.Evacuated))
	add("loss", beforeLoss, loss)
	return strings.Join(parts, ", ")
}
