package rtc_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/testsrc"
)

// TestThreeStationsSeeAndHearEachOther: three duty rooms join one room
// through a real hub; each decodes both others' test patterns with the
// right colours and rising stamps, and hears each one's tone at its pitch.
func TestThreeStationsSeeAndHearEachOther(t *testing.T) {
	h := startHub(t, sfu.Config{})
	patterns := map[app.ID]uint8{}
	names := []string{"p", "c1", "t1"}
	for i, n := range names {
		patterns[h.stations[n].ID] = uint8(i + 1)
	}
	room := h.openRoom(t, 0, names...)
	var st []*station
	for i, n := range names {
		st = append(st, newStation(t, h, n, uint8(i+1), patterns))
	}
	for _, s := range st {
		s.join(t, room)
	}
	var firsts []time.Duration
	for i, s := range st {
		var others []*station
		for j, o := range st {
			if j != i {
				others = append(others, o)
			}
		}
		firsts = append(firsts, s.sees(t, 30, others...)...)
	}
	for _, s := range st {
		for _, o := range st {
			if o == s {
				continue
			}
			waitFor(t, s.name+" to hear "+o.name, func() bool {
				r := s.from(stationID(o))
				return r != nil && len(r.audio) >= 24000
			})
			r := s.from(stationID(o))
			hz, rms := testsrc.Frequency(r.audio[4800:], 48000)
			want := testsrc.ToneFor(o.pattern, 48000, 1).Freq
			if math.Abs(hz-want) > want*0.02 || rms < 0.1 {
				t.Errorf("%s hears %s at %.0f Hz, level %.2f; it sends %.0f Hz", s.name, o.name, hz, rms, want)
			}
		}
	}
	if got := len(h.sfu.Room(room)); got != 3 {
		t.Fatalf("the hub lists %d participants, want 3", got)
	}
	stats := h.sfu.Stats()
	if stats.Tracks != 6 || stats.Rooms != 1 {
		t.Fatalf("hub stats %+v: want 1 room, 6 tracks", stats)
	}
	t.Logf("join to first decoded frame, 3 participants: p50 %v, max %v (each of 6 directions: %v)",
		percentile(firsts, 0.5), percentile(firsts, 1), firsts)
	for _, s := range st {
		if d := percentile(firsts, 1); d > time.Second {
			t.Errorf("join to first frame took %v; the aim is under a second", d)
		}
		t.Logf("%s: %+v", s.name, s.media.Stats())
	}
}

// TestLeaveAndRejoin: a station leaves, the other sees it go and stops
// receiving it, it joins again and both see each other; when both have
// left the room is gone from the hub.
func TestLeaveAndRejoin(t *testing.T) {
	h := startHub(t, sfu.Config{})
	patterns := map[app.ID]uint8{h.stations["p"].ID: 4, h.stations["t2"].ID: 6}
	room := h.openRoom(t, 0, "p", "t2")
	a := newStation(t, h, "p", 4, patterns)
	b := newStation(t, h, "t2", 6, patterns)
	a.join(t, room)
	b.join(t, room)
	a.sees(t, 10, b)
	b.sees(t, 10, a)

	if err := b.media.Leave(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the hub to drop t2", func() bool { return len(h.sfu.Room(room)) == 1 })
	waitFor(t, "p to see t2 leave", func() bool { return len(a.media.Participants()) == 1 })
	if s := h.sfu.Stats(); s.Tracks != 2 || s.Participants != 1 {
		t.Fatalf("after a leave the hub holds %+v; want p's 2 tracks", s)
	}
	before := a.from(stationID(b))
	time.Sleep(300 * time.Millisecond)
	after := a.from(stationID(b))
	if after.frames > before.frames+1 {
		t.Errorf("p still decodes t2 after it left: %d frames, then %d", before.frames, after.frames)
	}

	b.join(t, room)
	b.sees(t, 10, a)
	a.mu.Lock()
	a.seen = map[string]*received{}
	a.joinAt = time.Now()
	a.mu.Unlock()
	a.sees(t, 10, b)

	if err := a.media.Leave(); err != nil {
		t.Fatal(err)
	}
	if err := b.media.Leave(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the room to close when empty", func() bool { return h.sfu.Stats().Rooms == 0 })
	if err := a.media.Leave(); err == nil {
		t.Fatal("leaving twice passed")
	}
	h.healthy(t)
}

// TestRefusalsKeepTheRoomUp: an uninvited station, malformed SDP and
// candidates, a codec the hub does not carry, a full room and a
// participant that vanishes are each refused or cleaned up, while two
// stations in the room keep decoding each other.
func TestRefusalsKeepTheRoomUp(t *testing.T) {
	h := startHub(t, sfu.Config{})
	patterns := map[app.ID]uint8{h.stations["p"].ID: 1, h.stations["c1"].ID: 2}
	room := h.openRoom(t, 3, "p", "c1", "c2")
	a := newStation(t, h, "p", 1, patterns)
	b := newStation(t, h, "c1", 2, patterns)
	a.join(t, room)
	b.join(t, room)
	a.sees(t, 5, b)

	// Not invited: the join, and answers or candidates for the room.
	u := dialRaw(t, h, "t3")
	refused(t, u.request(wire.TypeRoomJoin, wire.RoomJoin{Room: room, Publish: []string{"video"}}), wire.CodeForbidden, "not invited")
	refused(t, u.request(wire.TypeRoomJoin, wire.RoomJoin{Room: app.NewID()}), wire.CodeForbidden, "not invited")
	refused(t, u.request(wire.TypeRTCOffer, wire.Description{Room: room, SDP: "v=0"}), wire.CodeForbidden, "not in room")
	refused(t, u.request(wire.TypeRTCAnswer, wire.Description{Room: room, SDP: "v=0"}), wire.CodeForbidden, "not in room")
	refused(t, u.request(wire.TypeRTCCandidate, wire.Candidate{Room: room, Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}), wire.CodeForbidden, "not in room")
	refused(t, u.request(wire.TypeRoomJoin, wire.RoomJoin{Room: room, Publish: []string{"screen"}}), wire.CodeBadMessage, "screen")

	// Invited, but sending rubbish.
	v := dialRaw(t, h, "c2")
	joined := v.request(wire.TypeRoomJoin, wire.RoomJoin{Room: room, Publish: []string{"video", "audio"}})
	if joined.Type != wire.TypeRoomJoined {
		t.Fatalf("c2's join: %s %s", joined.Type, joined.Data)
	}
	offer, err := wire.DecodeDescription(v.expect(wire.TypeRTCOffer))
	if err != nil {
		t.Fatal(err)
	}
	refused(t, v.request(wire.TypeRTCCandidate, wire.Candidate{Room: room, Candidate: "candidate:this is not one"}), wire.CodeInvalid, "not an ICE candidate")
	refused(t, v.request(wire.TypeRTCAnswer, wire.Description{Room: room, SDP: "hello, hub"}), wire.CodeInvalid, "does not parse")
	refused(t, v.request(wire.TypeRTCAnswer, wire.Description{Room: room, SDP: h264Answer(offer.SDP)}), wire.CodeInvalid, "H264", "VP8")
	refused(t, v.request(wire.TypeRTCOffer, wire.Description{Room: room, SDP: offer.SDP}), wire.CodeBadMessage, "hub makes the offers")
	refused(t, v.request(wire.TypeRoomJoin, wire.RoomJoin{Room: room}), wire.CodeBadMessage, "already in room")

	// The room is at its limit of 3.
	w := dialRaw(t, h, "t1")
	if err := h.sfu.Open(room, sfuInvite(h, 3, "p", "c1", "c2", "t1")); err != nil {
		t.Fatal(err)
	}
	refused(t, w.request(wire.TypeRoomJoin, wire.RoomJoin{Room: room}), wire.CodeRoomFull, "full")

	// c2 vanishes without leaving: the hub drops it and t1 gets in.
	v.ws.Close()
	waitFor(t, "the hub to drop the vanished participant", func() bool { return len(h.sfu.Room(room)) == 2 })
	if env := w.request(wire.TypeRoomJoin, wire.RoomJoin{Room: room}); env.Type != wire.TypeRoomJoined {
		t.Fatalf("t1's join after c2 vanished: %s %s", env.Type, env.Data)
	}

	// The two real stations never stopped.
	before := a.from(stationID(b)).stamped
	waitFor(t, "p to keep decoding c1", func() bool { return a.from(stationID(b)).stamped >= before+10 })
	b.mu.Lock()
	b.seen = map[string]*received{}
	b.mu.Unlock()
	b.sees(t, 10, a)
	h.healthy(t)
}

func sfuInvite(h *testHub, limit int, names ...string) sfu.Invitation {
	inv := sfu.Invitation{Limit: limit}
	for _, n := range names {
		inv.Stations = append(inv.Stations, h.stations[n].ID)
	}
	return inv
}

// h264Answer turns the hub's offer into an answer that carries H264 where
// the offer has VP8: what a client without VP8 would send.
func h264Answer(offer string) string {
	r := strings.NewReplacer("VP8/90000", "H264/90000", "a=setup:actpass", "a=setup:active", "a=recvonly", "a=sendonly")
	return r.Replace(offer)
}

// TestSlowViewerGetsTheLatestPicture: a window that takes 250 ms per
// picture sees fewer pictures, each of them recent, instead of a backlog
// growing behind it.
func TestSlowViewerGetsTheLatestPicture(t *testing.T) {
	h := startHub(t, sfu.Config{})
	patterns := map[app.ID]uint8{h.stations["p"].ID: 1, h.stations["c2"].ID: 2}
	room := h.openRoom(t, 0, "p", "c2")
	a := newStation(t, h, "p", 1, patterns)
	b := newStation(t, h, "c2", 2, patterns)
	b.slow = 250 * time.Millisecond
	a.join(t, room)
	b.join(t, room)
	b.sees(t, 8, a)
	r := b.from(stationID(a))
	st := b.media.Stats()
	if st.FramesDropped == 0 {
		t.Fatalf("a slow viewer dropped no pictures: %+v", st)
	}
	if st.FramesDecoded < int64(r.frames)*2 {
		t.Fatalf("decoded %d, shown %d: the decoder should run ahead of a slow viewer", st.FramesDecoded, r.frames)
	}
	b.mu.Lock()
	lags := append([]time.Duration(nil), b.lags...)
	b.mu.Unlock()
	// A picture waits at most for the callback to finish the one before:
	// one callback's time, never a growing queue.
	if worst := percentile(lags, 1); worst > b.slow+100*time.Millisecond {
		t.Fatalf("a picture reached the slow viewer %v after it was decoded", worst)
	}
	t.Logf("slow viewer: shown %d, decoded %d, dropped %d, worst wait %v", r.frames, st.FramesDecoded, st.FramesDropped, percentile(lags, 1))
}

// TestClosingTheRoomPutsEveryoneOut: the hub closes a consultation; each
// station hears why, its media stop, and the room cannot be joined again.
func TestClosingTheRoomPutsEveryoneOut(t *testing.T) {
	h := startHub(t, sfu.Config{})
	room := h.openRoom(t, 0, "p", "c1")
	a := newStation(t, h, "p", 1, map[app.ID]uint8{})
	b := newStation(t, h, "c1", 2, map[app.ID]uint8{})
	a.join(t, room)
	b.join(t, room)
	a.sees(t, 3, b)
	h.sfu.Close(room)
	for _, s := range []*station{a, b} {
		waitFor(t, s.name+" to be put out", func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			n := len(s.events)
			return n > 0 && !s.events[n-1].In && strings.Contains(s.events[n-1].Reason, "closed")
		})
		if err := s.media.Leave(); err == nil {
			t.Errorf("%s could leave a room it was put out of", s.name)
		}
	}
	if st := h.sfu.Stats(); st.Rooms != 0 || st.Participants != 0 {
		t.Fatalf("after closing: %+v", st)
	}
	err := a.media.Join(context.Background(), room)
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeForbidden {
		t.Fatalf("joining a closed room: %v", err)
	}
	// The engine is usable again after the refusal.
	other := h.openRoom(t, 0, "p")
	a.join(t, other)
}
