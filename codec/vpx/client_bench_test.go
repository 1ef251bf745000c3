package vpx

import (
	"image"
	"image/draw"
	"syscall"
	"testing"
	"time"
)

// BenchmarkClientSecond640x480 is the client's own video work for one
// second of 15 fps 640×480 at 500 kbps: each frame encoded, the encoded
// frame decoded (as a receiver would) and the decoded picture converted
// to the RGBA image a window paints. One op is one second of video;
// cpu-%-of-core is the process CPU time spent per op over that second.
func BenchmarkClientSecond640x480(b *testing.B) {
	const w, h, fps = 640, 480, 15
	frames := benchFrames(b, w, h)
	enc, err := NewEncoder(EncoderConfig{Width: w, Height: h, FPS: fps, BitrateKbps: 500})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	dec, err := NewDecoder()
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	var out *image.YCbCr
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	var encoded, decoded, bytes int
	var encT, decT, drawT time.Duration
	n := 0
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		for i := 0; i < fps; i++ {
			t0 := time.Now()
			f, err := enc.Encode(frames[n%len(frames)], n == 0)
			n++
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			encT += t1.Sub(t0)
			encoded++
			if len(f.Data) == 0 {
				continue
			}
			bytes += len(f.Data)
			if out, err = dec.Decode(f.Data, out); err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			decT += t2.Sub(t1)
			draw.Draw(rgba, rgba.Bounds(), out, image.Point{}, draw.Src)
			drawT += time.Since(t2)
			decoded++
		}
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	secs := float64(b.N)
	b.ReportMetric(100*cpu.Seconds()/secs, "cpu-%-of-core")
	b.ReportMetric(float64(encT.Microseconds())/1000/float64(encoded), "encode-ms/frame")
	b.ReportMetric(float64(decT.Microseconds())/1000/float64(max(decoded, 1)), "decode-ms/frame")
	b.ReportMetric(float64(drawT.Microseconds())/1000/float64(max(decoded, 1)), "rgba-ms/frame")
	b.ReportMetric(float64(bytes)*8/1000/secs, "kbps")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
