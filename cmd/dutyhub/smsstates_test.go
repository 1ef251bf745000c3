package main

import (
	"flag"
	"io"
	"log/slog"
	"slices"
	"testing"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/hub"
)

// With -sms the hub answers the clients' SMS questions and replays the
// stored acknowledgements at start, so a station that acknowledged at its
// window is not acknowledged again by SMS; until the queue is open it
// answers none and an SMS gateway that is on. Without -sms it has none.
func TestSMSWiringAnswersTheClientsAndReplaysAcknowledgements(t *testing.T) {
	var f smsFlags
	fs := flag.NewFlagSet("dutyhub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.register(fs)
	if err := fs.Parse([]string{"-sms", "gammu", "-sms-gammu-dir", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	var cfg hub.Config
	h, err := f.wire(&cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil || h == nil {
		t.Fatalf("wire: %v", err)
	}
	if cfg.SMS == nil {
		t.Fatal("the hub has no answer to sms.list")
	}
	if !slices.Contains(cfg.Replay, warning.OpAck) {
		t.Fatalf("replayed kinds %v: the acknowledgements are not among them", cfg.Replay)
	}
	if s, err := cfg.SMS.SMSStates(nil, func(app.ID) bool { return true }, 10); err != nil || len(s.Messages) != 0 {
		t.Fatalf("before the queue is open: %+v, %v", s, err)
	}
	if g := cfg.SMS.SMSGateway(); !g.On || g.Down {
		t.Fatalf("the gateway before the queue is open: %+v", g)
	}

	var off smsFlags
	var plain hub.Config
	if h, err := off.wire(&plain, nil); err != nil || h != nil || plain.SMS != nil {
		t.Fatalf("without -sms: %v, %v, %v", h, err, plain.SMS)
	}
}
