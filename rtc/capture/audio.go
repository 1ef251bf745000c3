package capture

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/mediadevices/pkg/wave"

	"dutyroom/rtc"
)

// SampleRate is the engine's sound: 48 kHz mono.
const SampleRate = 48000

// maxQueued bounds what waits between the microphone and the engine: the
// engine takes 20 ms every 20 ms by its own clock, the microphone
// delivers by the sound card's, and when the two drift apart the oldest
// sound is dropped rather than letting the delay grow.
const maxQueued = 5 * SampleRate / 50 // 100 ms

// Audio is the sound the engine publishes (an rtc.AudioSource): the
// chosen microphone, as 48 kHz mono, or the fallback while there is no
// microphone and after it fails.
type Audio struct {
	fallback rtc.AudioSource
	log      *slog.Logger

	// use serialises Use: two quick choices must not both open a
	// device and leave one of them running unseen.
	use sync.Mutex

	mu     sync.Mutex
	state  State
	mic    *microphone
	onFail func(State)
}

// NewAudio makes a sound source that sends fallback until Use chooses a
// microphone.
func NewAudio(fallback rtc.AudioSource, log *slog.Logger) *Audio {
	if log == nil {
		log = slog.Default()
	}
	return &Audio{fallback: fallback, log: log, state: State{ID: Test}}
}

// OnFallback sets f to be told when a microphone in use fails and the
// fallback takes over.
func (a *Audio) OnFallback(f func(State)) {
	a.mu.Lock()
	a.onFail = f
	a.mu.Unlock()
}

// State says what the source sends now.
func (a *Audio) State() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

// ErrNoMicrophone says the machine has no microphone the drivers can
// see.
var ErrNoMicrophone = errors.New("no microphone found")

// Use switches to microphone id: Test for the test tone, "" for the
// system's default microphone. One that is missing or does not open
// leaves the fallback in its place, and the state says why.
func (a *Audio) Use(id string) State {
	a.use.Lock()
	defer a.use.Unlock()
	a.mu.Lock()
	if a.mic != nil && a.mic.id == id {
		st := a.state
		a.mu.Unlock()
		return st
	}
	old := a.mic
	a.mic = nil
	a.state = State{ID: Test}
	a.mu.Unlock()
	if old != nil {
		old.stop()
	}
	if id == Test {
		return a.State()
	}
	mic, err := a.open(id)
	if err != nil {
		a.log.Warn("no microphone: sending the test tone", "microphone", id, "err", err)
		st := State{ID: Test, Fallback: true, Reason: err.Error()}
		a.mu.Lock()
		a.state = st
		a.mu.Unlock()
		return st
	}
	a.log.Info("microphone opened", "microphone", mic.id, "name", mic.name, "channels", mic.prop.ChannelCount)
	st := State{ID: mic.id, Name: mic.name}
	a.mu.Lock()
	a.mic, a.state = mic, st
	a.mu.Unlock()
	go a.run(mic)
	return st
}

// Close stops the microphone.
func (a *Audio) Close() { a.Use(Test) }

func (a *Audio) open(id string) (*microphone, error) {
	if id == "" {
		mics := Microphones()
		if len(mics) == 0 {
			return nil, ErrNoMicrophone
		}
		id = mics[0].ID
	}
	drivers := find(driver.Microphone, id)
	if len(drivers) == 0 {
		return nil, fmt.Errorf("microphone %s is not connected", id)
	}
	d := drivers[0]
	rec, ok := d.(driver.AudioRecorder)
	if !ok {
		return nil, fmt.Errorf("microphone %s cannot record", id)
	}
	if err := d.Open(); err != nil {
		return nil, fmt.Errorf("opening microphone %s: %w", id, err)
	}
	p, ok := pickAudio(d.Properties())
	if !ok {
		_ = d.Close()
		return nil, fmt.Errorf("microphone %s offers no sound format this program reads", id)
	}
	r, err := rec.AudioRecord(p)
	if err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("starting microphone %s: %w", id, err)
	}
	return &microphone{id: id, name: name(d.Info()), drv: d, prop: p, read: r.Read}, nil
}

// pickAudio chooses 48 kHz, 16-bit if offered, fewest channels, 20 ms
// chunks: what the engine sends, so the sound needs the least conversion.
func pickAudio(props []prop.Media) (prop.Media, bool) {
	best, bestScore := prop.Media{}, -1
	for _, p := range props {
		if p.SampleRate == 0 {
			p.SampleRate = SampleRate
		}
		if p.ChannelCount == 0 {
			p.ChannelCount = 1
		}
		if p.SampleSize == 0 && !p.IsFloat {
			p.SampleSize = 2
		}
		score := p.ChannelCount
		if p.SampleRate != SampleRate {
			score += 100
		}
		if p.IsFloat {
			score += 10
		}
		if bestScore < 0 || score < bestScore {
			best, bestScore = p, score
		}
	}
	if bestScore < 0 {
		return prop.Media{}, false
	}
	best.Latency = 20 * time.Millisecond
	best.IsInterleaved = true
	return best, true
}

func (a *Audio) run(m *microphone) {
	for {
		chunk, release, err := m.read()
		if m.stopped.Load() {
			if release != nil {
				release()
			}
			return
		}
		if err != nil {
			a.failed(m, err)
			return
		}
		m.put(chunk)
		release()
	}
}

func (a *Audio) failed(m *microphone, err error) {
	a.log.Warn("the microphone failed: sending the test tone", "microphone", m.id, "err", err)
	a.mu.Lock()
	if a.mic != m {
		a.mu.Unlock()
		return
	}
	a.mic = nil
	st := State{ID: Test, Fallback: true, Reason: fmt.Sprintf("microphone %s: %v", m.name, err)}
	a.state = st
	f := a.onFail
	a.mu.Unlock()
	m.stop()
	if f != nil {
		f(st)
	}
}

// Fill implements rtc.AudioSource: the next 20 ms of the microphone, or
// of the fallback. A microphone that has not yet delivered enough gives
// silence for that buffer rather than holding the engine up.
func (a *Audio) Fill(pcm []int16) {
	a.mu.Lock()
	m := a.mic
	a.mu.Unlock()
	if m == nil {
		a.fallback.Fill(pcm)
		return
	}
	m.take(pcm)
}

// microphone is one opened microphone and the mono sound it delivered
// that the engine has not yet taken.
type microphone struct {
	id, name string
	drv      driver.Driver
	prop     prop.Media
	read     func() (wave.Audio, func(), error)
	stopped  atomic.Bool
	once     sync.Once

	mu      sync.Mutex
	queue   []int16
	dropped int64 // samples dropped to keep the delay bounded
	got     int64 // samples delivered
}

// put adds a chunk, mixed down to mono and resampled to 48 kHz.
func (m *microphone) put(chunk wave.Audio) {
	mono := toMono(chunk)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got += int64(len(mono))
	m.queue = append(m.queue, mono...)
	if over := len(m.queue) - maxQueued; over > 0 {
		m.dropped += int64(over)
		m.queue = append(m.queue[:0], m.queue[over:]...)
	}
}

// take fills pcm from the queue, or with silence when not enough waits.
func (m *microphone) take(pcm []int16) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) < len(pcm) {
		clear(pcm)
		return
	}
	copy(pcm, m.queue)
	m.queue = append(m.queue[:0], m.queue[len(pcm):]...)
}

func (m *microphone) stop() {
	m.once.Do(func() {
		m.stopped.Store(true)
		if err := m.drv.Close(); err != nil {
			slog.Default().Debug("closing the microphone", "microphone", m.id, "err", err)
		}
	})
}

// toMono averages a chunk's channels into 16-bit mono at 48 kHz; another
// rate is resampled by picking the nearest sample, which is enough for
// speech and rare (miniaudio converts to the rate asked for).
func toMono(chunk wave.Audio) []int16 {
	info := chunk.ChunkInfo()
	ch := max(info.Channels, 1)
	mono := make([]int16, info.Len)
	switch c := chunk.(type) {
	case *wave.Int16Interleaved:
		for i := range mono {
			var sum int
			for k := 0; k < ch; k++ {
				sum += int(c.Data[i*ch+k])
			}
			mono[i] = int16(sum / ch)
		}
	case *wave.Float32Interleaved:
		for i := range mono {
			var sum float32
			for k := 0; k < ch; k++ {
				sum += c.Data[i*ch+k]
			}
			mono[i] = floatToInt16(sum / float32(ch))
		}
	default:
		for i := range mono {
			var sum int64
			for k := 0; k < ch; k++ {
				sum += wave.Int16SampleFormat.Convert(chunk.At(i, k)).(wave.Int16Sample).Int() >> 16
			}
			mono[i] = int16(sum / int64(ch))
		}
	}
	if info.SamplingRate > 0 && info.SamplingRate != SampleRate {
		n := int(int64(len(mono)) * SampleRate / int64(info.SamplingRate))
		out := make([]int16, n)
		for i := range out {
			out[i] = mono[int(int64(i)*int64(info.SamplingRate)/SampleRate)]
		}
		mono = out
	}
	return mono
}

func floatToInt16(f float32) int16 {
	switch {
	case f >= 1:
		return 32767
	case f <= -1:
		return -32768
	}
	return int16(f * 32767)
}
