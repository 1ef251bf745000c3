package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// cannedSMS is a hub's SMS queue as the hub sees it: the messages with
// their stations; the hub picks the asking station's line.
type cannedSMS struct{ states []wire.SMSState }

func (c *cannedSMS) SMSStates(events []string, within func(app.ID) bool, max int) (wire.SMSStates, error) {
	var out wire.SMSStates
	for _, m := range c.states {
		if !within(m.Station) {
			continue
		}
		match := len(events) == 0
		for _, e := range events {
			match = match || wire.EventMatches(m.Event, e)
		}
		if match {
			out.Messages = append(out.Messages, m)
		}
	}
	return out, nil
}

func (c *cannedSMS) SMSGateway() wire.SMSGateway { return wire.SMSGateway{On: true} }

// startSMSDemoHub is newDemoHub serving cfg (with the hub's SMS answers);
// ready, when set, runs with the server before it takes a push.
func startSMSDemoHub(t *testing.T, stationsFile string, users map[string]string, cfg hub.Config, ready func(*hub.Server)) *demoHub {
	t.Helper()
	h := &demoHub{t: t, dir: t.TempDir()}
	data, err := os.ReadFile(stationsFile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := hub.DecodeDirectory(data)
	if err != nil {
		t.Fatal(err)
	}
	db, err := hub.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportDirectory(d); err != nil {
		t.Fatal(err)
	}
	for user, code := range users {
		if err := db.AddUser(user, code, demoPassword); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() {
		h.done <- hub.Run(ctx, hub.RunConfig{Dir: h.dir, Listen: "127.0.0.1:0",
			Server: cfg,
			Ready: func(srv *hub.Server, addr, pin string) {
				if ready != nil {
					ready(srv)
				}
				h.addr, h.pin = addr, pin
				close(started)
			}})
	}()
	select {
	case <-started:
	case err := <-h.done:
		t.Fatalf("the hub did not start: %v", err)
	}
	t.Cleanup(h.stop)
	return h
}

// dutyroom sms list asks the hub for the SMS of this station's line: a
// township sees its own message and not its neighbour's, by event or all,
// as JSON with the station's code and the number masked, or as a table.
// With no hub set up it says the states are at the hub.
func TestSMSListCommandAsksTheHubForTheStationsLine(t *testing.T) {
	root := t.TempDir()
	qianzhou := filepath.Join(root, "qianzhou")
	mustRun(t, qianzhou, "", "init", "--demo", "--station", "433101001")
	stationsFile := filepath.Join(root, "stations.json")
	mustRun(t, qianzhou, "", "station", "export", stationsFile)
	env := func() *cliEnv {
		m := NewMain(io.Discard, io.Discard)
		m.DataDir = qianzhou
		e, err := m.cliEnv(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return e
	}()
	byCode := func(code string) app.ID {
		for _, s := range env.all {
			if s.Code == code {
				return s.ID
			}
		}
		t.Fatalf("no station %s", code)
		return app.NilID
	}
	w := app.NewID()
	at := time.Date(2026, 7, 14, 2, 3, 0, 0, time.UTC)
	src := &cannedSMS{states: []wire.SMSState{
		{Event: "warning:" + w.String(), Kind: "warning", Station: byCode("433101001"), Person: "向明华", Number: "138****1111",
			State: "answered", CreatedAt: at, SentAt: at, AnsweredAt: at.Add(time.Minute), Reply: "4321"},
		{Event: "warning:" + w.String(), Kind: "warning", Station: byCode("433100"), Person: "州值班", Number: "138****2222", State: "sent", CreatedAt: at, SentAt: at},
		{Event: "incident:" + app.NewID().String() + ":1", Kind: "incident", Station: byCode("433101001"), Person: "向明华", Number: "138****1111", State: "failed", Reason: "connection refused", CreatedAt: at},
	}}
	env.db.Close()

	code, _, stderr := runIn(t, qianzhou, "", "sms", "list")
	if code == 0 || !strings.Contains(stderr, "kept at the hub") {
		t.Fatalf("with no hub: exit %d, %q", code, stderr)
	}

	h := startSMSDemoHub(t, stationsFile, map[string]string{"qianzhou": "433101001"}, hub.Config{SMS: src}, nil)
	mustRun(t, qianzhou, demoPassword+"\n", "hub", "connect", "--addr", h.url(), "--user", "qianzhou", "--pin", h.pin)

	var got []smsOut
	decode(t, qianzhou, &got, "sms", "list", "--event", "warning:"+w.String(), "--json")
	if len(got) != 1 || got[0].Station != "433101001" || got[0].Number != "138****1111" || got[0].State != "answered" || got[0].Reply != "4321" || got[0].AnsweredAt == nil {
		t.Fatalf("the township's SMS of the warning: %+v; want its own one, answered", got)
	}
	decode(t, qianzhou, &got, "sms", "list", "--json")
	if len(got) != 2 {
		t.Fatalf("all of the township's SMS: %+v; want its two", got)
	}
	table := mustRun(t, qianzhou, "", "sms", "list")
	if !strings.Contains(table, "乾州街道") || !strings.Contains(table, "138****1111") || !strings.Contains(table, "reply: 4321") ||
		!strings.Contains(table, "connection refused") || strings.Contains(table, "138****2222") {
		t.Fatalf("the table:\n%s", table)
	}
}
