package rtc_test

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/codec/opus"
	"dutyroom/codec/vpx"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/testsrc"
)

// startRecorded opens a consultation's room the way the hub does when the
// host's start operation is stored, with recording chosen at the start.
func startRecorded(t *testing.T, h *testHub, host string, record bool, invited ...string) app.ID {
	t.Helper()
	c := consult.Consultation{ID: app.NewID(), Host: h.stations[host].ID, Title: "录制测试", State: consult.Live,
		CreatedAt: time.Now().UTC(), Recording: record}
	for _, n := range invited {
		c.Invited = append(c.Invited, h.stations[n].ID)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	h.sfu.Observe(app.Operation{ID: app.NewID(), Origin: c.Host, Kind: consult.OpStart, Entity: c.ID, Payload: payload})
	return c.ID
}

// recording reports whether the station's last room event says the room
// is being recorded.
func (s *station) recording() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events) > 0 && s.events[len(s.events)-1].Recording
}

// files returns the last list of recorded files the hub sent s.
func (s *station) files() []wire.RecordedFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recs) == 0 {
		return nil
	}
	return s.recs[len(s.recs)-1].Files
}

func findFile(files []wire.RecordedFile, name string) *wire.RecordedFile {
	for i := range files {
		if files[i].Name == name {
			return &files[i]
		}
	}
	return nil
}

// ended waits until the host's list names each file as closed, and
// returns the list.
func ended(t *testing.T, host *station, names ...string) []wire.RecordedFile {
	t.Helper()
	waitFor(t, "the hub to report "+strings.Join(names, ", ")+" closed", func() bool {
		files := host.files()
		for _, n := range names {
			f := findFile(files, n)
			if f == nil || f.End.IsZero() {
				return false
			}
		}
		return true
	})
	return host.files()
}

// A consultation started with recording on: the hub writes each
// participant's picture and sound to files from the first join, everyone
// is told, a station that does not host cannot stop it, the host stops it
// and starts it again, a station joining later hears that the room is
// recorded, and files close when their participant leaves or the room
// closes. The files decode to the senders' pictures and tones.
func TestRecordingThroughHub(t *testing.T) {
	dir := t.TempDir()
	h := startHub(t, sfu.Config{Recordings: dir})
	patterns := map[app.ID]uint8{h.stations["p"].ID: 1, h.stations["c1"].ID: 2, h.stations["t1"].ID: 3}
	p := newStation(t, h, "p", 1, patterns)
	c1 := newStation(t, h, "c1", 2, patterns)
	room := startRecorded(t, h, "p", true, "c1", "t1")
	folder := filepath.Join(dir, room.String())

	p.join(t, room)
	c1.join(t, room)
	for _, s := range []*station{p, c1} {
		if !s.recording() {
			t.Fatalf("%s joined a recorded room without being told", s.name)
		}
	}
	p.sees(t, 10, c1)
	c1.sees(t, 10, p)

	// A station that does not host is refused, and the room goes on.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c1.media.SetRecording(ctx, false)
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeForbidden || !strings.Contains(we.Message, "host") {
		t.Fatalf("c1 stopping the recording: %v; want a forbidden refusal naming the host", err)
	}
	if !p.recording() || !c1.recording() {
		t.Fatal("the refused request changed the recording")
	}
	seen := c1.from(stationID(p)).stamped
	c1.sees(t, seen+15, p)
	h.healthy(t)

	// The host stops it: everyone is told, and the four files close.
	if err := p.media.SetRecording(ctx, false); err != nil {
		t.Fatalf("the host stopping the recording: %v", err)
	}
	waitFor(t, "both stations to hear the recording stopped", func() bool { return !p.recording() && !c1.recording() })
	if c1.files() != nil {
		t.Fatalf("a station that does not host got the list of files: %+v", c1.files())
	}
	files := ended(t, p, "p-video-1.ivf", "p-audio-1.ogg", "c1-video-1.ivf", "c1-audio-1.ogg")
	if len(files) != 4 {
		t.Fatalf("after one span: %d files, want 4: %+v", len(files), files)
	}
	for _, f := range files {
		st, err := os.Stat(filepath.Join(folder, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if f.Size != st.Size() || f.Size < 1000 || f.Error != "" || f.Start.After(f.End) {
			t.Errorf("%s: listed %+v, on disk %d bytes", f.Name, f, st.Size())
		}
		if want := map[string]string{"p": "p", "c1": "c1"}[f.User]; !strings.HasPrefix(f.Name, want+"-") || f.Station != h.stations[f.User].ID {
			t.Errorf("%s is listed as %s of station %s", f.Name, f.User, f.Station)
		}
	}
	checkIVF(t, filepath.Join(folder, "p-video-1.ivf"), 1, 10)
	checkIVF(t, filepath.Join(folder, "c1-video-1.ivf"), 2, 10)
	checkOgg(t, filepath.Join(folder, "p-audio-1.ogg"), 1)
	checkOgg(t, filepath.Join(folder, "c1-audio-1.ogg"), 2)

	// On again: the hub asks each publisher for a key frame at once, so
	// the files begin with a picture; t1 joins and hears at its join that
	// the room is recorded.
	keysP, keysC1 := p.media.Stats().KeyRequestsIn, c1.media.Stats().KeyRequestsIn
	if err := p.media.SetRecording(ctx, true); err != nil {
		t.Fatalf("the host starting the recording again: %v", err)
	}
	waitFor(t, "c1 to hear the recording started", c1.recording)
	waitFor(t, "both publishers to be asked for a key frame", func() bool {
		return p.media.Stats().KeyRequestsIn > keysP && c1.media.Stats().KeyRequestsIn > keysC1
	})
	t1 := newStation(t, h, "t1", 3, patterns)
	t1.join(t, room)
	t1.mu.Lock()
	first := t1.events[0]
	t1.mu.Unlock()
	if !first.In || !first.Recording {
		t.Fatalf("t1's first room event: %+v; want in a recorded room", first)
	}
	t1.sees(t, 15, p, c1)

	// c1 leaves: its files close, the host's go on.
	c1.media.Leave()
	files = ended(t, p, "c1-video-2.ivf", "c1-audio-2.ogg")
	if f := findFile(files, "p-video-2.ivf"); f == nil || !f.End.IsZero() {
		t.Fatalf("the host's second video file after c1 left: %+v", f)
	}
	checkIVF(t, filepath.Join(folder, "c1-video-2.ivf"), 2, 5)

	// The room closes: every file is closed and listed in index.json.
	h.sfu.Close(room)
	files = ended(t, p, "p-video-2.ivf", "p-audio-2.ogg", "t1-video-1.ivf", "t1-audio-1.ogg")
	if len(files) != 10 {
		t.Fatalf("%d files in the end, want 10: %+v", len(files), files)
	}
	checkIVF(t, filepath.Join(folder, "p-video-2.ivf"), 1, 10)
	checkIVF(t, filepath.Join(folder, "t1-video-1.ivf"), 3, 10)
	checkOgg(t, filepath.Join(folder, "t1-audio-1.ogg"), 3)
	waitFor(t, "index.json to list every file", func() bool {
		buf, err := os.ReadFile(filepath.Join(folder, "index.json"))
		var idx wire.RoomRecordings
		if err != nil || json.Unmarshal(buf, &idx) != nil || len(idx.Files) != 10 {
			return false
		}
		for _, f := range idx.Files {
			if f.End.IsZero() {
				return false
			}
		}
		return true
	})
	if st := h.sfu.Stats(); st.RecordErrors != 0 {
		t.Errorf("recording errors: %+v", st)
	}
}

// A hub whose recordings folder cannot be made still forwards: the
// failure is reported on the file, the consultation goes on.
func TestRecordingDiskFailureKeepsForwarding(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startHub(t, sfu.Config{Recordings: blocker})
	p := newStation(t, h, "p", 1, nil)
	c1 := newStation(t, h, "c1", 2, nil)
	room := startRecorded(t, h, "p", true, "c1")
	p.join(t, room)
	c1.join(t, room)
	waitFor(t, "the host to hear that p's video file failed", func() bool {
		f := findFile(p.files(), "p-video-1.ivf")
		return f != nil && f.Error != ""
	})
	c1.sees(t, 30, p)
	p.sees(t, 30, c1)
	if st := h.sfu.Stats(); st.RecordErrors == 0 {
		t.Fatalf("no recording error counted: %+v", st)
	}
	h.healthy(t)
}

// checkIVF decodes every frame of an IVF file with the VP8 decoder: the
// first is a key frame, and the pictures carry the sender's pattern with
// rising frame numbers.
func checkIVF(t *testing.T, path string, pattern uint8, least int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, hdr, err := ivfreader.NewWith(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if hdr.FourCC != "VP80" || hdr.TimebaseNumerator != 1 || hdr.TimebaseDenominator != 90000 {
		t.Fatalf("%s: codec %q, time base %d/%d; want VP8 on the RTP clock", path, hdr.FourCC, hdr.TimebaseNumerator, hdr.TimebaseDenominator)
	}
	dec, err := vpx.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var img *image.YCbCr
	frames, stamped := 0, 0
	last := int64(-1)
	var firstPTS, lastPTS uint64
	for {
		data, fh, err := r.ParseNextFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s frame %d: %v", path, frames, err)
		}
		if frames == 0 && data[0]&1 != 0 {
			t.Fatalf("%s begins with a frame that is not a key frame", path)
		}
		// pion's reader scales the stored time by the time base again.
		pts := fh.Timestamp / 90000
		if frames == 0 {
			firstPTS = pts
		} else if pts <= lastPTS {
			t.Fatalf("%s frame %d at %d after %d", path, frames, pts, lastPTS)
		}
		lastPTS = pts
		img, err = dec.Decode(data, img)
		if err != nil {
			t.Fatalf("%s frame %d does not decode: %v", path, frames, err)
		}
		frames++
		st, err := testsrc.ReadStamp(img)
		if err != nil {
			continue
		}
		if st.ID != pattern {
			t.Fatalf("%s frame %d shows pattern %d, want %d", path, frames, st.ID, pattern)
		}
		if int64(st.Frame) <= last {
			t.Fatalf("%s frame %d: stamp %d after %d", path, frames, st.Frame, last)
		}
		last = int64(st.Frame)
		if stamped == 0 {
			if err := testsrc.CheckBars(img, pattern); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		stamped++
	}
	t.Logf("%s: %d frames, %d stamped, pattern %d, %.2f s", filepath.Base(path), frames, stamped, pattern, float64(lastPTS-firstPTS)/90000)
	// The sender stamps 15 frames a second of the RTP clock: a file's
	// times span its frames (to a tick a frame of rounding), more only
	// where frames were lost.
	if span, least := lastPTS-firstPTS, uint64(frames-1)*6000; span+uint64(frames) < least || span > 2*least {
		t.Fatalf("%s: %d frames over %d ticks of 90 kHz; want about %d", path, frames, span, least)
	}
	if stamped < least || stamped*10 < frames*9 {
		t.Fatalf("%s: %d frames, %d with a readable stamp; want at least %d, nearly all", path, frames, stamped, least)
	}
}

// checkOgg parses an Ogg file into Opus packets, decodes them, and hears
// the sender's tone.
func checkOgg(t *testing.T, path string, pattern uint8) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, hdr, err := oggreader.NewWith(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if hdr.SampleRate != 48000 {
		t.Fatalf("%s: sample rate %d", path, hdr.SampleRate)
	}
	dec, err := opus.NewDecoder(1)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var sound []int16
	buf := make([]int16, 48000*120/1000)
	packets := 0
	for {
		payload, page, err := r.ParseNextPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s page: %v", path, err)
		}
		if _, ok := page.HeaderType(payload); ok {
			continue // OpusTags
		}
		n, err := dec.Decode(payload, buf)
		if err != nil {
			t.Fatalf("%s packet %d does not decode: %v", path, packets, err)
		}
		packets++
		sound = append(sound, buf[:n]...)
	}
	if packets < 25 {
		t.Fatalf("%s: %d packets, want half a second at least", path, packets)
	}
	want := testsrc.ToneFor(pattern, 48000, 1).Freq
	hz, rms := testsrc.Frequency(sound[len(sound)/4:], 48000)
	t.Logf("%s: %d packets, %.0f Hz at %.2f", filepath.Base(path), packets, hz, rms)
	if math.Abs(hz-want) > want*0.03 || rms < 0.05 {
		t.Fatalf("%s: a %.0f Hz sound at %.2f of full scale; want the %.0f Hz tone", path, hz, rms, want)
	}
}

// A hub that stops closes every file being recorded before Shutdown
// returns: the files are whole on disk and listed as ended.
func TestRecordingClosedAtHubShutdown(t *testing.T) {
	dir := t.TempDir()
	h := startHub(t, sfu.Config{Recordings: dir})
	p := newStation(t, h, "p", 1, nil)
	c1 := newStation(t, h, "c1", 2, nil)
	room := startRecorded(t, h, "p", true, "c1")
	p.join(t, room)
	c1.join(t, room)
	c1.sees(t, 15, p)
	h.sfu.Shutdown()
	buf, err := os.ReadFile(filepath.Join(dir, room.String(), "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx wire.RoomRecordings
	if err := json.Unmarshal(buf, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Files) != 4 {
		t.Fatalf("index.json lists %d files, want 4: %s", len(idx.Files), buf)
	}
	for _, f := range idx.Files {
		if f.End.IsZero() || f.Error != "" || f.Size < 1000 {
			t.Errorf("after the hub stopped: %+v", f)
		}
	}
	checkIVF(t, filepath.Join(dir, room.String(), "p-video-1.ivf"), 1, 10)
	checkOgg(t, filepath.Join(dir, room.String(), "c1-audio-1.ogg"), 2)
}
