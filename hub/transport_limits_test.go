package hub_test

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/rtcconf"
)

// helloRefused sends a hello of more than hub.MaxHelloFrame bytes and
// reports how the hub answered: an error code, or the close code.
func helloRefused(t *testing.T, ws *websocket.Conn, hello any) string {
	t.Helper()
	frame, err := wire.Encode(wire.TypeHello, "h", hello)
	if err != nil {
		t.Fatal(err)
	}
	if len(frame) <= hub.MaxHelloFrame {
		t.Fatalf("the test's hello is only %d bytes", len(frame))
	}
	if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code == websocket.CloseMessageTooBig {
			return "close 1009"
		}
		t.Fatalf("the hub answered an oversized hello with %v", err)
	}
	env, err := wire.DecodeEnvelope(data)
	if err != nil || env.Type != wire.TypeError {
		t.Fatalf("the hub answered an oversized hello with %s", data)
	}
	return wire.DecodeError(env).Code
}

// Before login the hub reads no more than a hello's worth: a client's
// hello of 5 KiB is refused as too large.
func TestSyncHelloOverTheLimitIsRefused(t *testing.T) {
	h := startHub(t, hub.Config{})
	r := dialRaw(t, h.addr)
	got := helloRefused(t, r.ws, wire.Hello{Version: wire.Version, Client: strings.Repeat("x", 5000), Token: "tok"})
	if got != wire.CodeTooLarge && got != "close 1009" {
		t.Fatalf("an oversized hello: %s", got)
	}
	if !r.closed() {
		t.Fatal("the hub kept the connection open")
	}
	healthy(t, h)
}

// The join page's first message has the same limit.
func TestJoinPageHelloOverTheLimitIsRefused(t *testing.T) {
	router, err := sfu.New(sfu.Config{Network: rtcconf.Network{Loopback: true}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(router.Shutdown)
	h := startHub(t, hub.Config{Signalling: router})
	origin := "http" + strings.TrimPrefix(h.addr, "ws")
	c, _, err := dialWeb(t, h, origin, "/join/sync")
	if err != nil {
		t.Fatal(err)
	}
	got := helloRefused(t, c.ws, map[string]string{"version": wire.Version, "code": strings.Repeat("c", 5000)})
	if got != wire.CodeTooLarge && got != "close 1009" {
		t.Fatalf("an oversized join hello: %s", got)
	}
	healthy(t, h)
}

// The bytes counted as queued for each connection come back to zero once
// everything is written: the bound on a slow reader must not drift.
func TestQueuedBytesReturnToZeroOnceWritten(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	c1 := newClient(t, "c1")
	c1.start(h.addr, "c1")
	c1.caughtUp()
	r := dialRaw(t, h.addr)
	r.login("t1")
	for i := range 20 {
		r.send(wire.TypePush, "", wire.Push{Ops: []app.Operation{op(tr.T1.ID, uint64(i+1), "roster.log")}})
		r.expect(wire.TypeAck)
	}
	waitFor(t, "the reports at C1", func() bool { return c1.eng.State().Received >= 6+20 })
	waitFor(t, "the queues to drain", func() bool {
		return strings.Contains(metricsText(t, h), "\ndutyhub_send_queue_bytes 0\n")
	})
}

// A station's browsers on join links are capped: over the cap the hello is
// answered busy and the socket closed; when one leaves, the next gets in,
// and the station's own client is not counted among them.
func TestBrowsersOfAStationAreCapped(t *testing.T) {
	router, err := sfu.New(sfu.Config{Network: rtcconf.Network{Loopback: true}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(router.Shutdown)
	h := startHub(t, hub.Config{Signalling: router, MaxBrowsersPerStation: 2})
	room := app.NewID()
	origin := "http" + strings.TrimPrefix(h.addr, "ws")
	c1 := newClient(t, "c1")
	c1.start(h.addr, "c1")
	c1.caughtUp()

	join := func() (*webConn, wire.Envelope) {
		code, _, err := h.db.IssueJoinCode("c1", room, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		page, _, err := dialWeb(t, h, origin, "/join/sync")
		if err != nil {
			t.Fatal(err)
		}
		page.send(wire.TypeHello, "hello", map[string]string{"version": wire.Version, "code": code})
		return page, page.next()
	}
	first, env := join()
	if env.Type != wire.TypeWelcome {
		t.Fatalf("the first browser: %s %s", env.Type, env.Data)
	}
	if _, env := join(); env.Type != wire.TypeWelcome {
		t.Fatalf("the second browser: %s %s", env.Type, env.Data)
	}
	// The third is refused, and its one-time link stays usable.
	code, _, err := h.db.IssueJoinCode("c1", room, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	hello := func() wire.Envelope {
		page, _, err := dialWeb(t, h, origin, "/join/sync")
		if err != nil {
			t.Fatal(err)
		}
		page.send(wire.TypeHello, "hello", map[string]string{"version": wire.Version, "code": code})
		return page.next()
	}
	env = hello()
	refusedWith(t, env, wire.CodeBusy, "2 browser connections", "the join link stays valid")
	if e := wire.DecodeError(env); e.RetryAfter < 1 {
		t.Fatalf("busy without a retryAfter: %+v", e)
	}
	first.ws.Close()
	waitFor(t, "a browser's place to come free", func() bool {
		return hello().Type == wire.TypeWelcome
	})
	if !c1.eng.State().Online {
		t.Fatal("the station's own client was counted among its browsers")
	}
	healthy(t, h)
}
