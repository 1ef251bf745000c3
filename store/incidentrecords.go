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
// stored is the record as it was before the change, nil for a new one;
// tasks are all the incident's tasks after the change, whose headers the
// register entry carries.
func putIncident(tx *txn, inc *incident.Incident, stored *incident.Incident, tasks []incident.ReportTask) error {
	buf, err := json.Marshal(inc)
	if err != nil {
		return err
	}
	w := incidentWrite{
		id: inc.ID, record: buf, register: encodeRegister(inc, tasks), rk: registerKey(inc),
		isNew: stored == nil,
	}
	if stored != nil && !stored.NextDue.IsZero() && !stored.NextDue.Equal(inc.NextDue) {
		w.dueDelete = dueKey(stored.NextDue, inc.ID)
	}
	if !inc.NextDue.IsZero() {
		w.due = dueKey(inc.NextDue, inc.ID)
	}
	return w.put(tx)
}

// incidentWrite is a record with its register and overdue entries, encoded.
type incidentWrite struct {
	id        app.ID
	record    []byte
	register  []byte
	rk        []byte // the register key
	isNew     bool
	due       []byte // the overdue entry's key, nil for none
	dueDelete []byte // an overdue entry the change replaces
}

func (w *incidentWrite) put(tx *txn) error {
	bs, err := buckets(tx, bucketIncidents, bucketIncidentRegister, bucketIncidentsByDue)
	if err != nil {
		return err
	}
	records, register, byDue := bs[0], bs[1], bs[2]
	records.FillPercent = appendFillPercent
	if err := records.Put(idKey(w.id), w.record); err != nil {
		return err
	}
	// The received time never changes after intake, so the register key
	// is the same for the life of the incident.
	if w.isNew {
		// The register's sequence counts its entries, so a query can size
		// its buffers without walking the bucket.
		if _, err := register.NextSequence(); err != nil {
			return err
		}
	}
	register.FillPercent = appendFillPercent
	if err := register.Put(w.rk, w.register); err != nil {
		return err
	}
	if w.dueDelete != nil {
		if err := byDue.Delete(w.dueDelete); err != nil {
			return err
		}
	}
	if w.due != nil {
		return byDue.Put(w.due, w.rk[:timeKeyLen])
	}
	return nil
}

// appendFillPercent packs pages full in buckets whose keys are uuid v7 or
// times of the moment, which only ever land at the right edge.
const appendFillPercent = 0.95

func dueKey(due time.Time, id app.ID) []byte {
	tk := timeKey(due)
	return append(tk[:], id[:]...)
}

// A task is kept beside its incident's record, under <incident id> 't'
// <task id>, and found by id alone through <task id> 't' → incident id.
// Both keys are uuid v7 of the moment the task was made, so a new
// incident's record, events and tasks land on the same right-edge page.
const taskMark = 't'

func taskKey(inc, task app.ID) []byte {
	k := make([]byte, 0, 33)
	k = append(k, inc[:]...)
	k = append(k, taskMark)
	return append(k, task[:]...)
}

func taskIDKey(task app.ID) []byte {
	k := make([]byte, 0, 17)
	k = append(k, task[:]...)
	return append(k, taskMark)
}

func isTaskKey(k []byte) bool { return len(k) == 33 && k[16] == taskMark }

// putTask writes a task, and its id entry when it is new. The incident's
// register entry carries the task's header, so the caller writes that too
// (putIncident, with every task of the incident).
func putTask(tx *txn, t *incident.ReportTask) error {
	b, err := mustBucket(tx.Tx, bucketIncidents)
	if err != nil {
		return err
	}
	buf, err := encodeTask(t)
	if err != nil {
		return err
	}
	b.FillPercent = appendFillPercent
	if b.Get(taskIDKey(t.ID)) == nil {
		if err := b.Put(taskIDKey(t.ID), idKey(t.Incident)); err != nil {
			return err
		}
	}
	return b.Put(taskKey(t.Incident, t.ID), buf)
}

func tasksOf(tx *txn, id app.ID) ([]incident.ReportTask, error) {
	b, err := mustBucket(tx.Tx, bucketIncidents)
	if err != nil {
		return nil, err
	}
	var out []incident.ReportTask
	prefix := append(idKey(id), taskMark)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if !isTaskKey(k) {
			continue
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
	b, err := mustBucket(tx.Tx, bucketIncidents)
	if err != nil {
		return incident.ReportTask{}, err
	}
	inc, ok := idFromBytes(b.Get(taskIDKey(id)))
	if !ok {
		return incident.ReportTask{}, app.Errorf(app.ENOTFOUND, "report task %s not found", id)
	}
	raw := b.Get(taskKey(inc, id))
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
			continue // the record itself, or a task
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
