package wire

import (
	"strings"
	"time"

	"dutyroom/app"
)

// Consultation signalling (protocol 1.1): a station joins a video room on
// the hub, and the hub's SFU and the client negotiate WebRTC over the same
// socket. The hub makes every offer; the client answers. A hub without
// consultations answers these types with unknown_type, as for any type it
// does not know.
//
// Client to hub: room.join, room.leave, rtc.answer, rtc.candidate.
// Hub to client: room.joined, room.state, room.left, rtc.offer,
// rtc.candidate.
const (
	TypeRoomJoin     = "room.join"
	TypeRoomJoined   = "room.joined"
	TypeRoomState    = "room.state"
	TypeRoomLeave    = "room.leave"
	TypeRoomLeft     = "room.left"
	TypeRTCOffer     = "rtc.offer"
	TypeRTCAnswer    = "rtc.answer"
	TypeRTCCandidate = "rtc.candidate"
)

// CodeRoomFull refuses a join to a room at its participant limit.
const CodeRoomFull = "room_full"

// SignalIDPrefix starts the id of every signalling request a client sends,
// so that the error answering one reaches the media engine rather than the
// sync engine that shares the socket.
const SignalIDPrefix = "rtc."

// RequestIDPrefix starts the id of a client's question to the hub that is
// not sync and not signalling (syncer.Engine.Request): the hub answers with
// a frame of the same id, or an error of that id.
const RequestIDPrefix = "req."

// Limits of signalling bodies. An SDP grows by about a kilobyte per
// track; 256 KiB holds a full room with room to spare.
const (
	MaxSDP       = 256 << 10
	MaxCandidate = 1024
	MaxPublish   = 2
)

// IsSignal reports whether a message type is consultation signalling.
func IsSignal(typ string) bool {
	return strings.HasPrefix(typ, "room.") || strings.HasPrefix(typ, "rtc.")
}

// Media kinds a participant publishes.
const (
	MediaVideo = "video"
	MediaAudio = "audio"
)

// RoomJoin asks to enter a consultation's room and to publish the listed
// media ("video", "audio"; none to watch only).
type RoomJoin struct {
	Room    app.ID   `json:"room"`
	Publish []string `json:"publish,omitempty"`
}

// ICEServer is a STUN or TURN server the hub tells its clients to use.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Participant is one station (or person) in a room. ID is fresh at every
// join: it is the stream id of the participant's tracks as the hub
// forwards them, so a receiver knows whose picture it decodes.
type Participant struct {
	ID      string    `json:"id"`
	Station app.ID    `json:"station"`
	User    string    `json:"user"`
	Joined  time.Time `json:"joined"`
	Publish []string  `json:"publish,omitempty"`
}

// RoomJoined answers a join that passed. The hub's offer follows.
type RoomJoined struct {
	Room         app.ID        `json:"room"`
	You          string        `json:"you"` // this participant's id
	Limit        int           `json:"limit"`
	ICEServers   []ICEServer   `json:"iceServers,omitempty"`
	Participants []Participant `json:"participants"`
	Recording    bool          `json:"recording,omitempty"` // the room is being recorded now
}

// RoomState lists who is in the room, after every join and leave.
type RoomState struct {
	Room         app.ID        `json:"room"`
	Participants []Participant `json:"participants"`
	Recording    bool          `json:"recording,omitempty"`
}

// RoomLeave leaves a room.
type RoomLeave struct {
	Room app.ID `json:"room"`
}

// RoomLeft says the participant is out of the room: it left, the room was
// closed, or its media connection failed. Reason is for people.
type RoomLeft struct {
	Room   app.ID `json:"room"`
	Reason string `json:"reason,omitempty"`
}

// Description carries an SDP offer (hub to client) or answer (client to
// hub).
type Description struct {
	Room app.ID `json:"room"`
	SDP  string `json:"sdp"`
}

// Candidate is one trickled ICE candidate, in the browser's
// RTCIceCandidateInit form.
type Candidate struct {
	Room          app.ID  `json:"room"`
	Candidate     string  `json:"candidate"`
	SDPMid        *string `json:"sdpMid,omitempty"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex,omitempty"`
}

func checkRoom(typ string, room app.ID) error {
	if room == app.NilID {
		return Errorf(CodeBadMessage, "%s: no room", typ)
	}
	return nil
}

// DecodeRoomJoin reads a join.
func DecodeRoomJoin(env Envelope) (RoomJoin, error) {
	var j RoomJoin
	if err := body(env, &j); err != nil {
		return RoomJoin{}, err
	}
	if err := checkRoom(env.Type, j.Room); err != nil {
		return RoomJoin{}, err
	}
	if len(j.Publish) > MaxPublish {
		return RoomJoin{}, Errorf(CodeBadMessage, "room.join: publish names at most %d media", MaxPublish)
	}
	seen := map[string]bool{}
	for _, m := range j.Publish {
		if m != MediaVideo && m != MediaAudio {
			return RoomJoin{}, Errorf(CodeBadMessage, "room.join: cannot publish %q; publish video or audio", m)
		}
		if seen[m] {
			return RoomJoin{}, Errorf(CodeBadMessage, "room.join: %s named twice", m)
		}
		seen[m] = true
	}
	return j, nil
}

// DecodeRoomJoined reads the answer to a join.
func DecodeRoomJoined(env Envelope) (RoomJoined, error) {
	var j RoomJoined
	if err := body(env, &j); err != nil {
		return RoomJoined{}, err
	}
	if err := checkRoom(env.Type, j.Room); err != nil {
		return RoomJoined{}, err
	}
	if j.You == "" {
		return RoomJoined{}, Errorf(CodeBadMessage, "room.joined: no participant id")
	}
	return j, nil
}

// DecodeRoomState reads a participant list.
func DecodeRoomState(env Envelope) (RoomState, error) {
	var s RoomState
	if err := body(env, &s); err != nil {
		return RoomState{}, err
	}
	return s, checkRoom(env.Type, s.Room)
}

// DecodeRoomLeave reads a leave.
func DecodeRoomLeave(env Envelope) (RoomLeave, error) {
	var l RoomLeave
	if err := body(env, &l); err != nil {
		return RoomLeave{}, err
	}
	return l, checkRoom(env.Type, l.Room)
}

// DecodeRoomLeft reads a room.left.
func DecodeRoomLeft(env Envelope) (RoomLeft, error) {
	var l RoomLeft
	if err := body(env, &l); err != nil {
		return RoomLeft{}, err
	}
	return l, checkRoom(env.Type, l.Room)
}

// DecodeDescription reads an rtc.offer or rtc.answer. It checks only the
// size and that an SDP is there; the SFU or the client's media engine
// parses it.
func DecodeDescription(env Envelope) (Description, error) {
	var d Description
	if err := body(env, &d); err != nil {
		return Description{}, err
	}
	if err := checkRoom(env.Type, d.Room); err != nil {
		return Description{}, err
	}
	switch {
	case strings.TrimSpace(d.SDP) == "":
		return Description{}, Errorf(CodeBadMessage, "%s: no sdp", env.Type)
	case len(d.SDP) > MaxSDP:
		return Description{}, Errorf(CodeTooLarge, "%s: an sdp of %d bytes; the limit is %d", env.Type, len(d.SDP), MaxSDP)
	}
	return d, nil
}

// DecodeCandidate reads an rtc.candidate. An empty candidate string means
// the end of candidates.
func DecodeCandidate(env Envelope) (Candidate, error) {
	var c Candidate
	if err := body(env, &c); err != nil {
		return Candidate{}, err
	}
	if err := checkRoom(env.Type, c.Room); err != nil {
		return Candidate{}, err
	}
	if len(c.Candidate) > MaxCandidate || (c.SDPMid != nil && len(*c.SDPMid) > MaxIDLen) {
		return Candidate{}, Errorf(CodeTooLarge, "rtc.candidate: longer than %d bytes", MaxCandidate)
	}
	return c, nil
}
