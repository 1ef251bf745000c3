package consult

import (
	"context"
	"image"
	"time"

	"dutyroom/app"
)

// Media is a station's seat in a consultation's video room as the window
// uses it. The program wires the media engine behind it (package rtc), so
// the window never touches WebRTC or the codecs.
type Media interface {
	// Join enters the room of consultation id and publishes this
	// station's picture and sound; what arrives goes to sink until Leave
	// or until the room puts this station out (sink.Room with In false).
	Join(ctx context.Context, id app.ID, sink Sink) error
	// Leave leaves the room.
	Leave() error
	// SetMuted stops or restarts this station's sound; the others hear
	// silence meanwhile.
	SetMuted(muted bool)
	// SetCamera stops or restarts this station's picture; the others see
	// a dark picture meanwhile.
	SetCamera(on bool)
	// SetRecording asks the hub to start or stop recording the room; it
	// refuses unless this station hosts the consultation. Every
	// participant hears of it through Sink.Room.
	SetRecording(ctx context.Context, on bool) error
}

// Sink receives what happens in the room. Each function may be called
// from any goroutine; pictures of one participant never overlap, and a
// picture arriving while the previous one is still being taken replaces
// it (the engine keeps only the latest).
type Sink struct {
	Video func(Frame)
	// Level is the loudness of a participant's last 20 ms of sound, 0 to
	// 1 (RMS of full scale).
	Level func(participant string, station app.ID, level float64)
	Room  func(RoomState)
}

// Self is the participant id of this station's own picture, which a Media
// may send to its sink as a preview of what the others see.
const Self = "self"

// Frame is one decoded picture of a participant.
type Frame struct {
	Participant string
	Station     app.ID
	Image       *image.YCbCr
	At          time.Time
}

// Member is one participant in the room.
type Member struct {
	Participant string
	Station     app.ID
	User        string
}

// RoomState is the room after a change: who is in it, and whether this
// station still is.
type RoomState struct {
	In      bool
	Reason  string // why this station is out, for people
	You     string // this station's participant id
	Members []Member
	// Recording says the hub is recording the room now.
	Recording bool
}
