package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/rtcconf"
)

// A consultation's recording is watched in a browser: a real hub with its
// SFU records the county duty room's 640×480 test pattern and tone in a
// consultation the prefecture hosts and the county is invited to; the
// prefecture's account asks its hub for a recordings link, and headless
// Chromium opens it. The
// page lists the recording, in Chinese with the hub's font, and its <video>
// plays: its time advances and its picture is 640 wide.
func TestBrowserWatchesARecordingThroughTheHubPage(t *testing.T) {
	chromium := findChromium(t)
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	pref := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	county := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: pref.ID}
	if err := db.ImportStations([]app.Station{pref, county}); err != nil {
		t.Fatal(err)
	}
	for _, u := range [][2]string{{"xiangxi", pref.Code}, {"jishou", county.Code}} {
		if err := db.AddUser(u[0], u[1], "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	hubLog := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(hubLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	recordings := t.TempDir()
	router, err := sfu.New(sfu.Config{Logger: logger, Network: rtcconf.Network{Loopback: true}, Recordings: recordings})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hub.NewServer(db, hub.Config{Logger: logger, Signalling: router, Observe: router.Observe, Replay: sfu.ObservedKinds, Recordings: recordings})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	addr := ln.Addr().String()
	t.Cleanup(func() {
		router.Shutdown()
		hs.Close()
		srv.Close()
		db.Close()
		if t.Failed() {
			t.Logf("hub log:\n%s", hubLog.String())
		}
	})

	// The prefecture starts a recorded consultation inviting the county,
	// as its client does: a consult.start pushed through the hub.
	host := syncSocket(t, srv, addr, "xiangxi")
	c := consult.Consultation{ID: app.NewID(), Host: pref.ID, Title: "暴雨防御视频会商", State: consult.Live, Recording: true,
		Invited: []app.ID{county.ID}, CreatedAt: time.Now().UTC(), StartedAt: time.Now().UTC(), CreatedBy: "张科长"}
	pushConsult(t, host, pref.ID, 1, consult.OpStart, c)
	for end := time.Now().Add(10 * time.Second); router.Stats().OpenRooms == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the consultation's room did not open")
		}
	}

	// The county's duty room joins and sends its picture and sound for
	// three seconds; then the consultation ends.
	duty := startDutyRoom(t, srv, "ws://"+addr, "jishou", 3)
	joinCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := duty.media.Join(joinCtx, c.ID); err != nil {
		t.Fatalf("the duty room joining: %v", err)
	}
	time.Sleep(3 * time.Second)
	ended := c
	ended.State, ended.EndedAt = consult.Ended, time.Now().UTC()
	pushConsult(t, host, pref.ID, 2, consult.OpEnd, ended)
	index := filepath.Join(recordings, c.ID.String(), "index.json")
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var list wire.RoomRecordings
		raw, _ := os.ReadFile(index)
		finished := 0
		if json.Unmarshal(raw, &list) == nil {
			for _, f := range list.Files {
				if !f.End.IsZero() {
					finished++
				}
			}
		}
		if finished >= 2 && finished == len(list.Files) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the recording's files were not finished 20 s after the end: %s", raw)
		}
	}

	// The prefecture's account asks for a link over its hub session.
	send(t, host, hub.TypeRecLink, "rtc.reclink.1", hub.RecLink{Room: c.ID})
	var linked hub.RecLinked
	for {
		env := next(t, host)
		if env.Type == wire.TypeError {
			t.Fatalf("the recordings link was refused: %s", env.Data)
		}
		if env.Type == hub.TypeRecLinked {
			if err := json.Unmarshal(env.Data, &linked); err != nil {
				t.Fatal(err)
			}
			break
		}
	}

	b := launchChromium(t, chromium, "http://"+addr+linked.Path)
	type videoState struct {
		Count       int     `json:"count"`
		Time        float64 `json:"time"`
		Width       int     `json:"width"`
		Height      int     `json:"height"`
		Error       int     `json:"error"`
		Ready       int     `json:"ready"`
		Font        bool    `json:"font"`
		Text        string  `json:"text"`
		URL         string  `json:"url"`
		FontFaces   int     `json:"faces"`
		FontsStatus string  `json:"fontsStatus"`
	}
	const probe = `(() => { const v = document.querySelector('video');
		const faces = [...document.fonts].filter(f => f.family.includes('DutyRoom'));
		if (v && v.paused && !v.dataset.asked) { v.dataset.asked = '1'; v.muted = true; v.play().catch(() => {}); }
		return { count: document.querySelectorAll('video').length, time: v ? v.currentTime : 0, width: v ? v.videoWidth : 0,
			height: v ? v.videoHeight : 0, error: v && v.error ? v.error.code : 0, ready: v ? v.readyState : 0,
			font: faces.some(f => f.status === 'loaded'), faces: faces.length, fontsStatus: document.fonts.status,
			text: document.body ? document.body.innerText : '', url: location.href }; })()`
	var st videoState
	for end := time.Now().Add(45 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		b.eval(t, probe, &st)
		if st.Error != 0 {
			t.Fatalf("the <video> failed with MediaError %d\npage: %+v\nchromium:\n%s", st.Error, st, b.log.String())
		}
		if st.Time > 1 && st.Width > 0 && st.Font {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the recording did not play within 45 s: %+v\nchromium:\n%s", st, b.log.String())
		}
	}
	if st.Count != 1 || st.Width != 640 || st.Height != 480 {
		t.Errorf("the page plays %d videos, of %d×%d; want one of 640×480", st.Count, st.Width, st.Height)
	}
	if !strings.Contains(st.Text, "会商录像：暴雨防御视频会商") || !strings.Contains(st.Text, "吉首市") || strings.Contains(st.URL, "code") {
		t.Errorf("the page at %s reads:\n%s", st.URL, st.Text)
	}
	shot := filepath.Join(shotDir(t), "browser-recordings.png")
	if err := os.WriteFile(shot, b.screenshot(t), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("the page, playing: %s", shot)
}

// syncSocket logs user's client in on the hub's sync socket.
func syncSocket(t *testing.T, srv *hub.Server, addr, user string) *websocket.Conn {
	t.Helper()
	token, _, err := srv.IssueSession(user)
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/sync", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	send(t, ws, wire.TypeHello, "h", wire.Hello{Version: wire.Version, Client: "e2e " + user, Token: token})
	if env := next(t, ws); env.Type != wire.TypeWelcome {
		t.Fatalf("%s's hello: %s %s", user, env.Type, env.Data)
	}
	return ws
}

func send(t *testing.T, ws *websocket.Conn, typ, id string, body any) {
	t.Helper()
	frame, err := wire.Encode(typ, id, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		t.Fatal(err)
	}
}

func next(t *testing.T, ws *websocket.Conn) wire.Envelope {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, raw, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	env, err := wire.DecodeEnvelope(raw)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// pushConsult pushes a consultation operation of the host's station and
// waits for the hub's ack.
func pushConsult(t *testing.T, ws *websocket.Conn, origin app.ID, seq uint64, kind string, c consult.Consultation) {
	t.Helper()
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	op := app.Operation{ID: app.NewID(), Origin: origin, Seq: seq, Author: "张科长", At: time.Now().UTC(),
		Kind: kind, Entity: c.ID, Payload: payload, To: c.Others(origin)}
	send(t, ws, wire.TypePush, "push", wire.Push{Ops: []app.Operation{op}})
	for {
		env := next(t, ws)
		if env.Type == wire.TypeError {
			t.Fatalf("the hub refused %s: %s", kind, env.Data)
		}
		if env.Type == wire.TypeAck {
			return
		}
	}
}
