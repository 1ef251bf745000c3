package sfu

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Limits. Every resource a station can make the hub spend on video has a
// bound with a default (Config), a refusal with a code the sender sees,
// a log line naming the station (the hub's for a refused message, the
// SFU's own otherwise) and a counter by reason in the hub's /metrics.
//
//	what                                    default   refused with
//	open rooms per host station             4         the oldest empty one closes; with none empty,
//	                                                  unavailable (the new room stays closed)
//	participants per room                   16        room_full
//	participants (peer connections), hub    256       unavailable
//	participants per join link              1         forbidden
//	join links issued per room              128       too_large
//	ICE candidates per participant's stay   64        too_large
//	recorded bytes per consultation         8 GiB     recording stops, room told
//	recorded length per consultation        4 h       recording stops, room told
//	free disk under the recordings folder   2 GiB     recording stops, room told
const (
	DefaultMaxParticipants = 16
	DefaultMaxRoomsPerHost = 4
	DefaultMaxPeers        = 256
	DefaultMaxCandidates   = 64
	DefaultMaxLinksPerRoom = 128
	DefaultMaxRecordBytes  = 8 << 30
	DefaultMaxRecordLength = 4 * time.Hour
	DefaultMinFreeDisk     = 2 << 30
)

// Reasons a refusal or a drop is counted under, in
// dutyhub_sfu_refusals_total{reason=...}.
const (
	reasonHostRooms    = "host_rooms"     // a start over the host's open rooms
	reasonNotHost      = "not_host"       // a start, end, record or link from a station that does not host the room
	reasonRoomFull     = "room_full"      // a join over the room's limit
	reasonHubFull      = "hub_full"       // a join over the hub's peer connections
	reasonLinkInUse    = "link_in_use"    // a second participant on one join link, from another address
	reasonLinkReplaced = "link_replaced"  // a join link's participant put out by its page's reconnect
	reasonCandidates   = "candidates"     // a candidate over the participant's bound
	reasonLinkStation  = "link_station"   // a link for an account of a station not invited
	reasonRecordBytes  = "record_bytes"   // recording stopped at its size bound
	reasonRecordLength = "record_length"  // recording stopped at its length bound
	reasonDiskFloor    = "disk_floor"     // recording stopped at the free-disk floor
	reasonBrowserRec   = "browser_record" // room.record from a join page
	reasonLinks        = "links"          // a join link over the room's bound
	reasonRoomEvicted  = "room_evicted"   // a host's empty room closed for its newer one
)

// maxRefusedRooms bounds the rooms remembered as refused at opening, so
// that a join to one is told why; older ones are forgotten (a join then
// hears only that the station is not invited).
const maxRefusedRooms = 64

// refusedRoom is a start the SFU did not open a room for.
type refusedRoom struct {
	id     app.ID
	inv    Invitation
	reason string
}

// count adds one to a reason's counter.
func (s *SFU) count(reason string) {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	s.refusals[reason]++
}

// refuse counts a refusal and returns its error for the sender; the hub
// logs it with the station and the reason.
func (s *SFU) refuse(reason string, err *wire.Error) error {
	s.count(reason)
	return err
}

// Refusals returns the refusals and drops counted so far, by reason.
func (s *SFU) Refusals() map[string]int64 {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	out := make(map[string]int64, len(s.refusals))
	for k, v := range s.refusals {
		out[k] = v
	}
	return out
}

// hostRoomsLocked counts the open rooms host hosts; s.mu is held.
func (s *SFU) hostRoomsLocked(host app.ID) int {
	n := 0
	for _, inv := range s.invites {
		if inv.Host == host {
			n++
		}
	}
	return n
}

// evictEmptyRoomLocked closes the host's room opened first among those
// nobody is in, to make way for room: a consultation whose host's client
// never sent its end (it crashed, its disk was restored) stays open, and
// after a restart the replay opens it again; without this, a few such
// would lock the host out of consultations for good. Rooms with someone in
// them are never closed for it. It reports whether one was closed; s.mu is
// held.
func (s *SFU) evictEmptyRoomLocked(host, room app.ID) bool {
	var oldest app.ID
	var seq uint64
	for id, inv := range s.invites {
		if inv.Host != host || s.rooms[id] != nil {
			continue
		}
		if oldest == app.NilID || inv.seq < seq {
			oldest, seq = id, inv.seq
		}
	}
	if oldest == app.NilID {
		return false
	}
	inv := s.invites[oldest]
	delete(s.invites, oldest)
	if rr := s.recs[oldest]; rr != nil {
		// Nobody is in the room, so no file is open.
		delete(s.recs, oldest)
	}
	s.count(reasonRoomEvicted)
	s.rememberRefusedLocked(oldest, inv, fmt.Sprintf("it was closed, empty, when station %s started consultation %s over its limit of %d open ones; start it again", host, room, s.cfg.MaxRoomsPerHost))
	s.log.Warn("closing a host's oldest empty consultation room to open a new one", "station", host, "closed", oldest, "room", room, "limit", s.cfg.MaxRoomsPerHost)
	return true
}

// rememberRefusedLocked keeps why a room was not opened; s.mu is held.
func (s *SFU) rememberRefusedLocked(id app.ID, inv Invitation, reason string) {
	s.refused = slices.DeleteFunc(s.refused, func(r refusedRoom) bool { return r.id == id })
	if len(s.refused) >= maxRefusedRooms {
		s.refused = slices.Delete(s.refused, 0, 1)
	}
	s.refused = append(s.refused, refusedRoom{id: id, inv: inv, reason: reason})
}

// MayLink says whether station by may issue a browser join link to room
// for the account user of station forStation: only the room's host may,
// and only for an account of a station the room invites (the host's own
// included) or an account the invitation names (only the program hosting
// the hub names accounts; a consultation's operations name stations). The
// refusal is a *wire.Error for the asking client.
func (s *SFU) MayLink(room, by app.ID, user string, forStation app.ID) error {
	s.mu.Lock()
	inv, ok := s.invites[room]
	stopped := s.stopped
	s.mu.Unlock()
	switch {
	case stopped:
		return wire.Errorf(wire.CodeUnavailable, "room.link: the hub is stopping")
	case !ok || !slices.Contains(inv.Stations, by):
		// The same answer for a room that does not exist and one the
		// station is not invited to.
		return wire.Errorf(wire.CodeForbidden, "room.link: station %s is not invited to room %s, or it is not open", by, room)
	case inv.Host == app.NilID || by != inv.Host:
		return s.refuse(reasonNotHost, wire.Errorf(wire.CodeForbidden, "room.link: only the host station of the consultation issues join links; station %s is not its host", by))
	case user == "":
		// The asker alone: it may ask.
		return nil
	case !slices.Contains(inv.Users, user) && !slices.Contains(inv.Stations, forStation):
		return s.refuse(reasonLinkStation, wire.Errorf(wire.CodeForbidden, "room.link: the account's station %s is not invited to room %s; a link is only for an account of an invited station: invite it first", forStation, room))
	}
	// Each link is a stored entry until it expires: a station's account
	// must not grow the hub's database without bound. Counted while the
	// hub runs; a link refused after this check still counts.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.linked[room] >= s.cfg.MaxLinksPerRoom {
		return s.refuse(reasonLinks, wire.Errorf(wire.CodeTooLarge, "room.link: %d join links issued for room %s already, the most this hub issues for one consultation", s.linked[room], room))
	}
	s.linked[room]++
	return nil
}

// WriteMetrics writes the SFU's gauges and counters in the Prometheus text
// format, for the hub's /metrics (hub.Config.ExtraMetrics).
func (s *SFU) WriteMetrics(w io.Writer) {
	st := s.Stats()
	metric := func(name, typ, help string, value int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", name, help, name, typ, name, value)
	}
	metric("dutyhub_sfu_rooms", "gauge", "Consultation rooms with someone in them.", int64(st.Rooms))
	metric("dutyhub_sfu_open_rooms", "gauge", "Consultation rooms open (started and not ended).", int64(st.OpenRooms))
	metric("dutyhub_sfu_participants", "gauge", "Participants (peer connections) across rooms.", int64(st.Participants))
	metric("dutyhub_sfu_tracks", "gauge", "Published tracks being forwarded.", int64(st.Tracks))
	metric("dutyhub_sfu_forwarded_packets_total", "counter", "RTP packets written towards subscribers.", st.Forwarded)
	metric("dutyhub_sfu_key_frame_requests_total", "counter", "Key-frame requests relayed to publishers.", st.KeyFrames)
	metric("dutyhub_sfu_record_drops_total", "counter", "Packets not recorded because the disk was behind.", st.RecordDrops)
	metric("dutyhub_sfu_record_errors_total", "counter", "Recording files that could not be created or written.", st.RecordErrors)
	fmt.Fprint(w, "# HELP dutyhub_sfu_refusals_total Consultation requests refused and recordings stopped, by reason; each is also logged.\n# TYPE dutyhub_sfu_refusals_total counter\n")
	refusals := s.Refusals()
	reasons := make([]string, 0, len(refusals))
	for r := range refusals {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "dutyhub_sfu_refusals_total{reason=%q} %d\n", r, refusals[r])
	}
}
