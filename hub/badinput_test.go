package hub_test

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// Malformed JSON, an unknown type, a hello twice, a bad push: each gets a
// clear error, the connection stays, and the hub stays up.
func TestBadMessagesGetErrorsAndTheHubStaysUp(t *testing.T) {
	h := startHub(t, hub.Config{})
	r := dialRaw(t, h.addr)
	r.login("t1")
	for _, tc := range []struct {
		frame string
		code  string
		says  string
	}{
		{`{"type":"push",`, wire.CodeBadMessage, "malformed JSON"},
		{`not json at all`, wire.CodeBadMessage, "JSON object"},
		{`{"type":"video_offer","data":{}}`, wire.CodeUnknownType, "video_offer"},
		{`{"type":"hello","data":{"version":"1.0","token":"x"}}`, wire.CodeBadMessage, "already open"},
		{`{"type":"push","data":{"ops":[]}}`, wire.CodeBadMessage, "no operations"},
		{`{"type":"push","data":{"ops":[{"id":"019c8a6e-0000-7000-8000-000000000001","seq":1,"kind":"x"}]}}`, wire.CodeInvalid, "entity"},
		{`{"type":"pull","data":[]}`, wire.CodeBadMessage, "JSON object"},
	} {
		r.sendRaw([]byte(tc.frame))
		e := r.expectError()
		if e.Code != tc.code || !strings.Contains(e.Message, tc.says) {
			t.Errorf("%s: got %+v, want %s mentioning %q", tc.frame, e, tc.code, tc.says)
		}
	}
	// The same connection still works.
	r.send(wire.TypePush, "ok", wire.Push{Ops: []app.Operation{op(h.tree.T1.ID, 1, "roster.log")}})
	if a, _ := wire.DecodeAck(r.expect(wire.TypeAck)); a.Through != 1 {
		t.Fatalf("ack after bad messages: %+v", a)
	}
	healthy(t, h)
}

func TestFirstMessageMustBeHello(t *testing.T) {
	h := startHub(t, hub.Config{})
	r := dialRaw(t, h.addr)
	r.sendRaw([]byte(`{"type":"push","data":{"ops":[]}}`))
	if e := r.expectError(); e.Code != wire.CodeBadMessage || !strings.Contains(e.Message, "hello") {
		t.Fatalf("push before hello: %+v", e)
	}
	if !r.closed() {
		t.Fatal("the connection stayed open")
	}
	healthy(t, h)
}

// A frame over the limit is answered with too_large and the connection is
// closed; a frame far over it is cut off by the socket's read limit. The
// hub stays up and nothing stored is touched.
func TestOversizedFramesAreRefused(t *testing.T) {
	h := startHub(t, hub.Config{})
	before := len(h.logOps())

	r := dialRaw(t, h.addr)
	r.login("t1")
	big := `{"type":"push","data":{"pad":"` + strings.Repeat("x", wire.MaxFrame) + `"}}`
	r.sendRaw([]byte(big))
	e := r.expectError()
	if e.Code != wire.CodeTooLarge || !strings.Contains(e.Message, "1048576") {
		t.Fatalf("an oversized frame: %+v", e)
	}
	if !r.closed() {
		t.Fatal("the connection stayed open after an oversized frame")
	}

	r2 := dialRaw(t, h.addr)
	r2.login("t1")
	_ = r2.ws.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("y", 5*wire.MaxFrame)))
	if !r2.closed() {
		t.Fatal("the connection stayed open after a huge frame")
	}

	healthy(t, h)
	if len(h.logOps()) != before {
		t.Fatal("an oversized frame changed the log")
	}
	if err := h.db.Check(); err != nil {
		t.Fatal(err)
	}
	r3 := dialRaw(t, h.addr)
	r3.login("t2") // and others still log in
}

// An operation out of order is refused with where to resume.
func TestPushWithAGapIsRefused(t *testing.T) {
	h := startHub(t, hub.Config{})
	r := dialRaw(t, h.addr)
	r.login("t1")
	r.send(wire.TypePush, "1", wire.Push{Ops: []app.Operation{op(h.tree.T1.ID, 3, "roster.log")}})
	r.expect(wire.TypeAck)
	e := r.expectError()
	if e.Code != wire.CodeOutOfOrder || !strings.Contains(e.Message, "send from 1") {
		t.Fatalf("a gap: %+v", e)
	}
}
