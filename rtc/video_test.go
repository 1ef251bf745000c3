package rtc

import (
	"testing"

	"github.com/pion/rtp"
)

// vp8Packet builds an RTP packet of a VP8 frame: start marks the first
// packet (S=1, partition 0), marker the last.
func vp8Packet(seq uint16, ts uint32, start, marker bool, body ...byte) *rtp.Packet {
	desc := byte(0)
	if start {
		desc = 0x10
	}
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: ts, Marker: marker}, Payload: append([]byte{desc}, body...)}
}

func TestAssemblerJoinsPacketsAtTheMarker(t *testing.T) {
	var a assembler
	if f, lost := a.push(vp8Packet(10, 900, true, false, 1, 2)); f != nil || lost {
		t.Fatal("a frame before its marker")
	}
	if f, _ := a.push(vp8Packet(11, 900, false, false, 3)); f != nil {
		t.Fatal("a frame before its marker")
	}
	f, lost := a.push(vp8Packet(12, 900, false, true, 4))
	if lost || string(f) != string([]byte{1, 2, 3, 4}) {
		t.Fatalf("frame %v lost %v", f, lost)
	}
	// A single-packet frame.
	if f, lost := a.push(vp8Packet(13, 1800, true, true, 9)); lost || len(f) != 1 || f[0] != 9 {
		t.Fatalf("frame %v lost %v", f, lost)
	}
}

func TestAssemblerDropsAFrameWithAGap(t *testing.T) {
	var a assembler
	a.push(vp8Packet(1, 100, true, false, 1))
	// Packet 2 is lost.
	if f, lost := a.push(vp8Packet(3, 100, false, true, 3)); f != nil || !lost {
		t.Fatalf("a frame missing a packet came out: %v, lost %v", f, lost)
	}
	// The next frame is whole again.
	if f, lost := a.push(vp8Packet(4, 200, true, true, 4)); f == nil || lost {
		t.Fatalf("the next frame: %v lost %v", f, lost)
	}
	// The marker packet of a frame is lost: the next start says so.
	a.push(vp8Packet(5, 300, true, false, 5))
	if f, lost := a.push(vp8Packet(7, 400, true, true, 7)); f == nil || !lost {
		t.Fatalf("after a lost marker: %v lost %v", f, lost)
	}
	// A late retransmission of an old packet changes nothing.
	if f, lost := a.push(vp8Packet(6, 300, false, true, 6)); f != nil || lost {
		t.Fatalf("a late packet: %v lost %v", f, lost)
	}
	// Sequence numbers wrap.
	a = assembler{}
	a.push(vp8Packet(65535, 500, true, false, 1))
	if f, lost := a.push(vp8Packet(0, 500, false, true, 2)); f == nil || lost {
		t.Fatalf("across the wrap: %v lost %v", f, lost)
	}
}

func TestKeyFrameTag(t *testing.T) {
	if !isKeyFrame([]byte{0x10, 0x02}) || isKeyFrame([]byte{0x11}) || isKeyFrame(nil) {
		t.Fatal("the frame tag's key bit is read wrong")
	}
}
