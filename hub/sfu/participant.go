package sfu

// A participant is one connection in one room: its peer connection, its
// negotiation one offer at a time, its candidates, and its leaving.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"dutyroom/app/wire"
	"dutyroom/rtc/rtcconf"
)

// participant is one station in one room: one peer connection carrying
// what it publishes up and everyone else's tracks down.
type participant struct {
	s    *SFU
	sess *session
	room *room
	info wire.Participant
	pc   *webrtc.PeerConnection

	// mu serialises negotiation: one offer outstanding at a time, and a
	// change that comes meanwhile waits for the answer (again).
	mu       sync.Mutex
	offers   int
	offering bool
	again    bool
	answered bool // a remote description is set: candidates go straight in
	// told is set once room.joined has gone to the participant: an offer
	// before it would reach a client with no connection to answer it
	// with, which drops it, and the hub would wait for its answer for
	// ever. The join's own negotiation follows at once.
	told    bool
	pending []webrtc.ICECandidateInit
	cands   int // candidates taken over the stay, held or added
	sent    map[*forward]*webrtc.RTPSender
	fresh   []*forward // subscribed in the outstanding offer
	left    bool
}

func (p *participant) start() error {
	pc, err := p.s.api.NewPeerConnection(webrtc.Configuration{ICEServers: p.s.cfg.Network.WebRTCServers()})
	if err != nil {
		return err
	}
	for _, m := range p.info.Publish {
		kind := webrtc.RTPCodecTypeVideo
		if m == wire.MediaAudio {
			kind = webrtc.RTPCodecTypeAudio
		}
		if _, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			return err
		}
	}
	room := p.room.id
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		p.sess.send(wire.TypeRTCCandidate, "", wire.Candidate{Room: room, Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex})
	})
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateFailed:
			// A participant that vanished without leaving: its tracks
			// stop, and the others must not wait for them.
			go p.leave("the media connection failed", true)
		case webrtc.PeerConnectionStateClosed:
			go p.leave("the media connection closed", true)
		}
	})
	pc.OnTrack(p.publish)
	// The participant is in the room before its connection exists: another
	// participant's new track may already be asking it to negotiate, and
	// finds no connection until here (its own first negotiation follows).
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left {
		return pc.Close()
	}
	p.pc = pc
	return nil
}

// negotiate brings the participant's subscriptions in line with the
// room's tracks and sends an offer when something changed, or queues the
// change while an offer is outstanding.
func (p *participant) negotiate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left || p.pc == nil || !p.told {
		return
	}
	if p.offering {
		p.again = true
		return
	}
	p.s.mu.Lock()
	var want []*forward
	for _, f := range p.room.tracks {
		if f.owner != p {
			want = append(want, f)
		}
	}
	p.s.mu.Unlock()
	changed := false
	for f, sender := range p.sent {
		if !slices.Contains(want, f) {
			if err := p.pc.RemoveTrack(sender); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
				p.s.log.Warn("cannot stop forwarding a track", "room", p.room.id, "participant", p.info.ID, "err", err)
			}
			delete(p.sent, f)
			changed = true
		}
	}
	for _, f := range want {
		if _, ok := p.sent[f]; ok {
			continue
		}
		sender, err := p.pc.AddTrack(f.local)
		if err != nil {
			if !errors.Is(err, webrtc.ErrConnectionClosed) {
				p.s.log.Warn("cannot forward a track", "room", p.room.id, "participant", p.info.ID, "err", err)
			}
			continue
		}
		p.sent[f] = sender
		p.fresh = append(p.fresh, f)
		changed = true
		go p.readRTCP(sender, f)
	}
	if (!changed && p.offers > 0) || len(p.pc.GetTransceivers()) == 0 {
		// Nothing to negotiate; an offer without media would not even
		// carry ICE credentials. A participant that only watches gets
		// its first offer with the first track.
		return
	}
	offer, err := p.pc.CreateOffer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(offer)
	}
	if err != nil {
		if !errors.Is(err, webrtc.ErrConnectionClosed) {
			p.s.log.Warn("cannot make an offer", "room", p.room.id, "participant", p.info.ID, "err", err)
		}
		return
	}
	p.offers++
	p.offering = true
	p.sess.send(wire.TypeRTCOffer, "", wire.Description{Room: p.room.id, SDP: offer.SDP})
}

// answer takes the client's answer to the outstanding offer.
func (p *participant) answer(sdpText string) error {
	if err := checkAnswer(sdpText); err != nil {
		return err
	}
	p.mu.Lock()
	if p.left {
		p.mu.Unlock()
		return nil
	}
	if !p.offering {
		p.mu.Unlock()
		return wire.Errorf(wire.CodeBadMessage, "rtc.answer: no offer is waiting for an answer")
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdpText}); err != nil {
		p.mu.Unlock()
		return wire.Errorf(wire.CodeInvalid, "rtc.answer: the hub cannot use this answer: %v", err)
	}
	p.offering, p.answered = false, true
	pending := p.pending
	p.pending = nil
	for _, c := range pending {
		if err := p.pc.AddICECandidate(c); err != nil {
			p.s.log.Warn("a held ICE candidate does not fit the answer", "room", p.room.id, "participant", p.info.ID, "err", err)
		}
	}
	fresh := p.fresh
	p.fresh = nil
	again := p.again
	p.again = false
	p.mu.Unlock()
	// A newcomer sees a picture at once instead of at the publisher's
	// next periodic key frame.
	for _, f := range fresh {
		f.requestKeyFrame(p.s, true)
	}
	if again {
		p.negotiate()
	}
	return nil
}

// checkAnswer refuses an answer that does not parse, or whose media carry
// none of the consultation codecs: what would otherwise be a silent, black
// participant becomes a refusal the client can show.
func checkAnswer(text string) error {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(text); err != nil {
		return wire.Errorf(wire.CodeInvalid, "rtc.answer: the sdp does not parse: %v", err)
	}
	for i, md := range sd.MediaDescriptions {
		kind := md.MediaName.Media
		if md.MediaName.Port.Value == 0 || (kind != "audio" && kind != "video") {
			continue
		}
		var names []string
		ok := false
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			_, enc, _ := strings.Cut(a.Value, " ")
			name, _, _ := strings.Cut(enc, "/")
			names = append(names, name)
			if rtcconf.CodecAllowed(name) {
				ok = true
			}
		}
		if !ok {
			return wire.Errorf(wire.CodeInvalid, "rtc.answer: %s section %d carries %s; this hub carries only VP8 video and Opus audio",
				kind, i, strings.Join(names, ", "))
		}
	}
	return nil
}

// candidate adds a client's ICE candidate, holding it until the first
// answer is in.
func (p *participant) candidate(c wire.Candidate) error {
	value := strings.TrimPrefix(c.Candidate, "candidate:")
	if value == "" {
		return nil // end of candidates: nothing to do for a full ICE agent
	}
	if _, err := ice.UnmarshalCandidate(value); err != nil {
		return wire.Errorf(wire.CodeInvalid, "rtc.candidate: not an ICE candidate: %v", err)
	}
	init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left {
		return nil
	}
	// Refused before anything is done with it: a candidate over the bound
	// is neither held nor given to the ICE agent, which would send
	// connectivity checks to it.
	if p.cands >= p.s.cfg.MaxCandidates {
		return p.s.refuse(reasonCandidates, wire.Errorf(wire.CodeTooLarge, "rtc.candidate: more than %d candidates from one participant; the rest are ignored", p.s.cfg.MaxCandidates))
	}
	if !p.answered {
		if len(p.pending) >= p.s.cfg.MaxPendingCandidates {
			return p.s.refuse(reasonCandidates, wire.Errorf(wire.CodeTooLarge, "rtc.candidate: more than %d candidates before an answer", p.s.cfg.MaxPendingCandidates))
		}
		p.cands++
		p.pending = append(p.pending, init)
		return nil
	}
	p.cands++
	if err := p.pc.AddICECandidate(init); err != nil {
		return wire.Errorf(wire.CodeInvalid, "rtc.candidate: %v", err)
	}
	return nil
}

// leave takes the participant out of its room, once: its tracks stop
// being forwarded, the others renegotiate and hear who is left, and the
// room is dropped when empty. notify tells the participant itself.
func (p *participant) leave(reason string, notify bool) {
	s := p.s
	p.mu.Lock()
	if p.left {
		p.mu.Unlock()
		return
	}
	p.left = true
	pc := p.pc
	p.mu.Unlock()

	s.mu.Lock()
	r := p.room
	if r.parts[p.info.ID] == p {
		s.peers--
	}
	if link := p.sess.peer.Link; link != "" && s.links[link] == p {
		delete(s.links, link)
	}
	delete(r.parts, p.info.ID)
	if i := slices.Index(r.order, p); i >= 0 {
		r.order = slices.Delete(r.order, i, i+1)
	}
	r.tracks = slices.DeleteFunc(r.tracks, func(f *forward) bool {
		if f.owner == p {
			stopFileLocked(f)
			return true
		}
		return false
	})
	empty := len(r.parts) == 0
	if empty && s.rooms[r.id] == r {
		delete(s.rooms, r.id)
	}
	others := r.list()
	infos := r.infos()
	rr := s.recs[r.id]
	recording := rr != nil && rr.on
	s.mu.Unlock()

	p.sess.mu.Lock()
	if p.sess.parts[r.id] == p {
		delete(p.sess.parts, r.id)
	}
	p.sess.mu.Unlock()
	if pc != nil {
		if err := pc.Close(); err != nil {
			s.log.Debug("closing a participant's peer connection", "err", err)
		}
	}
	attrs := []any{"room", r.id, "participant", p.info.ID, "station", p.info.Station, "user", p.info.User, "participants", len(others)}
	if reason != "" {
		attrs = append(attrs, "reason", reason)
	}
	s.log.Info("left a consultation", attrs...)
	if empty {
		s.log.Info("consultation room closed: nobody is in it", "room", r.id)
	}
	if notify {
		p.sess.send(wire.TypeRoomLeft, "", wire.RoomLeft{Room: r.id, Reason: reason})
	}
	broadcastState(r.id, others, infos, recording, nil)
	for _, o := range others {
		o.negotiate()
	}
}

// String names a participant in test failures.
func (p *participant) String() string {
	return fmt.Sprintf("%s in %s", p.info.ID, p.room.id)
}
