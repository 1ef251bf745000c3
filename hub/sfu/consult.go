package sfu

import (
	"dutyroom/app"
	"dutyroom/app/consult"
)

// ObservedKinds are the operation kinds Observe acts on, for the hub to
// replay at start (hub.Config.Replay): the rooms of consultations still
// live are open again after a restart, bound to the same hosts.
var ObservedKinds = []string{consult.OpSchedule, consult.OpStart, consult.OpEnd}

// Observe opens a consultation's room when its host's start operation is
// stored, inviting the host and the invited stations, and closes it at
// the end operation. Give it to the hub as hub.Config.Observe. The hub
// has checked that the operation comes from the station it names as
// origin; Observe checks that the origin is the consultation's host, so
// no other station can open or close someone else's room.
//
// A room is bound to the host of the first schedule or start of its
// consultation: a later start or end from another station, even one that
// names itself host in its payload, is refused and changes nothing, live
// and in the replay after a restart (the log holds the operations in the
// order they were stored, so the real host's comes first: no other
// station learns the consultation's id before the host sends it).
func (s *SFU) Observe(op app.Operation) {
	if op.Kind != consult.OpSchedule && op.Kind != consult.OpStart && op.Kind != consult.OpEnd {
		return
	}
	var c consult.Consultation
	if err := app.UnmarshalObject(op.Payload, &c); err != nil {
		s.log.Warn("a consultation operation with an unreadable payload; its room is left as it was", "op", op.ID, "err", err)
		return
	}
	if err := c.Validate(); err != nil {
		s.log.Warn("an invalid consultation; its room is left as it was", "op", op.ID, "err", app.ErrorMessage(err))
		return
	}
	if c.Host != op.Origin || c.ID != op.Entity {
		s.count(reasonNotHost)
		s.log.Warn("a consultation operation from a station that does not host it; refused", "op", op.ID, "kind", op.Kind, "station", op.Origin, "host", c.Host)
		return
	}
	s.mu.Lock()
	bound, ok := s.hosts[c.ID]
	if !ok {
		s.hosts[c.ID] = c.Host
	}
	s.mu.Unlock()
	if ok && bound != c.Host {
		s.count(reasonNotHost)
		s.log.Warn("a consultation operation naming another host than the one that started it; refused, the room is left as it was",
			"op", op.ID, "kind", op.Kind, "room", c.ID, "station", op.Origin, "host", bound)
		return
	}
	switch op.Kind {
	case consult.OpEnd:
		// The room is closed at once, so that the next start (in a
		// replay, the next line of the log) sees it gone; putting the
		// participants out waits for their peer connections to close:
		// not on the hub's writer, which must get on with the next commit.
		parts := s.closeRoom(c.ID)
		go func() {
			for _, p := range parts {
				p.leave("the consultation was closed", true)
			}
		}()
		s.log.Info("consultation ended: closing its room", "room", c.ID)
	case consult.OpStart:
		if err := s.Open(c.ID, Invitation{Title: c.Title, Stations: c.Stations(), Host: c.Host, Record: c.Recording}); err != nil {
			s.log.Warn("cannot open a consultation's room", "room", c.ID, "station", c.Host, "err", app.ErrorMessage(err))
			return
		}
		s.log.Info("consultation started: room open", "room", c.ID, "stations", len(c.Stations()), "recording", c.Recording)
	}
}
