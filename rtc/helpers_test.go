package rtc_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
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
	"dutyroom/store"
	"dutyroom/store/storetest"
	"dutyroom/wsdial"
)

// The test prefecture: a prefecture, two counties, three townships; one
// account per station, named after it.
var stationNames = []string{"p", "c1", "c2", "t1", "t2", "t3"}

type testHub struct {
	t        *testing.T
	db       *hub.DB
	srv      *hub.Server
	sfu      *sfu.SFU
	addr     string // ws://127.0.0.1:port
	stations map[string]app.Station
	log      *syncBuffer
	// clientNet is the network of each station's media; loopback when
	// nil.
	clientNet func(name string) rtcconf.Network
	// sources gives a station's picture and sound; its test pattern and
	// tone when nil, or for what it leaves nil.
	sources func(name string) (rtc.VideoSource, rtc.AudioSource)
}

// syncBuffer is the hub's log, for reading after a failure.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startHub runs a real hub with its SFU on a loopback port; ICE stays on
// loopback.
func startHub(t testing.TB, cfg sfu.Config) *testHub {
	tt, _ := t.(*testing.T)
	h := &testHub{t: tt, stations: map[string]app.Station{}, log: &syncBuffer{}}
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	c1 := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID}
	c2 := app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: p.ID}
	t1 := app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: c1.ID}
	t2 := app.Station{ID: app.NewID(), Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: c1.ID}
	t3 := app.Station{ID: app.NewID(), Code: "433122100", Name: "白沙镇", Tier: app.TierTownship, Parent: c2.ID}
	list := []app.Station{p, c1, c2, t1, t2, t3}
	if err := db.ImportStations(list); err != nil {
		t.Fatal(err)
	}
	for i, name := range stationNames {
		h.stations[name] = list[i]
		if err := db.AddUser(name, list[i].Code, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	logger := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.Logger == nil {
		cfg.Logger = logger
	}
	if cfg.Network.Net == nil {
		cfg.Network.Loopback = true
	}
	router, err := sfu.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hub.NewServer(db, hub.Config{Logger: logger, Signalling: router, Observe: router.Observe, Replay: sfu.ObservedKinds})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	h.db, h.srv, h.sfu, h.addr = db, srv, router, "ws://"+ln.Addr().String()
	t.Cleanup(func() {
		router.Shutdown()
		hs.Close()
		srv.Close()
		db.Close()
		if t.Failed() && os.Getenv("DUTYROOM_HUB_LOG") != "" {
			t.Logf("hub log:\n%s", h.log.String())
		}
	})
	return h
}

func (h *testHub) healthy(t testing.TB) {
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

// openRoom invites the named stations to a new room.
func (h *testHub) openRoom(t testing.TB, limit int, names ...string) app.ID {
	t.Helper()
	room := app.NewID()
	inv := sfu.Invitation{Limit: limit}
	for _, n := range names {
		inv.Stations = append(inv.Stations, h.stations[n].ID)
	}
	if err := h.sfu.Open(room, inv); err != nil {
		t.Fatal(err)
	}
	return room
}

// received is what one station saw of one other participant's picture.
type received struct {
	frames    int
	first     time.Time
	last      uint32
	stamped   int // frames whose stamp was readable
	backwards int // stamps that did not increase
	wrongID   int // stamps of another pattern than the station's
	badBars   error
	station   app.ID
	lastPitch float64
	audio     []int16
	image     *image.YCbCr // the latest picture
}

// station is one duty room: a store, the sync engine on its socket, and
// the media engine sharing that socket.
type station struct {
	t       testing.TB
	name    string
	pattern uint8
	sync    *syncer.Engine
	db      *store.DB
	media   *rtc.Engine
	cancel  context.CancelFunc
	done    chan struct{}

	// slow makes the picture callback take this long, as a window that
	// cannot keep up.
	slow time.Duration
	lags []time.Duration // how old each picture was when the callback got it

	mu       sync.Mutex
	seen     map[string]*received // by participant id
	patterns map[app.ID]uint8     // which pattern each station sends
	events   []rtc.RoomEvent
	joinAt   time.Time
	recs     []wire.RoomRecordings // lists of recorded files from the hub
}

// newStation logs in as name and starts both engines. patterns tells the
// receiver which pattern each station sends, to check the colours.
func newStation(t testing.TB, h *testHub, name string, pattern uint8, patterns map[app.ID]uint8) *station {
	t.Helper()
	token, _, err := h.srv.IssueSession(name)
	if err != nil {
		t.Fatal(err)
	}
	s := &station{t: t, name: name, pattern: pattern, seen: map[string]*received{}, patterns: patterns}
	network := rtcconf.Network{Loopback: true}
	if h.clientNet != nil {
		network = h.clientNet(name)
	}
	var media *rtc.Engine
	var ready sync.WaitGroup
	ready.Add(1)
	s.db = storetest.Open(t)
	s.sync = syncer.New(syncer.Config{
		Store: s.db, Transport: &wsdial.Dialer{Addr: h.addr}, Token: token, Client: "test " + name,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnSignal: func(env wire.Envelope) {
			ready.Wait()
			media.HandleSignal(env)
		},
	})
	var video rtc.VideoSource = rtc.TestPattern{ID: pattern, Width: 640, Height: 480}
	var audio rtc.AudioSource = testsrc.ToneFor(pattern, 48000, 1)
	if h.sources != nil {
		v, a := h.sources(name)
		if v != nil {
			video = v
		}
		if a != nil {
			audio = a
		}
	}
	media, err = rtc.New(rtc.Config{
		Signal:  s.sync,
		Network: network,
		Video:   video,
		Audio:   audio,
		OnVideo: s.onVideo,
		OnAudio: s.onAudio,
		OnRoom: func(ev rtc.RoomEvent) {
			s.mu.Lock()
			s.events = append(s.events, ev)
			s.mu.Unlock()
		},
		OnRecordings: func(r wire.RoomRecordings) {
			s.mu.Lock()
			s.recs = append(s.recs, r)
			s.mu.Unlock()
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.media = media
	ready.Done()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		s.sync.Run(ctx)
	}()
	t.Cleanup(s.stop)
	waitFor(t, name+" online", func() bool { return s.sync.State().Online })
	return s
}

func (s *station) stop() {
	if s.cancel == nil {
		return
	}
	s.media.Close()
	s.cancel()
	<-s.done
	s.cancel = nil
}

func (s *station) onVideo(f rtc.VideoFrame) {
	lag := time.Since(f.Decoded)
	st, stampErr := testsrc.ReadStamp(f.Image)
	if s.slow > 0 {
		time.Sleep(s.slow)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lags = append(s.lags, lag)
	r := s.seen[f.Participant]
	if r == nil {
		r = &received{first: f.Decoded, station: f.Station}
		s.seen[f.Participant] = r
	}
	if r.frames == 0 {
		r.first = f.Decoded
	}
	r.frames++
	r.image = f.Image
	if f.Station != app.NilID {
		r.station = f.Station
	}
	if stampErr == nil {
		if r.stamped > 0 && st.Frame <= r.last {
			r.backwards++
		}
		r.last = st.Frame
		r.stamped++
		want, ok := s.patterns[r.station]
		if ok && st.ID != want {
			r.wrongID++
		}
		if ok && r.badBars == nil {
			r.badBars = testsrc.CheckBars(f.Image, want)
		}
	}
}

func (s *station) onAudio(f rtc.AudioFrame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.seen[f.Participant]
	if r == nil {
		r = &received{station: f.Station}
		s.seen[f.Participant] = r
	}
	if len(r.audio) < 48000 {
		r.audio = append(r.audio, f.PCM...)
	}
}

func (s *station) join(t testing.TB, room app.ID) {
	t.Helper()
	s.mu.Lock()
	s.seen = map[string]*received{}
	s.joinAt = time.Now()
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.media.Join(ctx, room); err != nil {
		t.Fatalf("%s joining: %v", s.name, err)
	}
}

// from returns a copy of what s has seen of the participant sending
// station st, or nil.
func (s *station) from(st app.ID) *received {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.seen {
		if r.station == st && r.frames > 0 {
			c := *r
			return &c
		}
	}
	return nil
}

// sees waits until s has decoded at least n stamped frames of each other
// station with the right pattern, and returns the time from its join to
// the first picture of each.
func (s *station) sees(t testing.TB, n int, others ...*station) []time.Duration {
	t.Helper()
	var firsts []time.Duration
	for _, o := range others {
		st := stationID(o)
		waitFor(t, fmt.Sprintf("%s to decode %d frames of %s", s.name, n, o.name), func() bool {
			r := s.from(st)
			return r != nil && r.stamped >= n
		}, func() string { return s.report(st) })
		r := s.from(st)
		if r.wrongID > 0 {
			t.Errorf("%s: %d frames of %s carried another station's pattern", s.name, r.wrongID, o.name)
		}
		if r.badBars != nil {
			t.Errorf("%s decoding %s: %v", s.name, o.name, r.badBars)
		}
		if r.backwards > 0 {
			t.Errorf("%s: the frame stamps of %s went backwards %d times", s.name, o.name, r.backwards)
		}
		// From the later of the two joins: before it there was nothing
		// to see.
		s.mu.Lock()
		start := s.joinAt
		s.mu.Unlock()
		o.mu.Lock()
		if o.joinAt.After(start) {
			start = o.joinAt
		}
		o.mu.Unlock()
		firsts = append(firsts, r.first.Sub(start))
	}
	return firsts
}

func stationID(s *station) app.ID { return s.sync.State().Station }

// waitFor polls cond for 20 s; on timeout it fails with what, and with
// what each of state says then.
func waitFor(t testing.TB, what string, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			var said []string
			for _, f := range state {
				said = append(said, f())
			}
			t.Fatalf("timed out waiting for %s %s", what, strings.Join(said, "; "))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// report says what a station received from another and what its engine
// counted, for a test that timed out.
func (s *station) report(from app.ID) string {
	s.mu.Lock()
	var got string
	for id, r := range s.seen {
		if r.station == from {
			got += fmt.Sprintf("participant %s: %d frames, %d stamped, %d audio samples; ", id, r.frames, r.stamped, len(r.audio))
		}
	}
	events := len(s.events)
	var last rtc.RoomEvent
	if events > 0 {
		last = s.events[events-1]
	}
	s.mu.Unlock()
	if got == "" {
		got = "nothing from that station; "
	}
	return fmt.Sprintf("(%s%d room events, the last with %d participants, in %v; engine %+v)", got, events, len(last.Participants), last.In, s.media.Stats())
}

// raw is a protocol-level client, for what the media engine never sends.
type raw struct {
	t  testing.TB
	ws *websocket.Conn
	n  int
}

func dialRaw(t testing.TB, h *testHub, user string) *raw {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(h.addr+"/sync", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	r := &raw{t: t, ws: ws}
	token, _, err := h.srv.IssueSession(user)
	if err != nil {
		t.Fatal(err)
	}
	r.send(wire.TypeHello, "hello", wire.Hello{Version: wire.Version, Token: token})
	r.expect(wire.TypeWelcome)
	return r
}

func (r *raw) send(typ, id string, body any) {
	r.t.Helper()
	frame, err := wire.Encode(typ, id, body)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		r.t.Fatal(err)
	}
}

// request sends and returns the answer to it: the first message echoing
// its id.
func (r *raw) request(typ string, body any) wire.Envelope {
	r.t.Helper()
	r.n++
	id := fmt.Sprintf("rtc.raw.%d", r.n)
	r.send(typ, id, body)
	for {
		env := r.next()
		if env.ID == id {
			return env
		}
	}
}

func (r *raw) next() wire.Envelope {
	r.t.Helper()
	_ = r.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := r.ws.ReadMessage()
	if err != nil {
		r.t.Fatalf("reading from the hub: %v", err)
	}
	env, err := wire.DecodeEnvelope(data)
	if err != nil {
		r.t.Fatal(err)
	}
	return env
}

func (r *raw) expect(typ string) wire.Envelope {
	r.t.Helper()
	for {
		env := r.next()
		if env.Type == typ {
			return env
		}
		if env.Type == wire.TypeError && typ != wire.TypeError {
			r.t.Fatalf("waiting for %s, got error %+v", typ, wire.DecodeError(env))
		}
	}
}

// refused checks that env is an error with the code, its message naming
// each of words.
func refused(t testing.TB, env wire.Envelope, code string, words ...string) {
	t.Helper()
	if env.Type != wire.TypeError {
		t.Fatalf("want a %s refusal, got %s %s", code, env.Type, env.Data)
	}
	e := wire.DecodeError(env)
	if e.Code != code {
		t.Fatalf("want code %s, got %s: %s", code, e.Code, e.Message)
	}
	for _, w := range words {
		if !strings.Contains(e.Message, w) {
			t.Fatalf("the refusal %q does not say %q", e.Message, w)
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := int(p * float64(len(s)-1))
	return s[i]
}
