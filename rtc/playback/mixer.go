// Package playback plays what the others in a consultation say: their
// decoded 20 ms buffers are mixed into one stream and handed to the
// sound card through miniaudio. Where the machine has no sound output
// (CI, a server), the log says so once and the sound goes nowhere.
package playback

import (
	"math"
	"sync"
)

// Frame is 20 ms of 48 kHz mono: what the engine decodes from each
// participant.
const Frame = 960

// Queue bounds, in 20 ms buffers per participant. A participant starts
// to be heard once primeDepth buffers wait (40 ms, enough to ride over
// the network's and the two clocks' jitter) and never has more than
// maxDepth waiting: when the sound card falls behind, or a participant's
// sender runs fast, the oldest buffer is dropped so the delay stays
// bounded instead of growing for the rest of the call.
const (
	primeDepth = 2
	maxDepth   = 4
)

// Mixer sums the participants' sound. Push is called from the engine's
// receivers, Read from the sound card's callback; neither blocks on the
// other for longer than a copy.
type Mixer struct {
	mu      sync.Mutex
	parts   map[string]*stream
	volume  float64
	out     []int16 // mixed samples not yet read, in mix
	mix     [Frame]int16
	dropped int64
	mixed   int64
}

type stream struct {
	bufs    [][]int16
	playing bool // primed and not yet run dry
}

// NewMixer makes a mixer at full volume.
func NewMixer() *Mixer {
	return &Mixer{parts: map[string]*stream{}, volume: 1}
}

// SetVolume scales the mix: 0 is silence, 1 as received.
func (m *Mixer) SetVolume(v float64) {
	m.mu.Lock()
	m.volume = min(max(v, 0), 1)
	m.mu.Unlock()
}

// Push adds a participant's next buffer; the mixer keeps pcm. A
// participant with maxDepth buffers waiting loses its oldest: that sound
// is late, and playing it would delay everything after it.
func (m *Mixer) Push(participant string, pcm []int16) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.parts[participant]
	if s == nil {
		s = &stream{}
		m.parts[participant] = s
	}
	if len(s.bufs) == maxDepth {
		s.bufs[0] = nil
		s.bufs = s.bufs[1:]
		m.dropped++
	}
	s.bufs = append(s.bufs, pcm)
	if len(s.bufs) >= primeDepth {
		s.playing = true
	}
}

// Read fills out with the mix, taking one buffer of each playing
// participant for every 20 ms it needs; silence where nobody speaks.
func (m *Mixer) Read(out []int16) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(out) > 0 {
		if len(m.out) == 0 {
			m.mixLocked()
		}
		n := copy(out, m.out)
		m.out = m.out[n:]
		out = out[n:]
	}
}

// mixLocked mixes the next 20 ms into m.out. Sums are taken in 32 bits
// and clipped to 16: two loud participants saturate rather than wrap
// around into a crack.
func (m *Mixer) mixLocked() {
	var acc [Frame]int32
	for p, s := range m.parts {
		if !s.playing {
			continue
		}
		if len(s.bufs) == 0 {
			// Ran dry: wait to be primed again, and forget a
			// participant that stopped sending.
			s.playing = false
			delete(m.parts, p)
			continue
		}
		buf := s.bufs[0]
		s.bufs[0] = nil
		s.bufs = s.bufs[1:]
		for i := 0; i < len(buf) && i < Frame; i++ {
			acc[i] += int32(buf[i])
		}
		m.mixed++
	}
	vol := m.volume
	for i, v := range acc {
		if vol != 1 {
			v = int32(math.Round(float64(v) * vol))
		}
		m.mix[i] = clip(v)
	}
	m.out = m.mix[:]
}

func clip(v int32) int16 {
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}

// Reset forgets everything waiting, so the next call starts fresh.
func (m *Mixer) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.parts = map[string]*stream{}
	m.out = nil
}

// Stats says how many buffers were mixed and how many were dropped late.
func (m *Mixer) Stats() (mixed, dropped int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mixed, m.dropped
}
