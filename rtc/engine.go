// Package rtc is the client's media engine for video consultations: it
// joins a room on the hub through the sync socket's signalling, publishes
// a picture (VP8) and a sound (Opus), receives every other participant's,
// decodes them, and hands decoded pictures to the window.
//
// Pictures are delivered through a one-frame mailbox per participant:
// when the window is slower than the stream, newer frames replace the
// waiting one instead of queueing, so what is shown is always the latest.
package rtc

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/codec/opus"
	"dutyroom/codec/vpx"
	"dutyroom/rtc/rtcconf"
	"dutyroom/rtc/testsrc"
)

// Signaller sends a signalling frame to the hub on the sync connection.
// syncer.Engine and syncer.Client implement it; whoever owns the socket
// passes what arrives to Engine.HandleSignal.
type Signaller interface {
	Signal(frame []byte) error
}

// VideoSource gives the pictures to publish: a camera, or the test
// pattern.
type VideoSource interface {
	// Frame returns picture n, 4:2:0 at the configured size, reusing dst
	// when it fits.
	Frame(n uint32, dst *image.YCbCr) (*image.YCbCr, error)
}

// AudioSource gives the sound to publish: 48 kHz mono, one 20 ms buffer a
// call. testsrc.Tone is one.
type AudioSource interface {
	Fill(pcm []int16)
}

// TestPattern is the synthetic picture of a station without a camera.
type TestPattern struct {
	ID            uint8
	Width, Height int
}

// Frame implements VideoSource.
func (p TestPattern) Frame(n uint32, dst *image.YCbCr) (*image.YCbCr, error) {
	return testsrc.Frame(dst, p.Width, p.Height, p.ID, n)
}

// Config sets up an Engine.
type Config struct {
	Signal  Signaller
	Network rtcconf.Network // the hub's STUN/TURN servers are added at each join
	Video   VideoSource     // nil publishes no picture
	Audio   AudioSource     // nil publishes no sound
	Width   int             // of the published picture; 640 by default
	Height  int             // 480 by default
	FPS     int             // 15 by default
	Bitrate int             // video kbps; 500 by default

	// OnVideo receives each decoded picture, from one goroutine per
	// participant. The image is the callee's. While it runs, newer
	// pictures of that participant replace one another: it sees the
	// latest when it returns, never a backlog.
	OnVideo func(VideoFrame)
	// OnAudio receives each decoded 20 ms of a participant's sound
	// (48 kHz mono); it must not block. The buffer is the callee's.
	OnAudio func(AudioFrame)
	// OnRoom is told of every change of the room: who is in it, and
	// whether this station still is.
	OnRoom func(RoomEvent)
	// OnRecordings receives the hub's list of a room's recorded files,
	// sent to the host station's connections whether in the room or not
	// (the room may have ended).
	OnRecordings func(wire.RoomRecordings)
	Logger       *slog.Logger
}

// VideoFrame is one decoded picture of a participant.
type VideoFrame struct {
	Participant string
	Station     app.ID
	Image       *image.YCbCr
	Key         bool
	Decoded     time.Time
}

// AudioFrame is 20 ms of a participant's sound.
type AudioFrame struct {
	Participant string
	Station     app.ID
	PCM         []int16
}

// RoomEvent describes the room after a change.
type RoomEvent struct {
	Room         app.ID
	In           bool   // false once this station is out of the room
	Reason       string // why it is out, for people
	You          string // this station's participant id
	Participants []wire.Participant
	Recording    bool // the hub is recording the room
}

// Stats counts what the engine did since it started.
type Stats struct {
	FramesSent     int64 // VP8 frames published
	KeyFramesSent  int64
	KeyRequestsIn  int64 // key-frame requests received from the hub
	FramesDecoded  int64 // pictures decoded from others
	FramesDropped  int64 // decoded pictures replaced before OnVideo took them
	FramesBroken   int64 // frames lost to missing packets or failed decodes
	KeyRequestsOut int64 // key-frame requests sent
	AudioDecoded   int64 // 20 ms packets of others' sound
}

// Engine is one station's media in at most one room at a time.
type Engine struct {
	cfg    Config
	log    *slog.Logger
	api    *webrtc.API
	events chan wire.Envelope
	stop   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	call   *call
	seq    int
	closed bool

	framesSent, keyFramesSent, keyRequestsIn  atomic.Int64
	framesDecoded, framesDropped, framesBroke atomic.Int64
	keyRequestsOut, audioDecoded              atomic.Int64
}

// ErrNotInRoom is returned by Leave when there is nothing to leave.
var ErrNotInRoom = errors.New("not in a consultation room")

// New starts an engine; Close stops it.
func New(cfg Config) (*Engine, error) {
	if cfg.Signal == nil {
		return nil, errors.New("rtc: no signaller")
	}
	if cfg.Width == 0 && cfg.Height == 0 {
		cfg.Width, cfg.Height = 640, 480
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 15
	}
	if cfg.Bitrate <= 0 {
		cfg.Bitrate = 500
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	api, err := rtcconf.NewAPI(cfg.Network)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, api: api, events: make(chan wire.Envelope, 256), stop: make(chan struct{})}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.run()
	}()
	return e, nil
}

// HandleSignal takes a signalling message from the hub. It never blocks:
// the sync engine's reader calls it.
func (e *Engine) HandleSignal(env wire.Envelope) {
	select {
	case e.events <- env:
	default:
		// 256 messages behind means the engine is stuck; losing one
		// breaks negotiation, which the connection-state watch notices.
		e.log.Warn("consultation signalling dropped: the media engine is behind", "type", env.Type)
	}
}

// Stats returns the counters.
func (e *Engine) Stats() Stats {
	return Stats{
		FramesSent: e.framesSent.Load(), KeyFramesSent: e.keyFramesSent.Load(), KeyRequestsIn: e.keyRequestsIn.Load(),
		FramesDecoded: e.framesDecoded.Load(), FramesDropped: e.framesDropped.Load(), FramesBroken: e.framesBroke.Load(),
		KeyRequestsOut: e.keyRequestsOut.Load(), AudioDecoded: e.audioDecoded.Load(),
	}
}

// Participants returns who is in the room now, as the hub last said.
func (e *Engine) Participants() []wire.Participant {
	c := e.current()
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]wire.Participant(nil), c.parts...)
}

// call is one stay in a room.
type call struct {
	room   app.ID
	joinID string
	result chan error // the answer to the join
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	you     string
	parts   []wire.Participant
	pc      *webrtc.PeerConnection
	pending []webrtc.ICECandidateInit // candidates before the offer
	ended   bool
	keyReq  atomic.Bool // a key frame was asked for

	recording bool                  // as the hub last said
	asks      map[string]chan error // room.record requests waiting for their answer
}

func (c *call) station(participant string) app.ID {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.parts {
		if p.ID == participant {
			return p.Station
		}
	}
	return app.NilID
}

func (e *Engine) current() *call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.call
}

func (e *Engine) nextID(what string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return wire.SignalIDPrefix + what + "." + strconv.Itoa(e.seq)
}

func (e *Engine) send(typ, id string, body any) error {
	frame, err := wire.Encode(typ, id, body)
	if err != nil {
		return err
	}
	return e.cfg.Signal.Signal(frame)
}

// Join enters a room and returns once the hub has admitted the station;
// media follow as the hub's offer is answered. A refusal is the hub's
// *wire.Error (forbidden for a room the station is not invited to,
// room_full).
func (e *Engine) Join(ctx context.Context, room app.ID) error {
	e.mu.Lock()
	switch {
	case e.closed:
		e.mu.Unlock()
		return errors.New("rtc: the engine is closed")
	case e.call != nil:
		e.mu.Unlock()
		return fmt.Errorf("rtc: already in room %s; leave it first", e.call.room)
	}
	e.seq++
	c := &call{room: room, joinID: wire.SignalIDPrefix + "join." + strconv.Itoa(e.seq), result: make(chan error, 1)}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	e.call = c
	e.mu.Unlock()

	var publish []string
	if e.cfg.Video != nil {
		publish = append(publish, wire.MediaVideo)
	}
	if e.cfg.Audio != nil {
		publish = append(publish, wire.MediaAudio)
	}
	err := e.send(wire.TypeRoomJoin, c.joinID, wire.RoomJoin{Room: room, Publish: publish})
	if err == nil {
		select {
		case err = <-c.result:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		e.end(c, "")
		return err
	}
	return nil
}

// Leave leaves the room: the hub is told, and everything of the call is
// stopped before Leave returns.
func (e *Engine) Leave() error {
	c := e.current()
	if c == nil {
		return ErrNotInRoom
	}
	err := e.send(wire.TypeRoomLeave, e.nextID("leave"), wire.RoomLeave{Room: c.room})
	e.end(c, "left")
	return err
}

// SetRecording asks the hub to start or stop recording the room, and
// returns once it has: the hub's refusal is a *wire.Error (forbidden for a
// station that does not host the consultation).
func (e *Engine) SetRecording(ctx context.Context, on bool) error {
	c := e.current()
	if c == nil {
		return ErrNotInRoom
	}
	id := e.nextID("record")
	done := make(chan error, 1)
	c.mu.Lock()
	if c.asks == nil {
		c.asks = map[string]chan error{}
	}
	c.asks[id] = done
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.asks, id)
		c.mu.Unlock()
	}()
	if err := e.send(wire.TypeRoomRecord, id, wire.RoomRecord{Room: c.room, On: on}); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-c.ctx.Done():
		return ErrNotInRoom
	}
}

// answer hands the hub's answer to a waiting request, reporting whether
// one was waiting.
func (c *call) answer(id string, err error) bool {
	if id == "" {
		return false
	}
	c.mu.Lock()
	done := c.asks[id]
	c.mu.Unlock()
	if done == nil {
		return false
	}
	done <- err
	return true
}

// Close leaves any room and stops the engine.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.mu.Unlock()
	if c := e.current(); c != nil {
		_ = e.send(wire.TypeRoomLeave, e.nextID("leave"), wire.RoomLeave{Room: c.room})
		e.end(c, "left")
	}
	close(e.stop)
	e.wg.Wait()
}

// end stops a call once: publishers, receivers, the peer connection.
func (e *Engine) end(c *call, reason string) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	pc := c.pc
	you := c.you
	c.mu.Unlock()
	e.mu.Lock()
	if e.call == c {
		e.call = nil
	}
	e.mu.Unlock()
	c.cancel()
	if pc != nil {
		_ = pc.Close()
	}
	c.wg.Wait()
	if e.cfg.OnRoom != nil && you != "" {
		e.cfg.OnRoom(RoomEvent{Room: c.room, In: false, Reason: reason, You: you})
	}
}

// run serves signalling, one message at a time, so the peer connection's
// negotiation never interleaves.
func (e *Engine) run() {
	for {
		select {
		case <-e.stop:
			return
		case env := <-e.events:
			e.handle(env)
		}
	}
}

func (e *Engine) handle(env wire.Envelope) {
	if env.Type == wire.TypeRoomRecordings {
		// Also after the call: the last files of a room close when it
		// ends.
		r, err := wire.DecodeRoomRecordings(env)
		if err != nil {
			e.log.Warn("an unreadable list of recorded files from the hub", "err", err)
			return
		}
		if e.cfg.OnRecordings != nil {
			e.cfg.OnRecordings(r)
		}
		return
	}
	c := e.current()
	if c == nil {
		return // a late message for a call already over
	}
	switch env.Type {
	case wire.TypeError:
		we := wire.DecodeError(env)
		if env.ID == c.joinID {
			c.result <- we
			return
		}
		if c.answer(env.ID, we) {
			return
		}
		e.log.Warn("the hub refused a consultation message", "id", env.ID, "code", we.Code, "reason", we.Message)
	case wire.TypeRoomJoined:
		j, err := wire.DecodeRoomJoined(env)
		if err != nil || j.Room != c.room {
			return
		}
		err = e.setUp(c, j)
		if err != nil {
			err = fmt.Errorf("rtc: setting up the media connection: %w", err)
		}
		c.result <- err
		e.notify(c)
	case wire.TypeRoomState:
		s, err := wire.DecodeRoomState(env)
		if err != nil || s.Room != c.room {
			return
		}
		c.mu.Lock()
		c.parts, c.recording = s.Participants, s.Recording
		c.mu.Unlock()
		e.notify(c)
	case wire.TypeRoomRecording:
		r, err := wire.DecodeRoomRecording(env)
		if err != nil || r.Room != c.room {
			return
		}
		c.mu.Lock()
		c.recording = r.On
		c.mu.Unlock()
		c.answer(env.ID, nil)
		e.notify(c)
	case wire.TypeRoomLeft:
		l, err := wire.DecodeRoomLeft(env)
		if err != nil || l.Room != c.room {
			return
		}
		go e.end(c, l.Reason)
	case wire.TypeRTCOffer:
		d, err := wire.DecodeDescription(env)
		if err != nil || d.Room != c.room {
			return
		}
		if err := e.answer(c, d.SDP); err != nil {
			e.log.Warn("cannot answer the hub's offer", "room", c.room, "err", err)
		}
	case wire.TypeRTCCandidate:
		cand, err := wire.DecodeCandidate(env)
		if err != nil || cand.Room != c.room || cand.Candidate == "" {
			return
		}
		init := webrtc.ICECandidateInit{Candidate: cand.Candidate, SDPMid: cand.SDPMid, SDPMLineIndex: cand.SDPMLineIndex}
		c.mu.Lock()
		pc := c.pc
		if pc == nil || pc.RemoteDescription() == nil {
			// A candidate may overtake the offer it belongs to.
			c.pending = append(c.pending, init)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if err := pc.AddICECandidate(init); err != nil {
			e.log.Warn("the hub sent an unusable ICE candidate", "err", err)
		}
	}
}

func (e *Engine) notify(c *call) {
	if e.cfg.OnRoom == nil {
		return
	}
	c.mu.Lock()
	ev := RoomEvent{Room: c.room, In: !c.ended, You: c.you, Participants: append([]wire.Participant(nil), c.parts...), Recording: c.recording && !c.ended}
	c.mu.Unlock()
	e.cfg.OnRoom(ev)
}

// setUp builds the peer connection once the hub has admitted us: local
// tracks first, so that the hub's offer (which asks to receive them) finds
// them to answer with.
func (e *Engine) setUp(c *call, j wire.RoomJoined) error {
	network := e.cfg.Network
	network.ICEServers = append(append([]wire.ICEServer(nil), network.ICEServers...), j.ICEServers...)
	pc, err := e.api.NewPeerConnection(webrtc.Configuration{ICEServers: network.WebRTCServers()})
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		_ = pc.Close()
		return errors.New("the call ended while joining")
	}
	c.pc, c.you, c.parts, c.recording = pc, j.You, j.Participants, j.Recording
	c.mu.Unlock()

	pc.OnICECandidate(func(ic *webrtc.ICECandidate) {
		if ic == nil {
			return
		}
		init := ic.ToJSON()
		_ = e.send(wire.TypeRTCCandidate, e.nextID("candidate"), wire.Candidate{Room: c.room, Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex})
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			// Whatever was sent before the connection was up is lost:
			// start the picture with a key frame.
			c.keyReq.Store(true)
		case webrtc.PeerConnectionStateFailed:
			go e.end(c, "the media connection to the hub failed")
		}
	})
	pc.OnTrack(func(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			switch remote.Kind() {
			case webrtc.RTPCodecTypeVideo:
				e.receiveVideo(c, pc, remote)
			case webrtc.RTPCodecTypeAudio:
				e.receiveAudio(c, remote)
			}
		}()
	})
	if e.cfg.Video != nil {
		track, err := webrtc.NewTrackLocalStaticSample(rtcconf.VP8.RTPCodecCapability, "video", "dutyroom")
		if err != nil {
			return err
		}
		sender, err := pc.AddTrack(track)
		if err != nil {
			return err
		}
		c.wg.Add(2)
		go func() { defer c.wg.Done(); e.readKeyRequests(c, sender) }()
		go func() { defer c.wg.Done(); e.publishVideo(c, track) }()
	}
	if e.cfg.Audio != nil {
		track, err := webrtc.NewTrackLocalStaticSample(rtcconf.Opus.RTPCodecCapability, "audio", "dutyroom")
		if err != nil {
			return err
		}
		sender, err := pc.AddTrack(track)
		if err != nil {
			return err
		}
		c.wg.Add(2)
		go func() { defer c.wg.Done(); drainRTCP(sender) }()
		go func() { defer c.wg.Done(); e.publishAudio(c, track) }()
	}
	return nil
}

func (e *Engine) answer(c *call, offer string) error {
	c.mu.Lock()
	pc := c.pc
	c.mu.Unlock()
	if pc == nil {
		return errors.New("an offer before the join was answered")
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return err
	}
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, init := range pending {
		if err := pc.AddICECandidate(init); err != nil {
			e.log.Warn("the hub sent an unusable ICE candidate", "err", err)
		}
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := pc.SetLocalDescription(ans); err != nil {
		return err
	}
	return e.send(wire.TypeRTCAnswer, e.nextID("answer"), wire.Description{Room: c.room, SDP: ans.SDP})
}

func drainRTCP(sender *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := sender.Read(buf); err != nil {
			return
		}
	}
}

// readKeyRequests turns the hub's relayed picture-loss requests into a key
// frame at the next tick.
func (e *Engine) readKeyRequests(c *call, sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				e.keyRequestsIn.Add(1)
				c.keyReq.Store(true)
			}
		}
	}
}

func (e *Engine) publishVideo(c *call, track *webrtc.TrackLocalStaticSample) {
	enc, err := vpx.NewEncoder(vpx.EncoderConfig{Width: e.cfg.Width, Height: e.cfg.Height, FPS: e.cfg.FPS, BitrateKbps: e.cfg.Bitrate})
	if err != nil {
		e.log.Error("cannot start the video encoder", "err", err)
		return
	}
	defer enc.Close()
	interval := time.Second / time.Duration(e.cfg.FPS)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var img *image.YCbCr
	for n := uint32(0); ; n++ {
		img, err = e.cfg.Video.Frame(n, img)
		if err != nil {
			e.log.Error("the video source failed", "err", err)
			return
		}
		f, err := enc.Encode(img, c.keyReq.Swap(false))
		if err != nil {
			e.log.Error("the video encoder failed", "err", err)
			return
		}
		if len(f.Data) > 0 {
			if err := track.WriteSample(media.Sample{Data: f.Data, Duration: interval}); err != nil {
				return
			}
			e.framesSent.Add(1)
			if f.Key {
				e.keyFramesSent.Add(1)
			}
		}
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (e *Engine) publishAudio(c *call, track *webrtc.TrackLocalStaticSample) {
	enc, err := opus.NewEncoder(1, 32000)
	if err != nil {
		e.log.Error("cannot start the audio encoder", "err", err)
		return
	}
	defer enc.Close()
	const interval = 20 * time.Millisecond
	tick := time.NewTicker(interval)
	defer tick.Stop()
	pcm := make([]int16, opus.FrameSamples)
	for {
		e.cfg.Audio.Fill(pcm)
		pkt, err := enc.Encode(pcm)
		if err != nil {
			e.log.Error("the audio encoder failed", "err", err)
			return
		}
		if err := track.WriteSample(media.Sample{Data: pkt, Duration: interval}); err != nil {
			return
		}
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (e *Engine) receiveAudio(c *call, remote *webrtc.TrackRemote) {
	dec, err := opus.NewDecoder(1)
	if err != nil {
		e.log.Error("cannot start the audio decoder", "err", err)
		return
	}
	defer dec.Close()
	who := remote.StreamID()
	pcm := make([]int16, opus.SampleRate*120/1000)
	for {
		pkt, _, err := remote.ReadRTP()
		if err != nil {
			return
		}
		if len(pkt.Payload) == 0 {
			continue
		}
		n, err := dec.Decode(pkt.Payload, pcm)
		if err != nil {
			continue
		}
		e.audioDecoded.Add(1)
		if e.cfg.OnAudio != nil {
			e.cfg.OnAudio(AudioFrame{Participant: who, Station: c.station(who), PCM: append([]int16(nil), pcm[:n]...)})
		}
	}
}
