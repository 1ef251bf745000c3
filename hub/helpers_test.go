package hub_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
	"dutyroom/store/storetest"
	"dutyroom/wsdial"
)

// The test prefecture: one prefecture, two counties, three townships.
//
//	P 湘西州
//	├── C1 吉首市
//	│   ├── T1 乾州街道
//	│   └── T2 峒河街道
//	└── C2 泸溪县
//	    └── T3 白沙镇
type tree struct {
	P, C1, C2, T1, T2, T3 app.Station
}

func testTree() tree {
	var t tree
	t.P = app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	t.C1 = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: t.P.ID}
	t.C2 = app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: t.P.ID}
	t.T1 = app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: t.C1.ID}
	t.T2 = app.Station{ID: app.NewID(), Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: t.C1.ID}
	t.T3 = app.Station{ID: app.NewID(), Code: "433122100", Name: "白沙镇", Tier: app.TierTownship, Parent: t.C2.ID}
	return t
}

func (t tree) list() []app.Station { return []app.Station{t.P, t.C1, t.C2, t.T1, t.T2, t.T3} }

const password = "correct horse battery"

// logBuffer collects the hub's log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

type testHub struct {
	t    *testing.T
	dir  string
	db   *hub.DB
	srv  *hub.Server
	hs   *http.Server
	addr string // ws://127.0.0.1:port
	log  *logBuffer
	tree tree
}

// startHub runs a real hub on a loopback port with its own bbolt file,
// the test tree imported and one account per station (p, c1, c2, t1, t2, t3).
func startHub(t *testing.T, cfg hub.Config) *testHub {
	t.Helper()
	h := &testHub{t: t, dir: t.TempDir(), log: &logBuffer{}, tree: testTree()}
	db, err := hub.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportStations(h.tree.list()); err != nil {
		t.Fatal(err)
	}
	for user, st := range map[string]app.Station{"p": h.tree.P, "c1": h.tree.C1, "c2": h.tree.C2, "t1": h.tree.T1, "t2": h.tree.T2, "t3": h.tree.T3} {
		if err := db.AddUser(user, st.Code, password); err != nil {
			t.Fatal(err)
		}
	}
	h.db = db
	h.serve(cfg)
	t.Cleanup(func() {
		h.stop()
		if err := h.db.Check(); err != nil {
			t.Errorf("hub database after the test: %v", err)
		}
		h.db.Close()
	})
	return h
}

func (h *testHub) serve(cfg hub.Config) {
	h.t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := hub.NewServer(h.db, cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	// A restarted hub takes its old port, so clients find it again.
	listen := "127.0.0.1:0"
	if h.addr != "" {
		listen = strings.TrimPrefix(h.addr, "ws://")
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv = srv
	h.hs = &http.Server{Handler: srv.Handler()}
	h.addr = "ws://" + ln.Addr().String()
	go h.hs.Serve(ln)
}

// restart stops the server, lets change run on the closed folder (a
// restore, say), and serves again on the same port.
func (h *testHub) restart(change func(dir string)) {
	h.t.Helper()
	h.stop()
	if err := h.db.Close(); err != nil {
		h.t.Fatal(err)
	}
	if change != nil {
		change(h.dir)
	}
	db, err := hub.Open(h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.db = db
	h.serve(hub.Config{})
}

func (h *testHub) stop() {
	if h.hs == nil {
		return
	}
	h.hs.Close()
	h.srv.Close()
	h.hs = nil
}

// logOps returns every operation in the hub's log.
func (h *testHub) logOps() []wire.Delivery {
	h.t.Helper()
	list, err := h.db.Log(0, 1<<30)
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// client is one duty room: its own store in its own folder and a sync engine.
type client struct {
	t      *testing.T
	name   string
	db     *store.DB
	dir    *store.Directory
	eng    *syncer.Engine
	cancel context.CancelFunc
	done   chan struct{}
}

func newClient(t *testing.T, name string) *client {
	t.Helper()
	db := storetest.Open(t)
	return &client{t: t, name: name, db: db, dir: store.NewDirectory(db)}
}

// start runs the engine against addr, logging in as user.
func (c *client) start(addr, user string) {
	c.t.Helper()
	c.startWith(&wsdial.Dialer{Addr: addr}, syncer.Config{Login: &wire.Login{User: user, Password: password}})
}

func (c *client) startWith(tr syncer.Transport, cfg syncer.Config) {
	c.t.Helper()
	cfg.Store = c.db
	cfg.Transport = tr
	cfg.Client = "test " + c.name
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	}
	cfg.Poll = 50 * time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(discard{}, nil))
	c.eng = syncer.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		c.eng.Run(ctx)
	}()
	c.t.Cleanup(c.stop)
}

func (c *client) stop() {
	if c.cancel != nil {
		c.cancel()
		<-c.done
		c.cancel = nil
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// waitFor polls cond until it holds or the deadline passes; what is
// checked is the condition, the time only bounds a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// caughtUp waits until the client is online, has read everything and
// has nothing queued.
func (c *client) caughtUp() {
	c.t.Helper()
	waitFor(c.t, c.name+" to catch up", func() bool {
		s := c.eng.State()
		n, _ := c.db.OutboxLen(context.Background())
		return s.Online && s.CaughtUp && n == 0
	})
}

func (c *client) stations() map[app.ID]bool {
	c.t.Helper()
	list, err := c.dir.Stations(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	out := make(map[app.ID]bool)
	for _, s := range list {
		out[s.ID] = true
	}
	return out
}

func (c *client) hasPerson(id app.ID) bool {
	_, err := c.dir.FindPersonByID(context.Background(), id)
	return err == nil
}

func (c *client) setIdentity(st app.Station) {
	c.t.Helper()
	if err := store.NewIdentity(c.db).SetIdentity(context.Background(), st.ID); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) addPerson(st app.Station, name string) app.Person {
	c.t.Helper()
	p := app.Person{Station: st.ID, Name: name, Mobile: "13800000000", Roles: []app.Role{app.RoleOfficer}}
	if err := c.dir.CreatePerson(context.Background(), &p); err != nil {
		c.t.Fatal(err)
	}
	c.eng.Kick()
	return p
}

// raw is a protocol-level client for what an engine never sends.
type raw struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialRaw(t *testing.T, addr string) *raw {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(addr+"/sync", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &raw{t: t, ws: ws}
}

func (r *raw) send(typ, id string, data any) {
	r.t.Helper()
	frame, err := wire.Encode(typ, id, data)
	if err != nil {
		r.t.Fatal(err)
	}
	r.sendRaw(frame)
}

func (r *raw) sendRaw(frame []byte) {
	r.t.Helper()
	if err := r.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		r.t.Fatal(err)
	}
}

// next returns the next envelope, failing the test after 10 s.
func (r *raw) next() (wire.Envelope, error) {
	r.t.Helper()
	_ = r.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := r.ws.ReadMessage()
	if err != nil {
		return wire.Envelope{}, err
	}
	return wire.DecodeEnvelope(data)
}

// expect reads until a message of the type arrives and returns it.
func (r *raw) expect(typ string) wire.Envelope {
	r.t.Helper()
	for {
		env, err := r.next()
		if err != nil {
			r.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if env.Type == typ {
			return env
		}
		if env.Type == wire.TypeError && typ != wire.TypeError {
			r.t.Fatalf("waiting for %s, got error %+v", typ, wire.DecodeError(env))
		}
	}
}

// login opens a session with the password and returns the welcome.
func (r *raw) login(user string) wire.Welcome {
	r.t.Helper()
	r.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: user, Password: password}})
	w, err := wire.DecodeWelcome(r.expect(wire.TypeWelcome))
	if err != nil {
		r.t.Fatal(err)
	}
	return w
}

// expectError reads until an error message and returns it.
func (r *raw) expectError() *wire.Error {
	r.t.Helper()
	return wire.DecodeError(r.expect(wire.TypeError))
}

// closed reports whether the hub has closed the connection, reading what
// remains.
func (r *raw) closed() bool {
	for {
		_ = r.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err := r.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			return errors.As(err, &ce) || strings.Contains(err.Error(), "closed") || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset")
		}
	}
}

// op makes an operation of any kind from origin with seq.
func op(origin app.ID, seq uint64, kind string) app.Operation {
	return app.Operation{
		ID: app.NewID(), Origin: origin, Seq: seq, Author: "测试", At: time.Now().UTC(),
		Kind: kind, Entity: app.NewID(), Payload: []byte(`{"text":"汛情通报"}`),
	}
}

func healthy(t *testing.T, h *testHub) {
	t.Helper()
	resp, err := http.Get("http" + strings.TrimPrefix(h.addr, "ws") + "/healthz")
	if err != nil {
		t.Fatalf("the hub is down: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %s", resp.Status)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
