// Package capture gives the media engine a station's camera and
// microphone through pion/mediadevices' drivers, and the synthetic test
// pattern and tone where there is none, or it fails.
//
// A Video or Audio is a source the engine reads from for as long as it
// runs; Use switches the device behind it at any time, in a room or not,
// so choosing another camera never needs leaving the room. Whatever goes
// wrong with a device (none present, busy, unplugged mid-call), the source
// falls back to the synthetic one and says why, so a station always sends
// something and CI joins rooms without hardware.
package capture

import (
	"cmp"
	"slices"
	"strings"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/frame"

	// The drivers register the machine's devices when the program
	// starts: V4L2 cameras on Linux (AVFoundation, Media Foundation
	// elsewhere), and microphones through miniaudio, which loads
	// PulseAudio or ALSA at run time.
	_ "github.com/pion/mediadevices/pkg/driver/camera"
	_ "github.com/pion/mediadevices/pkg/driver/microphone"
)

// Test is the id of the synthetic source: the test pattern for a camera,
// the test tone for a microphone.
const Test = "test"

// Device is a camera or microphone a station may choose.
type Device struct {
	// ID stays the same from one start of the program to the next (the
	// driver's label, such as video0;video0), so a choice can be
	// remembered.
	ID   string
	Name string
}

// State is what a source sends now.
type State struct {
	ID   string // the device in use; Test for the synthetic source
	Name string
	// Fallback is set when the synthetic source stands in for a device
	// that was asked for (or for any device, when none is present);
	// Reason says why.
	Fallback bool
	Reason   string
}

// Cameras lists the cameras the drivers found, the system's preferred
// one first.
func Cameras() []Device { return list(driver.Camera) }

// Microphones lists the microphones the drivers found, the system's
// default first.
func Microphones() []Device { return list(driver.Microphone) }

func list(kind driver.DeviceType) []Device {
	var out []Device
	var prio []driver.Priority
	for _, d := range find(kind, "") {
		info := d.Info()
		out = append(out, Device{ID: info.Label, Name: name(info)})
		prio = append(prio, info.Priority)
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if c := cmp.Compare(prio[b], prio[a]); c != 0 {
			return c
		}
		return cmp.Compare(out[a].Name, out[b].Name)
	})
	sorted := make([]Device, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted
}

// find returns the drivers of kind, the one labelled id alone when id is
// not empty. miniaudio's null device (what it offers where there is no
// sound system) is no microphone: it is left out, so such a machine falls
// back to the test tone instead of sending silence.
func find(kind driver.DeviceType, id string) []driver.Driver {
	var out []driver.Driver
	for _, d := range driver.GetManager().Query(driver.FilterDeviceType(kind)) {
		info := d.Info()
		if id != "" && info.Label != id {
			continue
		}
		if kind == driver.Microphone && isNullMicrophone(info) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// isNullMicrophone recognises miniaudio's null backend device by its
// label: the hex of its id, "null".
func isNullMicrophone(info driver.Info) bool {
	return info.Label == "6e756c6c" || info.Label == "null"
}

func name(info driver.Info) string {
	// V4L2 names read "model;bus"; the model is enough for people.
	model, _, _ := strings.Cut(info.Name, ";")
	if model != "" {
		return model
	}
	return info.Label
}

// compressed says whether frames of format f need decoding (MJPEG), which
// costs more than reordering the planes of an uncompressed one.
func compressed(f frame.Format) bool {
	return f == frame.FormatMJPEG
}
