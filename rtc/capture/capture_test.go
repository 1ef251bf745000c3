package capture

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/mediadevices/pkg/wave"

	"dutyroom/rtc"
	"dutyroom/rtc/testsrc"
)

// A 16:9 camera is fitted into 4:3 whole, with black bands above and
// below; its colours land where they were.
func TestFitLetterboxesWidePicture(t *testing.T) {
	src := image.NewYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio422)
	for y := 0; y < 720; y++ {
		for x := 0; x < 1280; x++ {
			v := uint8(200)
			if x >= 640 {
				v = 60
			}
			src.Y[src.YOffset(x, y)] = v
			o := src.COffset(x, y)
			src.Cb[o], src.Cr[o] = 90, 170
		}
	}
	dst := image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420)
	fit(dst, src)
	// 1280×720 in 640 wide is 640×360, from row 60 to 420.
	cases := []struct {
		x, y       int
		y0, cb, cr uint8
	}{
		{10, 10, 16, 128, 128},   // band above
		{10, 470, 16, 128, 128},  // band below
		{100, 240, 200, 90, 170}, // left half of the picture
		{500, 240, 60, 90, 170},  // right half
		{320, 61, 60, 90, 170},
		{319, 419, 200, 90, 170},
	}
	for _, c := range cases {
		got := dst.YCbCrAt(c.x, c.y)
		if got.Y != c.y0 || got.Cb != c.cb || got.Cr != c.cr {
			t.Errorf("at %d,%d: %v, want Y %d Cb %d Cr %d", c.x, c.y, got, c.y0, c.cb, c.cr)
		}
	}
}

// The test pattern at the engine's size passes through unchanged, stamp
// and all: a 640×480 camera lands pixel for pixel.
func TestFitSameSizeIsExact(t *testing.T) {
	src, err := testsrc.Frame(nil, 640, 480, 3, 77)
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420)
	fit(dst, src)
	st, err := testsrc.ReadStamp(dst)
	if err != nil || st.ID != 3 || st.Frame != 77 {
		t.Fatalf("stamp %+v, %v", st, err)
	}
	if err := testsrc.CheckBars(dst, 3); err != nil {
		t.Fatal(err)
	}
}

// A picture that is not YCbCr (an RGB camera) is converted.
func TestFitRGB(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for i := 0; i < len(src.Pix); i += 4 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = 255, 0, 0, 255
	}
	dst := image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420)
	fit(dst, src)
	y, cb, cr := color.RGBToYCbCr(255, 0, 0)
	if got := dst.YCbCrAt(321, 233); got.Y != y || got.Cb != cb || got.Cr != cr {
		t.Fatalf("red became %v", got)
	}
}

func TestPickVideo(t *testing.T) {
	mode := func(w, h int, f frame.Format, fps float32) prop.Media {
		return prop.Media{Video: prop.Video{Width: w, Height: h, FrameFormat: f, FrameRate: fps}}
	}
	props := []prop.Media{
		mode(1280, 720, frame.FormatMJPEG, 30),
		mode(640, 480, frame.FormatMJPEG, 30),
		mode(640, 480, frame.FormatYUYV, 30),
		mode(640, 480, frame.FormatZ16, 30),
		mode(320, 240, frame.FormatYUYV, 30),
	}
	p, ok := pickVideo(props, 640, 480)
	if !ok || p.Width != 640 || p.FrameFormat != frame.FormatYUYV || p.FrameRate != 15 {
		t.Fatalf("picked %+v", p.Video)
	}
	// A camera of 720p only is taken at 720p and scaled.
	p, ok = pickVideo(props[:1], 640, 480)
	if !ok || p.Width != 1280 {
		t.Fatalf("picked %+v", p.Video)
	}
	if _, ok := pickVideo([]prop.Media{mode(640, 480, frame.FormatZ16, 30)}, 640, 480); ok {
		t.Fatal("picked a depth camera")
	}
}

// Stereo float sound from a microphone becomes 16-bit mono.
func TestToMono(t *testing.T) {
	a := wave.NewFloat32Interleaved(wave.ChunkInfo{Len: 4, Channels: 2, SamplingRate: SampleRate})
	vals := [][2]float32{{0.5, 0.5}, {1, 0}, {-1, -1}, {2, 2}}
	for i, v := range vals {
		a.SetFloat32(i, 0, wave.Float32Sample(v[0]))
		a.SetFloat32(i, 1, wave.Float32Sample(v[1]))
	}
	got := toMono(a)
	want := []int16{16383, 16383, -32768, 32767}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sample %d: %d, want %d (all %v)", i, got[i], want[i], got)
		}
	}
	// 16 kHz is resampled to 48 kHz: three times the samples.
	b := wave.NewInt16Interleaved(wave.ChunkInfo{Len: 320, Channels: 1, SamplingRate: 16000})
	if n := len(toMono(b)); n != 960 {
		t.Fatalf("20 ms at 16 kHz became %d samples", n)
	}
}

// The sound waiting between the microphone and the engine never exceeds
// maxQueued: the oldest goes.
func TestMicrophoneQueueBounded(t *testing.T) {
	m := &microphone{}
	for i := 0; i < 20; i++ {
		chunk := wave.NewInt16Interleaved(wave.ChunkInfo{Len: 960, Channels: 1, SamplingRate: SampleRate})
		for k := range chunk.Data {
			chunk.Data[k] = int16(i)
		}
		m.put(chunk)
	}
	if len(m.queue) != maxQueued || m.dropped != 20*960-maxQueued {
		t.Fatalf("queued %d, dropped %d", len(m.queue), m.dropped)
	}
	pcm := make([]int16, 960)
	m.take(pcm)
	if want := int16(20 - maxQueued/960); pcm[0] != want {
		t.Fatalf("oldest kept is buffer %d, want %d", pcm[0], want)
	}
	// Less than 20 ms waiting: silence, and what waits stays.
	m.queue = m.queue[:100]
	m.take(pcm)
	if pcm[0] != 0 || len(m.queue) != 100 {
		t.Fatalf("short queue gave %d and kept %d", pcm[0], len(m.queue))
	}
}

// A camera or microphone that is not there leaves the test pattern and
// tone in its place, with the reason.
func TestMissingDeviceFallsBack(t *testing.T) {
	pattern := rtc.TestPattern{ID: 5, Width: 640, Height: 480}
	v := NewVideo(640, 480, pattern, nil)
	st := v.Use("no-such-camera")
	if !st.Fallback || st.ID != Test || !strings.Contains(st.Reason, "not connected") {
		t.Fatalf("state %+v", st)
	}
	img, err := v.Frame(9, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := testsrc.ReadStamp(img); err != nil || s.ID != 5 || s.Frame != 9 {
		t.Fatalf("fallback picture stamp %+v, %v", s, err)
	}

	tone := testsrc.ToneFor(5, SampleRate, 1)
	a := NewAudio(tone, nil)
	st = a.Use("no-such-microphone")
	if !st.Fallback || st.ID != Test {
		t.Fatalf("state %+v", st)
	}
	pcm := make([]int16, 960)
	a.Fill(pcm)
	if hz, _ := testsrc.Frequency(pcm, SampleRate); hz < tone.Freq-20 || hz > tone.Freq+20 {
		t.Fatalf("fallback sound at %.0f Hz, want the tone's %.0f", hz, tone.Freq)
	}
}

// Asking for the system's camera and microphone where there are none (CI)
// falls back and says there are none.
func TestNoDeviceFallsBack(t *testing.T) {
	if len(Cameras()) == 0 {
		v := NewVideo(640, 480, rtc.TestPattern{ID: 1, Width: 640, Height: 480}, nil)
		if st := v.Use(""); !st.Fallback || st.Reason != ErrNoCamera.Error() {
			t.Errorf("no camera: %+v", st)
		}
	} else {
		t.Log("this machine has a camera; the camera half is not tested")
	}
	if len(Microphones()) == 0 {
		a := NewAudio(testsrc.ToneFor(1, SampleRate, 1), nil)
		if st := a.Use(""); !st.Fallback || st.Reason != ErrNoMicrophone.Error() {
			t.Errorf("no microphone: %+v", st)
		}
	} else {
		t.Log("this machine has a microphone; the microphone half is not tested")
	}
}

// The cost of fitting a camera's frame to the engine's picture, a frame.
func BenchmarkFit(b *testing.B) {
	for _, size := range []image.Point{{640, 480}, {1280, 720}} {
		b.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(b *testing.B) {
			src := image.NewYCbCr(image.Rect(0, 0, size.X, size.Y), image.YCbCrSubsampleRatio422)
			dst := image.NewYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio420)
			for b.Loop() {
				fit(dst, src)
			}
		})
	}
}
