// Command dutybench loads a hub the way a prefecture does and prints the
// figures the README quotes. The hub runs in a child process, so its CPU
// time is its own; the stations are websocket clients in this process.
//
//	dutybench [-stations 2000] [-rounds 50] [-rate 2000] [-seconds 5]
//
// It measures, in one run:
//   - a warning broadcast from the prefecture to every station: delivery
//     p50/p99 and hub CPU-seconds per 10,000 deliveries, beside the same
//     frames through a bare gorilla/websocket fan-out (no auth, no storage,
//     no routing) in its own child process, as the floor;
//   - direct messages between random stations at -rate per second: p99;
//   - every station reconnecting at once over wss, checking the pin.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child-hub" {
		os.Exit(childHub(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "child-bare" {
		os.Exit(childBare(os.Args[2]))
	}
	stations := flag.Int("stations", 2000, "stations connected to the hub")
	rounds := flag.Int("rounds", 50, "broadcasts to measure")
	rate := flag.Int("rate", 2000, "direct messages per second")
	seconds := flag.Int("seconds", 5, "how long to send direct messages")
	flag.Parse()
	if err := run(*stations, *rounds, *rate, *seconds); err != nil {
		fmt.Fprintln(os.Stderr, "dutybench:", err)
		os.Exit(1)
	}
}

// childHub serves a hub: child-hub DIR ADDR plain|tls.
func childHub(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// DUTYBENCH_CPUPROFILE=FILE writes each hub child's CPU profile to
	// FILE.PID, to see where it spends beyond the bare fan-out.
	if path := os.Getenv("DUTYBENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d", path, os.Getpid()))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	err := hub.Run(ctx, hub.RunConfig{
		Dir: args[0], Listen: args[1], PlainLoopback: args[2] == "plain",
		// Every simulated station dials from this machine's one address,
		// up to 256 at once (connectAll): the caps per address would
		// refuse most of them.
		Server: hub.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SendQueue: 1024,
			MaxPreLoginPerAddr: 256, NewConnsPerAddr: 100_000, NewConnsBurst: 100_000},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// childBare serves the floor: gorilla's chat example cut down to a
// broadcast. The publisher connects with ?publisher=1.
func childBare(addr string) int {
	var mu sync.Mutex
	conns := make(map[chan []byte]struct{})
	var up websocket.Upgrader
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		if r.URL.Query().Get("publisher") != "" {
			for {
				_, msg, err := ws.ReadMessage()
				if err != nil {
					return
				}
				mu.Lock()
				for send := range conns {
					select {
					case send <- msg:
					default:
					}
				}
				mu.Unlock()
			}
		}
		send := make(chan []byte, 256)
		mu.Lock()
		conns[send] = struct{}{}
		mu.Unlock()
		go func() {
			for msg := range send {
				if ws.WriteMessage(websocket.TextMessage, msg) != nil {
					return
				}
			}
		}()
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				mu.Lock()
				delete(conns, send)
				mu.Unlock()
				return
			}
		}
	})
	if err := http.ListenAndServe(addr, h); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

type child struct {
	cmd *exec.Cmd
}

func startChild(addr string, args ...string) (*child, error) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return &child{cmd: cmd}, nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("the child %v did not listen on %s", args, addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cpu returns the child's user+system CPU time from /proc.
func (c *child) cpu() time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	c.cmd.Wait()
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// prefecture makes the tree: the prefecture, 10 counties, townships.
func prefecture(n int) []app.Station {
	p := app.Station{ID: app.NewID(), Code: "P0", Name: "州", Tier: app.TierPrefecture}
	list := []app.Station{p}
	for i := range 10 {
		list = append(list, app.Station{ID: app.NewID(), Code: fmt.Sprintf("C%d", i), Name: fmt.Sprintf("县%d", i), Tier: app.TierCounty, Parent: p.ID})
	}
	for i := 0; len(list) < n; i++ {
		list = append(list, app.Station{ID: app.NewID(), Code: fmt.Sprintf("T%d", i), Name: fmt.Sprintf("镇%d", i), Tier: app.TierTownship, Parent: list[1+i%10].ID})
	}
	return list
}

// station is one simulated duty room.
type station struct {
	st    app.Station
	token string
	mu    sync.Mutex // serialises writes
	ws    *websocket.Conn
	seq   uint64
}

func (s *station) push(op app.Operation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	op.Seq = s.seq
	frame, err := wire.Encode(wire.TypePush, "", wire.Push{Ops: []app.Operation{op}})
	if err != nil {
		return err
	}
	return s.ws.WriteMessage(websocket.TextMessage, frame)
}

// recorder collects delivery latencies from the "sent" field of payloads.
type recorder struct {
	mu  sync.Mutex
	lat []time.Duration
	n   atomic.Int64
}

func (r *recorder) take() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lat
	r.lat = nil
	return out
}

type sentPayload struct {
	Sent int64 `json:"sent"`
}

// connect logs a station in with its token and reads until caught up;
// then a goroutine reads on, recording deliveries.
func connect(dialer *websocket.Dialer, url string, s *station, rec *recorder) error {
	ws, _, err := dialer.Dial(url, nil)
	if err != nil {
		return err
	}
	hello, _ := wire.Encode(wire.TypeHello, "", wire.Hello{Version: wire.Version, Client: "dutybench", Token: s.token})
	if err := ws.WriteMessage(websocket.TextMessage, hello); err != nil {
		return err
	}
	_, raw, err := ws.ReadMessage()
	if err != nil {
		return err
	}
	env, err := wire.DecodeEnvelope(raw)
	if err != nil {
		return err
	}
	w, err := wire.DecodeWelcome(env)
	if err != nil {
		return fmt.Errorf("%s: %s", s.st.Code, raw)
	}
	s.seq = w.LastSeq
	pull, _ := wire.Encode(wire.TypePull, "", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch, Position: w.Head}})
	if err := ws.WriteMessage(websocket.TextMessage, pull); err != nil {
		return err
	}
	for {
		_, raw, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		if env, _ := wire.DecodeEnvelope(raw); env.Type == wire.TypeCaughtUp {
			break
		}
	}
	s.ws = ws
	go func() {
		for {
			_, raw, err := ws.ReadMessage()
			if err != nil {
				return
			}
			now := time.Now()
			env, err := wire.DecodeEnvelope(raw)
			if err != nil || env.Type != wire.TypeOps {
				continue
			}
			ops, err := wire.DecodeOps(env)
			if err != nil {
				continue
			}
			rec.mu.Lock()
			for _, d := range ops.Ops {
				var p sentPayload
				if json.Unmarshal(d.Op.Payload, &p) == nil && p.Sent > 0 {
					rec.lat = append(rec.lat, now.Sub(time.Unix(0, p.Sent)))
				}
			}
			rec.mu.Unlock()
			rec.n.Add(int64(len(ops.Ops)))
		}
	}()
	return nil
}

func connectAll(dialer *websocket.Dialer, url string, stations []*station, rec *recorder) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(stations))
	sem := make(chan struct{}, 256)
	for _, s := range stations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := connect(dialer, url, s, rec); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func closeAll(stations []*station) {
	for _, s := range stations {
		if s.ws != nil {
			s.ws.Close()
			s.ws = nil
		}
	}
}

func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[int(0.99*float64(len(lat)-1))]
}

func waitCount(rec *recorder, want int64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for rec.n.Load() < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d deliveries arrived", rec.n.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

func run(n, rounds, rate, seconds int) error {
	dir, err := os.MkdirTemp("", "dutybench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tree := prefecture(n)
	stations, err := setUp(dir, tree)
	if err != nil {
		return err
	}
	fmt.Printf("dutybench: %d stations, %d broadcast rounds, %d direct messages/s for %d s\n", n, rounds, rate, seconds)

	// Broadcast through the hub, plain ws like the floor.
	addr := freeAddr()
	h, err := startChild(addr, "child-hub", dir, addr, "plain")
	if err != nil {
		return err
	}
	rec := &recorder{}
	plain := &websocket.Dialer{HandshakeTimeout: 30 * time.Second}
	t0 := time.Now()
	if err := connectAll(plain, "ws://"+addr+"/sync", stations, rec); err != nil {
		h.stop()
		return err
	}
	fmt.Printf("connect %d stations (ws, token): %.2f s\n", n, time.Since(t0).Seconds())
	pref := stations[0]
	want := int64(0)
	cpu0 := h.cpu()
	for range rounds {
		want += int64(n - 1)
		if err := pref.push(warning(pref.st.ID)); err != nil {
			return err
		}
		if err := waitCount(rec, want, 30*time.Second); err != nil {
			h.stop()
			return fmt.Errorf("broadcast: %w", err)
		}
	}
	hubCPU := h.cpu() - cpu0
	p50, p99 := percentiles(rec.take())
	deliveries := float64(rounds * (n - 1))
	fmt.Printf("broadcast via hub:  p50 %6.1f ms  p99 %6.1f ms  hub CPU %.3f s per 10,000 deliveries\n",
		ms(p50), ms(p99), hubCPU.Seconds()/deliveries*10_000)

	// Direct messages at a steady rate between random stations.
	rec.n.Store(0)
	sent := 0
	tick := time.NewTicker(time.Millisecond)
	start := time.Now()
	end := start.Add(time.Duration(seconds) * time.Second)
	for time.Now().Before(end) {
		<-tick.C
		// Send what the rate owes by now: ticks that come late are made up.
		owed := int(time.Since(start).Seconds()*float64(rate)) - sent
		for range owed {
			from := stations[1+rand.IntN(n-1)]
			to := stations[1+rand.IntN(n-1)]
			if to == from {
				to = stations[0]
			}
			if err := from.push(direct(from.st.ID, to.st.ID)); err != nil {
				return err
			}
			sent++
		}
	}
	tick.Stop()
	if err := waitCount(rec, int64(sent), 30*time.Second); err != nil {
		return fmt.Errorf("direct: %w", err)
	}
	p50, p99 = percentiles(rec.take())
	fmt.Printf("direct messages:    p50 %6.1f ms  p99 %6.1f ms  (%d messages, %.0f/s)\n", ms(p50), ms(p99), sent, float64(sent)/float64(seconds))
	closeAll(stations)
	h.stop()

	// The floor: the same broadcast frames through a bare fan-out.
	bareAddr := freeAddr()
	bare, err := startChild(bareAddr, "child-bare", bareAddr)
	if err != nil {
		return err
	}
	defer bare.stop()
	bareRec := &recorder{}
	conns := make([]*websocket.Conn, 0, n-1)
	for range n - 1 {
		ws, _, err := plain.Dial("ws://"+bareAddr+"/", nil)
		if err != nil {
			return err
		}
		conns = append(conns, ws)
		go func() {
			for {
				_, raw, err := ws.ReadMessage()
				if err != nil {
					return
				}
				now := time.Now()
				env, _ := wire.DecodeEnvelope(raw)
				push, err := wire.DecodePush(env)
				if err != nil {
					continue
				}
				var p sentPayload
				json.Unmarshal(push.Ops[0].Payload, &p)
				bareRec.mu.Lock()
				bareRec.lat = append(bareRec.lat, now.Sub(time.Unix(0, p.Sent)))
				bareRec.mu.Unlock()
				bareRec.n.Add(1)
			}
		}()
	}
	defer func() {
		for _, ws := range conns {
			ws.Close()
		}
	}()
	pub, _, err := plain.Dial("ws://"+bareAddr+"/?publisher=1", nil)
	if err != nil {
		return err
	}
	defer pub.Close()
	time.Sleep(200 * time.Millisecond) // let the server register everyone
	want = 0
	cpu0 = bare.cpu()
	for i := range rounds {
		want += int64(n - 1)
		op := warning(pref.st.ID)
		op.Seq = uint64(i + 1)
		frame, _ := wire.Encode(wire.TypePush, "", wire.Push{Ops: []app.Operation{op}})
		if err := pub.WriteMessage(websocket.TextMessage, frame); err != nil {
			return err
		}
		if err := waitCount(bareRec, want, 30*time.Second); err != nil {
			return fmt.Errorf("bare broadcast: %w", err)
		}
	}
	bareCPU := bare.cpu() - cpu0
	p50, p99 = percentiles(bareRec.take())
	fmt.Printf("broadcast, bare:    p50 %6.1f ms  p99 %6.1f ms  CPU %.3f s per 10,000 deliveries\n",
		ms(p50), ms(p99), bareCPU.Seconds()/deliveries*10_000)
	if bareCPU > 0 {
		fmt.Printf("hub CPU / bare CPU: %.2f\n", hubCPU.Seconds()/bareCPU.Seconds())
	}

	// Everyone reconnects at once over wss, checking the pin.
	addr = freeAddr()
	h, err = startChild(addr, "child-hub", dir, addr, "tls")
	if err != nil {
		return err
	}
	defer h.stop()
	pin, err := hub.CertificatePin(dir)
	if err != nil {
		return err
	}
	secure := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, TLSClientConfig: &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, // the pin is checked instead
		VerifyConnection: func(cs tls.ConnectionState) error {
			if wire.Pin(cs.PeerCertificates[0].Raw) != pin {
				return errors.New("pin mismatch")
			}
			return nil
		},
	}}
	t0 = time.Now()
	if err := connectAll(secure, "wss://"+addr+"/sync", stations, &recorder{}); err != nil {
		return err
	}
	fmt.Printf("reconnect %d stations over wss with the pin: %.2f s\n", n, time.Since(t0).Seconds())
	closeAll(stations)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func payloadNow(extra string) []byte {
	return []byte(`{"sent":` + strconv.FormatInt(time.Now().UnixNano(), 10) + extra + `}`)
}

func warning(from app.ID) app.Operation {
	return app.Operation{ID: app.NewID(), Origin: from, Author: "州值班员", At: time.Now().UTC(), Kind: "warning.issue",
		Entity: app.NewID(), Scope: app.ScopeDown,
		Payload: payloadNow(`,"grade":"orange","type":"暴雨","area":"全州","text":"预计未来6小时内有大暴雨，请各地做好防范"`)}
}

func direct(from, to app.ID) app.Operation {
	return app.Operation{ID: app.NewID(), Origin: from, Author: "值班员", At: time.Now().UTC(), Kind: "message.send",
		Entity: app.NewID(), To: []app.ID{to}, Scope: app.ScopeNone, Payload: payloadNow(`,"text":"收到请回复"`)}
}

// setUp writes the hub's database: the tree, one account per station
// sharing one password hash, and a session each.
func setUp(dir string, tree []app.Station) ([]*station, error) {
	db, err := hub.Open(dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.ImportStations(tree); err != nil {
		return nil, err
	}
	hash, err := hub.HashPassword("load test password")
	if err != nil {
		return nil, err
	}
	list := make([]*station, len(tree))
	for i, st := range tree {
		name := "bench-" + st.Code
		if err := db.AddUserHash(name, st.ID.String(), hash); err != nil {
			return nil, err
		}
		token, _, err := db.IssueSession(name, 24*time.Hour)
		if err != nil {
			return nil, err
		}
		list[i] = &station{st: st, token: token}
	}
	return list, nil
}
