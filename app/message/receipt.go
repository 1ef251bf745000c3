package message

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Receipt is where a message stands at one recipient. Each time is set
// once, when the recipient's client first records that state, and never
// changes afterwards; zero means not yet.
type Receipt struct {
	Message   app.ID    `json:"message"`
	Station   app.ID    `json:"station"`
	Delivered time.Time `json:"delivered,omitzero"` // stored in the recipient's duty room
	Read      time.Time `json:"read,omitzero"`      // opened there
	Acked     time.Time `json:"acked,omitzero"`     // a notice acknowledged
	By        string    `json:"by,omitempty"`       // who acknowledged, or else who read it
}

// Validate checks a receipt as it arrives from another station.
func (r *Receipt) Validate() error {
	r.By = strings.TrimSpace(r.By)
	switch {
	case r.Message == app.NilID:
		return app.FieldErrorf("message", "the receipt names no message")
	case r.Station == app.NilID:
		return app.FieldErrorf("station", "the receipt names no station")
	case r.Delivered.IsZero() && r.Read.IsZero() && r.Acked.IsZero():
		return app.FieldErrorf("delivered", "the receipt records nothing")
	case utf8.RuneCountInString(r.By) > MaxAuthorRunes:
		return app.FieldErrorf("by", "the name is longer than %d characters", MaxAuthorRunes)
	}
	return nil
}

// Merge takes the states o records that r does not yet, and reports
// whether r changed. A state already recorded keeps its first time. A
// later state implies the earlier ones: what was read was delivered.
func (r *Receipt) Merge(o Receipt) bool {
	changed := false
	set := func(dst *time.Time, src time.Time) {
		if dst.IsZero() && !src.IsZero() {
			*dst = src.UTC()
			changed = true
		}
	}
	ackedBefore := !r.Acked.IsZero()
	set(&r.Acked, o.Acked)
	set(&r.Read, o.Read)
	set(&r.Read, r.Acked)
	set(&r.Delivered, o.Delivered)
	set(&r.Delivered, r.Read)
	switch {
	case o.By == "" || o.By == r.By:
	case r.By == "", !ackedBefore && !o.Acked.IsZero():
		// The one who acknowledges answers for the notice, so the name
		// moves from the reader to them, once.
		r.By, changed = o.By, true
	}
	return changed
}

// Late reports whether a notice's recipient missed the deadline: it
// acknowledged after ackBy, or has not acknowledged and now is past it.
func (r Receipt) Late(ackBy *time.Time, now time.Time) bool {
	if ackBy == nil {
		return false
	}
	if r.Acked.IsZero() {
		return now.After(*ackBy)
	}
	return r.Acked.After(*ackBy)
}

// AckStatus is who has acknowledged a notice and who has not. Copies are
// informational and do not appear: only the addressees acknowledge.
type AckStatus struct {
	Message app.ID
	AckBy   *time.Time
	Acked   []Receipt // in the order they acknowledged
	Pending []Receipt // in the order addressed; Delivered and Read say how far each got
}

// Overdue returns the pending addressees past the deadline at now.
func (s AckStatus) Overdue(now time.Time) []Receipt {
	var out []Receipt
	for _, r := range s.Pending {
		if r.Late(s.AckBy, now) {
			out = append(out, r)
		}
	}
	return out
}

// NewAckStatus sorts the receipts of m's addressees into acknowledged and
// pending. receipts may miss stations: they have recorded nothing yet.
func NewAckStatus(m *Message, receipts []Receipt) AckStatus {
	by := make(map[app.ID]Receipt, len(receipts))
	for _, r := range receipts {
		by[r.Station] = r
	}
	s := AckStatus{Message: m.ID, AckBy: m.AckBy}
	for _, id := range m.To {
		r, ok := by[id]
		if !ok {
			r = Receipt{Message: m.ID, Station: id}
		}
		if r.Acked.IsZero() {
			s.Pending = append(s.Pending, r)
		} else {
			s.Acked = append(s.Acked, r)
		}
	}
	slices.SortStableFunc(s.Acked, func(a, b Receipt) int { return a.Acked.Compare(b.Acked) })
	return s
}
