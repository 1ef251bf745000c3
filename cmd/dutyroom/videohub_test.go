package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sfu"
	"dutyroom/store"
	"dutyroom/store/storetest"
	"dutyroom/wsdial"
)

// videoHub is a real hub with its SFU on a loopback port, holding a
// prefecture and two counties with one account each, named after them.
type videoHub struct {
	db       *hub.DB
	srv      *hub.Server
	sfu      *sfu.SFU
	addr     string // ws://127.0.0.1:port
	stations map[string]app.Station
}

func startVideoHub(t *testing.T) *videoHub {
	t.Helper()
	db, err := hub.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	c1 := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID}
	c2 := app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: p.ID}
	h := &videoHub{db: db, stations: map[string]app.Station{"xiangxi": p, "jishou": c1, "luxi": c2}}
	if err := db.ImportStations([]app.Station{p, c1, c2}); err != nil {
		t.Fatal(err)
	}
	for name, st := range h.stations {
		if err := db.AddUser(name, st.Code, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	// A leader's own account at the prefecture, for browser links.
	if err := db.AddUser("xiangxi-leader", p.Code, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	router, err := sfu.New(sfu.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hub.NewServer(db, hub.Config{Logger: quiet, Signalling: router, Observe: router.Observe, Replay: sfu.ObservedKinds})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	h.srv, h.sfu, h.addr = srv, router, "ws://"+ln.Addr().String()
	t.Cleanup(func() {
		router.Shutdown()
		hs.Close()
		srv.Close()
		db.Close()
	})
	return h
}

// videoStation is one duty room as the window wires it: a real data file,
// the sync engine on the hub's socket and the window's media engine
// (roomMedia) sharing that socket.
type videoStation struct {
	name  string
	id    app.ID
	db    *store.DB
	sync  *syncer.Engine
	media *roomMedia
	links *linkIssuer
	stop  func()
}

func (h *videoHub) station(t *testing.T, name string) *videoStation {
	t.Helper()
	token, _, err := h.srv.IssueSession(name)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &videoStation{name: name, id: h.stations[name].ID, db: storetest.Open(t), media: &roomMedia{log: quiet}}
	s.links = &linkIssuer{addr: func() string { return h.addr }, consult: store.NewConsultations(s.db), identity: store.NewIdentity(s.db),
		timeout: 5 * time.Second}
	s.sync = syncer.New(syncer.Config{
		Store: s.db, Transport: &wsdial.Dialer{Addr: h.addr}, Token: token, Client: "test " + name,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 50 * time.Millisecond,
		Logger: quiet,
		// As the program wires it: link answers to the issuer, the rest
		// to the media engine.
		OnSignal: func(env wire.Envelope) {
			if !s.links.route(env) {
				s.media.handleSignal(env)
			}
		},
	})
	s.links.signal = s.sync
	if err := s.media.start(s.sync, s.id); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.sync.Run(ctx)
	}()
	stopped := false
	s.stop = func() {
		if stopped {
			return
		}
		stopped = true
		s.media.close()
		cancel()
		<-done
	}
	t.Cleanup(s.stop)
	waitUntil(t, name+" online and holding the tree", func() bool {
		return s.sync.State().Online && store.NewIdentity(s.db).SetIdentity(context.Background(), s.id) == nil
	})
	return s
}
