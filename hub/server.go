package hub

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Config tunes a Server. Zero values take the defaults.
type Config struct {
	Logger     *slog.Logger
	Router     Router        // TreeRouter{} by default
	SessionTTL time.Duration // DefaultSessionTTL by default

	// SendQueue is how many frames may wait for a connection before it
	// counts as slow and is dropped. A dropped client reconnects and reads
	// on from its cursor, so it loses nothing; holding a slow client would
	// make every other station wait or the hub's memory grow.
	SendQueue int
	// SendQueueBytes bounds the bytes of those frames (DefaultSendQueueBytes):
	// frames are up to wire.MaxFrame, so a count alone would let one slow
	// reader pin 256 MiB.
	SendQueueBytes int

	PingInterval time.Duration // how often the hub pings; 20 s by default
	PongWait     time.Duration // silence after which a connection is dead; 3 pings by default
	WriteWait    time.Duration // how long one frame may take to write; 10 s by default
	HelloWait    time.Duration // how long a new connection has to say hello; DefaultHelloWait

	// Connection caps (limits.go): sockets in all, sockets not yet logged
	// in, in all and from one address, and join-page browsers per station.
	MaxConns              int // DefaultMaxConns
	MaxPreLogin           int // DefaultMaxPreLogin
	MaxPreLoginPerAddr    int // DefaultMaxPreLoginPerAddr
	MaxBrowsersPerStation int // DefaultMaxBrowsersPerStation
	// New TCP connections one address may open, a second and at once;
	// only where the listener goes through Limit (Run does).
	NewConnsPerAddr float64 // DefaultNewConnsPerAddr
	NewConnsBurst   int     // DefaultNewConnsBurst

	// Logins (throttle.go): password checks running at once, and how many
	// may wait for one and for how long before the hub answers busy.
	HashSlots int           // DefaultHashSlots
	HashQueue int           // DefaultHashQueue
	HashWait  time.Duration // DefaultHashWait
	// ThrottleEntries bounds the throttle's table (DefaultThrottleEntries).
	ThrottleEntries int

	// Quota bounds what one station may push (quota.go).
	Quota Quota

	// Signalling serves video consultations (room.* and rtc.* messages);
	// nil refuses them as unknown types. The SFU (package hub/sfu)
	// implements it; the program hosting the hub wires it in.
	Signalling Signalling

	// Observe, when set, sees every operation once it is durable, in log
	// order, from the hub's writer: it must not wait. The program hosting
	// the hub uses it to open a consultation's video room when the host's
	// start operation arrives (hub/sfu's Observe), so the room's
	// invitation is the one the host's station sent and the hub stored.
	Observe func(op app.Operation)
	// Replay lists kind prefixes ("consult.") whose stored operations
	// Observe is given again at start, oldest first, before any push.
	Replay []string

	// Recordings is the folder the SFU records consultations in
	// (hub/sfu's Config.Recordings); with it the hub serves their
	// recordings pages (recordings.go). MaxRecordingStreams bounds the
	// recordings one account plays at once (DefaultMaxRecordingStreams).
	Recordings          string
	MaxRecordingStreams int

	// Village officers' phone page (officerreports.go): new reports one
	// officer account may send an hour, and photo bytes a day.
	OfficerReportsPerHour int   // DefaultOfficerReportsPerHour
	OfficerBytesPerDay    int64 // DefaultOfficerBytesPerDay

	// ExtraMetrics, when set, writes more lines in the Prometheus text
	// format at the end of /metrics: the SFU's counters (hub/sfu's
	// WriteMetrics).
	ExtraMetrics func(w io.Writer)
}

func (c *Config) fill() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Router == nil {
		c.Router = TreeRouter{}
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 256
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 20 * time.Second
	}
	if c.PongWait <= 0 {
		c.PongWait = 3 * c.PingInterval
	}
	if c.WriteWait <= 0 {
		c.WriteWait = 10 * time.Second
	}
	if c.HelloWait <= 0 {
		c.HelloWait = DefaultHelloWait
	}
	if c.SendQueueBytes <= 0 {
		c.SendQueueBytes = DefaultSendQueueBytes
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxPreLogin <= 0 {
		c.MaxPreLogin = DefaultMaxPreLogin
	}
	if c.MaxPreLoginPerAddr <= 0 {
		c.MaxPreLoginPerAddr = DefaultMaxPreLoginPerAddr
	}
	if c.MaxBrowsersPerStation <= 0 {
		c.MaxBrowsersPerStation = DefaultMaxBrowsersPerStation
	}
	if c.NewConnsPerAddr <= 0 {
		c.NewConnsPerAddr = DefaultNewConnsPerAddr
	}
	if c.NewConnsBurst <= 0 {
		c.NewConnsBurst = DefaultNewConnsBurst
	}
	if c.HashSlots <= 0 {
		c.HashSlots = DefaultHashSlots
	}
	if c.HashQueue <= 0 {
		c.HashQueue = DefaultHashQueue
	}
	if c.HashWait <= 0 {
		c.HashWait = DefaultHashWait
	}
	if c.ThrottleEntries <= 0 {
		c.ThrottleEntries = DefaultThrottleEntries
	}
	if c.OfficerReportsPerHour <= 0 {
		c.OfficerReportsPerHour = DefaultOfficerReportsPerHour
	}
	if c.OfficerBytesPerDay <= 0 {
		c.OfficerBytesPerDay = DefaultOfficerBytesPerDay
	}
	c.Quota.fill()
}

// Server serves the sync protocol over websockets on one DB. One goroutine
// (table) owns the connection table, one (writer) writes the log, and each
// connection has a read pump, a write pump and, once it pulls, a feeder
// that reads its backlog from the file.
type Server struct {
	db       *DB
	cfg      Config
	log      *slog.Logger
	router   Router
	writer   *writer
	throttle *throttle
	gate     *gate
	quota    *quotas
	logLimit logLimiter
	metrics  metrics
	upgrader websocket.Upgrader
	rec      *recordings // nil when the hub keeps no recordings
	reports  *officerReports

	// hashing bounds concurrent argon2 checks: each takes 19 MiB, and a
	// burst of logins must not take the hub's memory with it.
	hashing chan struct{}
	// hashWaiters counts logins waiting for a hashing slot, bounded by
	// cfg.HashQueue.
	hashWaiters atomic.Int64

	register   chan *conn
	unregister chan *conn
	goLive     chan goLiveReq
	committed  chan []logged
	queries    chan func(*table)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewServer starts the writer and the connection table on db. Close stops
// them; the caller closes db afterwards.
func NewServer(db *DB, cfg Config) (*Server, error) {
	cfg.fill()
	s := &Server{
		db:         db,
		cfg:        cfg,
		log:        cfg.Logger,
		router:     cfg.Router,
		throttle:   newThrottle(cfg.ThrottleEntries),
		gate:       newGate(&cfg),
		quota:      newQuotas(cfg.Quota),
		hashing:    make(chan struct{}, cfg.HashSlots),
		register:   make(chan *conn),
		unregister: make(chan *conn),
		goLive:     make(chan goLiveReq),
		committed:  make(chan []logged, 64),
		queries:    make(chan func(*table)),
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: 4096,
		// Each connection keeps its own write buffer (4 KiB; 24 MB at the
		// connection cap). A shared pool would spare idle sockets that, but
		// costs a get, a put and an allocation on every frame, which on a
		// broadcast to thousands was most of what the hub spent beyond a
		// bare fan-out's writes.
		// The sync socket is for DutyRoom clients, which send no Origin.
		// A browser page of some other site must not reach it with the
		// user's network position.
		CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "" },
	}
	w, err := newWriter(db, s.router, s.log, s.committed)
	if err != nil {
		return nil, err
	}
	w.observe = cfg.Observe
	replay := cfg.Replay
	if cfg.Recordings != "" {
		s.rec = newRecordings(cfg.Recordings, cfg.MaxRecordingStreams)
		w.observe = s.rec.observeWith(cfg.Observe)
		replay = append(slices.Clone(replay), recordingKinds...)
	}
	if w.observe != nil && len(replay) > 0 {
		n, err := replayObserved(db, replay, w.observe)
		if err != nil {
			return nil, err
		}
		s.log.Info("replayed stored operations to the observer", "count", n, "kinds", cfg.Replay)
	}
	// The officers' page reads its lists from the operations stored; its
	// own replay, so that other observers see no operation twice.
	s.reports = newOfficerReports(s, filepath.Join(db.Dir(), "officer-parts"))
	if _, err := replayObserved(db, officerKinds, s.reports.observe); err != nil {
		return nil, err
	}
	w.observe = s.reports.observeWith(w.observe)
	s.writer = w
	s.ctx, s.cancel = context.WithCancel(context.Background())
	t := newTable(s, w.head)
	s.wg.Add(2)
	go func() { defer s.wg.Done(); w.run(s.ctx) }()
	go func() { defer s.wg.Done(); t.run(s.ctx) }()
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.reports.sweepLoop(s.ctx) }()
	if n, err := db.PruneSessions(); err != nil {
		s.log.Warn("cannot prune expired sessions", "err", err)
	} else if n > 0 {
		s.log.Info("pruned expired sessions", "count", n)
	}
	return s, nil
}

// Close drops every connection and stops the server's goroutines. It does
// not close the DB.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// Handler serves /sync (the websocket), /healthz, /metrics and the
// browser's join page (/join, its script and its socket /join/sync).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/sync", s.serveSync)
	mux.HandleFunc("/healthz", s.serveHealth)
	mux.HandleFunc("/metrics", s.serveMetrics)
	s.webRoutes(mux)
	return mux
}

// DB is the server's database. Accounts and sessions may be changed
// through it while the server runs (bbolt serialises writers); stations go
// through Server.ImportStations, which keeps the log's writer in step.
func (s *Server) DB() *DB { return s.db }

// IssueSession opens a session for an account without a password, for a
// program hosting the hub in-process to log its own client in. As
// DB.IssueSession, with the server's session lifetime.
func (s *Server) IssueSession(user string) (string, Session, error) {
	return s.db.IssueSession(user, s.cfg.SessionTTL)
}

// Epoch is the log's epoch.
func (s *Server) Epoch() string { return s.db.Epoch() }

// ImportStations adds stations while the server runs, all or nothing, and
// delivers them to connected clients. As DB.ImportStations.
func (s *Server) ImportStations(list []app.Station) error {
	return s.ImportDirectory(Directory{Stations: list})
}

// ImportDirectory imports a station file while the server runs: its
// stations as ImportStations, then the owners of its people. All or
// nothing.
func (s *Server) ImportDirectory(d Directory) error {
	var ierr error
	err := s.writer.submit(s.ctx, func(tx *bolt.Tx, st *txState) error {
		// A refused import must leave nothing behind in the shared
		// transaction: importDirectory checks it all before it writes.
		ierr = importDirectory(tx, st, d)
		if ierr != nil && app.ErrorCode(ierr) == app.EINTERNAL {
			return ierr
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ierr
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.ctx.Err() != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("stopping\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// clientAddr is the address throttling and the log name: the peer's IP.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// refuse logs a refusal and counts it: every refusal leaves a line, but
// the refusals an attacker can repeat at will (busy, throttled,
// over_quota) at most logBurst a second each, the next line counting
// those left out.
func (s *Server) refuse(c *conn, e *wire.Error, msg string) {
	s.metrics.refusal(e.Code)
	attrs := []any{"code", e.Code, "reason", e.Message, "addr", c.addr}
	if e.Code == wire.CodeBusy || e.Code == wire.CodeThrottled || e.Code == wire.CodeOverQuota {
		ok, left := s.logLimit.allow(e.Code, time.Now())
		if !ok {
			return
		}
		attrs = append(attrs, "unlogged", left)
	}
	if c.user != "" {
		attrs = append(attrs, "user", c.user, "station", c.station)
	}
	if e.Op != app.NilID {
		attrs = append(attrs, "op", e.Op, "seq", e.Seq)
	}
	s.log.Warn(msg, attrs...)
}

// rotateEpoch gives the log a new epoch and drops every connection: each
// client reconnects, sees the new epoch, re-sends what the log may lack and
// re-pulls from the start, applying nothing twice. It does so only while
// the epoch is still from: two clients proving the same rollback at once
// make one new epoch, not two.
func (s *Server) rotateEpoch(from string) {
	var epoch string
	err := s.writer.submit(s.ctx, func(tx *bolt.Tx, st *txState) (err error) {
		if string(bucket(tx, bucketMeta).Get(keyEpoch)) != from {
			return nil
		}
		epoch, err = newEpochTx(tx)
		return err
	})
	if err != nil {
		s.log.Error("cannot start a new epoch", "err", err)
		return
	}
	if epoch == "" {
		return // another connection's proof already moved it on
	}
	s.db.setEpoch(epoch)
	s.log.Warn("new epoch", "epoch", epoch, "was", from)
	select {
	case s.queries <- func(t *table) {
		for c := range t.conns {
			c.close(websocketGoingAway, "the hub's log has a new epoch; reconnect")
			t.remove(c)
		}
	}:
	case <-s.ctx.Done():
	}
}
