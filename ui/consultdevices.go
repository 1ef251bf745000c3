package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app/consult"
)

// The choice of devices is the client's, not the station's data: it
// lives in the program's preferences beside the language.
const (
	cameraPreference     = "consult.camera"
	microphonePreference = "consult.microphone"
	speakerPreference    = "consult.speaker"
	volumePreference     = "consult.volume"
)

func devicePreference(kind consult.DeviceKind) string {
	switch kind {
	case consult.Camera:
		return cameraPreference
	case consult.Microphone:
		return microphonePreference
	}
	return speakerPreference
}

// applyDevicePreferences hands the remembered choices to devices before
// joining, so the room opens with them. Called off the UI goroutine.
func applyDevicePreferences(devices consult.Devices, prefs fyne.Preferences) {
	for _, kind := range []consult.DeviceKind{consult.Camera, consult.Microphone, consult.Speaker} {
		devices.UseDevice(kind, prefs.String(devicePreference(kind)))
	}
	devices.SetVolume(prefs.FloatWithFallback(volumePreference, 1))
}

// deviceLists is what the devices dialog offers.
type deviceLists struct {
	cameras, microphones, speakers []consult.Device
}

// onDevices lists the devices (enumerating sound cards can take a moment,
// so off the UI goroutine) and opens the dialog to choose them.
func (r *consultRoom) onDevices() {
	d := r.u.svc.Devices
	if d == nil {
		return
	}
	runAsync(func() (deviceLists, error) {
		return deviceLists{
			cameras:     d.Devices(consult.Camera),
			microphones: d.Devices(consult.Microphone),
			speakers:    d.Devices(consult.Speaker),
		}, nil
	}, func(l deviceLists, _ error) {
		if r.left {
			return
		}
		r.showDevices(l)
	})
}

// deviceChoice is one selector: its options as shown and the id behind
// each.
type deviceChoice struct {
	kind    consult.DeviceKind
	options []string
	ids     []string
	sel     *widget.Select
}

func newDeviceChoice(kind consult.DeviceKind, devices []consult.Device, chosen string, onPick func(consult.DeviceKind, string)) *deviceChoice {
	c := &deviceChoice{kind: kind}
	add := func(label, id string) {
		// Two cameras of one model get the same name: number them.
		base := label
		for n := 2; slices.Contains(c.options, label); n++ {
			label = fmt.Sprintf("%s (%d)", base, n)
		}
		c.options = append(c.options, label)
		c.ids = append(c.ids, id)
	}
	add(lang.L("consult.device_default"), "")
	for _, dev := range devices {
		switch {
		case dev.ID == consult.TestDevice && kind == consult.Camera:
			add(lang.L("consult.test_pattern"), dev.ID)
		case dev.ID == consult.TestDevice:
			add(lang.L("consult.test_tone"), dev.ID)
		default:
			add(cmp.Or(dev.Name, dev.ID), dev.ID)
		}
	}
	c.sel = widget.NewSelect(c.options, nil)
	for i, id := range c.ids {
		if id == chosen {
			c.sel.SetSelectedIndex(i)
		}
	}
	if c.sel.SelectedIndex() < 0 {
		// A remembered device that is unplugged now: the default shows,
		// the choice stays remembered until another is made.
		c.sel.SetSelectedIndex(0)
	}
	c.sel.OnChanged = func(string) {
		if i := c.sel.SelectedIndex(); i >= 0 {
			onPick(kind, c.ids[i])
		}
	}
	return c
}

// showDevices opens the dialog: camera, microphone, loudspeaker and
// volume. Each choice applies at once, in the room, and is remembered.
func (r *consultRoom) showDevices(l deviceLists) {
	prefs := r.u.app.Preferences()
	pick := func(kind consult.DeviceKind, id string) {
		prefs.SetString(devicePreference(kind), id)
		d := r.u.svc.Devices
		runAsync(func() (consult.DeviceState, error) { return d.UseDevice(kind, id), nil }, func(st consult.DeviceState, _ error) {
			r.onDevice(st)
		})
	}
	cam := newDeviceChoice(consult.Camera, l.cameras, prefs.String(cameraPreference), pick)
	mic := newDeviceChoice(consult.Microphone, l.microphones, prefs.String(microphonePreference), pick)
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("consult.camera_label"), cam.sel),
		widget.NewFormItem(lang.L("consult.microphone_label"), mic.sel),
	}
	r.deviceChoices = []*deviceChoice{cam, mic}
	if len(l.speakers) > 0 {
		spk := newDeviceChoice(consult.Speaker, l.speakers, prefs.String(speakerPreference), pick)
		items = append(items, widget.NewFormItem(lang.L("consult.speaker_label"), spk.sel))
		r.deviceChoices = append(r.deviceChoices, spk)
	} else {
		items = append(items, widget.NewFormItem(lang.L("consult.speaker_label"), widget.NewLabel(lang.L("consult.no_speaker"))))
	}
	volume := widget.NewSlider(0, 100)
	volume.Step = 5
	volume.SetValue(100 * prefs.FloatWithFallback(volumePreference, 1))
	volume.OnChangeEnded = func(v float64) {
		prefs.SetFloat(volumePreference, v/100)
		r.u.svc.Devices.SetVolume(v / 100)
	}
	items = append(items, widget.NewFormItem(lang.L("consult.volume"), volume))
	form := widget.NewForm(items...)
	dlg, keys := newKeyedDialog(lang.L("consult.devices_title"), lang.L("action.close"), form, r.win)
	dlg.Resize(fyne.NewSize(460, 0))
	showKeyed(dlg, keys, r.win)
}

// onDevice shows, beside the buttons, what stands in for a missing
// device; nothing while every device works or the test source was chosen.
func (r *consultRoom) onDevice(st consult.DeviceState) {
	if r.left {
		return
	}
	r.deviceStates[st.Kind] = st
	var notes []string
	if r.deviceStates[consult.Camera].Fallback {
		notes = append(notes, lang.L("consult.no_camera_notice"))
	}
	if r.deviceStates[consult.Microphone].Fallback {
		notes = append(notes, lang.L("consult.no_microphone_notice"))
	}
	if r.deviceStates[consult.Speaker].Fallback {
		notes = append(notes, lang.L("consult.no_speaker_notice"))
	}
	r.notice.SetText(strings.Join(notes, lang.L("consult.notice_separator")))
	r.notice.Hidden = len(notes) == 0
	r.notice.Refresh()
}
