package hub

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
)

// The tests of this file write IVF and Ogg files with the writers the SFU
// records with, remux them, and read the WebM back element by element.

// testIVF is an IVF file as the SFU writes it: frames VP8 frames of a
// width×height picture at 15 a second, a key frame every 15.
func testIVF(t testing.TB, frames, width, height int) []byte {
	var buf bytes.Buffer
	w, err := ivfwriter.NewWith(&buf, ivfwriter.WithCodec(webrtc.MimeTypeVP8), ivfwriter.WithFrameRate(1, 90000), ivfwriter.WithDirectPTS())
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		var frame []byte
		if i%15 == 0 {
			// A key frame's tag, start code and size (RFC 6386, 9.1).
			frame = []byte{0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, byte(width), byte(width >> 8), byte(height), byte(height >> 8)}
		} else {
			frame = []byte{0x51, 0x02, 0x00}
		}
		frame = append(frame, bytes.Repeat([]byte{byte(i)}, 200+i%7)...)
		payload := append([]byte{0x10}, frame...) // VP8 descriptor: start of a partition
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(i), Timestamp: uint32(1000 + i*6000), Marker: true}, Payload: payload}
		if err := w.WriteRTP(pkt); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testOgg is an Ogg Opus file as the SFU writes it: packets of 20 ms.
func testOgg(t testing.TB, packets int) []byte {
	var buf bytes.Buffer
	w, err := oggwriter.NewWith(&buf, 48000, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range packets {
		payload := append([]byte{0xFC}, bytes.Repeat([]byte{byte(i)}, 60)...) // CELT 20 ms, stereo, one frame
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: payload}
		if err := w.WriteRTP(pkt); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// mkvElement is one element read back.
type mkvElement struct {
	id       uint32
	off      int64 // of the element's id
	dataOff  int64
	data     []byte
	children []mkvElement
}

// readVint reads an EBML variable-length number; id keeps the length marker.
func readVint(b []byte, keepMarker bool) (uint64, int, error) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, fmt.Errorf("bad vint")
	}
	l := 1
	for b[0]&(0x80>>(l-1)) == 0 {
		l++
	}
	if len(b) < l {
		return 0, 0, fmt.Errorf("vint cut short")
	}
	v := uint64(b[0])
	if !keepMarker {
		v &= uint64(0xff >> l)
	}
	for i := 1; i < l; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, l, nil
}

var mkvMasters = map[uint32]bool{ebmlHeader: true, mkvSegment: true, mkvSeekHead: true, mkvSeek: true, mkvInfo: true,
	mkvTracks: true, mkvTrackEntry: true, mkvVideo: true, mkvAudio: true, mkvCues: true, mkvCuePoint: true,
	mkvCueTrackPos: true, mkvCluster: true}

// parseMKV reads the elements of b, which starts at offset base.
func parseMKV(b []byte, base int64) ([]mkvElement, error) {
	var out []mkvElement
	for pos := 0; pos < len(b); {
		id, il, err := readVint(b[pos:], true)
		if err != nil {
			return nil, fmt.Errorf("id at %d: %w", base+int64(pos), err)
		}
		size, sl, err := readVint(b[pos+il:], false)
		if err != nil {
			return nil, fmt.Errorf("size at %d: %w", base+int64(pos+il), err)
		}
		start := pos + il + sl
		if uint64(len(b)-start) < size {
			return nil, fmt.Errorf("element %x at %d: %d bytes, %d left", id, base+int64(pos), size, len(b)-start)
		}
		e := mkvElement{id: uint32(id), off: base + int64(pos), dataOff: base + int64(start), data: b[start : start+int(size)]}
		if mkvMasters[e.id] {
			if e.children, err = parseMKV(e.data, e.dataOff); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
		pos = start + int(size)
	}
	return out, nil
}

func (e mkvElement) child(id uint32) *mkvElement {
	for i := range e.children {
		if e.children[i].id == id {
			return &e.children[i]
		}
	}
	return nil
}

func (e mkvElement) uint() uint64 {
	var v uint64
	for _, c := range e.data {
		v = v<<8 | uint64(c)
	}
	return v
}

// webmSummary is what a WebM file says of itself, read back.
type webmSummary struct {
	docType       string
	width, height uint64
	codecs        []string
	blocks        map[uint64]int // SimpleBlocks by track
	keyBlocks     int
	duration      float64
	cues          int
	lastBlockAt   int64
}

func readWebM(t *testing.T, b []byte) webmSummary {
	t.Helper()
	top, err := parseMKV(b, 0)
	if err != nil {
		t.Fatalf("the WebM does not parse: %v", err)
	}
	if len(top) != 2 || top[0].id != ebmlHeader || top[1].id != mkvSegment {
		t.Fatalf("top level: want the EBML header and one segment, got %d elements", len(top))
	}
	s := webmSummary{docType: string(top[0].child(ebmlDocType).data), blocks: map[uint64]int{}}
	seg := top[1]
	info := seg.child(mkvInfo)
	if info == nil || seg.child(mkvTracks) == nil || seg.child(mkvCues) == nil || seg.child(mkvSeekHead) == nil {
		t.Fatal("the segment lacks its seek head, info, tracks or cues")
	}
	s.duration = math.Float64frombits(binary.BigEndian.Uint64(info.child(mkvDuration).data))
	// The seek head points at the elements it names.
	for _, seek := range seg.child(mkvSeekHead).children {
		id := uint32(seek.child(mkvSeekID).uint())
		pos := int64(seek.child(mkvSeekPosition).uint()) + seg.dataOff
		if c := seg.child(id); c == nil || c.off != pos {
			t.Errorf("the seek head puts %x at %d", id, pos)
		}
	}
	for _, te := range seg.child(mkvTracks).children {
		s.codecs = append(s.codecs, string(te.child(mkvCodecID).data))
		if v := te.child(mkvVideo); v != nil {
			s.width, s.height = v.child(mkvPixelWidth).uint(), v.child(mkvPixelHeight).uint()
		}
	}
	clusters := map[int64]bool{}
	for _, c := range seg.children {
		if c.id != mkvCluster {
			continue
		}
		clusters[c.off-seg.dataOff] = true
		tc := int64(c.child(mkvTimecode).uint())
		for _, blk := range c.children {
			if blk.id != mkvSimpleBlock {
				continue
			}
			track, l, err := readVint(blk.data, false)
			if err != nil {
				t.Fatal(err)
			}
			s.blocks[track]++
			if blk.data[l+2]&0x80 != 0 && track == 1 {
				s.keyBlocks++
			}
			at := tc + int64(int16(binary.BigEndian.Uint16(blk.data[l:])))
			if at < s.lastBlockAt {
				t.Errorf("a block at %d ms after one at %d", at, s.lastBlockAt)
			}
			s.lastBlockAt = at
		}
	}
	for _, cp := range seg.child(mkvCues).children {
		pos := int64(cp.child(mkvCueTrackPos).child(mkvCueClusterPos).uint())
		if !clusters[pos] {
			t.Errorf("a cue points at %d, where no cluster starts", pos)
		}
		s.cues++
	}
	return s
}

func TestRemuxWritesAWebMWithEveryFrameOfTheIVFAndTheOpus(t *testing.T) {
	ivf, ogg := testIVF(t, 90, 640, 480), testOgg(t, 300)
	v, err := readIVF(bytes.NewReader(ivf))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.frames) != 90 || v.width != 640 || v.height != 480 {
		t.Fatalf("the IVF reads as %d frames of %d×%d", len(v.frames), v.width, v.height)
	}
	a, err := readOggOpus(bytes.NewReader(ogg))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.frames) != 300 || a.channels != 2 {
		t.Fatalf("the Ogg reads as %d packets of %d channels", len(a.frames), a.channels)
	}
	var out bytes.Buffer
	n, err := writeWebM(&out, v, bytes.NewReader(ivf), a, bytes.NewReader(ogg), 0)
	if err != nil || n != 90 {
		t.Fatalf("remux: %d frames, %v", n, err)
	}
	s := readWebM(t, out.Bytes())
	if s.docType != "webm" || s.width != 640 || s.height != 480 || len(s.codecs) != 2 || s.codecs[0] != "V_VP8" || s.codecs[1] != "A_OPUS" {
		t.Fatalf("the WebM says %+v", s)
	}
	if s.blocks[1] != 90 || s.blocks[2] != 300 || s.keyBlocks != 6 {
		t.Fatalf("the WebM holds %d video blocks (%d key), %d audio, want 90 (6), 300", s.blocks[1], s.keyBlocks, s.blocks[2])
	}
	// 90 frames at 15 a second: 6 s.
	if s.duration < 5900 || s.duration > 6100 || s.cues == 0 {
		t.Fatalf("duration %.0f ms, %d cues", s.duration, s.cues)
	}
}

func TestRemuxShiftsTheAudioByTheStartTimes(t *testing.T) {
	ivf, ogg := testIVF(t, 30, 320, 240), testOgg(t, 100)
	v, _ := readIVF(bytes.NewReader(ivf))
	a, _ := readOggOpus(bytes.NewReader(ogg))
	var out bytes.Buffer
	// The sound file began 500 ms before the picture's: its first 25
	// packets are before the picture and are left out.
	if _, err := writeWebM(&out, v, bytes.NewReader(ivf), a, bytes.NewReader(ogg), -500); err != nil {
		t.Fatal(err)
	}
	if s := readWebM(t, out.Bytes()); s.blocks[2] != 75 || s.blocks[1] != 30 {
		t.Fatalf("%d audio blocks, %d video, want 75 and 30", s.blocks[2], s.blocks[1])
	}
}

func TestRemuxOfSoundAlone(t *testing.T) {
	ogg := testOgg(t, 400)
	a, _ := readOggOpus(bytes.NewReader(ogg))
	var out bytes.Buffer
	if _, err := writeWebM(&out, nil, nil, a, bytes.NewReader(ogg), 0); err != nil {
		t.Fatal(err)
	}
	s := readWebM(t, out.Bytes())
	if len(s.codecs) != 1 || s.codecs[0] != "A_OPUS" || s.blocks[1] != 400 || s.cues < 2 {
		t.Fatalf("sound alone: %+v", s)
	}
}

func TestDamagedRecordingsAreErrors(t *testing.T) {
	ivf, ogg := testIVF(t, 20, 320, 240), testOgg(t, 20)
	for name, b := range map[string][]byte{
		"empty":          nil,
		"no signature":   append([]byte("XXXX"), ivf[4:]...),
		"huge frame":     append(append([]byte(nil), ivf[:32]...), 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0),
		"zero time base": append(append(append([]byte(nil), ivf[:16]...), 0, 0, 0, 0), ivf[20:]...),
	} {
		if _, err := readIVF(bytes.NewReader(b)); err == nil {
			t.Errorf("IVF %s: read without an error", name)
		}
	}
	// Cut short: the frames before the cut are kept.
	if v, err := readIVF(bytes.NewReader(ivf[:len(ivf)-50])); err != nil || len(v.frames) != 19 {
		t.Errorf("IVF cut short: %v", err)
	}
	for name, b := range map[string][]byte{
		"empty":        nil,
		"no capture":   append([]byte("XggS"), ogg[4:]...),
		"not opus":     bytes.Replace(ogg, []byte("OpusHead"), []byte("Vorbis!!"), 1),
		"only a page":  ogg[:20],
		"bad TOC code": bytes.Replace(ogg, []byte{0xFC, 0, 0, 0}, []byte{0xFF, 0, 0, 0}, 1),
	} {
		if _, err := readOggOpus(bytes.NewReader(b)); err == nil {
			t.Errorf("Ogg %s: read without an error", name)
		}
	}
}

// A damaged file gives an error, never a panic, and what reads is remuxed
// without one.
func FuzzReadIVF(f *testing.F) {
	f.Add(testIVF(f, 20, 320, 240))
	f.Add([]byte("DKIF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := readIVF(bytes.NewReader(b))
		if err != nil {
			return
		}
		if _, err := writeWebM(io.Discard, v, bytes.NewReader(b), nil, nil, 0); err != nil {
			return
		}
	})
}

func FuzzReadOggOpus(f *testing.F) {
	f.Add(testOgg(f, 20))
	f.Add([]byte("OggS"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := readOggOpus(bytes.NewReader(b))
		if err != nil {
			return
		}
		if _, err := writeWebM(io.Discard, nil, nil, a, bytes.NewReader(b), 0); err != nil {
			return
		}
	})
}
