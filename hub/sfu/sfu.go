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
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
