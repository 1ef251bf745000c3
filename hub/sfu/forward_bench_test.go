package sfu_test

import (
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

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

// BenchmarkForward sends one publisher's 500 kbps 15 fps VP8 stream
// (pre-encoded frames replayed at their rate) to N subscribers on
// loopback, first through the SFU (rooms, signalling through its
// SignalConn), then through a bare pion forwarder (one track read and
// written to N peers) in the same run. cpu-ms/s is the whole process's CPU
// over a 5 s window: the publisher and the N receiving peers are in the
// process too, the same in both arms, so the per-stream figures are
// upper bounds and the ratio understates the SFU's own overhead.
func BenchmarkForward(b *testing.B) {
	frames := encodedSecond(b, 10)
	api, err := rtcconf.NewAPI(rtcconf.Network{Loopback: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{50, 100, 300} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			// The arms alternate which goes first, over the iterations.
			var sfuCPU, sfuRecv, bareCPU, bareRecv float64
			for i := 0; b.Loop(); i++ {
				var sc, sr, bc, br float64
				if i%2 == 0 {
					sc, sr = forwardSFU(b, api, frames, n)
					bc, br = forwardBare(b, api, frames, n)
				} else {
					bc, br = forwardBare(b, api, frames, n)
					sc, sr = forwardSFU(b, api, frames, n)
				}
				sfuCPU, sfuRecv, bareCPU, bareRecv = sfuCPU+sc, sfuRecv+sr, bareCPU+bc, bareRecv+br
			}
			k := float64(b.N)
			sfuCPU, sfuRecv, bareCPU, bareRecv = sfuCPU/k, sfuRecv/k, bareCPU/k, bareRecv/k
			b.ReportMetric(sfuCPU, "sfu-cpu-ms/s")
			b.ReportMetric(bareCPU, "bare-cpu-ms/s")
			b.ReportMetric(1000/(sfuCPU/float64(n)), "sfu-streams/core")
			b.ReportMetric(1000/(bareCPU/float64(n)), "bare-streams/core")
			b.ReportMetric(sfuCPU/bareCPU, "sfu/bare")
			b.ReportMetric(sfuRecv, "sfu-recv-kbps/sub")
			b.ReportMetric(bareRecv, "bare-recv-kbps/sub")
			b.ReportMetric(0, "ns/op")
		})
	}
}

const window = 5 * time.Second

// encodedSecond encodes secs seconds of the noisy test pattern.
func encodedSecond(b *testing.B, secs int) [][]byte {
	enc, err := vpx.NewEncoder(vpx.EncoderConfig{Width: 640, Height: 480, FPS: 15, BitrateKbps: 500})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	var out [][]byte
	seed := uint32(1)
	var img *image.YCbCr
	for i := 0; i < 15*secs; i++ {
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
		if len(f.Data) > 0 {
			out = append(out, f.Data)
		}
	}
	return out
}

// replay writes the frames at 15 a second until stop closes.
func replay(track *webrtc.TrackLocalStaticSample, frames [][]byte, stop chan struct{}) {
	t := time.NewTicker(time.Second / 15)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-t.C:
			_ = track.WriteSample(media.Sample{Data: frames[i%len(frames)], Duration: time.Second / 15})
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

// receiver counts what a peer receives.
func countTrack(got *atomic.Int64) func(*webrtc.TrackRemote, *webrtc.RTPReceiver) {
	return func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		buf := make([]byte, 1500)
		for {
			n, _, err := remote.Read(buf)
			if err != nil {
				return
			}
			got.Add(int64(n))
		}
	}
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure waits for every counter to move, then returns the process CPU
// in ms per second and the mean received kbps per counter over the window.
func measure(b *testing.B, got []*atomic.Int64) (float64, float64) {
	deadline := time.Now().Add(60 * time.Second)
	for _, g := range got {
		for g.Load() == 0 {
			if time.Now().After(deadline) {
				b.Fatal("a subscriber received nothing")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(time.Second)
	var before int64
	for _, g := range got {
		before += g.Load()
	}
	c0, t0 := cpuNow(), time.Now()
	time.Sleep(window)
	c1, t1 := cpuNow(), time.Now()
	var after int64
	for _, g := range got {
		after += g.Load()
	}
	secs := t1.Sub(t0).Seconds()
	return float64((c1 - c0).Milliseconds()) / secs, float64(after-before) * 8 / 1000 / secs / float64(len(got))
}

// sigClient is a peer speaking the SFU's signalling directly.
type sigClient struct {
	b    *testing.B
	room app.ID
	pc   *webrtc.PeerConnection
	conn hub.SignalConn
	mu   sync.Mutex // Handle is called from one read pump
	in   chan wire.Envelope
	held []webrtc.ICECandidateInit
}

func (c *sigClient) send(typ string, body any) {
	frame, err := wire.Encode(typ, "rtc.bench", body)
	if err != nil {
		c.b.Error(err)
		return
	}
	env, _ := wire.DecodeEnvelope(frame)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.conn.Handle(env); err != nil {
		c.b.Errorf("%s: %v", typ, err)
	}
}

func (c *sigClient) serve() {
	for env := range c.in {
		switch env.Type {
		case wire.TypeRTCOffer:
			d, err := wire.DecodeDescription(env)
			if err != nil {
				continue
			}
			if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: d.SDP}); err != nil {
				c.b.Error(err)
				continue
			}
			for _, h := range c.held {
				_ = c.pc.AddICECandidate(h)
			}
			c.held = nil
			ans, err := c.pc.CreateAnswer(nil)
			if err == nil {
				err = c.pc.SetLocalDescription(ans)
			}
			if err != nil {
				c.b.Error(err)
				continue
			}
			c.send(wire.TypeRTCAnswer, wire.Description{Room: c.room, SDP: ans.SDP})
		case wire.TypeRTCCandidate:
			cand, err := wire.DecodeCandidate(env)
			if err != nil || cand.Candidate == "" {
				continue
			}
			init := webrtc.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid, SDPMLineIndex: cand.SDPMLineIndex}
			if c.pc.RemoteDescription() == nil {
				c.held = append(c.held, init)
				continue
			}
			_ = c.pc.AddICECandidate(init)
		}
	}
}

func forwardSFU(b *testing.B, api *webrtc.API, frames [][]byte, n int) (float64, float64) {
	router, err := sfu.New(sfu.Config{Network: rtcconf.Network{Loopback: true}, MaxParticipants: n + 1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer router.Shutdown()
	room := app.NewID()
	ids := make([]app.ID, n+1)
	for i := range ids {
		ids[i] = app.NewID()
	}
	if err := router.Open(room, sfu.Invitation{Stations: ids}); err != nil {
		b.Fatal(err)
	}
	var clients []*sigClient
	defer func() {
		for _, c := range clients {
			c.conn.Close()
			c.pc.Close()
		}
	}()
	join := func(i int, publish []string) *sigClient {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			b.Fatal(err)
		}
		c := &sigClient{b: b, room: room, pc: pc, in: make(chan wire.Envelope, 256)}
		c.conn = router.Attach(hub.SignalPeer{User: fmt.Sprintf("u%d", i), Station: ids[i], Addr: "127.0.0.1", Send: func(frame []byte) bool {
			env, err := wire.DecodeEnvelope(frame)
			if err == nil {
				select {
				case c.in <- env:
				default:
					return false
				}
			}
			return true
		}})
		pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
			if ic == nil {
				return
			}
			init := ic.ToJSON()
			go c.send(wire.TypeRTCCandidate, wire.Candidate{Room: room, Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex})
		})
		clients = append(clients, c)
		go c.serve()
		return c
	}
	stop := make(chan struct{})
	defer close(stop)
	pub := join(0, []string{wire.MediaVideo})
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
	go replay(track, frames, stop)
	var got []*atomic.Int64
	for i := 1; i <= n; i++ {
		g := new(atomic.Int64)
		got = append(got, g)
		c := join(i, nil)
		c.pc.OnTrack(countTrack(g))
		c.send(wire.TypeRoomJoin, wire.RoomJoin{Room: room})
	}
	return measure(b, got)
}

// connect joins two peers with a complete offer and answer, no trickle.
func connect(b *testing.B, offerer, answerer *webrtc.PeerConnection) {
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		b.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		b.Fatal(err)
	}
	<-done
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		b.Fatal(err)
	}
	ans, err := answerer.CreateAnswer(nil)
	if err != nil {
		b.Fatal(err)
	}
	done = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(ans); err != nil {
		b.Fatal(err)
	}
	<-done
	if err := offerer.SetRemoteDescription(*answerer.LocalDescription()); err != nil {
		b.Fatal(err)
	}
}

func forwardBare(b *testing.B, api *webrtc.API, frames [][]byte, n int) (float64, float64) {
	var pcs []*webrtc.PeerConnection
	newPC := func() *webrtc.PeerConnection {
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			b.Fatal(err)
		}
		pcs = append(pcs, pc)
		return pc
	}
	defer func() {
		for _, pc := range pcs {
			pc.Close()
		}
	}()
	out, err := webrtc.NewTrackLocalStaticRTP(rtcconf.VP8.RTPCodecCapability, "fwd", "bench")
	if err != nil {
		b.Fatal(err)
	}
	pub, in := newPC(), newPC()
	track, err := webrtc.NewTrackLocalStaticSample(rtcconf.VP8.RTPCodecCapability, "video", "bench")
	if err != nil {
		b.Fatal(err)
	}
	sender, err := pub.AddTrack(track)
	if err != nil {
		b.Fatal(err)
	}
	go drain(sender)
	in.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := remote.ReadRTP()
			if err != nil {
				return
			}
			pkt.Extension, pkt.Extensions = false, nil
			_ = out.WriteRTP(pkt)
		}
	})
	connect(b, pub, in)
	stop := make(chan struct{})
	defer close(stop)
	go replay(track, frames, stop)
	var got []*atomic.Int64
	for i := 0; i < n; i++ {
		fwd, sub := newPC(), newPC()
		s, err := fwd.AddTrack(out)
		if err != nil {
			b.Fatal(err)
		}
		go drain(s)
		g := new(atomic.Int64)
		got = append(got, g)
		sub.OnTrack(countTrack(g))
		connect(b, fwd, sub)
	}
	return measure(b, got)
}
