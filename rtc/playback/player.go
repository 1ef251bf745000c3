package playback

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// realBackends are miniaudio's sound systems that reach a loudspeaker,
// tried in this order. miniaudio's own default list ends with its null
// backend, which accepts sound and discards it: a machine without sound
// would then seem to play. It is left out, so such a machine is told.
var realBackends = []malgo.Backend{
	malgo.BackendPulseaudio, malgo.BackendAlsa, malgo.BackendJack, malgo.BackendOss,
	malgo.BackendCoreaudio, malgo.BackendWasapi, malgo.BackendDsound, malgo.BackendWinmm,
	malgo.BackendSndio, malgo.BackendAudio4,
}

// backendNull is miniaudio's null backend. malgo's enumeration lacks
// miniaudio's ma_backend_custom, which comes before null, so its
// BackendNull names the custom backend and null is the one after it.
const backendNull = malgo.BackendNull + 1

// nullDevice is the id (hex of "null") of ALSA's null output, which
// discards what it is given: no loudspeaker.
const nullDevice = "6e756c6c"

// Device is a sound output a station may choose.
type Device struct {
	ID   string // miniaudio's device id, in hex
	Name string
}

// ErrNoOutput says the machine has no sound output miniaudio can open.
var ErrNoOutput = errors.New("no sound output")

// Speakers lists the machine's sound outputs, the default first; none
// where there is no sound system.
func Speakers() []Device {
	ctx, err := malgo.InitContext(realBackends, malgo.ContextConfig{}, nil)
	if err != nil {
		return nil
	}
	defer func() { _ = ctx.Uninit(); ctx.Free() }()
	infos, err := ctx.Devices(malgo.Playback)
	if err != nil {
		return nil
	}
	var out []Device
	for _, in := range infos {
		d := Device{ID: in.ID.String(), Name: in.Name()}
		if d.ID == nullDevice {
			continue
		}
		if in.IsDefault != 0 {
			out = append([]Device{d}, out...)
		} else {
			out = append(out, d)
		}
	}
	return out
}

// Options sets up a Player.
type Options struct {
	// Device is the output to play on: an id from Speakers, or "" for
	// the system's default.
	Device string
	// Null plays into miniaudio's null device, which takes sound at the
	// rate of a real one and discards it: for tests on machines without
	// sound.
	Null bool
}

// Player plays a Mixer on a sound output until Close.
type Player struct {
	mixer *Mixer
	ctx   *malgo.AllocatedContext
	dev   *malgo.Device
	reads atomic.Int64 // sound card callbacks served
	once  sync.Once
}

// Open starts playing mixer on the output opt names. ErrNoOutput (and the
// reason) where the machine has none.
func Open(mixer *Mixer, opt Options) (*Player, error) {
	backends := realBackends
	if opt.Null {
		backends = []malgo.Backend{backendNull}
	}
	ctx, err := malgo.InitContext(backends, malgo.ContextConfig{}, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoOutput, err)
	}
	p := &Player{mixer: mixer, ctx: ctx}
	cfg := malgo.DefaultDeviceConfig(malgo.Playback)
	cfg.Playback.Format = malgo.FormatS16
	cfg.Playback.Channels = 1
	cfg.SampleRate = 48000
	// Two periods of 20 ms: the engine's own buffer size, and no more
	// than 40 ms of sound waiting in the card.
	cfg.PeriodSizeInMilliseconds = 20
	cfg.Periods = 2
	if opt.Device != "" {
		infos, err := ctx.Devices(malgo.Playback)
		if err != nil {
			p.free()
			return nil, fmt.Errorf("%w: listing outputs: %v", ErrNoOutput, err)
		}
		found := false
		for i := range infos {
			if infos[i].ID.String() == opt.Device {
				cfg.Playback.DeviceID = infos[i].ID.Pointer()
				found = true
				break
			}
		}
		if !found {
			p.free()
			return nil, fmt.Errorf("%w: output %s is not connected", ErrNoOutput, opt.Device)
		}
	}
	dev, err := malgo.InitDevice(ctx.Context, cfg, malgo.DeviceCallbacks{Data: p.fill})
	if err != nil {
		p.free()
		return nil, fmt.Errorf("%w: %v", ErrNoOutput, err)
	}
	p.dev = dev
	if err := dev.Start(); err != nil {
		p.Close()
		return nil, fmt.Errorf("%w: starting: %v", ErrNoOutput, err)
	}
	return p, nil
}

// fill is the sound card's callback: 16-bit mono samples in the host's
// byte order, which is how miniaudio hands them over.
func (p *Player) fill(out, _ []byte, _ uint32) {
	if len(out) < 2 {
		return
	}
	pcm := unsafe.Slice((*int16)(unsafe.Pointer(&out[0])), len(out)/2)
	p.mixer.Read(pcm)
	p.reads.Add(1)
}

// Reads is how many times the sound card asked for sound.
func (p *Player) Reads() int64 { return p.reads.Load() }

// Close stops playing.
func (p *Player) Close() {
	p.once.Do(func() {
		if p.dev != nil {
			_ = p.dev.Stop()
			p.dev.Uninit()
		}
		p.free()
	})
}

func (p *Player) free() {
	_ = p.ctx.Uninit()
	p.ctx.Free()
}
