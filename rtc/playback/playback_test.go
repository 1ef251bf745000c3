package playback

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/gen2brain/malgo"

	"dutyroom/rtc/testsrc"
)

func tone(id uint8, amplitude float64) *testsrc.Tone {
	t := testsrc.ToneFor(id, 48000, 1)
	t.Amplitude = amplitude
	return t
}

func buffer(t *testsrc.Tone) []int16 {
	pcm := make([]int16, Frame)
	t.Fill(pcm)
	return pcm
}

// Two participants' tones come out as their sample-by-sample sum.
func TestMixerSumsParticipants(t *testing.T) {
	m := NewMixer()
	a, b := tone(0, 0.3), tone(2, 0.2) // 440 Hz and 660 Hz
	var want [][]int16
	for i := 0; i < 3; i++ {
		pa, pb := buffer(a), buffer(b)
		m.Push("a", pa)
		m.Push("b", pb)
		sum := make([]int16, Frame)
		for k := range sum {
			sum[k] = pa[k] + pb[k]
		}
		want = append(want, sum)
	}
	for i, w := range want {
		got := make([]int16, Frame)
		m.Read(got)
		for k := range got {
			if got[k] != w[k] {
				t.Fatalf("buffer %d sample %d: %d, want %d", i, k, got[k], w[k])
			}
		}
	}
	if mixed, dropped := m.Stats(); mixed != 6 || dropped != 0 {
		t.Fatalf("mixed %d dropped %d, want 6 and 0", mixed, dropped)
	}
	// Both ran dry: silence, not a repeat.
	got := make([]int16, Frame)
	m.Read(got)
	if _, rms := testsrc.Frequency(got, 48000); rms != 0 {
		t.Fatalf("after the last buffer the mix has level %.3f, want silence", rms)
	}
}

// Two loud participants saturate at full scale instead of wrapping round.
func TestMixerClips(t *testing.T) {
	m := NewMixer()
	loud := make([]int16, Frame)
	quiet := make([]int16, Frame)
	for i := range loud {
		if i%2 == 0 {
			loud[i] = 30000
		} else {
			loud[i] = -30000
		}
		quiet[i] = 100
	}
	for i := 0; i < primeDepth; i++ {
		m.Push("a", loud)
		m.Push("b", loud)
		m.Push("c", quiet)
	}
	got := make([]int16, Frame)
	m.Read(got)
	for i, v := range got {
		want := int16(math.MaxInt16)
		if i%2 == 1 {
			want = math.MinInt16
		}
		if v != want {
			t.Fatalf("sample %d: %d, want %d", i, v, want)
		}
	}
}

// A participant who gets ahead of the sound card loses its oldest buffer:
// what is played after it is the newest maxDepth.
func TestMixerDropsLateBuffer(t *testing.T) {
	m := NewMixer()
	for i := 1; i <= maxDepth+1; i++ {
		pcm := make([]int16, Frame)
		for k := range pcm {
			pcm[k] = int16(i)
		}
		m.Push("a", pcm)
	}
	if _, dropped := m.Stats(); dropped != 1 {
		t.Fatalf("dropped %d, want 1", dropped)
	}
	got := make([]int16, Frame)
	for want := 2; want <= maxDepth+1; want++ {
		m.Read(got)
		if got[0] != int16(want) || got[Frame-1] != int16(want) {
			t.Fatalf("read buffer %d, want %d", got[0], want)
		}
	}
}

// One buffer alone is not played until a second arrives: a participant
// starts with 40 ms in hand, so a late packet does not cut every word.
func TestMixerPrimesBeforePlaying(t *testing.T) {
	m := NewMixer()
	one := make([]int16, Frame)
	for i := range one {
		one[i] = 1000
	}
	m.Push("a", one)
	got := make([]int16, Frame)
	m.Read(got)
	if got[0] != 0 {
		t.Fatalf("played %d after one buffer, want silence", got[0])
	}
	m.Push("a", one)
	m.Read(got)
	if got[0] != 1000 {
		t.Fatalf("played %d after two buffers, want 1000", got[0])
	}
}

// Reads of any length join the 20 ms mixes without losing a sample, as
// the sound card asks for whatever its period is.
func TestMixerReadsAcrossBuffers(t *testing.T) {
	m := NewMixer()
	for i := 0; i < 3; i++ {
		pcm := make([]int16, Frame)
		for k := range pcm {
			pcm[k] = int16(i*Frame + k)
		}
		m.Push("a", pcm)
	}
	var all []int16
	for len(all) < 3*Frame {
		part := make([]int16, 441)
		m.Read(part)
		all = append(all, part...)
	}
	for k := 0; k < 3*Frame; k++ {
		if all[k] != int16(k) {
			t.Fatalf("sample %d is %d", k, all[k])
		}
	}
}

func TestMixerVolume(t *testing.T) {
	m := NewMixer()
	m.SetVolume(0.5)
	pcm := make([]int16, Frame)
	for i := range pcm {
		pcm[i] = 1000
	}
	m.Push("a", pcm)
	m.Push("a", pcm)
	got := make([]int16, Frame)
	m.Read(got)
	if got[0] != 500 {
		t.Fatalf("at half volume %d, want 500", got[0])
	}
}

// On miniaudio's null device the sound card's callback drains the mixer,
// as a real card would.
func TestPlayerOnNullDevice(t *testing.T) {
	m := NewMixer()
	p, err := Open(m, Options{Null: true})
	if err != nil {
		t.Skipf("miniaudio's null backend is not available here: %v", err)
	}
	defer p.Close()
	src := tone(1, 0.3)
	deadline := time.Now().Add(10 * time.Second)
	for {
		m.Push("a", buffer(src))
		m.Push("a", buffer(src))
		if mixed, _ := m.Stats(); mixed >= 4 && p.Reads() > 0 {
			break
		}
		if time.Now().After(deadline) {
			mixed, _ := m.Stats()
			t.Fatalf("the null device read %d times and mixed %d buffers in 10 s", p.Reads(), mixed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An output is chosen by the id Speakers gives; one that is gone is
// ErrNoOutput.
func TestPlayerChoosesDevice(t *testing.T) {
	ctx, err := malgo.InitContext([]malgo.Backend{backendNull}, malgo.ContextConfig{}, nil)
	if err != nil {
		t.Skipf("miniaudio's null backend is not available here: %v", err)
	}
	infos, err := ctx.Devices(malgo.Playback)
	_ = ctx.Uninit()
	ctx.Free()
	if err != nil || len(infos) == 0 {
		t.Fatalf("the null backend lists %d outputs: %v", len(infos), err)
	}
	p, err := Open(NewMixer(), Options{Null: true, Device: infos[0].ID.String()})
	if err != nil {
		t.Fatalf("opening the null output by its id: %v", err)
	}
	p.Close()
	if _, err := Open(NewMixer(), Options{Null: true, Device: "ffff"}); !errors.Is(err, ErrNoOutput) {
		t.Fatalf("opening an output that is not there: %v", err)
	}
}

// Where there is no sound system, opening says so with ErrNoOutput.
func TestPlayerWithoutOutput(t *testing.T) {
	if len(Speakers()) > 0 {
		t.Skip("this machine has a sound output")
	}
	m := NewMixer()
	_, err := Open(m, Options{})
	if !errors.Is(err, ErrNoOutput) {
		t.Fatalf("opening without outputs: %v, want ErrNoOutput", err)
	}
}

// The cost of mixing 20 ms of four participants.
func BenchmarkMixFour(b *testing.B) {
	m := NewMixer()
	pcm := make([]int16, Frame)
	out := make([]int16, Frame)
	for b.Loop() {
		for _, p := range []string{"a", "b", "c", "d"} {
			m.Push(p, pcm)
			m.Push(p, pcm)
		}
		m.Read(out)
		m.Read(out)
	}
}
