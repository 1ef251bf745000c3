package sfu

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/rtc/rtcconf"
)

// FuzzObserveKeepsTheFirstHost gives Observe consultation operations with
// payloads a station chose, from stations of its choosing: Observe decodes
// them, and whatever they hold, no room ever changes host once bound, and
// no host has more rooms open than its limit.
func FuzzObserveKeepsTheFirstHost(f *testing.F) {
	stations := []app.ID{app.NewID(), app.NewID(), app.NewID()}
	room := app.NewID()
	seed := func(host, invited int, state consult.State, recording bool) []byte {
		c := consult.Consultation{ID: room, Host: stations[host], Title: "会商", Invited: []app.ID{stations[invited]},
			State: state, Recording: recording, CreatedAt: time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)}
		b, _ := json.Marshal(c)
		return b
	}
	f.Add(uint8(0), uint8(1), seed(0, 1, consult.Live, false))
	f.Add(uint8(1), uint8(1), seed(1, 0, consult.Live, true))
	f.Add(uint8(1), uint8(2), seed(1, 2, consult.Ended, false))
	f.Add(uint8(2), uint8(0), seed(2, 1, consult.Scheduled, false))
	f.Add(uint8(0), uint8(1), []byte(`{"id":"not an id"}`))
	f.Add(uint8(0), uint8(1), []byte(`null`))

	s, err := New(Config{Network: rtcconf.Network{Loopback: true}, MaxRoomsPerHost: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	kinds := []string{consult.OpSchedule, consult.OpStart, consult.OpEnd}
	first := map[app.ID]app.ID{}
	f.Fuzz(func(t *testing.T, origin, kind uint8, payload []byte) {
		var entity app.ID
		var c consult.Consultation
		if json.Unmarshal(payload, &c) == nil {
			entity = c.ID
		}
		s.Observe(app.Operation{ID: app.NewID(), Origin: stations[int(origin)%len(stations)], Kind: kinds[int(kind)%len(kinds)],
			Entity: entity, Payload: payload})
		s.mu.Lock()
		defer s.mu.Unlock()
		for id, host := range s.hosts {
			if was, ok := first[id]; ok && was != host {
				t.Fatalf("room %s moved from host %s to %s", id, was, host)
			}
			first[id] = host
		}
		for id, inv := range s.invites {
			if inv.Host != first[id] {
				t.Fatalf("room %s is open with host %s, bound to %s", id, inv.Host, first[id])
			}
			if n := s.hostRoomsLocked(inv.Host); n > 2 {
				t.Fatalf("host %s has %d rooms open, over its limit of 2", inv.Host, n)
			}
		}
	})
}
