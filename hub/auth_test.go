package hub_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/wsdial"
)

func TestExpiredTokenIsRefused(t *testing.T) {
	h := startHub(t, hub.Config{SessionTTL: time.Hour})
	r := dialRaw(t, h.addr)
	w := r.login("t1")
	if w.Token == "" {
		t.Fatal("a login returned no token")
	}
	h.db.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	r2 := dialRaw(t, h.addr)
	r2.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: w.Token})
	e := r2.expectError()
	if e.Code != wire.CodeUnauthorized || !strings.Contains(e.Message, "expired") {
		t.Fatalf("an expired token: %+v", e)
	}
	if !r2.closed() {
		t.Fatal("the hub kept a connection with an expired token open")
	}
	if !strings.Contains(h.log.String(), "expired") {
		t.Fatal("no log line for the refusal")
	}
}

func TestRevokedTokenIsRefusedAndTheEngineAsksForALogin(t *testing.T) {
	h := startHub(t, hub.Config{})
	c := newClient(t, "t1")
	var token string
	c.startWith(&wsdial.Dialer{Addr: h.addr}, syncer.Config{
		Login:   &wire.Login{User: "t1", Password: password},
		OnToken: func(tok string, _ time.Time) { token = tok },
	})
	c.caughtUp()
	c.stop()
	if token == "" {
		t.Fatal("the engine reported no token after its login")
	}
	if n, err := h.db.RevokeSessions("t1"); err != nil || n != 1 {
		t.Fatalf("RevokeSessions = %d, %v", n, err)
	}
	c2 := newClient(t, "t1 again")
	c2.startWith(&wsdial.Dialer{Addr: h.addr}, syncer.Config{Token: token})
	waitFor(t, "the engine to ask for a login", func() bool { return c2.eng.State().NeedLogin })
	if s := c2.eng.State(); s.Online || s.ErrCode != wire.CodeUnauthorized || !strings.Contains(s.Err, "revoked") {
		t.Fatalf("state after a revoked token: %+v", s)
	}
	// A fresh password login brings it back.
	c2.eng.SetLogin("t1", password)
	c2.caughtUp()
}

func TestDisabledAccountIsRefused(t *testing.T) {
	h := startHub(t, hub.Config{})
	r := dialRaw(t, h.addr)
	w := r.login("t2")
	if err := h.db.DisableUser("t2"); err != nil {
		t.Fatal(err)
	}
	r2 := dialRaw(t, h.addr)
	r2.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: w.Token})
	if e := r2.expectError(); e.Code != wire.CodeUnauthorized {
		t.Fatalf("token of a disabled account: %+v", e)
	}
	r3 := dialRaw(t, h.addr)
	r3.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: "t2", Password: password}})
	if e := r3.expectError(); e.Code != wire.CodeUnauthorized || !strings.Contains(e.Message, "disabled") {
		t.Fatalf("login of a disabled account: %+v", e)
	}
}

// Ten wrong passwords: the first five are refused as wrong, the rest are
// throttled without a password check, and even the right password waits.
func TestWrongPasswordTenTimesIsThrottled(t *testing.T) {
	h := startHub(t, hub.Config{})
	var codes []string
	for range 10 {
		r := dialRaw(t, h.addr)
		r.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: "c1", Password: "wrong password"}})
		codes = append(codes, r.expectError().Code)
	}
	for i, code := range codes {
		want := wire.CodeUnauthorized
		if i >= hub.FreeFailures {
			want = wire.CodeThrottled
		}
		if code != want {
			t.Fatalf("attempt %d: %s, want %s (all: %v)", i+1, code, want, codes)
		}
	}
	r := dialRaw(t, h.addr)
	r.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: "c1", Password: password}})
	if e := r.expectError(); e.Code != wire.CodeThrottled || !strings.Contains(e.Message, "try again in") {
		t.Fatalf("the right password during the lockout: %+v", e)
	}
	if n := strings.Count(h.log.String(), "refused a connection"); n != 11 {
		t.Fatalf("%d refusals logged, want 11", n)
	}
	if got := h.srv.Refusals(); got[wire.CodeThrottled] != 6 || got[wire.CodeUnauthorized] != 5 {
		t.Fatalf("refusal counters %v", got)
	}
	// Another account from another address is not locked: throttling is
	// per account and per address, and all these come from 127.0.0.1, so
	// the address is locked too.
	r2 := dialRaw(t, h.addr)
	r2.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: "p", Password: password}})
	if e := r2.expectError(); e.Code != wire.CodeThrottled {
		t.Fatalf("another account from the locked address: %+v", e)
	}
}

func TestUnknownMajorVersionIsRefused(t *testing.T) {
	h := startHub(t, hub.Config{})
	r := dialRaw(t, h.addr)
	r.sendRaw([]byte(`{"type":"hello","data":{"version":"2.0","token":"x"}}`))
	e := r.expectError()
	if e.Code != wire.CodeVersion || !strings.Contains(e.Message, "2.0") || !strings.Contains(e.Message, wire.Version) {
		t.Fatalf("a v2 hello: %+v", e)
	}
}

func TestTokenInTheURLIsRefused(t *testing.T) {
	h := startHub(t, hub.Config{})
	resp, err := http.Get("http" + strings.TrimPrefix(h.addr, "ws") + "/sync?token=abc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a token in the URL: %s", resp.Status)
	}
}

// Over wss the engine trusts the hub by its pin: none configured reports
// the pin for confirmation, a wrong one is refused, the right one syncs.
func TestPinnedCertificate(t *testing.T) {
	h := startHub(t, hub.Config{})
	cert, pin, err := hub.LoadOrCreateCertificate(h.dir, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := hub.CertificatePin(h.dir); again != pin {
		t.Fatalf("CertificatePin = %s, want %s", again, pin)
	}
	srv, err := hub.NewServer(h.db, hub.Config{Logger: slog.New(slog.NewTextHandler(discard{}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}))
	defer hs.Close()
	addr := ln.Addr().String() // host:port means wss

	first := newClient(t, "first use")
	first.startWith(&wsdial.Dialer{Addr: addr}, syncer.Config{Login: &wire.Login{User: "t1", Password: password}})
	waitFor(t, "the pin to confirm", func() bool { return first.eng.State().PinToConfirm != "" })
	if got := first.eng.State().PinToConfirm; got != pin {
		t.Fatalf("presented pin %s, want %s", got, pin)
	}

	wrong := newClient(t, "wrong pin")
	wrong.startWith(&wsdial.Dialer{Addr: addr, Pin: strings.Repeat("ab", 32)}, syncer.Config{Login: &wire.Login{User: "t1", Password: password}})
	waitFor(t, "the pin mismatch", func() bool { return wrong.eng.State().ErrCode == "pin" })
	if s := wrong.eng.State(); s.Online || !strings.Contains(s.Err, "not the expected") {
		t.Fatalf("state with a wrong pin: %+v", s)
	}

	right := newClient(t, "right pin")
	right.startWith(&wsdial.Dialer{Addr: addr, Pin: wire.FormatPin(pin)}, syncer.Config{Login: &wire.Login{User: "t1", Password: password}})
	right.caughtUp()
	if n := len(right.stations()); n != 6 {
		t.Fatalf("synced %d stations over wss", n)
	}
	_ = context.Background
}

func TestPlainWSRefusedOffLoopback(t *testing.T) {
	for _, addr := range []string{"ws://10.1.2.3:7443", "ws://hub.example:7443"} {
		if _, err := wsdial.SyncURL(addr); err == nil {
			t.Errorf("SyncURL(%s) accepted plain ws to another machine", addr)
		}
	}
	err := hub.Run(context.Background(), hub.RunConfig{Dir: t.TempDir(), Listen: "0.0.0.0:0", PlainLoopback: true})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Run with plain ws on all addresses: %v", err)
	}
}
