package rtc_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/rtcconf"
)

// TestOneOfferAtATime: while the hub's offer to a participant waits for
// its answer, a newcomer's tracks do not produce a second offer; they go
// into the next one, sent as soon as the answer arrives. The participant
// here is a bare pion peer that only watches, so the hub's forwarding is
// checked without the media engine too.
func TestOneOfferAtATime(t *testing.T) {
	h := startHub(t, sfu.Config{})
	room := h.openRoom(t, 0, "p", "t1")
	v := dialRaw(t, h, "t1")
	var wmu sync.Mutex
	send := func(typ string, body any) {
		frame, _ := wire.Encode(typ, wire.SignalIDPrefix+"w", body)
		wmu.Lock()
		defer wmu.Unlock()
		if err := v.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
			t.Error(err)
		}
	}
	// Publishing audio (that it never sends) gives the first offer a
	// media section to answer while p's tracks arrive.
	send(wire.TypeRoomJoin, wire.RoomJoin{Room: room, Publish: []string{wire.MediaAudio}})
	msgs := make(chan wire.Envelope, 256)
	go func() {
		defer close(msgs)
		for {
			_, data, err := v.ws.ReadMessage()
			if err != nil {
				return
			}
			if env, err := wire.DecodeEnvelope(data); err == nil {
				msgs <- env
			}
		}
	}()
	var candidates []wire.Candidate
	next := func(typ string, within time.Duration) (wire.Envelope, bool) {
		deadline := time.After(within)
		for {
			select {
			case env, ok := <-msgs:
				if !ok {
					t.Fatal("the hub closed the connection")
				}
				if env.Type == wire.TypeError {
					t.Fatalf("refused: %+v", wire.DecodeError(env))
				}
				if env.Type == wire.TypeRTCCandidate {
					c, _ := wire.DecodeCandidate(env)
					candidates = append(candidates, c)
				}
				if env.Type == typ {
					return env, true
				}
			case <-deadline:
				return wire.Envelope{}, false
			}
		}
	}
	if _, ok := next(wire.TypeRoomJoined, 5*time.Second); !ok {
		t.Fatal("no room.joined")
	}
	env, ok := next(wire.TypeRTCOffer, 5*time.Second)
	if !ok {
		t.Fatal("no first offer")
	}
	first, _ := wire.DecodeDescription(env)

	a := newStation(t, h, "p", 1, map[app.ID]uint8{})
	a.join(t, room)
	waitFor(t, "p's tracks at the hub", func() bool { return h.sfu.Stats().Tracks == 2 })
	if env, ok := next(wire.TypeRTCOffer, 700*time.Millisecond); ok {
		t.Fatalf("a second offer while the first waits for its answer: %.200s", env.Data)
	}

	api, err := rtcconf.NewAPI(rtcconf.Network{Loopback: true})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			init := c.ToJSON()
			send(wire.TypeRTCCandidate, wire.Candidate{Room: room, Candidate: init.Candidate, SDPMid: init.SDPMid, SDPMLineIndex: init.SDPMLineIndex})
		}
	})
	packets := make(chan string, 1024)
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			select {
			case packets <- tr.Kind().String() + " from " + tr.StreamID():
			default:
			}
		}
	})
	answer := func(offer string) {
		t.Helper()
		if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
			t.Fatal(err)
		}
		ans, err := pc.CreateAnswer(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := pc.SetLocalDescription(ans); err != nil {
			t.Fatal(err)
		}
		send(wire.TypeRTCAnswer, wire.Description{Room: room, SDP: ans.SDP})
		for _, c := range candidates {
			if err := pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}); err != nil {
				t.Fatal(err)
			}
		}
		candidates = nil
	}
	if strings.Contains(first.SDP, "VP8") && strings.Contains(first.SDP, "a=sendonly") {
		t.Fatal("the first offer already carries tracks; the test needs it empty")
	}
	answer(first.SDP)
	env, ok = next(wire.TypeRTCOffer, 3*time.Second)
	if !ok {
		t.Fatal("no second offer after the first was answered")
	}
	second, _ := wire.DecodeDescription(env)
	var pid string
	for _, p := range a.media.Participants() {
		if p.Station == h.stations["p"].ID {
			pid = p.ID
		}
	}
	if !strings.Contains(second.SDP, "a=msid:"+pid+" "+pid+"-video") || !strings.Contains(second.SDP, "a=msid:"+pid+" "+pid+"-audio") {
		t.Fatalf("the second offer does not carry p's two tracks (stream %s):\n%s", pid, second.SDP)
	}
	answer(second.SDP)
	// Candidates keep trickling; add them as they come.
	got := map[string]int{}
	deadline := time.After(10 * time.Second)
	for got["video from "+pid] < 20 || got["audio from "+pid] < 20 {
		select {
		case p := <-packets:
			got[p]++
		case env := <-msgs:
			if env.Type == wire.TypeRTCCandidate {
				c, _ := wire.DecodeCandidate(env)
				_ = pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex})
			}
		case <-deadline:
			t.Fatalf("the watching peer received %v", got)
		}
	}
}
