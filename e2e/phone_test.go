package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A phone in headless Chromium: a 360×640 touch screen with a position,
// driven through the debugging protocol like the other browser tests.

// launchPhone starts Chromium on a blank page and sets it up as a phone
// (size, touch, geolocation allowed at origin and placed at lat, lon)
// before it opens anything.
func launchPhone(t *testing.T, bin, origin string, lat, lon float64) *browser {
	t.Helper()
	profile := t.TempDir()
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--lang=zh-CN", "--user-data-dir="+profile,
		"--remote-debugging-port=0", "--window-size=360,640", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{log: &lockedBuffer{}}
	cmd.Stdout = b.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var browserConn *websocket.Conn
	t.Cleanup(func() {
		if b.page != nil {
			b.page.Close()
		}
		if browserConn != nil {
			browserConn.Close()
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			b.log.Write([]byte(line + "\n"))
			if m := devtoolsLine.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
	}()
	var browserWS string
	select {
	case browserWS = <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("chromium did not open its debugging socket within 30 s:\n%s", b.log.String())
	}
	b.ready = time.Now()
	host := strings.TrimPrefix(browserWS, "ws://")
	host = host[:strings.Index(host, "/")]
	var pageWS string
	for end := time.Now().Add(15 * time.Second); pageWS == ""; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("chromium shows no blank page:\n%s", b.log.String())
		}
		resp, err := http.Get("http://" + host + "/json/list")
		if err != nil {
			continue
		}
		var targets []struct {
			Type, URL            string
			WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&targets)
		resp.Body.Close()
		for _, tg := range targets {
			if tg.Type == "page" {
				pageWS = tg.WebSocketDebuggerURL
			}
		}
	}
	// Permissions are the browser's, not the page's.
	browserConn, _, err = websocket.DefaultDialer.Dial(browserWS, nil)
	if err != nil {
		t.Fatalf("connect to chromium's debugging socket: %v", err)
	}
	whole := &browser{page: browserConn, log: b.log}
	whole.call(t, "Browser.grantPermissions", map[string]any{"origin": origin, "permissions": []string{"geolocation"}})

	b.page, _, err = websocket.DefaultDialer.Dial(pageWS, nil)
	if err != nil {
		t.Fatalf("connect to the page's debugging socket: %v", err)
	}
	b.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 360, "height": 640, "deviceScaleFactor": 2, "mobile": true})
	b.call(t, "Emulation.setLocaleOverride", map[string]any{"locale": "zh-CN"})
	b.call(t, "Emulation.setTouchEmulationEnabled", map[string]any{"enabled": true, "maxTouchPoints": 5})
	b.call(t, "Emulation.setGeolocationOverride", map[string]any{"latitude": lat, "longitude": lon, "accuracy": 15})
	b.call(t, "Network.enable", map[string]any{})
	b.call(t, "Page.enable", map[string]any{})
	return b
}

// open navigates the page to url.
func (b *browser) open(t *testing.T, url string) {
	t.Helper()
	b.call(t, "Page.navigate", map[string]any{"url": url})
}

// link sets the phone's link: offline, or online with the given throughput
// (bits per second, 0 for unthrottled) and latency.
func (b *browser) link(t *testing.T, online bool, bps int, latency time.Duration) {
	t.Helper()
	through := -1.0
	if bps > 0 {
		through = float64(bps) / 8
	}
	b.call(t, "Network.emulateNetworkConditions", map[string]any{
		"offline": !online, "latency": latency.Milliseconds(), "downloadThroughput": through, "uploadThroughput": through})
}

// waitJS waits until the JavaScript expression is true, or fails with what
// the page shows.
func (b *browser) waitJS(t *testing.T, within time.Duration, what, expr string) {
	t.Helper()
	end := time.Now().Add(within)
	for {
		var ok bool
		b.evalSafe(t, "(function(){try{return !!("+expr+")}catch(e){return false}})()", &ok)
		if ok {
			return
		}
		if time.Now().After(end) {
			var text string
			b.evalSafe(t, "document.body ? document.body.innerText : ''", &text)
			t.Fatalf("%s: not within %s\nthe page shows:\n%s\nchromium:\n%s", what, within, text, lastChars(b.log.String(), 3000))
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// evalSafe is eval where the value may be missing while a page loads.
func (b *browser) evalSafe(t *testing.T, expr string, v any) {
	t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
	}
	raw := b.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Result.Value) == 0 {
		return
	}
	_ = json.Unmarshal(r.Result.Value, v)
}

// tap touches the middle of the first element matching sel, as a finger.
func (b *browser) tap(t *testing.T, sel string) {
	t.Helper()
	var box struct{ X, Y float64 }
	var ok bool
	b.evalSafe(t, fmt.Sprintf(`(function(){const e=document.querySelector(%q); if(!e) return false; e.scrollIntoView({block:'center'}); return true})()`, sel), &ok)
	if !ok {
		var text string
		b.evalSafe(t, "document.body.innerText", &text)
		t.Fatalf("nothing to tap at %s; the page shows:\n%s", sel, text)
	}
	b.evalSafe(t, fmt.Sprintf(`(function(){const r=document.querySelector(%q).getBoundingClientRect(); return {X:r.left+r.width/2, Y:r.top+r.height/2}})()`, sel), &box)
	pt := []map[string]any{{"x": box.X, "y": box.Y}}
	b.call(t, "Input.dispatchTouchEvent", map[string]any{"type": "touchStart", "touchPoints": pt})
	b.call(t, "Input.dispatchTouchEvent", map[string]any{"type": "touchEnd", "touchPoints": []any{}})
}

// typeInto taps the field and types text as a keyboard would.
func (b *browser) typeInto(t *testing.T, sel, text string) {
	t.Helper()
	b.evalSafe(t, fmt.Sprintf(`(function(){const e=document.querySelector(%q); e.focus(); e.select && e.select(); return true})()`, sel), new(bool))
	b.call(t, "Input.insertText", map[string]any{"text": text})
}

// setFiles puts files into the file input at sel, as the camera would.
func (b *browser) setFiles(t *testing.T, sel string, files ...string) {
	t.Helper()
	var r struct {
		Result struct {
			ObjectID string `json:"objectId"`
		} `json:"result"`
	}
	if err := json.Unmarshal(b.call(t, "Runtime.evaluate", map[string]any{"expression": fmt.Sprintf("document.querySelector(%q)", sel)}), &r); err != nil || r.Result.ObjectID == "" {
		t.Fatalf("no file input at %s", sel)
	}
	b.call(t, "DOM.setFileInputFiles", map[string]any{"files": files, "objectId": r.Result.ObjectID})
}

// shoot writes a screenshot of the phone's screen to the screenshot folder.
func (b *browser) shoot(t *testing.T, name string) {
	t.Helper()
	var ready bool
	b.evalSafe(t, "document.fonts.ready.then(() => true)", &ready)
	p := filepath.Join(shotDir(t), name)
	if err := os.WriteFile(p, b.screenshot(t), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// cameraPhoto writes a synthetic camera picture, w×h, as a JPEG the size a
// phone's camera makes: smooth shades with fine detail, different for each
// seed.
func cameraPhoto(t *testing.T, dir string, seed, w, h int) string {
	return cameraPhotoNoise(t, dir, seed, w, h, 24)
}

// cameraPhotoNoise is cameraPhoto with grain of the given strength: the
// more, the larger the JPEG the phone makes of it.
func cameraPhotoNoise(t *testing.T, dir string, seed, w, h, noise int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x := uint32(seed*2654435761 + 1)
	for py := 0; py < h; py++ {
		for px := 0; px < w; px++ {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			n := uint8(x % uint32(noise))
			img.Set(px, py, color.RGBA{uint8(px*200/w) + n, uint8(py*200/h) + n, uint8(seed*60) + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, fmt.Sprintf("IMG_%04d.jpg", seed))
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func lastChars(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
