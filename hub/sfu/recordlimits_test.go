package sfu

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/codec/vpx"
)

// recordedRoom starts a consultation hosted by p that records from the
// start, with p publishing its picture and c1 watching it; it returns the
// consultation, p, and c1's count of packets received.
func recordedRoom(t *testing.T, h *testHub) (consult.Consultation, *client, *atomic.Int64) {
	t.Helper()
	p := h.dial("p")
	c := h.consultation("p", "c1")
	c.Recording = true
	h.startConsultation(p, "p", 1, c)
	h.publishVideo(p, c.ID)
	watcher := h.dial("c1")
	var got atomic.Int64
	watcher.media(c.ID).OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			got.Add(1)
		}
	})
	watcher.join(c.ID)
	waitFor(t, "c1 to see p's picture", func() bool { return got.Load() > 0 })
	return c, p, &got
}

// stoppedByHub waits for the hub's room.recording that says recording
// stopped, and returns its reason.
func stoppedByHub(t *testing.T, cl *client) string {
	t.Helper()
	for {
		env := cl.expect(wire.TypeRoomRecording)
		var r wire.RoomRecording
		if err := json.Unmarshal(env.Data, &r); err != nil {
			t.Fatal(err)
		}
		if !r.On {
			if r.Reason == "" {
				t.Errorf("%s: recording stopped with no reason given", cl.name)
			}
			return r.Reason
		}
	}
}

// checkFiles waits for every file to be closed and checks that each
// video file is whole: IVF to its end, and every frame decodes. It
// returns the bytes of the room's files.
func checkFiles(t *testing.T, h *testHub, c consult.Consultation) int64 {
	t.Helper()
	if !h.sfu.waitWriters(20 * time.Second) {
		t.Fatal("the recording files are still being written 20 s after recording stopped")
	}
	dir := filepath.Join(h.cfg.Recordings, c.ID.String())
	names, err := filepath.Glob(filepath.Join(dir, "*.ivf"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no video files in %s: %v", dir, err)
	}
	dec, err := vpx.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var total int64
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		total += st.Size()
		r, _, err := ivfreader.NewWith(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		frames := 0
		for {
			frame, _, err := r.ParseNextFrame()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: frame %d: %v", name, frames, err)
			}
			if _, err := dec.Decode(frame, nil); err != nil {
				t.Fatalf("%s: frame %d does not decode: %v", name, frames, err)
			}
			frames++
		}
		f.Close()
		if frames == 0 {
			t.Errorf("%s holds no frame", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		t.Errorf("the list of files: %v", err)
	}
	return total
}

// stillWatching asserts that the honest watcher goes on receiving.
func stillWatching(t *testing.T, got *atomic.Int64) {
	t.Helper()
	from := got.Load()
	waitFor(t, "c1 to go on receiving p's picture", func() bool { return got.Load() > from+30 })
}

// Recordings had no quota. One consultation's recording stops at its size
// bound, never past it; the files are closed whole, the room and the host
// are told, and switching it on again is refused.
func TestRecordingStopsAtItsSizeBound(t *testing.T) {
	const bound = 12 << 10
	h := startHub(t, Config{Recordings: t.TempDir(), MaxRecordBytes: bound})
	c, p, got := recordedRoom(t, h)
	if reason := stoppedByHub(t, p); !strings.Contains(reason, "12.0 KiB") {
		t.Errorf("the reason given: %q", reason)
	}
	total := checkFiles(t, h, c)
	// Each file has a 32-byte IVF header beyond what the bound counts.
	if total > bound+64 {
		t.Errorf("%d bytes recorded with a bound of %d", total, bound)
	}
	if total < bound/2 {
		t.Errorf("only %d bytes recorded before stopping at a bound of %d", total, bound)
	}
	h.metricAtLeast(reasonRecordBytes, 1)
	if !strings.Contains(h.log.String(), "recording stopped by the hub") {
		t.Error("the stop is not logged")
	}
	p.send(wire.TypeRoomRecord, "rtc.record", wire.RoomRecord{Room: c.ID, On: true})
	p.refused(wire.CodeTooLarge, "12.0 KiB")
	stillWatching(t, got)
	h.healthy()
}

// A consultation's recording stops at its length bound.
func TestRecordingStopsAtItsLengthBound(t *testing.T) {
	h := startHub(t, Config{Recordings: t.TempDir(), MaxRecordLength: 1500 * time.Millisecond, RecordCheck: 50 * time.Millisecond})
	c, p, got := recordedRoom(t, h)
	if reason := stoppedByHub(t, p); !strings.Contains(reason, "1.5s") {
		t.Errorf("the reason given: %q", reason)
	}
	checkFiles(t, h, c)
	h.metricAtLeast(reasonRecordLength, 1)
	p.send(wire.TypeRoomRecord, "rtc.record", wire.RoomRecord{Room: c.ID, On: true})
	p.refused(wire.CodeTooLarge, "recorded for 1.5s")
	stillWatching(t, got)
	h.healthy()
}

// Recording stops when the disk under the recordings folder falls under
// the floor, and does not start again until it has room.
func TestRecordingStopsAtTheDiskFloor(t *testing.T) {
	var free atomic.Int64
	free.Store(10 << 30)
	h := startHub(t, Config{Recordings: t.TempDir(), MinFreeDisk: 1 << 30, RecordCheck: 50 * time.Millisecond,
		FreeDisk: func(string) (int64, error) { return free.Load(), nil }})
	c, p, got := recordedRoom(t, h)
	waitFor(t, "something recorded", func() bool {
		h.sfu.mu.Lock()
		defer h.sfu.mu.Unlock()
		rr := h.sfu.recs[c.ID]
		return rr != nil && rr.bytes.Load() > 8<<10
	})
	free.Store(100 << 20)
	if reason := stoppedByHub(t, p); !strings.Contains(reason, "100.0 MiB free") {
		t.Errorf("the reason given: %q", reason)
	}
	checkFiles(t, h, c)
	h.metricAtLeast(reasonDiskFloor, 1)
	p.send(wire.TypeRoomRecord, "rtc.record", wire.RoomRecord{Room: c.ID, On: true})
	p.refused(wire.CodeUnavailable, "free")
	stillWatching(t, got)

	// With room on the disk again, the host records again.
	free.Store(10 << 30)
	p.send(wire.TypeRoomRecord, "rtc.record", wire.RoomRecord{Room: c.ID, On: true})
	var r wire.RoomRecording
	if err := json.Unmarshal(p.expect(wire.TypeRoomRecording).Data, &r); err != nil || !r.On {
		t.Fatalf("recording switched on again: %+v %v", r, err)
	}
}

// The free disk is read from the file system, also for a recordings
// folder not made yet.
func TestFreeDiskReadsTheFileSystem(t *testing.T) {
	n, err := freeDisk(filepath.Join(t.TempDir(), "recordings", "not-yet"))
	if err != nil || n <= 0 {
		t.Fatalf("free disk: %d, %v", n, err)
	}
}
