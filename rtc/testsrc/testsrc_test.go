package testsrc

import (
	"image"
	"math"
	"testing"
)

func TestStampAndBarsReadBack(t *testing.T) {
	for _, size := range []image.Point{{640, 480}, {320, 180}, {1280, 720}} {
		var img *image.YCbCr
		for _, id := range []uint8{0, 3, 7, 200} {
			for _, n := range []uint32{0, 1, 77, 1<<24 - 1, 1 << 24} {
				var err error
				img, err = Frame(img, size.X, size.Y, id, n)
				if err != nil {
					t.Fatal(err)
				}
				st, err := ReadStamp(img)
				if err != nil {
					t.Fatalf("%v id %d frame %d: %v", size, id, n, err)
				}
				if st.ID != id || st.Frame != n&(1<<24-1) {
					t.Fatalf("%v: read %+v, drew id %d frame %d", size, st, id, n)
				}
				if err := CheckBars(img, id); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func TestAnotherPatternsBarsAreRefused(t *testing.T) {
	img, _ := Frame(nil, 640, 480, 1, 5)
	if err := CheckBars(img, 2); err == nil {
		t.Fatal("pattern 1 passed as pattern 2")
	}
}

func TestDamagedStampIsNotRead(t *testing.T) {
	img, _ := Frame(nil, 640, 480, 4, 1234)
	l, _ := layoutOf(640, 480)
	x0 := (640 - stampBits*l.cell) / 2
	// Flip one cell of the frame number.
	for y := l.stampY; y < l.stampY+l.cell; y++ {
		for x := x0 + 20*l.cell; x < x0+21*l.cell; x++ {
			img.Y[y*img.YStride+x] = 251 - img.Y[y*img.YStride+x]
		}
	}
	if st, err := ReadStamp(img); err == nil {
		t.Fatalf("a damaged stamp read as %+v", st)
	}
}

func TestBoxMoves(t *testing.T) {
	a, _ := Frame(nil, 640, 480, 0, 10)
	b, _ := Frame(nil, 640, 480, 0, 11)
	diff := 0
	for i := range a.Y {
		if a.Y[i] != b.Y[i] {
			diff++
		}
	}
	if diff < 100 {
		t.Fatalf("consecutive frames differ in %d luma samples; the box should move", diff)
	}
}

func TestTooSmall(t *testing.T) {
	if _, err := Frame(nil, 160, 120, 0, 0); err == nil {
		t.Fatal("a 160×120 pattern was drawn")
	}
}

func TestTone(t *testing.T) {
	tone := ToneFor(2, 48000, 1)
	pcm := make([]int16, 48000)
	for i := 0; i < len(pcm); i += 960 {
		tone.Fill(pcm[i : i+960])
	}
	hz, rms := Frequency(pcm, 48000)
	if math.Abs(hz-660) > 2 {
		t.Fatalf("tone of pattern 2 measures %.1f Hz, want 660", hz)
	}
	if math.Abs(rms-0.3/math.Sqrt2) > 0.01 {
		t.Fatalf("level %.3f", rms)
	}
}
