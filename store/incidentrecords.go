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

// putIncident writes the record and its register and index entries.
// stored is the record as it was before the change, nil for a new one.
func putIncident(tx *txn, inc *incident.Incident, stored *incident.Incident) error {
	bs, err := buckets(tx, bucketIncidents, bucketIncidentRegister, bucketIncidentsByStation, bucketIncidentsByDue)
	if err != nil {
		return err
	}
	records, register, byStation, byDue := bs[0], bs[1], bs[2], bs[3]
	buf, err := json.Marshal(inc)
	if err != nil {
		return err
	}
	if err := records.Put(idKey(inc.ID), buf); err != nil {
		return err
	}
	// The received time never changes after intake, so the register key
	// is the same for the life of the incident.
	rk := registerKey(inc)
	if err := register.Put(rk, encodeRegister(inc)); err != nil {
		return err
	}
	received := rk[:timeKeyLen]
	if stored == nil {
		if err := byStation.Put(pairKey(inc.Station, inc.ID), received); err != nil {
			return err
		}
		if p := inc.Place.Station; p != app.NilID && p != inc.Station {
			if err := byStation.Put(pairKey(p, inc.ID), received); err != nil {
				return err
			}
		}
	} else if !stored.NextDue.IsZero() && !stored.NextDue.Equal(inc.NextDue) {
		if err := byDue.Delete(dueKey(stored.NextDue, inc.ID)); err != nil {
			return err
		}
	}
	if !inc.NextDue.IsZero() {
		return byDue.Put(dueKey(inc.NextDue, inc.ID), received)
	}
	return nil
}

func dueKey(due time.Time, id app.ID) []byte {
	tk := timeKey(due)
	return append(tk[:], id[:]...)
}

// putTask writes a task, its id entry and its place among the open tasks.
func putTask(tx *txn, t *incident.ReportTask) error {
	bs, err := buckets(tx, bucketIncidentTasks, bucketIncidentTaskIDs, bucketIncidentTasksOpen)
	if err != nil {
		return err
	}
	buf, err := encodeTask(t)
	if err != nil {
		return err
	}
	key := pairKey(t.Incident, t.ID)
	if err := bs[0].Put(key, buf); err != nil {
		return err
	}
	if err := bs[1].Put(idKey(t.ID), idKey(t.Incident)); err != nil {
		return err
	}
	if t.Open() {
		return bs[2].Put(key, nil)
	}
	return bs[2].Delete(key)
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
		t, err := decodeTask(v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func findTask(tx *txn, id app.ID) (incident.ReportTask, error) {
	bs, err := buckets(tx, bucketIncidentTaskIDs, bucketIncidentTasks)
	if err != nil {
		return incident.ReportTask{}, err
	}
	inc, ok := idFromBytes(bs[0].Get(idKey(id)))
	if !ok {
		return incident.ReportTask{}, app.Errorf(app.ENOTFOUND, "report task %s not found", id)
	}
	raw := bs[1].Get(pairKey(inc, id))
	if raw == nil {
		return incident.ReportTask{}, app.Errorf(app.ECORRUPT, "the index names report task %s, which is not stored; restore a backup", id)
	}
	return decodeTask(raw)
}

func putReport(tx *txn, r *incident.Report) error {
	bs, err := buckets(tx, bucketIncidentReports, bucketIncidentReportIDs)
	if err != nil {
		return err
	}
	buf, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := bs[0].Put(pairKey(r.Incident, r.ID), buf); err != nil {
		return err
	}
	return bs[1].Put(idKey(r.ID), idKey(r.Incident))
}

// reportsOf returns the reports of an incident, oldest first: their ids
// are uuid v7, given when filed.
func reportsOf(tx *txn, id app.ID) ([]incident.Report, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentReports)
	if err != nil {
		return nil, err
	}
	var out []incident.Report
	prefix := idKey(id)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
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
	bs, err := buckets(tx, bucketIncidentReportIDs, bucketIncidentReports)
	if err != nil {
		return incident.Report{}, err
	}
	inc, ok := idFromBytes(bs[0].Get(idKey(id)))
	if !ok {
		return incident.Report{}, app.Errorf(app.ENOTFOUND, "report %s not found", id)
	}
	raw := bs[1].Get(pairKey(inc, id))
	if raw == nil {
		return incident.Report{}, app.Errorf(app.ECORRUPT, "the index names report %s, which is not stored; restore a backup", id)
	}
	var r incident.Report
	err = decodeJSON(raw, &r, "report "+id.String())
	return r, err
}

const maxEventDetail = 2000

// appendEvents adds to timelines. An event is written once: a key already
// present means a bug or a replayed change, and overwriting it would
// rewrite history.
func appendEvents(tx *txn, events []incident.Event) error {
	b, err := mustBucket(tx.Tx, bucketIncidentEvents)
	if err != nil {
		return err
	}
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

func tasksDetail(tasks []incident.ReportTask, tree *app.Tree) string {
	parts := make([]string, 0, len(tasks))
	for _, t := range tasks {
		parts = append(parts, fmt.Sprintf("%s to %s by %s", t.Mode, recipientName(t.To, tree), t.Due.Format("2006-01-02 15:04Z07:00")))
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
