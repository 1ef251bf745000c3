package sfu

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"dutyroom/rtc/rtcconf"
)

// A key-frame request within the gap waits for the gap to end instead of
// being dropped; the requests meanwhile ride on it; a newcomer's first
// request brings it forward to the shorter gap.
func TestKeyFrameRequestWithinTheGapWaits(t *testing.T) {
	// Gaps long enough that a stalled test machine does not end one between
	// two statements.
	const gap, first = time.Second, 400 * time.Millisecond
	s, err := New(Config{Network: rtcconf.Network{Loopback: true}, KeyFrameGap: gap, FirstKeyFrameGap: first})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	f := &forward{owner: &participant{pc: pc}, kind: webrtc.RTPCodecTypeVideo}
	state := func() (last time.Time, waiting bool, due time.Time) {
		f.keyMu.Lock()
		defer f.keyMu.Unlock()
		return f.lastKey, f.keyWait != nil, f.keyDue
	}
	sentAfter := func(t0 time.Time) time.Time {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if last, _, _ := state(); last.After(t0) {
				return last
			}
			if time.Now().After(deadline) {
				t.Fatal("a request within the gap was never sent")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	f.requestKeyFrame(s, false)
	t1, waiting, _ := state()
	if t1.IsZero() || waiting {
		t.Fatalf("the first request was not sent at once (sent %v, waiting %v)", t1, waiting)
	}
	f.requestKeyFrame(s, false)
	f.requestKeyFrame(s, false)
	if last, waiting, due := state(); !last.Equal(t1) || !waiting || !due.Equal(t1.Add(gap)) {
		t.Fatalf("requests within the gap: sent %v (first %v), waiting %v until %v; want one waiting until %v", last, t1, waiting, due, t1.Add(gap))
	}
	t2 := sentAfter(t1)
	if t2.Sub(t1) < gap {
		t.Fatalf("the waiting request went %v after the last, inside the %v gap", t2.Sub(t1), gap)
	}
	if _, waiting, _ := state(); waiting {
		t.Fatal("two requests within one gap made two key frames")
	}

	f.requestKeyFrame(s, false)
	f.requestKeyFrame(s, true)
	if _, waiting, due := state(); !waiting || !due.Equal(t2.Add(first)) {
		t.Fatalf("a newcomer's request: waiting %v until %v; want until %v", waiting, due, t2.Add(first))
	}
	if t3 := sentAfter(t2); t3.Sub(t2) < first {
		t.Fatalf("the newcomer's request went %v after the last, inside the %v gap", t3.Sub(t2), first)
	}
}
