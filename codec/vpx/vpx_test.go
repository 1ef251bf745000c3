package vpx

import (
	"image"
	"testing"

	"dutyroom/rtc/testsrc"
)

// TestRoundTripKeepsPattern encodes a few seconds of the test pattern and
// checks every decoded picture: the stamp reads back with the frame it was
// drawn as, and the bars keep their colours.
func TestRoundTripKeepsPattern(t *testing.T) {
	for _, size := range []image.Point{{640, 480}, {320, 180}} {
		enc, err := NewEncoder(EncoderConfig{Width: size.X, Height: size.Y, FPS: 15, BitrateKbps: 500})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		var src, out *image.YCbCr
		keys, bytes, decoded := 0, 0, 0
		for n := uint32(0); n < 45; n++ {
			src, err = testsrc.Frame(src, size.X, size.Y, 5, n)
			if err != nil {
				t.Fatal(err)
			}
			f, err := enc.Encode(src, n == 30)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 && !f.Key {
				t.Fatal("the first frame is not a key frame")
			}
			if n == 30 && !f.Key {
				t.Fatal("a forced key frame came out as a delta frame")
			}
			if len(f.Data) == 0 {
				continue // dropped by rate control
			}
			if f.Key {
				keys++
			}
			bytes += len(f.Data)
			out, err = dec.Decode(f.Data, out)
			if err != nil {
				t.Fatalf("frame %d: %v", n, err)
			}
			decoded++
			if out.Rect.Dx() != size.X || out.Rect.Dy() != size.Y {
				t.Fatalf("decoded %v, sent %v", out.Rect, size)
			}
			st, err := testsrc.ReadStamp(out)
			if err != nil {
				t.Fatalf("%v frame %d: %v", size, n, err)
			}
			if st.ID != 5 || st.Frame != n {
				t.Fatalf("%v: decoded stamp %+v for frame %d", size, st, n)
			}
			if err := testsrc.CheckBars(out, 5); err != nil {
				t.Fatalf("%v frame %d: %v", size, n, err)
			}
		}
		if decoded < 40 {
			t.Fatalf("%v: only %d of 45 frames came out", size, decoded)
		}
		t.Logf("%v: %d frames, %d key, %.1f kB a frame on average", size, decoded, keys, float64(bytes)/float64(decoded)/1000)
		enc.Close()
		dec.Close()
		enc.Close()
		dec.Close()
	}
}

func TestDecoderRefusesGarbage(t *testing.T) {
	dec, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	if _, err := dec.Decode([]byte("not a vp8 frame at all, just text"), nil); err == nil {
		t.Fatal("garbage decoded")
	}
	if _, err := dec.Decode(nil, nil); err == nil {
		t.Fatal("an empty frame decoded")
	}
	// The decoder still works after refusing.
	enc, _ := NewEncoder(EncoderConfig{Width: 320, Height: 180})
	defer enc.Close()
	img, _ := testsrc.Frame(nil, 320, 180, 0, 0)
	f, _ := enc.Encode(img, true)
	if _, err := dec.Decode(f.Data, nil); err != nil {
		t.Fatalf("after garbage: %v", err)
	}
}

func TestEncoderRefusesWrongSize(t *testing.T) {
	if _, err := NewEncoder(EncoderConfig{Width: 641, Height: 480}); err == nil {
		t.Fatal("odd width accepted")
	}
	enc, err := NewEncoder(EncoderConfig{Width: 640, Height: 480})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	img, _ := testsrc.Frame(nil, 320, 180, 0, 0)
	if _, err := enc.Encode(img, false); err == nil {
		t.Fatal("a 320×180 frame went into a 640×480 encoder")
	}
	enc.Close()
	if _, err := enc.Encode(img, false); err == nil {
		t.Fatal("a closed encoder encoded")
	}
}

// benchFrames are the test pattern with sensor-like noise on the luma: the
// bare pattern compresses to under a kilobyte and would flatter the codec.
func benchFrames(b *testing.B, w, h int) []*image.YCbCr {
	frames := make([]*image.YCbCr, 30)
	seed := uint32(1)
	for i := range frames {
		frames[i], _ = testsrc.Frame(nil, w, h, 1, uint32(i))
		for j := range frames[i].Y {
			seed = seed*1664525 + 1013904223
			v := int(frames[i].Y[j]) + int(seed>>28) - 8
			frames[i].Y[j] = uint8(min(max(v, 16), 235))
		}
	}
	return frames
}

func benchEncode(b *testing.B, w, h int) {
	frames := benchFrames(b, w, h)
	enc, err := NewEncoder(EncoderConfig{Width: w, Height: h, FPS: 30, BitrateKbps: 800})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := enc.Encode(frames[i%len(frames)], false); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, w, h int) {
	frames := benchFrames(b, w, h)
	enc, err := NewEncoder(EncoderConfig{Width: w, Height: h, FPS: 30, BitrateKbps: 800, KeyFrameEvery: 300})
	if err != nil {
		b.Fatal(err)
	}
	var stream [][]byte
	for i := 0; i < 300; i++ {
		f, err := enc.Encode(frames[i%len(frames)], false)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Data) > 0 {
			stream = append(stream, f.Data)
		}
	}
	enc.Close()
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	var out *image.YCbCr
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%len(stream) == 0 && i > 0 {
			// Start again at the key frame with a fresh decoder state.
			dec.Close()
			dec, _ = NewDecoder()
		}
		if out, err = dec.Decode(stream[i%len(stream)], out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode640x480(b *testing.B)  { benchEncode(b, 640, 480) }
func BenchmarkDecode640x480(b *testing.B)  { benchDecode(b, 640, 480) }
func BenchmarkEncode1280x720(b *testing.B) { benchEncode(b, 1280, 720) }
func BenchmarkDecode1280x720(b *testing.B) { benchDecode(b, 1280, 720) }
