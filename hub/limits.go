package hub

import (
	"container/list"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Connection limits. A socket costs the hub a few tens of KiB before it
// says who it is; these caps keep what strangers can make the hub hold
// small and known, and refuse the excess before the websocket upgrade,
// with a plain HTTP answer, as cheaply as the hub can.
const (
	// MaxHelloFrame bounds the first message of a connection (a client's
	// hello, a browser's hello): the largest legal hello, every field at
	// its limit and escaped, is under 3 KiB. Until the hub knows who is
	// there it reads no more.
	MaxHelloFrame = 4096

	// DefaultHelloWait is how long a new connection has to send its
	// hello: a client sends it at once; even a township's slow link
	// carries 4 KiB in well under a second.
	DefaultHelloWait = 5 * time.Second

	// DefaultMaxConns caps the sockets the hub holds at once, logged in or
	// not: a prefecture's 2,000 stations with a client each, browsers on
	// join links, and room for reconnects overlapping their old sockets.
	DefaultMaxConns = 6000

	// DefaultMaxPreLogin caps the sockets that have not yet logged in,
	// over all addresses. An honest client is in this state for a
	// round trip (a token) or a password check; 256 lets a whole
	// prefecture reconnect after a hub restart (clients spread their
	// retries) while unfinished hellos hold at most a few MiB.
	DefaultMaxPreLogin = 256

	// DefaultMaxPreLoginPerAddr caps not-yet-logged-in sockets from one
	// address: a county's townships may share one address behind NAT, so
	// it is not 1, but one address cannot take the whole pre-login pool.
	DefaultMaxPreLoginPerAddr = 16

	// DefaultMaxBrowsersPerStation caps the join-page connections of one
	// station: a consultation has a handful of leaders per station. The
	// station's own client is always one: a newer connection replaces the
	// older (table.go).
	DefaultMaxBrowsersPerStation = 16

	// DefaultNewConnsPerAddr and DefaultNewConnsBurst bound how fast one
	// address may open connections: a county's townships behind one NAT
	// address reconnecting at once after a hub restart open a few dozen
	// (their clients spread their retries); an attacker opening thousands
	// a second gets them closed as they are accepted, before a TLS
	// handshake.
	DefaultNewConnsPerAddr = 20
	DefaultNewConnsBurst   = 100

	// DefaultSendQueueBytes bounds the bytes waiting for one connection.
	// 8 MiB is eight full frames: ample to keep a fast reader's pipe
	// full, and 2,000 connections at the bound would hold 16 GiB only if
	// every one were slow at once, which the table drops first.
	DefaultSendQueueBytes = 8 << 20
)

// limitRefusal is a connection refused before it was upgraded.
type limitRefusal struct {
	reason string // for the log and the metric: conn_limit, prelogin_limit, prelogin_addr_limit
	status int    // 503 when the hub as a whole is full, 429 when the address is
	msg    string // the plain answer
}

// gate counts sockets: all of them, those not yet logged in (in total and
// per address) and the browsers of each station. Every check and update is
// a few map operations under one mutex.
type gate struct {
	maxConns, maxPre, maxPreAddr, maxBrowsers int

	mu        sync.Mutex
	open      int
	pre       int
	preByAddr map[string]int
	browsers  map[app.ID]int
}

func newGate(cfg *Config) *gate {
	return &gate{
		maxConns: cfg.MaxConns, maxPre: cfg.MaxPreLogin, maxPreAddr: cfg.MaxPreLoginPerAddr, maxBrowsers: cfg.MaxBrowsersPerStation,
		preByAddr: make(map[string]int),
		browsers:  make(map[app.ID]int),
	}
}

// slot is one admitted socket's place in the gate. Its methods are
// called from the connection's own goroutine.
type slot struct {
	g        *gate
	addr     string
	pre      bool   // still counted as not logged in
	browser  app.ID // the station whose browser count it holds, if any
	released bool
}

// admit takes a place for a new socket from addr, or says why not.
func (g *gate) admit(ip string) (*slot, *limitRefusal) {
	addr := addrKey(ip)
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.open >= g.maxConns:
		return nil, &limitRefusal{"conn_limit", http.StatusServiceUnavailable,
			fmt.Sprintf("the hub holds its limit of %d connections; try again later", g.maxConns)}
	case g.pre >= g.maxPre:
		return nil, &limitRefusal{"prelogin_limit", http.StatusServiceUnavailable,
			fmt.Sprintf("the hub has %d connections waiting to log in, its limit; try again shortly", g.maxPre)}
	case g.preByAddr[addr] >= g.maxPreAddr:
		return nil, &limitRefusal{"prelogin_addr_limit", http.StatusTooManyRequests,
			fmt.Sprintf("%s has %d connections waiting to log in, the limit per address; try again shortly", addr, g.maxPreAddr)}
	}
	g.open++
	g.pre++
	g.preByAddr[addr]++
	return &slot{g: g, addr: addr, pre: true}, nil
}

// enter moves a socket that has logged in out of the pre-login counts.
func (s *slot) enter() {
	s.g.mu.Lock()
	defer s.g.mu.Unlock()
	s.g.leavePre(s)
}

// takeBrowser takes a place among the station's browsers, or refuses with
// busy. The join page's handshake takes it before it spends a one-time
// code, so that a refusal leaves the link usable.
func (s *slot) takeBrowser(station app.ID) *wire.Error {
	g := s.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.browser != app.NilID {
		return nil
	}
	if g.browsers[station] >= g.maxBrowsers {
		return &wire.Error{Code: wire.CodeBusy, RetryAfter: 60,
			Message: fmt.Sprintf("station %s already has %d browser connections, its limit; close one and try again (the join link stays valid)", station, g.maxBrowsers)}
	}
	g.browsers[station]++
	s.browser = station
	return nil
}

// takeBrowser counts the connection among its station's browsers, or
// says busy, counted by reason.
func (c *conn) takeBrowser(station app.ID) error {
	if we := c.slot.takeBrowser(station); we != nil {
		c.s.metrics.limited("browser_station_limit")
		return we
	}
	return nil
}

// peekJoinCode returns the grant of a join code without spending it: the
// handshake learns the station to count the browser against first.
func (db *DB) peekJoinCode(code string) (JoinGrant, error) {
	var g JoinGrant
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var raw []byte
		if b := bucket(tx, bucketJoinLinks); b != nil && code != "" {
			raw = b.Get(tokenKey(code))
		}
		var err error
		g, err = db.checkGrant(tx, raw, grantCode)
		return err
	})
	return g, err
}

// leavePre drops a socket from the pre-login counts; g.mu is held.
func (g *gate) leavePre(s *slot) {
	if !s.pre {
		return
	}
	s.pre = false
	g.pre--
	if g.preByAddr[s.addr]--; g.preByAddr[s.addr] <= 0 {
		delete(g.preByAddr, s.addr)
	}
}

// release gives the slot back; a second call does nothing.
func (s *slot) release() {
	g := s.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.released {
		return
	}
	s.released = true
	g.leavePre(s)
	if s.browser != app.NilID {
		if g.browsers[s.browser]--; g.browsers[s.browser] <= 0 {
			delete(g.browsers, s.browser)
		}
	}
	g.open--
}

// counts returns the open sockets and those not yet logged in, for /metrics.
func (g *gate) counts() (open, pre int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open, g.pre
}

// refuseHTTP answers a request refused at a limit before the upgrade: a
// plain message, a Retry-After, a log line and a count by reason.
func (s *Server) refuseHTTP(w http.ResponseWriter, r *http.Request, lr *limitRefusal) {
	s.metrics.limited(lr.reason)
	if ok, left := s.logLimit.allow(lr.reason, time.Now()); ok {
		s.log.Warn("refused a connection at a limit", "reason", lr.reason, "addr", clientAddr(r), "path", r.URL.Path, "status", lr.status, "unlogged", left)
	}
	w.Header().Set("Retry-After", strconv.Itoa(5))
	http.Error(w, lr.msg, lr.status)
}

// logBurst is how many lines a second one kind of refusal may write.
const logBurst = 10

// logLimiter keeps a flood of refusals from becoming a flood of log lines
// (the disk and the operator's attention are limits too): per kind of
// refusal, at most logBurst lines a second. The rest are counted in
// /metrics as always, and the next line logged says how many were left
// out ("unlogged"). Kinds are a small fixed set, so is the map.
type logLimiter struct {
	mu    sync.Mutex
	byKey map[string]*logWindow
}

type logWindow struct {
	second   int64
	lines    int
	unlogged int
}

// allow says whether a line of this kind may be written now, and how many
// of its kind were left out since the last one.
func (l *logLimiter) allow(key string, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byKey == nil {
		l.byKey = make(map[string]*logWindow)
	}
	w := l.byKey[key]
	if w == nil {
		w = &logWindow{}
		l.byKey[key] = w
	}
	if sec := now.Unix(); sec != w.second {
		w.second, w.lines = sec, 0
	}
	if w.lines >= logBurst {
		w.unlogged++
		return false, 0
	}
	w.lines++
	left := w.unlogged
	w.unlogged = 0
	return true, left
}

// acquireHash takes a hashing slot, waiting behind at most cfg.HashQueue
// others for at most cfg.HashWait; otherwise busy. The caller gives the
// slot back with <-s.hashing.
func (s *Server) acquireHash() *wire.Error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	default:
	}
	if n := s.hashWaiters.Add(1); n > int64(s.cfg.HashQueue) {
		s.hashWaiters.Add(-1)
		s.metrics.limited("login_queue_full")
		return busy(1, "the hub is checking %d logins and %d more wait; try again in a second", s.cfg.HashSlots, s.cfg.HashQueue)
	}
	defer s.hashWaiters.Add(-1)
	timer := time.NewTimer(s.cfg.HashWait)
	defer timer.Stop()
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-timer.C:
		s.metrics.limited("login_queue_wait")
		return busy(1, "no password check was free within %s; try again in a second", s.cfg.HashWait)
	case <-s.ctx.Done():
		return wire.Errorf(wire.CodeUnavailable, "the hub is stopping")
	}
}

// socketSlack is how many TCP connections the hub takes beyond its
// websocket cap: plain HTTP requests (the join page, /healthz, /metrics),
// requests the caps refuse with 503/429, and sockets between accept and
// upgrade.
const socketSlack = 1024

// Limit wraps the hub's listener with two checks made as a connection is
// accepted, before TLS or HTTP cost anything: a cap on TCP connections,
// cfg.MaxConns plus socketSlack, and a rate of new connections per address
// (cfg.NewConnsPerAddr, bursts of cfg.NewConnsBurst). A connection over
// either is closed at once. The websocket caps refuse with a message; these
// guard against sockets that never send a request, and against one address
// making the hub run a TLS handshake for every guess.
func (s *Server) Limit(ln net.Listener) net.Listener {
	return &limitListener{
		Listener: ln, s: s, max: int64(s.cfg.MaxConns + socketSlack),
		rate: newAddrRate(s.cfg.NewConnsPerAddr, s.cfg.NewConnsBurst, maxRateEntries),
	}
}

type limitListener struct {
	net.Listener
	s    *Server
	max  int64
	n    atomic.Int64
	rate *addrRate
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := c.RemoteAddr().String()
		if host, _, err := net.SplitHostPort(ip); err == nil {
			ip = host
		}
		reason := ""
		switch {
		case !l.rate.allow(addrKey(ip), time.Now()):
			reason = "addr_conn_rate"
		case l.n.Add(1) > l.max:
			l.n.Add(-1)
			reason = "socket_limit"
		default:
			return &countedConn{Conn: c, l: l}, nil
		}
		_ = c.Close()
		l.s.metrics.limited(reason)
		if ok, left := l.s.logLimit.allow(reason, time.Now()); ok {
			l.s.log.Warn("closed a connection as it was accepted", "reason", reason, "addr", ip, "unlogged", left)
		}
	}
}

// maxRateEntries bounds the addresses the connection rate remembers; the
// one seen least recently goes first. An address forgotten starts again
// with a full burst, which costs the hub that burst once.
const maxRateEntries = 65_536

// addrRate is a token bucket of new connections per address.
type addrRate struct {
	rate  float64
	burst float64
	max   int

	mu     sync.Mutex
	byAddr map[string]*list.Element // of *rateEntry
	lru    *list.List               // front: seen most recently
}

type rateEntry struct {
	addr   string
	tokens float64
	at     time.Time
}

func newAddrRate(rate float64, burst, max int) *addrRate {
	return &addrRate{rate: rate, burst: float64(burst), max: max, byAddr: make(map[string]*list.Element), lru: list.New()}
}

// allow takes a token for addr if it has one.
func (r *addrRate) allow(addr string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	el := r.byAddr[addr]
	if el == nil {
		for len(r.byAddr) >= r.max {
			old := r.lru.Back()
			r.lru.Remove(old)
			delete(r.byAddr, old.Value.(*rateEntry).addr)
		}
		el = r.lru.PushFront(&rateEntry{addr: addr, tokens: r.burst, at: now})
		r.byAddr[addr] = el
	} else {
		r.lru.MoveToFront(el)
	}
	e := el.Value.(*rateEntry)
	if dt := now.Sub(e.at).Seconds(); dt > 0 {
		e.tokens = min(r.burst, e.tokens+dt*r.rate)
		e.at = now
	}
	if e.tokens < 1 {
		return false
	}
	e.tokens--
	return true
}

// countedConn gives its place back when closed, once.
type countedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.n.Add(-1) })
	return c.Conn.Close()
}
