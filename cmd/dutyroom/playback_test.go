package main

import (
	"context"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/hub/sfu"
)

// What the others say is played: in a room through a real hub, the
// window's media hands each participant's decoded sound to the mixer,
// and the sound card (miniaudio's null device here) takes the mix; on
// leaving, the output closes.
func TestRoomPlaysTheOthers(t *testing.T) {
	h := startVideoHub(t)
	a, b := h.station(t, "xiangxi"), h.station(t, "jishou")
	b.media.devices.nullOutput = true
	room := app.NewID()
	if err := h.sfu.Open(room, sfu.Invitation{Stations: []app.ID{a.id, b.id}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.media.Join(ctx, room, consult.Sink{}); err != nil {
		t.Fatal(err)
	}
	var speaker []consult.DeviceState
	if err := b.media.Join(ctx, room, consult.Sink{Device: func(st consult.DeviceState) {
		if st.Kind == consult.Speaker {
			speaker = append(speaker, st)
		}
	}}); err != nil {
		t.Fatal(err)
	}
	if len(speaker) != 1 || speaker[0].Fallback {
		t.Fatalf("the loudspeaker on joining: %+v", speaker)
	}
	d := b.media.devices
	waitUntil(t, "a second of a's sound mixed and read by the card", func() bool {
		mixed, _ := d.mixer.Stats()
		d.mu.Lock()
		p := d.player
		d.mu.Unlock()
		return mixed >= 50 && p != nil && p.Reads() > 0
	})
	if err := b.media.Leave(); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	p := d.player
	d.mu.Unlock()
	if p != nil {
		t.Error("the output is still open after leaving")
	}
}
