package hub

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app/wire"
)

// BenchmarkHonestLoginDuringFlood measures an honest password login from
// 127.0.0.1 while an attacker at 127.0.0.2 keeps 64 wrong-password logins
// for another account in flight, without pause, for the whole run. The
// attacker is its own process (testdata/flood), as it would be on its own
// machine, and the hub serves through its listener's limits as Run does.
// It reports the honest login's p50 and p99 (the target is p99
// under 500 ms) and how many guesses the hub answered a second.
// Run: go test ./hub -run '^$' -bench HonestLogin -benchtime 100x
func BenchmarkHonestLoginDuringFlood(b *testing.B) {
	benchLogin(b, 64)
}

// BenchmarkHonestLoginQuiet is the same login with no flood: the
// baseline to read the flood's cost against.
func BenchmarkHonestLoginQuiet(b *testing.B) {
	benchLogin(b, 0)
}

func benchLogin(b *testing.B, floodConns int) {
	stations := benchTree(12)
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.ImportStations(stations); err != nil {
		b.Fatal(err)
	}
	const pw = "correct horse battery"
	if err := db.AddUser("honest", stations[1].Code, pw); err != nil {
		b.Fatal(err)
	}
	if err := db.AddUser("victim", stations[2].Code, pw); err != nil {
		b.Fatal(err)
	}
	srv, err := NewServer(db, Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	// Served as Run serves, through the listener's limits.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(srv.Limit(ln))
	defer hs.Close()
	addr := ln.Addr().String()

	var flood *exec.Cmd
	var floodOut *bufio.Reader
	if floodConns > 0 {
		bin := filepath.Join(b.TempDir(), "flood")
		if out, err := exec.Command("go", "build", "-o", bin, "./testdata/flood").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
		flood = exec.Command(bin, "-url", "ws://"+addr+"/sync", "-src", "127.0.0.2", "-conns", strconv.Itoa(floodConns), "-user", "victim")
		flood.Stderr = os.Stderr
		stdout, err := flood.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := flood.Start(); err != nil {
			b.Fatal(err)
		}
		defer flood.Process.Kill()
		floodOut = bufio.NewReader(stdout)
		if line, err := floodOut.ReadString('\n'); err != nil || line != "flooding\n" {
			b.Fatalf("the flood did not start: %q %v", line, err)
		}
		time.Sleep(500 * time.Millisecond) // under way
	}

	d := websocket.Dialer{NetDial: func(network, a string) (net.Conn, error) {
		nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}
		return nd.Dial(network, a)
	}}
	login := func() (wire.Envelope, error) {
		ws, _, err := d.Dial("ws://"+addr+"/sync", nil)
		if err != nil {
			return wire.Envelope{}, err
		}
		defer ws.Close()
		frame, _ := wire.Encode(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: "honest", Password: pw}})
		if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
			return wire.Envelope{}, err
		}
		_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			return wire.Envelope{}, err
		}
		return wire.DecodeEnvelope(data)
	}

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	t0 := time.Now()
	for range b.N {
		start := time.Now()
		env, err := login()
		if err != nil {
			b.Fatal(err)
		}
		if env.Type != wire.TypeWelcome {
			b.Fatalf("the honest login was answered %s %+v", env.Type, wire.DecodeError(env))
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	elapsed := time.Since(t0)
	if flood != nil {
		_ = flood.Process.Signal(syscall.SIGTERM)
		line, _ := floodOut.ReadString('\n')
		_ = flood.Wait()
		n, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			b.Fatalf("the flood's count: %q", line)
		}
		// Counted from the flood's start, a little before the timer's.
		b.ReportMetric(float64(n)/(elapsed.Seconds()+0.5), "guesses/s")
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
