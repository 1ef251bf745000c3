package store

import (
	"encoding/binary"
	"encoding/json"
	"time"
	"unsafe"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// Incidents, reports, events and settings are stored as the JSON of their
// domain types, whose tags pin every field name: the format on disk is the
// format of the operation payloads, so one decoder serves both.
//
// Two things are binary because the register and the statistics read them
// for every incident of five years, and decoding that much JSON takes
// seconds: the register entry and the header of a report task.

const timeKeyLen = 12

// timeKey encodes t so that byte order is time order, for any year: the
// Unix seconds with the sign bit flipped, then the nanoseconds.
func timeKey(t time.Time) [timeKeyLen]byte {
	var k [timeKeyLen]byte
	binary.BigEndian.PutUint64(k[:8], uint64(t.Unix())^(1<<63))
	binary.BigEndian.PutUint32(k[8:], uint32(t.Nanosecond()))
	return k
}

func timeFromKey(b []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(b[:8]) ^ (1 << 63))
	return time.Unix(sec, int64(binary.BigEndian.Uint32(b[8:12]))).UTC()
}

// registerKey is <received time><incident id>.
func registerKey(inc *incident.Incident) []byte {
	tk := timeKey(inc.ReceivedAt)
	k := make([]byte, 0, timeKeyLen+16)
	k = append(k, tk[:]...)
	return append(k, inc.ID[:]...)
}

const registerKeyLen = timeKeyLen + 16

// The register entry, version 2:
//
//	1 byte   version
//	16       receiving station
//	16       place station (zero: none)
//	1        status: 0 open, 1 closed
//	1        provisional grade
//	1        confirmed grade
//	1        1 when a next due time follows, else 0
//	12       next due (time key), only when flagged
//	then length-prefixed (uvarint) strings: category, title, place text,
//	description, reporter name, unit and phone, then a uvarint count of
//	attachment names and the names, then a uvarint count of the report
//	tasks and the header of each (the task header below without its
//	version byte, 42 bytes).
//
// The tasks' headers are what the statistics read of each task; kept in
// the entry, which every change to an incident or its tasks rewrites
// anyway, they are read in the same walk as the incidents, and the tasks
// themselves can live beside the incident's record. Version 1 (schema 3
// to 8) ended after the attachment names; migration 9 added the tasks.
const (
	registerVersion = 2
	registerV1      = 1
	registerTaskLen = taskHeaderLen - 1
)

func encodeRegister(inc *incident.Incident, tasks []incident.ReportTask) []byte {
	n := 64 + len(inc.Category) + len(inc.Title) + len(inc.Place.Text) + len(inc.Description) +
		len(inc.Reporter.Name) + len(inc.Reporter.Unit) + len(inc.Reporter.Phone) + len(tasks)*registerTaskLen
	for _, a := range inc.Attachments {
		n += len(a.Name) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, registerVersion)
	b = append(b, inc.Station[:]...)
	b = append(b, inc.Place.Station[:]...)
	status := byte(0)
	if inc.Status == incident.StatusClosed {
		status = 1
	}
	b = append(b, status, byte(inc.Provisional), byte(inc.Grade))
	if inc.NextDue.IsZero() {
		b = append(b, 0)
	} else {
		tk := timeKey(inc.NextDue)
		b = append(b, 1)
		b = append(b, tk[:]...)
	}
	for _, s := range []string{string(inc.Category), inc.Title, inc.Place.Text, inc.Description,
		inc.Reporter.Name, inc.Reporter.Unit, inc.Reporter.Phone} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(inc.Attachments)))
	for _, a := range inc.Attachments {
		b = binary.AppendUvarint(b, uint64(len(a.Name)))
		b = append(b, a.Name...)
	}
	b = binary.AppendUvarint(b, uint64(len(tasks)))
	for i := range tasks {
		var h [taskHeaderLen]byte
		putTaskHeader(h[:], &tasks[i])
		b = append(b, h[1:]...)
	}
	return b
}

// upgradeRegisterV1 turns a version 1 entry into version 2 with the
// headers of the incident's tasks (each a task record's header, version
// byte included).
func upgradeRegisterV1(v []byte, headers [][]byte) ([]byte, bool) {
	if len(v) < 38 || v[0] != registerV1 {
		return nil, false
	}
	b := make([]byte, 0, len(v)+binary.MaxVarintLen64+len(headers)*registerTaskLen)
	b = append(b, registerVersion)
	b = append(b, v[1:]...)
	b = binary.AppendUvarint(b, uint64(len(headers)))
	for _, h := range headers {
		if len(h) < taskHeaderLen || h[0] != taskHeaderVersion {
			return nil, false
		}
		b = append(b, h[1:taskHeaderLen]...)
	}
	return b, true
}

// registerReader decodes register entries into one reused Incident without
// copying: its strings point into the bbolt page, so they are valid only
// until the transaction ends and must not be kept. This is what makes a
// search over 100,000 incidents allocate nothing per incident; callers copy
// out what they keep (see slimIncident) or read the full record by id.
type registerReader struct {
	inc   incident.Incident
	atts  []incident.Attachment
	bad   bool
	entry []byte
	tasks []byte // the entry's task headers, registerTaskLen bytes each
}

// decode fills r.inc from one register key and value; false when the entry
// is damaged.
func (r *registerReader) decode(k, v []byte) bool {
	if len(k) != registerKeyLen || len(v) < 38 || v[0] != registerVersion {
		return false
	}
	inc := &r.inc
	*inc = incident.Incident{}
	inc.ReceivedAt = timeFromKey(k)
	copy(inc.ID[:], k[timeKeyLen:])
	copy(inc.Station[:], v[1:17])
	copy(inc.Place.Station[:], v[17:33])
	inc.Status = incident.StatusOpen
	if v[33] == 1 {
		inc.Status = incident.StatusClosed
	}
	inc.Provisional, inc.Grade = incident.Grade(v[34]), incident.Grade(v[35])
	r.entry = v[37:]
	if v[36] == 1 {
		if len(r.entry) < timeKeyLen {
			return false
		}
		inc.NextDue = timeFromKey(r.entry)
		r.entry = r.entry[timeKeyLen:]
	}
	r.bad = false
	inc.Category = incident.Category(r.str())
	inc.Title = r.str()
	inc.Place.Text = r.str()
	inc.Description = r.str()
	inc.Reporter.Name = r.str()
	inc.Reporter.Unit = r.str()
	inc.Reporter.Phone = r.str()
	n, w := binary.Uvarint(r.entry)
	if w <= 0 || n > uint64(len(r.entry)) {
		return false
	}
	r.entry = r.entry[w:]
	r.atts = r.atts[:0]
	for range n {
		r.atts = append(r.atts, incident.Attachment{Name: r.str()})
	}
	inc.Attachments = r.atts
	if r.bad {
		return false
	}
	n, w = binary.Uvarint(r.entry)
	if w <= 0 || n > uint64(len(r.entry)) || uint64(len(r.entry)-w) != n*registerTaskLen {
		return false
	}
	r.tasks = r.entry[w:]
	return true
}

func (r *registerReader) str() string {
	n, w := binary.Uvarint(r.entry)
	if w <= 0 || n > uint64(len(r.entry)-w) {
		r.bad = true
		r.entry = nil
		return ""
	}
	s := r.entry[w : w+int(n)]
	r.entry = r.entry[w+int(n):]
	if len(s) == 0 {
		return ""
	}
	return unsafe.String(&s[0], len(s))
}

// categoryOf returns the category constant equal to c, so a copy kept after
// the transaction does not point into the bbolt page.
func categoryOf(c incident.Category) incident.Category {
	for _, k := range incident.Categories {
		if k == c {
			return k
		}
	}
	return incident.Category(string([]byte(c)))
}

// slimIncident copies what the statistics read out of a decoded entry.
func slimIncident(inc *incident.Incident) incident.Incident {
	return incident.Incident{
		ID: inc.ID, Station: inc.Station, ReceivedAt: inc.ReceivedAt, Category: categoryOf(inc.Category),
		Place: incident.Place{Station: inc.Place.Station}, Provisional: inc.Provisional, Grade: inc.Grade,
		Status: inc.Status, NextDue: inc.NextDue,
	}
}

// The task header, version 1, before the task's JSON:
//
//	1 byte   version
//	16       sending station
//	12       due (time key)
//	12       sent at (time key; all zero when not sent)
//	1        status: 0 pending, 1 signed, 2 sent, 3 acknowledged
//	1        1 when late
const (
	taskHeaderVersion = 1
	taskHeaderLen     = 43
)

var taskStatuses = []incident.TaskStatus{incident.TaskPending, incident.TaskSigned, incident.TaskSent, incident.TaskAcknowledged}

func encodeTask(t *incident.ReportTask) ([]byte, error) {
	js, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	b := make([]byte, taskHeaderLen, taskHeaderLen+len(js))
	putTaskHeader(b, t)
	return append(b, js...), nil
}

// putTaskHeader writes t's header into b[:taskHeaderLen].
func putTaskHeader(b []byte, t *incident.ReportTask) {
	b[0] = taskHeaderVersion
	copy(b[1:17], t.From[:])
	due := timeKey(t.Due)
	copy(b[17:29], due[:])
	clear(b[29:41])
	if !t.SentAt.IsZero() {
		sent := timeKey(t.SentAt)
		copy(b[29:41], sent[:])
	}
	b[41] = 0
	for i, s := range taskStatuses {
		if s == t.Status {
			b[41] = byte(i)
		}
	}
	b[42] = 0
	if t.Late {
		b[42] = 1
	}
}

func decodeTask(v []byte) (incident.ReportTask, error) {
	var t incident.ReportTask
	if len(v) < taskHeaderLen || v[0] != taskHeaderVersion {
		return t, app.Errorf(app.ECORRUPT, "a report task record is damaged (bad header); restore a backup")
	}
	if err := decodeJSON(v[taskHeaderLen:], &t, "a report task"); err != nil {
		return t, err
	}
	return t, nil
}

// taskFromHeader decodes a header without its version byte.
func taskFromHeader(h []byte) (incident.ReportTask, bool) {
	if len(h) != registerTaskLen || int(h[40]) >= len(taskStatuses) {
		return incident.ReportTask{}, false
	}
	t := incident.ReportTask{Due: timeFromKey(h[16:28]), Status: taskStatuses[h[40]], Late: h[41] == 1}
	copy(t.From[:], h[0:16])
	if sent := h[28:40]; !allZero(sent) {
		t.SentAt = timeFromKey(sent)
	}
	return t, true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
