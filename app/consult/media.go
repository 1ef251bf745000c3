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
	// Device is told what a camera, microphone or loudspeaker does once
	// the room is joined, and again whenever that changes: in particular
	// when a device fails and the test pattern or tone takes its place.
	Device func(DeviceState)
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

// Devices chooses the camera, microphone and loudspeaker of this station's
// consultations. The program wires the capture drivers behind it; the
// devices are open only while the window is in a room.
type Devices interface {
	// Devices lists what can be chosen: for cameras and microphones
	// TestDevice first, then what the drivers found; for loudspeakers the
	// machine's outputs (none where it has no sound).
	Devices(kind DeviceKind) []Device
	// UseDevice chooses id for kind ("" for the system's default). In a
	// room it switches at once and returns what is in use then: the test
	// pattern or tone, with the reason, when the device is missing or
	// does not open. Out of a room it is kept for the next join.
	UseDevice(kind DeviceKind, id string) DeviceState
	// SetVolume sets how loud the others are played, 0 to 1.
	SetVolume(v float64)
}

// DeviceKind is what a device is for.
type DeviceKind string

const (
	Camera     DeviceKind = "camera"
	Microphone DeviceKind = "microphone"
	Speaker    DeviceKind = "speaker"
)

// TestDevice is the id of the synthetic camera (the test pattern) and
// microphone (the test tone).
const TestDevice = "test"

// Device is a camera, microphone or loudspeaker.
type Device struct {
	ID   string // stays the same from one start to the next, to be remembered
	Name string
}

// DeviceState is what a kind of device does now.
type DeviceState struct {
	Kind DeviceKind
	ID   string // TestDevice while the test pattern or tone is sent
	Name string
	// Fallback is set when the test pattern or tone stands in for a
	// device that was asked for, or a loudspeaker is missing; Reason says
	// why, for the log and for people who ask.
	Fallback bool
	Reason   string
}
