package sfu

import (
	"dutyroom/app"
	"dutyroom/app/consult"
)

// ObservedKinds are the operation kinds Observe acts on, for the hub to
// replay at start (hub.Config.Replay): the rooms of consultations still
// live are open again after a restart.
var ObservedKinds = []string{consult.OpStart, consult.OpEnd}

// Observe opens a consultation's room when its host's start operation is
// stored, inviting the host and the invited stations, and closes it at
// the end operation. Give it to the hub as hub.Config.Observe. The hub
// has checked that the operation comes from the station it names as
// origin; Observe checks that the origin is the consultation's host, so
// no other station can open or close someone else's room.
func (s *SFU) Observe(op app.Operation) {
	if op.Kind != consult.OpStart && op.Kind != consult.OpEnd {
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
		s.log.Warn("a consultation operation from a station that does not host it; refused", "op", op.ID, "origin", op.Origin, "host", c.Host)
		return
	}
	if op.Kind == consult.OpEnd {
		// Closing waits for every peer connection to close: not on the
		// hub's writer, which must get on with the next commit.
		go s.Close(c.ID)
		s.log.Info("consultation ended: closing its room", "room", c.ID)
		return
	}
	if err := s.Open(c.ID, Invitation{Title: c.Title, Stations: c.Stations(), Host: c.Host, Record: c.Recording}); err != nil {
		s.log.Warn("cannot open a consultation's room", "room", c.ID, "err", app.ErrorMessage(err))
		return
	}
	s.log.Info("consultation started: room open", "room", c.ID, "stations", len(c.Stations()), "recording", c.Recording)
}
