package main

import (
	"log/slog"
	"sync"

	"dutyroom/app/consult"
	"dutyroom/rtc"
	"dutyroom/rtc/capture"
	"dutyroom/rtc/playback"
)

// roomDevices are the camera, microphone and loudspeaker behind the media
// engine. They are open only while the window is in a room, so a camera's
// light is on only during a consultation; otherwise (and for routine test
// calls) the engine's sources send the test pattern and tone.
type roomDevices struct {
	log   *slog.Logger
	video *capture.Video
	audio *capture.Audio
	mixer *playback.Mixer

	mu                          sync.Mutex
	camera, microphone, speaker string // chosen; "" is the system's default
	cameraOff                   bool   // switched off in the window: the camera is closed
	open                        bool   // in a room: the chosen devices are open
	player                      *playback.Player
	report                      func(consult.DeviceState) // the room's, while open
	noSpeaker                   sync.Once                 // the log says it once a run
	playerMu                    sync.Mutex                // serialises opening the output
	// applyMu serialises applying the camera's on/off, so the last
	// switch wins however fast they come.
	applyMu sync.Mutex
	// nullOutput plays into miniaudio's null device, which takes sound as
	// a card would and discards it: tests on machines without sound.
	nullOutput bool
}

var _ consult.Devices = (*roomDevices)(nil)

// newRoomDevices makes the sources, with the test pattern and tone of
// pattern id standing in.
func newRoomDevices(log *slog.Logger, pattern rtc.VideoSource, tone rtc.AudioSource) *roomDevices {
	d := &roomDevices{log: log, mixer: playback.NewMixer()}
	d.video = capture.NewVideo(640, 480, pattern, log)
	d.audio = capture.NewAudio(tone, log)
	d.video.OnFallback(func(st capture.State) { d.failed(consult.Camera, st) })
	d.audio.OnFallback(func(st capture.State) { d.failed(consult.Microphone, st) })
	return d
}

// openAll opens the chosen devices on joining a room, the camera
// switched on as the window's button starts, and tells report what each
// does.
func (d *roomDevices) openAll(report func(consult.DeviceState)) {
	d.applyMu.Lock()
	defer d.applyMu.Unlock()
	d.mu.Lock()
	d.open, d.report, d.cameraOff = true, report, false
	cam, mic, spk := d.camera, d.microphone, d.speaker
	d.mu.Unlock()
	d.tell(stateOf(consult.Camera, d.video.Use(cam)))
	d.tell(stateOf(consult.Microphone, d.audio.Use(mic)))
	d.tell(d.startPlayer(spk))
}

// closeAll closes them on leaving: the test pattern and tone again.
func (d *roomDevices) closeAll() {
	d.applyMu.Lock()
	defer d.applyMu.Unlock()
	d.mu.Lock()
	d.open, d.report = false, nil
	p := d.player
	d.player = nil
	d.mu.Unlock()
	d.video.Use(capture.Test)
	d.audio.Use(capture.Test)
	if p != nil {
		p.Close()
	}
	d.mixer.Reset()
}

// close releases everything for good.
func (d *roomDevices) close() { d.closeAll() }

// startPlayer (re)opens the loudspeaker. Without one the others are
// not heard here, which the log says once; they still hear this station.
func (d *roomDevices) startPlayer(id string) consult.DeviceState {
	d.playerMu.Lock() // one output open at a time, however fast the choices come
	defer d.playerMu.Unlock()
	d.mu.Lock()
	old := d.player
	d.player = nil
	d.mu.Unlock()
	if old != nil {
		old.Close()
	}
	p, err := playback.Open(d.mixer, playback.Options{Device: id, Null: d.nullOutput})
	if err != nil {
		d.noSpeaker.Do(func() {
			d.log.Warn("the others in a consultation are not played here: no sound output", "err", err)
		})
		return consult.DeviceState{Kind: consult.Speaker, ID: id, Fallback: true, Reason: err.Error()}
	}
	d.mu.Lock()
	if !d.open {
		d.mu.Unlock()
		p.Close() // left the room meanwhile
		return consult.DeviceState{Kind: consult.Speaker, ID: id}
	}
	d.player = p
	d.mu.Unlock()
	return consult.DeviceState{Kind: consult.Speaker, ID: id}
}

// push plays a participant's sound, while a loudspeaker is open.
func (d *roomDevices) push(f rtc.AudioFrame) {
	d.mu.Lock()
	playing := d.player != nil
	d.mu.Unlock()
	if playing {
		d.mixer.Push(f.Participant, f.PCM)
	}
}

func (d *roomDevices) failed(kind consult.DeviceKind, st capture.State) {
	d.tell(stateOf(kind, st))
}

func (d *roomDevices) tell(st consult.DeviceState) {
	d.mu.Lock()
	report := d.report
	d.mu.Unlock()
	if report != nil {
		report(st)
	}
}

func stateOf(kind consult.DeviceKind, st capture.State) consult.DeviceState {
	return consult.DeviceState{Kind: kind, ID: st.ID, Name: st.Name, Fallback: st.Fallback, Reason: st.Reason}
}

// Devices implements consult.Devices.
func (d *roomDevices) Devices(kind consult.DeviceKind) []consult.Device {
	var out []consult.Device
	switch kind {
	case consult.Camera, consult.Microphone:
		out = append(out, consult.Device{ID: consult.TestDevice})
		list := capture.Cameras()
		if kind == consult.Microphone {
			list = capture.Microphones()
		}
		for _, dev := range list {
			out = append(out, consult.Device{ID: dev.ID, Name: dev.Name})
		}
	case consult.Speaker:
		for _, dev := range playback.Speakers() {
			out = append(out, consult.Device{ID: dev.ID, Name: dev.Name})
		}
	}
	return out
}

// UseDevice implements consult.Devices.
func (d *roomDevices) UseDevice(kind consult.DeviceKind, id string) consult.DeviceState {
	d.mu.Lock()
	switch kind {
	case consult.Camera:
		d.camera = id
	case consult.Microphone:
		d.microphone = id
	case consult.Speaker:
		d.speaker = id
	}
	open := d.open
	d.mu.Unlock()
	if kind == consult.Camera {
		return d.applyCamera()
	}
	if !open {
		return consult.DeviceState{Kind: kind, ID: id} // opened on joining
	}
	var st consult.DeviceState
	switch kind {
	case consult.Microphone:
		st = stateOf(kind, d.audio.Use(id))
	default:
		st = d.startPlayer(id)
	}
	d.tell(st)
	return st
}

// setCameraOn opens or closes the chosen camera while in a room: a camera
// switched off in the window is closed, so its light goes out too. It
// returns at once; opening a camera can take a moment.
func (d *roomDevices) setCameraOn(on bool) {
	d.mu.Lock()
	d.cameraOff = !on
	d.mu.Unlock()
	go d.applyCamera()
}

// applyCamera opens the chosen camera, or closes it while switched off,
// and says what the camera does; out of a room it only says what was
// chosen, to be opened on joining.
func (d *roomDevices) applyCamera() consult.DeviceState {
	d.applyMu.Lock()
	defer d.applyMu.Unlock()
	d.mu.Lock()
	open, off, id := d.open, d.cameraOff, d.camera
	d.mu.Unlock()
	if !open {
		return consult.DeviceState{Kind: consult.Camera, ID: id}
	}
	st := consult.DeviceState{Kind: consult.Camera, ID: consult.TestDevice} // off, not missing
	if off {
		d.video.Use(capture.Test)
	} else {
		st = stateOf(consult.Camera, d.video.Use(id))
	}
	d.tell(st)
	return st
}

// SetVolume implements consult.Devices.
func (d *roomDevices) SetVolume(v float64) { d.mixer.SetVolume(v) }
