package wire_test

import (
	"encoding/json"
	"strings"
	"testing"

	"dutyroom/app/wire"
)

func TestSMSListRefusesTooManyOrMalformedEvents(t *testing.T) {
	many, _ := json.Marshal(wire.SMSList{Events: make([]string, wire.MaxSMSEvents+1)})
	for _, data := range []string{`[]`, `{"events":[""]}`, `{"events":["` + strings.Repeat("x", wire.MaxSMSEventLen+1) + `"]}`, `{"events":["a\u0000b"]}`, string(many)} {
		_, err := wire.DecodeSMSList(wire.Envelope{Type: wire.TypeSMSList, Data: json.RawMessage(data)})
		if e, ok := err.(*wire.Error); !ok || e.Code != wire.CodeBadMessage {
			t.Errorf("%.60s: %v, want bad_message", data, err)
		}
	}
	l, err := wire.DecodeSMSList(wire.Envelope{Type: wire.TypeSMSList})
	if err != nil || len(l.Events) != 0 {
		t.Fatalf("no data (all of the station's): %+v, %v", l, err)
	}
}

func TestSMSEventMatchesItselfAndTheEventsBelowIt(t *testing.T) {
	for _, c := range []struct {
		event, asked string
		want         bool
	}{
		{"incident:abc", "incident:abc", true},
		{"incident:abc:2", "incident:abc", true},
		{"incident:abcd", "incident:abc", false},
		{"notice:abc:st", "notice:abc", true},
		{"warning:abc", "incident:abc", false},
		{"incident:abc:2", "incident", true}, // a kind takes all of its events
		{"incidents:abc", "incident", false},
	} {
		if got := wire.EventMatches(c.event, c.asked); got != c.want {
			t.Errorf("EventMatches(%q, %q) = %v", c.event, c.asked, got)
		}
	}
	if wire.EventKind("incident:abc:2") != "incident" {
		t.Error("the kind of incident:abc:2")
	}
}

func FuzzDecodeSMSList(f *testing.F) {
	f.Add([]byte(`{"events":["warning:0193a0c4-0000-7000-8000-000000000001"]}`))
	f.Add([]byte(`{"messages":[{"event":"warning:x","state":"sent","number":"138****0000"}]}`))
	f.Add([]byte(`{"on":true,"down":true,"last_error":"refused"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env := wire.Envelope{Type: wire.TypeSMSList, Data: data}
		if l, err := wire.DecodeSMSList(env); err == nil {
			if len(l.Events) > wire.MaxSMSEvents {
				t.Fatalf("accepted %d events", len(l.Events))
			}
			for _, e := range l.Events {
				if e == "" || len(e) > wire.MaxSMSEventLen || strings.ContainsRune(e, 0) {
					t.Fatalf("accepted the event %q", e)
				}
			}
		}
		if s, err := wire.DecodeSMSStates(env); err == nil && len(s.Messages) > wire.MaxSMSStates {
			t.Fatalf("accepted %d messages", len(s.Messages))
		}
		_, _ = wire.DecodeSMSGateway(env)
	})
}
