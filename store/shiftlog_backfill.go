package store

import (
	"bytes"
	"slices"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
)

// backfillReceived fills the log with what other stations sent before the
// log kept it, from the records it left: incidents from below (their
// arrival), warnings and notices received, spot checks of this station and
// the answers to its own, consultations it was invited to. Each entry has
// the record's own time and author. Reports received on an incident from
// below are covered by its arrival: their tasks sit inside the incident
// records, and a scan of every incident is not worth one upgrade's time.
func backfillReceived(tx *txn, self app.ID) error {
	fill := func(kind roster.LogRecordKind, id app.ID, event, detail string, e autoEntry) error {
		e.record = roster.LogRecord{Kind: kind, ID: id, Event: event, Detail: detail}
		return putAutoEntry(tx, self, e)
	}
	name := func(id app.ID) string {
		if st, err := findStationByID(tx, id); err == nil {
			return st.Name
		}
		return id.String()
	}
	// Incidents from below.
	arrivals, err := mustBucket(tx.Tx, bucketIncidentArrivals)
	if err != nil {
		return err
	}
	err = arrivals.ForEach(func(k, v []byte) error {
		id, ok := idFromBytes(k)
		if !ok {
			return nil
		}
		var arr arrivalRecord
		if unmarshalRecord(v, &arr) != nil {
			return nil
		}
		inc, err := findIncident(tx, id)
		if err != nil {
			return nil
		}
		return fill(roster.RecordIncident, id, "incident.arrived", string(inc.Category),
			autoEntry{at: arr.At, text: incidentText(&inc) + " ← " + name(inc.Station)})
	})
	if err != nil {
		return err
	}
	// Warnings received.
	warnings, err := mustBucket(tx.Tx, bucketWarnings)
	if err != nil {
		return err
	}
	err = warnings.ForEach(func(_, v []byte) error {
		var w warning.Warning
		if unmarshalRecord(v, &w) != nil || w.Issuer == self {
			return nil
		}
		return fill(roster.RecordWarning, w.ID, "warning.received", string(w.Level),
			autoEntry{at: w.IssuedAt, author: w.IssuedBy, text: name(w.Issuer) + " · " + warningText(&w)})
	})
	if err != nil {
		return err
	}
	// Spot checks of this station, and the answers to those it made.
	checks, err := mustBucket(tx.Tx, bucketSpotChecks)
	if err != nil {
		return err
	}
	err = checks.ForEach(func(k, v []byte) error {
		c, err := decodeCheck(k, v)
		if err != nil {
			return nil
		}
		switch {
		case c.Target == self:
			return fill(roster.RecordSpotCheck, c.ID, "spotcheck.received", "",
				autoEntry{at: c.StartedAt, author: c.StartedBy, text: name(c.By)})
		case c.By == self:
			a, err := getAnswer(tx, c.ID)
			if err != nil {
				return nil
			}
			return fill(roster.RecordSpotCheck, c.ID, "spotcheck.result", string(startedArrival(&c, a)),
				autoEntry{at: a.At, author: a.Person, text: name(c.Target) + " · " + a.Person})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Notices received.
	messages, err := mustBucket(tx.Tx, bucketMessages)
	if err != nil {
		return err
	}
	err = messages.ForEach(func(_, v []byte) error {
		// Most messages are not notices: look before decoding each.
		if !bytes.Contains(v, []byte(`"kind":"notice"`)) {
			return nil
		}
		var m message.Message
		if unmarshalRecord(v, &m) != nil || m.Kind != message.KindNotice || m.From == self || !slices.Contains(m.To, self) {
			return nil
		}
		return fill(roster.RecordNotice, m.ID, "notice.received", "",
			autoEntry{at: m.SentAt, author: m.Author, text: name(m.From) + " · " + noticeText(&m)})
	})
	if err != nil {
		return err
	}
	// Consultations this station was invited to.
	consults, err := mustBucket(tx.Tx, bucketConsultations)
	if err != nil {
		return err
	}
	return consults.ForEach(func(_, v []byte) error {
		var r consult.Record
		if unmarshalRecord(v, &r) != nil {
			return nil
		}
		c := r.Consultation
		if c.Host == self || !slices.Contains(c.Invited, self) {
			return nil
		}
		text := name(c.Host) + " · " + c.Title
		if c.Scheduled != nil {
			if err := fill(roster.RecordConsultation, c.ID, "consultation.scheduled", c.Scheduled.UTC().Format(time.RFC3339),
				autoEntry{at: c.CreatedAt, author: c.CreatedBy, text: text}); err != nil {
				return err
			}
		}
		if !c.StartedAt.IsZero() {
			if err := fill(roster.RecordConsultation, c.ID, "consultation.started", "",
				autoEntry{at: c.StartedAt, author: c.CreatedBy, text: text}); err != nil {
				return err
			}
		}
		if !c.EndedAt.IsZero() {
			return fill(roster.RecordConsultation, c.ID, "consultation.ended", "",
				autoEntry{at: c.EndedAt, author: c.CreatedBy, text: text})
		}
		return nil
	})
}

// startedArrival judges an answer held before arrivals were recorded: such
// a check counts from its start, as migration 16 records it.
func startedArrival(c *spotcheck.Check, a *spotcheck.Answer) spotcheck.Outcome {
	rec := spotcheck.Record{Check: *c, Answer: a,
		Arrival: &spotcheck.Arrival{Check: c.ID, Station: c.Target, At: c.StartedAt, Received: c.StartedAt}}
	return rec.JudgeAnswer(a.At)
}
