// Package testsrc makes the synthetic picture and sound a station sends
// when it has no camera or microphone (CI, headless machines, routine test
// calls), and reads them back on the receiving side.
//
// The picture is colour bars, a box that moves each frame (so the encoder
// has motion to code) and a stamp: a row of black and white cells carrying
// the sender's pattern id, the frame number and a check byte. A receiver
// reads the stamp to learn which sender's stream it decoded and that frames
// advance, and compares the bars with the colours that sender's pattern
// must have. The cells and bars are large and flat, so they survive lossy
// compression at an ordinary bit rate.
package testsrc

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// Bar is one colour bar in 8-bit BT.601 studio-range YCbCr.
type Bar struct {
	Name      string
	Y, Cb, Cr uint8
}

// Bars are the 75% colour bars of a test card, left to right for pattern 0.
// Pattern id starts the row at bar id mod 8, so two senders' pictures
// differ in colour where the stamp is unreadable.
var Bars = [8]Bar{
	{"white", 180, 128, 128},
	{"yellow", 162, 44, 142},
	{"cyan", 131, 156, 44},
	{"green", 112, 72, 58},
	{"magenta", 84, 184, 198},
	{"red", 65, 100, 212},
	{"blue", 35, 212, 114},
	{"black", 16, 128, 128},
}

// stampBits is the stamp's length: 8 bits of id, 24 of frame number and
// an 8-bit check, one cell each.
const stampBits = 40

const (
	lumaOne   = 235
	lumaZero  = 16
	lumaField = 60 // the band the box moves in
	lumaBox   = 200
)

// Stamp is what the picture carries for the receiver.
type Stamp struct {
	ID    uint8
	Frame uint32 // frame number modulo 2^24
}

// MinWidth and MinHeight are the smallest picture the stamp fits: each of
// the 40 cells is at least 8 pixels wide.
const (
	MinWidth  = 320
	MinHeight = 180
)

// layout is where the parts of a picture go.
type layout struct {
	w, h     int
	cell     int // stamp cell side
	barsH    int // rows of bars
	stampY   int // first row of the stamp
	boxW     int
	boxY0    int
	boxY1    int
	barWidth int
}

func layoutOf(w, h int) (layout, error) {
	if w < MinWidth || h < MinHeight || w%2 != 0 || h%2 != 0 {
		return layout{}, fmt.Errorf("test pattern: %d×%d; at least %d×%d, even sides", w, h, MinWidth, MinHeight)
	}
	l := layout{w: w, h: h}
	l.cell = (w / stampBits) &^ 1
	l.barsH = (h * 3 / 5) &^ 1
	l.stampY = (h - 2*l.cell) &^ 1
	l.boxW = 4 * l.cell
	l.boxY0 = l.barsH + (l.stampY-l.barsH)/4
	l.boxY1 = l.barsH + (l.stampY-l.barsH)*3/4
	l.barWidth = w / 8
	return l, nil
}

// Frame draws frame n of pattern id at w×h into dst (allocated when nil
// or of another size) and returns it.
func Frame(dst *image.YCbCr, w, h int, id uint8, n uint32) (*image.YCbCr, error) {
	l, err := layoutOf(w, h)
	if err != nil {
		return nil, err
	}
	if dst == nil || dst.Rect != image.Rect(0, 0, w, h) || dst.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		dst = image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	}
	fill := func(x0, y0, x1, y1 int, y, cb, cr uint8) {
		for row := y0; row < y1; row++ {
			line := dst.Y[row*dst.YStride:]
			for x := x0; x < x1; x++ {
				line[x] = y
			}
		}
		for row := y0 / 2; row < (y1+1)/2; row++ {
			cbLine, crLine := dst.Cb[row*dst.CStride:], dst.Cr[row*dst.CStride:]
			for x := x0 / 2; x < (x1+1)/2; x++ {
				cbLine[x], crLine[x] = cb, cr
			}
		}
	}
	for i := 0; i < 8; i++ {
		b := Bars[(int(id)+i)%8]
		x1 := (i + 1) * l.barWidth
		if i == 7 {
			x1 = w
		}
		fill(i*l.barWidth, 0, x1, l.barsH, b.Y, b.Cb, b.Cr)
	}
	fill(0, l.barsH, w, l.stampY, lumaField, 128, 128)
	span := w - l.boxW
	x := int(n*uint32(l.cell/2)) % (2 * span)
	if x > span {
		x = 2*span - x // back and forth, never jumping
	}
	x &^= 1
	fill(x, l.boxY0, x+l.boxW, l.boxY1, lumaBox, 128, 128)
	fill(0, l.stampY, w, h, lumaZero, 128, 128)
	bits := stampWord(id, n)
	x0 := (w - stampBits*l.cell) / 2
	for i := 0; i < stampBits; i++ {
		if bits&(1<<(stampBits-1-i)) != 0 {
			fill(x0+i*l.cell, l.stampY, x0+(i+1)*l.cell, l.stampY+l.cell, lumaOne, 128, 128)
		}
	}
	return dst, nil
}

func stampWord(id uint8, n uint32) uint64 {
	n &= 1<<24 - 1
	data := uint64(id)<<24 | uint64(n)
	return data<<8 | uint64(check(id, n))
}

// check is a byte that a misread cell is unlikely to keep right.
func check(id uint8, n uint32) uint8 {
	c := uint8(0x5a)
	for _, b := range []uint8{id, uint8(n >> 16), uint8(n >> 8), uint8(n)} {
		c = (c<<1 | c>>7) ^ b
	}
	return c
}

// ErrNoStamp says the picture carries no readable stamp.
var ErrNoStamp = errors.New("test pattern: no readable stamp")

// ReadStamp reads the stamp of a decoded picture.
func ReadStamp(img *image.YCbCr) (Stamp, error) {
	b := img.Rect
	l, err := layoutOf(b.Dx(), b.Dy())
	if err != nil {
		return Stamp{}, err
	}
	x0 := (l.w - stampBits*l.cell) / 2
	var word uint64
	for i := 0; i < stampBits; i++ {
		// The centre half of each cell: edges blur under compression.
		cx, cy := x0+i*l.cell+l.cell/4, l.stampY+l.cell/4
		m := meanY(img, cx, cy, cx+l.cell/2, cy+l.cell/2)
		word <<= 1
		if m > (lumaOne+lumaZero)/2 {
			word |= 1
		}
	}
	id, n, c := uint8(word>>32), uint32(word>>8)&(1<<24-1), uint8(word)
	if check(id, n) != c {
		return Stamp{}, ErrNoStamp
	}
	return Stamp{ID: id, Frame: n}, nil
}

func meanY(img *image.YCbCr, x0, y0, x1, y1 int) float64 {
	var sum, count int
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			sum += int(img.Y[img.YOffset(img.Rect.Min.X+x, img.Rect.Min.Y+y)])
			count++
		}
	}
	return float64(sum) / float64(count)
}

// Tolerance is how far a decoded bar's mean may stray from its colour in
// each of Y, Cb and Cr; VP8 at a few hundred kbps keeps flat areas within a
// few steps.
const Tolerance = 12

// CheckBars compares the bars of a decoded picture with pattern id's and
// names the first that is off.
func CheckBars(img *image.YCbCr, id uint8) error {
	b := img.Rect
	l, err := layoutOf(b.Dx(), b.Dy())
	if err != nil {
		return err
	}
	for i := 0; i < 8; i++ {
		want := Bars[(int(id)+i)%8]
		x0, x1 := i*l.barWidth+l.barWidth/4, i*l.barWidth+l.barWidth*3/4
		y0, y1 := l.barsH/4, l.barsH*3/4
		var ys, cbs, crs, ny, nc int
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				ys += int(img.Y[img.YOffset(b.Min.X+x, b.Min.Y+y)])
				ny++
				if x%2 == 0 && y%2 == 0 {
					o := img.COffset(b.Min.X+x, b.Min.Y+y)
					cbs += int(img.Cb[o])
					crs += int(img.Cr[o])
					nc++
				}
			}
		}
		gy, gcb, gcr := float64(ys)/float64(ny), float64(cbs)/float64(nc), float64(crs)/float64(nc)
		if math.Abs(gy-float64(want.Y)) > Tolerance || math.Abs(gcb-float64(want.Cb)) > Tolerance || math.Abs(gcr-float64(want.Cr)) > Tolerance {
			return fmt.Errorf("test pattern %d: bar %d should be %s (Y %d Cb %d Cr %d), is Y %.0f Cb %.0f Cr %.0f",
				id, i+1, want.Name, want.Y, want.Cb, want.Cr, gy, gcb, gcr)
		}
	}
	return nil
}

// Tone is a sine wave, the test sound. Its phase carries over from one
// buffer to the next, so consecutive buffers join without a click.
type Tone struct {
	Freq      float64 // Hz
	Amplitude float64 // 0 to 1 of full scale
	Rate      int     // samples a second
	Channels  int
	phase     float64
}

// ToneFor is the tone of pattern id: a different pitch per sender, so a
// listener (or a test) tells them apart.
func ToneFor(id uint8, rate, channels int) *Tone {
	return &Tone{Freq: 440 + 110*float64(id%8), Amplitude: 0.3, Rate: rate, Channels: channels}
}

// Fill writes the next len(pcm)/Channels samples, interleaved.
func (t *Tone) Fill(pcm []int16) {
	step := 2 * math.Pi * t.Freq / float64(t.Rate)
	ch := max(t.Channels, 1)
	for i := 0; i+ch <= len(pcm); i += ch {
		v := int16(t.Amplitude * 32767 * math.Sin(t.phase))
		for c := 0; c < ch; c++ {
			pcm[i+c] = v
		}
		t.phase += step
		if t.phase > 2*math.Pi {
			t.phase -= 2 * math.Pi
		}
	}
}

// Frequency estimates the pitch of a mono buffer from its rising zero
// crossings, and its level as the RMS fraction of full scale. Enough to
// tell a test tone from silence and one tone from another.
func Frequency(pcm []int16, rate int) (hz, rms float64) {
	if len(pcm) < 2 {
		return 0, 0
	}
	var first, last, crossings int
	var sum float64
	for i, v := range pcm {
		sum += float64(v) * float64(v)
		if i > 0 && pcm[i-1] < 0 && v >= 0 {
			if crossings == 0 {
				first = i
			}
			last = i
			crossings++
		}
	}
	rms = math.Sqrt(sum/float64(len(pcm))) / 32768
	if crossings < 2 {
		return 0, rms
	}
	return float64(crossings-1) * float64(rate) / float64(last-first), rms
}
