package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/villagereport"
)

// villageSide is what the phone test needs of the hub and the duty rooms
// above the village.
type villageSide interface {
	origin() string // http://host:port of the hub
	officer() (login, password string)
	village() (id app.ID, name string)
	// arrived waits for the report at the township and returns how many
	// create operations came, the report, and each photo's bytes by SHA-256.
	arrived(t *testing.T, within time.Duration) (creates int, r villagereport.Report, photos map[string][]byte)
	merge(t *testing.T, report app.ID)    // the township merges the report into an incident
	issueWarning(t *testing.T) app.ID     // the township issues a warning reaching the village
	pageAck(t *testing.T, warning app.ID) // waits for the page's 签收 at the township
}

// linkGate stands for the phone's radio link at the hub's side: while it is
// down, every connection is dropped unanswered, so nothing of the page, its
// service worker or its API can reach the hub.
type linkGate struct {
	down atomic.Bool
	next http.Handler
	// Faults of a bad link, each on the next photo part only: its bytes
	// spoiled on the way, or the hub's answer to it lost.
	spoilPart, loseAnswer atomic.Bool
}

func (g *linkGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	part := r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/photos/")
	if part && g.spoilPart.CompareAndSwap(true, false) {
		body, _ := io.ReadAll(r.Body)
		body[len(body)/2] ^= 0xff
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if part && g.loseAnswer.CompareAndSwap(true, false) {
		// The hub takes the part; the phone never hears.
		g.next.ServeHTTP(httptest.NewRecorder(), r)
		g.drop(w)
		return
	}
	if g.down.Load() {
		g.drop(w)
		return
	}
	g.next.ServeHTTP(w, r)
}

// drop closes the connection with no answer, as a lost link does.
func (g *linkGate) drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	http.Error(w, "no link", http.StatusServiceUnavailable)
}

// serveGated serves h on a loopback port behind a link gate.
func serveGated(t *testing.T, h http.Handler) (*linkGate, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &linkGate{next: h}
	hs := &http.Server{Handler: g}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return g, "http://" + ln.Addr().String()
}

const (
	phoneLat = 28.31234
	phoneLon = 109.73891
)

// phoneReports is the officer's day on the phone, on a link that comes and
// goes: sign in, lose the signal, write a report with two photos, reopen the
// page with no signal, get a slow signal back, see the report reach the
// township once and whole and the township's merge come back, then sign a
// warning.
func phoneReports(t *testing.T, chromium string, side villageSide, gate *linkGate) {
	start := time.Now()
	// The township warns its villages before it hears of anything (and
	// before its 核实, which it queues after its own operations).
	w := side.issueWarning(t)
	b := launchPhone(t, chromium, side.origin(), phoneLat, phoneLon)
	b.open(t, side.origin()+"/report")
	b.waitJS(t, 20*time.Second, "the sign-in screen", `!document.querySelector('#signin').hidden`)
	b.shoot(t, "village-1-signin.png")

	login, password := side.officer()
	b.typeInto(t, "#login", login)
	b.typeInto(t, "#password", password)
	b.tap(t, "#signin-go")
	b.waitJS(t, 20*time.Second, "the report form after signing in", `!document.querySelector('#report').hidden && document.querySelectorAll('#categories input').length > 5`)
	_, vname := side.village()
	var shown string
	b.evalSafe(t, "document.querySelector('#village').textContent + '|' + document.querySelector('#place-village').textContent", &shown)
	if !strings.Contains(shown, vname+" ") || !strings.HasSuffix(shown, "|"+vname) {
		t.Errorf("the form shows the village as %q, want %s in the title and as the place's preset", shown, vname)
	}
	b.waitJS(t, 10*time.Second, "the 预警 tab counting the township's warning", `document.querySelector('#warn-badge').textContent === '1' && !document.querySelector('#warn-badge').hidden`)
	// The service worker holds the page before the signal goes.
	b.waitJS(t, 20*time.Second, "the service worker controlling the page", `navigator.serviceWorker.controller && Promise.all(['/report', '/report/app.js', '/report/app.css', '/report/icon-192.png'].map(u => caches.match(u))).then(rs => rs.every(Boolean))`)
	// Installable: Chromium finds nothing missing for a home-screen app.
	var inst struct {
		Errors []struct {
			ErrorID string `json:"errorId"`
		} `json:"installabilityErrors"`
	}
	if err := json.Unmarshal(b.call(t, "Page.getInstallabilityErrors", map[string]any{}), &inst); err != nil {
		t.Fatal(err)
	}
	if len(inst.Errors) > 0 {
		t.Errorf("Chromium would not install the page: %+v", inst.Errors)
	}
	b.waitJS(t, 10*time.Second, "the phone's position", `document.querySelector('#position').textContent.includes('28.31234')`)

	// The signal goes.
	gate.down.Store(true)
	b.link(t, false, 0, 0)
	b.waitJS(t, 10*time.Second, "the page saying there is no network", `document.querySelector('#net').textContent === '无网络'`)

	// A report with no category, no place and a figure that is not whole:
	// the page names each field in Chinese and keeps what was typed.
	b.typeInto(t, "input[name=injured]", "2.5")
	b.typeInto(t, "#description", "后山滑坡，冲毁村道约30米，两户房屋后墙开裂。")
	b.tap(t, "#submit")
	b.waitJS(t, 5*time.Second, "the form's errors", `!document.querySelector('#form-summary').hidden`)
	var errs struct {
		Summary, Category, Place, Injured, Typed, Desc string
	}
	b.evalSafe(t, `({Summary: document.querySelector('#form-summary').textContent,
		Category: document.querySelector('[data-field="category"] > .error').textContent,
		Place: document.querySelector('[data-field="place"] > .error').textContent,
		Injured: document.querySelector('[data-field="counts.injured"] .error').textContent,
		Typed: document.querySelector('input[name=injured]').value,
		Desc: document.querySelector('#description').value})`, &errs)
	for _, c := range []struct{ got, want string }{
		{errs.Summary, "类别"}, {errs.Summary, "地点"}, {errs.Summary, "受伤"},
		{errs.Category, "请选择"}, {errs.Place, "地点"}, {errs.Injured, "整数"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("the form's errors %+v: want %q in %q", errs, c.want, c.got)
		}
	}
	if errs.Typed != "2.5" || !strings.HasPrefix(errs.Desc, "后山滑坡") {
		t.Errorf("the form lost what was typed: injured %q, description %q", errs.Typed, errs.Desc)
	}
	b.shoot(t, "village-2-form-errors.png")

	// Corrected, with two photos from the camera.
	b.tap(t, `#categories input[value="geological"] + span`)
	b.typeInto(t, "#place", "3组后山")
	b.typeInto(t, "input[name=injured]", "2")
	b.typeInto(t, "input[name=trapped]", "1")
	b.typeInto(t, "input[name=evacuated]", "１２") // full-width, from a Chinese keyboard
	b.typeInto(t, "input[name=houses_damaged]", "2")
	dir := t.TempDir()
	for i, seed := range []int{1, 2} {
		b.setFiles(t, "#camera", cameraPhoto(t, dir, seed, 3000, 2000))
		b.waitJS(t, 30*time.Second, fmt.Sprintf("photo %d shrunk and shown", i+1), fmt.Sprintf(`document.querySelectorAll('#photos .photo').length === %d`, i+1))
	}
	b.evalSafe(t, "document.querySelector('#photos').scrollIntoView({block: 'center'})", new(any))
	b.shoot(t, "village-3-form.png")
	b.tap(t, "#submit")
	b.waitJS(t, 10*time.Second, "the report in 我的报告 as 待发送", `!document.querySelector('#mine').hidden && document.querySelector('#mine-list li[data-state="pending"] .state').textContent === '待发送'`)
	var saved struct {
		ID     string
		Photos []struct {
			SHA256 string `json:"sha256"`
			Size   int    `json:"size"`
			Lat    float64
			Lon    float64
		}
	}
	b.evalSafe(t, `allReports().then(rs => ({ID: rs[0].id, Photos: rs[0].body.photos.map(p => ({sha256: p.sha256, size: p.size, Lat: p.lat, Lon: p.lon}))}))`, &saved)
	if len(saved.Photos) != 2 {
		t.Fatalf("the phone saved %+v, want a report with two photos", saved)
	}
	b.shoot(t, "village-4-queue-pending.png")

	// Reopened with no signal: the page still opens and still holds the report.
	b.call(t, "Page.reload", map[string]any{})
	b.waitJS(t, 20*time.Second, "the page reopened with no signal", `document.readyState === 'complete' && !document.querySelector('#report').hidden`)
	b.tap(t, `#tabs button[data-tab="mine"]`)
	b.waitJS(t, 10*time.Second, "the report still 待发送 after the reload", `document.querySelector('#mine-list li[data-id="`+saved.ID+`"] .state').textContent === '待发送'`)
	var net string
	b.evalSafe(t, "document.querySelector('#net').textContent", &net)
	if net != "无网络" {
		t.Errorf("with no signal the page says %q, want 无网络", net)
	}

	// A slow signal comes back: 250 kbit/s, 300 ms.
	back := time.Now()
	gate.down.Store(false)
	b.link(t, true, 250_000, 300*time.Millisecond)
	creates, r, photos := side.arrived(t, 90*time.Second)
	arrivedIn := time.Since(back)
	b.waitJS(t, 60*time.Second, "the report 已收到 on the phone", `['received','merged'].includes(document.querySelector('#mine-list li[data-id="`+saved.ID+`"]').dataset.state)`)
	if creates != 1 {
		t.Errorf("the township got %d villagereport.create operations, want exactly 1", creates)
	}
	if r.ID.String() != saved.ID || r.Category != "geological" || r.Place != "3组后山" || r.Counts.Injured != 2 || r.Counts.Trapped != 1 || r.Counts.Evacuated != 12 || r.Counts.HousesDamaged != 2 {
		t.Errorf("the township got %+v, want what the officer wrote", r)
	}
	vid, _ := side.village()
	if r.Village != vid || r.OfficerName == "" {
		t.Errorf("the report is of village %s by %q, want the officer's village %s and name", r.Village, r.OfficerName, vid)
	}
	if r.Lat == nil || math.Abs(*r.Lat-phoneLat) > 1e-6 || r.Lon == nil || math.Abs(*r.Lon-phoneLon) > 1e-6 {
		t.Errorf("the report's position is %v, %v, want the phone's %v, %v", r.Lat, r.Lon, phoneLat, phoneLon)
	}
	if len(r.Photos) != 2 {
		t.Fatalf("the report has %d photos, want 2", len(r.Photos))
	}
	for i, p := range r.Photos {
		data := photos[p.SHA256]
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != saved.Photos[i].SHA256 || p.SHA256 != saved.Photos[i].SHA256 || len(data) != saved.Photos[i].Size {
			t.Errorf("photo %d reached the township as %d bytes, SHA-256 %x; the phone sent %d bytes, %s", i+1, len(data), sum, saved.Photos[i].Size, saved.Photos[i].SHA256)
			continue
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || format != "jpeg" || max(cfg.Width, cfg.Height) != 1600 {
			t.Errorf("photo %d is %s %d×%d (%v), want a JPEG shrunk to 1600 px on its long side", i+1, format, cfg.Width, cfg.Height, err)
		}
		if p.Lat == nil || math.Abs(*p.Lat-phoneLat) > 1e-6 || p.TakenAt.IsZero() || p.TakenAt.After(r.WrittenAt) {
			t.Errorf("photo %d was taken at %v at %v, want the phone's position and a time before the report was written (%v)", i+1, p.TakenAt, p.Lat, r.WrittenAt)
		}
		t.Logf("photo %d: %d bytes, %d×%d", i+1, len(data), cfg.Width, cfg.Height)
	}
	b.shoot(t, "village-5-received.png")

	// The township merges it into an incident; the phone says 已并入.
	side.merge(t, r.ID)
	mergedAt := time.Now()
	for {
		b.tap(t, `#tabs button[data-tab="mine"]`)
		var state string
		b.evalSafe(t, `document.querySelector('#mine-list li[data-id="`+saved.ID+`"] .state').textContent`, &state)
		if state == "已并入" {
			break
		}
		if time.Since(mergedAt) > 60*time.Second {
			t.Fatalf("60 s after the township merged the report the phone says %q, want 已并入", state)
		}
		time.Sleep(2 * time.Second)
	}
	b.shoot(t, "village-6-merged.png")

	// The warning the township issued at the start; the officer signs for it.
	b.tap(t, `#tabs button[data-tab="warnings"]`)
	b.waitJS(t, 30*time.Second, "the warning on the 预警 tab", `document.querySelector('#warn-list li[data-id="`+w.String()+`"] button')`)
	b.shoot(t, "village-7-warnings.png")
	b.tap(t, `#warn-list li[data-id="`+w.String()+`"] button`)
	b.waitJS(t, 30*time.Second, "已签收 on the warning", `document.querySelector('#warn-list li[data-id="`+w.String()+`"] .acked').textContent.startsWith('已签收')`)
	side.pageAck(t, w)
	b.shoot(t, "village-8-warning-acked.png")

	var pageErrs []string
	b.evalSafe(t, `Array.from(document.querySelectorAll('.error:not([hidden])')).map(e => e.textContent)`, &pageErrs)
	if len(pageErrs) > 0 {
		t.Errorf("the page shows errors at the end: %q", pageErrs)
	}
	t.Logf("timing: link back to the report at the township %s (250 kbit/s, 300 ms); whole test %s", arrivedIn.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}
