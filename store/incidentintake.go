package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// Intake is the one change whose latency people wait for: the duty officer
// closes the form once the incident is on disk. So an intake is built
// before the writing transaction, in a reading one: the stations, settings
// and identity it needs are read, the rules run, and its operation is
// encoded. The writing transaction then checks that what was read is still
// what is stored (a few lookups) and logs the operation (see
// incidentfiling.go), so other writers wait on it for little more than its
// commit, and intakes arriving together are built side by side instead of
// one after another inside the shared transaction. If something an intake
// was built from changed meanwhile, it is built again inside the
// transaction, from what is stored then.

// preparedIntake is a new incident ready to be logged.
type preparedIntake struct {
	inc   incident.Incident
	a     incident.Assessment
	tasks []incident.ReportTask

	inputs readSet
	op     preparedOp
	to     []app.ID // the stations the operation goes to, which the contents follow
}

// prepareIntake runs the rules on a new incident n at now and encodes what
// it writes. n is changed as the service assigns: id, grade, next due and
// the rest. tx is only read.
func prepareIntake(tx *txn, stations *stationCache, n *incident.Incident, now time.Time) (*preparedIntake, error) {
	tree, err := stations.lineage(tx, n.Station, n.Place.Station)
	if err != nil {
		return nil, err
	}
	st, err := settingsAt(tx, tree, n.Station)
	if err != nil {
		return nil, err
	}
	// What the service assigns is not taken from the caller: a new incident
	// is open and ungraded until the rules and the leader say otherwise.
	n.ID = app.NewID()
	n.ReceivedAt, n.OccurredAt = n.ReceivedAt.UTC(), n.OccurredAt.UTC()
	n.Provisional, n.Grade, n.GradedBy, n.GradedAt, n.GradeReason = 0, 0, "", time.Time{}, ""
	n.NextDue, n.ClosedAt, n.CloseReason = time.Time{}, time.Time{}, ""
	n.Status = incident.StatusOpen
	if err := n.Validate(now, tree, st.Limits); err != nil {
		return nil, err
	}
	if err := checkWritable(tx, tree, n.Station); err != nil {
		return nil, err
	}

	a := incident.Assess(n, st.Thresholds)
	n.Regrade(a)
	author := app.AuthorFrom(tx.ctx)
	n.CreatedBy, n.CreatedAt, n.UpdatedAt = author, now, now
	n.CreatedByID = app.ActorFrom(tx.ctx).ID
	tasks := incident.RequiredReports(n, a, tree, st.Rules, n.ReceivedAt)
	n.NextDue = incident.NextDue(tasks)

	self, err := identityID(tx.Tx)
	if err != nil {
		return nil, err
	}
	at := self
	if at == app.NilID {
		at = n.Station // see actorStation
	}
	events := []incident.Event{
		notedEvent(n.ID, at, n.ReceivedAt, author, incident.EventReceived, receivedNote(n, tree)),
		notedEvent(n.ID, at, now, author, incident.EventGraded, gradedNote(a)),
	}
	if len(tasks) > 0 {
		events = append(events, notedEvent(n.ID, at, now, author, incident.EventTasksCreated, tasksNote(tasks, tree, stationZone(tree, n.Station))))
	}

	p := &preparedIntake{inc: *n, a: a, tasks: tasks}
	p.inputs, err = intakeInputs(tx, tree, n)
	if err != nil {
		return nil, err
	}
	record, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	eventJSON := make([][]byte, len(events))
	for i := range events {
		ev := &events[i]
		if err := prepareEvent(ev); err != nil {
			return nil, err
		}
		if eventJSON[i], err = json.Marshal(ev); err != nil {
			return nil, err
		}
	}
	taskJSON := make([][]byte, len(tasks))
	for i := range tasks {
		if taskJSON[i], err = json.Marshal(&tasks[i]); err != nil {
			return nil, err
		}
	}

	payload, err := createPayload(record, &a, taskJSON, eventJSON)
	if err != nil {
		return nil, err
	}
	to := slices.DeleteFunc(incident.Audience(n, tasks, tree), func(id app.ID) bool { return id == self })
	p.to = to
	p.op, err = prepareOp(app.Operation{
		ID: app.NewID(), Origin: self, Author: author, AuthorID: app.ActorFrom(tx.ctx).ID, At: now, Kind: incident.OpIncidentCreate,
		Entity: n.ID, Payload: payload, To: to, Scope: app.ScopeNone,
	})
	return p, err
}

// intakePrepared is called between an intake's reading and writing
// transactions; tests change what it was built from there.
var intakePrepared = func() {}

// log writes the attachments' contents among blobs that are not stored
// yet, and logs the intake: its operation, and the mark that it waits to be
// filed.
func (p *preparedIntake) log(tx *txn, blobs map[string][]byte) error {
	if err := putBlobs(tx, p.inc.Attachments, blobs); err != nil {
		return err
	}
	seq, err := appendPreparedOp(tx, &p.op)
	if err != nil {
		return err
	}
	meta, err := mustBucket(tx.Tx, bucketMeta)
	if err != nil {
		return err
	}
	if err := meta.Put(intakeKey(seq), nil); err != nil {
		return err
	}
	// The files' contents follow the record, queued after the commit.
	return oweContents(tx, p.inc.ID, p.inc.Attachments, p.to)
}

// createIncident files n in tx: prepared, logged and filed in one
// transaction, for callers that build their own (the benchmarks' fixtures).
func createIncident(tx *txn, stations *stationCache, n *incident.Incident, blobs map[string][]byte) (incident.Assessment, []incident.ReportTask, error) {
	p, err := prepareIntake(tx, stations, n, tx.now)
	if err != nil {
		return incident.Assessment{}, nil, err
	}
	if err := p.log(tx, blobs); err != nil {
		return incident.Assessment{}, nil, err
	}
	_, _, err = fileIntakes(tx, nil)
	return p.a, p.tasks, err
}

// readSet is what a prepared change was built from: values by bucket and
// key, nil for a key that was absent.
type readSet struct {
	entries []readEntry
}

type readEntry struct {
	bucket []byte
	key    []byte
	value  []byte
}

func (r *readSet) add(b *bolt.Bucket, name, key []byte) {
	r.entries = append(r.entries, readEntry{bucket: name, key: key, value: bytes.Clone(b.Get(key))})
}

// unchanged reports whether tx holds what was read.
func (r *readSet) unchanged(tx *txn) bool {
	var (
		name []byte
		b    *bolt.Bucket
	)
	for _, e := range r.entries {
		if b == nil || !bytes.Equal(name, e.bucket) {
			if name, b = e.bucket, bucket(tx.Tx, e.bucket); b == nil {
				return false
			}
		}
		v := b.Get(e.key)
		if (v == nil) != (e.value == nil) || !bytes.Equal(v, e.value) {
			return false
		}
	}
	return true
}

// intakeInputs records what prepareIntake read: the stations of both
// lineages, the settings along the receiving station's chain, and this
// duty room's station.
func intakeInputs(tx *txn, tree *app.Tree, n *incident.Incident) (readSet, error) {
	var r readSet
	bs, err := buckets(tx, bucketStations, bucketIncidentSettings, bucketMeta)
	if err != nil {
		return r, err
	}
	seen := map[app.ID]bool{}
	chain := func(id app.ID) []app.ID {
		if tree.Station(id) == nil {
			return nil
		}
		out := []app.ID{id}
		for _, a := range tree.Ancestors(id) {
			out = append(out, a.ID)
		}
		return out
	}
	own := chain(n.Station)
	for _, id := range append(own, chain(n.Place.Station)...) {
		if !seen[id] {
			seen[id] = true
			r.add(bs[0], bucketStations, idKey(id))
		}
	}
	for _, id := range own {
		r.add(bs[1], bucketIncidentSettings, idKey(id))
	}
	r.add(bs[2], bucketMeta, keyIdentity)
	return r, nil
}

// prepareEvent shortens an event's detail to what an event holds and
// checks it, as appendEvents does.
func prepareEvent(ev *incident.Event) error {
	// A detail quotes what people typed (an override's reason, say),
	// which may be longer than an event holds; the record it explains
	// keeps the full text.
	if r := []rune(ev.Detail); len(r) > maxEventDetail {
		ev.Detail = string(r[:maxEventDetail-1]) + "…"
	}
	return ev.Validate()
}

// preparedOp is an operation encoded before its transaction, around the
// seq that only the transaction can give.
type preparedOp struct {
	head, tail []byte
}

// prepareOp encodes op as json.Marshal does, but without re-reading its
// payload, which must be compact JSON as json.Marshal writes it: checking
// and copying a payload of a few kilobytes byte by byte, as Marshal does
// with a json.RawMessage, is a fifth of an intake's encoding.
func prepareOp(op app.Operation) (preparedOp, error) {
	payload := op.Payload
	op.Seq, op.Payload = 1, nil
	buf, err := json.Marshal(op)
	if err != nil {
		return preparedOp{}, err
	}
	// The fields before the seq are two ids, and those before the entity
	// ids, a number, a time and strings, whose quotes are escaped: neither
	// marker can occur earlier than the field itself.
	if len(payload) > 0 {
		entity, err := json.Marshal(op.Entity)
		if err != nil {
			return preparedOp{}, err
		}
		marker := append([]byte(`,"entity":`), entity...)
		i := bytes.Index(buf, marker)
		if i < 0 {
			return preparedOp{}, fmt.Errorf("operation %s: no entity in its encoding", op.ID)
		}
		end := i + len(marker)
		withPayload := make([]byte, 0, len(buf)+len(payloadField)+len(payload))
		withPayload = append(withPayload, buf[:end]...)
		withPayload = append(withPayload, payloadField...)
		withPayload = append(withPayload, payload...)
		buf = append(withPayload, buf[end:]...)
	}
	i := bytes.Index(buf, seqField)
	if i < 0 {
		return preparedOp{}, fmt.Errorf("operation %s: no seq in its encoding", op.ID)
	}
	head := i + len(seqField) - 2 // up to and with the colon
	return preparedOp{head: buf[:head], tail: buf[head+1:]}, nil
}

var (
	seqField     = []byte(`,"seq":1,`) // the seq as it appears with seq 1
	payloadField = []byte(`,"payload":`)
)

// encode returns the operation's JSON with seq, as json.Marshal gives it.
func (p *preparedOp) encode(seq uint64) []byte {
	b := make([]byte, 0, len(p.head)+20+len(p.tail))
	b = append(b, p.head...)
	b = strconv.AppendUint(b, seq, 10)
	return append(b, p.tail...)
}

// createPayload is the JSON of change{Incident, Assessment, Tasks, Events}
// put together from the parts already encoded for the buckets, as
// json.Marshal would write it: record is the incident's JSON, tasks and
// events the JSON of each.
func createPayload(record []byte, a *incident.Assessment, tasks, events [][]byte) ([]byte, error) {
	assessment, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	n := 64 + len(record) + len(assessment)
	for _, parts := range [][][]byte{tasks, events} {
		for _, part := range parts {
			n += len(part) + 1
		}
	}
	b := make([]byte, 0, n)
	b = append(b, `{"incident":`...)
	b = append(b, record...)
	b = append(b, `,"assessment":`...)
	b = append(b, assessment...)
	list := func(name string, parts [][]byte) {
		if len(parts) == 0 {
			return // omitempty
		}
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":[`...)
		for i, part := range parts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, part...)
		}
		b = append(b, ']')
	}
	list("tasks", tasks)
	list("events", events)
	return append(b, '}'), nil
}

// appendPreparedOp records a prepared operation in the outbox with the
// next seq, as appendOp does for one built in the transaction.
func appendPreparedOp(tx *txn, p *preparedOp) (uint64, error) {
	bs, err := buckets(tx, bucketMeta, bucketOutbox)
	if err != nil {
		return 0, err
	}
	meta, outbox := bs[0], bs[1]
	var last uint64
	if raw := meta.Get(keySeq); raw != nil {
		var ok bool
		if last, ok = u64Value(raw); !ok {
			return 0, app.Errorf(app.ECORRUPT, "the operation counter in v1/meta is damaged; restore a backup")
		}
	}
	seq := last + 1
	outbox.FillPercent = outboxFillPercent
	if err := outbox.Put(u64Key(seq), p.encode(seq)); err != nil {
		return 0, err
	}
	return seq, meta.Put(keySeq, u64Key(seq))
}

// zones keeps the time zones stations name: loading one reads the zone
// database from disk, a tenth of an intake's time.
var zones sync.Map // zone name → *time.Location

// stationZone is the zone a station keeps its clocks in, the default
// zone for a station missing from tree.
func stationZone(tree *app.Tree, id app.ID) *time.Location {
	s := tree.Station(id)
	if s == nil {
		s = &app.Station{}
	}
	if loc, ok := zones.Load(s.Zone); ok {
		return loc.(*time.Location)
	}
	loc := s.Location()
	zones.Store(s.Zone, loc)
	return loc
}
