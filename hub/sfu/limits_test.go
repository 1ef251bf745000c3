package sfu

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// link asks for a browser join link as cl and returns the answer: the
// code, or the refusal.
func link(cl *client, room app.ID, user string) (string, *wire.Error) {
	cl.t.Helper()
	cl.send(hub.TypeRoomLink, "rtc.link", hub.RoomLink{Room: room, User: user})
	for {
		env := cl.next()
		switch env.Type {
		case wire.TypeError:
			return "", wire.DecodeError(env)
		case hub.TypeRoomLinked:
			var l hub.RoomLinked
			if err := json.Unmarshal(env.Data, &l); err != nil {
				cl.t.Fatal(err)
			}
			return l.Code, nil
		}
	}
}

// metricAtLeast asserts that the hub's /metrics counts at least n under
// the SFU's reason.
func (h *testHub) metricAtLeast(reason string, n int64) {
	h.t.Helper()
	var got int64
	prefix := fmt.Sprintf("dutyhub_sfu_refusals_total{reason=%q} ", reason)
	for _, line := range strings.Split(h.metrics(), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			fmt.Sscan(v, &got)
		}
	}
	if got < n {
		h.t.Errorf("/metrics counts %d refusals for %s, want at least %d", got, reason, n)
	}
}

// An invited station used to mint browser links for any invited account,
// the host's own included, and its page then spoke as the host. Only the
// host station mints, and only for accounts of the stations invited.
func TestOnlyTheHostMintsJoinLinksForItsInvitedStations(t *testing.T) {
	h := startHub(t, Config{})
	p, c1 := h.dial("p"), h.dial("c1")
	c := h.consultation("p", "c1")
	h.startConsultation(p, "p", 1, c)

	if _, err := link(c1, c.ID, "c1-leader"); err == nil || err.Code != wire.CodeForbidden || !strings.Contains(err.Message, "not its host") {
		t.Errorf("an invited station minted a link for its own account: %+v", err)
	}
	if _, err := link(c1, c.ID, "p-leader"); err == nil || err.Code != wire.CodeForbidden {
		t.Errorf("an invited station minted a link for the host's account: %+v", err)
	}
	if _, err := link(p, c.ID, "c2"); err == nil || err.Code != wire.CodeForbidden || !strings.Contains(err.Message, h.st["c2"].ID.String()) {
		t.Errorf("the host minted a link for an account of a station not invited: %+v", err)
	}
	if _, err := link(p, c.ID, "t1"); err == nil || err.Code != wire.CodeForbidden {
		t.Errorf("the host minted a link for a township not invited: %+v", err)
	}
	other := h.consultation("c1", "p")
	h.startConsultation(c1, "c1", 1, other)
	if _, err := link(p, other.ID, "p-leader"); err == nil || err.Code != wire.CodeForbidden {
		t.Errorf("an invited station minted a link to a room it does not host: %+v", err)
	}
	h.metricAtLeast(reasonNotHost, 3)
	h.metricAtLeast(reasonLinkStation, 2)

	// The honest host's links work: for an invited station's leader and
	// for its own, and the page is in the room.
	code, err := link(p, c.ID, "c1-leader")
	if err != nil {
		t.Fatalf("the host's link for an invited station: %+v", err)
	}
	page, welcome := h.dialWeb("c1-leader page", code, "")
	if welcome.Type != wire.TypeWelcome {
		t.Fatalf("the host's link: %s %s", welcome.Type, welcome.Data)
	}
	page.join(c.ID)
	own, err := link(p, c.ID, "p-leader")
	if err != nil {
		t.Fatalf("the host's link for its own leader: %+v", err)
	}
	leader, welcome := h.dialWeb("p-leader page", own, "")
	if welcome.Type != wire.TypeWelcome {
		t.Fatalf("the host's own link: %s %s", welcome.Type, welcome.Data)
	}
	leader.join(c.ID)
	// A page of the host's station is a person, not the host's duty room.
	leader.send(wire.TypeRoomRecord, "rtc.record", wire.RoomRecord{Room: c.ID, On: true})
	leader.refused(wire.CodeForbidden, "join page")
	if ps := h.sfu.Room(c.ID); len(ps) != 2 {
		t.Errorf("in the room: %+v", ps)
	}
	h.healthy()
}

// A host station's account could fill the hub's database with links. The
// links issued for one room are bounded; those issued work.
func TestJoinLinksPerRoomAreBounded(t *testing.T) {
	h := startHub(t, Config{MaxLinksPerRoom: 3})
	p := h.dial("p")
	c := h.consultation("p", "c1", "c2")
	h.startConsultation(p, "p", 1, c)
	var codes []string
	for _, user := range []string{"c1", "c1-leader", "c2"} {
		code, err := link(p, c.ID, user)
		if err != nil {
			t.Fatalf("link %d: %+v", len(codes)+1, err)
		}
		codes = append(codes, code)
	}
	if _, err := link(p, c.ID, "p-leader"); err == nil || err.Code != wire.CodeTooLarge || !strings.Contains(err.Message, "3 join links") {
		t.Fatalf("a fourth link: %+v", err)
	}
	h.metricAtLeast(reasonLinks, 1)
	page, welcome := h.dialWeb("c2 page", codes[2], "")
	if welcome.Type != wire.TypeWelcome {
		t.Fatalf("an issued link: %s %s", welcome.Type, welcome.Data)
	}
	page.join(c.ID)
}

// One join token opened 3,332 peer connections. A link is one person:
// a second participant on the same token from another address is refused
// while the first is in the room; from the same address it is the page
// reloading or reconnecting, and it takes the first one's place. Either
// way the link has one participant.
func TestOneJoinLinkAdmitsOneParticipantAtATime(t *testing.T) {
	h := startHub(t, Config{})
	p, c1 := h.dial("p"), h.dial("c1")
	c := h.consultation("p", "c1")
	h.startConsultation(p, "p", 1, c)
	code, lerr := link(p, c.ID, "c1-leader")
	if lerr != nil {
		t.Fatal(lerr)
	}
	first, welcome := h.dialWeb("first page", code, "")
	if welcome.Type != wire.TypeWelcome {
		t.Fatalf("the link: %s %s", welcome.Type, welcome.Data)
	}
	var w hub.WebWelcome
	if err := json.Unmarshal(welcome.Data, &w); err != nil || w.Token == "" {
		t.Fatalf("welcome %s: %v", welcome.Data, err)
	}
	first.join(c.ID)

	const tries = 30
	for i := range tries {
		page, env := h.dialWebFrom(fmt.Sprintf("page %d", i), "", w.Token, "127.0.0.2")
		if env.Type != wire.TypeWelcome {
			t.Fatalf("the page's session from another address: %s %s", env.Type, env.Data)
		}
		page.send(wire.TypeRoomJoin, "rtc.join", wire.RoomJoin{Room: c.ID})
		page.refused(wire.CodeForbidden, "this join link is in room", "127.0.0.1")
		page.close()
	}
	if n := h.sfu.Stats().Participants; n != 1 {
		t.Fatalf("%d participants after %d joins on one link, want 1", n, tries+1)
	}
	h.metricAtLeast(reasonLinkInUse, tries)

	// The honest station is not held up by it.
	c1.join(c.ID)

	// The page reloads before the hub has seen its old socket go: the new
	// one takes its place, and the old one hears why.
	for i := range 3 {
		again, env := h.dialWeb(fmt.Sprintf("reloaded page %d", i), "", w.Token)
		if env.Type != wire.TypeWelcome {
			t.Fatalf("the reload: %s %s", env.Type, env.Data)
		}
		again.join(c.ID)
		var left wire.RoomLeft
		if err := json.Unmarshal(first.expect(wire.TypeRoomLeft).Data, &left); err != nil || !strings.Contains(left.Reason, "replaced") {
			t.Fatalf("the replaced page: %+v %v", left, err)
		}
		if ps := h.sfu.Room(c.ID); len(ps) != 2 {
			t.Fatalf("in the room after reload %d: %+v", i, ps)
		}
		first = again
	}
	h.metricAtLeast(reasonLinkReplaced, 3)

	// Once the page is gone, another address may use the link.
	first.close()
	waitFor(t, "the page to leave", func() bool { return len(h.sfu.Room(c.ID)) == 1 })
	moved, env := h.dialWebFrom("page elsewhere", "", w.Token, "127.0.0.2")
	if env.Type != wire.TypeWelcome {
		t.Fatalf("the session from another address: %s %s", env.Type, env.Data)
	}
	moved.join(c.ID)
	h.healthy()
}

// A station could open rooms without end. A host has at most
// MaxRoomsPerHost open: a start over it closes the host's oldest room
// nobody is in (one whose end never came), and with none empty it opens
// nothing; those it invites hear why when they try to join.
func TestRoomsBeyondTheHostsCapAreNotOpened(t *testing.T) {
	h := startHub(t, Config{MaxRoomsPerHost: 2})
	p, c1, c2 := h.dial("p"), h.dial("c1"), h.dial("c2")
	a, b, over := h.consultation("p", "c1", "c2", "t1"), h.consultation("p", "c1", "c2", "t1"), h.consultation("p", "c1", "c2", "t1")
	h.startConsultation(p, "p", 1, a)
	h.startConsultation(p, "p", 2, b)
	c1.join(a.ID)
	c2.join(b.ID)
	h.pushConsult(p, "p", 3, "consult.start", over)
	t1 := h.dial("t1")
	t1.send(wire.TypeRoomJoin, "rtc.join", wire.RoomJoin{Room: over.ID})
	t1.refused(wire.CodeUnavailable, "is not open", "already hosts 2 open consultations")
	if n := h.sfu.Stats().OpenRooms; n != 2 {
		t.Fatalf("%d rooms open, want 2", n)
	}
	h.metricAtLeast(reasonHostRooms, 2)

	// Another host is not held by p's limit.
	other := h.consultation("t2", "c1")
	h.startConsultation(h.dial("t2"), "t2", 1, other)
	if n := h.sfu.Stats().OpenRooms; n != 3 {
		t.Fatalf("%d rooms open, want 3", n)
	}

	// b empties: the start again closes it for the new one.
	c2.send(wire.TypeRoomLeave, "rtc.leave", wire.RoomLeave{Room: b.ID})
	c2.expect(wire.TypeRoomLeft)
	h.startConsultation(p, "p", 4, over)
	t1.join(over.ID)
	c2.send(wire.TypeRoomJoin, "rtc.join", wire.RoomJoin{Room: b.ID})
	c2.refused(wire.CodeUnavailable, "closed, empty")
	h.metricAtLeast(reasonRoomEvicted, 1)

	// Ending one makes room too, and the room in use was never touched.
	h.pushConsult(p, "p", 5, "consult.end", over)
	h.startConsultation(p, "p", 6, b)
	if ps := h.sfu.Room(a.ID); len(ps) != 1 || ps[0].User != "c1" {
		t.Fatalf("the room in use: %+v", ps)
	}
	h.healthy()
}

// Participants (peer connections) across the hub are bounded: beyond the
// bound a join is refused, and the hub still answers /healthz and logs
// stations in.
func TestParticipantsBeyondTheHubCapAreRefused(t *testing.T) {
	h := startHub(t, Config{MaxPeers: 3})
	p := h.dial("p")
	c := h.consultation("p", "c1", "c2", "t1", "t2")
	h.startConsultation(p, "p", 1, c)
	p.join(c.ID)
	h.dial("c1").join(c.ID)
	c2 := h.dial("c2")
	c2.join(c.ID)
	for _, name := range []string{"t1", "t2"} {
		cl := h.dial(name)
		cl.send(wire.TypeRoomJoin, "rtc.join", wire.RoomJoin{Room: c.ID})
		cl.refused(wire.CodeUnavailable, "3 participants", "its limit")
	}
	if n := h.sfu.Stats().Participants; n != 3 {
		t.Fatalf("%d participants, want 3", n)
	}
	h.metricAtLeast(reasonHubFull, 2)
	if !strings.Contains(h.log.String(), "the hub is at its participant limit") || !strings.Contains(h.log.String(), h.st["t2"].ID.String()) {
		t.Error("the refusal is not logged with the station")
	}

	// The hub serves its stations meanwhile: health and an honest login.
	// The login is a refused station's: a newer connection of a station
	// replaces its older one, and one of a station in the room would put
	// that station's participant out and free a place itself.
	h.healthy()
	login := h.dialPath("t2", "/sync", nil)
	login.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Client: "sfu test", Login: &wire.Login{User: "t2", Password: testPassword}})
	login.expect(wire.TypeWelcome)
	if n := h.sfu.Stats().Participants; n != 3 {
		t.Fatalf("%d participants after the login, want 3", n)
	}

	// A place that frees is taken, and the hub is full again.
	c2.send(wire.TypeRoomLeave, "rtc.leave", wire.RoomLeave{Room: c.ID})
	c2.expect(wire.TypeRoomLeft)
	if n := h.sfu.Stats().Participants; n != 2 {
		t.Fatalf("%d participants after c2 left, want 2", n)
	}
	h.dial("t1").join(c.ID)
	if n := h.sfu.Stats().Participants; n != 3 {
		t.Fatalf("%d participants after t1 joined, want 3", n)
	}
	login.send(wire.TypeRoomJoin, "rtc.join", wire.RoomJoin{Room: c.ID})
	login.refused(wire.CodeUnavailable, "3 participants", "its limit")
}

// Candidates were unlimited after the answer, and the hub sent
// connectivity checks to every address a sender chose. A participant's
// candidates beyond MaxCandidates are refused and never reach the ICE
// agent; an honest participant in the same room still gets its picture.
func TestCandidatesBeyondTheCapAreRefusedAndNotUsed(t *testing.T) {
	const limit = 6
	h := startHub(t, Config{MaxCandidates: limit})
	p := h.dial("p")
	c := h.consultation("p", "c1", "c2")
	h.startConsultation(p, "p", 1, c)
	h.publishVideo(p, c.ID)

	// The hostile station answers the hub's offer but sends candidates
	// of its choosing: limit of them taken, the rest refused.
	hostile := h.dial("c1")
	hostile.mediaWith(c.ID, false)
	hostile.join(c.ID)
	var part *participant
	waitFor(t, "the hostile station's answer", func() bool {
		h.sfu.mu.Lock()
		defer h.sfu.mu.Unlock()
		for _, q := range h.sfu.rooms[c.ID].parts {
			if q.info.User == "c1" {
				part = q
			}
		}
		if part == nil {
			return false
		}
		part.mu.Lock()
		defer part.mu.Unlock()
		return part.answered
	})
	var ports []int
	for range limit + 4 {
		ln, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, ln.LocalAddr().(*net.UDPAddr).Port)
	}
	for i, port := range ports {
		cand := fmt.Sprintf("candidate:%d 1 udp 2130706431 127.0.0.1 %d typ host", 1000+i, port)
		hostile.send(wire.TypeRTCCandidate, "rtc.candidate", wire.Candidate{Room: c.ID, Candidate: cand, SDPMid: ptr("0"), SDPMLineIndex: ptr(uint16(0))})
		if i >= limit {
			hostile.refused(wire.CodeTooLarge, fmt.Sprintf("more than %d candidates", limit))
		}
	}
	h.metricAtLeast(reasonCandidates, 4)

	// The taken ones reach the ICE agent (it adds them on a goroutine of
	// its own); the refused ones never do.
	remote := func() []int {
		var out []int
		for _, st := range part.pc.GetStats() {
			if cs, ok := st.(webrtc.ICECandidateStats); ok && cs.Type == webrtc.StatsTypeRemoteCandidate {
				out = append(out, int(cs.Port))
			}
		}
		return out
	}
	waitFor(t, "the taken candidates to reach the ICE agent", func() bool {
		got := remote()
		for _, port := range ports[:limit] {
			if !slices.Contains(got, port) {
				return false
			}
		}
		return true
	})
	for _, port := range ports[limit:] {
		if slices.Contains(remote(), port) {
			t.Errorf("a refused candidate (port %d) reached the ICE agent", port)
		}
	}

	// The honest station watches p's picture meanwhile.
	honest := h.dial("c2")
	got := make(chan struct{})
	pc := honest.media(c.ID)
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if _, _, err := tr.ReadRTP(); err == nil {
			close(got)
		}
	})
	honest.join(c.ID)
	waitFor(t, "the honest station's picture", func() bool {
		select {
		case <-got:
			return true
		default:
			return false
		}
	})
	h.healthy()
}

func ptr[T any](v T) *T { return &v }
