package sfu

// A forward is one published track and its copy towards the other
// participants, with the key-frame requests relayed to its publisher.

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"dutyroom/rtc/rtcconf"
)

// forward is one published track and its copy towards subscribers.
type forward struct {
	owner   *participant
	kind    webrtc.RTPCodecType
	ssrc    webrtc.SSRC
	codec   webrtc.RTPCodecParameters
	local   *webrtc.TrackLocalStaticRTP
	rec     atomic.Pointer[trackFile] // the file being recorded, if any
	keyMu   sync.Mutex
	lastKey time.Time   // when the last key-frame request went to the publisher
	keyWait *time.Timer // a request waiting for the gap to end, or nil
	keyDue  time.Time   // when keyWait fires
}

// readRTCP relays a subscriber's key-frame requests to the publisher of
// the track; the NACK interceptor has already answered retransmission
// requests from its buffer.
func (p *participant) readRTCP(sender *webrtc.RTPSender, f *forward) {
	first := true
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				f.requestKeyFrame(p.s, first)
				first = false
			}
		}
	}
}

// requestKeyFrame relays a key-frame request to the publisher, at most
// one per KeyFrameGap (FirstKeyFrameGap since the last when first is set).
// A request within the gap is sent when the gap ends rather than dropped:
// dropped, it left a subscriber whose subscription began just after the
// last key frame waiting for its own next request, itself throttled, for
// up to twice the gap.
func (f *forward) requestKeyFrame(s *SFU, first bool) {
	if f.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	gap := s.cfg.KeyFrameGap
	if first {
		gap = s.cfg.FirstKeyFrameGap
	}
	f.keyMu.Lock()
	defer f.keyMu.Unlock()
	due := f.lastKey.Add(gap)
	switch {
	case f.keyWait != nil && !due.Before(f.keyDue):
		// The request already waiting covers this one.
	case f.keyWait != nil:
		// A newcomer's shorter gap brings the waiting request forward.
		if f.keyWait.Stop() {
			f.keyWait.Reset(time.Until(due))
			f.keyDue = due
		}
	case time.Now().Before(due):
		f.keyWait = time.AfterFunc(time.Until(due), func() {
			f.keyMu.Lock()
			defer f.keyMu.Unlock()
			f.keyWait = nil
			f.sendKeyRequest(s)
		})
		f.keyDue = due
	default:
		f.sendKeyRequest(s)
	}
}

// sendKeyRequest asks the publisher for a key frame now; keyMu is held.
func (f *forward) sendKeyRequest(s *SFU) {
	f.lastKey = time.Now()
	if err := f.owner.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(f.ssrc)}}); err == nil {
		s.keyFrames.Add(1)
	}
}

// publish forwards one track the participant sends, until it ends.
func (p *participant) publish(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	kind := remote.Kind()
	if !rtcconf.CodecAllowed(strings.TrimPrefix(strings.TrimPrefix(remote.Codec().MimeType, "video/"), "audio/")) {
		p.s.log.Warn("a track in a codec the hub does not forward", "room", p.room.id, "participant", p.info.ID, "codec", remote.Codec().MimeType)
		return
	}
	local, err := webrtc.NewTrackLocalStaticRTP(remote.Codec().RTPCodecCapability, p.info.ID+"-"+kind.String(), p.info.ID)
	if err != nil {
		p.s.log.Error("cannot make a track to forward", "err", err)
		return
	}
	f := &forward{owner: p, kind: kind, ssrc: remote.SSRC(), codec: remote.Codec(), local: local}
	s := p.s
	s.mu.Lock()
	if s.rooms[p.room.id] != p.room || p.room.parts[p.info.ID] != p {
		s.mu.Unlock()
		return
	}
	p.room.tracks = append(p.room.tracks, f)
	others := p.room.list()
	if rr := s.recs[p.room.id]; rr != nil && rr.on {
		s.startFileLocked(rr, f)
	}
	s.mu.Unlock()
	for _, o := range others {
		if o != p {
			go o.negotiate()
		}
	}
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			break
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue
		}
		// Header extension ids are negotiated per connection; the
		// publisher's mean nothing to a subscriber.
		pkt.Extension, pkt.Extensions = false, nil
		// An error here is one subscriber's closed connection; the others
		// still want the packet.
		_ = local.WriteRTP(&pkt)
		s.forwarded.Add(1)
		if tf := f.rec.Load(); tf != nil {
			tf.offer(s, &pkt)
		}
	}
	s.mu.Lock()
	if i := slices.Index(p.room.tracks, f); i >= 0 {
		p.room.tracks = slices.Delete(p.room.tracks, i, i+1)
	}
	stopFileLocked(f)
	others = p.room.list()
	s.mu.Unlock()
	for _, o := range others {
		if o != p {
			go o.negotiate()
		}
	}
}
