package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/hub"
	"dutyroom/hub/sms"
)

// smsFlags configure the SMS gateway (docs/sms.md). It is off unless
// -sms names a back-end. Secrets come from the environment, out of the
// command line every user of the machine can read.
type smsFlags struct {
	backend   string
	from      string
	kannelURL string
	kannelUsr string
	listen    string
	callback  string
	gammuDir  string
	dailyCap  int
	personCap int
	// Who is reached about what (docs/sms.md).
	escalateAfter time.Duration
	escalateChain string
	noticeBefore  time.Duration
	eveningAt     string
	workers       int
}

func (f *smsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.backend, "sms", "", "SMS gateway: kannel or gammu (default: off)")
	fs.StringVar(&f.from, "sms-from", "", "SMS: the duty room's sender number")
	fs.StringVar(&f.kannelURL, "sms-kannel-url", "http://127.0.0.1:13013/cgi-bin/sendsms", "SMS: smsbox's sendsms URL; the password comes from DUTYHUB_KANNEL_PASSWORD")
	fs.StringVar(&f.kannelUsr, "sms-kannel-user", "dutyhub", "SMS: smsbox's sendsms-user name")
	fs.StringVar(&f.listen, "sms-listen", "127.0.0.1:7480", "SMS: where smsbox calls the hub with replies and delivery reports; the key comes from DUTYHUB_SMS_KEY")
	fs.StringVar(&f.callback, "sms-callback-url", "", "SMS: the URL smsbox reaches -sms-listen at (default http://ADDR of -sms-listen)")
	fs.StringVar(&f.gammuDir, "sms-gammu-dir", "/var/spool/gammu", "SMS: gammu-smsd's files back-end folder, with outbox, inbox, sent and error inside")
	fs.IntVar(&f.dailyCap, "sms-daily-cap", sms.DefaultDailyCap, "SMS: messages a day in all")
	fs.IntVar(&f.personCap, "sms-person-cap", sms.DefaultPersonCap, "SMS: messages a day to one number")
	fs.IntVar(&f.workers, "sms-workers", sms.DefaultWorkers, "SMS: messages handed to the gateway at once, each by its own request")
	fs.DurationVar(&f.escalateAfter, "sms-escalate-after", sms.DefaultEscalateAfter, "SMS: wait for an answer about a major incident or an overdue report before the next step of the chain")
	fs.StringVar(&f.escalateChain, "sms-escalate-chain", "leader,principal,above", "SMS: escalation steps in order: leader (on duty), principal (by title), above (the leader on duty of the level above)")
	fs.DurationVar(&f.noticeBefore, "sms-notice-before", sms.DefaultNoticeBefore, "SMS: remind stations without a receipt this long before a notice's acknowledge-by time")
	fs.StringVar(&f.eveningAt, "sms-evening-at", sms.DefaultEveningAt.String(), "SMS: when the reminder of tomorrow's duty goes out, HH:MM in each station's zone")
}

// gateway builds the back-end; kannel is also returned for its callbacks.
func (f *smsFlags) gateway() (sms.Gateway, *sms.Kannel, error) {
	switch f.backend {
	case "kannel":
		cb := f.callback
		if cb == "" {
			cb = "http://" + f.listen
		}
		k := &sms.Kannel{SendURL: f.kannelURL, User: f.kannelUsr, Password: os.Getenv("DUTYHUB_KANNEL_PASSWORD"),
			From: f.from, CallbackURL: cb, Key: os.Getenv("DUTYHUB_SMS_KEY")}
		return k, k, nil
	case "gammu":
		d := f.gammuDir
		return &sms.Gammu{Outbox: filepath.Join(d, "outbox"), Inbox: filepath.Join(d, "inbox"),
			Sent: filepath.Join(d, "sent"), Error: filepath.Join(d, "error")}, nil, nil
	case "":
		return nil, nil, app.Errorf(app.EINVALID, "no SMS gateway configured: give -sms kannel or -sms gammu")
	}
	return nil, nil, app.Errorf(app.EINVALID, "-sms %q: want kannel or gammu", f.backend)
}

func (f *smsFlags) config(log *slog.Logger) sms.Config {
	return sms.Config{DailyCap: f.dailyCap, PersonCap: f.personCap, Workers: f.workers, Logger: log,
		// Until an answer becomes an acknowledgement in the issuer's
		// window, the log line and `dutyhub sms list` are its record.
		Answered: func(m sms.Message, in sms.Inbound) {
			log.Info("sms 短信签收", "event", m.Event, "station", m.Station, "person", m.Name,
				"from", sms.Mask(in.From), "at", in.At.Format(time.RFC3339))
		}}
}

// tune sets the notifier's timings and chain from the flags.
func (f smsFlags) tune(n *sms.Notifier) error {
	chain, err := sms.ParseChain(f.escalateChain)
	if err != nil {
		return app.Errorf(app.EINVALID, "-sms-escalate-chain: %v", err)
	}
	at, err := roster.ParseTimeOfDay(f.eveningAt)
	if err != nil {
		return app.Errorf(app.EINVALID, "-sms-evening-at: %s", app.ErrorMessage(err))
	}
	if f.escalateAfter <= 0 || f.noticeBefore <= 0 {
		return app.Errorf(app.EINVALID, "-sms-escalate-after and -sms-notice-before must be positive")
	}
	n.EscalateChain, n.EveningAt, n.EscalateAfter, n.NoticeBefore = chain, at, f.escalateAfter, f.noticeBefore
	return nil
}

// smsHub is the gateway inside a serving hub.
type smsHub struct {
	flags    smsFlags
	log      *slog.Logger
	notifier *sms.Notifier
	queue    *sms.Queue
	acker    *sms.Acknowledger
	// live is the open queue and its watched gateway, for the clients'
	// questions (smsstates.go), which come from other goroutines.
	live atomic.Pointer[smsLive]
}

// wire hooks the SMS gateway into the hub's configuration: the notifier
// sees stored operations, the queue's counters join /metrics. Nil when
// the gateway is off.
func (f smsFlags) wire(cfg *hub.Config, log *slog.Logger) (*smsHub, error) {
	if f.backend == "" {
		return nil, nil
	}
	if _, _, err := f.gateway(); err != nil {
		return nil, err
	}
	h := &smsHub{flags: f, log: log}
	h.notifier = sms.NewNotifier(nil, nil, log)
	if err := f.tune(h.notifier); err != nil {
		return nil, err
	}
	h.acker = sms.NewAcknowledger(nil, log)
	observe, metrics := cfg.Observe, cfg.ExtraMetrics
	cfg.Observe = func(op app.Operation) {
		if observe != nil {
			observe(op)
		}
		h.notifier.Observe(op)
		h.acker.Observe(op)
	}
	cfg.Replay = append(append([]string{}, cfg.Replay...), sms.ObservedKinds...)
	cfg.Replay = append(cfg.Replay, sms.AckObservedKinds...)
	cfg.SMS = h
	cfg.ExtraMetrics = func(w io.Writer) {
		if metrics != nil {
			metrics(w)
		}
		if h.queue != nil {
			h.queue.WriteMetrics(w)
		}
	}
	return h, nil
}

// start opens the queue in the hub's file and runs it until ctx ends.
// It runs from Ready, before the hub takes pushes.
func (h *smsHub) start(ctx context.Context, srv *hub.Server) error {
	gw, kannel, err := h.flags.gateway()
	if err != nil {
		return err
	}
	// A reply to a warning's message becomes its station's 短信签收.
	h.acker.Append = srv.AppendOwn
	qcfg := h.flags.config(h.log)
	qcfg.Answered = h.acker.Answered
	watched := sms.Watch(gw)
	q, err := sms.Open(srv.DB().Bolt(), watched, qcfg)
	if err != nil {
		return err
	}
	h.queue = q
	h.live.Store(&smsLive{queue: q, watched: watched})
	go func() {
		if n, err := h.acker.CatchUp(ctx, q); err != nil {
			h.log.Error("sms: answered messages cannot be read", "err", err)
		} else if n > 0 {
			h.log.Info("sms: answers acknowledged after a restart", "count", n)
		}
	}()
	h.notifier.Queue = q
	h.notifier.Tree = func() *app.Tree {
		t, err := srv.DB().Tree()
		if err != nil {
			h.log.Error("sms: the station tree cannot be read", "err", err)
			return app.NewTree(nil)
		}
		return t
	}
	// The replay is over: roster changes from now on are news.
	h.notifier.Live()
	go q.Run(ctx)
	go h.notifier.Run(ctx)
	if kannel != nil {
		ln, err := net.Listen("tcp", h.flags.listen)
		if err != nil {
			return fmt.Errorf("-sms-listen %s: %v", h.flags.listen, err)
		}
		hs := &http.Server{Handler: kannel.Handler(q), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		go func() { <-ctx.Done(); _ = hs.Close() }()
	}
	h.log.Info("sms gateway on", "backend", h.flags.backend)
	return nil
}

// smsCommand is `dutyhub sms test NUMBER` and `dutyhub sms list [-json]`,
// run while the hub is stopped (the file is the hub's alone while it
// runs).
func smsCommand(dir string, f smsFlags, args []string, stdout io.Writer) error {
	switch {
	case len(args) == 2 && args[0] == "test":
		return smsTest(dir, f, args[1], stdout)
	case len(args) >= 1 && args[0] == "list" && len(args) <= 2:
		asJSON := len(args) == 2 && (args[1] == "-json" || args[1] == "--json")
		if len(args) == 2 && !asJSON {
			return errUsage
		}
		return smsList(dir, asJSON, stdout)
	}
	return errUsage
}

func smsTest(dir string, f smsFlags, number string, stdout io.Writer) error {
	gw, _, err := f.gateway()
	if err != nil {
		return err
	}
	if !sms.ValidMobile(sms.NormaliseNumber(number)) {
		return app.Errorf(app.EINVALID, "%q is not a mobile number (11 digits starting with 13–19)", number)
	}
	db, err := hub.Open(dir)
	if err != nil {
		return err
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := sms.Open(db.Bolt(), gw, sms.Config{MaxAttempts: 1, Logger: log})
	if err != nil {
		return err
	}
	now := time.Now()
	m, err := q.Enqueue(sms.Request{Event: "test:" + now.Format(time.RFC3339Nano), To: number,
		Text: "【值班室】短信通道测试 " + now.Format("01-02 15:04") + "，无需回复。"})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q.SendDue(ctx)
	got, err := q.Message(m.ID)
	if err != nil {
		return err
	}
	// gammu-smsd moves the file to sent or error once it tried: wait for
	// it a while, so the answer is the outcome and not just "written".
	if p, ok := gw.(sms.Poller); ok && got.State == sms.Sent {
		for ctx.Err() == nil && got.State == sms.Sent && !got.Confirmed {
			time.Sleep(time.Second)
			_ = p.Poll(ctx, q)
			got, _ = q.Message(m.ID)
		}
	}
	fmt.Fprintf(stdout, "%s via %s to %s: %s", m.ID, gw.Name(), sms.Mask(got.To), got.State)
	if got.Confirmed {
		fmt.Fprint(stdout, " (the daemon sent it)")
	}
	if got.Reason != "" {
		fmt.Fprintf(stdout, " — %s", got.Reason)
	}
	fmt.Fprintln(stdout)
	if got.State == sms.Failed {
		return app.Errorf(app.ECONFLICT, "the test message was not sent: %s", got.Reason)
	}
	return nil
}

// smsList shows every message and every unmatched reply; numbers masked.
func smsList(dir string, asJSON bool, stdout io.Writer) error {
	db, err := hub.Open(dir)
	if err != nil {
		return err
	}
	defer db.Close()
	q, err := sms.Open(db.Bolt(), nil, sms.Config{})
	if err != nil {
		return err
	}
	ms, err := q.Messages()
	if err != nil {
		return err
	}
	un, err := q.Unmatched()
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].To = sms.Mask(ms[i].To)
	}
	for i := range un {
		un[i].From = sms.Mask(un[i].From)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"messages": ms, "unmatched": un})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED\tSTATE\tEVENT\tNAME\tNUMBER\tCODE\tPARTS\tREASON / REPLY")
	for _, m := range ms {
		note := m.Reason
		if m.State == sms.Answered {
			note = m.AnsweredAt.Local().Format("01-02 15:04") + " " + m.Reply
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", m.CreatedAt.Local().Format("01-02 15:04"), m.State, m.Event, m.Name, m.To, m.Code, m.Parts, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(un) > 0 {
		fmt.Fprintf(stdout, "\nreplies not matched to a message (%d):\n", len(un))
		tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RECEIVED\tFROM\tWHY\tTEXT")
		for _, u := range un {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.At.Local().Format("01-02 15:04"), u.From, u.Reason, u.Text)
		}
		return tw.Flush()
	}
	return nil
}
