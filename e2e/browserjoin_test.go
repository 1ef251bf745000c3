package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sfu"
	"dutyroom/rtc"
	"dutyroom/rtc/rtcconf"
	"dutyroom/rtc/testsrc"
	"dutyroom/store/storetest"
	"dutyroom/wsdial"
)

// A leader joins a consultation from a browser: a real hub with its SFU, a
// duty room's media engine sending the test pattern, and headless Chromium
// with a fake camera opening the hub's page through a one-time link the
// duty room asked its hub for. The
// duty room decodes the browser's picture; the page reports the duty
// room's picture decoded, with the pattern's bar colours. The duty room
// hosts the consultation and records it: the page shows 录制中 while it
// does, and the hub writes the browser's picture and sound to files.
func TestBrowserJoinsThroughTheHubPage(t *testing.T) {
	chromium := findChromium(t)
	start := time.Now()

	// The hub: a prefecture and a county; the duty room logs in for the
	// prefecture, the leader's account belongs to the county. The room
	// invites the prefecture's station and the leader by name.
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	pref := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	county := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: pref.ID}
	if err := db.ImportStations([]app.Station{pref, county}); err != nil {
		t.Fatal(err)
	}
	for _, u := range [][2]string{{"xiangxi", pref.Code}, {"leader", county.Code}} {
		if err := db.AddUser(u[0], u[1], "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	hubLog := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(hubLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	recordings := t.TempDir()
	router, err := sfu.New(sfu.Config{Logger: logger, Network: rtcconf.Network{Loopback: true}, Recordings: recordings})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hub.NewServer(db, hub.Config{Logger: logger, Signalling: router})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	addr := ln.Addr().String()
	t.Cleanup(func() {
		router.Shutdown()
		hs.Close()
		srv.Close()
		db.Close()
		if t.Failed() {
			t.Logf("hub log:\n%s", hubLog.String())
		}
	})
	room := app.NewID()
	if err := router.Open(room, sfu.Invitation{Title: "browser join", Stations: []app.ID{pref.ID}, Users: []string{"leader"}, Host: pref.ID}); err != nil {
		t.Fatal(err)
	}

	// The duty room, publishing pattern 3.
	const pattern = 3
	duty := startDutyRoom(t, srv, "ws://"+addr, "xiangxi", pattern)
	joinCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := duty.media.Join(joinCtx, room); err != nil {
		t.Fatalf("the duty room joining: %v", err)
	}

	// The duty room asks its hub for the leader's link on its sync socket.
	linkAt := time.Now()
	frame, err := wire.Encode(hub.TypeRoomLink, "rtc.link.1", hub.RoomLink{Room: room, User: "leader", TTL: 300})
	if err != nil {
		t.Fatal(err)
	}
	if err := duty.sync.Signal(frame); err != nil {
		t.Fatalf("asking for a join link: %v", err)
	}
	var linked hub.RoomLinked
	select {
	case env := <-duty.links:
		if env.Type != hub.TypeRoomLinked || json.Unmarshal(env.Data, &linked) != nil {
			t.Fatalf("asking for a join link: %s %s", env.Type, env.Data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the hub did not answer room.link")
	}
	code := linked.Code
	t.Logf("timing: join link issued in %s", time.Since(linkAt).Round(time.Millisecond))
	link := "http://" + addr + linked.Path
	browserAt := time.Now()
	b := launchChromium(t, chromium, link)
	t.Logf("timing: chromium up with the debugging socket in %s", b.ready.Sub(browserAt).Round(time.Millisecond))

	// The browser receives the duty room's picture with its colours.
	var stats pageStats
	var remote *remoteStats
	deadline := time.Now().Add(45 * time.Second)
	for {
		stats = b.stats(t)
		remote = nil
		for i := range stats.Remote {
			if stats.Remote[i].FramesDecoded > 10 && len(stats.Remote[i].Bands) == 8 {
				remote = &stats.Remote[i]
			}
		}
		if remote != nil {
			if err := checkBands(remote.Bands, pattern); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("the browser shows the duty room's picture with the wrong colours: %v\npage: %+v\nchromium:\n%s", err, stats, b.log.String())
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the browser decoded no picture of the duty room within 45 s\npage: %+v\nchromium:\n%s", stats, b.log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	browserSees := time.Since(browserAt)
	// The host starts recording: the page shows 录制中.
	if err := duty.media.SetRecording(joinCtx, true); err != nil {
		t.Fatalf("the host starting the recording: %v", err)
	}
	for !b.stats(t).Recording {
		if time.Now().After(deadline) {
			t.Fatal("the page does not show that the consultation is recorded")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(stats.Errors) > 0 {
		t.Errorf("the page shows errors: %q", stats.Errors)
	}
	if !strings.Contains(remote.Label, pref.Name) {
		t.Errorf("the duty room's tile is labelled %q, want the station's name %s", remote.Label, pref.Name)
	}
	if remote.Width != 640 || remote.Height != 480 {
		t.Errorf("the browser shows the duty room at %d×%d, want 640×480", remote.Width, remote.Height)
	}
	t.Logf("browser: %d frames of %s decoded, %d×%d, bands %v", remote.FramesDecoded, remote.Label, remote.Width, remote.Height, remote.Bands)
	shot := filepath.Join(shotDir(t), "browser-join.png")
	if err := os.WriteFile(shot, b.screenshot(t), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the join page: %s", shot)

	// The duty room decodes the browser's fake camera.
	var got browserVideo
	for {
		got = duty.fromStation(county.ID)
		if got.frames >= 30 && got.distinct >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the duty room decoded %d pictures (%d distinct) of the browser within 45 s, want 30\nchromium:\n%s", got.frames, got.distinct, b.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got.size != image.Pt(640, 480) {
		t.Errorf("the browser's picture is %v, want 640×480", got.size)
	}
	if got.user != "leader" {
		t.Errorf("the browser joined as %q, want the link's account leader", got.user)
	}
	t.Logf("duty room: %d pictures of the browser decoded (%d distinct), %v", got.frames, got.distinct, got.size)

	// The link was spent: opening it again is refused.
	if env := dialJoin(t, addr, map[string]string{"version": wire.Version, "code": code}); env.Type != wire.TypeError || !strings.Contains(string(env.Data), wire.CodeUnauthorized) {
		t.Errorf("a second use of the link: got %s %s, want an unauthorized error", env.Type, env.Data)
	}

	// A reload finds no code in the address bar (the page removed it) and
	// joins again with the session the code bought.
	before := router.Room(room)
	reloadAt := time.Now()
	b.call(t, "Page.reload", map[string]any{})
	for {
		stats = b.stats(t)
		ok := false
		for _, r := range stats.Remote {
			if r.FramesDecoded > 10 && len(r.Bands) == 8 && checkBands(r.Bands, pattern) == nil {
				ok = true
			}
		}
		if ok {
			break
		}
		if time.Since(reloadAt) > 30*time.Second {
			t.Fatalf("after a reload the page shows no picture of the duty room\npage: %+v\nchromium:\n%s", stats, b.log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	after := router.Room(room)
	if len(after) != 2 || len(before) != 2 || after[1].ID == before[1].ID || after[1].User != "leader" {
		t.Errorf("the room before the reload %+v, after %+v: want the leader back as a new participant", before, after)
	}
	var url string
	b.eval(t, "location.href", &url)
	if strings.Contains(url, "code") {
		t.Errorf("the address bar still holds the code: %s", url)
	}

	// The host stops recording: 录制中 goes, and the browser's picture and
	// sound were written, from before and after the reload.
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer stopCancel()
	if err := duty.media.SetRecording(stopCtx, false); err != nil {
		t.Fatalf("the host stopping the recording: %v", err)
	}
	for b.stats(t).Recording {
		if time.Since(reloadAt) > 45*time.Second {
			t.Fatal("the page still shows 录制中 after the host stopped recording")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, name := range []string{"leader-video-1.ivf", "leader-audio-1.ogg", "leader-video-2.ivf", "xiangxi-video-1.ivf"} {
		st, err := os.Stat(filepath.Join(recordings, room.String(), name))
		if err != nil || st.Size() < 1000 {
			t.Errorf("recorded file %s: %v", name, err)
		}
	}

	t.Logf("timing: browser started to duty room's picture shown %s; join to first remote frame in the page %d ms; duty room online to the browser's first picture %s; reload to picture again %s; whole test %s",
		browserSees.Round(time.Millisecond), stats.JoinMs, got.first.Sub(duty.joined).Round(time.Millisecond), time.Since(reloadAt).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// findChromium finds the browser, or fails saying how to install it. Only
// outside CI, where nothing installed it, is its absence a skip.
func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "" {
		t.Skip("chromium is not installed and CI is not set: the browser join test needs it (`make test` installs it, or apt-get install chromium)")
	}
	t.Fatal("chromium is not installed: the browser join test needs it; `make test` installs it (apt-get install chromium)")
	return ""
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// dutyRoom is a client's sync engine and media engine on one socket.
type dutyRoom struct {
	sync   *syncer.Engine
	media  *rtc.Engine
	links  chan wire.Envelope // answers to room.link
	joined time.Time

	mu     sync.Mutex
	seen   map[app.ID]*browserVideo
	hashes map[app.ID]map[[32]byte]bool
}

type browserVideo struct {
	frames, distinct int
	first            time.Time
	size             image.Point
	user             string
}

func startDutyRoom(t *testing.T, srv *hub.Server, addr, user string, pattern uint8) *dutyRoom {
	t.Helper()
	token, _, err := srv.IssueSession(user)
	if err != nil {
		t.Fatal(err)
	}
	d := &dutyRoom{seen: map[app.ID]*browserVideo{}, hashes: map[app.ID]map[[32]byte]bool{}, links: make(chan wire.Envelope, 1)}
	var media *rtc.Engine
	var ready sync.WaitGroup
	ready.Add(1)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	engine := syncer.New(syncer.Config{
		Store: storetest.Open(t), Transport: &wsdial.Dialer{Addr: addr}, Token: token, Client: "test " + user,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 50 * time.Millisecond,
		Logger: quiet,
		OnSignal: func(env wire.Envelope) {
			if strings.HasPrefix(env.ID, "rtc.link.") {
				d.links <- env
				return
			}
			ready.Wait()
			media.HandleSignal(env)
		},
	})
	media, err = rtc.New(rtc.Config{
		Signal:  engine,
		Network: rtcconf.Network{Loopback: true},
		Video:   rtc.TestPattern{ID: pattern, Width: 640, Height: 480},
		Audio:   testsrc.ToneFor(pattern, 48000, 1),
		OnVideo: d.onVideo,
		Logger:  quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.media, d.sync = media, engine
	ready.Done()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		engine.Run(ctx)
	}()
	t.Cleanup(func() {
		media.Close()
		cancel()
		<-done
	})
	for end := time.Now().Add(10 * time.Second); !engine.State().Online; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the duty room did not come online")
		}
	}
	d.joined = time.Now()
	return d
}

func (d *dutyRoom) onVideo(f rtc.VideoFrame) {
	sum := sha256.Sum256(f.Image.Y)
	user := ""
	for _, p := range d.media.Participants() {
		if p.ID == f.Participant {
			user = p.User
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	v := d.seen[f.Station]
	if v == nil {
		v = &browserVideo{first: f.Decoded}
		d.seen[f.Station] = v
		d.hashes[f.Station] = map[[32]byte]bool{}
	}
	v.frames++
	v.size = f.Image.Rect.Size()
	if user != "" {
		v.user = user
	}
	if !d.hashes[f.Station][sum] {
		d.hashes[f.Station][sum] = true
		v.distinct++
	}
}

func (d *dutyRoom) fromStation(st app.ID) browserVideo {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v := d.seen[st]; v != nil {
		return *v
	}
	return browserVideo{}
}

// checkBands compares the page's mean colours of the eight bands with the
// pattern's bars, converted from BT.601 studio range to RGB as a browser
// shows them.
func checkBands(bands [][3]float64, pattern uint8) error {
	const tolerance = 40
	for i, got := range bands {
		bar := testsrc.Bars[(int(pattern)+i)%8]
		want := studioRGB(bar.Y, bar.Cb, bar.Cr)
		for c := 0; c < 3; c++ {
			if math.Abs(got[c]-want[c]) > tolerance {
				return fmt.Errorf("band %d should be %s (RGB %.0f,%.0f,%.0f), is %.0f,%.0f,%.0f",
					i+1, bar.Name, want[0], want[1], want[2], got[0], got[1], got[2])
			}
		}
	}
	return nil
}

func studioRGB(y, cb, cr uint8) [3]float64 {
	Y, Cb, Cr := 1.164*(float64(y)-16), float64(cb)-128, float64(cr)-128
	clamp := func(v float64) float64 { return math.Max(0, math.Min(255, v)) }
	return [3]float64{clamp(Y + 1.596*Cr), clamp(Y - 0.392*Cb - 0.813*Cr), clamp(Y + 2.017*Cb)}
}

// dialJoin opens the page's socket as the page would and returns the
// answer to a hello.
func dialJoin(t *testing.T, addr string, hello map[string]string) wire.Envelope {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/join/sync", http.Header{"Origin": {"http://" + addr}})
	if err != nil {
		t.Fatalf("dial the join socket: %v", err)
	}
	defer ws.Close()
	frame, _ := wire.Encode(wire.TypeHello, "hello", hello)
	if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("no answer to the hello: %v", err)
	}
	env, err := wire.DecodeEnvelope(msg)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// browser is headless Chromium on the join page, driven through its
// debugging socket.
type browser struct {
	page  *websocket.Conn
	ready time.Time
	log   *lockedBuffer
	seq   int
}

type pageStats struct {
	Room         string        `json:"room"`
	You          string        `json:"you"`
	Errors       []string      `json:"errors"`
	JoinMs       int           `json:"joinMs"`
	Participants []any         `json:"participants"`
	Remote       []remoteStats `json:"remote"`
	Recording    bool          `json:"recording"` // 录制中 is shown
}

type remoteStats struct {
	ID            string       `json:"id"`
	Label         string       `json:"label"`
	Width         int          `json:"width"`
	Height        int          `json:"height"`
	FramesDecoded int          `json:"framesDecoded"`
	Bands         [][3]float64 `json:"bands"`
}

var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://[^\s]+)`)

func launchChromium(t *testing.T, bin, url string) *browser {
	t.Helper()
	profile := t.TempDir()
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile,
		"--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
		"--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required", "--disable-dev-shm-usage",
		"--remote-debugging-port=0", "--window-size=1280,800",
		url)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{log: &lockedBuffer{}}
	cmd.Stdout = b.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		if b.page != nil {
			b.page.Close()
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			b.log.Write([]byte(line + "\n"))
			if m := devtoolsLine.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
	}()
	var browserWS string
	select {
	case browserWS = <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("chromium did not open its debugging socket within 30 s:\n%s", b.log.String())
	}
	b.ready = time.Now()
	host := strings.TrimPrefix(browserWS, "ws://")
	host = host[:strings.Index(host, "/")]
	var pageWS string
	for end := time.Now().Add(15 * time.Second); pageWS == ""; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("chromium shows no join page:\n%s", b.log.String())
		}
		resp, err := http.Get("http://" + host + "/json/list")
		if err != nil {
			continue
		}
		var targets []struct {
			Type, URL            string
			WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&targets)
		resp.Body.Close()
		for _, tg := range targets {
			if tg.Type == "page" && (strings.Contains(tg.URL, "/join") || strings.Contains(tg.URL, "/recordings/")) {
				pageWS = tg.WebSocketDebuggerURL
			}
		}
	}
	ws, _, err := websocket.DefaultDialer.Dial(pageWS, nil)
	if err != nil {
		t.Fatalf("connect to the page's debugging socket: %v", err)
	}
	b.page = ws
	return b
}

// call sends a debugging-protocol command to the page and returns its
// result.
func (b *browser) call(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	b.seq++
	if err := b.page.WriteJSON(map[string]any{"id": b.seq, "method": method, "params": params}); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	_ = b.page.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var resp struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := b.page.ReadJSON(&resp); err != nil {
			t.Fatalf("%s: %v\nchromium:\n%s", method, err, b.log.String())
		}
		if resp.ID != b.seq {
			continue
		}
		if resp.Error != nil {
			t.Fatalf("%s: %s", method, resp.Error)
		}
		return resp.Result
	}
}

// eval evaluates a JavaScript expression in the page into v.
func (b *browser) eval(t *testing.T, expr string, v any) {
	t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}), &r); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r.Result.Value, v); err != nil {
		t.Fatalf("%s: %v: %s", expr, err, r.Result.Value)
	}
}

// screenshot returns the page as PNG.
func (b *browser) screenshot(t *testing.T) []byte {
	t.Helper()
	var r struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(b.call(t, "Page.captureScreenshot", map[string]any{"format": "png"}), &r); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// stats runs the page's dutyroomStats() and returns its answer.
func (b *browser) stats(t *testing.T) pageStats {
	t.Helper()
	b.seq++
	req := map[string]any{"id": b.seq, "method": "Runtime.evaluate", "params": map[string]any{
		"expression": "typeof dutyroomStats === 'function' ? dutyroomStats() : null", "awaitPromise": true, "returnByValue": true}}
	if err := b.page.WriteJSON(req); err != nil {
		t.Fatalf("ask the page: %v", err)
	}
	_ = b.page.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var resp struct {
			ID     int `json:"id"`
			Result struct {
				Result struct {
					Value json.RawMessage `json:"value"`
				} `json:"result"`
				ExceptionDetails json.RawMessage `json:"exceptionDetails"`
			} `json:"result"`
			Error json.RawMessage `json:"error"`
		}
		if err := b.page.ReadJSON(&resp); err != nil {
			t.Fatalf("read the page's answer: %v\nchromium:\n%s", err, b.log.String())
		}
		if resp.ID != b.seq {
			continue
		}
		if resp.Error != nil || resp.Result.ExceptionDetails != nil {
			t.Fatalf("the page's stats failed: %s %s", resp.Error, resp.Result.ExceptionDetails)
		}
		var st pageStats
		if len(resp.Result.Result.Value) > 0 && string(resp.Result.Result.Value) != "null" {
			if err := json.Unmarshal(resp.Result.Result.Value, &st); err != nil {
				t.Fatalf("the page's stats: %v: %s", err, resp.Result.Result.Value)
			}
		}
		return st
	}
}
