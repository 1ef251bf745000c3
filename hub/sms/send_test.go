package sms

import (
	"fmt"
	"testing"
	"time"
)

func TestGatewayDownQueuesAndCatchesUpWithoutDuplicatesThroughParallelWorkers(t *testing.T) {
	g := newReachRig(t)
	g.kannel()
	g.n.Live()
	up := g.q.gw.(*Kannel)
	// smsbox unreachable: nothing listens on the port any more.
	down := *up
	down.SendURL = fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/sendsms", freePort(t))
	g.q.gw = &down
	w := g.warn()
	msgs := g.messages(WarningEvent(w.ID))
	if len(msgs) != 7 {
		t.Fatalf("the warning queued %d messages, want 7", len(msgs))
	}
	g.send()
	for name, m := range g.messages(WarningEvent(w.ID)) {
		if got, _ := g.q.Message(m.ID); got.State != Queued || got.Attempts != 1 {
			t.Fatalf("%s's message with the gateway down: %s after %d tries", name, got.State, got.Attempts)
		}
	}
	if !g.q.GatewayDown() {
		t.Fatal("the gateway's outage is not shown")
	}
	// Before the retry is due nothing is tried again.
	g.send()
	// smsbox is back; the retry falls due.
	g.q.gw = up
	g.clock.Set(g.clock.Now().Add(DefaultRetryBase + time.Second))
	g.send()
	g.send()
	for name, m := range msgs {
		if got, _ := g.q.Message(m.ID); got.State != Sent && got.State != Delivered || got.Attempts != 2 {
			t.Fatalf("%s's message after the gateway came back: %s after %d tries", name, got.State, got.Attempts)
		}
	}
	for name, m := range msgs {
		g.waitReceived(m.To, 1)
		// A moment for a duplicate to arrive, if one were sent.
		time.Sleep(50 * time.Millisecond)
		if n := len(g.received(m.To)); n != 1 {
			t.Fatalf("%s received %d messages, want 1", name, n)
		}
	}
	if g.q.GatewayDown() {
		t.Fatal("the gateway is still shown down")
	}
}
