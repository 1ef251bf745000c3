package opus

import (
	"math"
	"testing"

	"dutyroom/rtc/testsrc"
)

// TestRoundTripKeepsPitch encodes a second of the test tone in 20 ms
// packets and checks that the decoded sound has the same pitch and level.
func TestRoundTripKeepsPitch(t *testing.T) {
	for _, channels := range []int{1, 2} {
		enc, err := NewEncoder(channels, 32000)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := NewDecoder(channels)
		if err != nil {
			t.Fatal(err)
		}
		tone := testsrc.ToneFor(3, SampleRate, channels)
		in := make([]int16, FrameSamples*channels)
		out := make([]int16, FrameSamples*channels)
		var mono []int16
		for i := 0; i < 50; i++ {
			tone.Fill(in)
			pkt, err := enc.Encode(in)
			if err != nil {
				t.Fatal(err)
			}
			if len(pkt) == 0 || len(pkt) > 400 {
				t.Fatalf("a 20 ms packet of %d bytes", len(pkt))
			}
			n, err := dec.Decode(pkt, out)
			if err != nil {
				t.Fatal(err)
			}
			if n != FrameSamples {
				t.Fatalf("decoded %d samples, want %d", n, FrameSamples)
			}
			if i >= 5 { // past the codec's start-up
				for s := 0; s < n; s++ {
					mono = append(mono, out[s*channels])
				}
			}
		}
		hz, rms := testsrc.Frequency(mono, SampleRate)
		if math.Abs(hz-tone.Freq) > tone.Freq*0.01 {
			t.Fatalf("%d channels: decoded pitch %.1f Hz, sent %.0f", channels, hz, tone.Freq)
		}
		if rms < 0.15 || rms > 0.3 {
			t.Fatalf("%d channels: decoded level %.3f, sent %.3f", channels, rms, 0.3/math.Sqrt2)
		}
		// A lost packet is concealed rather than refused.
		if n, err := dec.Decode(nil, out); err != nil || n != FrameSamples {
			t.Fatalf("concealing a lost packet: %d samples, %v", n, err)
		}
		enc.Close()
		dec.Close()
		enc.Close()
		dec.Close()
	}
}

func TestRefusals(t *testing.T) {
	if _, err := NewEncoder(3, 0); err == nil {
		t.Fatal("3 channels accepted")
	}
	enc, _ := NewEncoder(1, 0)
	defer enc.Close()
	if _, err := enc.Encode(make([]int16, 100)); err == nil {
		t.Fatal("100 samples (not a frame size) encoded")
	}
	dec, _ := NewDecoder(1)
	defer dec.Close()
	out := make([]int16, FrameSamples)
	if _, err := dec.Decode([]byte{0xff, 0xff, 0xff}, out); err == nil {
		t.Fatal("a malformed packet decoded")
	}
}

func BenchmarkEncode20ms(b *testing.B) {
	enc, _ := NewEncoder(1, 32000)
	defer enc.Close()
	tone := testsrc.ToneFor(0, SampleRate, 1)
	pcm := make([]int16, FrameSamples)
	for b.Loop() {
		tone.Fill(pcm)
		if _, err := enc.Encode(pcm); err != nil {
			b.Fatal(err)
		}
	}
}
