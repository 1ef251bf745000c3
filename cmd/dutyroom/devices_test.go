package main

import (
	"image"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"

	"dutyroom/app/consult"
	"dutyroom/rtc"
	"dutyroom/rtc/capture"
	"dutyroom/rtc/playback"
	"dutyroom/rtc/testsrc"
)

// The devices behind the window on this machine's drivers: the test
// pattern and tone are always offered; a choice made out of a room waits
// for the join; joining opens the chosen devices and reports what each
// does, the test source standing in for what is missing; leaving closes
// them.
func TestRoomDevices(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tone := &turnTone{tone: testsrc.ToneFor(3, 48000, 1), slot: 0}
	d := newRoomDevices(log, rtc.TestPattern{ID: 3, Width: 640, Height: 480}, tone)
	defer d.close()

	for _, kind := range []consult.DeviceKind{consult.Camera, consult.Microphone} {
		list := d.Devices(kind)
		if len(list) == 0 || list[0].ID != consult.TestDevice {
			t.Errorf("%s: %v, want the test source first", kind, list)
		}
	}
	if got, want := len(d.Devices(consult.Speaker)), len(playback.Speakers()); got != want {
		t.Errorf("%d loudspeakers listed, the machine has %d", got, want)
	}

	// Out of a room nothing opens.
	if st := d.UseDevice(consult.Camera, "no-such-camera"); st.Fallback || st.ID != "no-such-camera" {
		t.Errorf("choosing out of a room: %+v", st)
	}
	if st := d.video.State(); st.ID != capture.Test || st.Fallback {
		t.Errorf("a camera opened out of a room: %+v", st)
	}

	var mu sync.Mutex
	reported := map[consult.DeviceKind]consult.DeviceState{}
	d.openAll(func(st consult.DeviceState) {
		mu.Lock()
		reported[st.Kind] = st
		mu.Unlock()
	})
	mu.Lock()
	if st := reported[consult.Camera]; !st.Fallback || st.ID != consult.TestDevice {
		t.Errorf("a missing camera in the room: %+v", st)
	}
	if _, ok := reported[consult.Microphone]; !ok {
		t.Error("nothing said about the microphone")
	}
	if st, ok := reported[consult.Speaker]; !ok || st.Fallback != (len(playback.Speakers()) == 0) {
		t.Errorf("loudspeaker %+v with %d outputs", st, len(playback.Speakers()))
	}
	mu.Unlock()
	// The test source chosen in the room: no fallback, the pattern is sent.
	if st := d.UseDevice(consult.Camera, consult.TestDevice); st.Fallback || st.ID != consult.TestDevice {
		t.Errorf("test pattern chosen: %+v", st)
	}
	img, err := d.video.Frame(4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := testsrc.ReadStamp(img); err != nil || s.ID != 3 {
		t.Errorf("sending %+v, %v; want pattern 3", s, err)
	}
	d.closeAll()
	if d.UseDevice(consult.Microphone, ""); d.audio.State().ID != capture.Test {
		t.Error("a microphone opened after leaving")
	}
	if !slices.ContainsFunc(d.Devices(consult.Microphone), func(dev consult.Device) bool { return dev.ID == consult.TestDevice }) {
		t.Error("the test tone is not offered after leaving")
	}
}

// stillCamera is a camera driver that opens and sends nothing: enough to
// see it opened and closed.
type stillCamera struct{ done chan struct{} }

func (c *stillCamera) Open() error  { c.done = make(chan struct{}); return nil }
func (c *stillCamera) Close() error { close(c.done); return nil }
func (c *stillCamera) Properties() []prop.Media {
	return []prop.Media{{Video: prop.Video{Width: 640, Height: 480, FrameFormat: frame.FormatI420, FrameRate: 15}}}
}
func (c *stillCamera) VideoRecord(prop.Media) (video.Reader, error) {
	done := c.done // this opening's: a reader may outlive it
	return video.ReaderFunc(func() (image.Image, func(), error) {
		<-done
		return nil, func() {}, io.EOF
	}), nil
}

// Switching the camera off in the window closes it (its light goes out),
// switching it on opens it again, and the next room starts with it on.
func TestCameraOffClosesIt(t *testing.T) {
	m := driver.GetManager()
	if err := m.Register(&stillCamera{}, driver.Info{Label: "stillcam", Name: "Still", DeviceType: driver.Camera}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, d := range m.Query(driver.FilterDeviceType(driver.Camera)) {
			if d.Info().Label == "stillcam" {
				m.Delete(d.ID())
			}
		}
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := newRoomDevices(log, rtc.TestPattern{ID: 2, Width: 640, Height: 480}, testsrc.ToneFor(2, 48000, 1))
	defer d.close()
	d.UseDevice(consult.Camera, "stillcam")
	d.openAll(nil)
	if st := d.video.State(); st.ID != "stillcam" {
		t.Fatalf("on joining the camera is %+v", st)
	}
	d.setCameraOn(false)
	waitUntil(t, "the camera to close", func() bool { return d.video.State().ID == capture.Test })
	if st := d.video.State(); st.Fallback {
		t.Errorf("a camera switched off is reported missing: %+v", st)
	}
	// Choosing it again while off does not open it.
	if st := d.UseDevice(consult.Camera, "stillcam"); st.ID != consult.TestDevice || d.video.State().ID != capture.Test {
		t.Errorf("chosen while off: %+v, in use %+v", st, d.video.State())
	}
	d.setCameraOn(true)
	waitUntil(t, "the camera to open again", func() bool { return d.video.State().ID == "stillcam" })
	d.setCameraOn(false)
	d.closeAll()
	d.openAll(nil)
	if st := d.video.State(); st.ID != "stillcam" {
		t.Errorf("the next room starts with the camera %+v", st)
	}
	d.closeAll()
	if st := d.video.State(); st.ID != capture.Test {
		t.Errorf("after leaving the camera is %+v", st)
	}
}
