package sfu

import (
	"sync"
	"testing"

	"github.com/pion/webrtc/v4"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/rtc/rtcconf"
)

// A participant whose room.joined has not gone out yet gets no offer,
// even when another's new track asks it to negotiate: its client has no
// connection to answer with before room.joined, drops the offer, and the
// hub would wait for the answer for ever (seen under load: a station
// that joined while another's track arrived never saw anyone).
func TestNoOfferBeforeRoomJoined(t *testing.T) {
	s, err := New(Config{Network: rtcconf.Network{Loopback: true}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var sent []string
	sess := &session{s: s, parts: map[app.ID]*participant{}, peer: hub.SignalPeer{Send: func(frame []byte) bool {
		env, err := wire.DecodeEnvelope(frame)
		if err != nil {
			t.Error(err)
			return false
		}
		mu.Lock()
		sent = append(sent, env.Type)
		mu.Unlock()
		return true
	}}}
	other := &participant{}
	local, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "other")
	if err != nil {
		t.Fatal(err)
	}
	r := &room{id: app.NewID(), parts: map[string]*participant{}, tracks: []*forward{{owner: other, kind: webrtc.RTPCodecTypeVideo, local: local}}}
	p := &participant{s: s, sess: sess, room: r, info: wire.Participant{ID: "p1"}, sent: map[*forward]*webrtc.RTPSender{}}
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
	defer p.pc.Close()

	p.negotiate() // another's track arrived before room.joined went out
	mu.Lock()
	before := append([]string(nil), sent...)
	mu.Unlock()
	for _, typ := range before {
		if typ == wire.TypeRTCOffer {
			t.Fatalf("an offer went out before room.joined: %v", before)
		}
	}

	p.mu.Lock()
	p.told = true
	p.mu.Unlock()
	p.negotiate() // the join's own negotiation
	mu.Lock()
	defer mu.Unlock()
	offers := 0
	for _, typ := range sent {
		if typ == wire.TypeRTCOffer {
			offers++
		}
	}
	if offers != 1 {
		t.Errorf("%d offers after room.joined, want 1 (sent %v)", offers, sent)
	}
}
