package sms

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
)

// ownStore is an AppendOwn stand-in: it keeps each operation id once, and can
// be stopping.
type ownStore struct {
	mu       sync.Mutex
	stopping bool
	ops      []app.Operation
	ids      map[app.ID]bool
}

func (s *ownStore) append(_ context.Context, ops []app.Operation) ([]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return make([]bool, len(ops)), errors.New("the hub is stopping")
	}
	if s.ids == nil {
		s.ids = map[app.ID]bool{}
	}
	stored := make([]bool, len(ops))
	for i, op := range ops {
		if !s.ids[op.ID] {
			s.ids[op.ID] = true
			s.ops = append(s.ops, op)
			stored[i] = true
		}
	}
	return stored, nil
}

// A reply that comes while the hub cannot store (it is stopping) stays an
// answered message; the next start's CatchUp acknowledges for its station
// with the earliest answer, once, and a station acknowledged at its window
// meanwhile is left alone.
func TestAnAnswerTheHubCouldNotStoreIsAcknowledgedAtTheNextStart(t *testing.T) {
	own := &ownStore{stopping: true}
	acker := NewAcknowledger(own.append, nil)
	q, clk := newTestQueue(t, &recorder{}, Config{Answered: acker.Answered})
	w := app.NewID()
	town, village := app.NewID(), app.NewID()
	send := func(station app.ID, name, number string) Message {
		m, err := q.Enqueue(Request{Event: WarningEvent(w), Station: station.String(), Person: app.NewID().String(),
			Name: name, To: number, Text: "回复{code}签收", WantReply: true})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := send(town, "王带班", "13800001111")
	b := send(town, "李值班", "13800002222")
	v := send(village, "信息员", "13800003333")
	t0 := clk.t
	q.Reply(Inbound{From: b.To, Text: b.Code, At: t0.Add(2 * time.Minute)})
	q.Reply(Inbound{From: a.To, Text: a.Code, At: t0.Add(time.Minute)})
	q.Reply(Inbound{From: v.To, Text: v.Code, At: t0.Add(time.Minute)})
	if len(own.ops) != 0 {
		t.Fatalf("stored %d acknowledgements while the hub was stopping", len(own.ops))
	}

	// Restarted: the village acknowledged at a window above it meanwhile.
	own.stopping = false
	next := NewAcknowledger(own.append, nil)
	raw, _ := json.Marshal(warning.Ack{Warning: w, Station: village, Person: "代签", RecordedBy: town})
	next.Observe(app.Operation{ID: app.NewID(), Kind: warning.OpAck, Entity: w, Payload: raw})
	n, err := next.CatchUp(context.Background(), q)
	if err != nil || n != 1 || len(own.ops) != 1 {
		t.Fatalf("catch-up stored %d (%v), ops %d; want the town's one", n, err, len(own.ops))
	}
	var ack warning.Ack
	if err := json.Unmarshal(own.ops[0].Payload, &ack); err != nil {
		t.Fatal(err)
	}
	if ack.Station != town || ack.Person != "王带班" || ack.Number != "138****1111" || !ack.At.Equal(t0.Add(time.Minute)) || ack.Via != warning.ViaSMS {
		t.Fatalf("the town's acknowledgement %+v, want 王带班's earlier answer", ack)
	}
	if op := own.ops[0]; op.ID != app.DeriveID(w, "sms-ack "+town.String()) || len(op.To) != 1 || op.To[0] != town || op.Scope != app.ScopeUp {
		t.Fatalf("operation id %s, to %v, scope %q", op.ID, op.To, op.Scope)
	}
	if n, _ := next.CatchUp(context.Background(), q); n != 0 {
		t.Fatalf("a second catch-up stored %d", n)
	}
}

// Only a warning's message with a station becomes an acknowledgement; a
// 批示 reminder's answer or a test message's does not.
func TestOnlyWarningMessagesAcknowledge(t *testing.T) {
	st := app.NewID().String()
	for _, m := range []Message{
		{Event: "instruction:" + app.NewID().String(), Station: st, To: "13800001111"},
		{Event: "test:now", To: "13800001111"},
		{Event: WarningEvent(app.NewID()), To: "13800001111"},
		{Event: "warning:not-an-id", Station: st, To: "13800001111"},
	} {
		if _, ok := AckOp(m, m.To, time.Now()); ok {
			t.Errorf("%q for station %q made an acknowledgement", m.Event, m.Station)
		}
	}
}
