package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/assets"
	"dutyroom/hub"
	"dutyroom/hub/sms"
	"dutyroom/store"
)

// phoneNetwork is a gateway that takes every message, as the operator
// would.
type phoneNetwork struct {
	mu   sync.Mutex
	sent []sms.Outgoing
}

func (g *phoneNetwork) Name() string { return "test" }

func (g *phoneNetwork) Send(_ context.Context, m sms.Outgoing) (sms.Result, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sent = append(g.sent, m)
	return sms.Result{GatewayID: m.ID, State: sms.Sent}, nil
}

// smsWiring is dutyhub's SMS wiring (cmd/dutyhub/sms.go) for a test hub.
type smsWiring struct {
	notifier *sms.Notifier
	acker    *sms.Acknowledger
	queue    atomic.Pointer[sms.Queue]
}

func (w *smsWiring) SMSStates(events []string, within func(app.ID) bool, max int) (wire.SMSStates, error) {
	ms, truncated, err := w.queue.Load().States(events, within, max)
	return wire.SMSStates{Messages: ms, Truncated: truncated}, err
}

func (w *smsWiring) SMSGateway() wire.SMSGateway { return wire.SMSGateway{On: true} }

// tapLabelled taps the first tappable whose subtree shows text.
func tapLabelled(t *testing.T, win fyne.Window, text string) {
	t.Helper()
	// The screen may still be filling in (a list refreshed by the tap
	// before): look again until it shows, as an officer would.
	var target fyne.Tappable
	find := func() bool {
		walkObjects(win.Content(), func(o fyne.CanvasObject) {
			tp, ok := o.(fyne.Tappable)
			if !ok || target != nil {
				return
			}
			walkObjects(o, func(c fyne.CanvasObject) {
				if shownText(c) == text {
					target = tp
				}
			})
		})
		return target != nil
	}
	for deadline := time.Now().Add(15 * time.Second); !find(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("nothing to tap shows %q", text)
		}
	}
	test.Tap(target)
}

// shownText is the text a label, a canvas text or a rich text shows.
func shownText(o fyne.CanvasObject) string {
	switch c := o.(type) {
	case *widget.Label:
		return c.Text
	case *canvas.Text:
		return c.Text
	case *widget.RichText:
		return c.String()
	}
	return ""
}

func windowShows(win fyne.Window, text string) bool {
	found := false
	walkObjects(win.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, text) {
			found = true
		}
	})
	return found
}

// A village officer's reply to the red warning's SMS signs for the village
// in the prefecture's own window: the hub writes the acknowledgement, the
// prefecture's client takes it in, and its warning progress, opened as a
// duty officer would, says 短信签收 with the officer, the masked number and
// the time.
func TestSMSReplySignsInThePrefecturesWindow(t *testing.T) {
	assets.ChooseLanguage(assets.Chinese)
	if err := assets.LoadTranslations(); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	xiangxi, qianzhou := filepath.Join(root, "xiangxi"), filepath.Join(root, "qianzhou")
	mustRun(t, xiangxi, "", "init", "--demo", "--bare", "--station", "433100")
	mustRun(t, qianzhou, "", "init", "--demo", "--bare", "--station", "433101001")
	stationsFile := filepath.Join(root, "stations.json")
	mustRun(t, xiangxi, "", "station", "export", stationsFile)

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	gw := &phoneNetwork{}
	wiring := &smsWiring{notifier: sms.NewNotifier(nil, nil, quiet), acker: sms.NewAcknowledger(nil, quiet)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	cfg := hub.Config{SMS: wiring, Replay: append(append([]string{}, sms.ObservedKinds...), sms.AckObservedKinds...),
		Observe: func(op app.Operation) {
			wiring.notifier.Observe(op)
			wiring.acker.Observe(op)
		}}
	h := startSMSDemoHub(t, stationsFile, map[string]string{"xiangxi": "433100", "qianzhou": "433101001"}, cfg, func(srv *hub.Server) {
		wiring.acker.Append = srv.AppendOwn
		q, err := sms.Open(srv.DB().Bolt(), gw, sms.Config{Logger: quiet, Answered: wiring.acker.Answered, PollInterval: 100 * time.Millisecond})
		if err != nil {
			t.Error(err)
			return
		}
		wiring.queue.Store(q)
		wiring.notifier.Queue = q
		wiring.notifier.Tree = func() *app.Tree {
			tree, _ := srv.DB().Tree()
			return tree
		}
		wg.Add(2)
		go func() { defer wg.Done(); q.Run(ctx) }()
		go func() { defer wg.Done(); wiring.notifier.Run(ctx) }()
	})
	for user, dir := range map[string]string{"xiangxi": xiangxi, "qianzhou": qianzhou} {
		mustRun(t, dir, demoPassword+"\n", "hub", "connect", "--addr", h.url(), "--user", user, "--pin", h.pin)
	}
	mustRun(t, qianzhou, "", "person", "add", "--station", "433101001001", "--name", "向信息员", "--mobile", "13800001111", "--roles", "info_officer")
	mustRun(t, qianzhou, "", "sync")
	mustRun(t, xiangxi, "", "sync")
	var issued warningOut
	decode(t, xiangxi, &issued, "warning", "issue", "--level", "red", "--kind", "geological",
		"--text", "乾州街道一带地质灾害风险极高", "--until", local(time.Now().Add(12*time.Hour)), "--json")
	mustRun(t, xiangxi, "", "sync")

	var m sms.Message
	waitUntil(t, "the 叫应 SMS to the village officer", func() bool {
		ms, _ := wiring.queue.Load().Messages()
		for _, x := range ms {
			if x.To == "13800001111" && x.State == sms.Sent {
				m = x
				return true
			}
		}
		return false
	})
	wiring.queue.Load().Reply(sms.Inbound{From: "+8613800001111", Text: "收到" + m.Code, At: time.Now()})

	pref := openStation(t, xiangxi)
	pref.window()
	wid, err := app.ParseID(issued.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the acknowledgement in the prefecture's file", func() bool {
		r, err := store.NewWarnings(pref.db).Progress(context.Background(), wid)
		if err != nil {
			return false
		}
		for _, s := range r.Stations {
			if s.Ack != nil && s.Ack.Number == "138****1111" {
				return true
			}
		}
		return false
	})
	tapLabelled(t, pref.win, "预警")
	tapLabelled(t, pref.win, "发布记录与签收")
	tapLabelled(t, pref.win, "地质灾害预警")
	waitUntil(t, "短信签收 in the prefecture's progress", func() bool {
		return windowShows(pref.win, "短信签收") && windowShows(pref.win, "向信息员 138****1111")
	})
}
