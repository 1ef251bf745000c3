package sfu

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Recording: while a room's host has recording on, each published track
// is also written to a file of its own in the room's folder under
// Config.Recordings: VP8 to IVF, Opus to Ogg, one file per participant
// track per span of recording. The forwarding loop only hands a copy of
// each packet to the file's buffered goroutine and never waits for it: a
// slow or failing disk loses recorded packets (counted, logged, reported
// to the host), never forwarded ones.

// RecordingsFolder is the name of the folder, under the hub's data
// folder, that cmd/dutyhub gives as Config.Recordings.
const RecordingsFolder = "recordings"

// roomRec is the recording state of one open room, guarded by SFU.mu
// but for room and folder, which never change. It outlives the
// participants (a room is dropped when its last participant leaves) and
// ends when the room is closed.
type roomRec struct {
	room   app.ID
	host   app.ID // the station that may switch recording
	on     bool
	by     app.ID // who switched it last; nil when the room opened recording
	files  []*trackFile
	folder string
	// onSince is when the current span of recording began, recorded the
	// length of the spans before it: the bound on length counts both.
	onSince  time.Time
	recorded time.Duration
	// bytes is what the room's files hold, over every file and span, each
	// packet's share reserved before it is written: the bound on size is
	// never passed, whatever the files' writers do at once.
	bytes atomic.Int64

	indexMu sync.Mutex // one index.json write at a time
}

// trackFile is one track's file over one span of recording.
type trackFile struct {
	rr *roomRec
	// user and media name the file in log lines written without SFU.mu.
	user, media string
	// info is guarded by SFU.mu once the file is listed.
	info wire.RecordedFile

	mu      sync.Mutex // guards closed against offer
	closed  bool
	packets chan *rtp.Packet
	dropped atomic.Int64
	done    chan struct{}
}

// recordSink is what a file takes packets into: pion's IVF and Ogg
// writers. Tests give one that blocks or fails.
type recordSink interface {
	WriteRTP(*rtp.Packet) error
	Close() error
}

// openSink creates the file at path (never over an existing one) and the
// writer for the codec.
var openSink = func(path string, codec webrtc.RTPCodecParameters) (recordSink, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	var w recordSink
	if strings.EqualFold(codec.MimeType, webrtc.MimeTypeOpus) {
		channels := codec.Channels
		if channels == 0 {
			channels = 2
		}
		w, err = oggwriter.NewWith(f, codec.ClockRate, channels)
	} else {
		// Frame times as the RTP clock gives them (1/90,000 s), not
		// pion's default of a frame rate guessed at 30.
		w, err = ivfwriter.NewWith(f, ivfwriter.WithCodec(codec.MimeType), ivfwriter.WithFrameRate(1, codec.ClockRate), ivfwriter.WithDirectPTS())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// fileName makes a name safe in any file system from an account name.
func fileName(user string) string {
	var b strings.Builder
	for _, r := range user {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), ".")
	if name == "" {
		name = "participant"
	}
	return name
}

// newRoomRec is the recording state of a room being opened.
func (s *SFU) newRoomRec(id app.ID, inv Invitation) *roomRec {
	if inv.Record && s.cfg.Recordings == "" {
		s.log.Warn("a consultation asks to be recorded, but this hub keeps no recordings", "room", id)
	}
	return &roomRec{room: id, host: inv.Host, on: inv.Record && s.cfg.Recordings != "",
		folder: filepath.Join(s.cfg.Recordings, id.String())}
}

// startFileLocked starts recording f into a new file; s.mu is held. The
// caller asks for a key frame once the lock is released, so that the
// file begins with a picture.
func (s *SFU) startFileLocked(rr *roomRec, f *forward) {
	if f.rec.Load() != nil {
		return
	}
	kind, ext := wire.MediaVideo, ".ivf"
	if f.kind == webrtc.RTPCodecTypeAudio {
		kind, ext = wire.MediaAudio, ".ogg"
	}
	base := fileName(f.owner.info.User)
	n := 1
	for _, o := range rr.files {
		if o.info.User == f.owner.info.User && o.info.Kind == kind {
			n++
		}
	}
	tf := &trackFile{rr: rr, user: f.owner.info.User, media: kind, packets: make(chan *rtp.Packet, s.cfg.RecordBuffer), done: make(chan struct{})}
	tf.info = wire.RecordedFile{
		Name: fmt.Sprintf("%s-%s-%d%s", base, kind, n, ext), Participant: f.owner.info.ID,
		Station: f.owner.info.Station, User: f.owner.info.User, Kind: kind, Start: time.Now().UTC(),
	}
	rr.files = append(rr.files, tf)
	f.rec.Store(tf)
	s.writers.Add(1)
	go s.writeFile(tf, f.codec, base, kind, ext, n)
}

// stopFileLocked ends f's file, if it is being recorded; the writer
// finishes what it holds and closes it.
func stopFileLocked(f *forward) {
	if tf := f.rec.Swap(nil); tf != nil {
		tf.finish()
	}
}

// offer hands a copy of a forwarded packet to the file without waiting:
// when the buffer is full, the packet is dropped and counted.
func (tf *trackFile) offer(s *SFU, pkt *rtp.Packet) {
	tf.mu.Lock()
	defer tf.mu.Unlock()
	if tf.closed {
		return
	}
	select {
	case tf.packets <- pkt.Clone():
	default:
		n := tf.dropped.Add(1)
		s.recordDrops.Add(1)
		// The first drop, then one line per 500: a stalled disk must not
		// flood the log as well.
		if n == 1 || n%500 == 0 {
			s.log.Warn("recording: the disk is behind; packets not recorded", "room", tf.rr.room, "user", tf.user, "kind", tf.media, "dropped", n)
		}
	}
}

func (tf *trackFile) finish() {
	tf.mu.Lock()
	defer tf.mu.Unlock()
	if !tf.closed {
		tf.closed = true
		close(tf.packets)
	}
}

// writeFile is the goroutine of one file: it creates the file, writes
// every packet handed to it, and closes the file when the span ends. A
// disk error stops the writing, not the forwarding: the rest of the
// span's packets are drained and the error is reported.
func (s *SFU) writeFile(tf *trackFile, codec webrtc.RTPCodecParameters, base, kind, ext string, n int) {
	defer s.writers.Done()
	defer close(tf.done)
	var sink recordSink
	var err error
	for range 100 {
		name := fmt.Sprintf("%s-%s-%d%s", base, kind, n, ext)
		s.mu.Lock()
		tf.info.Name = name
		s.mu.Unlock()
		sink, err = openSink(filepath.Join(tf.rr.folder, name), codec)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
		// A file of an earlier run of the hub: take the next number.
		n++
	}
	if err != nil {
		s.fileFailed(tf, "cannot create the file", err)
	}
	s.sendRecordings(tf.rr)
	failed := err != nil
	over := false
	for pkt := range tf.packets {
		if failed || over {
			continue
		}
		if !tf.rr.reserve(int64(len(pkt.Payload))+packetOverhead, s.cfg.MaxRecordBytes) {
			// The rest of the span is drained unwritten, and the file
			// closed as usual: complete and readable.
			over = true
			go s.stopRecording(tf.rr, reasonRecordBytes, fmt.Sprintf("this consultation's recording reached %s, the most this hub keeps of one", byteSize(s.cfg.MaxRecordBytes)))
			continue
		}
		if err := sink.WriteRTP(pkt); err != nil {
			failed = true
			s.fileFailed(tf, "cannot write the file", err)
		}
	}
	size := int64(0)
	if sink != nil {
		if err := sink.Close(); err != nil && !failed {
			s.fileFailed(tf, "cannot close the file", err)
		}
		s.mu.Lock()
		name := tf.info.Name
		s.mu.Unlock()
		if st, err := os.Stat(filepath.Join(tf.rr.folder, name)); err == nil {
			size = st.Size()
		}
	}
	s.mu.Lock()
	tf.info.End = time.Now().UTC()
	tf.info.Size = size
	tf.info.Dropped = tf.dropped.Load()
	info := tf.info
	s.mu.Unlock()
	s.log.Info("recording: file closed", "room", tf.rr.room, "file", info.Name, "bytes", info.Size, "dropped", info.Dropped, "error", info.Error)
	s.writeIndex(tf.rr)
	s.sendRecordings(tf.rr)
}

func (s *SFU) fileFailed(tf *trackFile, what string, err error) {
	s.recordErrors.Add(1)
	msg := fmt.Sprintf("%s: %v", what, err)
	for len(msg) > wire.MaxRecordedError {
		// Cut whole characters: a path may be Chinese.
		_, size := utf8.DecodeLastRuneInString(msg)
		msg = msg[:len(msg)-size]
	}
	s.mu.Lock()
	tf.info.Error = msg
	name := tf.info.Name
	s.mu.Unlock()
	s.log.Error("recording: "+what+"; the consultation goes on without it", "room", tf.rr.room, "file", name, "err", err)
}

// recordings lists the room's files; s.mu is held.
func (rr *roomRec) list() wire.RoomRecordings {
	out := wire.RoomRecordings{Room: rr.room, Folder: filepath.ToSlash(filepath.Join(RecordingsFolder, rr.room.String())), Files: []wire.RecordedFile{}}
	for _, tf := range rr.files {
		info := tf.info
		info.Dropped = tf.dropped.Load()
		out.Files = append(out.Files, info)
	}
	if len(out.Files) > wire.MaxRecordedFiles {
		out.Files = out.Files[len(out.Files)-wire.MaxRecordedFiles:]
	}
	return out
}

// sendRecordings tells every connection of the host station, in the room
// or not, what has been recorded: the host's client keeps the list on the
// consultation's record.
func (s *SFU) sendRecordings(rr *roomRec) {
	s.mu.Lock()
	list := rr.list()
	var to []*session
	for c := range s.sessions {
		if c.peer.Station == rr.host {
			to = append(to, c)
		}
	}
	s.mu.Unlock()
	if len(to) == 0 {
		return
	}
	frame, err := wire.Encode(wire.TypeRoomRecordings, "", list)
	if err != nil {
		return
	}
	for _, c := range to {
		c.peer.Send(frame)
	}
}

// writeIndex keeps index.json beside the files: who each file is of, and
// when, for whoever collects the recordings from the hub's folder.
func (s *SFU) writeIndex(rr *roomRec) {
	rr.indexMu.Lock()
	defer rr.indexMu.Unlock()
	s.mu.Lock()
	list := rr.list()
	s.mu.Unlock()
	buf, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return
	}
	tmp := filepath.Join(rr.folder, "index.json.tmp")
	if err := os.WriteFile(tmp, buf, 0o640); err == nil {
		err = os.Rename(tmp, filepath.Join(rr.folder, "index.json"))
		if err == nil {
			return
		}
	}
	s.log.Warn("recording: cannot write the list of files", "room", rr.room, "folder", rr.folder, "err", err)
}

// packetOverhead is what a container adds around one packet's payload
// at most: an IVF frame header (12 bytes), an Ogg page header with its
// segment table (27 + up to 6 bytes for an Opus packet).
const packetOverhead = 40

// reserve takes n bytes of the room's recording bound, or reports that
// they would pass it.
func (rr *roomRec) reserve(n, limit int64) bool {
	for {
		cur := rr.bytes.Load()
		if cur+n > limit {
			return false
		}
		if rr.bytes.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// byteSize writes a size for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// recordBound says which bound of the room's recording is reached, if
// any, for a refusal to switch it on again; s.mu is held.
func (s *SFU) recordBoundLocked(rr *roomRec) (reason, why string) {
	switch {
	case rr.bytes.Load()+packetOverhead >= s.cfg.MaxRecordBytes:
		return reasonRecordBytes, fmt.Sprintf("this consultation's recording has reached %s, the most this hub keeps of one", byteSize(s.cfg.MaxRecordBytes))
	case rr.recorded >= s.cfg.MaxRecordLength:
		return reasonRecordLength, fmt.Sprintf("this consultation has been recorded for %s, the most this hub keeps of one", s.cfg.MaxRecordLength)
	}
	return "", ""
}

// lowDisk says whether the recordings' disk is under its floor, and how
// much it has free.
func (s *SFU) lowDisk() (bool, string) {
	free, err := s.cfg.FreeDisk(s.cfg.Recordings)
	if err != nil {
		// Unknown is not full: recording goes on; the monitor logs it.
		return false, ""
	}
	if free < s.cfg.MinFreeDisk {
		return true, fmt.Sprintf("the hub's disk has %s free, under the %s it keeps free", byteSize(free), byteSize(s.cfg.MinFreeDisk))
	}
	return false, ""
}

// stopRecording switches a room's recording off for the hub, at one of
// its bounds: the files close as they do when the host switches it off,
// complete and readable, and everyone in the room and the host's
// connections are told why.
func (s *SFU) stopRecording(rr *roomRec, reason, why string) {
	s.mu.Lock()
	if s.recs[rr.room] != rr || !rr.on {
		s.mu.Unlock()
		return
	}
	rr.on = false
	rr.by = app.NilID
	rr.recorded += time.Since(rr.onSince)
	to := map[*session]bool{}
	if r := s.rooms[rr.room]; r != nil {
		for _, p := range r.order {
			to[p.sess] = true
		}
		for _, f := range r.tracks {
			stopFileLocked(f)
		}
	}
	for c := range s.sessions {
		if c.peer.Station == rr.host {
			to[c] = true
		}
	}
	s.mu.Unlock()
	s.count(reason)
	s.log.Warn("recording stopped by the hub: "+why, "room", rr.room, "station", rr.host, "reason", reason)
	frame, err := wire.Encode(wire.TypeRoomRecording, "", wire.RoomRecording{Room: rr.room, On: false, Reason: why})
	if err != nil {
		return
	}
	for c := range to {
		c.peer.Send(frame)
	}
}

// startMonitorLocked starts the goroutine that watches the length of
// recordings and the free disk, at the first recording; s.mu is held.
func (s *SFU) startMonitorLocked() {
	s.monitor.Do(func() { go s.watchRecordings() })
}

// watchRecordings stops recordings that reach their length or find the
// disk under its floor, every Config.RecordCheck, until Shutdown.
func (s *SFU) watchRecordings() {
	t := time.NewTicker(s.cfg.RecordCheck)
	defer t.Stop()
	warned := false
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		now := time.Now()
		var on, long []*roomRec
		s.mu.Lock()
		for _, rr := range s.recs {
			if !rr.on {
				continue
			}
			on = append(on, rr)
			if rr.recorded+now.Sub(rr.onSince) >= s.cfg.MaxRecordLength {
				long = append(long, rr)
			}
		}
		s.mu.Unlock()
		for _, rr := range long {
			s.stopRecording(rr, reasonRecordLength, fmt.Sprintf("this consultation has been recorded for %s, the most this hub keeps of one", s.cfg.MaxRecordLength))
		}
		if len(on) == len(long) {
			continue
		}
		free, err := s.cfg.FreeDisk(s.cfg.Recordings)
		if err != nil {
			if !warned {
				s.log.Warn("recording: cannot tell the free disk; the floor is not enforced", "folder", s.cfg.Recordings, "err", err)
				warned = true
			}
			continue
		}
		if free < s.cfg.MinFreeDisk {
			why := fmt.Sprintf("the hub's disk has %s free, under the %s it keeps free", byteSize(free), byteSize(s.cfg.MinFreeDisk))
			for _, rr := range on {
				s.stopRecording(rr, reasonDiskFloor, why)
			}
		}
	}
}

// setRecording switches recording of the session's room on or off: the
// host station only. Everyone in the room hears of it; the asking
// connection's answer carries its request id.
func (c *session) setRecording(reqID string, req wire.RoomRecord) error {
	s := c.s
	if c.peer.Link != "" {
		// A join page is a person in the room, not the host's duty room,
		// even when its account is of the host station.
		return s.refuse(reasonBrowserRec, wire.Errorf(wire.CodeForbidden, "room.record: recording is switched from the host station's DutyRoom client, not from a join page"))
	}
	// Looked at before the lock: a stalled disk must not hold the SFU.
	low, lowWhy := false, ""
	if req.On && s.cfg.Recordings != "" {
		low, lowWhy = s.lowDisk()
	}
	s.mu.Lock()
	rr := s.recs[req.Room]
	switch {
	case rr == nil:
		s.mu.Unlock()
		return wire.Errorf(wire.CodeForbidden, "room.record: room %s is not open", req.Room)
	case c.peer.Station != rr.host:
		s.mu.Unlock()
		return s.refuse(reasonNotHost, wire.Errorf(wire.CodeForbidden, "room.record: only the host station of the consultation may start or stop recording; station %s (user %s) is not its host", c.peer.Station, c.peer.User))
	case s.cfg.Recordings == "":
		s.mu.Unlock()
		return wire.Errorf(wire.CodeUnavailable, "room.record: this hub keeps no recordings")
	case req.On && !rr.on && low:
		s.mu.Unlock()
		return s.refuse(reasonDiskFloor, wire.Errorf(wire.CodeUnavailable, "room.record: %s", lowWhy))
	}
	if req.On && !rr.on {
		if reason, why := s.recordBoundLocked(rr); reason != "" {
			s.mu.Unlock()
			return s.refuse(reason, wire.Errorf(wire.CodeTooLarge, "room.record: %s", why))
		}
	}
	changed := rr.on != req.On
	rr.on = req.On
	if changed {
		rr.by = c.peer.Station
		if req.On {
			rr.onSince = time.Now()
			s.startMonitorLocked()
		} else {
			rr.recorded += time.Since(rr.onSince)
		}
	}
	var keys []*forward
	var parts []*participant
	if r := s.rooms[req.Room]; r != nil {
		parts = r.list()
		if changed {
			for _, f := range r.tracks {
				if req.On {
					s.startFileLocked(rr, f)
					keys = append(keys, f)
				} else {
					stopFileLocked(f)
				}
			}
		}
	}
	msg := wire.RoomRecording{Room: req.Room, On: rr.on, Station: rr.by}
	s.mu.Unlock()
	if changed {
		state := "off"
		if req.On {
			state = "on"
		}
		s.log.Info("recording switched "+state, "room", req.Room, "station", c.peer.Station, "user", c.peer.User, "tracks", len(keys))
	}
	for _, f := range keys {
		f.forceKeyFrame(s)
	}
	c.send(wire.TypeRoomRecording, reqID, msg)
	if changed {
		frame, err := wire.Encode(wire.TypeRoomRecording, "", msg)
		if err == nil {
			for _, p := range parts {
				if p.sess != c {
					p.sess.peer.Send(frame)
				}
			}
		}
	}
	return nil
}

// forceKeyFrame asks the publisher for a key frame now, whatever the
// key-frame gap: a file must begin with a picture, and waiting for the
// next periodic key frame would lose seconds of the recording.
func (f *forward) forceKeyFrame(s *SFU) {
	if f.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	f.keyMu.Lock()
	defer f.keyMu.Unlock()
	f.sendKeyRequest(s)
}

// waitWriters waits for every file to be closed, at most d.
func (s *SFU) waitWriters(d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		s.writers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
