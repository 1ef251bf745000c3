package hub

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/villagereport"
	"dutyroom/app/wire"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkFloodNight is a flood night: 2,000 village officers each send a
// report with one 300 KB photo (two parts) within five minutes, starting
// evenly over the run, to a real hub over TLS on loopback, while every
// township above them (100, 20 villages each) is connected and pulling.
// It asserts the hub stores every report, and reports the time from a
// report's last part leaving the phone to the create's arrival on its
// township's connection (p50, p99, max). The phones, the hub and the
// townships share the process and the machine's cores.
// Run: go test ./hub -run '^$' -bench FloodNight -benchtime 1x
// (DUTYROOM_FLOOD_OFFICERS and DUTYROOM_FLOOD_SECONDS change the 2,000 and
// the 300.)
func BenchmarkFloodNight(b *testing.B) {
	officers := envInt("DUTYROOM_FLOOD_OFFICERS", 2000)
	seconds := envInt("DUTYROOM_FLOOD_SECONDS", 300)
	for range b.N {
		floodNight(b, officers, time.Duration(seconds)*time.Second)
	}
}

func floodNight(b *testing.B, officers int, over time.Duration) {
	dir := b.TempDir()
	db, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	p := app.Station{ID: app.NewID(), Code: "P0", Name: "州", Tier: app.TierPrefecture}
	list := []app.Station{p}
	var counties, townships []app.Station
	for i := range 10 {
		c := app.Station{ID: app.NewID(), Code: fmt.Sprintf("C%d", i), Name: fmt.Sprintf("县%d", i), Tier: app.TierCounty, Parent: p.ID}
		counties = append(counties, c)
	}
	for i := range 100 {
		townships = append(townships, app.Station{ID: app.NewID(), Code: fmt.Sprintf("T%d", i), Name: fmt.Sprintf("镇%d", i), Tier: app.TierTownship, Parent: counties[i%10].ID})
	}
	villages := make([]app.Station, officers)
	for i := range villages {
		villages[i] = app.Station{ID: app.NewID(), Code: fmt.Sprintf("V%d", i), Name: fmt.Sprintf("村%d", i), Tier: app.TierVillage, Parent: townships[i%100].ID}
	}
	list = append(append(append(list, counties...), townships...), villages...)
	if err := db.ImportStations(list); err != nil {
		b.Fatal(err)
	}
	tokens := benchSessions(b, db, townships)
	// Officers' accounts and page sessions without argon2, as for the
	// stations' sessions: 2,000 hashes would measure argon2.
	cookies := make([]string, officers)
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		sessions, err := officerBucketRW(tx, bucketOfficerSessions)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for i, v := range villages {
			a := Account{Name: "o" + v.Code, Station: v.ID, Hash: "-", Person: app.NewID(), PersonName: "信息员" + strconv.Itoa(i), CreatedAt: now, ChangedAt: now}
			if err := putAccount(tx, &a); err != nil {
				return err
			}
			token, _ := newSecret()
			buf, _ := json.Marshal(officerSession{Login: a.Name, Person: a.Person, Village: v.ID, Created: now, Expires: now.Add(time.Hour), Seen: now})
			if err := sessions.Put(tokenKey(token), buf); err != nil {
				return err
			}
			cookies[i] = token
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := NewServer(db, Config{Logger: slog.New(slog.NewTextHandler(discardWriter{}, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cert, _, err := LoadOrCreateCertificate(dir, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}))
	defer hs.Close()
	addr := ln.Addr().String()

	// The townships: each its own connection, pulling from the head.
	var mu sync.Mutex
	arrived := make(map[app.ID]time.Time, officers)
	all := make(chan struct{})
	dialer := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool}}
	var conns []*websocket.Conn
	for _, t := range townships {
		ws, _, err := dialer.Dial("wss://"+addr+"/sync", nil)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, ws)
		frame, _ := wire.Encode(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Token: tokens[t.ID]})
		_ = ws.WriteMessage(websocket.TextMessage, frame)
		_, data, err := ws.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		env, _ := wire.DecodeEnvelope(data)
		welcome, err := wire.DecodeWelcome(env)
		if err != nil {
			b.Fatalf("township hello: %s", data)
		}
		frame, _ = wire.Encode(wire.TypePull, "p", wire.Pull{Cursor: wire.Cursor{Epoch: welcome.Epoch, Position: welcome.Head}})
		_ = ws.WriteMessage(websocket.TextMessage, frame)
		go func() {
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					return
				}
				at := time.Now()
				if !bytes.Contains(data, []byte(villagereport.OpCreate)) {
					continue
				}
				env, err := wire.DecodeEnvelope(data)
				if err != nil || env.Type != wire.TypeOps {
					continue
				}
				var ops wire.Ops
				if json.Unmarshal(env.Data, &ops) != nil {
					continue
				}
				mu.Lock()
				for _, d := range ops.Ops {
					if d.Op.Kind == villagereport.OpCreate {
						if _, ok := arrived[d.Op.Entity]; !ok {
							arrived[d.Op.Entity] = at
							if len(arrived) == officers {
								close(all)
							}
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	defer func() {
		for _, ws := range conns {
			ws.Close()
		}
	}()

	// The phones: each its own TLS connection, started evenly over the run.
	lastPart := make([]time.Time, officers)
	ids := make([]app.ID, officers)
	var failures sync.Map
	var wg sync.WaitGroup
	start := time.Now()
	b.ResetTimer()
	for i := range officers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(start.Add(over * time.Duration(i) / time.Duration(officers))))
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
			id := app.NewID()
			ids[i] = id
			photo := make([]byte, 300_000)
			_, _ = rand.Read(photo)
			copy(photo, "\xff\xd8\xff\xe0\x00\x10JFIF\x00")
			sum := sha256.Sum256(photo)
			sha := hex.EncodeToString(sum[:])
			now := time.Now().UTC()
			body, _ := json.Marshal(map[string]any{"id": id, "category": "flood", "place": "河边", "occurred_at": now.Add(-time.Hour),
				"written_at": now, "counts": map[string]int{"trapped": 2}, "photos": []map[string]any{{"name": "a.jpg", "size": len(photo), "sha256": sha, "mime": "image/jpeg", "taken_at": now}}})
			send := func(method, path string, data []byte, partSHA string) bool {
				req, _ := http.NewRequest(method, "https://"+addr+path, bytes.NewReader(data))
				req.Header.Set("Cookie", officerCookie+"="+cookies[i])
				if partSHA != "" {
					req.Header.Set("X-Part-SHA256", partSHA)
				}
				resp, err := c.Do(req)
				if err != nil {
					failures.Store(i, err.Error())
					return false
				}
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failures.Store(i, fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, buf.String()))
					return false
				}
				return true
			}
			if !send("PUT", "/report/api/reports/"+id.String(), body, "") {
				return
			}
			for off := 0; off < len(photo); off += MaxOfficerPart {
				part := photo[off:min(off+MaxOfficerPart, len(photo))]
				ps := sha256.Sum256(part)
				if off+len(part) == len(photo) {
					lastPart[i] = time.Now()
				}
				if !send("PUT", fmt.Sprintf("/report/api/reports/%s/photos/%s?offset=%d", id, sha, off), part, hex.EncodeToString(ps[:])) {
					return
				}
			}
		}()
	}
	wg.Wait()
	failures.Range(func(k, v any) bool {
		b.Fatalf("officer %v: %v", k, v)
		return false
	})
	select {
	case <-all:
	case <-time.After(2 * time.Minute):
		mu.Lock()
		n := len(arrived)
		mu.Unlock()
		b.Fatalf("%d of %d reports reached their townships", n, officers)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	lat := make([]time.Duration, 0, officers)
	mu.Lock()
	for i, id := range ids {
		lat = append(lat, arrived[id].Sub(lastPart[i]))
	}
	mu.Unlock()
	var stored int
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		for _, id := range ids {
			opID := villagereport.OpID(id)
			if bucket(tx, bucketOpIDs).Get(opID[:]) != nil {
				stored++
			}
		}
		return nil
	})
	if stored != officers {
		b.Fatalf("the hub stored %d of %d reports", stored, officers)
	}
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(stored), "stored")
	b.ReportMetric(elapsed.Seconds(), "run-s")
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
