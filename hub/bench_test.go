package hub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/store"
	"dutyroom/wsdial"
)

// benchTree is a prefecture of n stations: the prefecture, 10 counties and
// townships under them.
func benchTree(n int) []app.Station {
	p := app.Station{ID: app.NewID(), Code: "P0", Name: "州", Tier: app.TierPrefecture}
	list := []app.Station{p}
	var counties []app.ID
	for i := range 10 {
		c := app.Station{ID: app.NewID(), Code: fmt.Sprintf("C%d", i), Name: fmt.Sprintf("县%d", i), Tier: app.TierCounty, Parent: p.ID}
		counties = append(counties, c.ID)
		list = append(list, c)
	}
	for i := 0; len(list) < n; i++ {
		list = append(list, app.Station{ID: app.NewID(), Code: fmt.Sprintf("T%d", i), Name: fmt.Sprintf("镇%d", i), Tier: app.TierTownship, Parent: counties[i%10]})
	}
	return list
}

// benchSessions gives every station an account and a session without
// argon2: thousands of password hashes would measure argon2, not the hub.
func benchSessions(b *testing.B, db *DB, stations []app.Station) map[app.ID]string {
	tokens := make(map[app.ID]string, len(stations))
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		now := time.Now().UTC()
		for _, s := range stations {
			name := "u" + s.Code
			if err := putAccount(tx, &Account{Name: name, Station: s.ID, Hash: "-", CreatedAt: now}); err != nil {
				return err
			}
			raw := make([]byte, 32)
			rand.Read(raw)
			token := base64.RawURLEncoding.EncodeToString(raw)
			buf, _ := json.Marshal(Session{User: name, Station: s.ID, Created: now, Expires: now.Add(time.Hour)})
			if err := bucket(tx, bucketSessions).Put(tokenKey(token), buf); err != nil {
				return err
			}
			tokens[s.ID] = token
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return tokens
}

func serveLoopback(b *testing.B, h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	return ln.Addr().String(), func() { hs.Close() }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// receivers connects one reading client per station; each reports the
// arrival time of every ops frame on arrived.
type receivers struct {
	conns   []*websocket.Conn
	arrived chan time.Time
}

func (r *receivers) start(ws *websocket.Conn) {
	r.conns = append(r.conns, ws)
	go func() {
		for {
			_, _, err := ws.ReadMessage()
			if err != nil {
				return
			}
			r.arrived <- time.Now()
		}
	}()
}

func (r *receivers) close() {
	for _, ws := range r.conns {
		ws.Close()
	}
}

// round waits for n arrivals and returns the latencies from t0.
func (r *receivers) round(b *testing.B, n int, t0 time.Time) []time.Duration {
	lat := make([]time.Duration, 0, n)
	timeout := time.After(30 * time.Second)
	for len(lat) < n {
		select {
		case at := <-r.arrived:
			lat = append(lat, at.Sub(t0))
		case <-timeout:
			b.Fatalf("only %d of %d deliveries arrived", len(lat), n)
		}
	}
	return lat
}

func report(b *testing.B, prefix string, lat []time.Duration, cpu time.Duration, deliveries int) {
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), prefix+"p50-ms")
	b.ReportMetric(p(0.99), prefix+"p99-ms")
	b.ReportMetric(cpu.Seconds()/float64(deliveries)*10_000, prefix+"cpu-s/10k-deliveries")
}

// BenchmarkBroadcast2000 sends a warning-like broadcast from the
// prefecture to 2,000 connected stations through the hub, and the same
// frame through a bare gorilla/websocket fan-out (no auth, no storage, no
// routing) in the same run, as the floor. Latency is from the push to each
// arrival; CPU is the whole process (hub and all clients) per 10,000
// deliveries. Run: go test ./hub -run '^$' -bench Broadcast2000 -benchtime 20x
func BenchmarkBroadcast2000(b *testing.B) {
	const n = 2000
	stations := benchTree(n)
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.ImportStations(stations); err != nil {
		b.Fatal(err)
	}
	tokens := benchSessions(b, db, stations)
	srv, err := NewServer(db, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	addr, stop := serveLoopback(b, srv.Handler())
	defer stop()

	hubRecv := &receivers{arrived: make(chan time.Time, n)}
	defer hubRecv.close()
	var publisher *websocket.Conn
	for i, s := range stations {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/sync", nil)
		if err != nil {
			b.Fatal(err)
		}
		hello, _ := wire.Encode(wire.TypeHello, "", wire.Hello{Version: wire.Version, Token: tokens[s.ID]})
		ws.WriteMessage(websocket.TextMessage, hello)
		_, raw, err := ws.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		env, _ := wire.DecodeEnvelope(raw)
		w, err := wire.DecodeWelcome(env)
		if err != nil {
			b.Fatalf("station %d: %s", i, raw)
		}
		pull, _ := wire.Encode(wire.TypePull, "", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch, Position: w.Head}})
		ws.WriteMessage(websocket.TextMessage, pull)
		for {
			_, raw, err := ws.ReadMessage()
			if err != nil {
				b.Fatal(err)
			}
			if env, _ := wire.DecodeEnvelope(raw); env.Type == wire.TypeCaughtUp {
				break
			}
		}
		if i == 0 {
			publisher = ws // the prefecture publishes; it does not receive its own
			go func() {
				for {
					if _, _, err := ws.ReadMessage(); err != nil {
						return
					}
				}
			}()
			continue
		}
		hubRecv.start(ws)
	}

	bare := newBareFanout()
	bareAddr, stopBare := serveLoopback(b, bare)
	defer stopBare()
	bareRecv := &receivers{arrived: make(chan time.Time, n)}
	defer bareRecv.close()
	for range n - 1 {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+bareAddr+"/", nil)
		if err != nil {
			b.Fatal(err)
		}
		bareRecv.start(ws)
	}
	barePub, _, err := websocket.DefaultDialer.Dial("ws://"+bareAddr+"/?publisher=1", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer barePub.Close()
	waitConns(b, bare, n-1)

	p := stations[0].ID
	var hubLat, bareLat []time.Duration
	var hubCPU, bareCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		o := app.Operation{ID: app.NewID(), Origin: p, Seq: uint64(i + 1), Author: "州值班员", At: time.Now().UTC(),
			Kind: "warning.issue", Entity: app.NewID(), Scope: app.ScopeDown,
			Payload: []byte(`{"grade":"orange","type":"暴雨","area":"全州","text":"预计未来6小时内有大暴雨，请各地做好防范"}`)}
		frame, _ := wire.Encode(wire.TypePush, "", wire.Push{Ops: []app.Operation{o}})

		c0, t0 := cpuTime(), time.Now()
		publisher.WriteMessage(websocket.TextMessage, frame)
		hubLat = append(hubLat, hubRecv.round(b, n-1, t0)...)
		hubCPU += cpuTime() - c0

		c0, t0 = cpuTime(), time.Now()
		barePub.WriteMessage(websocket.TextMessage, frame)
		bareLat = append(bareLat, bareRecv.round(b, n-1, t0)...)
		bareCPU += cpuTime() - c0
	}
	b.StopTimer()
	report(b, "hub-", hubLat, hubCPU, (n-1)*b.N)
	report(b, "bare-", bareLat, bareCPU, (n-1)*b.N)
	b.ReportMetric(hubCPU.Seconds()/bareCPU.Seconds(), "hub/bare-cpu")
}

func waitConns(b *testing.B, f *bareFanout, n int) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		f.mu.Lock()
		got := len(f.conns)
		f.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d bare clients connected", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// bareFanout is the floor: gorilla's chat example reduced to a broadcast,
// with a write pump per connection and a slow client dropped.
type bareFanout struct {
	upgrader websocket.Upgrader
	mu       sync.Mutex
	conns    map[chan []byte]struct{}
}

func newBareFanout() *bareFanout {
	return &bareFanout{conns: make(map[chan []byte]struct{})}
}

func (f *bareFanout) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := f.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	if r.URL.Query().Get("publisher") != "" {
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			f.mu.Lock()
			for send := range f.conns {
				select {
				case send <- msg:
				default:
				}
			}
			f.mu.Unlock()
		}
	}
	send := make(chan []byte, 256)
	f.mu.Lock()
	f.conns[send] = struct{}{}
	f.mu.Unlock()
	go func() {
		for msg := range send {
			if ws.WriteMessage(websocket.TextMessage, msg) != nil {
				return
			}
		}
	}()
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			f.mu.Lock()
			delete(f.conns, send)
			f.mu.Unlock()
			return
		}
	}
}

// BenchmarkResync10000 measures a client coming back with 10,000 queued
// operations: the time until the hub has acknowledged them all, and then
// the time for another station to pull the same 10,000 as a backlog.
// Run: go test ./hub -run '^$' -bench Resync10000 -benchtime 1x
func BenchmarkResync10000(b *testing.B) {
	const n = 10_000
	for range b.N {
		b.StopTimer()
		stations := benchTree(12)
		db, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if err := db.ImportStations(stations); err != nil {
			b.Fatal(err)
		}
		tokens := benchSessions(b, db, stations)
		srv, err := NewServer(db, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		addr, stop := serveLoopback(b, srv.Handler())

		township, county := stations[11], app.Station{}
		for _, s := range stations {
			if s.ID == township.Parent {
				county = s
			}
		}
		pusher := openClientStore(b, db, township)
		people := make([]app.Person, n)
		for i := range people {
			people[i] = app.Person{Station: township.ID, Name: fmt.Sprintf("队员%05d", i), Mobile: "13800000000"}
		}
		if err := store.NewDirectory(pusher).ImportPersons(context.Background(), people); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		stopPush := runEngine(b, pusher, addr, tokens[township.ID], func(s syncer.State) bool { return s.Online && s.Queued == 0 })
		pushTime := time.Since(t0)
		b.StopTimer()
		stopPush()

		puller := openClientStore(b, db, app.Station{})
		b.StartTimer()
		t0 = time.Now()
		stopPull := runEngine(b, puller, addr, tokens[county.ID], func(s syncer.State) bool { return s.CaughtUp })
		pullTime := time.Since(t0)
		b.StopTimer()
		stopPull()
		if got, _ := puller.AppliedCount(context.Background()); got < n {
			b.Fatalf("the county took in %d operations, want at least %d", got, n)
		}
		b.ReportMetric(pushTime.Seconds(), "push-10k-s")
		b.ReportMetric(pullTime.Seconds(), "pull-10k-s")
		pusher.Close()
		puller.Close()
		stop()
		srv.Close()
		db.Close()
	}
}

// openClientStore makes a client store holding the hub's tree, with the
// given station as its identity (none for the zero station).
func openClientStore(b *testing.B, hubDB *DB, self app.Station) *store.DB {
	db, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	list, err := hubDB.Stations()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ops := make([]app.Operation, len(list))
	for i := range list {
		payload, _ := encodeStation(&list[i])
		ops[i] = app.Operation{ID: app.NewID(), Seq: uint64(i + 1), At: time.Now(), Kind: app.OpStationCreate, Entity: list[i].ID, Payload: payload}
	}
	if _, err := db.ApplyIncoming(ctx, "", 0, ops); err != nil {
		b.Fatal(err)
	}
	if self.ID != app.NilID {
		if err := store.NewIdentity(db).SetIdentity(ctx, self.ID); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func runEngine(b *testing.B, db *store.DB, addr, token string, done func(syncer.State) bool) (stop func()) {
	reached := make(chan struct{})
	var once sync.Once
	eng := syncer.New(syncer.Config{
		Store: db, Transport: &wsdial.Dialer{Addr: "ws://" + addr}, Token: token,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnState: func(s syncer.State) {
			if done(s) {
				once.Do(func() { close(reached) })
			}
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() { defer close(finished); eng.Run(ctx) }()
	select {
	case <-reached:
	case <-time.After(2 * time.Minute):
		b.Fatal("the engine did not finish")
	}
	return func() { cancel(); <-finished }
}
