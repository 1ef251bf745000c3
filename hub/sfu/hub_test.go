package sfu

import (
	"bytes"
	"encoding/json"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/codec/vpx"
	"dutyroom/hub"
	"dutyroom/rtc/rtcconf"
	"dutyroom/rtc/testsrc"
)

// The tests of this file run a real hub with the SFU on a loopback port,
// with its own bbolt file: clients speak the hub's protocol over real
// websockets, and media go over real peer connections on loopback.

const testPassword = "correct horse battery"

// testHub is a hub with its SFU. The test prefecture: P, its counties C1
// and C2, C1's townships T1 and T2; accounts p, p-leader, c1, c1-leader,
// c2, t1, t2, each named after its station.
type testHub struct {
	t      *testing.T
	dir    string
	db     *hub.DB
	cfg    Config
	sfu    *SFU
	srv    *hub.Server
	hs     *http.Server
	addr   string // host:port
	log    *logBuffer
	st     map[string]app.Station
	tokens map[string]string
	// maxStreams is the hub's MaxRecordingStreams; 0 for the default.
	maxStreams int
}

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

func startHub(t *testing.T, cfg Config) *testHub {
	t.Helper()
	h := &testHub{t: t, dir: t.TempDir(), cfg: cfg, log: &logBuffer{}, st: map[string]app.Station{}, tokens: map[string]string{}}
	db, err := hub.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	h.db = db
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	c1 := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID}
	c2 := app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: p.ID}
	t1 := app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: c1.ID}
	t2 := app.Station{ID: app.NewID(), Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: c1.ID}
	if err := db.ImportStations([]app.Station{p, c1, c2, t1, t2}); err != nil {
		t.Fatal(err)
	}
	h.st = map[string]app.Station{"p": p, "c1": c1, "c2": c2, "t1": t1, "t2": t2}
	hash, err := hub.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for user, st := range map[string]app.Station{"p": p, "p-leader": p, "c1": c1, "c1-leader": c1, "c2": c2, "t1": t1, "t2": t2} {
		if err := db.AddUserHash(user, st.ID.String(), hash); err != nil {
			t.Fatal(err)
		}
		token, _, err := db.IssueSession(user, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		h.tokens[user] = token
	}
	h.serve()
	t.Cleanup(func() {
		h.stop()
		if err := h.db.Check(); err != nil {
			t.Errorf("the hub's database after the test: %v", err)
		}
		h.db.Close()
		if t.Failed() {
			t.Logf("the hub's log:\n%s", h.log.String())
		}
	})
	return h
}

// serve starts a fresh SFU and the hub on the database, on the port of
// the last run if there was one: as dutyhub does, with the stored
// consultation operations replayed to the SFU.
func (h *testHub) serve() {
	h.t.Helper()
	cfg := h.cfg
	cfg.Logger = slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Network = rtcconf.Network{Loopback: true}
	router, err := New(cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	srv, err := hub.NewServer(h.db, hub.Config{Logger: cfg.Logger, Signalling: router, Observe: router.Observe,
		Replay: ObservedKinds, ExtraMetrics: router.WriteMetrics, Recordings: cfg.Recordings, MaxRecordingStreams: h.maxStreams})
	if err != nil {
		h.t.Fatal(err)
	}
	listen := "127.0.0.1:0"
	if h.addr != "" {
		listen = h.addr
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		h.t.Fatal(err)
	}
	h.sfu, h.srv, h.addr = router, srv, ln.Addr().String()
	h.hs = &http.Server{Handler: srv.Handler()}
	go h.hs.Serve(ln)
}

func (h *testHub) stop() {
	if h.hs == nil {
		return
	}
	h.hs.Close()
	h.srv.Close()
	h.sfu.Shutdown()
	h.hs = nil
}

// restart stops the hub and its SFU and serves again from the database.
func (h *testHub) restart() {
	h.t.Helper()
	h.stop()
	h.serve()
}

// healthy asserts that /healthz answers, and soon: the hub still serves
// its stations whatever the consultations do.
func (h *testHub) healthy() {
	h.t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + h.addr + "/healthz")
	if err != nil {
		h.t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("healthz: %s", resp.Status)
	}
}

// metrics returns the hub's /metrics.
func (h *testHub) metrics() string {
	h.t.Helper()
	resp, err := http.Get("http://" + h.addr + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// client is one connection speaking the hub's protocol: a station's
// client on /sync, or a join page on /join/sync. With a peer connection
// it answers the hub's offers; everything else arrives on in.
type client struct {
	t    *testing.T
	name string
	ws   *websocket.Conn
	wmu  sync.Mutex
	in   chan wire.Envelope
	done chan struct{}

	mu   sync.Mutex
	pc   *webrtc.PeerConnection
	room app.ID
	held []webrtc.ICECandidateInit
}

func (h *testHub) dialPath(name, path string, header http.Header) *client {
	h.t.Helper()
	return h.dialFrom(name, path, header, "")
}

// dialFrom dials from a loopback address of the test's choosing
// (127.0.0.2, say: another machine, as the hub sees it), or the default.
func (h *testHub) dialFrom(name, path string, header http.Header, from string) *client {
	h.t.Helper()
	d := *websocket.DefaultDialer
	if from != "" {
		nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
		d.NetDialContext = nd.DialContext
	}
	ws, _, err := d.Dial("ws://"+h.addr+path, header)
	if err != nil {
		h.t.Fatalf("%s: dial %s: %v", name, path, err)
	}
	c := &client{t: h.t, name: name, ws: ws, in: make(chan wire.Envelope, 4096), done: make(chan struct{})}
	go c.read()
	h.t.Cleanup(c.close)
	return c
}

// dial logs a station's client in with its account's session.
func (h *testHub) dial(user string) *client {
	h.t.Helper()
	c := h.dialPath(user, "/sync", nil)
	c.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Client: "sfu test", Token: h.tokens[user]})
	c.expect(wire.TypeWelcome)
	return c
}

// dialWeb opens a join page's socket with a join code or a session token
// and returns the page with its welcome.
func (h *testHub) dialWeb(name, code, token string) (*client, *wire.Envelope) {
	h.t.Helper()
	return h.dialWebFrom(name, code, token, "")
}

// dialWebFrom is dialWeb from another loopback address.
func (h *testHub) dialWebFrom(name, code, token, from string) (*client, *wire.Envelope) {
	h.t.Helper()
	header := http.Header{}
	header.Set("Origin", "http://"+h.addr)
	c := h.dialFrom(name, "/join/sync", header, from)
	c.send(wire.TypeHello, "hello", map[string]string{"version": wire.Version, "code": code, "token": token})
	env := c.next()
	if env.Type != wire.TypeWelcome {
		return c, &env
	}
	return c, &env
}

func (c *client) close() {
	c.ws.Close()
	<-c.done
	c.mu.Lock()
	pc := c.pc
	c.mu.Unlock()
	if pc != nil {
		pc.Close()
	}
}

func (c *client) send(typ, id string, body any) {
	c.t.Helper()
	frame, err := wire.Encode(typ, id, body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		c.t.Errorf("%s: sending %s: %v", c.name, typ, err)
	}
}

// read answers offers and takes candidates when the client has a peer
// connection, and hands everything else to in.
func (c *client) read() {
	defer close(c.done)
	for {
		_, raw, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		env, err := wire.DecodeEnvelope(raw)
		if err != nil {
			continue
		}
		c.mu.Lock()
		pc := c.pc
		c.mu.Unlock()
		switch {
		case pc != nil && env.Type == wire.TypeRTCOffer:
			c.answer(pc, env)
			continue
		case pc != nil && env.Type == wire.TypeRTCCandidate:
			if cand, err := wire.DecodeCandidate(env); err == nil && cand.Candidate != "" {
				init := webrtc.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid, SDPMLineIndex: cand.SDPMLineIndex}
				c.mu.Lock()
				if pc.RemoteDescription() == nil {
					c.held = append(c.held, init)
				} else {
					_ = pc.AddICECandidate(init)
				}
				c.mu.Unlock()
			}
			continue
		case env.Type == wire.TypeRTCOffer || env.Type == wire.TypeRTCCandidate || env.Type == wire.TypeRoomState:
			continue
		}
		select {
		case c.in <- env:
		default:
			c.t.Errorf("%s: the test's inbox is full", c.name)
		}
	}
}

func (c *client) answer(pc *webrtc.PeerConnection, env wire.Envelope) {
	d, err := wire.DecodeDescription(env)
	if err != nil {
		return
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: d.SDP}); err != nil {
		c.t.Errorf("%s: the hub's offer: %v", c.name, err)
		return
	}
	c.mu.Lock()
	held := c.held
	c.held = nil
	c.mu.Unlock()
	for _, h := range held {
		_ = pc.AddICECandidate(h)
	}
	ans, err := pc.CreateAnswer(nil)
	if err == nil {
		err = pc.SetLocalDescription(ans)
	}
	if err != nil {
		c.t.Errorf("%s: answering: %v", c.name, err)
		return
	}
	c.send(wire.TypeRTCAnswer, "rtc.answer", wire.Description{Room: d.Room, SDP: ans.SDP})
}

// next returns the next message, failing the test after 10 s.
func (c *client) next() wire.Envelope {
	c.t.Helper()
	select {
	case env := <-c.in:
		return env
	case <-c.done:
		select {
		case env := <-c.in:
			return env
		default:
		}
		c.t.Fatalf("%s: the hub closed the connection", c.name)
	case <-time.After(10 * time.Second):
		c.t.Fatalf("%s: nothing from the hub in 10 s", c.name)
	}
	return wire.Envelope{}
}

// expect reads until a message of the type, failing at an error.
func (c *client) expect(typ string) wire.Envelope {
	c.t.Helper()
	for {
		env := c.next()
		if env.Type == typ {
			return env
		}
		if env.Type == wire.TypeError {
			c.t.Fatalf("%s: waiting for %s, got error %+v", c.name, typ, wire.DecodeError(env))
		}
	}
}

// refused reads until an error and checks its code and words.
func (c *client) refused(code string, words ...string) *wire.Error {
	c.t.Helper()
	env := c.next()
	for env.Type != wire.TypeError && (env.Type == wire.TypeRoomRecordings || env.Type == wire.TypeRoomRecording) {
		env = c.next()
	}
	if env.Type != wire.TypeError {
		c.t.Fatalf("%s: got %s %s, want an error %s", c.name, env.Type, env.Data, code)
	}
	e := wire.DecodeError(env)
	if e.Code != code {
		c.t.Fatalf("%s: got error %s (%s), want %s", c.name, e.Code, e.Message, code)
	}
	for _, w := range words {
		if !strings.Contains(e.Message, w) {
			c.t.Errorf("%s: error %q does not mention %q", c.name, e.Message, w)
		}
	}
	return e
}

// join joins room, watching only.
func (c *client) join(room app.ID) wire.RoomJoined {
	c.t.Helper()
	c.send(wire.TypeRoomJoin, "rtc.join", wire.RoomJoin{Room: room})
	var j wire.RoomJoined
	if err := json.Unmarshal(c.expect(wire.TypeRoomJoined).Data, &j); err != nil {
		c.t.Fatal(err)
	}
	return j
}

// media gives the client a peer connection on loopback that answers the
// hub's offers and trickles its candidates.
func (c *client) media(room app.ID) *webrtc.PeerConnection {
	return c.mediaWith(room, true)
}

// sendQuiet sends from a pion callback, which may run after the test
// has ended: a failure there is the connection closing, not a finding.
func (c *client) sendQuiet(typ, id string, body any) {
	frame, err := wire.Encode(typ, id, body)
	if err != nil {
		return
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteMessage(websocket.TextMessage, frame)
}

// mediaWith is media; without trickle, the client keeps its own
// candidates to itself (a hostile client sends others).
func (c *client) mediaWith(room app.ID, trickle bool) *webrtc.PeerConnection {
	c.t.Helper()
	api, err := rtcconf.NewAPI(rtcconf.Network{Loopback: true})
	if err != nil {
		c.t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		c.t.Fatal(err)
	}
	pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic == nil || !trickle {
			return
		}
		init := ic.ToJSON()
		c.sendQuiet(wire.TypeRTCCandidate, "rtc.candidate", wire.Candidate{Room: room, Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex})
	})
	c.mu.Lock()
	c.pc, c.room = pc, room
	c.mu.Unlock()
	return pc
}

// publishVideo joins room publishing a VP8 test pattern, 320×240 at 15
// frames a second, until the test ends; it returns once the hub receives
// the track.
func (h *testHub) publishVideo(c *client, room app.ID) {
	h.t.Helper()
	pc := c.media(room)
	track, err := webrtc.NewTrackLocalStaticSample(rtcconf.VP8.RTPCodecCapability, "video", c.name)
	if err != nil {
		h.t.Fatal(err)
	}
	sender, err := pc.AddTrack(track)
	if err != nil {
		h.t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := sender.Read(buf); err != nil {
				return
			}
		}
	}()
	enc, err := vpx.NewEncoder(vpx.EncoderConfig{Width: 320, Height: 240, FPS: 15, BitrateKbps: 300})
	if err != nil {
		h.t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	h.t.Cleanup(func() {
		close(stop)
		wg.Wait()
		enc.Close()
	})
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second / 15)
		defer tick.Stop()
		var img *image.YCbCr
		for n := uint32(0); ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			img, _ = testsrc.Frame(img, 320, 240, 1, n)
			// A key frame every second: a subscriber or a file that
			// starts late has a picture soon.
			f, err := enc.Encode(img, n%15 == 0)
			if err != nil || len(f.Data) == 0 {
				continue
			}
			_ = track.WriteSample(media.Sample{Data: f.Data, Duration: time.Second / 15})
		}
	}()
	c.send(wire.TypeRoomJoin, "rtc.join", wire.RoomJoin{Room: room, Publish: []string{wire.MediaVideo}})
	c.expect(wire.TypeRoomJoined)
	waitFor(h.t, "the hub to receive "+c.name+"'s video", func() bool { return h.sfu.Stats().Tracks > 0 && h.tracksOf(room, c.name) > 0 })
}

// tracksOf counts the tracks the hub forwards for user in room.
func (h *testHub) tracksOf(room app.ID, user string) int {
	h.sfu.mu.Lock()
	defer h.sfu.mu.Unlock()
	n := 0
	if r := h.sfu.rooms[room]; r != nil {
		for _, f := range r.tracks {
			if f.owner.info.User == user {
				n++
			}
		}
	}
	return n
}

// waitFor polls cond for up to 20 s: for something that happens over the
// network, not a measure of speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startConsultation pushes the host's consult.start through the hub, as
// its client does, and waits for the room to open. seq is the host's next
// operation number.
func (h *testHub) startConsultation(host *client, hostName string, seq uint64, c consult.Consultation) {
	h.t.Helper()
	h.pushConsult(host, hostName, seq, consult.OpStart, c)
	waitFor(h.t, "the room to open", func() bool {
		h.sfu.mu.Lock()
		defer h.sfu.mu.Unlock()
		_, ok := h.sfu.invites[c.ID]
		return ok
	})
}

// pushConsult pushes a consultation operation from the station of user
// and waits for the hub's answer (an ack, or an error if it refuses it).
func (h *testHub) pushConsult(cl *client, user string, seq uint64, kind string, c consult.Consultation) wire.Envelope {
	h.t.Helper()
	payload, err := json.Marshal(c)
	if err != nil {
		h.t.Fatal(err)
	}
	origin := h.station(user)
	op := app.Operation{ID: app.NewID(), Origin: origin, Seq: seq, Author: user, At: time.Now().UTC(),
		Kind: kind, Entity: c.ID, Payload: payload, To: c.Others(origin)}
	cl.send(wire.TypePush, "push", wire.Push{Ops: []app.Operation{op}})
	for {
		env := cl.next()
		if env.Type == wire.TypeAck || env.Type == wire.TypeError {
			return env
		}
	}
}

// station is the station of an account.
func (h *testHub) station(user string) app.ID {
	return h.st[strings.TrimSuffix(user, "-leader")].ID
}

// consultation is a live consultation hosted by host, inviting others.
func (h *testHub) consultation(host string, invited ...string) consult.Consultation {
	c := consult.Consultation{ID: app.NewID(), Host: h.st[host].ID, Title: "防汛会商", State: consult.Live,
		CreatedAt: time.Now().UTC(), StartedAt: time.Now().UTC(), CreatedBy: "值班员"}
	for _, name := range invited {
		c.Invited = append(c.Invited, h.st[name].ID)
	}
	return c
}
