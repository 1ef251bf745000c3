package sfu

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/codec/vpx"
	"dutyroom/hub"
)

// Watching recordings: a real hub with its SFU records a short
// consultation; the stations that may watch it get a link over their hub
// session, and a browser (here an HTTP client with a cookie jar) lists and
// plays the recordings with it.

// recordedConsultation records c1 publishing for about two seconds in a
// consultation c1 hosts, inviting t1, and ends it; it returns once the
// files are closed.
func recordedConsultation(t *testing.T, h *testHub) (consult.Consultation, *client) {
	t.Helper()
	host := h.dial("c1")
	c := h.consultation("c1", "t1")
	c.Title = "防汛会商（录像）"
	c.Recording = true
	h.startConsultation(host, "c1", 1, c)
	h.publishVideo(host, c.ID)
	time.Sleep(2 * time.Second) // what is recorded: the test pattern's two seconds
	ended := c
	ended.State = consult.Ended
	ended.EndedAt = time.Now().UTC()
	h.pushConsult(host, "c1", 2, consult.OpEnd, ended)
	waitFor(t, "the room to close", func() bool { return h.sfu.Stats().OpenRooms == 0 })
	if !h.sfu.waitWriters(20 * time.Second) {
		t.Fatal("the recording files are still being written 20 s after the consultation ended")
	}
	return c, host
}

// recLink asks the hub for a recordings link as user; it returns the
// link's path, or the hub's refusal.
func (h *testHub) recLink(user string, room app.ID) (string, *wire.Error) {
	h.t.Helper()
	cl := h.dial(user)
	defer cl.close()
	cl.send(hub.TypeRecLink, "rec", hub.RecLink{Room: room})
	for {
		env := cl.next()
		switch env.Type {
		case hub.TypeRecLinked:
			var ans hub.RecLinked
			if err := json.Unmarshal(env.Data, &ans); err != nil {
				h.t.Fatal(err)
			}
			return ans.Path, nil
		case wire.TypeError:
			return "", wire.DecodeError(env)
		}
	}
}

// browserClient is an HTTP client that keeps cookies, as a browser does.
func browserClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

func get(t *testing.T, c *http.Client, url string, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header
}

// webmVideoFrames reads a WebM file's clusters and returns the data of
// every SimpleBlock of track 1, and the PixelWidth of its tracks.
func webmVideoFrames(t *testing.T, b []byte) (frames [][]byte, width uint64) {
	t.Helper()
	vint := func(b []byte, keep bool) (uint64, int) {
		if len(b) == 0 || b[0] == 0 {
			t.Fatalf("a bad EBML number")
		}
		l := 1
		for b[0]&(0x80>>(l-1)) == 0 {
			l++
		}
		v := uint64(b[0])
		if !keep {
			v &= uint64(0xff >> l)
		}
		for i := 1; i < l; i++ {
			v = v<<8 | uint64(b[i])
		}
		return v, l
	}
	masters := map[uint64]bool{0x18538067: true, 0x1654AE6B: true, 0xAE: true, 0xE0: true, 0x1F43B675: true}
	var walk func(b []byte)
	walk = func(b []byte) {
		for pos := 0; pos < len(b); {
			id, il := vint(b[pos:], true)
			size, sl := vint(b[pos+il:], false)
			start := pos + il + sl
			if uint64(len(b)-start) < size {
				t.Fatalf("element %x runs past its parent", id)
			}
			data := b[start : start+int(size)]
			switch {
			case masters[id]:
				walk(data)
			case id == 0xB0:
				width = new(big).uint(data)
			case id == 0xA3:
				track, l := vint(data, false)
				if track == 1 {
					frames = append(frames, data[l+3:])
				}
			}
			pos = start + int(size)
		}
	}
	if len(b) < 4 || binary.BigEndian.Uint32(b) != 0x1A45DFA3 {
		t.Fatal("not an EBML file")
	}
	walk(b)
	return frames, width
}

type big struct{}

func (big) uint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

func ivfFrames(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, _, err := ivfreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, _, err := r.ParseNextFrame(); errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
}

func TestRecordingsPagePlaysForInvitedStationsAndRefusesOthers(t *testing.T) {
	h := startHub(t, Config{Recordings: t.TempDir()})
	c, _ := recordedConsultation(t, h)
	base := "http://" + h.addr

	// t1 was invited: its link opens the page, which lists c1's picture.
	path, refusal := h.recLink("t1", c.ID)
	if refusal != nil {
		t.Fatalf("the invited station's link was refused: %v", refusal)
	}
	if !strings.HasPrefix(path, "/recordings/open?code=") {
		t.Fatalf("the link: %q", path)
	}
	browser := browserClient(t)
	status, page, header := get(t, browser, base+path)
	if status != http.StatusOK || !strings.Contains(page, "防汛会商（录像）") || !strings.Contains(page, "吉首市") || !strings.Contains(page, "<video") {
		t.Fatalf("the page: %d\n%s", status, page)
	}
	if csp := header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self'") || strings.Contains(csp, "script-src") {
		t.Errorf("the page's policy: %q", csp)
	}
	if !strings.Contains(page, `url("/recordings/font.otf")`) {
		t.Error("the page does not use the hub's Chinese font")
	}
	if status, _, hd := get(t, browser, base+"/recordings/font.otf"); status != http.StatusOK || hd.Get("Content-Type") != "font/otf" {
		t.Errorf("the font: %d %s", status, hd.Get("Content-Type"))
	}
	// The link is spent: opened again, in another browser, it opens nothing.
	if status, again, _ := get(t, browserClient(t), base+path); status != http.StatusUnauthorized || !strings.Contains(again, "链接已失效") || !strings.Contains(again, "expired") {
		t.Errorf("the link opened twice: %d\n%s", status, again)
	}

	ivfs, _ := filepath.Glob(filepath.Join(h.cfg.Recordings, c.ID.String(), "*.ivf"))
	if len(ivfs) != 1 {
		t.Fatalf("%d video files recorded", len(ivfs))
	}
	name := strings.TrimSuffix(filepath.Base(ivfs[0]), ".ivf") + ".webm"
	if !strings.Contains(page, `src="`+name+`"`) {
		t.Fatalf("the page does not play %s:\n%s", name, page)
	}
	fileURL := base + "/recordings/" + c.ID.String() + "/" + name
	status, webm, header := get(t, browser, fileURL)
	if status != http.StatusOK || header.Get("Content-Type") != "video/webm" {
		t.Fatalf("the recording: %d %s", status, header.Get("Content-Type"))
	}
	frames, width := webmVideoFrames(t, []byte(webm))
	if want := ivfFrames(t, ivfs[0]); len(frames) != want || want < 15 {
		t.Fatalf("the WebM holds %d frames, the IVF %d", len(frames), want)
	}
	if width != 320 {
		t.Errorf("the WebM's picture is %d wide, the test pattern 320", width)
	}
	dec, err := vpx.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for i, f := range frames {
		if _, err := dec.Decode(f, nil); err != nil {
			t.Fatalf("frame %d of the WebM does not decode: %v", i, err)
		}
	}
	// The WebM is kept beside the recording, and served in ranges.
	if _, err := os.Stat(filepath.Join(h.cfg.Recordings, c.ID.String(), name)); err != nil {
		t.Errorf("the WebM is not kept beside the recording: %v", err)
	}
	status, part, header := get(t, browser, fileURL, "Range", "bytes=100-199")
	if status != http.StatusPartialContent || part != webm[100:200] || !strings.HasPrefix(header.Get("Content-Range"), "bytes 100-199/") {
		t.Errorf("a range: %d %q", status, header.Get("Content-Range"))
	}

	// Gone: a name the recording does not hold, and the files deleted.
	if status, body, _ := get(t, browser, base+"/recordings/"+c.ID.String()+"/nobody-video-1.webm"); status != http.StatusNotFound || !strings.Contains(body, "录像不存在") {
		t.Errorf("an unknown recording: %d", status)
	}

	// The prefecture above the host may watch; c2 and t2, neither host,
	// invited nor above it, get no link.
	if _, refusal := h.recLink("p", c.ID); refusal != nil {
		t.Errorf("the station above the host was refused: %v", refusal)
	}
	for _, user := range []string{"c2", "t2"} {
		if _, refusal := h.recLink(user, c.ID); refusal == nil || refusal.Code != wire.CodeForbidden {
			t.Errorf("%s asked for a link and got %v", user, refusal)
		}
	}
	// t2 with a session of its own consultation's recordings, at this
	// consultation's page: refused, in Chinese and English.
	own := h.consultation("t2", "c1")
	t2 := h.dial("t2")
	h.startConsultation(t2, "t2", 1, own)
	path, refusal = h.recLink("t2", own.ID)
	if refusal != nil {
		t.Fatalf("t2's link to its own consultation: %v", refusal)
	}
	other := browserClient(t)
	if status, body, _ := get(t, other, base+path); status != http.StatusOK || !strings.Contains(body, "还没有录完的录像") {
		t.Fatalf("t2's own page: %d\n%s", status, body)
	}
	for _, u := range []string{base + "/recordings/" + c.ID.String() + "/", fileURL} {
		status, body, _ := get(t, other, u)
		if status != http.StatusForbidden || !strings.Contains(body, "无权观看") || !strings.Contains(body, "not yours to watch") {
			t.Errorf("t2 at %s: %d\n%s", u, status, body)
		}
	}
	if !strings.Contains(h.log.String(), "reason=not_invited") || !strings.Contains(h.log.String(), "station="+h.st["t2"].ID.String()) {
		t.Error("the refusals are not logged with the station and the reason")
	}
	if !strings.Contains(h.metrics(), `reason="recordings_not_invited"`) {
		t.Error("the refusals are not counted by reason")
	}

	if err := os.RemoveAll(filepath.Join(h.cfg.Recordings, c.ID.String())); err != nil {
		t.Fatal(err)
	}
	if status, body, _ := get(t, browser, fileURL); status != http.StatusNotFound || !strings.Contains(body, "The hub holds no such recording") {
		t.Errorf("a deleted recording: %d\n%s", status, body)
	}
	h.healthy()
}
