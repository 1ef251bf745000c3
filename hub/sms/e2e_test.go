package sms

// End to end on the real gateways: a real hub with its bbolt file, real
// duty-room clients over real sockets, and the SMS daemons themselves.

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
	"dutyroom/store/storetest"
	"dutyroom/wsdial"
)

const e2ePassword = "correct horse battery"

// e2eTree: a prefecture, a county, a township and a village under it.
type e2eTree struct{ P, C, T, V app.Station }

func newE2ETree() e2eTree {
	var t e2eTree
	t.P = app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	t.C = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: t.P.ID}
	t.T = app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: t.C.ID}
	t.V = app.Station{ID: app.NewID(), Code: "433101001001", Name: "乾元村", Tier: app.TierVillage, Parent: t.T.ID}
	return t
}

// e2eHub is a real hub on a loopback port with the SMS queue, notifier and
// acknowledger wired as dutyhub wires them.
type e2eHub struct {
	t        *testing.T
	tree     e2eTree
	db       *hub.DB
	srv      *hub.Server
	addr     string
	queue    *Queue
	notifier *Notifier
	acker    *Acknowledger
	watched  *Watched
}

type e2eSource struct{ h atomic.Pointer[e2eHub] }

func (s *e2eSource) SMSStates(events []string, within func(app.ID) bool, max int) (wire.SMSStates, error) {
	ms, truncated, err := s.h.Load().queue.States(events, within, max)
	return wire.SMSStates{Messages: ms, Truncated: truncated}, err
}

func (s *e2eSource) SMSGateway() wire.SMSGateway { return s.h.Load().watched.State() }

// startE2EHub serves a hub sending through gw; a Poller gateway is read
// every 200 ms.
func startE2EHub(t *testing.T, gw Gateway) *e2eHub {
	t.Helper()
	h := &e2eHub{t: t, tree: newE2ETree()}
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h.db = db
	if err := db.ImportStations([]app.Station{h.tree.P, h.tree.C, h.tree.T, h.tree.V}); err != nil {
		t.Fatal(err)
	}
	for user, st := range map[string]app.Station{"p": h.tree.P, "t": h.tree.T} {
		if err := db.AddUser(user, st.Code, e2ePassword); err != nil {
			t.Fatal(err)
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.notifier = NewNotifier(nil, nil, quiet)
	h.acker = NewAcknowledger(nil, quiet)
	src := &e2eSource{}
	srv, err := hub.NewServer(db, hub.Config{Logger: quiet, SMS: src, Observe: func(op app.Operation) {
		h.notifier.Observe(op)
		h.acker.Observe(op)
	}})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.acker.Append = srv.AppendOwn
	h.watched = Watch(gw)
	h.queue, err = Open(db.Bolt(), h.watched, Config{Logger: quiet, Answered: h.acker.Answered, PollInterval: 200 * time.Millisecond,
		RetryBase: 200 * time.Millisecond, RetryMax: time.Second, MaxAttempts: 1000})
	if err != nil {
		t.Fatal(err)
	}
	h.notifier.Queue = h.queue
	h.notifier.Tree = func() *app.Tree {
		tree, err := db.Tree()
		if err != nil {
			t.Error(err)
		}
		return tree
	}
	src.h.Store(h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(ln) }()
	h.addr = "ws://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { h.queue.Run(ctx); done <- struct{}{} }()
	go func() { h.notifier.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		_ = hs.Close()
		_ = srv.Close()
		_ = db.Close()
	})
	return h
}

// e2eClient is one duty room: its own store and a sync engine.
type e2eClient struct {
	t   *testing.T
	db  *store.DB
	eng *syncer.Engine
}

func (h *e2eHub) client(user string, st app.Station) *e2eClient {
	h.t.Helper()
	c := &e2eClient{t: h.t, db: storetest.Open(h.t)}
	c.eng = syncer.New(syncer.Config{Store: c.db, Transport: &wsdial.Dialer{Addr: h.addr}, Client: "test " + user,
		Login: &wire.Login{User: user, Password: e2ePassword}, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Poll: 50 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.eng.Run(ctx) }()
	h.t.Cleanup(func() { cancel(); <-done })
	c.caughtUp()
	if err := store.NewIdentity(c.db).SetIdentity(context.Background(), st.ID); err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (c *e2eClient) caughtUp() {
	c.t.Helper()
	waitFor(c.t, "the client to catch up", func() bool {
		s := c.eng.State()
		n, _ := c.db.OutboxLen(context.Background())
		return s.Online && s.CaughtUp && n == 0
	})
}

// addOfficer adds a village's information officer to the directory.
func (c *e2eClient) addOfficer(village app.Station, name, mobile string) app.Person {
	c.t.Helper()
	p := app.Person{Station: village.ID, Name: name, Mobile: mobile, Roles: []app.Role{app.RoleInfoOfficer}}
	if err := store.NewDirectory(c.db).CreatePerson(context.Background(), &p); err != nil {
		c.t.Fatal(err)
	}
	c.eng.Kick()
	c.caughtUp()
	return p
}

// issueRed issues a red warning from the client's station.
func (c *e2eClient) issueRed(text string) warning.Warning {
	c.t.Helper()
	w := warning.Warning{Level: warning.Red, Type: warning.Geological, Area: "乾州街道", ValidUntil: time.Now().Add(24 * time.Hour), Text: text}
	if err := store.NewWarnings(c.db).Issue(app.WithAuthor(context.Background(), "州值班员"), &w); err != nil {
		c.t.Fatal(err)
	}
	c.eng.Kick()
	return w
}

// smsAck waits for the village's 短信签收 in the client's progress of w.
func (c *e2eClient) smsAck(w warning.Warning, village app.ID) *warning.Ack {
	c.t.Helper()
	var got *warning.Ack
	waitFor(c.t, "the village's 短信签收 in the prefecture's progress", func() bool {
		r, err := store.NewWarnings(c.db).Progress(context.Background(), w.ID)
		if err != nil {
			c.t.Fatal(err)
		}
		for _, s := range r.Stations {
			if s.Station == village && s.Ack != nil {
				got = s.Ack
				return true
			}
		}
		return false
	})
	return got
}

// messageOf waits for the queue's message of a warning to a person to
// leave the queue, and returns it.
func (h *e2eHub) messageOf(w warning.Warning, p app.Person) Message {
	h.t.Helper()
	var got Message
	waitFor(h.t, "the 叫应 SMS to "+p.Name, func() bool {
		ms, err := h.queue.Messages()
		if err != nil {
			h.t.Fatal(err)
		}
		for _, m := range ms {
			if m.Event == WarningEvent(w.ID) && m.Person == p.ID.String() && m.State != Queued {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

func fileContains(path, s string) func() bool {
	return func() bool {
		data, err := os.ReadFile(path)
		return err == nil && strings.Contains(string(data), s)
	}
}
