package hub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/assets/fonts"
	"dutyroom/hub"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/rtcconf"
)

func TestJoinPageIsServedWithItsOwnScriptOnly(t *testing.T) {
	h := startHub(t, hub.Config{})
	base := "http" + strings.TrimPrefix(h.addr, "ws")
	resp, err := http.Get(base + "/join")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `src="/join/join.js"`) || !strings.Contains(csp, "script-src 'self'") ||
		!strings.Contains(csp, "connect-src 'self'") || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("/join: %s, headers %v", resp.Status, resp.Header)
	}
	if strings.Contains(string(body), "http://") || strings.Contains(string(body), "https://") {
		t.Error("the page refers to another site; the duty-room network has no way out")
	}
	resp, err = http.Get(base + "/join/join.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(string(js), "/join/sync") {
		t.Fatalf("/join/join.js: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	// The page brings its own Chinese font: a leader's laptop may have none.
	if !strings.Contains(string(body), `url("/join/font.otf")`) || !strings.Contains(csp, "font-src 'self'") {
		t.Errorf("the page does not load the hub's font (CSP %q)", csp)
	}
	resp, err = http.Get(base + "/join/font.otf")
	if err != nil {
		t.Fatal(err)
	}
	font, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "font/otf" || !bytes.Equal(font, fonts.Regular) || !bytes.HasPrefix(font, []byte("OTTO")) {
		t.Fatalf("/join/font.otf: %s %s, %d bytes", resp.Status, resp.Header.Get("Content-Type"), len(font))
	}
	resp, err = http.Post(base+"/join", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /join: %s", resp.Status)
	}
}

// webConn is the page's socket as a browser opens it.
type webConn struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialWeb(t *testing.T, h *testHub, origin, path string) (*webConn, *http.Response, error) {
	t.Helper()
	header := http.Header{}
	if origin != "" {
		header.Set("Origin", origin)
	}
	ws, resp, err := websocket.DefaultDialer.Dial(h.addr+path, header)
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { ws.Close() })
	return &webConn{t: t, ws: ws}, resp, nil
}

func (c *webConn) send(typ, id string, data any) {
	c.t.Helper()
	frame, err := wire.Encode(typ, id, data)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		c.t.Fatal(err)
	}
}

func (c *webConn) next() wire.Envelope {
	c.t.Helper()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("reading the join socket: %v", err)
		}
		env, err := wire.DecodeEnvelope(data)
		if err != nil {
			c.t.Fatal(err)
		}
		if env.Type == wire.TypeRTCCandidate || env.Type == wire.TypeRTCOffer || env.Type == wire.TypeRoomState {
			continue
		}
		return env
	}
}

func refusedWith(t *testing.T, env wire.Envelope, code string, words ...string) {
	t.Helper()
	if env.Type != wire.TypeError {
		t.Fatalf("got %s %s, want an error %s", env.Type, env.Data, code)
	}
	e := wire.DecodeError(env)
	if e.Code != code {
		t.Fatalf("got error %s (%s), want %s", e.Code, e.Message, code)
	}
	for _, w := range words {
		if !strings.Contains(e.Message, w) {
			t.Errorf("error %q does not mention %q", e.Message, w)
		}
	}
}

func TestJoinLinkAdmitsOnceToItsRoomOnly(t *testing.T) {
	router, err := sfu.New(sfu.Config{Network: rtcconf.Network{Loopback: true}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(router.Shutdown)
	h := startHub(t, hub.Config{Signalling: router})
	room, other := app.NewID(), app.NewID()
	if err := router.Open(room, sfu.Invitation{Stations: []app.ID{h.tree.C1.ID, h.tree.P.ID}, Host: h.tree.P.ID}); err != nil {
		t.Fatal(err)
	}
	if err := router.Open(other, sfu.Invitation{Stations: []app.ID{h.tree.C2.ID}}); err != nil {
		t.Fatal(err)
	}
	origin := "http" + strings.TrimPrefix(h.addr, "ws")

	// A client asks for the link: only the room's host station may, and
	// only for an account of a station the invitation names.
	host := dialRaw(t, h.addr)
	host.login("p")
	host.send(hub.TypeRoomLink, "rtc.link.1", hub.RoomLink{Room: other, User: "c2"})
	refusedWith(t, host.expect(wire.TypeError), wire.CodeForbidden, "not invited")
	host.send(hub.TypeRoomLink, "rtc.link.2", hub.RoomLink{Room: room, User: "t1"})
	refusedWith(t, host.expect(wire.TypeError), wire.CodeForbidden, h.tree.T1.ID.String(), "invite it first")
	host.send(hub.TypeRoomLink, "rtc.link.3", hub.RoomLink{Room: room, User: "nobody"})
	refusedWith(t, host.expect(wire.TypeError), wire.CodeInvalid, "no account nobody")
	host.send(hub.TypeRoomLink, "rtc.link.4", hub.RoomLink{Room: room, User: "c1", TTL: 600})
	env := host.expect(hub.TypeRoomLinked)
	var linked hub.RoomLinked
	if err := json.Unmarshal(env.Data, &linked); err != nil {
		t.Fatal(err)
	}
	if env.ID != "rtc.link.4" || linked.Room != room || linked.User != "c1" || linked.Code == "" || linked.Path != "/join#code="+linked.Code ||
		linked.Expires.Sub(time.Now()) > 11*time.Minute || linked.Expires.Sub(time.Now()) < 9*time.Minute {
		t.Fatalf("room.linked: %s %+v", env.ID, linked)
	}

	// Only the hub's own page may open the socket, and without a query.
	for _, c := range []struct{ origin, path string }{{"", "/join/sync"}, {"http://example.com", "/join/sync"}, {origin, "/join/sync?code=" + linked.Code}} {
		if _, resp, err := dialWeb(t, h, c.origin, c.path); err == nil {
			t.Errorf("the join socket opened for origin %q path %q", c.origin, c.path)
		} else if resp == nil || resp.StatusCode/100 != 4 {
			t.Errorf("origin %q path %q: %v", c.origin, c.path, err)
		}
	}
	if _, resp, err := dialWeb(t, h, origin, "/sync"); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("the clients' sync socket opened for a browser page: %v", err)
	}

	// The code buys a session for the room, once.
	page, _, err := dialWeb(t, h, origin, "/join/sync")
	if err != nil {
		t.Fatal(err)
	}
	page.send(wire.TypeHello, "hello", map[string]string{"version": wire.Version, "code": linked.Code})
	env = page.next()
	var welcome hub.WebWelcome
	if env.Type != wire.TypeWelcome || json.Unmarshal(env.Data, &welcome) != nil {
		t.Fatalf("hello with the code: %s %s", env.Type, env.Data)
	}
	if welcome.Room != room || welcome.User != "c1" || welcome.Station != h.tree.C1.ID || welcome.Token == "" || welcome.Stations[h.tree.C1.ID] != "吉首市" {
		t.Fatalf("welcome: %+v", welcome)
	}
	page.send(wire.TypePush, "p1", wire.Push{})
	refusedWith(t, page.next(), wire.CodeUnknownType, "only the signalling")
	page.send(wire.TypePull, "p2", wire.Pull{})
	refusedWith(t, page.next(), wire.CodeUnknownType)
	page.send(hub.TypeRoomLink, "rtc.link.5", hub.RoomLink{Room: room, User: "c1"})
	refusedWith(t, page.next(), wire.CodeForbidden)
	page.send(wire.TypeRoomJoin, "rtc.join.1", wire.RoomJoin{Room: other})
	refusedWith(t, page.next(), wire.CodeForbidden, "this join link is for room")
	page.send(wire.TypeRoomJoin, "rtc.join.2", wire.RoomJoin{Room: room, Publish: []string{wire.MediaVideo}})
	if env := page.next(); env.Type != wire.TypeRoomJoined {
		t.Fatalf("joining the link's room: %s %s", env.Type, env.Data)
	}
	if ps := router.Room(room); len(ps) != 1 || ps[0].User != "c1" || ps[0].Station != h.tree.C1.ID {
		t.Fatalf("in the room: %+v", ps)
	}

	again, _, err := dialWeb(t, h, origin, "/join/sync")
	if err != nil {
		t.Fatal(err)
	}
	again.send(wire.TypeHello, "hello", map[string]string{"version": wire.Version, "code": linked.Code})
	refusedWith(t, again.next(), wire.CodeUnauthorized, "used already")

	// The session reconnects the page (a reload), for the same room; it
	// is not a client's session.
	reload, _, err := dialWeb(t, h, origin, "/join/sync")
	if err != nil {
		t.Fatal(err)
	}
	reload.send(wire.TypeHello, "hello", map[string]string{"version": wire.Version, "token": welcome.Token})
	env = reload.next()
	var w2 hub.WebWelcome
	if env.Type != wire.TypeWelcome || json.Unmarshal(env.Data, &w2) != nil || w2.Room != room || w2.Token != "" {
		t.Fatalf("hello with the session: %s %s", env.Type, env.Data)
	}
	client := dialRaw(t, h.addr)
	client.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: welcome.Token})
	if e := client.expectError(); e.Code != wire.CodeUnauthorized {
		t.Errorf("a browser's session on the sync socket: %+v", e)
	}
	healthy(t, h)
}

func TestJoinCodeExpiresAndDiesWithItsAccount(t *testing.T) {
	h := startHub(t, hub.Config{})
	room := app.NewID()
	code, _, err := h.db.IssueJoinCode("t1", room, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if _, _, err := h.db.RedeemJoinCode(code); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired code: %v", err)
	}
	code, _, err = h.db.IssueJoinCode("t2", room, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.db.DisableUser("t2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.db.RedeemJoinCode(code); err == nil {
		t.Errorf("the code of a disabled account: %v", err)
	}
	if _, _, err := h.db.IssueJoinCode("t2", room, time.Minute); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("a code for a disabled account: %v", err)
	}
	if _, _, err := h.db.IssueJoinCode("t1", room, 48*time.Hour); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("a code for two days: %v", err)
	}
	code, _, err = h.db.IssueJoinCode("t1", room, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := h.db.RedeemJoinCode(code)
	if err != nil {
		t.Fatal(err)
	}
	unused, _, err := h.db.IssueJoinCode("t1", room, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.RevokeSessions("t1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.AuthenticateWeb(token); err == nil {
		t.Error("a browser's session outlived the user's logout")
	}
	if _, _, err := h.db.RedeemJoinCode(unused); err == nil {
		t.Error("a join code outlived the user's logout")
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 43)} {
		if _, _, err := h.db.RedeemJoinCode(bad); err == nil {
			t.Errorf("code %q worked", bad)
		}
	}
}

// A leader of the host's own station who opens a join link is a person in
// the room, not the station's duty room: the host's client stays
// connected (it used to be put out as "replaced by a newer connection of
// the same station", and with it out of its own consultation).
func TestJoinPageDoesNotReplaceItsStationsClient(t *testing.T) {
	router, err := sfu.New(sfu.Config{Network: rtcconf.Network{Loopback: true}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(router.Shutdown)
	h := startHub(t, hub.Config{Signalling: router})
	room := app.NewID()
	if err := router.Open(room, sfu.Invitation{Stations: []app.ID{h.tree.P.ID, h.tree.C1.ID}, Host: h.tree.P.ID}); err != nil {
		t.Fatal(err)
	}
	host := dialRaw(t, h.addr)
	host.login("p")
	host.send(hub.TypeRoomLink, "rtc.link.1", hub.RoomLink{Room: room, User: "p"})
	var linked hub.RoomLinked
	if err := json.Unmarshal(host.expect(hub.TypeRoomLinked).Data, &linked); err != nil {
		t.Fatal(err)
	}
	page, _, err := dialWeb(t, h, "http"+strings.TrimPrefix(h.addr, "ws"), "/join/sync")
	if err != nil {
		t.Fatal(err)
	}
	page.send(wire.TypeHello, "hello", map[string]string{"version": wire.Version, "code": linked.Code})
	if env := page.next(); env.Type != wire.TypeWelcome {
		t.Fatalf("the page's hello: %s %s", env.Type, env.Data)
	}
	// The host's connection still answers.
	host.send(hub.TypeRoomLink, "rtc.link.2", hub.RoomLink{Room: room, User: "c1"})
	if env := host.expect(hub.TypeRoomLinked); env.ID != "rtc.link.2" {
		t.Fatalf("the host after the page came: %s %s", env.Type, env.Data)
	}
	// And a client of the station coming back later does not put the page
	// out either: the page still speaks.
	again := dialRaw(t, h.addr)
	again.login("p")
	page.send(wire.TypeRoomJoin, "rtc.join.1", wire.RoomJoin{Room: room, Publish: []string{wire.MediaVideo}})
	if env := page.next(); env.Type != wire.TypeRoomJoined {
		t.Fatalf("the page joining after its station's client reconnected: %s %s", env.Type, env.Data)
	}
}
