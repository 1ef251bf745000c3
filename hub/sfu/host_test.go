package sfu

import (
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
)

// An invited station re-sent consult.start naming itself host, then
// switched recording on and ended the meeting. The room stays bound to
// the host of its first start: live, and after a restart that replays the
// log. The hub refuses the forged operations at push (its rule table binds
// a consultation to its first host); given to the SFU straight, as a hub
// that had stored them would replay them, they change nothing either.
func TestForgedStartDoesNotMoveTheRoomsHost(t *testing.T) {
	h := startHub(t, Config{Recordings: t.TempDir()})
	p, c1 := h.dial("p"), h.dial("c1")
	c := h.consultation("p", "c1", "c2")
	h.startConsultation(p, "p", 1, c)

	// c1 sends the consultation again as its own, inviting t1, then ends it.
	forged := c
	forged.Host = h.st["c1"].ID
	forged.Invited = []app.ID{h.st["p"].ID, h.st["t1"].ID}
	refusedAtPush := func(seq uint64, kind string, fc consult.Consultation) {
		t.Helper()
		env := h.pushConsult(c1, "c1", seq, kind, fc)
		if env.Type != wire.TypeError || wire.DecodeError(env).Code != wire.CodeForbidden {
			t.Fatalf("the hub took the forged %s: %s %s", kind, env.Type, env.Data)
		}
		for env.Type != wire.TypeAck {
			env = c1.next()
		}
	}
	refusedAtPush(1, consult.OpStart, forged)
	forgedEnd := forged
	forgedEnd.State = consult.Ended
	forgedEnd.EndedAt = time.Now().UTC()
	refusedAtPush(2, consult.OpEnd, forgedEnd)

	check := func(when string, c1 *client) {
		t.Helper()
		h.sfu.mu.Lock()
		inv, open := h.sfu.invites[c.ID]
		h.sfu.mu.Unlock()
		if !open || inv.Host != h.st["p"].ID {
			t.Fatalf("%s: the room is open %v with host %s, want the host of the first start %s", when, open, inv.Host, h.st["p"].ID)
		}
		t1 := h.dial("t1")
		t1.send(wire.TypeRoomJoin, "rtc.join", wire.RoomJoin{Room: c.ID})
		t1.refused(wire.CodeForbidden, "not invited")
		t1.close()
		c1.join(c.ID)
		c1.send(wire.TypeRoomRecord, "rtc.record", wire.RoomRecord{Room: c.ID, On: true})
		c1.refused(wire.CodeForbidden, "not its host")
		// The honest host records, and c2 joins as it was invited to.
		host := h.dial("p")
		host.join(c.ID)
		host.send(wire.TypeRoomRecord, "rtc.record", wire.RoomRecord{Room: c.ID, On: true})
		var r wire.RoomRecording
		if err := json.Unmarshal(host.expect(wire.TypeRoomRecording).Data, &r); err != nil || !r.On || r.Station != h.st["p"].ID {
			t.Fatalf("%s: the host switching recording on: %+v %v", when, r, err)
		}
		host.send(wire.TypeRoomRecord, "rtc.record", wire.RoomRecord{Room: c.ID, On: false})
		host.expect(wire.TypeRoomRecording)
		h.dial("c2").join(c.ID)
		h.healthy()
	}
	check("live", c1)

	h.restart()
	check("after a restart", h.dial("c1"))

	// Given straight to the SFU, as a hub that stored them would replay
	// them, the forged operations change nothing either.
	for _, op := range []struct {
		kind string
		c    consult.Consultation
	}{{consult.OpStart, forged}, {consult.OpEnd, forgedEnd}} {
		payload, err := json.Marshal(op.c)
		if err != nil {
			t.Fatal(err)
		}
		h.sfu.Observe(app.Operation{ID: app.NewID(), Origin: h.st["c1"].ID, Seq: 9, Kind: op.kind, Entity: c.ID, Payload: payload})
	}
	check("after the forged operations again", h.dial("c1"))
	h.metricAtLeast(reasonNotHost, 2)

	// The real host ends it.
	ended := c
	ended.State = consult.Ended
	ended.EndedAt = time.Now().UTC()
	h.pushConsult(h.dial("p"), "p", 2, consult.OpEnd, ended)
	waitFor(t, "the room to close", func() bool { return h.sfu.Stats().OpenRooms == 0 })
}
