package sfu

import (
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/rtc/rtcconf"
)

// stuckSink is a disk that does not answer until released, or that fails
// every write.
type stuckSink struct {
	release chan struct{}
	fail    error
	written atomic.Int64
}

func (s *stuckSink) WriteRTP(*rtp.Packet) error {
	if s.fail != nil {
		return s.fail
	}
	<-s.release
	s.written.Add(1)
	return nil
}

func (s *stuckSink) Close() error { return nil }

func recordingSFU(t *testing.T, sink recordSink) (*SFU, *roomRec, *forward) {
	t.Helper()
	old := openSink
	openSink = func(string, webrtc.RTPCodecParameters) (recordSink, error) { return sink, nil }
	t.Cleanup(func() { openSink = old })
	s, err := New(Config{Recordings: t.TempDir(), RecordBuffer: 16, Network: rtcconf.Network{Loopback: true},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	room := app.NewID()
	rr := s.newRoomRec(room, Invitation{Host: app.NewID(), Record: true})
	p := &participant{s: s, info: wire.Participant{ID: "a1", User: "jishou", Station: app.NewID()}}
	f := &forward{owner: p, kind: webrtc.RTPCodecTypeAudio, codec: webrtc.RTPCodecParameters{RTPCodecCapability: rtcconf.Opus.RTPCodecCapability}}
	s.mu.Lock()
	s.startFileLocked(rr, f)
	s.mu.Unlock()
	return s, rr, f
}

// A disk that stops answering fills the file's buffer; from then on the
// forwarding loop's hand-over drops packets, counted, and returns at once
// (were it to wait, this test would never finish).
func TestRecordingDropsWhenTheDiskIsBehind(t *testing.T) {
	sink := &stuckSink{release: make(chan struct{})}
	s, rr, f := recordingSFU(t, sink)
	const sent = 5000
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2}, Payload: []byte{0xf8, 0xff, 0xfe}}
	tf := f.rec.Load()
	for range sent {
		tf.offer(s, pkt)
	}
	dropped := s.Stats().RecordDrops
	// The buffer holds 16 and the writer one more, stuck in the disk.
	if dropped < sent-17 || dropped > sent-16 {
		t.Fatalf("%d of %d packets dropped with a buffer of 16", dropped, sent)
	}
	close(sink.release)
	s.mu.Lock()
	stopFileLocked(f)
	s.mu.Unlock()
	<-tf.done
	s.mu.Lock()
	info := rr.list().Files[0]
	s.mu.Unlock()
	if info.Dropped != dropped || info.End.IsZero() || info.Error != "" || sink.written.Load() != sent-dropped {
		t.Fatalf("the file after the disk came back: %+v, %d written", info, sink.written.Load())
	}
}

// A disk error stops the file, not the hand-over: the error is on the
// file's entry and counted, and the rest of the span is drained.
func TestRecordingDiskErrorIsReported(t *testing.T) {
	sink := &stuckSink{fail: errors.New("no space left on device")}
	s, rr, f := recordingSFU(t, sink)
	tf := f.rec.Load()
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2}, Payload: []byte{0xf8, 0xff, 0xfe}}
	for range 100 {
		tf.offer(s, pkt)
	}
	s.mu.Lock()
	stopFileLocked(f)
	s.mu.Unlock()
	<-tf.done
	s.mu.Lock()
	info := rr.list().Files[0]
	s.mu.Unlock()
	if info.Error == "" || info.End.IsZero() || s.Stats().RecordErrors != 1 {
		t.Fatalf("after a disk error: %+v, %+v", info, s.Stats())
	}
	if info.Name != "jishou-audio-1.ogg" {
		t.Fatalf("file name %q", info.Name)
	}
}
