// Package sms is the hub's SMS gateway: 叫应 for the people who are not at
// a DutyRoom window. A Queue keeps every message in the hub's bbolt file
// with its state, hands it to a Gateway (Kannel's smsbox over HTTP, or
// gammu-smsd's files back-end), retries quietly with backoff, and matches
// what comes back (delivery reports, replies) to the message it answers.
//
// Mobile numbers never leave the hub but to the gateway: the queue logs
// them masked (138****0000) and the clients never receive them.
package sms

import (
	"context"
	"errors"
	"strings"
	"time"
)

// State is where a message stands.
type State string

const (
	Queued    State = "queued"    // waiting for the gateway (first try or a retry)
	Sent      State = "sent"      // the gateway took it
	Delivered State = "delivered" // the gateway reported it reached the phone
	Failed    State = "failed"    // given up; Reason says why
	Answered  State = "answered"  // the person replied with the message's code
)

// Outgoing is what a gateway is handed: our id (which comes back in
// delivery reports), the number and the whole text. A text longer than
// one SMS is sent as concatenated parts by the gateway (Parts counts
// them).
type Outgoing struct {
	ID   string
	To   string
	Text string
}

// Result is a gateway's answer to Send: its own id for the message when it
// gives one, and the state it reached (Sent, or Delivered for gateways
// that know at once).
type Result struct {
	GatewayID string
	State     State
}

// Gateway sends one message. An error means the gateway did not take it:
// a Temporary error (down, busy) is retried, any other fails the message
// with the error as its reason.
type Gateway interface {
	Name() string
	Send(ctx context.Context, m Outgoing) (Result, error)
}

// Poller is a gateway that must be asked for what came back (gammu's
// folders); Kannel calls the hub instead (Kannel.Handler).
type Poller interface {
	Poll(ctx context.Context, sink Sink) error
}

// Sink takes what the gateway sends back.
type Sink interface {
	// Reply is a message a phone sent to the duty room's number.
	Reply(in Inbound)
	// Report is a delivery report or the final outcome of a message.
	Report(r Report)
}

// Inbound is one received SMS.
type Inbound struct {
	From string    `json:"from"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Report says what became of one of our messages.
type Report struct {
	ID     string // our message id
	State  State  // Delivered or Failed
	Reason string // for Failed
	At     time.Time
}

// TemporaryError marks a gateway failure worth retrying: the gateway is
// down or answered busy.
type TemporaryError struct{ Err error }

func (e *TemporaryError) Error() string { return e.Err.Error() }
func (e *TemporaryError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth a retry.
func IsTemporary(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}

// NormaliseNumber turns a mainland mobile number as gateways write it
// (+8613800000000, 008613800000000, 86138...) into the 11 digits the
// directory keeps, so replies match.
func NormaliseNumber(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	for _, p := range []string{"+86", "0086"} {
		s = strings.TrimPrefix(s, p)
	}
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	return s
}

// ValidMobile reports whether s is an 11-digit mainland mobile number:
// the only numbers the queue sends to.
func ValidMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Mask shows a number in logs and lists: 138****0000.
func Mask(n string) string {
	if len(n) < 8 {
		return strings.Repeat("*", len(n))
	}
	return n[:3] + strings.Repeat("*", len(n)-7) + n[len(n)-4:]
}
