package hub_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// The attacks of issue #10, each against a real dutyhub process on
// loopback. Attackers come from other loopback addresses (127.0.0.2 and
// up), honest clients from 127.0.0.1.

// hubProc is a dutyhub process on a fresh folder with the test tree and
// one account per station, started with extra flags.
type hubProc struct {
	*process
	tree    tree
	tokens  map[string]string
	logPath string
}

func startHubProcess(t *testing.T, flags ...string) *hubProc {
	t.Helper()
	tr := testTree()
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportStations(tr.list()); err != nil {
		t.Fatal(err)
	}
	hash, err := hub.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for user, st := range map[string]app.Station{"p": tr.P, "c1": tr.C1, "c2": tr.C2, "t1": tr.T1, "t2": tr.T2, "t3": tr.T3} {
		if err := db.AddUserHash(user, st.Code, hash); err != nil {
			t.Fatal(err)
		}
		tok, _, err := db.IssueSession(user, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tokens[user] = tok
	}
	db.Close()
	logPath := filepath.Join(t.TempDir(), "hub.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	p := &process{t: t, bin: buildHub(t), dir: dir, addr: freeAddr(t), log: logFile}
	p.cmd = exec.Command(p.bin, append([]string{"-data", dir, "-listen", p.addr, "-plain-loopback"}, flags...)...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop) // a second stop after a test's own does nothing
	h := &hubProc{process: p, tree: tr, tokens: tokens, logPath: logPath}
	waitFor(t, "the hub process to serve", func() bool {
		resp, err := http.Get(h.http() + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return h
}

func (h *hubProc) http() string { return "http://" + h.addr }
func (h *hubProc) ws() string   { return "ws://" + h.addr }

func (h *hubProc) logText() string {
	b, _ := os.ReadFile(h.logPath)
	return string(b)
}

// rssKiB is the hub process's resident memory.
func (h *hubProc) rssKiB() int {
	h.t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", h.cmd.Process.Pid))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				h.t.Fatal(err)
			}
			return n
		}
	}
	h.t.Fatal("no VmRSS in /proc/PID/status")
	return 0
}

// metric reads one sample from /metrics: a name with its labels, as
// written there. Absent is 0.
func (h *hubProc) metric(sample string) int64 {
	h.t.Helper()
	resp, err := http.Get(h.http() + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

func (h *hubProc) healthy() {
	h.t.Helper()
	resp, err := http.Get(h.http() + "/healthz")
	if err != nil {
		h.t.Fatalf("the hub is down: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("healthz: %s", resp.Status)
	}
}

// dialFrom opens a websocket to path from the loopback address src. A
// refusal before the upgrade comes back as the HTTP status.
func dialFrom(addr, path, src string) (*websocket.Conn, int, error) {
	d := websocket.Dialer{
		HandshakeTimeout: 10 * time.Second,
		NetDial: func(network, a string) (net.Conn, error) {
			nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
			return nd.Dial(network, a)
		},
	}
	ws, resp, err := d.Dial(addr+path, nil)
	status := 0
	if resp != nil {
		status = resp.StatusCode
		resp.Body.Close()
	}
	return ws, status, err
}

// startFrame writes the start of a masked text frame that announces size
// bytes and carries only the first part of them: a hello that never ends.
func startFrame(ws *websocket.Conn, size int, part []byte) error {
	hdr := []byte{0x81}
	switch {
	case size < 126:
		hdr = append(hdr, 0x80|byte(size))
	case size <= 0xffff:
		hdr = append(hdr, 0x80|126, byte(size>>8), byte(size))
	default:
		hdr = append(hdr, 0x80|127, 0, 0, 0, 0, byte(size>>24), byte(size>>16), byte(size>>8), byte(size))
	}
	hdr = append(hdr, 0, 0, 0, 0) // a zero mask leaves the payload as it is
	_, err := ws.NetConn().Write(append(hdr, part...))
	return err
}

// 1,500 connections that start a hello and never finish it: the hub holds
// no more than its pre-login caps, refuses the rest before the upgrade,
// and its memory stays flat. (The hello deadline is long here, so that a
// slow machine cannot free places while the test counts them; the next
// test checks the deadline.)
func TestAttackUnfinishedHellosAreCappedAndMemoryStaysBounded(t *testing.T) {
	h := startHubProcess(t, "-hello-wait", "5m")
	before := h.rssKiB()

	var held []*websocket.Conn
	defer func() {
		for _, ws := range held {
			ws.Close()
		}
	}()
	statuses := map[int]int{}
	open := func(src string) {
		ws, status, err := dialFrom(h.ws(), "/sync", src)
		if err != nil {
			statuses[status]++
			return
		}
		held = append(held, ws)
		if err := startFrame(ws, 3000, []byte(`{"type":"hello","data":{"version":"1.1","login":{"user":"c1","password":"`)); err != nil {
			t.Fatal(err)
		}
	}
	// One address: at most MaxPreLoginPerAddr, then 429.
	for range hub.DefaultMaxPreLoginPerAddr + 4 {
		open("127.0.0.250")
	}
	if len(held) != hub.DefaultMaxPreLoginPerAddr || statuses[http.StatusTooManyRequests] != 4 {
		t.Fatalf("from one address: %d held, refusals %v; want %d held and 4 refused with 429", len(held), statuses, hub.DefaultMaxPreLoginPerAddr)
	}
	// Many addresses: the pool of MaxPreLogin fills, then 503.
	const attack = 1500
	for i := range attack {
		open(fmt.Sprintf("127.0.%d.%d", 1+i/15/200, 2+i/15%200))
	}
	after := h.rssKiB()
	t.Logf("hub RSS %d KiB before, %d KiB holding %d unfinished hellos; refusals by HTTP status %v", before, after, len(held), statuses)
	if len(held) != hub.DefaultMaxPreLogin {
		t.Fatalf("the hub took %d unfinished hellos, want its cap %d", len(held), hub.DefaultMaxPreLogin)
	}
	if refused := statuses[http.StatusServiceUnavailable]; refused != attack+hub.DefaultMaxPreLoginPerAddr-hub.DefaultMaxPreLogin {
		t.Fatalf("%d connections refused with 503, want %d", refused, attack+hub.DefaultMaxPreLoginPerAddr-hub.DefaultMaxPreLogin)
	}
	if grew := after - before; grew > 64<<10 {
		t.Fatalf("the hub's memory grew by %d KiB holding unfinished hellos", grew)
	}
	if n := h.metric("dutyhub_prelogin_connections"); n != hub.DefaultMaxPreLogin {
		t.Fatalf("dutyhub_prelogin_connections %d, want %d", n, hub.DefaultMaxPreLogin)
	}
	if n := h.metric(`dutyhub_limit_refusals_total{reason="prelogin_limit"}`); n == 0 {
		t.Fatal("the refusals are not counted by reason in /metrics")
	}
	if !strings.Contains(h.logText(), "reason=prelogin_addr_limit") {
		t.Fatal("the refusals per address are not logged")
	}

	// A hello that announces more than the limit is refused at its header:
	// the hub closes at once, not at the hello deadline.
	held[0].Close()
	waitFor(t, "a place among the pre-login connections", func() bool {
		return h.metric("dutyhub_prelogin_connections") < hub.DefaultMaxPreLogin
	})
	big, _, err := dialFrom(h.ws(), "/sync", "127.0.0.251")
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	if err := startFrame(big, wire.MaxFrame, []byte("{")); err != nil {
		t.Fatal(err)
	}
	_ = big.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := big.ReadMessage()
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("a hello announcing 1 MiB was not refused before the hello deadline")
		}
		break
	}

	// Once they go, honest clients get in.
	for _, ws := range held {
		ws.Close()
	}
	waitFor(t, "the hub to let the unfinished hellos go", func() bool {
		return h.metric("dutyhub_prelogin_connections") == 0
	})
	c := newClient(t, "t1")
	c.start(h.ws(), "t1")
	c.caughtUp()
	h.healthy()
}

// Unfinished hellos are closed by the hub at the hello deadline, freeing
// their places.
func TestAttackUnfinishedHellosAreClosedAtTheDeadline(t *testing.T) {
	h := startHubProcess(t, "-hello-wait", "2s")
	var held []*websocket.Conn
	for i := range 10 {
		ws, status, err := dialFrom(h.ws(), "/sync", fmt.Sprintf("127.0.3.%d", 2+i))
		if err != nil {
			t.Fatalf("dial %d: status %d, %v", i, status, err)
		}
		defer ws.Close()
		if err := startFrame(ws, 3000, []byte(`{"type":"hello","data":{"version":"1.1"`)); err != nil {
			t.Fatal(err)
		}
		held = append(held, ws)
	}
	waitFor(t, "the hub to close the unfinished hellos", func() bool {
		return h.metric("dutyhub_prelogin_connections") == 0
	})
	for i, ws := range held {
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			_, _, err := ws.ReadMessage()
			if err == nil {
				continue
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection %d is still open after the hello deadline", i)
			}
			break
		}
	}
	if !strings.Contains(h.logText(), "no hello within 2s") {
		t.Fatal("the closes are not logged")
	}
	h.healthy()
}

// Sockets that never send a request are capped at the listener: beyond
// MaxConns plus its slack the hub closes them as it accepts them.
func TestAttackIdleSocketsAreClosedAtTheListenerCap(t *testing.T) {
	h := startHubProcess(t, "-max-conns", "4")
	const limit = 4 + 1024 // -max-conns plus the slack for plain HTTP
	const attack = limit + 72
	before := h.rssKiB()
	conns := make([]net.Conn, 0, attack)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range attack {
		// 50 from each address, within its burst of new connections.
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(fmt.Sprintf("127.0.2.%d", 2+i/50))}}
		c, err := d.Dial("tcp", h.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// The hub closes the ones over the cap at once; the others it holds
	// until the HTTP header deadline, longer than this wait.
	var mu sync.Mutex
	closed := 0
	var wg sync.WaitGroup
	deadline := time.Now().Add(3 * time.Second)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(deadline)
			_, err := c.Read(make([]byte, 1))
			var ne net.Error
			if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
				mu.Lock()
				closed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	after := h.rssKiB()
	t.Logf("hub RSS %d KiB before, %d KiB holding %d idle sockets; %d closed at once", before, after, attack-closed, closed)
	if closed != attack-limit {
		t.Fatalf("the hub closed %d of %d idle sockets at once, want the %d over its cap of %d", closed, attack, attack-limit, limit)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = conns[:0]
	waitFor(t, "the hub to serve again", func() bool {
		resp, err := http.Get(h.http() + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if n := h.metric(`dutyhub_limit_refusals_total{reason="socket_limit"}`); n != attack-limit {
		t.Fatalf("socket_limit refusals counted %d, want %d", n, attack-limit)
	}
	if !strings.Contains(h.logText(), "reason=socket_limit") {
		t.Fatal("the closed sockets are not logged")
	}
	h.healthy()
}

// Beyond the cap on connections the hub answers 503 before the upgrade;
// when one goes, the next gets in.
func TestAttackConnectionsOverTheCapAreRefused(t *testing.T) {
	h := startHubProcess(t, "-max-conns", "4")
	var conns []*raw
	for _, user := range []string{"p", "c1", "c2", "t1"} {
		r := dialRaw(t, h.ws())
		r.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: h.tokens[user]})
		r.expect(wire.TypeWelcome)
		conns = append(conns, r)
	}
	_, status, err := dialFrom(h.ws(), "/sync", "127.0.0.1")
	if err == nil || status != http.StatusServiceUnavailable {
		t.Fatalf("a fifth connection over a cap of 4: status %d, err %v", status, err)
	}
	resp, err := http.Get(h.http() + "/sync")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "limit of 4 connections") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("the refusal says %s %q (Retry-After %q)", resp.Status, body, resp.Header.Get("Retry-After"))
	}
	if n := h.metric(`dutyhub_limit_refusals_total{reason="conn_limit"}`); n != 2 {
		t.Fatalf("conn_limit refusals counted %d, want 2", n)
	}
	conns[0].ws.Close()
	waitFor(t, "the hub to count the closed connection", func() bool { return h.metric("dutyhub_sockets") == 3 })
	r := dialRaw(t, h.ws())
	r.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: h.tokens["t2"]})
	r.expect(wire.TypeWelcome)
	h.healthy()
}

// 1,000 simultaneous wrong passwords for c1 from one address: the hub
// checks only a handful (the rest are refused before any hashing), an
// honest station logs in and syncs during the flood, and c1's owner, at
// another address, logs in right after it.
func TestAttackLoginFloodIsRefusedAndHonestLoginsGoThrough(t *testing.T) {
	h := startHubProcess(t)
	const flood = 1000
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range flood {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			outcome := "no answer"
			defer func() {
				mu.Lock()
				outcomes[outcome]++
				mu.Unlock()
			}()
			ws, status, err := dialFrom(h.ws(), "/sync", "127.0.0.2")
			if err != nil {
				outcome = "http " + strconv.Itoa(status)
				return
			}
			defer ws.Close()
			frame, _ := wire.Encode(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: "c1", Password: "guess guess guess"}})
			if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
				return
			}
			_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			env, err := wire.DecodeEnvelope(data)
			if err == nil && env.Type == wire.TypeError {
				outcome = wire.DecodeError(env).Code
			}
		}()
	}
	t0 := time.Now()
	close(start)
	honest := newClient(t, "t1")
	honest.start(h.ws(), "t1")
	honest.caughtUp()
	honestIn := time.Since(t0)
	wg.Wait()
	floodOver := time.Since(t0)
	t.Logf("flood of %d answered in %s: %v; the honest station was in after %s", flood, floodOver, outcomes, honestIn)

	if outcomes["no answer"] != 0 {
		t.Fatalf("%d flood attempts got no answer", outcomes["no answer"])
	}
	// Each password check is an unauthorized answer. The address locks
	// after FreeFailures (passed by at most the checks in flight), then
	// allows that many more after each lockout (1, 2, 4, 8, 16 s): far
	// fewer than the flood, however long it takes.
	most := hub.FreeFailures + hub.LoginsInFlightPerAddr*6
	if checked := outcomes[wire.CodeUnauthorized]; checked > most {
		t.Fatalf("the hub checked %d of the flood's passwords, want at most %d", checked, most)
	}
	// Refused: closed as accepted (over the address's rate of new
	// connections, no HTTP answer), 429 before the upgrade, or busy and
	// throttled after the hello.
	refused := outcomes["http 0"] + outcomes["http 429"] + outcomes["http 503"] + outcomes[wire.CodeBusy] + outcomes[wire.CodeThrottled]
	if refused+outcomes[wire.CodeUnauthorized] != flood {
		t.Fatalf("unexpected outcomes %v", outcomes)
	}

	// The owner of the flooded account logs in from its own address, at
	// worst after the account's short lockout.
	waited := 0
	for {
		owner := dialRaw(t, h.ws())
		owner.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: "c1", Password: password}})
		env, err := owner.next()
		if err != nil {
			t.Fatalf("the owner's login: %v", err)
		}
		if env.Type == wire.TypeWelcome {
			break
		}
		e := wire.DecodeError(env)
		if e.Code != wire.CodeThrottled && e.Code != wire.CodeBusy {
			t.Fatalf("the owner's login: %+v", e)
		}
		if waited += e.RetryAfter; waited > int(hub.MaxAccountLockout/time.Second) {
			t.Fatalf("the owner was kept out for over %s: %+v", hub.MaxAccountLockout, e)
		}
		time.Sleep(time.Duration(e.RetryAfter) * time.Second)
	}
	t.Logf("the owner of the flooded account waited %d s", waited)
	if n := h.metric(`dutyhub_limit_refusals_total{reason="login_addr_in_flight"}`) + h.metric(`dutyhub_limit_refusals_total{reason="login_addr_throttled"}`); n == 0 {
		t.Fatal("the login refusals are not counted by reason")
	}
	if n := h.metric(`dutyhub_limit_refusals_total{reason="addr_conn_rate"}`); n != int64(outcomes["http 0"]) {
		t.Fatalf("%d connections closed as accepted are counted as %d", outcomes["http 0"], n)
	}
	h.healthy()
}

// A client that pulls and then stops reading is dropped once the bytes
// queued for it pass the bound, long before its queue of frames is full;
// it comes back and misses nothing.
func TestAttackSlowReaderIsDroppedAtTheByteBound(t *testing.T) {
	h := startHubProcess(t, "-send-queue-mib", "1")
	tr := h.tree
	// A tiny receive buffer, so the kernel holds little of what the hub
	// writes and the hub's own queue fills.
	d := websocket.Dialer{NetDial: func(network, a string) (net.Conn, error) {
		nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			})
			if err != nil {
				return err
			}
			return serr
		}}
		return nd.Dial(network, a)
	}}
	ws, _, err := d.Dial(h.ws()+"/sync", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	slow := &raw{t: t, ws: ws}
	slow.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: h.tokens["t2"]})
	w, _ := wire.DecodeWelcome(slow.expect(wire.TypeWelcome))
	slow.send(wire.TypePull, "p", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch}})
	slow.expect(wire.TypeCaughtUp)

	sender := dialRaw(t, h.ws())
	sender.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: h.tokens["t1"]})
	sender.expect(wire.TypeWelcome)
	pad := []byte(`{"text":"` + strings.Repeat("汛", 60_000) + `"}`) // ~180 kB
	var sent []app.Operation
	for i := range 200 {
		o := op(tr.T1.ID, uint64(i+1), "message.send")
		o.To, o.Scope, o.Payload = []app.ID{tr.T2.ID}, app.ScopeNone, pad
		sender.send(wire.TypePush, "", wire.Push{Ops: []app.Operation{o}})
		sender.expect(wire.TypeAck)
		sent = append(sent, o)
		if h.metric(`dutyhub_limit_refusals_total{reason="slow_reader"}`) == 1 {
			break
		}
	}
	if h.metric(`dutyhub_limit_refusals_total{reason="slow_reader"}`) != 1 || h.metric("dutyhub_slow_client_drops_total") != 1 {
		t.Fatalf("the slow reader was not dropped after %d messages of 180 kB", len(sent))
	}
	// 256 frames would be 45 MB: the byte bound is what dropped it.
	if len(sent) >= 256 {
		t.Fatalf("dropped only after %d frames", len(sent))
	}
	if !strings.Contains(h.logText(), "dropping a slow client") {
		t.Fatal("the drop is not logged")
	}
	t.Logf("dropped after %d messages (%d kB sent to it)", len(sent), len(sent)*len(pad)/1000)

	t2 := newClient(t, "t2")
	t2.start(h.ws(), "t2")
	t2.caughtUp()
	for _, o := range sent {
		if ok, _ := t2.db.HasApplied(context.Background(), o.ID); !ok {
			t.Fatalf("after resyncing, T2 lacks message seq %d", o.Seq)
		}
	}
	h.healthy()
}

// A station over its quota is refused whole, with when to retry, while
// another station pushes on; a real client over quota backs off and
// retries until everything is sent, dropping nothing.
func TestAttackStationOverQuotaIsRefusedWhileOthersPush(t *testing.T) {
	h := startHubProcess(t, "-quota-ops-burst", "300", "-quota-ops-per-second", "100")
	tr := h.tree
	ops := func(origin app.ID, from, n int) []app.Operation {
		list := make([]app.Operation, n)
		for i := range list {
			list[i] = op(origin, uint64(from+i), "roster.log")
		}
		return list
	}

	greedy := dialRaw(t, h.ws())
	greedy.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: h.tokens["t1"]})
	greedy.expect(wire.TypeWelcome)
	greedy.send(wire.TypePush, "p1", wire.Push{Ops: ops(tr.T1.ID, 1, 256)})
	greedy.expect(wire.TypeAck)
	greedy.send(wire.TypePush, "p2", wire.Push{Ops: ops(tr.T1.ID, 257, 256)})
	e := greedy.expectError()
	if e.Code != wire.CodeOverQuota || e.RetryAfter < 1 || !strings.Contains(e.Message, "operations a second") || !strings.Contains(e.Message, "retry in") {
		t.Fatalf("a push over quota: %+v", e)
	}

	// Another station pushes meanwhile.
	other := dialRaw(t, h.ws())
	other.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: h.tokens["t3"]})
	other.expect(wire.TypeWelcome)
	other.send(wire.TypePush, "q1", wire.Push{Ops: ops(tr.T3.ID, 1, 50)})
	if a, err := wire.DecodeAck(other.expect(wire.TypeAck)); err != nil || a.Through != 50 {
		t.Fatalf("the other station's push: %+v %v", a, err)
	}

	// A real client with 700 operations queued: over the burst of 300, it
	// is refused, waits, reconnects and sends on until its outbox is empty.
	c := newClient(t, "t2")
	c.start(h.ws(), "t2")
	c.caughtUp()
	c.setIdentity(tr.T2)
	people := make([]app.Person, 700)
	for i := range people {
		people[i] = app.Person{Station: tr.T2.ID, Name: fmt.Sprintf("队员%04d", i), Mobile: "13800000000"}
	}
	if err := c.dir.ImportPersons(context.Background(), people); err != nil {
		t.Fatal(err)
	}
	c.eng.Kick()
	c.caughtUp()
	if n := h.metric(`dutyhub_limit_refusals_total{reason="quota_ops"}`); n < 2 {
		t.Fatalf("quota refusals counted %d: the client was never over its quota", n)
	}
	if !strings.Contains(h.logText(), "over its quota") {
		t.Fatal("the quota refusal is not logged")
	}
	h.healthy()
	h.stop()

	// Nothing of the refused push was stored; all of the client's was.
	db, err := hub.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if last, _ := db.LastSeq(tr.T1.ID); last != 256 {
		t.Fatalf("T1's last stored seq is %d, want 256", last)
	}
	if last, _ := db.LastSeq(tr.T2.ID); last != 700 {
		t.Fatalf("T2's last stored seq is %d, want all 700", last)
	}
	if last, _ := db.LastSeq(tr.T3.ID); last != 50 {
		t.Fatalf("T3's last stored seq is %d, want 50", last)
	}
}
