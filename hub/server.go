package hub

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
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

	PingInterval time.Duration // how often the hub pings; 20 s by default
	PongWait     time.Duration // silence after which a connection is dead; 3 pings by default
	WriteWait    time.Duration // how long one frame may take to write; 10 s by default
	HelloWait    time.Duration // how long a new connection has to say hello; 10 s by default

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
		c.HelloWait = 10 * time.Second
	}
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
	metrics  metrics
	upgrader websocket.Upgrader

	// hashing bounds concurrent argon2 checks: each takes 19 MiB, and a
	// burst of logins must not take the hub's memory with it.
	hashing chan struct{}

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
		throttle:   newThrottle(),
		hashing:    make(chan struct{}, 2),
		register:   make(chan *conn),
		unregister: make(chan *conn),
		goLive:     make(chan goLiveReq),
		committed:  make(chan []logged, 64),
		queries:    make(chan func(*table)),
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: 4096,
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
	if cfg.Observe != nil && len(cfg.Replay) > 0 {
		n, err := replayObserved(db, cfg.Replay, cfg.Observe)
		if err != nil {
			return nil, err
		}
		s.log.Info("replayed stored operations to the observer", "count", n, "kinds", cfg.Replay)
	}
	s.writer = w
	s.ctx, s.cancel = context.WithCancel(context.Background())
	t := newTable(s, w.head)
	s.wg.Add(2)
	go func() { defer s.wg.Done(); w.run(s.ctx) }()
	go func() { defer s.wg.Done(); t.run(s.ctx) }()
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
	var ierr error
	err := s.writer.submit(s.ctx, func(tx *bolt.Tx, st *txState) error {
		// A refused import must leave nothing behind in the shared
		// transaction, so it is checked in full before it writes:
		// importStations validates first and only then puts.
		ierr = importStations(tx, st, list)
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

// refuse logs a refusal and counts it: every refusal leaves a line.
func (s *Server) refuse(c *conn, e *wire.Error, msg string) {
	s.metrics.refusal(e.Code)
	attrs := []any{"code", e.Code, "reason", e.Message, "addr", c.addr}
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
