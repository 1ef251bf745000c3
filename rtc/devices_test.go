package rtc_test

import (
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"testing"

	// mediadevices' test drivers register a synthetic camera (colour
	// bars over a grey ramp, noise in a corner) and microphone (a 480 Hz
	// sine) as any real driver registers hardware.
	_ "github.com/pion/mediadevices/pkg/driver/audiotest"
	_ "github.com/pion/mediadevices/pkg/driver/videotest"

	"dutyroom/app"
	"dutyroom/hub/sfu"
	"dutyroom/rtc"
	"dutyroom/rtc/capture"
	"dutyroom/rtc/testsrc"
)

// The whole capture path through real parts: the drivers list the test
// camera and microphone, a station chooses them, its engine encodes what
// they deliver, and a second station's engine decodes it through a real
// hub. Switching to the test pattern and back while in the room takes
// effect without leaving it.
func TestCaptureDevicesThroughHub(t *testing.T) {
	cam, mic := findDevice(t, capture.Cameras(), "VideoTest"), findDevice(t, capture.Microphones(), "AudioTest")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	video := capture.NewVideo(640, 480, rtc.TestPattern{ID: 1, Width: 640, Height: 480}, log)
	audio := capture.NewAudio(testsrc.ToneFor(1, 48000, 1), log)
	defer video.Close()
	defer audio.Close()
	if st := video.Use(cam.ID); st.Fallback || st.ID != cam.ID {
		t.Fatalf("choosing the test camera: %+v", st)
	}
	if st := audio.Use(mic.ID); st.Fallback || st.ID != mic.ID {
		t.Fatalf("choosing the test microphone: %+v", st)
	}

	h := startHub(t, sfu.Config{})
	h.sources = func(name string) (rtc.VideoSource, rtc.AudioSource) {
		if name == "p" {
			return video, audio
		}
		return nil, nil
	}
	patterns := map[app.ID]uint8{h.stations["p"].ID: 1, h.stations["c1"].ID: 2}
	p := newStation(t, h, "p", 1, patterns)
	c1 := newStation(t, h, "c1", 2, patterns)
	room := h.openRoom(t, 0, "p", "c1")
	p.join(t, room)
	c1.join(t, room)

	// c1 decodes the test camera's picture: its colour bars, no stamp.
	from := stationID(p)
	waitFor(t, "c1 to decode 10 frames of the test camera", func() bool {
		r := c1.from(from)
		return r != nil && r.frames >= 10 && r.image != nil && videotestBars(r.image) == nil
	})
	// The test camera's noise corner sometimes reads as a stamp, but not
	// as pattern 1's: every stamp of the right id would be the pattern.
	if r := c1.from(from); r.stamped-r.wrongID != 0 {
		t.Errorf("%d of %d frames carried the test pattern's stamp; the camera was chosen", r.stamped-r.wrongID, r.frames)
	}
	// And the test microphone's 480 Hz, not the fallback tone's 550 Hz.
	waitFor(t, "c1 to hear the test microphone", func() bool {
		r := c1.from(from)
		return r != nil && len(r.audio) >= 48000
	})
	r := c1.from(from)
	hz, rms := testsrc.Frequency(r.audio[24000:], 48000)
	if math.Abs(hz-480) > 10 || rms < 0.05 {
		t.Errorf("c1 hears %.0f Hz at level %.3f, want the test microphone's 480 Hz", hz, rms)
	}

	// Switched to the test pattern in the room: c1 reads its stamp.
	video.Use(capture.Test)
	waitFor(t, "c1 to decode the test pattern after the switch", func() bool {
		r := c1.from(from)
		return r != nil && r.stamped-r.wrongID >= 5
	})
	if err := testsrc.CheckBars(c1.from(from).image, 1); err != nil {
		t.Error(err)
	}
	// And back to the camera.
	r = c1.from(from)
	stamped := r.stamped - r.wrongID
	if st := video.Use(cam.ID); st.Fallback {
		t.Fatalf("choosing the test camera again: %+v", st)
	}
	waitFor(t, "c1 to decode the camera again", func() bool {
		r := c1.from(from)
		return r != nil && r.image != nil && videotestBars(r.image) == nil
	})
	if r := c1.from(from); r.stamped-r.wrongID > stamped+30 {
		t.Errorf("%d stamped frames after switching back; the camera did not come back at once", r.stamped-r.wrongID-stamped)
	}
	if len(p.media.Participants()) != 2 {
		t.Errorf("the room has %d participants after the switches, want 2", len(p.media.Participants()))
	}
}

func findDevice(t *testing.T, list []capture.Device, id string) capture.Device {
	t.Helper()
	for _, d := range list {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("%s is not listed among %v", id, list)
	return capture.Device{}
}

// videotestBars checks the first two of the test camera's seven bars
// (75 % white, then yellow in BT.601), sampled in their middle.
func videotestBars(img *image.YCbCr) error {
	bars := []struct{ y, cb, cr float64 }{{176, 128, 128}, {157, 16, 146}}
	for i, want := range bars {
		x0 := i*640/7 + 20
		var ys, cbs, crs, n float64
		for y := 100; y < 200; y += 2 {
			for x := x0; x < x0+40; x += 2 {
				c := img.YCbCrAt(x, y)
				ys, cbs, crs, n = ys+float64(c.Y), cbs+float64(c.Cb), crs+float64(c.Cr), n+1
			}
		}
		if math.Abs(ys/n-want.y) > 15 || math.Abs(cbs/n-want.cb) > 15 || math.Abs(crs/n-want.cr) > 15 {
			return fmt.Errorf("bar %d is Y %.0f Cb %.0f Cr %.0f, not the test camera's", i+1, ys/n, cbs/n, crs/n)
		}
	}
	return nil
}
