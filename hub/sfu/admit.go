package sfu

import (
	"dutyroom/app"
	"dutyroom/hub"
)

var _ hub.RoomAdmitter = (*SFU)(nil)

// Admits reports whether an open room's invitation admits the account or
// its station: the hub asks before it issues a join link for a browser.
func (s *SFU) Admits(room app.ID, user string, station app.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.invites[room]
	return ok && !s.stopped && inv.admits(hub.SignalPeer{User: user, Station: station})
}
