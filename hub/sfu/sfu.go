// Package sfu is the hub's video router for consultations: each
// participant sends its camera and microphone to the hub once, and the hub
// forwards every track to the other participants of the room, without
// decoding. Signalling arrives over the hub's authenticated sync socket
// (hub.Signalling); the hub makes every offer, renegotiating one offer at a
// time per participant as tracks come and go.
//
// The shape follows pion's sfu-ws example, with the state per room instead
// of global, and with who may join decided by the room's invitation.
package sfu

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/rtc/rtcconf"
)

// Config sets up an SFU.
type Config struct {
	Logger  *slog.Logger
	Network rtcconf.Network
	// MaxParticipants is a room's limit when its invitation sets none;
	// 16 by default. Every participant receives every other's tracks, so
	// a room's forwarding grows with the square of its size.
	MaxParticipants int
	// KeyFrameGap is the least time between two key-frame requests the
	// hub relays to one publisher: a newcomer's request and a lossy
	// subscriber's must not make the publisher send nothing but key
	// frames. 300 ms by default. A request within the gap is not lost:
	// it waits for the gap to end, and one waiting covers all that come
	// meanwhile.
	KeyFrameGap time.Duration
	// FirstKeyFrameGap replaces KeyFrameGap for a subscriber's first
	// request for a track: in a room everyone joins at once, and a
	// newcomer whose subscription starts just after the key frame asked
	// for another must not wait a whole KeyFrameGap for its first picture.
	// 100 ms by default (one or two frames).
	FirstKeyFrameGap time.Duration
	// MaxPendingCandidates bounds the candidates held for a participant
	// before its first answer; 64 by default.
	MaxPendingCandidates int
	// MaxCandidates bounds the ICE candidates one participant sends over
	// its stay, before the answer and after: each makes the hub send
	// connectivity checks to an address the sender chose. 64 by default;
	// a browser on a machine with many interfaces sends a few dozen.
	MaxCandidates int
	// MaxLinksPerRoom bounds the browser join links the host may have
	// issued for one room while the hub runs; 128 by default (two for
	// each station a consultation may invite).
	MaxLinksPerRoom int
	// MaxRoomsPerHost bounds the rooms one host station has open (started
	// and not ended) at once; 4 by default. A start over it opens no room.
	// Rooms opened with no host, by the program hosting the hub, do not
	// count.
	MaxRoomsPerHost int
	// MaxPeers bounds the participants, each a peer connection with its
	// own sockets, across every room of the hub; 256 by default. A join
	// over it is refused, so that the hub keeps file descriptors and CPU
	// for its sync clients.
	MaxPeers int
	// MaxRecordBytes bounds what is recorded of one consultation, over all
	// its files and spans; 8 GiB by default (some two hours of a full
	// room). Recording stops there and the room is told.
	MaxRecordBytes int64
	// MaxRecordLength bounds how long one consultation is recorded, over
	// all its spans; 4 h by default.
	MaxRecordLength time.Duration
	// MinFreeDisk is the free space recording leaves on the file system
	// of Recordings: below it, recording stops and the room is told, so
	// that the hub's database still has room to grow. 2 GiB by default.
	MinFreeDisk int64
	// RecordCheck is how often the recording length and the free disk are
	// looked at; 1 s by default.
	RecordCheck time.Duration
	// FreeDisk reports the bytes free to the hub on the file system of
	// dir; statfs by default. Tests give a disk that fills.
	FreeDisk func(dir string) (int64, error)
	// Recordings is the folder recorded consultations are written under,
	// one folder per room (record.go); empty, the hub refuses to record.
	Recordings string
	// RecordBuffer is how many packets each file being recorded holds
	// while the disk is behind before it drops them; 1024 by default
	// (some ten seconds of a picture and its sound).
	RecordBuffer int
}

// Invitation says who may join a room. A station is admitted when it is
// listed, a person (an account) when its user name is.
type Invitation struct {
	Title    string
	Stations []app.ID
	Users    []string
	Limit    int // participants at once; 0 takes Config.MaxParticipants
	// Host is the station that may switch recording on and off; Record
	// starts the room with recording on. Both are read when the room
	// opens; opening it again leaves the recording as it is.
	Host   app.ID
	Record bool

	seq uint64 // the order rooms were opened in, for evictEmptyRoomLocked
}

func (inv Invitation) admits(peer hub.SignalPeer) bool {
	return slices.Contains(inv.Stations, peer.Station) || slices.Contains(inv.Users, peer.User)
}

// SFU routes the media of every room on one hub. It implements
// hub.Signalling.
type SFU struct {
	cfg Config
	log *slog.Logger
	api *webrtc.API

	// mu guards the rooms, their participants and their tracks. It is
	// never held while taking a participant's lock or calling into pion.
	mu       sync.Mutex
	invites  map[app.ID]Invitation
	rooms    map[app.ID]*room
	recs     map[app.ID]*roomRec // by open room
	sessions map[*session]struct{}
	stopped  bool
	// hosts binds each room to the host of its first schedule or start,
	// for as long as the hub runs (replay binds it again at start): a
	// later start or end naming another host is refused, so an invited
	// station cannot make itself the host. Ended rooms stay bound.
	hosts   map[app.ID]app.ID
	peers   int                     // participants across rooms
	links   map[string]*participant // the participant of each join link in a room
	refused []refusedRoom           // recent starts not opened, oldest first
	openSeq uint64                  // rooms opened so far
	linked  map[app.ID]int          // join links issued by room

	quit    chan struct{} // closed at Shutdown: the recording monitor ends
	monitor sync.Once

	countMu  sync.Mutex
	refusals map[string]int64

	writers sync.WaitGroup // one per file being recorded

	forwarded    atomic.Int64 // RTP packets written to subscribers' tracks
	keyFrames    atomic.Int64 // key-frame requests relayed to publishers
	recordDrops  atomic.Int64 // packets not recorded: the disk was behind
	recordErrors atomic.Int64 // files that could not be created or written
}

var _ hub.Signalling = (*SFU)(nil)

// New builds an SFU.
func New(cfg Config) (*SFU, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxParticipants <= 0 {
		cfg.MaxParticipants = DefaultMaxParticipants
	}
	if cfg.KeyFrameGap <= 0 {
		cfg.KeyFrameGap = 300 * time.Millisecond
	}
	if cfg.FirstKeyFrameGap <= 0 {
		cfg.FirstKeyFrameGap = min(100*time.Millisecond, cfg.KeyFrameGap)
	}
	if cfg.MaxPendingCandidates <= 0 {
		cfg.MaxPendingCandidates = 64
	}
	if cfg.RecordBuffer <= 0 {
		cfg.RecordBuffer = 1024
	}
	if cfg.MaxCandidates <= 0 {
		cfg.MaxCandidates = DefaultMaxCandidates
	}
	cfg.MaxPendingCandidates = min(cfg.MaxPendingCandidates, cfg.MaxCandidates)
	if cfg.MaxLinksPerRoom <= 0 {
		cfg.MaxLinksPerRoom = DefaultMaxLinksPerRoom
	}
	if cfg.MaxRoomsPerHost <= 0 {
		cfg.MaxRoomsPerHost = DefaultMaxRoomsPerHost
	}
	if cfg.MaxPeers <= 0 {
		cfg.MaxPeers = DefaultMaxPeers
	}
	if cfg.MaxRecordBytes <= 0 {
		cfg.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if cfg.MaxRecordLength <= 0 {
		cfg.MaxRecordLength = DefaultMaxRecordLength
	}
	if cfg.MinFreeDisk <= 0 {
		cfg.MinFreeDisk = DefaultMinFreeDisk
	}
	if cfg.RecordCheck <= 0 {
		cfg.RecordCheck = time.Second
	}
	if cfg.FreeDisk == nil {
		cfg.FreeDisk = freeDisk
	}
	api, err := rtcconf.NewAPI(cfg.Network)
	if err != nil {
		return nil, err
	}
	return &SFU{cfg: cfg, log: cfg.Logger, api: api, invites: map[app.ID]Invitation{}, rooms: map[app.ID]*room{},
		recs: map[app.ID]*roomRec{}, sessions: map[*session]struct{}{}, hosts: map[app.ID]app.ID{},
		links: map[string]*participant{}, linked: map[app.ID]int{}, quit: make(chan struct{}), refusals: map[string]int64{}}, nil
}

// Open invites stations and people to a room, or changes the invitation
// of an open one (participants already in stay). A room is bound to the
// host it was first opened (or bound) with: EFORBIDDEN for another host.
// EFORBIDDEN too when the host has Config.MaxRoomsPerHost rooms open.
func (s *SFU) Open(id app.ID, inv Invitation) error {
	if id == app.NilID {
		return app.FieldErrorf("room", "a room needs an id")
	}
	if len(inv.Stations) == 0 && len(inv.Users) == 0 {
		return app.FieldErrorf("invite", "a room with nobody invited")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return app.Errorf(app.EINTERNAL, "the video router is stopped")
	}
	if bound, ok := s.hosts[id]; ok && bound != inv.Host {
		s.count(reasonNotHost)
		return app.Errorf(app.EFORBIDDEN, "room %s is hosted by station %s, not %s", id, bound, inv.Host)
	}
	old, open := s.invites[id]
	if !open && inv.Host != app.NilID {
		if n := s.hostRoomsLocked(inv.Host); n >= s.cfg.MaxRoomsPerHost && !s.evictEmptyRoomLocked(inv.Host, id) {
			s.count(reasonHostRooms)
			reason := fmt.Sprintf("station %s already hosts %d open consultations with people in them, the most this hub allows; end one, then start this one again", inv.Host, n)
			s.rememberRefusedLocked(id, inv, reason)
			return app.Errorf(app.EFORBIDDEN, "room %s not opened: %s", id, reason)
		}
	}
	if inv.Host != app.NilID {
		s.hosts[id] = inv.Host
	}
	s.refused = slices.DeleteFunc(s.refused, func(r refusedRoom) bool { return r.id == id })
	if open {
		inv.seq = old.seq
	} else {
		s.openSeq++
		inv.seq = s.openSeq
	}
	s.invites[id] = inv
	if s.recs[id] == nil {
		rr := s.newRoomRec(id, inv)
		s.recs[id] = rr
		if rr.on {
			rr.onSince = time.Now()
			s.startMonitorLocked()
		}
	}
	return nil
}

// Close ends a room: every participant is told and dropped, and nobody
// joins it again until it is opened anew.
func (s *SFU) Close(id app.ID) {
	for _, p := range s.closeRoom(id) {
		p.leave("the consultation was closed", true)
	}
}

// closeRoom ends a room's invitation and recording at once and returns
// its participants, for the caller to put out: that waits for their peer
// connections to close, and Observe does it on a goroutine of its own.
func (s *SFU) closeRoom(id app.ID) []*participant {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.invites, id)
	delete(s.recs, id)
	delete(s.linked, id)
	var parts []*participant
	if r := s.rooms[id]; r != nil {
		parts = r.list()
		for _, f := range r.tracks {
			stopFileLocked(f)
		}
	}
	return parts
}

// Shutdown ends every room; the SFU refuses joins from then on.
func (s *SFU) Shutdown() {
	s.mu.Lock()
	if !s.stopped {
		close(s.quit)
	}
	s.stopped = true
	var parts []*participant
	for _, r := range s.rooms {
		parts = append(parts, r.list()...)
		for _, f := range r.tracks {
			stopFileLocked(f)
		}
	}
	s.invites = map[app.ID]Invitation{}
	s.recs = map[app.ID]*roomRec{}
	s.mu.Unlock()
	for _, p := range parts {
		p.leave("the hub is stopping", true)
	}
	// Every file is complete on disk before the hub exits, unless the
	// disk does not answer at all.
	if !s.waitWriters(10 * time.Second) {
		s.log.Error("recording: files still being written after 10 s; the hub stops without them")
	}
}

// Stats counts what the SFU holds.
type Stats struct {
	Rooms        int   // rooms with someone in them
	OpenRooms    int   // rooms open: started and not ended
	Participants int   // across rooms
	Tracks       int   // published tracks being forwarded
	Forwarded    int64 // RTP packets written towards subscribers
	KeyFrames    int64 // key-frame requests relayed to publishers
	RecordDrops  int64 // packets not recorded because the disk was behind
	RecordErrors int64 // recording files that could not be created or written
}

// Stats reports the current counts.
func (s *SFU) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Rooms: len(s.rooms), OpenRooms: len(s.invites), Forwarded: s.forwarded.Load(), KeyFrames: s.keyFrames.Load(),
		RecordDrops: s.recordDrops.Load(), RecordErrors: s.recordErrors.Load()}
	for _, r := range s.rooms {
		st.Participants += len(r.parts)
		st.Tracks += len(r.tracks)
	}
	return st
}

// Room returns who is in a room, for the hub's log and for tests.
func (s *SFU) Room(id app.ID) []wire.Participant {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.rooms[id]; r != nil {
		return r.infos()
	}
	return nil
}

// room is a room with someone in it; it is dropped when the last leaves.
type room struct {
	id     app.ID
	parts  map[string]*participant
	order  []*participant // join order, for stable lists
	tracks []*forward
}

func (r *room) list() []*participant { return slices.Clone(r.order) }

func (r *room) infos() []wire.Participant {
	out := make([]wire.Participant, 0, len(r.order))
	for _, p := range r.order {
		out = append(out, p.info)
	}
	return out
}

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
