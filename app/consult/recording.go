package consult

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// OpRecordings carries the files the hub recorded of a consultation, from
// its host to the invited stations; payload: Recordings. Each carries the
// whole list so far, so the latest one received is the list.
const OpRecordings = "consult.recordings"

// Limits of a list of recorded files.
const (
	MaxRecordedFiles = 512
	MaxRecordedName  = 160
)

// Media kinds of a recorded file.
const (
	KindVideo = "video" // VP8 in an IVF file
	KindAudio = "audio" // Opus in an Ogg file
)

// RecordedFile is one participant's picture or sound over one span of
// recording, as the hub wrote it in its data folder. End is zero while
// the hub is still writing it; Error says why the hub could not write it
// (whole or in part).
type RecordedFile struct {
	Name    string    `json:"name"`    // in Folder of the Recordings
	Station app.ID    `json:"station"` // whose picture or sound
	User    string    `json:"user,omitempty"`
	Kind    string    `json:"kind"`
	Size    int64     `json:"size"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end,omitzero"`
	Dropped int64     `json:"dropped,omitempty"` // packets the hub's disk could not take in time
	Error   string    `json:"error,omitempty"`
}

// Recordings is the list of a consultation's recorded files.
type Recordings struct {
	Consultation app.ID         `json:"consultation"`
	Folder       string         `json:"folder,omitempty"` // relative to the hub's data folder
	Files        []RecordedFile `json:"files"`
}

// Validate checks a list of recorded files.
func (r *Recordings) Validate() error {
	switch {
	case r.Consultation == app.NilID:
		return app.FieldErrorf("consultation", "the list of recorded files names no consultation")
	case len(r.Files) > MaxRecordedFiles:
		return app.FieldErrorf("files", "%d recorded files; the limit is %d", len(r.Files), MaxRecordedFiles)
	case len(r.Folder) > MaxRecordedName:
		return app.FieldErrorf("folder", "a folder name over %d bytes", MaxRecordedName)
	}
	for _, f := range r.Files {
		switch {
		case f.Name == "" || f.Name == "." || f.Name == ".." || len(f.Name) > MaxRecordedName || strings.ContainsAny(f.Name, `/\`):
			return app.FieldErrorf("files", "recorded file %q: not a plain file name of at most %d bytes", f.Name, MaxRecordedName)
		case f.Kind != KindVideo && f.Kind != KindAudio:
			return app.FieldErrorf("files", "recorded file %q of kind %q", f.Name, f.Kind)
		case f.Size < 0 || f.Dropped < 0:
			return app.FieldErrorf("files", "recorded file %q with a negative size", f.Name)
		case utf8.RuneCountInString(f.Error) > 300 || len(f.User) > 64:
			return app.FieldErrorf("files", "recorded file %q with an over-long field", f.Name)
		}
	}
	return nil
}

// MergeFiles is the list held after the hub's latest: the latest's
// files, and before them the files held that it no longer names. A hub
// that restarted lists only what it recorded since, so the files of
// before stay on the record. The newest MaxRecordedFiles are kept.
func MergeFiles(held, latest []RecordedFile) []RecordedFile {
	var out []RecordedFile
	for _, f := range held {
		if !slices.ContainsFunc(latest, func(l RecordedFile) bool { return l.Name == f.Name }) {
			out = append(out, f)
		}
	}
	out = append(out, latest...)
	if len(out) > MaxRecordedFiles {
		out = out[len(out)-MaxRecordedFiles:]
	}
	return out
}

// SameFiles reports whether two lists say the same, so that an unchanged
// list from the hub is not stored and sent again.
func SameFiles(a, b []RecordedFile) bool {
	return slices.EqualFunc(a, b, func(x, y RecordedFile) bool {
		return x.Name == y.Name && x.Station == y.Station && x.User == y.User && x.Kind == y.Kind && x.Size == y.Size &&
			x.Start.Equal(y.Start) && x.End.Equal(y.End) && x.Dropped == y.Dropped && x.Error == y.Error
	})
}
