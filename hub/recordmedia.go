package hub

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// Browsers play WebM, not the IVF and Ogg files the SFU records. A
// recording is remuxed on the hub into one WebM file per participant and
// span: the VP8 frames of the IVF file and the Opus packets of the Ogg
// file recorded beside it, aligned by the files' start times. Nothing is
// decoded or encoded again: the frames are copied as they are.
//
// The readers below read files the hub wrote itself, but a file cut short
// by a crash, or damaged on the disk, must give an error, never a panic
// or an allocation the size of a garbage length field.

// mediaFrame is one frame of a recorded file: where its bytes are in the
// file and when it plays, in milliseconds from the file's first frame.
type mediaFrame struct {
	at   int64 // ms
	off  int64 // offset of the frame's data in its file
	size int
	key  bool
}

// maxMediaFrame bounds one frame or packet: a VP8 frame of a 1080p key
// frame is far below it, and a damaged length field above it is an error.
const maxMediaFrame = 4 << 20

// maxMediaFrames bounds the frames of one file (a day at 30 frames a
// second, or of 20 ms audio packets at 50 a second): the index of a
// damaged file cannot grow without bound.
const maxMediaFrames = 5_000_000

// ivfVideo is what the remux needs of an IVF file.
type ivfVideo struct {
	fourcc        string
	width, height int // from the first key frame; 0 when it has none
	frames        []mediaFrame
}

// readIVF indexes an IVF file: each frame's place and time, and the
// picture size of the first VP8 key frame.
func readIVF(r io.Reader) (*ivfVideo, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	hdr := make([]byte, 32)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, fmt.Errorf("IVF header: %w", err)
	}
	if string(hdr[0:4]) != "DKIF" {
		return nil, errors.New("not an IVF file: no DKIF signature")
	}
	hlen := int(binary.LittleEndian.Uint16(hdr[6:8]))
	if hlen < 32 || hlen > 1024 {
		return nil, fmt.Errorf("IVF header length %d", hlen)
	}
	if _, err := br.Discard(hlen - 32); err != nil {
		return nil, fmt.Errorf("IVF header: %w", err)
	}
	v := &ivfVideo{fourcc: string(hdr[8:12])}
	den := uint64(binary.LittleEndian.Uint32(hdr[16:20]))
	num := uint64(binary.LittleEndian.Uint32(hdr[20:24]))
	if den == 0 || num == 0 {
		return nil, fmt.Errorf("IVF time base %d/%d", num, den)
	}
	off := int64(hlen)
	fh := make([]byte, 12)
	head := make([]byte, 10)
	for {
		if _, err := io.ReadFull(br, fh); err != nil {
			if err == io.EOF {
				return v, nil
			}
			// A frame header cut short: the file ends with the frames
			// before it, as a player would read it.
			if errors.Is(err, io.ErrUnexpectedEOF) && len(v.frames) > 0 {
				return v, nil
			}
			return nil, fmt.Errorf("IVF frame header: %w", err)
		}
		size := int(binary.LittleEndian.Uint32(fh[0:4]))
		pts := binary.LittleEndian.Uint64(fh[4:12])
		if size == 0 || size > maxMediaFrame {
			return nil, fmt.Errorf("IVF frame %d: size %d", len(v.frames), size)
		}
		if len(v.frames) >= maxMediaFrames {
			return nil, fmt.Errorf("IVF file with more than %d frames", maxMediaFrames)
		}
		n, err := io.ReadFull(br, head[:min(size, len(head))])
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
				return v, nil // the last frame cut short is left out
			}
			return nil, err
		}
		if _, err := br.Discard(size - n); err != nil {
			return v, nil // cut short too
		}
		if pts > math.MaxInt64/1000/num {
			return nil, fmt.Errorf("IVF frame %d: time %d out of range", len(v.frames), pts)
		}
		f := mediaFrame{at: int64(pts * 1000 * num / den), off: off + 12, size: size}
		if v.fourcc == "VP80" && n >= 3 {
			f.key = head[0]&1 == 0
			if f.key && v.width == 0 && n >= 10 && head[3] == 0x9d && head[4] == 0x01 && head[5] == 0x2a {
				v.width = int(binary.LittleEndian.Uint16(head[6:8]) & 0x3fff)
				v.height = int(binary.LittleEndian.Uint16(head[8:10]) & 0x3fff)
			}
		}
		v.frames = append(v.frames, f)
		off += 12 + int64(size)
	}
}

// oggOpus is what the remux needs of an Ogg Opus file.
type oggOpus struct {
	head     []byte // the OpusHead packet, the WebM track's CodecPrivate
	channels int
	preskip  int
	frames   []mediaFrame
}

// readOggOpus indexes the Opus packets of an Ogg file of one logical
// stream (as the SFU writes them): each packet's place and its time, the
// sum of the durations of the packets before it. A packet spanning pages
// is not written by the SFU and is refused.
func readOggOpus(r io.Reader) (*oggOpus, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	o := &oggOpus{}
	var off int64
	var samples int64
	hdr := make([]byte, 27)
	seg := make([]byte, 255)
	npackets := 0
	for {
		if _, err := io.ReadFull(br, hdr); err != nil {
			if err == io.EOF && o.head != nil {
				return o, nil
			}
			if errors.Is(err, io.ErrUnexpectedEOF) && len(o.frames) > 0 {
				return o, nil
			}
			return nil, fmt.Errorf("Ogg page header: %w", err)
		}
		if string(hdr[0:4]) != "OggS" || hdr[4] != 0 {
			return nil, fmt.Errorf("Ogg page at %d: no OggS capture pattern", off)
		}
		nseg := int(hdr[26])
		if _, err := io.ReadFull(br, seg[:nseg]); err != nil {
			if len(o.frames) > 0 {
				return o, nil
			}
			return nil, fmt.Errorf("Ogg segment table: %w", err)
		}
		off += 27 + int64(nseg)
		// Packets: runs of 255 lacing values end with one below 255.
		var sizes []int
		cur := 0
		for i := range nseg {
			cur += int(seg[i])
			if seg[i] < 255 {
				sizes = append(sizes, cur)
				cur = 0
			}
		}
		if cur != 0 {
			return nil, fmt.Errorf("Ogg page at %d: a packet continues on the next page", off)
		}
		if hdr[5]&1 != 0 {
			return nil, fmt.Errorf("Ogg page at %d: continues a packet", off)
		}
		for _, size := range sizes {
			pkt := make([]byte, min(size, 32))
			n, err := io.ReadFull(br, pkt)
			if err == nil {
				_, err = br.Discard(size - n)
			}
			if err != nil {
				if len(o.frames) > 0 {
					return o, nil // the last page cut short is left out
				}
				return nil, fmt.Errorf("Ogg packet: %w", err)
			}
			switch npackets {
			case 0:
				if n < 19 || string(pkt[0:8]) != "OpusHead" {
					return nil, errors.New("not an Ogg Opus file: the first packet is no OpusHead")
				}
				if size > 255 {
					return nil, fmt.Errorf("OpusHead of %d bytes", size)
				}
				o.channels = int(pkt[9])
				o.preskip = int(binary.LittleEndian.Uint16(pkt[10:12]))
				if o.channels == 0 {
					return nil, errors.New("OpusHead with no channels")
				}
				// The whole head is the CodecPrivate: read it again
				// below if it was longer than the first bytes.
				o.head = append([]byte(nil), pkt[:n]...)
				if size > n {
					return nil, fmt.Errorf("OpusHead of %d bytes with a channel mapping table is not recorded by this hub", size)
				}
			case 1:
				if n < 8 || string(pkt[0:8]) != "OpusTags" {
					return nil, errors.New("Ogg Opus file: the second packet is no OpusTags")
				}
			default:
				if size == 0 {
					break
				}
				d, err := opusSamples(pkt[:n])
				if err != nil {
					return nil, fmt.Errorf("Opus packet %d: %w", len(o.frames), err)
				}
				if len(o.frames) >= maxMediaFrames {
					return nil, fmt.Errorf("Ogg file with more than %d packets", maxMediaFrames)
				}
				o.frames = append(o.frames, mediaFrame{at: samples / 48, off: off, size: size, key: true})
				samples += int64(d)
			}
			npackets++
			off += int64(size)
		}
	}
}

// opusSamples is the duration of an Opus packet at 48 kHz, from its TOC
// byte (RFC 6716, 3.1).
func opusSamples(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, errors.New("empty packet")
	}
	toc := p[0]
	config := int(toc >> 3)
	var per int
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		per = []int{480, 960, 1920, 2880}[config%4]
	case config < 16: // hybrid: 10, 20 ms
		per = []int{480, 960}[config%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		per = []int{120, 240, 480, 960}[config%4]
	}
	frames := 1
	switch toc & 3 {
	case 1, 2:
		frames = 2
	case 3:
		if len(p) < 2 || p[1]&0x3f == 0 {
			return 0, errors.New("code 3 packet without a frame count")
		}
		frames = int(p[1] & 0x3f)
	}
	if per*frames > 5760 { // 120 ms, the most a packet holds
		return 0, fmt.Errorf("a packet of %d samples", per*frames)
	}
	return per * frames, nil
}

// ---- WebM ----

// Matroska element ids used here.
const (
	ebmlHeader          = 0x1A45DFA3
	ebmlVersion         = 0x4286
	ebmlReadVersion     = 0x42F7
	ebmlMaxIDLength     = 0x42F2
	ebmlMaxSizeLength   = 0x42F3
	ebmlDocType         = 0x4282
	ebmlDocTypeVersion  = 0x4287
	ebmlDocTypeReadVers = 0x4285
	mkvSegment          = 0x18538067
	mkvSeekHead         = 0x114D9B74
	mkvSeek             = 0x4DBB
	mkvSeekID           = 0x53AB
	mkvSeekPosition     = 0x53AC
	mkvInfo             = 0x1549A966
	mkvTimecodeScale    = 0x2AD7B1
	mkvMuxingApp        = 0x4D80
	mkvWritingApp       = 0x5741
	mkvDuration         = 0x4489
	mkvTracks           = 0x1654AE6B
	mkvTrackEntry       = 0xAE
	mkvTrackNumber      = 0xD7
	mkvTrackUID         = 0x73C5
	mkvTrackType        = 0x83
	mkvFlagLacing       = 0x9C
	mkvCodecID          = 0x86
	mkvCodecPrivate     = 0x63A2
	mkvCodecDelay       = 0x56AA
	mkvSeekPreRoll      = 0x56BB
	mkvVideo            = 0xE0
	mkvPixelWidth       = 0xB0
	mkvPixelHeight      = 0xBA
	mkvAudio            = 0xE1
	mkvSamplingFreq     = 0xB5
	mkvChannels         = 0x9F
	mkvCues             = 0x1C53BB6B
	mkvCuePoint         = 0xBB
	mkvCueTime          = 0xB3
	mkvCueTrackPos      = 0xB7
	mkvCueTrack         = 0xF7
	mkvCueClusterPos    = 0xF1
	mkvCluster          = 0x1F43B675
	mkvTimecode         = 0xE7
	mkvSimpleBlock      = 0xA3
)

// ebml builds elements in memory: the header, the track list and the cue
// list are small.
type ebml struct{ bytes.Buffer }

func idBytes(id uint32) []byte {
	switch {
	case id >= 1<<24:
		return []byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	case id >= 1<<16:
		return []byte{byte(id >> 16), byte(id >> 8), byte(id)}
	case id >= 1<<8:
		return []byte{byte(id >> 8), byte(id)}
	}
	return []byte{byte(id)}
}

// vintLen is the length of the shortest size field for n.
func vintLen(n uint64) int {
	for l := 1; l < 8; l++ {
		if n < 1<<(7*l)-1 {
			return l
		}
	}
	return 8
}

func putVint(b *bytes.Buffer, n uint64, l int) {
	for i := l - 1; i >= 0; i-- {
		v := byte(n >> (8 * i))
		if i == l-1 {
			v |= 0x80 >> (l - 1)
		}
		b.WriteByte(v)
	}
}

func (e *ebml) element(id uint32, body []byte) {
	e.Write(idBytes(id))
	putVint(&e.Buffer, uint64(len(body)), vintLen(uint64(len(body))))
	e.Write(body)
}

func (e *ebml) uint(id uint32, v uint64) {
	n := 1
	for n < 8 && v>>(8*n) != 0 {
		n++
	}
	buf := make([]byte, n)
	for i := range n {
		buf[n-1-i] = byte(v >> (8 * i))
	}
	e.element(id, buf)
}

// uint8wide writes v in 8 bytes, so the element's size is known before v.
func (e *ebml) uint8wide(id uint32, v uint64) {
	e.element(id, binary.BigEndian.AppendUint64(nil, v))
}

func (e *ebml) float(id uint32, v float64) {
	e.element(id, binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
}

func (e *ebml) str(id uint32, s string) { e.element(id, []byte(s)) }

func (e *ebml) sub(id uint32, build func(*ebml)) {
	var in ebml
	build(&in)
	e.element(id, in.Bytes())
}

// elementSize is the length of an element of id with a body of n bytes.
func elementSize(id uint32, n int) int {
	return len(idBytes(id)) + vintLen(uint64(n)) + n
}

// muxTrack is one track of the WebM file: its frames come from src.
type muxTrack struct {
	number int
	src    io.ReaderAt
	frames []mediaFrame
	shift  int64 // ms added to each frame's time
}

type muxFrame struct {
	track *muxTrack
	f     mediaFrame
	at    int64
}

// cluster is a run of frames under one timecode.
type cluster struct {
	at     int64
	frames []muxFrame
	size   int // of the cluster's body
	cue    bool
}

// maxClusterSpan keeps block times within int16 milliseconds.
const maxClusterSpan = 30_000

// writeWebM writes a WebM file of video v (may be nil) from vsrc and
// audio a (may be nil) from asrc, the audio placed audioShift ms after
// the video's first frame. Every size is worked out before writing, so
// the file is written once, front to back, with its cues before the
// clusters: a browser seeks in it from the first bytes it reads.
func writeWebM(w io.Writer, v *ivfVideo, vsrc io.ReaderAt, a *oggOpus, asrc io.ReaderAt, audioShift int64) (frames int, err error) {
	var tracks []*muxTrack
	var vt, at *muxTrack
	if v != nil && len(v.frames) > 0 {
		if v.fourcc != "VP80" {
			return 0, fmt.Errorf("video in %q: only VP8 is remuxed", v.fourcc)
		}
		vt = &muxTrack{number: len(tracks) + 1, src: vsrc, frames: v.frames}
		tracks = append(tracks, vt)
	}
	if a != nil && len(a.frames) > 0 {
		at = &muxTrack{number: len(tracks) + 1, src: asrc, frames: a.frames, shift: audioShift}
		tracks = append(tracks, at)
	}
	if len(tracks) == 0 {
		return 0, errors.New("nothing recorded to play")
	}
	// Every frame in time order; video first at the same time. Audio
	// from before the video's first frame is left out.
	var all []muxFrame
	for _, t := range tracks {
		for _, f := range t.frames {
			if ts := f.at + t.shift; ts >= 0 {
				all = append(all, muxFrame{track: t, f: f, at: ts})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
	if len(all) == 0 {
		return 0, errors.New("nothing recorded to play")
	}
	// Clusters start at a video key frame at least a second after the
	// last start (or every 5 s without video), and at least every 30 s.
	var clusters []*cluster
	for _, mf := range all {
		var c *cluster
		if len(clusters) > 0 {
			c = clusters[len(clusters)-1]
		}
		startsVideo := vt != nil && mf.track == vt && mf.f.key
		switch {
		case c == nil,
			startsVideo && mf.at-c.at >= 1000,
			vt == nil && mf.at-c.at >= 5000,
			mf.at-c.at > maxClusterSpan:
			c = &cluster{at: mf.at, cue: startsVideo || vt == nil}
			clusters = append(clusters, c)
		}
		c.frames = append(c.frames, mf)
	}
	for _, c := range clusters {
		var tc ebml
		tc.uint(mkvTimecode, uint64(c.at))
		c.size = tc.Len()
		for _, mf := range c.frames {
			c.size += elementSize(mkvSimpleBlock, 4+mf.f.size)
		}
	}

	// The last frame lasts as long as the one before it did.
	tail := int64(20)
	if vt != nil && len(vt.frames) > 1 {
		tail = max(vt.frames[len(vt.frames)-1].at-vt.frames[len(vt.frames)-2].at, 1)
	}
	duration := all[len(all)-1].at + tail
	var info ebml
	info.uint(mkvTimecodeScale, 1_000_000)
	info.str(mkvMuxingApp, "dutyhub")
	info.str(mkvWritingApp, "dutyhub")
	info.float(mkvDuration, float64(duration))
	var trk ebml
	for _, t := range tracks {
		trk.sub(mkvTrackEntry, func(e *ebml) {
			e.uint(mkvTrackNumber, uint64(t.number))
			e.uint(mkvTrackUID, uint64(t.number))
			e.uint(mkvFlagLacing, 0)
			if t == vt {
				e.uint(mkvTrackType, 1)
				e.str(mkvCodecID, "V_VP8")
				width, height := v.width, v.height
				if width == 0 || height == 0 {
					width, height = 640, 480
				}
				e.sub(mkvVideo, func(e *ebml) {
					e.uint(mkvPixelWidth, uint64(width))
					e.uint(mkvPixelHeight, uint64(height))
				})
			} else {
				e.uint(mkvTrackType, 2)
				e.str(mkvCodecID, "A_OPUS")
				e.element(mkvCodecPrivate, a.head)
				e.uint(mkvCodecDelay, uint64(a.preskip)*1_000_000_000/48000)
				e.uint(mkvSeekPreRoll, 80_000_000)
				e.sub(mkvAudio, func(e *ebml) {
					e.float(mkvSamplingFreq, 48000)
					e.uint(mkvChannels, uint64(a.channels))
				})
			}
		})
	}
	cueTrack := uint64(tracks[0].number)
	// The cues' size depends on the clusters' positions, which follow
	// the cues: positions are written 8 bytes wide, so the size is known
	// first.
	cuesBody := func(clusterStart int64) []byte {
		var cues ebml
		pos := clusterStart
		for _, c := range clusters {
			if c.cue {
				cues.sub(mkvCuePoint, func(e *ebml) {
					e.uint8wide(mkvCueTime, uint64(c.at))
					e.sub(mkvCueTrackPos, func(e *ebml) {
						e.uint(mkvCueTrack, cueTrack)
						e.uint8wide(mkvCueClusterPos, uint64(pos))
					})
				})
			}
			pos += int64(elementSize(mkvCluster, c.size))
		}
		return cues.Bytes()
	}
	seekHead := func(infoPos, tracksPos, cuesPos int64) []byte {
		var sh ebml
		for _, s := range []struct {
			id  uint32
			pos int64
		}{{mkvInfo, infoPos}, {mkvTracks, tracksPos}, {mkvCues, cuesPos}} {
			sh.sub(mkvSeek, func(e *ebml) {
				e.element(mkvSeekID, idBytes(s.id))
				e.uint8wide(mkvSeekPosition, uint64(s.pos))
			})
		}
		return sh.Bytes()
	}
	shLen := elementSize(mkvSeekHead, len(seekHead(0, 0, 0)))
	infoPos := int64(shLen)
	tracksPos := infoPos + int64(elementSize(mkvInfo, info.Len()))
	cuesPos := tracksPos + int64(elementSize(mkvTracks, trk.Len()))
	cuesLen := elementSize(mkvCues, len(cuesBody(0)))
	clusterStart := cuesPos + int64(cuesLen)
	segSize := clusterStart
	for _, c := range clusters {
		segSize += int64(elementSize(mkvCluster, c.size))
	}

	var head ebml
	head.sub(ebmlHeader, func(e *ebml) {
		e.uint(ebmlVersion, 1)
		e.uint(ebmlReadVersion, 1)
		e.uint(ebmlMaxIDLength, 4)
		e.uint(ebmlMaxSizeLength, 8)
		e.str(ebmlDocType, "webm")
		e.uint(ebmlDocTypeVersion, 4)
		e.uint(ebmlDocTypeReadVers, 2)
	})
	head.Write(idBytes(mkvSegment))
	putVint(&head.Buffer, uint64(segSize), 8)
	head.element(mkvSeekHead, seekHead(infoPos, tracksPos, cuesPos))
	head.element(mkvInfo, info.Bytes())
	head.element(mkvTracks, trk.Bytes())
	head.element(mkvCues, cuesBody(clusterStart))
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := bw.Write(head.Bytes()); err != nil {
		return 0, err
	}
	buf := make([]byte, 0, 64<<10)
	for _, c := range clusters {
		var ch ebml
		ch.Write(idBytes(mkvCluster))
		putVint(&ch.Buffer, uint64(c.size), vintLen(uint64(c.size)))
		ch.uint(mkvTimecode, uint64(c.at))
		if _, err := bw.Write(ch.Bytes()); err != nil {
			return frames, err
		}
		for _, mf := range c.frames {
			var bh ebml
			bh.Write(idBytes(mkvSimpleBlock))
			putVint(&bh.Buffer, uint64(4+mf.f.size), vintLen(uint64(4+mf.f.size)))
			bh.WriteByte(0x80 | byte(mf.track.number))
			rel := mf.at - c.at
			bh.WriteByte(byte(uint16(rel) >> 8))
			bh.WriteByte(byte(uint16(rel)))
			flags := byte(0)
			if mf.f.key {
				flags = 0x80
			}
			bh.WriteByte(flags)
			if _, err := bw.Write(bh.Bytes()); err != nil {
				return frames, err
			}
			if cap(buf) < mf.f.size {
				buf = make([]byte, mf.f.size)
			}
			data := buf[:mf.f.size]
			if _, err := mf.track.src.ReadAt(data, mf.f.off); err != nil {
				return frames, fmt.Errorf("reading the recording: %w", err)
			}
			if _, err := bw.Write(data); err != nil {
				return frames, err
			}
			if mf.track == vt {
				frames++
			}
		}
	}
	return frames, bw.Flush()
}

// remuxFiles writes the WebM of the video file at vpath and the audio file
// at apath (either may be ""), the audio shifted by audioShift ms, to out.
// It returns the number of video frames written.
func remuxFiles(out io.Writer, vpath, apath string, audioShift int64) (int, error) {
	var v *ivfVideo
	var a *oggOpus
	var vsrc, asrc io.ReaderAt
	if vpath != "" {
		f, err := os.Open(vpath)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if v, err = readIVF(f); err != nil {
			return 0, fmt.Errorf("%s: %w", vpath, err)
		}
		vsrc = f
	}
	if apath != "" {
		f, err := os.Open(apath)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if a, err = readOggOpus(f); err != nil {
			return 0, fmt.Errorf("%s: %w", apath, err)
		}
		asrc = f
	}
	return writeWebM(out, v, vsrc, a, asrc, audioShift)
}
