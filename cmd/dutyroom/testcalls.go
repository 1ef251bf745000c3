package main

import (
	"context"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/rtc"
)

// The routine test caller itself is consult.TestCaller; the window's
// media engine lends itself to it here.

var _ consult.TestMedia = (*roomMedia)(nil)

// ClaimForTest implements consult.TestMedia.
func (m *roomMedia) ClaimForTest(sink consult.Sink) (consult.TestSeat, bool) {
	eng, ok := m.claimForTest(sink)
	if !ok {
		return nil, false
	}
	return testSeat{m: m, eng: eng}, true
}

// testSeat is the engine while a routine test call holds it.
type testSeat struct {
	m   *roomMedia
	eng *rtc.Engine
}

func (s testSeat) Join(ctx context.Context, id app.ID) error { return s.eng.Join(ctx, id) }
func (s testSeat) Leave() error                              { return s.eng.Leave() }
func (s testSeat) Release()                                  { s.m.release() }
