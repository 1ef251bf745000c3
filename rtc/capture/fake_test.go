package capture

import (
	"errors"
	"image"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"

	"dutyroom/rtc"
	"dutyroom/rtc/testsrc"
)

// fakeCamera is a camera driver the test feeds frame by frame, and
// breaks.
type fakeCamera struct {
	frames chan image.Image
	fail   chan error
	done   chan struct{}
}

func (c *fakeCamera) Open() error  { c.done = make(chan struct{}); return nil }
func (c *fakeCamera) Close() error { close(c.done); return nil }
func (c *fakeCamera) Properties() []prop.Media {
	return []prop.Media{{Video: prop.Video{Width: 640, Height: 480, FrameFormat: frame.FormatI420, FrameRate: 30}}}
}

func (c *fakeCamera) VideoRecord(prop.Media) (video.Reader, error) {
	return video.ReaderFunc(func() (image.Image, func(), error) {
		select {
		case img := <-c.frames:
			return img, func() {}, nil
		case err := <-c.fail:
			return nil, func() {}, err
		case <-c.done:
			return nil, func() {}, io.EOF
		}
	}), nil
}

// A registered camera is listed by its label and model, chosen, sends a
// dark picture until its first frame, then its frames; when it fails the
// test pattern takes over and whoever listens is told why.
func TestCameraFramesAndFailure(t *testing.T) {
	cam := &fakeCamera{frames: make(chan image.Image), fail: make(chan error)}
	m := driver.GetManager()
	if err := m.Register(cam, driver.Info{Label: "fakecam", Name: "Fake Cam;usb-1", DeviceType: driver.Camera}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, d := range m.Query(driver.FilterDeviceType(driver.Camera)) {
			if d.Info().Label == "fakecam" {
				m.Delete(d.ID())
			}
		}
	})
	found := false
	for _, d := range Cameras() {
		found = found || d == Device{ID: "fakecam", Name: "Fake Cam"}
	}
	if !found {
		t.Fatalf("cameras %v, want fakecam named Fake Cam", Cameras())
	}

	v := NewVideo(640, 480, rtc.TestPattern{ID: 5, Width: 640, Height: 480}, nil)
	defer v.Close()
	told := make(chan State, 1)
	v.OnFallback(func(st State) { told <- st })
	if st := v.Use("fakecam"); st.Fallback || st.ID != "fakecam" || st.Name != "Fake Cam" {
		t.Fatalf("choosing fakecam: %+v", st)
	}
	img, err := v.Frame(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if img.Y[0] != 16 || img.Y[len(img.Y)-1] != 16 {
		t.Errorf("before the first frame Y is %d, want dark", img.Y[0])
	}

	pic, _ := testsrc.Frame(nil, 640, 480, 7, 3)
	cam.frames <- pic
	cam.frames <- pic // the first is converted once the second is taken
	if s, err := testsrc.ReadStamp(mustFrame(t, v)); err != nil || s.ID != 7 || s.Frame != 3 {
		t.Fatalf("camera picture stamp %+v, %v; want the camera's 7/3", s, err)
	}

	cam.fail <- errors.New("device unplugged")
	select {
	case st := <-told:
		if !st.Fallback || !strings.Contains(st.Reason, "device unplugged") {
			t.Errorf("told %+v", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nobody was told the camera failed")
	}
	if s, err := testsrc.ReadStamp(mustFrame(t, v)); err != nil || s.ID != 5 {
		t.Errorf("after the failure the stamp is %+v, %v; want the test pattern 5", s, err)
	}
	if st := v.State(); !st.Fallback || st.ID != Test {
		t.Errorf("state after the failure %+v", st)
	}
}

func mustFrame(t *testing.T, v *Video) *image.YCbCr {
	t.Helper()
	img, err := v.Frame(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
