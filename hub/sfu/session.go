package sfu

// A session is one hub connection speaking the signalling of
// consultations: it joins one room at a time, and hands the answers and
// candidates of its participant on.

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// Attach implements hub.Signalling.
func (s *SFU) Attach(peer hub.SignalPeer) hub.SignalConn {
	c := &session{s: s, peer: peer, parts: map[app.ID]*participant{}}
	// Known to the SFU so that the host's connections hear of recorded
	// files even when not in the room.
	s.mu.Lock()
	s.sessions[c] = struct{}{}
	s.mu.Unlock()
	return c
}

// session is one hub connection. Handle runs on the connection's read
// pump; pion's callbacks run on their own goroutines.
type session struct {
	s    *SFU
	peer hub.SignalPeer

	mu     sync.Mutex
	parts  map[app.ID]*participant
	closed bool
}

func (c *session) send(typ, id string, body any) bool {
	frame, err := wire.Encode(typ, id, body)
	if err != nil {
		c.s.log.Error("cannot encode a signalling message", "type", typ, "err", err)
		return false
	}
	return c.peer.Send(frame)
}

func (c *session) participant(typ string, room app.ID) (*participant, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.parts[room]
	if p == nil {
		return nil, wire.Errorf(wire.CodeForbidden, "%s: you are not in room %s; join it first (only invited stations may)", typ, room)
	}
	return p, nil
}

// Handle implements hub.SignalConn.
func (c *session) Handle(env wire.Envelope) error {
	switch env.Type {
	case wire.TypeRoomJoin:
		j, err := wire.DecodeRoomJoin(env)
		if err != nil {
			return err
		}
		return c.join(env.ID, j)
	case wire.TypeRoomLeave:
		l, err := wire.DecodeRoomLeave(env)
		if err != nil {
			return err
		}
		p, err := c.participant(env.Type, l.Room)
		if err != nil {
			return err
		}
		p.leave("", false)
		c.send(wire.TypeRoomLeft, env.ID, wire.RoomLeft{Room: l.Room, Reason: "left"})
		return nil
	case wire.TypeRTCAnswer:
		d, err := wire.DecodeDescription(env)
		if err != nil {
			return err
		}
		p, err := c.participant(env.Type, d.Room)
		if err != nil {
			return err
		}
		return p.answer(d.SDP)
	case wire.TypeRTCCandidate:
		cand, err := wire.DecodeCandidate(env)
		if err != nil {
			return err
		}
		p, err := c.participant(env.Type, cand.Room)
		if err != nil {
			return err
		}
		return p.candidate(cand)
	case wire.TypeRTCOffer:
		d, err := wire.DecodeDescription(env)
		if err != nil {
			return err
		}
		if _, err := c.participant(env.Type, d.Room); err != nil {
			return err
		}
		return wire.Errorf(wire.CodeBadMessage, "rtc.offer: the hub makes the offers in a consultation; answer them with rtc.answer")
	case wire.TypeRoomRecord:
		r, err := wire.DecodeRoomRecord(env)
		if err != nil {
			return err
		}
		if _, err := c.participant(env.Type, r.Room); err != nil {
			return err
		}
		return c.setRecording(env.ID, r)
	}
	return wire.Errorf(wire.CodeUnknownType, "unknown message type %q (this hub speaks protocol %s)", env.Type, wire.Version)
}

// Close implements hub.SignalConn.
func (c *session) Close() {
	c.s.mu.Lock()
	delete(c.s.sessions, c)
	c.s.mu.Unlock()
	c.mu.Lock()
	c.closed = true
	parts := make([]*participant, 0, len(c.parts))
	for _, p := range c.parts {
		parts = append(parts, p)
	}
	c.mu.Unlock()
	for _, p := range parts {
		p.leave("the connection to the hub ended", false)
	}
}

func newParticipantID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (c *session) join(reqID string, j wire.RoomJoin) error {
	s := c.s
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return wire.Errorf(wire.CodeUnavailable, "room.join: the connection is closing")
	}
	if len(c.parts) > 0 {
		for id := range c.parts {
			c.mu.Unlock()
			if id == j.Room {
				return wire.Errorf(wire.CodeBadMessage, "room.join: already in room %s", j.Room)
			}
			return wire.Errorf(wire.CodeBadMessage, "room.join: already in room %s; a connection is in one room at a time: leave it first", id)
		}
	}
	c.mu.Unlock()
	c.replaceOwnLink(j.Room)

	s.mu.Lock()
	inv, ok := s.invites[j.Room]
	switch {
	case s.stopped:
		s.mu.Unlock()
		return wire.Errorf(wire.CodeUnavailable, "room.join: the hub is stopping")
	case !ok:
		// A start refused at opening: those it invites hear why.
		for _, rf := range s.refused {
			if rf.id == j.Room && rf.inv.admits(c.peer) {
				s.mu.Unlock()
				return s.refuse(reasonHostRooms, wire.Errorf(wire.CodeUnavailable, "room.join: room %s is not open: %s", j.Room, rf.reason))
			}
		}
		fallthrough
	case !inv.admits(c.peer):
		// One answer for a room that does not exist and one the station
		// is not invited to: a refusal must not tell which rooms exist.
		s.mu.Unlock()
		return wire.Errorf(wire.CodeForbidden, "room.join: station %s (user %s) is not invited to room %s", c.peer.Station, c.peer.User, j.Room)
	}
	limit := inv.Limit
	if limit <= 0 {
		limit = s.cfg.MaxParticipants
	}
	r := s.rooms[j.Room]
	if r != nil && len(r.parts) >= limit {
		s.mu.Unlock()
		return s.refuse(reasonRoomFull, wire.Errorf(wire.CodeRoomFull, "room.join: room %s is full (%d participants)", j.Room, limit))
	}
	if s.peers >= s.cfg.MaxPeers {
		s.mu.Unlock()
		s.log.Warn("consultation join refused: the hub is at its participant limit", "room", j.Room, "station", c.peer.Station, "user", c.peer.User, "limit", s.cfg.MaxPeers)
		return s.refuse(reasonHubFull, wire.Errorf(wire.CodeUnavailable, "room.join: the hub carries %d participants across its consultations, its limit; try again when someone has left", s.cfg.MaxPeers))
	}
	if c.peer.Link != "" {
		// One person per join link: a page on the same link from another
		// address, or a script there replaying its token, is refused
		// while the first is in (replaceOwnLink has put out one from the
		// same address).
		if old := s.links[c.peer.Link]; old != nil {
			s.mu.Unlock()
			return s.refuse(reasonLinkInUse, wire.Errorf(wire.CodeForbidden, "room.join: this join link is in room %s already, from another address (%s); close that page first, or wait a minute for the hub to drop it", old.room.id, old.sess.peer.Addr))
		}
	}
	if r == nil {
		r = &room{id: j.Room, parts: map[string]*participant{}}
		s.rooms[j.Room] = r
	}
	p := &participant{
		s: s, sess: c, room: r,
		info: wire.Participant{ID: newParticipantID(), Station: c.peer.Station, User: c.peer.User, Joined: time.Now().UTC(), Publish: j.Publish},
		sent: map[*forward]*webrtc.RTPSender{},
	}
	// The place is taken before the peer connection is built, so that two
	// joins at once cannot both pass the limit.
	r.parts[p.info.ID] = p
	r.order = append(r.order, p)
	s.peers++
	if c.peer.Link != "" {
		s.links[c.peer.Link] = p
	}
	s.mu.Unlock()

	if err := p.start(); err != nil {
		p.leave("", false)
		s.log.Error("cannot set up a participant's peer connection", "room", j.Room, "station", c.peer.Station, "err", err)
		return wire.Errorf(wire.CodeInternal, "room.join: the hub could not set up the media connection")
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		p.leave("", false)
		return nil
	}
	c.parts[j.Room] = p
	c.mu.Unlock()

	s.mu.Lock()
	infos := r.infos()
	others := r.list()
	rr := s.recs[j.Room]
	recording := rr != nil && rr.on
	// A host that comes back hears what was recorded meanwhile.
	tellFiles := rr != nil && c.peer.Station == rr.host && len(rr.files) > 0
	s.mu.Unlock()
	s.log.Info("joined a consultation", "room", j.Room, "participant", p.info.ID, "station", c.peer.Station, "user", c.peer.User, "addr", c.peer.Addr, "publish", strings.Join(j.Publish, ","), "participants", len(infos))
	c.send(wire.TypeRoomJoined, reqID, wire.RoomJoined{Room: j.Room, You: p.info.ID, Limit: limit, ICEServers: s.cfg.Network.ICEServers, Participants: infos, Recording: recording})
	broadcastState(j.Room, others, infos, recording, p)
	if tellFiles {
		s.sendRecordings(rr)
	}
	p.mu.Lock()
	p.told = true
	p.mu.Unlock()
	p.negotiate()
	return nil
}

// replaceOwnLink puts out the participant of the connection's join link
// when it joined from the same address: that is the page reloaded, or
// reconnecting after its network dropped, and the hub may not have seen
// the old connection end yet (up to the pong wait, a minute). The link
// still has one participant at a time: from the same address a page
// replaces its stay, from another it is refused (join).
func (c *session) replaceOwnLink(room app.ID) {
	if c.peer.Link == "" {
		return
	}
	s := c.s
	s.mu.Lock()
	old := s.links[c.peer.Link]
	s.mu.Unlock()
	if old == nil || old.sess == c || old.sess.peer.Addr != c.peer.Addr || old.room.id != room {
		return
	}
	s.count(reasonLinkReplaced)
	old.leave("replaced by a newer connection of the same join link", true)
}

// broadcastState tells everyone but skip who is in the room now.
func broadcastState(room app.ID, to []*participant, infos []wire.Participant, recording bool, skip *participant) {
	frame, err := wire.Encode(wire.TypeRoomState, "", wire.RoomState{Room: room, Participants: infos, Recording: recording})
	if err != nil {
		return
	}
	for _, o := range to {
		if o != skip {
			o.sess.peer.Send(frame)
		}
	}
}
