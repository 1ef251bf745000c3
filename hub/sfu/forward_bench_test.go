package sfu_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/codec/vpx"
	"dutyroom/hub"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/rtcconf"
	"dutyroom/rtc/testsrc"
)

// The forwarders under test run in a child process, this test binary run
// again with childEnv set, so that the CPU measured is the forwarder's
// alone: the publisher and the N subscribers stay in the parent.
const (
	childEnv  = "DUTYROOM_FORWARD_CHILD"  // "hub" or "bare"
	dirEnv    = "DUTYROOM_FORWARD_DIR"    // the hub's data folder
	roomEnv   = "DUTYROOM_FORWARD_ROOM"   // the room the hub opens
	limitEnv  = "DUTYROOM_FORWARD_LIMIT"  // its participant limit
	inviteEnv = "DUTYROOM_FORWARD_INVITE" // the stations it invites, comma-separated
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "hub":
		os.Exit(childHub())
	case "bare":
		os.Exit(childBare())
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want hub or bare\n", childEnv, os.Getenv(childEnv))
		os.Exit(2)
	}
}

// BenchmarkForward sends one publisher's 500 kbps 15 fps VP8 stream
// (pre-encoded frames replayed at their rate) to N subscribers on
// loopback, through the hub with its SFU (a real hub: websocket
// signalling, sessions, one room) and through a bare pion forwarder (one
// track read and written to N peers; no rooms, no signalling beyond one
// offer and answer per peer), each in a child process. cpu-ms/s is the
// child's user+system CPU over a window of two replay loops, after every
// subscriber receives; cpu-us/packet is that CPU per packet delivered to a
// subscriber; recv-kbps/sub is what a subscriber received in the window,
// loss-% what went missing by RTP sequence numbers, rest-cores what the
// rest of the machine (this process included) used meanwhile. Each
// iteration runs both arms, alternating which goes first, so both see the
// same machine; -v logs each iteration's figures, for the spread.
func BenchmarkForward(b *testing.B) {
	frames := encodedLoop(b)
	api, err := rtcconf.NewAPI(rtcconf.Network{Loopback: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{50, 100, 300} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			var hubs, bares []armResult
			for i := 0; b.Loop(); i++ {
				var h, r armResult
				if i%2 == 0 {
					h = forwardHub(b, api, frames, n)
					r = forwardBare(b, api, frames, n)
				} else {
					r = forwardBare(b, api, frames, n)
					h = forwardHub(b, api, frames, n)
				}
				b.Logf("n=%d run %d: hub %s; bare %s; ratio %.2f, per packet %.2f", n, i, h, r, h.cpu/r.cpu, h.perPacket(n)/r.perPacket(n))
				hubs, bares = append(hubs, h), append(bares, r)
			}
			var ratios, perPacket []float64
			for i := range hubs {
				ratios = append(ratios, hubs[i].cpu/bares[i].cpu)
				perPacket = append(perPacket, hubs[i].perPacket(n)/bares[i].perPacket(n))
			}
			h, r := meanResult(hubs), meanResult(bares)
			b.ReportMetric(h.cpu, "hub-cpu-ms/s")
			b.ReportMetric(r.cpu, "bare-cpu-ms/s")
			b.ReportMetric(float64(n)/(h.cpu/1000), "hub-streams/core")
			b.ReportMetric(float64(n)/(r.cpu/1000), "bare-streams/core")
			b.ReportMetric(h.cpu/r.cpu, "hub/bare")
			b.ReportMetric(slices.Min(ratios), "hub/bare-min")
			b.ReportMetric(slices.Max(ratios), "hub/bare-max")
			b.ReportMetric(h.perPacket(n), "hub-cpu-us/packet")
			b.ReportMetric(r.perPacket(n), "bare-cpu-us/packet")
			b.ReportMetric(h.perPacket(n)/r.perPacket(n), "hub/bare-per-packet")
			b.ReportMetric(slices.Min(perPacket), "hub/bare-per-packet-min")
			b.ReportMetric(slices.Max(perPacket), "hub/bare-per-packet-max")
			b.ReportMetric(h.kbps, "hub-recv-kbps/sub")
			b.ReportMetric(r.kbps, "bare-recv-kbps/sub")
			b.ReportMetric(h.loss*100, "hub-loss-%")
			b.ReportMetric(r.loss*100, "bare-loss-%")
			b.ReportMetric((h.others+r.others)/2, "rest-cores")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// loop is how long the replayed stream runs before it repeats. The
// measuring window is windowLoops whole loops: it holds every frame
// equally often, key frame included, whatever the phase, so both arms
// are offered the same bytes.
const (
	loop        = 5 * time.Second
	windowLoops = 2
)

type armResult struct {
	cpu    float64 // the child's CPU, ms per second
	others float64 // what the rest of the machine used meanwhile (parent included), cores
	kbps   float64 // mean received per subscriber
	loss   float64 // share of packets missing at the subscribers, from RTP sequence numbers
	pps    float64 // mean packets received per subscriber a second
}

// perPacket is the child's CPU per packet delivered to a subscriber, in
// µs. A window in which a busy parent reads a backlog holds more packets
// than the stream's rate, and the child did that much more work: per
// packet, both arms compare whatever the window held.
func (r armResult) perPacket(n int) float64 { return r.cpu * 1000 / (r.pps * float64(n)) }

func (r armResult) String() string {
	return fmt.Sprintf("%.0f cpu-ms/s, %.1f kbps/sub, %.1f packets/s/sub, loss %.2f %%, rest of the machine %.2f cores", r.cpu, r.kbps, r.pps, r.loss*100, r.others)
}

func meanResult(rs []armResult) armResult {
	var m armResult
	for _, r := range rs {
		m.cpu += r.cpu
		m.kbps += r.kbps
		m.loss += r.loss
		m.others += r.others
		m.pps += r.pps
	}
	k := float64(len(rs))
	return armResult{cpu: m.cpu / k, kbps: m.kbps / k, loss: m.loss / k, others: m.others / k, pps: m.pps / k}
}

// encodedLoop encodes one loop of the noisy test pattern.
func encodedLoop(b *testing.B) [][]byte {
	enc, err := vpx.NewEncoder(vpx.EncoderConfig{Width: 640, Height: 480, FPS: 15, BitrateKbps: 500})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	var out [][]byte
	seed := uint32(1)
	var img *image.YCbCr
	for i := 0; i < int(15*loop/time.Second); i++ {
		img, _ = testsrc.Frame(img, 640, 480, 1, uint32(i))
		for j := range img.Y {
			seed = seed*1664525 + 1013904223
			v := int(img.Y[j]) + int(seed>>28) - 8
			img.Y[j] = uint8(min(max(v, 16), 235))
		}
		f, err := enc.Encode(img, i == 0)
		if err != nil {
			b.Fatal(err)
		}
		// A dropped frame keeps its slot, so the loop keeps its length.
		out = append(out, f.Data)
	}
	return out
}

// replay writes the frames at 15 a second until stop closes. After the
// frame in the middle of each loop it offers a mark on marks: a window
// from one mark to the next holds each frame exactly once. Each frame has
// its time from the start; one written late (the machine was busy) does
// not delay the rest, where a ticker would drop ticks and offer less.
func replay(track *webrtc.TrackLocalStaticSample, frames [][]byte, marks chan<- struct{}, stop chan struct{}) {
	start := time.Now()
	t := time.NewTimer(0)
	defer t.Stop()
	for i := 0; ; i++ {
		t.Reset(time.Until(start.Add(time.Duration(i) * time.Second / 15)))
		select {
		case <-stop:
			return
		case <-t.C:
			if f := frames[i%len(frames)]; len(f) > 0 {
				_ = track.WriteSample(media.Sample{Data: f, Duration: time.Second / 15})
			}
			if i%len(frames) == len(frames)/2 {
				select {
				case marks <- struct{}{}:
				default:
				}
			}
		}
	}
}

func drain(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// counter is what one subscriber has received.
type counter struct {
	bytes   atomic.Int64
	packets atomic.Int64
	highest atomic.Int64 // highest extended RTP sequence number seen
}

// onTrack counts a subscriber's packets and follows their sequence
// numbers, so that loss shows apart from what was offered.
func (c *counter) onTrack(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	buf := make([]byte, 1500)
	var cycles, last int64
	started := false
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		if n < 4 {
			continue
		}
		seq := int64(buf[2])<<8 | int64(buf[3])
		switch {
		case !started:
			started = true
		case seq < last && last-seq > 1<<15:
			cycles += 1 << 16 // wrapped
		}
		last = seq
		if ext := cycles + seq; ext > c.highest.Load() {
			c.highest.Store(ext)
		}
		c.packets.Add(1)
		c.bytes.Add(int64(n))
	}
}

// child is a forwarder in its own process.
type child struct {
	cmd   *exec.Cmd
	stdin io.Closer
	addr  string // what it printed on its first line
}

func startChild(b *testing.B, env ...string) *child {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		b.Fatalf("the child %v did not start: %v", env[0], err)
	}
	return &child{cmd: cmd, stdin: stdin, addr: strings.TrimSpace(line)}
}

// cpu returns the child's user+system CPU time, all its threads, from
// /proc.
func (c *child) cpu(b *testing.B) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// machineBusy returns the CPU time all processes have used, from the
// first line of /proc/stat: all but idle and iowait.
func machineBusy(b *testing.B) time.Duration {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	var ticks int64
	for i, f := range strings.Fields(string(line))[1:] {
		if i == 3 || i == 4 || i > 7 { // idle, iowait; guest time is in user already
			continue
		}
		v, _ := strconv.ParseInt(f, 10, 64)
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// stop ends the child: it exits when its stdin closes, so it also goes
// when the parent dies.
func (c *child) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() {
		_ = c.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// untilStdinCloses returns a context that ends when the parent closes the
// child's stdin or the child is told to stop.
func untilStdinCloses() (context.Context, context.CancelFunc) {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx, cancel
}

// measure waits for every subscriber to receive, then returns the child's
// CPU in ms per second, the mean received kbps per subscriber and the
// share of packets lost over the window.
func measure(b *testing.B, c *child, got []*counter, marks <-chan struct{}) armResult {
	deadline := time.Now().Add(60 * time.Second)
	for _, g := range got {
		for g.packets.Load() == 0 {
			if time.Now().After(deadline) {
				b.Fatal("a subscriber received nothing")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Let joins, key-frame requests and retransmissions settle.
	time.Sleep(time.Second)
	type snap struct{ bytes, packets, highest int64 }
	take := func() []snap {
		s := make([]snap, len(got))
		for i, g := range got {
			s[i] = snap{g.bytes.Load(), g.packets.Load(), g.highest.Load()}
		}
		return s
	}
	// From half a frame after one mark to half a frame after a later one:
	// the frame written at the mark has arrived, the next not yet. Two
	// loops, so that packets a busy parent reads late at either edge
	// weigh less.
	<-marks
	time.Sleep(time.Second / 30)
	s0, c0, m0, t0 := take(), c.cpu(b), machineBusy(b), time.Now()
	for range windowLoops {
		<-marks
	}
	time.Sleep(time.Second / 30)
	s1, c1, m1, t1 := take(), c.cpu(b), machineBusy(b), time.Now()
	secs := t1.Sub(t0).Seconds()
	var bytes, received, expected int64
	for i := range got {
		if s1[i].packets == s0[i].packets {
			b.Fatalf("subscriber %d of %d received nothing in the window: the stream stopped (see the hub's warnings above)", i+1, len(got))
		}
		bytes += s1[i].bytes - s0[i].bytes
		received += s1[i].packets - s0[i].packets
		expected += s1[i].highest - s0[i].highest
	}
	loss := 0.0
	if expected > 0 {
		loss = 1 - float64(received)/float64(expected)
	}
	return armResult{
		cpu:    float64((c1 - c0).Milliseconds()) / secs,
		others: ((m1 - m0) - (c1 - c0)).Seconds() / secs,
		kbps:   float64(bytes) * 8 / 1000 / secs / float64(len(got)),
		loss:   loss,
		pps:    float64(received) / secs / float64(len(got)),
	}
}

// childHub serves a hub with its SFU, as dutyhub does, with one room open
// for the stations the parent set up; it prints its address.
func childHub() int {
	ctx, cancel := untilStdinCloses()
	defer cancel()
	// Warnings show, such as a client dropped for reading too slowly.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	limit, _ := strconv.Atoi(os.Getenv(limitEnv))
	router, err := sfu.New(sfu.Config{Logger: logger, Network: rtcconf.Network{Loopback: true}, MaxParticipants: limit, MaxPeers: limit})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer router.Shutdown()
	room, err := app.ParseID(os.Getenv(roomEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var inv sfu.Invitation
	for _, s := range strings.Split(os.Getenv(inviteEnv), ",") {
		id, err := app.ParseID(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		inv.Stations = append(inv.Stations, id)
	}
	if err := router.Open(room, inv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	err = hub.Run(ctx, hub.RunConfig{
		Dir: os.Getenv(dirEnv), Listen: "127.0.0.1:0", PlainLoopback: true,
		Server: hub.Config{Logger: logger, Signalling: router, Observe: router.Observe, Replay: sfu.ObservedKinds},
		Ready:  func(_ *hub.Server, addr, _ string) { fmt.Println(addr) },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// wsPeer is a station in the parent speaking the hub's protocol over its
// websocket: hello, room.join, then answers to the hub's offers.
type wsPeer struct {
	b    *testing.B
	room app.ID
	pc   *webrtc.PeerConnection
	ws   *websocket.Conn
	wmu  sync.Mutex // one writer at a time on the socket
	held []webrtc.ICECandidateInit
	done chan struct{} // closed when serve returns
}

func (p *wsPeer) send(typ string, body any) {
	frame, err := wire.Encode(typ, "", body)
	if err != nil {
		p.b.Error(err)
		return
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_ = p.ws.WriteMessage(websocket.TextMessage, frame)
}

func dialHub(b *testing.B, api *webrtc.API, addr, token string, room app.ID) *wsPeer {
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/sync", nil)
	if err != nil {
		b.Fatal(err)
	}
	hello, _ := wire.Encode(wire.TypeHello, "", wire.Hello{Version: wire.Version, Client: "forward bench", Token: token})
	if err := ws.WriteMessage(websocket.TextMessage, hello); err != nil {
		b.Fatal(err)
	}
	_, raw, err := ws.ReadMessage()
	if err != nil {
		b.Fatal(err)
	}
	if env, err := wire.DecodeEnvelope(raw); err != nil || env.Type != wire.TypeWelcome {
		b.Fatalf("hello: %s", raw)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	p := &wsPeer{b: b, room: room, pc: pc, ws: ws, done: make(chan struct{})}
	go p.serve()
	pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic == nil {
			return
		}
		init := ic.ToJSON()
		p.send(wire.TypeRTCCandidate, wire.Candidate{Room: room, Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex})
	})
	return p
}

// roomState starts every room.state frame, as wire.Encode writes it.
var roomState = []byte(`{"type":"` + wire.TypeRoomState + `"`)

// serve answers the hub's offers and takes its candidates until the
// socket closes.
func (p *wsPeer) serve() {
	defer close(p.done)
	for {
		_, raw, err := p.ws.ReadMessage()
		if err != nil {
			return
		}
		// Each join sends the whole participant list to everyone in the
		// room: with 300 joining, over a gigabyte of JSON in all. It is
		// read off the socket, as a client must, so that the hub's queue
		// drains, but not parsed: this process also hosts the
		// subscribers, and a reader falling behind by 256 frames is
		// dropped by the hub as a slow client, the publisher's stream
		// with it.
		if bytes.HasPrefix(raw, roomState) {
			continue
		}
		env, err := wire.DecodeEnvelope(raw)
		if err != nil {
			continue
		}
		switch env.Type {
		case wire.TypeError:
			p.b.Errorf("the hub refused: %s", raw)
		case wire.TypeRTCOffer:
			d, err := wire.DecodeDescription(env)
			if err != nil {
				continue
			}
			if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: d.SDP}); err != nil {
				p.b.Error(err)
				continue
			}
			for _, h := range p.held {
				_ = p.pc.AddICECandidate(h)
			}
			p.held = nil
			ans, err := p.pc.CreateAnswer(nil)
			if err == nil {
				err = p.pc.SetLocalDescription(ans)
			}
			if err != nil {
				p.b.Error(err)
				continue
			}
			p.send(wire.TypeRTCAnswer, wire.Description{Room: p.room, SDP: ans.SDP})
		case wire.TypeRTCCandidate:
			cand, err := wire.DecodeCandidate(env)
			if err != nil || cand.Candidate == "" {
				continue
			}
			init := webrtc.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid, SDPMLineIndex: cand.SDPMLineIndex}
			if p.pc.RemoteDescription() == nil {
				p.held = append(p.held, init)
				continue
			}
			_ = p.pc.AddICECandidate(init)
		}
	}
}

// forwardHub runs one arm through the hub: the parent writes the hub's
// stations, accounts and sessions, the child serves them.
func forwardHub(b *testing.B, api *webrtc.API, frames [][]byte, n int) armResult {
	dir := b.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	pref := app.Station{ID: app.NewID(), Code: "P0", Name: "州", Tier: app.TierPrefecture}
	county := app.Station{ID: app.NewID(), Code: "C0", Name: "县", Tier: app.TierCounty, Parent: pref.ID}
	tree := []app.Station{pref, county}
	for i := range n + 1 {
		tree = append(tree, app.Station{ID: app.NewID(), Code: fmt.Sprintf("T%d", i), Name: fmt.Sprintf("镇%d", i), Tier: app.TierTownship, Parent: county.ID})
	}
	if err := db.ImportStations(tree); err != nil {
		b.Fatal(err)
	}
	hash, err := hub.HashPassword("forward bench")
	if err != nil {
		b.Fatal(err)
	}
	var tokens, invite []string
	for _, st := range tree[2:] {
		name := "bench-" + st.Code
		if err := db.AddUserHash(name, st.ID.String(), hash); err != nil {
			b.Fatal(err)
		}
		token, _, err := db.IssueSession(name, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		tokens = append(tokens, token)
		invite = append(invite, st.ID.String())
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	room := app.NewID()
	// The hub stops first, so that it is not renegotiating with the
	// peers as they close; each peer's reader ends before its
	// connection closes under it.
	var peers []*wsPeer
	defer func() {
		for _, p := range peers {
			p.ws.Close()
			<-p.done
			p.pc.Close()
		}
	}()
	c := startChild(b, childEnv+"=hub", dirEnv+"="+dir, roomEnv+"="+room.String(),
		limitEnv+"="+strconv.Itoa(n+1), inviteEnv+"="+strings.Join(invite, ","))
	defer c.stop()
	stop := make(chan struct{})
	defer close(stop)
	marks := make(chan struct{})
	pub := dialHub(b, api, c.addr, tokens[0], room)
	peers = append(peers, pub)
	track, err := webrtc.NewTrackLocalStaticSample(rtcconf.VP8.RTPCodecCapability, "video", "bench")
	if err != nil {
		b.Fatal(err)
	}
	sender, err := pub.pc.AddTrack(track)
	if err != nil {
		b.Fatal(err)
	}
	go drain(sender)
	pub.send(wire.TypeRoomJoin, wire.RoomJoin{Room: room, Publish: []string{wire.MediaVideo}})
	go replay(track, frames, marks, stop)
	var got []*counter
	for i := 1; i <= n; i++ {
		g := new(counter)
		got = append(got, g)
		p := dialHub(b, api, c.addr, tokens[i], room)
		peers = append(peers, p)
		p.pc.OnTrack(g.onTrack)
		p.send(wire.TypeRoomJoin, wire.RoomJoin{Room: room})
	}
	return measure(b, c, got, marks)
}

// childBare serves the floor: one track read and written to N peers. A
// peer is made by POST /publish (the publisher's offer in, the answer
// out) or POST /subscribe (the forwarder's offer out) then POST
// /answer?peer=ID; every offer and answer is complete, no trickle.
func childBare() int {
	ctx, cancel := untilStdinCloses()
	defer cancel()
	api, err := rtcconf.NewAPI(rtcconf.Network{Loopback: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out, err := webrtc.NewTrackLocalStaticRTP(rtcconf.VP8.RTPCodecCapability, "fwd", "bench")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var mu sync.Mutex
	pcs := map[string]*webrtc.PeerConnection{}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, pc := range pcs {
			pc.Close()
		}
	}()
	fail := func(w http.ResponseWriter, err error) { http.Error(w, err.Error(), http.StatusInternalServerError) }
	mux := http.NewServeMux()
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		offer, _ := io.ReadAll(r.Body)
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			fail(w, err)
			return
		}
		mu.Lock()
		pcs["publisher"] = pc
		mu.Unlock()
		pc.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			for {
				pkt, _, err := remote.ReadRTP()
				if err != nil {
					return
				}
				pkt.Extension, pkt.Extensions = false, nil
				_ = out.WriteRTP(pkt)
			}
		})
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
			fail(w, err)
			return
		}
		ans, err := pc.CreateAnswer(nil)
		if err != nil {
			fail(w, err)
			return
		}
		done := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(ans); err != nil {
			fail(w, err)
			return
		}
		<-done
		io.WriteString(w, pc.LocalDescription().SDP)
	})
	var next atomic.Int64
	mux.HandleFunc("POST /subscribe", func(w http.ResponseWriter, r *http.Request) {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			fail(w, err)
			return
		}
		id := strconv.FormatInt(next.Add(1), 10)
		mu.Lock()
		pcs[id] = pc
		mu.Unlock()
		s, err := pc.AddTrack(out)
		if err != nil {
			fail(w, err)
			return
		}
		go drain(s)
		offer, err := pc.CreateOffer(nil)
		if err != nil {
			fail(w, err)
			return
		}
		done := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(offer); err != nil {
			fail(w, err)
			return
		}
		<-done
		w.Header().Set("X-Peer", id)
		io.WriteString(w, pc.LocalDescription().SDP)
	})
	mux.HandleFunc("POST /answer", func(w http.ResponseWriter, r *http.Request) {
		ans, _ := io.ReadAll(r.Body)
		mu.Lock()
		pc := pcs[r.URL.Query().Get("peer")]
		mu.Unlock()
		if pc == nil {
			http.Error(w, "no such peer", http.StatusNotFound)
			return
		}
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(ans)}); err != nil {
			fail(w, err)
		}
	})
	srv := &http.Server{Handler: mux}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr().String())
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// post sends body and returns the answer's body and the peer it names.
func post(b *testing.B, url, body string) (string, string) {
	resp, err := http.Post(url, "application/sdp", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %s: %s", url, resp.Status, out)
	}
	return string(out), resp.Header.Get("X-Peer")
}

// gathered sets a local description and waits for its candidates, so that
// it travels complete.
func gathered(b *testing.B, pc *webrtc.PeerConnection, d webrtc.SessionDescription) string {
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		b.Fatal(err)
	}
	<-done
	return pc.LocalDescription().SDP
}

func forwardBare(b *testing.B, api *webrtc.API, frames [][]byte, n int) armResult {
	c := startChild(b, childEnv+"=bare")
	defer c.stop()
	base := "http://" + c.addr
	var pcs []*webrtc.PeerConnection
	defer func() {
		for _, pc := range pcs {
			pc.Close()
		}
	}()
	pub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	pcs = append(pcs, pub)
	track, err := webrtc.NewTrackLocalStaticSample(rtcconf.VP8.RTPCodecCapability, "video", "bench")
	if err != nil {
		b.Fatal(err)
	}
	sender, err := pub.AddTrack(track)
	if err != nil {
		b.Fatal(err)
	}
	go drain(sender)
	offer, err := pub.CreateOffer(nil)
	if err != nil {
		b.Fatal(err)
	}
	ans, _ := post(b, base+"/publish", gathered(b, pub, offer))
	if err := pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans}); err != nil {
		b.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	marks := make(chan struct{})
	go replay(track, frames, marks, stop)
	var got []*counter
	for range n {
		sub, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			b.Fatal(err)
		}
		pcs = append(pcs, sub)
		g := new(counter)
		got = append(got, g)
		sub.OnTrack(g.onTrack)
		offer, peer := post(b, base+"/subscribe", "")
		if err := sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
			b.Fatal(err)
		}
		answer, err := sub.CreateAnswer(nil)
		if err != nil {
			b.Fatal(err)
		}
		post(b, base+"/answer?peer="+peer, gathered(b, sub, answer))
	}
	return measure(b, c, got, marks)
}
