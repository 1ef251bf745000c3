package main

import (
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"dutyroom/app/consult"
	"dutyroom/rtc"
	"dutyroom/rtc/capture"
	"dutyroom/rtc/playback"
	"dutyroom/rtc/testsrc"
)

// The devices behind the window on this machine's drivers: the test
// pattern and tone are always offered; a choice made out of a room waits
// for the join; joining opens the chosen devices and reports what each
// does, the test source standing in for what is missing; leaving closes
// them.
func TestRoomDevices(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tone := &turnTone{tone: testsrc.ToneFor(3, 48000, 1), slot: 0}
	d := newRoomDevices(log, rtc.TestPattern{ID: 3, Width: 640, Height: 480}, tone)
	defer d.close()

	for _, kind := range []consult.DeviceKind{consult.Camera, consult.Microphone} {
		list := d.Devices(kind)
		if len(list) == 0 || list[0].ID != consult.TestDevice {
			t.Errorf("%s: %v, want the test source first", kind, list)
		}
	}
	if got, want := len(d.Devices(consult.Speaker)), len(playback.Speakers()); got != want {
		t.Errorf("%d loudspeakers listed, the machine has %d", got, want)
	}

	// Out of a room nothing opens.
	if st := d.UseDevice(consult.Camera, "no-such-camera"); st.Fallback || st.ID != "no-such-camera" {
		t.Errorf("choosing out of a room: %+v", st)
	}
	if st := d.video.State(); st.ID != capture.Test || st.Fallback {
		t.Errorf("a camera opened out of a room: %+v", st)
	}

	var mu sync.Mutex
	reported := map[consult.DeviceKind]consult.DeviceState{}
	d.openAll(func(st consult.DeviceState) {
		mu.Lock()
		reported[st.Kind] = st
		mu.Unlock()
	})
	mu.Lock()
	if st := reported[consult.Camera]; !st.Fallback || st.ID != consult.TestDevice {
		t.Errorf("a missing camera in the room: %+v", st)
	}
	if _, ok := reported[consult.Microphone]; !ok {
		t.Error("nothing said about the microphone")
	}
	if st, ok := reported[consult.Speaker]; !ok || st.Fallback != (len(playback.Speakers()) == 0) {
		t.Errorf("loudspeaker %+v with %d outputs", st, len(playback.Speakers()))
	}
	mu.Unlock()
	// The test source chosen in the room: no fallback, the pattern is sent.
	if st := d.UseDevice(consult.Camera, consult.TestDevice); st.Fallback || st.ID != consult.TestDevice {
		t.Errorf("test pattern chosen: %+v", st)
	}
	img, err := d.video.Frame(4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := testsrc.ReadStamp(img); err != nil || s.ID != 3 {
		t.Errorf("sending %+v, %v; want pattern 3", s, err)
	}
	d.closeAll()
	if d.UseDevice(consult.Microphone, ""); d.audio.State().ID != capture.Test {
		t.Error("a microphone opened after leaving")
	}
	if !slices.ContainsFunc(d.Devices(consult.Microphone), func(dev consult.Device) bool { return dev.ID == consult.TestDevice }) {
		t.Error("the test tone is not offered after leaving")
	}
}
