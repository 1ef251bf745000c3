package syncer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

var hubPin = strings.Repeat("ab", 32)

// scriptedHub plays a hub at one address with hubPin: every dial gets a
// new pipe, handed to the test.
type scriptedHub struct {
	pipes chan *pipeConn
}

func newScriptedHub() *scriptedHub { return &scriptedHub{pipes: make(chan *pipeConn, 8)} }

func (h *scriptedHub) dial(addr, pin string) (Transport, error) {
	if !strings.HasPrefix(addr, "wss://") && !strings.Contains(addr, ":") {
		return nil, app.Errorf(app.EINVALID, "%q is not a hub address", addr)
	}
	return transportFunc(func(context.Context) (Conn, error) {
		if pin != hubPin {
			return nil, &PinError{Presented: hubPin, Expected: pin}
		}
		p := newPipe()
		h.pipes <- p
		return p, nil
	}), nil
}

func (h *scriptedHub) next(t *testing.T) *pipeConn {
	t.Helper()
	select {
	case p := <-h.pipes:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("the client did not connect")
	}
	return nil
}

func newTestClient(t *testing.T, file string, h *scriptedHub) *Client {
	t.Helper()
	c, err := NewClient(ClientConfig{File: file, Store: newMemStore(app.NewID(), 0), Dial: h.dial, Logger: quiet(),
		Engine: Config{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func waitStatus(t *testing.T, c *Client, what string, cond func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := c.Status()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; status %+v", what, s)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// First use: the hub's pin is shown for confirmation; confirming it logs
// in with the password typed before, keeps the token the hub returns, and
// never writes the password anywhere.
func TestClientConfirmsThePinThenKeepsTheTokenNotThePassword(t *testing.T) {
	file := filepath.Join(t.TempDir(), HubFileName)
	h := newScriptedHub()
	c := newTestClient(t, file, h)
	if r := c.Status().Reason(); r != ReasonNotConnected {
		t.Fatalf("reason before any hub is set: %v", r)
	}
	if err := c.Connect("wss://10.0.0.5:7443", "", "jishou", "demo-password"); err != nil {
		t.Fatal(err)
	}
	s := waitStatus(t, c, "the pin to confirm", func(s Status) bool { return s.Reason() == ReasonConfirmPin })
	if s.PinToConfirm != hubPin {
		t.Fatalf("pin to confirm %q", s.PinToConfirm)
	}
	if err := c.ConfirmPin(wire.FormatPin(s.PinToConfirm)); err != nil {
		t.Fatal(err)
	}
	p := h.next(t)
	hello, err := wire.DecodeHello(p.next(t, wire.TypeHello))
	if err != nil || hello.Login == nil || hello.Login.User != "jishou" || hello.Login.Password != "demo-password" {
		t.Fatalf("the hello after confirming: %+v, %v", hello, err)
	}
	expires := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	p.send(t, wire.TypeWelcome, wire.Welcome{Version: wire.Version, Epoch: "e", Station: app.NewID(), User: "jishou", Token: "tok-1", Expires: expires, MaxFrame: 1, MaxPushOps: 1})
	s = waitStatus(t, c, "online", func(s Status) bool { return s.Reason() == ReasonOnline && s.LoggedIn })
	if s.Pin != hubPin || s.Account != "jishou" {
		t.Errorf("status %+v", s)
	}

	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "demo-password") {
		t.Fatalf("the settings file holds the password:\n%s", data)
	}
	info, _ := os.Stat(file)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the settings file has permissions %v, want 0600", info.Mode().Perm())
	}
	conf, err := LoadHubConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	if conf.Token != "tok-1" || conf.Pin != hubPin || conf.Addr != "wss://10.0.0.5:7443" || !conf.Expires.Equal(expires) || conf.Off {
		t.Errorf("kept %+v", conf)
	}
	c.mu.Lock()
	pending := c.pending
	c.mu.Unlock()
	if pending != nil {
		t.Error("the password is still held after the hub answered the login")
	}
}

// The next start logs in with the kept token; Disconnect stops and is
// remembered, so the start after that stays offline.
func TestClientReconnectsWithTheTokenUntilDisconnected(t *testing.T) {
	file := filepath.Join(t.TempDir(), HubFileName)
	if err := SaveHubConfig(file, HubConfig{Addr: "wss://10.0.0.5:7443", Pin: hubPin, User: "jishou", Token: "tok-1"}); err != nil {
		t.Fatal(err)
	}
	h := newScriptedHub()
	c := newTestClient(t, file, h)
	if !c.Start() {
		t.Fatal("a configured client did not start")
	}
	hello, _ := wire.DecodeHello(h.next(t).next(t, wire.TypeHello))
	if hello.Token != "tok-1" || hello.Login != nil {
		t.Fatalf("hello %+v, want the kept token", hello)
	}
	if err := c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if s := c.Status(); s.Reason() != ReasonNotConnected || s.Running {
		t.Fatalf("after disconnecting: %+v", s)
	}
	c.Close()

	again := newTestClient(t, file, h)
	if again.Start() {
		t.Fatal("started although disconnected by hand")
	}
	// Connecting again without a password reuses the session.
	if err := again.Connect("10.0.0.5:7443", "", "jishou", ""); err != nil {
		t.Fatal(err)
	}
	hello, _ = wire.DecodeHello(h.next(t).next(t, wire.TypeHello))
	if hello.Token != "tok-1" {
		t.Fatalf("hello %+v, want the kept token", hello)
	}
}

// What a person types is checked before anything is saved, each error
// naming its field; another hub drops the old pin and session.
func TestClientConnectChecksItsInput(t *testing.T) {
	file := filepath.Join(t.TempDir(), HubFileName)
	h := newScriptedHub()
	c := newTestClient(t, file, h)
	for _, tc := range []struct{ addr, pin, user, password, field string }{
		{"", "", "jishou", "pw", "addr"},
		{"nonsense", "", "jishou", "pw", "addr"},
		{"wss://10.0.0.5:7443", "12ab", "jishou", "pw", "pin"},
		{"wss://10.0.0.5:7443", "", " ", "pw", "user"},
		{"wss://10.0.0.5:7443", "", "jishou", "", "password"},
	} {
		err := c.Connect(tc.addr, tc.pin, tc.user, tc.password)
		if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != tc.field {
			t.Errorf("Connect(%q, %q, %q, %q) = %v, want an error about %s", tc.addr, tc.pin, tc.user, tc.password, err, tc.field)
		}
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("refused input was saved")
	}

	if err := SaveHubConfig(file, HubConfig{Addr: "wss://10.0.0.5:7443", Pin: hubPin, User: "jishou", Token: "tok-1"}); err != nil {
		t.Fatal(err)
	}
	other := newTestClient(t, file, h)
	err := other.Connect("wss://10.9.9.9:7443", "", "jishou", "")
	if app.ErrorField(err) != "password" {
		t.Fatalf("another hub without a password: %v, want a request for the password", err)
	}
	if err := other.Connect("wss://10.9.9.9:7443", "", "jishou", "demo-password"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, other, "the new hub's pin to confirm", func(s Status) bool { return s.Reason() == ReasonConfirmPin })
	if conf := other.Config(); conf.Pin != "" || conf.Token != "" {
		t.Errorf("another hub kept the old pin or token: %+v", conf)
	}
}

// Watchers hear every change in order, and not after they stop.
func TestClientWatchersHearChanges(t *testing.T) {
	h := newScriptedHub()
	c := newTestClient(t, filepath.Join(t.TempDir(), HubFileName), h)
	var seen []Reason
	stop := c.Watch(func(s Status) { seen = append(seen, s.Reason()) })
	if err := c.Connect("wss://10.0.0.5:7443", hubPin, "jishou", "demo-password"); err != nil {
		t.Fatal(err)
	}
	p := h.next(t)
	p.next(t, wire.TypeHello)
	p.send(t, wire.TypeError, wire.Errorf(wire.CodeUnauthorized, "wrong password"))
	waitStatus(t, c, "a login to be asked for", func(s Status) bool { return s.Reason() == ReasonNeedLogin })
	stop()
	n := len(seen)
	if err := c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Error("a stopped watcher was called")
	}
	if seen[len(seen)-1] != ReasonNeedLogin {
		t.Errorf("reasons seen %v, want the last to be ReasonNeedLogin", seen)
	}
}
