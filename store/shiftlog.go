package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
)

// The shift keeps one record: every intake, report, warning, notice, spot
// check, consultation and handover enters the duty log (值班日志) of this
// station by itself, in the transaction that writes the record, so none is
// missed and the officer types nothing twice.
//
// Where: every change made here appends an operation (appendOp, or the
// intake's appendPreparedOp, filed by fileIntake), every change from
// another station is an operation applied (applyIncoming), and after a
// restore this station's own later changes come back from the hub
// (TakeOwn). Each calls shiftLogOp, which reads the operation and writes
// at most one entry per record and event. An index, duty_log_auto, keyed by the record and the
// event, makes it idempotent: an operation applied again, sent again or
// replayed after a restore finds its entry there and adds none.
//
// Automatic entries are this station's own view of its shift: they are
// not operations and are not synced (each station writes its own from the
// same records, worded for its side: 发布 here, 收到 there). Manual
// entries keep syncing as roster.OpLog.

var bucketDutyLogAuto = []byte("duty_log_auto")

// maxAutoText bounds the text an automatic entry copies from its record:
// the log row shows one line; the record holds the rest.
const maxAutoText = 120

// autoEntry is an automatic entry about to be written.
type autoEntry struct {
	record roster.LogRecord
	// part tells apart several entries of one event on one record: the
	// report signed, the task sent, the duty day handed over.
	part   string
	at     time.Time
	author string
	text   string
}

// autoKey is the index key of an automatic entry: the station, the record,
// the event and the part.
func autoKey(station app.ID, e *autoEntry) []byte {
	k := make([]byte, 0, 32+len(e.record.Event)+1+len(e.part))
	k = append(k, station[:]...)
	k = append(k, e.record.ID[:]...)
	k = append(k, e.record.Event...)
	k = append(k, 0)
	return append(k, e.part...)
}

// putAutoEntry writes e into station's log on the duty day its time
// belongs to, by the same rule as the manual log (roster.DutyDayAt with the
// station's handover time), unless it is there already.
func putAutoEntry(tx *txn, station app.ID, e autoEntry) error {
	index := bucket(tx.Tx, bucketDutyLogAuto)
	if index == nil {
		// A file opened by this program has the bucket (migration 14); a
		// test building an older layout by hand may not.
		return nil
	}
	key := autoKey(station, &e)
	if index.Get(key) != nil {
		return nil
	}
	st, err := findStationByID(tx, station)
	if err != nil {
		if app.ErrorCode(err) == app.ENOTFOUND {
			return nil // the station's own record is not here yet
		}
		return err
	}
	settings, err := settingsOf(tx, station)
	if err != nil {
		return err
	}
	at := e.at.UTC()
	if at.IsZero() {
		at = tx.now
	}
	text := oneLine(e.text)
	if text == "" {
		text = "—"
	}
	entry := roster.LogEntry{
		ID:      app.NewID(),
		Station: station,
		Day:     roster.DutyDayAt(settings.Handover, st.Location(), at),
		At:      at,
		Author:  strings.TrimSpace(e.author),
		Kind:    roster.LogEvent,
		Text:    text,
		Auto:    true,
		Record:  e.record,
	}
	log, err := mustBucket(tx.Tx, bucketDutyLog)
	if err != nil {
		return err
	}
	logKey := stationDayIDKey(station, entry.Day, entry.ID)
	if _, err := putJSON(log, logKey, toLogRecord(&entry)); err != nil {
		return err
	}
	return index.Put(key, logKey[16:])
}

// oneLine keeps the first line of s, cut to maxAutoText characters.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " …"
	}
	if utf8.RuneCountInString(s) > maxAutoText {
		r := []rune(s)
		s = string(r[:maxAutoText]) + "…"
	}
	return s
}

// shiftLogOp writes the log entry an operation makes, if any: own is an
// operation made here (at its own time), otherwise one from another station
// just applied (at the time it arrived). Operations of other kinds, and
// those that concern other stations, write nothing.
func shiftLogOp(tx *txn, op *app.Operation, own bool) error {
	if !shiftLogKinds[op.Kind] {
		return nil // most operations (rosters, the directory...) are not the shift's events
	}
	self, err := identityID(tx.Tx)
	if err != nil || self == app.NilID {
		return err
	}
	at := op.At
	if !own && !tx.now.IsZero() {
		at = tx.now
	}
	s := shiftOp{tx: tx, self: self, op: op, own: own, at: at}
	switch op.Kind {
	case incident.OpIncidentCreate, incident.OpIncidentShare, incident.OpIncidentCounts, incident.OpIncidentGrade,
		incident.OpIncidentReport, incident.OpIncidentSign, incident.OpIncidentSend:
		return s.incident()
	case warning.OpIssue, warning.OpAck:
		return s.warning()
	case message.OpSend, message.OpReceipt:
		return s.notice()
	case spotcheck.OpStart, spotcheck.OpAnswer, spotcheck.OpResult:
		return s.spotCheck()
	case consult.OpSchedule, consult.OpStart, consult.OpEnd, consult.OpPresence:
		return s.consultation()
	case roster.OpHandover, roster.OpHandoverConfirm:
		return s.handover()
	}
	return nil
}

// shiftLogKinds are the operations that can make an entry.
var shiftLogKinds = map[string]bool{
	incident.OpIncidentCreate: true, incident.OpIncidentShare: true, incident.OpIncidentCounts: true, incident.OpIncidentGrade: true,
	incident.OpIncidentReport: true, incident.OpIncidentSign: true, incident.OpIncidentSend: true,
	warning.OpIssue: true, warning.OpAck: true,
	message.OpSend: true, message.OpReceipt: true,
	spotcheck.OpStart: true, spotcheck.OpAnswer: true, spotcheck.OpResult: true,
	consult.OpSchedule: true, consult.OpStart: true, consult.OpEnd: true, consult.OpPresence: true,
	roster.OpHandover: true, roster.OpHandoverConfirm: true,
}

// shiftOp is one operation being logged.
type shiftOp struct {
	tx   *txn
	self app.ID
	op   *app.Operation
	own  bool
	at   time.Time
}

func (s *shiftOp) put(kind roster.LogRecordKind, id app.ID, event, detail, part, text string) error {
	return putAutoEntry(s.tx, s.self, autoEntry{
		record: roster.LogRecord{Kind: kind, ID: id, Event: event, Detail: detail},
		part:   part, at: s.at, author: s.op.Author, text: text,
	})
}

// decode reads the payload; one that does not decode writes no entry (the
// operation itself was judged where it was applied or made).
func (s *shiftOp) decode(v any) bool {
	return json.Unmarshal(s.op.Payload, v) == nil
}

// stationName names a station held here, or gives its id.
func (s *shiftOp) stationName(id app.ID) string {
	st, err := findStationByID(s.tx, id)
	if err != nil {
		return id.String()
	}
	return st.Name
}

func incidentText(inc *incident.Incident) string {
	if t := strings.TrimSpace(inc.Title); t != "" {
		return t
	}
	return inc.Place.Text
}

// incident logs an intake, a report signed or sent here, and at a station
// above: an incident from below reaching it and a report sent to it.
func (s *shiftOp) incident() error {
	var ch change
	if !s.decode(&ch) || ch.Incident == nil {
		return nil
	}
	inc := ch.Incident
	title := incidentText(inc)
	if s.own {
		switch s.op.Kind {
		case incident.OpIncidentCreate:
			if inc.Station != s.self {
				return nil
			}
			// At the time the call came in (接报时间), which may be some
			// minutes before the form was saved, and on that duty day.
			return putAutoEntry(s.tx, s.self, autoEntry{
				record: roster.LogRecord{Kind: roster.RecordIncident, ID: inc.ID, Event: "incident.intake", Detail: string(inc.Category)},
				at:     inc.ReceivedAt, author: s.op.Author, text: title,
			})
		case incident.OpIncidentSign:
			// The report signed: this station's own report, or its
			// deliveries of a report from below.
			if ch.Report != nil {
				return s.put(roster.RecordIncident, inc.ID, "incident.signed", string(ch.Report.Kind), ch.Report.ID.String(), title)
			}
			if len(ch.Tasks) > 0 {
				t := ch.Tasks[0]
				return s.put(roster.RecordIncident, inc.ID, "incident.signed", string(t.Kind), t.Report.String(), title)
			}
		case incident.OpIncidentSend:
			for _, t := range ch.Tasks {
				if t.From != s.self {
					continue
				}
				to := string(t.To.Level)
				if !t.To.External() {
					to = s.stationName(t.To.Station)
				}
				if err := s.put(roster.RecordIncident, inc.ID, "incident.sent", string(t.Kind), t.ID.String(), title+" → "+to); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// From another station: the incident's first arrival from below (the
	// arrival record rang for it), then each report sent to this station.
	if arr, found, err := getArrival(s.tx, inc.ID); err != nil {
		return err
	} else if found {
		e := autoEntry{
			record: roster.LogRecord{Kind: roster.RecordIncident, ID: inc.ID, Event: "incident.arrived", Detail: string(inc.Category)},
			at:     s.at, author: s.op.Author, text: title + " ← " + s.stationName(inc.Station),
		}
		if arr.Reason == incident.ArrivalNew && !arr.At.IsZero() {
			e.at = arr.At
		}
		if err := putAutoEntry(s.tx, s.self, e); err != nil {
			return err
		}
	}
	if s.op.Kind == incident.OpIncidentSend {
		for _, t := range ch.Tasks {
			if t.To.Station != s.self || t.SentAt.IsZero() {
				continue
			}
			if err := s.put(roster.RecordIncident, inc.ID, "incident.report_received", string(t.Kind), t.ID.String(),
				title+" ← "+s.stationName(t.From)); err != nil {
				return err
			}
		}
	}
	return nil
}

func warningText(w *warning.Warning) string {
	if w.Area != "" {
		return w.Area + "：" + w.Text
	}
	return w.Text
}

// warning logs a warning issued or acknowledged here, and one received.
func (s *shiftOp) warning() error {
	switch s.op.Kind {
	case warning.OpIssue:
		var w warning.Warning
		if !s.decode(&w) {
			return nil
		}
		switch {
		case s.own && w.Issuer == s.self:
			return s.put(roster.RecordWarning, w.ID, "warning.issued", string(w.Level), "", warningText(&w))
		case !s.own && w.Issuer != s.self:
			return s.put(roster.RecordWarning, w.ID, "warning.received", string(w.Level), "", s.stationName(w.Issuer)+" · "+warningText(&w))
		}
	case warning.OpAck:
		var a warning.Ack
		if !s.own || !s.decode(&a) || a.RecordedBy != s.self {
			return nil
		}
		w, err := getWarning(s.tx, a.Warning)
		if err != nil {
			return nil // an ack of a warning not held here says too little to log
		}
		if a.Station == s.self {
			return s.put(roster.RecordWarning, w.ID, "warning.acked", string(w.Level), "", warningText(w))
		}
		// Recorded for a village whose officer acknowledged by phone.
		return s.put(roster.RecordWarning, w.ID, "warning.acked_for", string(w.Level), a.Station.String(),
			s.stationName(a.Station)+" · "+a.Person+" · "+warningText(w))
	}
	return nil
}

func noticeText(m *message.Message) string {
	if m.Subject != "" {
		return m.Subject
	}
	return m.Text
}

// notice logs a notice sent, received or acknowledged here. Other messages
// are conversation, kept in 消息, not the shift's record.
func (s *shiftOp) notice() error {
	switch s.op.Kind {
	case message.OpSend:
		var sent message.Sent
		if !s.decode(&sent) || sent.Message.Kind != message.KindNotice {
			return nil
		}
		m := &sent.Message
		switch {
		case s.own && m.From == s.self:
			names := make([]string, 0, len(m.To))
			for _, id := range m.To {
				names = append(names, s.stationName(id))
			}
			return s.put(roster.RecordNotice, m.ID, "notice.sent", "", "", noticeText(m)+" → "+strings.Join(names, "、"))
		case !s.own && slices.Contains(m.To, s.self):
			return s.put(roster.RecordNotice, m.ID, "notice.received", "", "", s.stationName(m.From)+" · "+noticeText(m))
		}
	case message.OpReceipt:
		var r message.Receipt
		if !s.own || !s.decode(&r) || r.Station != s.self || r.Acked.IsZero() {
			return nil
		}
		m, err := findMessage(s.tx, r.Message)
		if err != nil || m.Kind != message.KindNotice {
			return nil
		}
		return s.put(roster.RecordNotice, m.ID, "notice.acked", "", "", s.stationName(m.From)+" · "+noticeText(&m))
	}
	return nil
}

// spotCheck logs a check made here and its result, and a check of this
// station and its answer.
func (s *shiftOp) spotCheck() error {
	switch s.op.Kind {
	case spotcheck.OpStart:
		var c spotcheck.Check
		if !s.decode(&c) {
			return nil
		}
		switch {
		case s.own && c.By == s.self:
			return s.put(roster.RecordSpotCheck, c.ID, "spotcheck.started", "", "", s.stationName(c.Target))
		case !s.own && c.Target == s.self:
			return s.put(roster.RecordSpotCheck, c.ID, "spotcheck.received", "", "", s.stationName(c.By))
		}
	case spotcheck.OpAnswer:
		var a spotcheck.Answer
		if !s.decode(&a) {
			return nil
		}
		c, err := getCheck(s.tx, a.Check)
		if err != nil {
			return nil
		}
		switch {
		case s.own && a.Station == s.self:
			return s.put(roster.RecordSpotCheck, c.ID, "spotcheck.answered", string(judgeAnswer(s.tx, c, &a)), "",
				s.stationName(c.By)+" · "+a.Person)
		case !s.own && c.By == s.self:
			return s.put(roster.RecordSpotCheck, c.ID, "spotcheck.result", string(judgeAnswer(s.tx, c, &a)), "",
				s.stationName(c.Target)+" · "+a.Person)
		}
	case spotcheck.OpResult:
		var r spotcheck.Result
		if !s.own || !s.decode(&r) || r.Station != s.self {
			return nil
		}
		c, err := getCheck(s.tx, r.Check)
		if err != nil {
			return nil
		}
		return s.put(roster.RecordSpotCheck, c.ID, "spotcheck.result", string(r.Outcome), "", s.stationName(c.Target))
	}
	return nil
}

// consultation logs a consultation scheduled, started and ended, here or
// by a host that invited this station, and this station joining it.
func (s *shiftOp) consultation() error {
	if s.op.Kind == consult.OpPresence {
		var p consult.Participation
		if !s.own || !s.decode(&p) || p.Station != s.self || !p.Left.IsZero() {
			return nil
		}
		r, err := getConsultation(s.tx, p.Consultation)
		if err != nil {
			return nil
		}
		return s.put(roster.RecordConsultation, p.Consultation, "consultation.joined", "", "", r.Consultation.Title)
	}
	var c consult.Consultation
	if !s.decode(&c) {
		return nil
	}
	if c.Host != s.self && !slices.Contains(c.Invited, s.self) {
		return nil
	}
	text := c.Title
	if c.Host != s.self {
		text = s.stationName(c.Host) + " · " + c.Title
	}
	switch s.op.Kind {
	case consult.OpSchedule:
		detail := ""
		if c.Scheduled != nil {
			detail = c.Scheduled.UTC().Format(time.RFC3339)
		}
		return s.put(roster.RecordConsultation, c.ID, "consultation.scheduled", detail, "", text)
	case consult.OpStart:
		return s.put(roster.RecordConsultation, c.ID, "consultation.started", "", "", text)
	case consult.OpEnd:
		return s.put(roster.RecordConsultation, c.ID, "consultation.ended", "", "", text)
	}
	return nil
}

// handover logs a handover and its confirmation in the log of the duty
// room handed over, wherever it was recorded: the duty day belongs to that
// station, whose manual log this client holds too.
func (s *shiftOp) handover() error {
	var rec handoverRecord
	if !s.decode(&rec) {
		return nil
	}
	h := rec.handover()
	if s.op.Kind == roster.OpHandover {
		e := autoEntry{
			record: roster.LogRecord{Kind: roster.RecordHandover, ID: h.Station, Event: "handover.out", Detail: strconv.Itoa(len(h.OpenMatters))},
			part:   h.Day.String(), at: h.OutAt, author: s.op.Author, text: h.OutgoingName,
		}
		return putAutoEntry(s.tx, h.Station, e)
	}
	if !h.Confirmed() {
		return nil
	}
	e := autoEntry{
		record: roster.LogRecord{Kind: roster.RecordHandover, ID: h.Station, Event: "handover.in", Detail: strconv.Itoa(len(h.OpenMatters))},
		part:   h.Day.String(), at: h.InAt, author: s.op.Author, text: h.OutgoingName + " → " + h.IncomingName,
	}
	return putAutoEntry(s.tx, h.Station, e)
}

// createShiftLogV14 creates the index of automatic entries and fills the
// log from the records already held: the operations this station made
// (kept in the outbox and the sent journal) as they were made, and those
// it received from the records they left. Entries go on the duty day each
// event's time belongs to.
func createShiftLogV14(btx *bolt.Tx) error {
	root := btx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the shift log index to")
	}
	if _, err := root.CreateBucketIfNotExists(bucketDutyLogAuto); err != nil {
		return fmt.Errorf("create v1/%s: %w", bucketDutyLogAuto, err)
	}
	self, err := identityID(btx)
	if err != nil || self == app.NilID {
		return err
	}
	tx := &txn{Tx: btx, ctx: context.Background(), now: time.Now().UTC()}
	for _, name := range [][]byte{bucketSent, bucketOutbox} {
		b, err := mustBucket(btx, name)
		if err != nil {
			return err
		}
		err = b.ForEach(func(_, v []byte) error {
			op, err := DecodeOperation(v)
			if err != nil {
				return nil // a damaged operation is `dutyroom check`'s to report
			}
			return shiftLogOp(tx, &op, true)
		})
		if err != nil {
			return err
		}
	}
	return backfillReceived(tx, self)
}

// judgeAnswer is the outcome of an answer as the spot-check records judge
// it: counted from the check's arrival when one is known here.
func judgeAnswer(tx *txn, c *spotcheck.Check, a *spotcheck.Answer) spotcheck.Outcome {
	rec := spotcheck.Record{Check: *c, Answer: a}
	if arr, err := getSpotArrival(tx, c.ID); err == nil {
		rec.Arrival = arr
	}
	return rec.JudgeAnswer(a.At)
}
