package wire

import (
	"strings"
	"time"

	"dutyroom/app"
)

// Recording a consultation (protocol 1.1, optional): the hub writes each
// participant's tracks to files in its data folder while the host has
// recording on, and every participant is told when it starts and stops.
//
// Client to hub: room.record (the host only).
// Hub to client: room.recording (to every participant, and as the answer
// to room.record), room.recordings (the list of files, to the host
// station's connections).
const (
	TypeRoomRecord     = "room.record"
	TypeRoomRecording  = "room.recording"
	TypeRoomRecordings = "room.recordings"
)

// Limits of the recording messages. A file's name is at most
// MaxRecordedName bytes, and one room lists at most MaxRecordedFiles
// (every participant's video and sound, for every span of recording).
const (
	MaxRecordedFiles = 512
	MaxRecordedName  = 160
	MaxRecordedError = 300
)

// RoomRecord asks the hub to start (On) or stop recording the room.
type RoomRecord struct {
	Room app.ID `json:"room"`
	On   bool   `json:"on"`
}

// RoomRecording says whether the room is being recorded now. Station is
// the host station that switched it; absent when the room was opened
// with recording on, or when the hub stopped it. Reason says why the hub
// stopped it (a bound of the recording reached, the disk nearly full).
type RoomRecording struct {
	Room    app.ID `json:"room"`
	On      bool   `json:"on"`
	Station app.ID `json:"station,omitzero"`
	Reason  string `json:"reason,omitempty"`
}

// RecordedFile is one participant's track over one span of recording.
// End is zero while the file is being written. Dropped counts packets
// the disk could not take in time; Error is why writing stopped early.
type RecordedFile struct {
	Name        string    `json:"name"` // in the room's folder
	Participant string    `json:"participant"`
	Station     app.ID    `json:"station"`
	User        string    `json:"user"`
	Kind        string    `json:"kind"` // video (IVF, VP8) or audio (Ogg, Opus)
	Size        int64     `json:"size"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end,omitzero"`
	Dropped     int64     `json:"dropped,omitempty"`
	Error       string    `json:"error,omitempty"`
}

// RoomRecordings lists every file recorded of a room so far. Folder is
// where they are, relative to the hub's data folder.
type RoomRecordings struct {
	Room   app.ID         `json:"room"`
	Folder string         `json:"folder"`
	Files  []RecordedFile `json:"files"`
}

// DecodeRoomRecord reads a room.record.
func DecodeRoomRecord(env Envelope) (RoomRecord, error) {
	var r RoomRecord
	if err := body(env, &r); err != nil {
		return RoomRecord{}, err
	}
	return r, checkRoom(env.Type, r.Room)
}

// DecodeRoomRecording reads a room.recording.
func DecodeRoomRecording(env Envelope) (RoomRecording, error) {
	var r RoomRecording
	if err := body(env, &r); err != nil {
		return RoomRecording{}, err
	}
	return r, checkRoom(env.Type, r.Room)
}

// DecodeRoomRecordings reads a room.recordings. The names are shown to
// people and never used as paths by a client; still, a name that could
// climb out of the room's folder is refused.
func DecodeRoomRecordings(env Envelope) (RoomRecordings, error) {
	var r RoomRecordings
	if err := body(env, &r); err != nil {
		return RoomRecordings{}, err
	}
	if err := checkRoom(env.Type, r.Room); err != nil {
		return RoomRecordings{}, err
	}
	if len(r.Files) > MaxRecordedFiles {
		return RoomRecordings{}, Errorf(CodeTooLarge, "room.recordings: %d files; the limit is %d", len(r.Files), MaxRecordedFiles)
	}
	if len(r.Folder) > MaxRecordedName {
		return RoomRecordings{}, Errorf(CodeTooLarge, "room.recordings: a folder name over %d bytes", MaxRecordedName)
	}
	for i, f := range r.Files {
		switch {
		case f.Name == "" || len(f.Name) > MaxRecordedName:
			return RoomRecordings{}, Errorf(CodeBadMessage, "room.recordings: file %d has no name or one over %d bytes", i, MaxRecordedName)
		case strings.ContainsAny(f.Name, `/\`) || f.Name == "." || f.Name == "..":
			return RoomRecordings{}, Errorf(CodeBadMessage, "room.recordings: file name %q is not a plain name", f.Name)
		case f.Kind != MediaVideo && f.Kind != MediaAudio:
			return RoomRecordings{}, Errorf(CodeBadMessage, "room.recordings: file %q of kind %q; want video or audio", f.Name, f.Kind)
		case f.Size < 0 || f.Dropped < 0:
			return RoomRecordings{}, Errorf(CodeBadMessage, "room.recordings: file %q with a negative count", f.Name)
		case len(f.User) > MaxUserLen || len(f.Participant) > MaxIDLen || len(f.Error) > MaxRecordedError:
			return RoomRecordings{}, Errorf(CodeTooLarge, "room.recordings: file %q with an over-long field", f.Name)
		}
	}
	return r, nil
}
