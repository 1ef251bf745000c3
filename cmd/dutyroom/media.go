package main

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/rtc"
	"dutyroom/rtc/rtcconf"
	"dutyroom/rtc/testsrc"
)

// roomMedia is the window's seat in a consultation's video room: the media
// engine on the hub connection, behind consult.Media, with the camera,
// microphone and loudspeaker chosen through consult.Devices (devices.go).
// Without a camera or microphone a station sends the test pattern of its
// own colours and a tone that speaks in the station's turn, so a room
// shows who is who and whose turn it is to be the speaker.
type roomMedia struct {
	log *slog.Logger

	mu   sync.Mutex
	eng  *rtc.Engine
	sink consult.Sink
	// inRoom is set while the window or a routine test call is in a
	// room, testing while it is the test call: one engine, one room.
	inRoom, testing bool

	muted  atomic.Bool
	camOff atomic.Bool

	devices *roomDevices // set by start

	// saveRecordings keeps the hub's list of a hosted consultation's
	// recorded files on its record; lists wait in recordings for the one
	// goroutine that saves them, in the order they came.
	saveRecordings func(consult.Recordings) error
	recordings     chan consult.Recordings
}

var _ consult.Media = (*roomMedia)(nil)

// handleSignal passes signalling from the hub to the engine; before the
// engine starts there is no room to signal about.
func (m *roomMedia) handleSignal(env wire.Envelope) {
	m.mu.Lock()
	eng := m.eng
	m.mu.Unlock()
	if eng != nil {
		eng.HandleSignal(env)
	}
}

// start makes the engine, sending through signal, with the pattern of
// station.
func (m *roomMedia) start(signal rtc.Signaller, station app.ID) error {
	id := patternFor(station)
	m.devices = newRoomDevices(m.log, rtc.TestPattern{ID: id, Width: 640, Height: 480}, &turnTone{tone: testsrc.ToneFor(id, 48000, 1), slot: int(id % turnSlots)})
	eng, err := rtc.New(rtc.Config{
		Signal:  signal,
		Network: rtcconf.Network{},
		Video:   &switchedVideo{src: m.devices.video, off: &m.camOff, preview: m.preview},
		Audio:   &mutedAudio{src: m.devices.audio, muted: &m.muted},
		OnVideo: m.onVideo,
		OnAudio: m.onAudio,
		OnRoom:  m.onRoom,
		Logger:  m.log,

		OnRecordings: m.onRecordings,
	})
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.eng = eng
	m.recordings = make(chan consult.Recordings, 64)
	go m.keepRecordings(m.recordings, m.saveRecordings)
	m.mu.Unlock()
	return nil
}

// onRecordings takes a list of recorded files from the engine's goroutine,
// which must not wait for the disk: a list that finds the queue full is
// dropped, since the next one holds everything it did.
func (m *roomMedia) onRecordings(r wire.RoomRecordings) {
	list := consult.Recordings{Consultation: r.Room, Folder: r.Folder, Files: make([]consult.RecordedFile, 0, len(r.Files))}
	for _, f := range r.Files {
		list.Files = append(list.Files, consult.RecordedFile{Name: f.Name, Station: f.Station, User: f.User, Kind: f.Kind,
			Size: f.Size, Start: f.Start, End: f.End, Dropped: f.Dropped, Error: f.Error})
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recordings == nil {
		return
	}
	select {
	case m.recordings <- list:
	default:
		m.log.Warn("a list of recorded files not saved: the data file is behind", "consultation", r.Room)
	}
}

func (m *roomMedia) keepRecordings(lists <-chan consult.Recordings, save func(consult.Recordings) error) {
	for l := range lists {
		if save == nil {
			continue
		}
		if err := save(l); err != nil {
			m.log.Warn("cannot keep the list of recorded files", "consultation", l.Consultation, "err", app.ErrorMessage(err))
		}
	}
}

func (m *roomMedia) close() {
	m.mu.Lock()
	eng := m.eng
	m.eng = nil
	m.mu.Unlock()
	if eng != nil {
		eng.Close()
	}
	if m.devices != nil {
		m.devices.close()
	}
	m.mu.Lock()
	if m.recordings != nil {
		close(m.recordings)
		m.recordings = nil
	}
	m.mu.Unlock()
}

func (m *roomMedia) current() (*rtc.Engine, consult.Sink) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.eng, m.sink
}

// Join implements consult.Media.
func (m *roomMedia) Join(ctx context.Context, id app.ID, sink consult.Sink) error {
	m.mu.Lock()
	eng := m.eng
	if m.testing {
		m.mu.Unlock()
		return app.Errorf(app.ECONFLICT, "a routine test call is under way; join again in a minute")
	}
	m.sink, m.inRoom = sink, true
	m.mu.Unlock()
	if eng == nil {
		m.release()
		return app.Errorf(app.EINTERNAL, "video is not available in this window")
	}
	// Each room starts as the window's buttons do: sound and picture on.
	m.muted.Store(false)
	m.camOff.Store(false)
	// The chosen camera and microphone open before joining, so the
	// first picture the others see is the camera's.
	m.devices.openAll(sink.Device)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	err := eng.Join(ctx, id)
	if err != nil {
		m.devices.closeAll()
		m.release()
	}
	return err
}

// claimForTest takes the engine for a routine test call, with sink
// receiving what the room sends, unless it is missing or in a room.
func (m *roomMedia) claimForTest(sink consult.Sink) (*rtc.Engine, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.eng == nil || m.inRoom {
		return nil, false
	}
	m.sink, m.inRoom, m.testing = sink, true, true
	return m.eng, true
}

// isTesting says whether a routine test call holds the engine.
func (m *roomMedia) isTesting() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.testing
}

// release marks the engine out of any room.
func (m *roomMedia) release() {
	m.mu.Lock()
	m.sink, m.inRoom, m.testing = consult.Sink{}, false, false
	m.mu.Unlock()
}

// Leave implements consult.Media.
func (m *roomMedia) Leave() error {
	m.mu.Lock()
	eng, testing := m.eng, m.testing
	m.mu.Unlock()
	if eng == nil || testing {
		return nil // the window is not in a room; the test call leaves its own
	}
	defer m.release()
	defer m.devices.closeAll()
	err := eng.Leave()
	if err == rtc.ErrNotInRoom {
		return nil
	}
	return err
}

// SetMuted implements consult.Media.
func (m *roomMedia) SetMuted(muted bool) { m.muted.Store(muted) }

// SetCamera implements consult.Media.
func (m *roomMedia) SetCamera(on bool) {
	m.camOff.Store(!on)
	if m.devices != nil {
		m.devices.setCameraOn(on)
	}
}

// SetRecording implements consult.Media.
func (m *roomMedia) SetRecording(ctx context.Context, on bool) error {
	eng, _ := m.current()
	if eng == nil {
		return app.Errorf(app.EINTERNAL, "video is not available in this window")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := eng.SetRecording(ctx, on)
	var refused *wire.Error
	switch {
	case err == rtc.ErrNotInRoom:
		return app.Errorf(app.ECONFLICT, "not in the consultation's room")
	case errors.As(err, &refused):
		// The hub's reason, as it gave it, is what the window shows.
		return app.Errorf(app.ECONFLICT, "%s", refused.Message)
	}
	return err
}

func (m *roomMedia) onVideo(f rtc.VideoFrame) {
	if _, s := m.current(); s.Video != nil {
		s.Video(consult.Frame{Participant: f.Participant, Station: f.Station, Image: f.Image, At: f.Decoded})
	}
}

// preview shows this station's own picture in its window, as the others
// see it; a copy, since the engine reuses its picture.
func (m *roomMedia) preview(img *image.YCbCr) {
	_, s := m.current()
	if s.Video == nil {
		return
	}
	c := *img
	c.Y, c.Cb, c.Cr = slices.Clone(img.Y), slices.Clone(img.Cb), slices.Clone(img.Cr)
	s.Video(consult.Frame{Participant: consult.Self, Image: &c, At: time.Now()})
}

func (m *roomMedia) onAudio(f rtc.AudioFrame) {
	m.devices.push(f)
	_, s := m.current()
	if s.Level == nil || len(f.PCM) == 0 {
		return
	}
	var sum float64
	for _, v := range f.PCM {
		x := float64(v) / 32768
		sum += x * x
	}
	s.Level(f.Participant, f.Station, math.Sqrt(sum/float64(len(f.PCM))))
}

func (m *roomMedia) onRoom(ev rtc.RoomEvent) {
	_, s := m.current()
	if !ev.In && !m.isTesting() {
		// Put out of the room (ended, or the connection failed): the
		// camera's light goes off now, not when the window closes.
		m.devices.closeAll()
	}
	if s.Room == nil {
		return
	}
	st := consult.RoomState{In: ev.In, Reason: ev.Reason, You: ev.You, Recording: ev.Recording}
	for _, p := range ev.Participants {
		st.Members = append(st.Members, consult.Member{Participant: p.ID, Station: p.Station, User: p.User})
	}
	s.Room(st)
}

// patternFor gives each station its own test-pattern colours.
func patternFor(station app.ID) uint8 {
	var h uint8
	for _, b := range station {
		h = h*31 + b
	}
	return h%8 + 1
}

// switchedVideo is the camera (or test pattern), or a dark picture while
// the camera is off.
type switchedVideo struct {
	src     rtc.VideoSource
	off     *atomic.Bool
	preview func(*image.YCbCr)
}

func (v *switchedVideo) Frame(n uint32, dst *image.YCbCr) (*image.YCbCr, error) {
	img, err := v.src.Frame(n, dst)
	if err != nil {
		return img, err
	}
	if v.off.Load() {
		for i := range img.Y {
			img.Y[i] = 16
		}
		for i := range img.Cb {
			img.Cb[i], img.Cr[i] = 128, 128
		}
	}
	if v.preview != nil {
		v.preview(img)
	}
	return img, nil
}

// turnSlots and turnLength: the synthetic tone speaks for turnLength in
// its station's slot of every turnSlots×turnLength, silent otherwise.
const (
	turnSlots  = 4
	turnLength = 3 * time.Second
)

type turnTone struct {
	tone *testsrc.Tone
	slot int
}

func (t *turnTone) Fill(pcm []int16) {
	t.tone.Fill(pcm) // keeps the phase running
	turn := int(time.Now().UnixNano()/int64(turnLength)) % turnSlots
	if turn != t.slot {
		clear(pcm)
	}
}

// mutedAudio is the microphone (or tone), or silence while muted.
type mutedAudio struct {
	src   rtc.AudioSource
	muted *atomic.Bool
}

func (a *mutedAudio) Fill(pcm []int16) {
	a.src.Fill(pcm) // a microphone's queue keeps moving while muted
	if a.muted.Load() {
		clear(pcm)
	}
}
