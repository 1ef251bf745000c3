package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// fakeDevices is a machine with two cameras, a microphone and a
// loudspeaker; what the window chooses is recorded in order.
type fakeDevices struct {
	mu     sync.Mutex
	used   []string // kind=id
	volume float64
	// broken are ids that fail to open: the test source stands in.
	broken map[string]bool
}

var _ consult.Devices = (*fakeDevices)(nil)

func (f *fakeDevices) Devices(kind consult.DeviceKind) []consult.Device {
	switch kind {
	case consult.Camera:
		return []consult.Device{{ID: consult.TestDevice}, {ID: "video0", Name: "USB 摄像头"}, {ID: "video2", Name: "USB 摄像头"}}
	case consult.Microphone:
		return []consult.Device{{ID: consult.TestDevice}, {ID: "mic1", Name: "会议麦克风"}}
	}
	return []consult.Device{{ID: "out1", Name: "音箱"}}
}

func (f *fakeDevices) UseDevice(kind consult.DeviceKind, id string) consult.DeviceState {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.used = append(f.used, string(kind)+"="+id)
	if f.broken[id] {
		return consult.DeviceState{Kind: kind, ID: consult.TestDevice, Fallback: true, Reason: id + " is busy"}
	}
	return consult.DeviceState{Kind: kind, ID: id}
}

func (f *fakeDevices) SetVolume(v float64) { f.mu.Lock(); f.volume = v; f.mu.Unlock() }

func (f *fakeDevices) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.used)
}

// The consultation window joins with the remembered devices, lists the
// machine's devices with the test pattern and tone among them, switches
// in the room when another is chosen and remembers it; a device that
// fails is named beside the buttons.
func TestConsultRoomChoosesDevices(t *testing.T) {
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	devices := &fakeDevices{broken: map[string]bool{"video2": true}}
	s := d.services()
	s.Consultations, s.Media, s.Devices = d.consults, d.media, devices
	a := test.NewTempApp(t)
	a.Preferences().SetString(cameraPreference, "video0")
	a.Preferences().SetFloat(volumePreference, 0.4)
	u := New(a, s)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open("consultation")
	r := roomOf(t, u)

	// Joined with the remembered camera, the default microphone and
	// loudspeaker, at the remembered volume.
	want := []string{"camera=video0", "microphone=", "speaker="}
	if got := devices.log(); !slices.Equal(got, want) || devices.volume != 0.4 {
		t.Fatalf("before joining: %v at volume %v; want %v at 0.4", got, devices.volume, want)
	}
	if len(d.media.joined) != 1 {
		t.Fatalf("joined %d rooms", len(d.media.joined))
	}

	test.Tap(r.devices)
	if len(r.deviceChoices) != 3 {
		t.Fatalf("%d selectors, want camera, microphone and speaker", len(r.deviceChoices))
	}
	cam, mic, spk := r.deviceChoices[0], r.deviceChoices[1], r.deviceChoices[2]
	if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
		r.win.Resize(fyne.NewSize(1024, 700))
		saveCapture(t, r.win, filepath.Join(dir, "consultation-devices.png"))
	}
	wantCams := []string{lang.L("consult.device_default"), lang.L("consult.test_pattern"), "USB 摄像头", "USB 摄像头 (2)"}
	if !slices.Equal(cam.sel.Options, wantCams) || cam.sel.Selected != "USB 摄像头" {
		t.Errorf("cameras %q, selected %q", cam.sel.Options, cam.sel.Selected)
	}
	if !slices.Equal(mic.sel.Options, []string{lang.L("consult.device_default"), lang.L("consult.test_tone"), "会议麦克风"}) {
		t.Errorf("microphones %q", mic.sel.Options)
	}
	if !slices.Equal(spk.sel.Options, []string{lang.L("consult.device_default"), "音箱"}) {
		t.Errorf("speakers %q", spk.sel.Options)
	}

	// Choosing the test tone and the loudspeaker switches them in the
	// room, without leaving it, and remembers them.
	mic.sel.SetSelected(lang.L("consult.test_tone"))
	spk.sel.SetSelected("音箱")
	got := devices.log()
	if !slices.Equal(got[3:], []string{"microphone=test", "speaker=out1"}) {
		t.Errorf("chosen in the room: %v", got[3:])
	}
	if p := a.Preferences(); p.String(microphonePreference) != consult.TestDevice || p.String(speakerPreference) != "out1" {
		t.Errorf("remembered microphone %q, speaker %q", p.String(microphonePreference), p.String(speakerPreference))
	}
	if d.media.left != 0 || r.left {
		t.Error("switching devices left the room")
	}
	if !r.notice.Hidden {
		t.Errorf("a notice with every device working: %q", r.notice.Text)
	}

	// The second camera is busy: the test pattern stands in and the
	// window says so.
	cam.sel.SetSelected("USB 摄像头 (2)")
	if r.notice.Hidden || r.notice.Text != lang.L("consult.no_camera_notice") {
		t.Errorf("notice %q (hidden %v)", r.notice.Text, r.notice.Hidden)
	}
	// A microphone failing mid-call, as the program reports it.
	d.media.sink.Device(consult.DeviceState{Kind: consult.Microphone, ID: consult.TestDevice, Fallback: true, Reason: "unplugged"})
	wantNotice := lang.L("consult.no_camera_notice") + lang.L("consult.notice_separator") + lang.L("consult.no_microphone_notice")
	if r.notice.Text != wantNotice {
		t.Errorf("notice %q, want %q", r.notice.Text, wantNotice)
	}
	// The first camera again: only the microphone's notice stays.
	cam.sel.SetSelected("USB 摄像头")
	if r.notice.Text != lang.L("consult.no_microphone_notice") {
		t.Errorf("notice %q after choosing a working camera", r.notice.Text)
	}
	if a.Preferences().String(cameraPreference) != "video0" {
		t.Errorf("remembered camera %q", a.Preferences().String(cameraPreference))
	}
}

// Without a loudspeaker the dialog says so instead of offering a choice.
func TestConsultRoomDevicesWithoutSpeaker(t *testing.T) {
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	s := d.services()
	s.Consultations, s.Media, s.Devices = d.consults, d.media, noSpeaker{&fakeDevices{}}
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.nav.open("consultation")
	r := roomOf(t, u)
	test.Tap(r.devices)
	if len(r.deviceChoices) != 2 {
		t.Fatalf("%d selectors without a loudspeaker, want 2", len(r.deviceChoices))
	}
	found := false
	top := r.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog is open in the consultation window")
	}
	walk(top, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text == lang.L("consult.no_speaker") {
			found = true
		}
	})
	if !found {
		t.Error("the dialog does not say there is no loudspeaker")
	}
}

type noSpeaker struct{ *fakeDevices }

func (n noSpeaker) Devices(kind consult.DeviceKind) []consult.Device {
	if kind == consult.Speaker {
		return nil
	}
	return n.fakeDevices.Devices(kind)
}

func saveCapture(t *testing.T, w fyne.Window, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	t.Log(path)
}
