package wire

import (
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// SMS states (docs/sms.md): the hub keeps every SMS it sends, with its
// state, in its own file; the mobile numbers never leave it but to the SMS
// gateway. A client asks, online, what became of the messages about its
// records (syncer.Engine.Request):
//
//   - sms.list: the messages of some events ("warning:<id>",
//     "incident:<id>", "notice:<id>": each also matches the events below
//     it, such as "incident:<id>:2", an escalation's second step; a kind
//     alone, "incident", takes all of that kind), or
//     with no events the newest of all, for the asking station and the
//     stations below it only. Numbers come masked (138****1234).
//   - sms.gateway: whether the hub sends SMS and whether its gateway is
//     down, for the status bar; asked again every minute or so.
//
// The hub answers each with a frame of the same type and id, or an error of
// that id. A hub without SMS answers sms.list with no messages and
// sms.gateway with On false; an older hub answers unknown_type.
const (
	TypeSMSList    = "sms.list"
	TypeSMSGateway = "sms.gateway"
)

// Limits of sms.list.
const (
	MaxSMSEvents   = 100  // events in one question
	MaxSMSEventLen = 200  // bytes of one event
	MaxSMSStates   = 2000 // messages in one answer: the newest
)

// SMSList asks for the SMS states of events; none: the newest of all the
// asking station's and its subtree's.
type SMSList struct {
	Events []string `json:"events,omitempty"`
}

// SMSState is one message as a client may see it: no text, no full number.
type SMSState struct {
	Event   string `json:"event"`
	Kind    string `json:"kind"` // the event's first part: warning, incident, notice, instruction, ...
	Station app.ID `json:"station"`
	Person  string `json:"person,omitempty"` // the name
	Number  string `json:"number"`           // masked: 138****1234
	// State: queued, sent, delivered, failed (Reason says why), answered.
	State       string    `json:"state"`
	Reason      string    `json:"reason,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
	Reply       string    `json:"reply,omitempty"`
}

// SMSStates answers sms.list, oldest first.
type SMSStates struct {
	Messages []SMSState `json:"messages"`
	// Truncated: more matched than MaxSMSStates; the oldest were left out.
	Truncated bool `json:"truncated,omitempty"`
}

// SMSGateway answers sms.gateway: the hub's SMS gateway now.
type SMSGateway struct {
	On        bool      `json:"on"`   // the hub sends SMS
	Down      bool      `json:"down"` // its last try found the gateway down
	DownSince time.Time `json:"down_since,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// EventKind is the first part of an SMS event: "warning" of "warning:<id>".
func EventKind(event string) string {
	kind, _, _ := strings.Cut(event, ":")
	return kind
}

// EventMatches reports whether an SMS event is the asked one or one below
// it ("incident:<id>" matches "incident:<id>:2").
func EventMatches(event, asked string) bool {
	return event == asked || (strings.HasPrefix(event, asked) && event[len(asked)] == ':')
}

// DecodeSMSList decodes and checks an sms.list question.
func DecodeSMSList(env Envelope) (SMSList, error) {
	var l SMSList
	if env.Data == nil {
		return l, nil // no data: all of the station's
	}
	if err := body(env, &l); err != nil {
		return l, err
	}
	if len(l.Events) > MaxSMSEvents {
		return l, Errorf(CodeBadMessage, "sms.list: %d events; at most %d", len(l.Events), MaxSMSEvents)
	}
	for _, e := range l.Events {
		if e == "" || len(e) > MaxSMSEventLen || !utf8.ValidString(e) || strings.ContainsRune(e, 0) {
			return l, Errorf(CodeBadMessage, "sms.list: an event is 1 to %d bytes of text", MaxSMSEventLen)
		}
	}
	return l, nil
}

// DecodeSMSStates decodes the answer to sms.list.
func DecodeSMSStates(env Envelope) (SMSStates, error) {
	var s SMSStates
	if err := body(env, &s); err != nil {
		return s, err
	}
	if len(s.Messages) > MaxSMSStates {
		return s, Errorf(CodeBadMessage, "sms.list: %d messages; at most %d", len(s.Messages), MaxSMSStates)
	}
	return s, nil
}

// DecodeSMSGateway decodes the answer to sms.gateway.
func DecodeSMSGateway(env Envelope) (SMSGateway, error) {
	var g SMSGateway
	err := body(env, &g)
	return g, err
}
