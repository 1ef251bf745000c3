package rtc

import (
	"image"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"

	"dutyroom/codec/vpx"
)

// keyRequestGap is the least time between two key-frame requests for one
// track: a burst of loss must not make the sender send only key frames.
const keyRequestGap = 300 * time.Millisecond

// assembler gathers the RTP packets of one VP8 frame and hands the frame
// over at the packet carrying the marker bit. pion's samplebuilder would
// wait for the next frame's first packet to know a frame is complete,
// adding a frame's worth of delay to every picture.
type assembler struct {
	frame   []byte
	ts      uint32
	started bool   // the frame's first packet has arrived
	broken  bool   // a packet of the frame is missing
	next    uint16 // the sequence number expected next
	primed  bool   // next is known
	vp8     codecs.VP8Packet
}

// push takes one packet. At the marker bit it returns the complete frame
// (valid until the next push); lost reports that packets went missing.
// A packet older than the last one seen is ignored: its frame is gone.
func (a *assembler) push(pkt *rtp.Packet) (frame []byte, lost bool) {
	if a.primed {
		d := int16(pkt.SequenceNumber - a.next)
		if d < 0 {
			return nil, false
		}
		if d > 0 {
			a.broken, lost = true, true
		}
	}
	a.next, a.primed = pkt.SequenceNumber+1, true
	payload, err := a.vp8.Unmarshal(pkt.Payload)
	if err != nil {
		a.broken = true
		return nil, true
	}
	if a.vp8.S == 1 && a.vp8.PID == 0 {
		if a.started {
			lost = true // the last frame never saw its marker
		}
		a.frame, a.ts, a.started, a.broken = append(a.frame[:0], payload...), pkt.Timestamp, true, false
	} else {
		if !a.started || pkt.Timestamp != a.ts {
			a.broken = true
		}
		a.frame = append(a.frame, payload...)
	}
	if !pkt.Marker {
		return nil, lost
	}
	complete := a.started && !a.broken
	a.started, a.broken = false, false
	if !complete {
		return nil, true
	}
	return a.frame, lost
}

// isKeyFrame reads the VP8 frame tag (RFC 6386, 9.1): bit 0 clear is a
// key frame.
func isKeyFrame(frame []byte) bool { return len(frame) > 0 && frame[0]&1 == 0 }

// mailbox holds at most one picture for the consumer; a new one replaces
// it.
type mailbox struct {
	mu    sync.Mutex
	frame *VideoFrame
	ready chan struct{}
}

func newMailbox() *mailbox { return &mailbox{ready: make(chan struct{}, 1)} }

func (m *mailbox) take() *VideoFrame {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.frame
	m.frame = nil
	return f
}

func (m *mailbox) put(f *VideoFrame) {
	m.mu.Lock()
	m.frame = f
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

// receiveVideo reads one participant's picture until the track ends.
func (e *Engine) receiveVideo(c *call, pc *webrtc.PeerConnection, remote *webrtc.TrackRemote) {
	dec, err := vpx.NewDecoder()
	if err != nil {
		e.log.Error("cannot start the video decoder", "err", err)
		return
	}
	defer dec.Close()
	who := remote.StreamID()
	mb := newMailbox()
	done := make(chan struct{})
	var delivery sync.WaitGroup
	if e.cfg.OnVideo != nil {
		delivery.Add(1)
		go func() {
			defer delivery.Done()
			for {
				select {
				case <-done:
					return
				case <-mb.ready:
					if f := mb.take(); f != nil {
						e.cfg.OnVideo(*f)
					}
				}
			}
		}()
	}
	defer func() {
		close(done)
		delivery.Wait()
	}()

	var lastRequest time.Time
	requestKey := func() {
		if time.Since(lastRequest) < keyRequestGap {
			return
		}
		lastRequest = time.Now()
		if err := pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(remote.SSRC())}}); err == nil {
			e.keyRequestsOut.Add(1)
		}
	}
	// Ask at once: the publisher's next periodic key frame may be seconds
	// away, and nothing decodes before one.
	requestKey()
	var asm assembler
	needKey := true
	for {
		pkt, _, err := remote.ReadRTP()
		if err != nil {
			return
		}
		frame, lost := asm.push(pkt)
		if lost {
			e.framesBroke.Add(1)
			// Error resilience keeps later frames decodable, but they
			// refer to a picture this decoder never had: wait for a key
			// frame rather than show damage.
			needKey = true
			requestKey()
		}
		if frame == nil {
			continue
		}
		key := isKeyFrame(frame)
		if needKey && !key {
			requestKey()
			continue
		}
		var img *image.YCbCr
		if old := mb.take(); old != nil {
			// The consumer has not taken the last picture: reuse its
			// buffer for the newer one.
			img = old.Image
			e.framesDropped.Add(1)
		}
		img, err = dec.Decode(frame, img)
		if err != nil {
			e.framesBroke.Add(1)
			needKey = true
			requestKey()
			continue
		}
		needKey = false
		e.framesDecoded.Add(1)
		if e.cfg.OnVideo != nil {
			mb.put(&VideoFrame{Participant: who, Station: c.station(who), Image: img, Key: key, Decoded: time.Now()})
		}
	}
}
