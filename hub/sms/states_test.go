package sms

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
)

// States takes an event with the events below it, or a whole kind, never
// an event that only begins alike; only the stations within; the newest
// max; numbers masked in the number and in the reason.
func TestStatesByEventKindAndStationWithNumbersMasked(t *testing.T) {
	q, clk := newTestQueue(t, &recorder{}, Config{})
	mine, other := app.NewID(), app.NewID()
	inc := app.NewID().String()
	add := func(event string, st app.ID, to string) Message {
		clk.t = clk.t.Add(time.Second)
		m, err := q.Enqueue(Request{Event: event, Station: st.String(), Person: app.NewID().String(), Name: "甲", To: to, Text: "t"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	add("incident:"+inc+":1", mine, "13800000001")
	add("incident:"+inc+":2", mine, "13800000002")
	add("incident:"+inc+"0:1", mine, "13800000003") // another incident whose id begins alike
	add("incident:"+inc+":3", other, "13800000004")
	add("warning:"+inc, mine, "13800000005")
	add("test:now", app.NilID, "13800000006")
	within := func(st app.ID) bool { return st == mine }

	got, _, err := q.States([]string{"incident:" + inc}, within, 10)
	if err != nil || len(got) != 2 || got[0].Event != "incident:"+inc+":1" || got[1].Event != "incident:"+inc+":2" {
		t.Fatalf("the incident's: %+v, %v", got, err)
	}
	if got[0].Number != "138****0001" || got[0].Kind != "incident" {
		t.Fatalf("number %q kind %q", got[0].Number, got[0].Kind)
	}
	if got, _, _ := q.States([]string{"incident"}, within, 10); len(got) != 3 {
		t.Fatalf("the kind: %d messages, want 3", len(got))
	}
	got, truncated, _ := q.States(nil, within, 2)
	if !truncated || len(got) != 2 || got[1].Event != "warning:"+inc {
		t.Fatalf("all, at most 2: %+v (truncated %v)", got, truncated)
	}

	// A gateway's reason naming the number is masked.
	q2, _ := newTestQueue(t, gatewayFunc(func(m Outgoing) error {
		return errors.New("cannot write OUTA_00_" + m.To + "_x.txt")
	}), Config{MaxAttempts: 1})
	q2.Enqueue(Request{Event: "warning:w", Station: mine.String(), Person: "p", To: "13800000007", Text: "t"})
	q2.SendDue(context.Background())
	got, _, _ = q2.States([]string{"warning:w"}, within, 10)
	if len(got) != 1 || got[0].State != string(Failed) || strings.Contains(got[0].Reason, "13800000007") || !strings.Contains(got[0].Reason, "138****0007") {
		t.Fatalf("the failed message: %+v", got)
	}
}

type gatewayFunc func(m Outgoing) error

func (gatewayFunc) Name() string { return "func" }
func (f gatewayFunc) Send(_ context.Context, m Outgoing) (Result, error) {
	if err := f(m); err != nil {
		return Result{}, err
	}
	return Result{State: Sent}, nil
}

// The gateway's outage is kept from the first failed try, cleared by a
// message taken; a message's own refusal is not the gateway's outage.
func TestWatchedGatewayKeepsItsOutage(t *testing.T) {
	rec := &recorder{}
	w := Watch(rec)
	at := time.Date(2026, 7, 14, 10, 0, 0, 0, time.UTC)
	w.Now = func() time.Time { return at }
	rec.down = true
	_, _ = w.Send(context.Background(), Outgoing{ID: "a", To: "13800000001", Text: "t"})
	at = at.Add(time.Minute)
	_, _ = w.Send(context.Background(), Outgoing{ID: "b", To: "13800000001", Text: "t"})
	if s := w.State(); !s.On || !s.Down || !s.DownSince.Equal(at.Add(-time.Minute)) || !strings.Contains(s.LastError, "connection refused") {
		t.Fatalf("down: %+v", s)
	}
	rec.down = false
	_, _ = w.Send(context.Background(), Outgoing{ID: "c", To: "13800000001", Text: "t"})
	if s := w.State(); s.Down || !s.DownSince.IsZero() {
		t.Fatalf("back: %+v", s)
	}
	refusing := Watch(gatewayFunc(func(Outgoing) error { return errors.New("number refused") }))
	_, _ = refusing.Send(context.Background(), Outgoing{ID: "d", To: "13800000001", Text: "t"})
	if refusing.State().Down {
		t.Fatal("a message refused made the gateway down")
	}
}
