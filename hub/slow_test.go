package hub_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// A client that stops reading is dropped once its queue is full, not
// waited on; when it comes back it reads on from its cursor and misses
// nothing.
func TestSlowClientIsDroppedAndResyncsWithoutLoss(t *testing.T) {
	h := startHub(t, hub.Config{SendQueue: 2})
	tr := h.tree

	// T2 logs in, asks for live delivery and then reads nothing more.
	slow := dialRaw(t, h.addr)
	w := slow.login("t2")
	slow.send(wire.TypePull, "p", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch, Position: 0}})
	slow.expect(wire.TypeCaughtUp)

	sender := dialRaw(t, h.addr)
	sender.login("t1")
	pad := `{"text":"` + strings.Repeat("汛", 60_000) + `"}` // ~180 kB
	var sent []app.Operation
	for i := range 60 {
		o := op(tr.T1.ID, uint64(i+1), "message.send")
		o.To, o.Scope, o.Payload = []app.ID{tr.T2.ID}, app.ScopeNone, []byte(pad)
		sender.send(wire.TypePush, "", wire.Push{Ops: []app.Operation{o}})
		sender.expect(wire.TypeAck)
		sent = append(sent, o)
		if strings.Contains(h.log.String(), "dropping a slow client") {
			break
		}
	}
	if !strings.Contains(h.log.String(), "dropping a slow client") {
		t.Fatalf("the slow client was not dropped after %d large messages", len(sent))
	}
	if !strings.Contains(metricsText(t, h), "dutyhub_slow_client_drops_total 1") {
		t.Fatal("the drop is not counted in /metrics")
	}
	// Sending goes on while the slow one is away.
	for i, n := len(sent), len(sent); i < n+5; i++ {
		o := op(tr.T1.ID, uint64(i+1), "message.send")
		o.To, o.Scope = []app.ID{tr.T2.ID}, app.ScopeNone
		sender.send(wire.TypePush, "", wire.Push{Ops: []app.Operation{o}})
		sender.expect(wire.TypeAck)
		sent = append(sent, o)
	}

	t2 := newClient(t, "t2")
	t2.start(h.addr, "t2")
	t2.caughtUp()
	for _, o := range sent {
		if ok, _ := t2.db.HasApplied(context.Background(), o.ID); !ok {
			t.Fatalf("after resyncing, T2 lacks message seq %d", o.Seq)
		}
	}
}

func metricsText(t *testing.T, h *testHub) string {
	t.Helper()
	resp, err := http.Get("http" + strings.TrimPrefix(h.addr, "ws") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func TestMetricsCountConnectionsAndOperations(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	c1 := newClient(t, "c1")
	c1.start(h.addr, "c1")
	c1.caughtUp()
	r := dialRaw(t, h.addr)
	r.login("t1")
	r.send(wire.TypePush, "", wire.Push{Ops: []app.Operation{op(tr.T1.ID, 1, "roster.log"), op(tr.T1.ID, 2, "roster.log")}})
	r.expect(wire.TypeAck)
	r.sendRaw([]byte(`{"type":"nonsense"}`))
	r.expectError()
	waitFor(t, "the reports at C1", func() bool { return c1.eng.State().Received >= 6+2 })
	text := metricsText(t, h)
	for _, want := range []string{
		"# TYPE dutyhub_connections gauge\ndutyhub_connections 2\n",
		"dutyhub_operations_in_total 2\n",
		`dutyhub_refusals_total{code="unknown_type"} 1`,
		"dutyhub_send_queue_frames ",
		"dutyhub_writer_queue 0\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
	// 6 stations and 2 reports delivered to C1.
	if !strings.Contains(text, "dutyhub_operations_out_total 8\n") {
		t.Errorf("deliveries miscounted:\n%s", text)
	}
}

// A peer that stops reading with room left in its queue is not dropped by
// the queue's bound: its write hangs once the socket's buffers are full.
// The table's watchdog closes such a connection after the write wait, so
// it holds neither a goroutine nor its buffers; the client resyncs later.
func TestHangingWriteIsEndedByTheWatchdog(t *testing.T) {
	h := startHub(t, hub.Config{PingInterval: 100 * time.Millisecond, PongWait: time.Hour, WriteWait: 300 * time.Millisecond})
	tr := h.tree

	stuck := dialRaw(t, h.addr)
	w := stuck.login("t2")
	stuck.send(wire.TypePull, "p", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch, Position: 0}})
	stuck.expect(wire.TypeCaughtUp)

	sender := dialRaw(t, h.addr)
	sender.login("t1")
	pad := `{"text":"` + strings.Repeat("汛", 60_000) + `"}` // ~180 kB, 40 of them fill any socket buffer
	for i := range 40 {
		o := op(tr.T1.ID, uint64(i+1), "message.send")
		o.To, o.Scope, o.Payload = []app.ID{tr.T2.ID}, app.ScopeNone, []byte(pad)
		sender.send(wire.TypePush, "", wire.Push{Ops: []app.Operation{o}})
		sender.expect(wire.TypeAck)
	}
	waitFor(t, "the hanging write to be ended", func() bool { return strings.Contains(h.log.String(), "whose write hangs") })
	if !strings.Contains(metricsText(t, h), "dutyhub_slow_client_drops_total 1") {
		t.Fatal("the drop is not counted in /metrics")
	}
	// The hub goes on serving the sender.
	o := op(tr.T1.ID, 41, "message.send")
	o.To, o.Scope = []app.ID{tr.T2.ID}, app.ScopeNone
	sender.send(wire.TypePush, "", wire.Push{Ops: []app.Operation{o}})
	sender.expect(wire.TypeAck)
}
