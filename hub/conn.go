package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Close codes the hub sends with its close frames.
const (
	websocketGoingAway = websocket.CloseGoingAway
	websocketPolicy    = websocket.ClosePolicyViolation
	websocketTooBig    = websocket.CloseMessageTooBig
)

// hardReadLimit is where gorilla itself stops reading a message. Frames
// between wire.MaxFrame and this are read, answered with a too_large error
// naming the limit, and the connection closed; beyond it the socket is
// closed with code 1009 at once, without buffering the frame.
const hardReadLimit = 4 * wire.MaxFrame

// maxBadMessages is how many malformed or unknown messages a connection
// may send before the hub stops answering them and hangs up.
const maxBadMessages = 20

// outFrame is one frame for the write pump; closeCode, when set, makes it
// the last: the pump writes it, then a close frame, then hangs up. ping
// asks for a ping instead (the table sends those to every connection), and
// a frame with neither data nor ping only wakes the pump to see done.
type outFrame struct {
	data      []byte
	ping      bool
	closeCode int
	reason    string
}

type conn struct {
	s     *Server
	ws    *websocket.Conn
	addr  string
	token string

	user    string
	station app.ID
	feeds   []Audience

	send      chan outFrame
	queued    atomic.Int64  // bytes of the frames in send, bounded by cfg.SendQueueBytes
	writing   atomic.Int64  // when the frame being written started (Unix ns), 0 between frames
	room      chan struct{} // pulsed by the write pump when it has written a frame
	slot      *slot         // the connection's place under the caps (limits.go)
	done      chan struct{}
	closeOnce sync.Once
	closeCode int
	reason    string

	// Owned by the table goroutine.
	live     bool
	liveFrom uint64
	share    []int  // indexes of the batch being dispatched that this connection reads
	shareGen uint64 // the dispatch share belongs to

	pulling bool
	sig     SignalConn // attached at the first signalling message

	// browser marks a connection of the join page (web.go): it speaks
	// only the signalling of webRoom, the room of its join link.
	browser bool
	webRoom app.ID
	bad     int
	closing bool // a last frame is queued; the write pump closes after it

	// Set by the read pump when a push passes the station's quota
	// (quota.go): later pushes are refused alike until quotaUntil.
	quotaUntil time.Time
	quotaErr   *wire.Error
}

// close ends the connection from any goroutine; the write pump sends a
// close frame with the reason and hangs up.
func (c *conn) close(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.reason = code, reason
		close(c.done)
		// A write pump stuck writing to a client that reads nothing would
		// hold the connection for the whole write timeout; the net.Conn's
		// deadline may be set from any goroutine and frees it now.
		_ = c.ws.NetConn().SetWriteDeadline(time.Now())
		// Wake a write pump waiting on an empty queue. A full queue means
		// the pump is not waiting: it looks at done after every frame.
		select {
		case c.send <- outFrame{}:
		default:
		}
	})
}

func (s *Server) serveSync(w http.ResponseWriter, r *http.Request) {
	if s.ctx.Err() != nil {
		http.Error(w, "the hub is stopping", http.StatusServiceUnavailable)
		return
	}
	if r.URL.RawQuery != "" {
		// Tokens never travel in a URL, where proxies and logs keep them.
		s.metrics.refusal(wire.CodeBadMessage)
		s.log.Warn("refused a sync request with a query string", "addr", clientAddr(r))
		http.Error(w, "the sync endpoint takes no query; send the token in the hello message", http.StatusBadRequest)
		return
	}
	slot, no := s.gate.admit(clientAddr(r))
	if no != nil {
		s.refuseHTTP(w, r, no)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		slot.release()
		s.metrics.refusal(wire.CodeBadMessage)
		s.log.Warn("websocket upgrade refused", "addr", clientAddr(r), "err", err)
		return
	}
	c := &conn{
		s:    s,
		ws:   ws,
		addr: clientAddr(r),
		slot: slot,
		send: make(chan outFrame, s.cfg.SendQueue),
		room: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	// Until the hub knows who is there, it reads one small hello.
	ws.SetReadLimit(MaxHelloFrame)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.serve()
	}()
}

// serve runs the handshake and then the read pump, in the connection's
// own goroutine; the write pump starts once the client is welcome.
func (c *conn) serve() {
	defer c.ws.Close()
	defer c.slot.release()
	handshake := c.handshake
	if c.browser {
		handshake = c.webHandshake
	}
	welcome, err := handshake()
	if err == nil {
		c.slot.enter()
	}
	if err != nil {
		var we *wire.Error
		if !errors.As(err, &we) {
			we = wire.Errorf(wire.CodeInternal, "the hub failed during the handshake")
			c.s.log.Error("handshake failed", "addr", c.addr, "err", err)
		}
		c.s.refuse(c, we, "refused a connection")
		_ = c.ws.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteWait))
		_ = c.ws.WriteMessage(websocket.TextMessage, wire.EncodeError("", we))
		_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocketPolicy, we.Code))
		return
	}
	c.ws.SetReadLimit(hardReadLimit)
	c.feeds = c.s.router.Feeds(c.s.writer.tree.Load(), c.station)
	select {
	case c.s.register <- c:
	case <-c.s.ctx.Done():
		return
	}
	defer func() {
		c.close(websocket.CloseNormalClosure, "")
		select {
		case c.s.unregister <- c:
		case <-c.s.ctx.Done():
		}
	}()
	c.s.log.Info("client connected", "user", c.user, "station", c.station, "addr", c.addr)
	pumpDone := make(chan struct{})
	go func() {
		defer close(pumpDone)
		c.writePump()
	}()
	c.queue(welcome)
	c.readPump()
	if c.closing {
		// Let the write pump deliver the error that explains the close.
		select {
		case <-pumpDone:
		case <-time.After(c.s.cfg.WriteWait):
		}
	}
	c.close(websocket.CloseNormalClosure, "")
	<-pumpDone
	if c.sig != nil {
		c.sig.Close()
	}
	c.s.log.Info("client disconnected", "user", c.user, "station", c.station, "addr", c.addr, "reason", c.reason)
}

// readFrame reads one message, enforcing the frame limit with an error
// the client can read.
func (c *conn) readFrame() ([]byte, error) {
	typ, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	if typ != websocket.TextMessage {
		return nil, wire.Errorf(wire.CodeBadMessage, "binary frames are not part of the protocol; send JSON text")
	}
	frame, err := io.ReadAll(io.LimitReader(r, wire.MaxFrame+1))
	if err != nil {
		return nil, err
	}
	if len(frame) > wire.MaxFrame {
		return nil, wire.Errorf(wire.CodeTooLarge, "a frame is at most %d bytes", wire.MaxFrame)
	}
	return frame, nil
}

// handshake reads the hello, checks the version and the credentials, and
// returns the welcome frame.
func (c *conn) handshake() ([]byte, error) {
	_ = c.ws.SetReadDeadline(time.Now().Add(c.s.cfg.HelloWait))
	frame, err := c.readFrame()
	if err != nil {
		var we *wire.Error
		if errors.As(err, &we) {
			return nil, we
		}
		if errors.Is(err, websocket.ErrReadLimit) {
			return nil, wire.Errorf(wire.CodeTooLarge, "a hello is at most %d bytes", MaxHelloFrame)
		}
		return nil, wire.Errorf(wire.CodeBadMessage, "no hello within %s: %v", c.s.cfg.HelloWait, err)
	}
	env, err := wire.DecodeEnvelope(frame)
	if err != nil {
		return nil, err
	}
	if env.Type != wire.TypeHello {
		return nil, wire.Errorf(wire.CodeBadMessage, "the first message must be a hello, not %q", env.Type)
	}
	hello, err := wire.DecodeHello(env)
	if err != nil {
		return nil, err
	}
	var sess Session
	token := hello.Token
	if hello.Login != nil {
		token, sess, err = c.s.login(c, hello.Login)
	} else {
		sess, err = c.s.db.Authenticate(token)
	}
	if err != nil {
		return nil, err
	}
	c.user, c.station, c.token = sess.User, sess.Station, token
	if c.s.writer.tree.Load().Station(c.station) == nil {
		return nil, wire.Errorf(wire.CodeForbidden, "the account %s belongs to station %s, which is no longer in the hub's tree", sess.User, sess.Station)
	}
	var head, lastSeq uint64
	err = c.s.db.bolt.View(func(tx *bolt.Tx) error {
		head = lastPosition(tx)
		lastSeq, _ = u64Value(bucket(tx, bucketOrigins).Get(c.station[:]))
		return nil
	})
	if err != nil {
		return nil, err
	}
	w := wire.Welcome{
		Version: wire.Version, Epoch: c.s.db.Epoch(), Station: c.station, User: c.user,
		Expires: sess.Expires, Head: head, LastSeq: lastSeq,
		MaxFrame: wire.MaxFrame, MaxPushOps: wire.MaxPushOps,
	}
	if hello.Login != nil {
		w.Token = token
	}
	return wire.Encode(wire.TypeWelcome, env.ID, w)
}

// login checks a password under the throttle, which decides before the
// hash runs; the wait for a hashing slot is bounded in length and time.
func (s *Server) login(c *conn, l *wire.Login) (string, Session, error) {
	c.user = l.User
	at, no := s.throttle.begin(time.Now(), l.User, c.addr)
	if no != nil {
		s.metrics.limited(no.reason)
		return "", Session{}, no.err
	}
	if err := s.acquireHash(); err != nil {
		s.throttle.finish(time.Now(), at, loginUnchecked)
		return "", Session{}, err
	}
	token, sess, err := s.db.Login(l.User, l.Password, s.cfg.SessionTTL)
	<-s.hashing
	var we *wire.Error
	switch {
	case errors.As(err, &we):
		s.throttle.finish(time.Now(), at, loginFailed)
		return "", Session{}, err
	case err != nil:
		s.throttle.finish(time.Now(), at, loginUnchecked)
		return "", Session{}, err
	}
	s.throttle.finish(time.Now(), at, loginSucceeded)
	s.metrics.logins.Add(1)
	s.log.Info("login", "user", sess.User, "station", sess.Station, "addr", c.addr)
	return token, sess, nil
}

// queue hands a frame to the write pump, waiting while the queue is full
// in frames or in bytes: answers to the client's own requests and its
// backlog are never dropped, and a client that does not read stops being
// read and fed (its pushes wait in TCP) until the write or ping deadline
// ends it. The bytes waiting stay under cfg.SendQueueBytes whatever the
// client does.
func (c *conn) queue(frame []byte) bool {
	n := int64(len(frame))
	for !c.reserve(n) {
		select {
		case <-c.room:
		case <-c.done:
			return false
		}
	}
	select {
	case c.send <- outFrame{data: frame}:
		return true
	case <-c.done:
		c.unreserve(n)
		return false
	}
}

// queueLast queues a frame and then closes the connection after it. It
// may pass the byte bound by one small error frame.
func (c *conn) queueLast(frame []byte, code int, reason string) {
	c.closing = true
	c.queued.Add(int64(len(frame)))
	select {
	case c.send <- outFrame{data: frame, closeCode: code, reason: reason}:
	case <-c.done:
	}
}

// offer queues a frame without waiting, for live delivery from the
// table; false when the queue is full in frames or bytes.
func (c *conn) offer(frame []byte) bool {
	n := int64(len(frame))
	if !c.reserve(n) {
		return false
	}
	select {
	case c.send <- outFrame{data: frame}:
		return true
	default:
		c.unreserve(n)
		return false
	}
}

// reserve counts n bytes into the queue if they fit under the bound. A
// frame larger than the bound goes alone into an empty queue, so every
// frame can be sent.
func (c *conn) reserve(n int64) bool {
	limit := int64(c.s.cfg.SendQueueBytes)
	for {
		cur := c.queued.Load()
		if cur > 0 && cur+n > limit {
			return false
		}
		if c.queued.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// unreserve gives back bytes and wakes a writer waiting for room.
func (c *conn) unreserve(n int64) {
	c.queued.Add(-n)
	select {
	case c.room <- struct{}{}:
	default:
	}
}

// writePump writes the queued frames. It waits on the queue alone, as a
// bare fan-out does (pings and the wake-up at close come through it too),
// and sets no write deadline per frame: the runtime re-arms a timer at
// every deadline set, which on a broadcast to thousands was most of what
// the hub spent beyond the writes themselves. A write that hangs (a peer
// that stopped reading) is ended by the connection table's watchdog
// instead (table.ping), and a closed connection's write at once.
func (c *conn) writePump() {
	defer func() {
		c.writing.Store(0)
		_ = c.ws.SetWriteDeadline(time.Now().Add(time.Second))
		_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.reason))
		c.ws.Close()
	}()
	for {
		f := <-c.send
		select {
		case <-c.done:
			return
		default:
		}
		switch {
		case f.ping:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.s.cfg.WriteWait)); err != nil {
				c.close(websocket.CloseAbnormalClosure, "ping failed")
				return
			}
		case f.data != nil:
			c.writing.Store(time.Now().UnixNano())
			err := c.ws.WriteMessage(websocket.TextMessage, f.data)
			c.writing.Store(0)
			c.unreserve(int64(len(f.data)))
			if err != nil {
				c.close(websocket.CloseAbnormalClosure, "write failed")
				return
			}
			if f.closeCode != 0 {
				c.close(f.closeCode, f.reason)
				return
			}
		}
	}
}

// writeStuck reports whether the frame being written has taken longer
// than the write wait.
func (c *conn) writeStuck(now time.Time) bool {
	started := c.writing.Load()
	return started != 0 && now.UnixNano()-started > int64(c.s.cfg.WriteWait)
}

func (c *conn) readPump() {
	extend := func() { _ = c.ws.SetReadDeadline(time.Now().Add(c.s.cfg.PongWait)) }
	extend()
	c.ws.SetPongHandler(func(string) error { extend(); return nil })
	for {
		frame, err := c.readFrame()
		if err != nil {
			var we *wire.Error
			switch {
			case errors.As(err, &we):
				c.s.refuse(c, we, "refused a frame")
				code := websocketPolicy
				if we.Code == wire.CodeTooLarge {
					code = websocketTooBig
				}
				c.queueLast(wire.EncodeError("", we), code, we.Code)
			case errors.Is(err, websocket.ErrReadLimit):
				c.s.refuse(c, wire.Errorf(wire.CodeTooLarge, "a frame over %d bytes", hardReadLimit), "refused a frame")
			}
			return
		}
		extend()
		env, err := wire.DecodeEnvelope(frame)
		if err == nil {
			err = c.handle(env)
		}
		if err != nil {
			var we *wire.Error
			if !errors.As(err, &we) {
				c.s.log.Error("internal error serving a client", "user", c.user, "station", c.station, "err", err)
				we = wire.Errorf(wire.CodeInternal, "the hub failed; details are in its log")
			}
			c.s.refuse(c, we, "refused a message")
			c.bad++
			if c.bad >= maxBadMessages {
				c.queueLast(wire.EncodeError(env.ID, wire.Errorf(we.Code, "%s (%d refused messages: closing)", we.Message, c.bad)), websocketPolicy, "too many refused messages")
				return
			}
			if !c.queue(wire.EncodeError(env.ID, we)) {
				return
			}
		}
		select {
		case <-c.done:
			return
		default:
		}
	}
}

// handle serves one message after the handshake. A returned *wire.Error is
// sent to the client; the connection stays open.
func (c *conn) handle(env wire.Envelope) error {
	if c.browser {
		return c.handleWeb(env)
	}
	switch env.Type {
	case wire.TypePush:
		return c.handlePush(env)
	case wire.TypePull:
		p, err := wire.DecodePull(env)
		if err != nil {
			return err
		}
		if c.pulling {
			return wire.Errorf(wire.CodeBadMessage, "pull: this connection already pulls; reconnect to start from another cursor")
		}
		c.pulling = true
		c.s.wg.Add(1)
		go func() {
			defer c.s.wg.Done()
			c.feed(p.Cursor)
		}()
		return nil
	case wire.TypeOwn:
		return c.handleOwn(env)
	case wire.TypeLogout:
		if err := c.s.db.Logout(c.token); err != nil {
			return err
		}
		c.s.log.Info("logout", "user", c.user, "station", c.station, "addr", c.addr)
		c.close(websocket.CloseNormalClosure, "logged out")
		return nil
	case wire.TypeHello:
		return wire.Errorf(wire.CodeBadMessage, "hello: this connection is already open")
	case wire.TypeOfficerAccount, wire.TypeOfficerAccounts:
		return c.handleOfficer(env)
	}
	if env.Type == TypeRecLink && c.s.rec != nil {
		return c.recordingLink(env)
	}
	if env.Type == TypeRoomLink && c.s.cfg.Signalling != nil {
		return c.roomLink(env)
	}
	if wire.IsSignal(env.Type) && c.s.cfg.Signalling != nil {
		return c.signal(env)
	}
	return wire.Errorf(wire.CodeUnknownType, "unknown message type %q (this hub speaks protocol %s)", env.Type, wire.Version)
}

func (c *conn) handlePush(env wire.Envelope) error {
	push, err := wire.DecodePush(env)
	if err != nil {
		return err
	}
	for _, op := range push.Ops {
		if op.Origin != c.station {
			return &wire.Error{Code: wire.CodeForbidden, Op: op.ID, Seq: op.Seq,
				Message: fmt.Sprintf("push: operation %s comes from station %s, but this session belongs to station %s; a station sends only its own operations", op.ID, op.Origin, c.station)}
		}
	}
	if err := c.admitPush(push, len(env.Data)); err != nil {
		return err
	}
	var res pushResult
	err = c.s.writer.submit(c.s.ctx, func(tx *bolt.Tx, st *txState) (err error) {
		res, err = applyPush(tx, st, c.station, push.Ops)
		return err
	})
	if err != nil {
		if errors.Is(err, errStopping) {
			return wire.Errorf(wire.CodeUnavailable, "the hub is stopping; push again after reconnecting")
		}
		return wire.Errorf(wire.CodeInternal, "%s", app.ErrorMessage(err))
	}
	c.s.metrics.opsIn.Add(int64(res.stored))
	c.s.metrics.opsDup.Add(int64(res.dups))
	c.s.metrics.opsRefused.Add(int64(len(res.refused)))
	for _, r := range res.refused {
		c.s.refuse(c, r, "refused an operation")
		if !c.queue(wire.EncodeError(env.ID, r)) {
			return nil
		}
	}
	through := res.through
	if res.stop != nil && res.stop.Code == wire.CodeConflict {
		// The seqs up to the hub's last are stored, but not necessarily
		// as this push's operations: acknowledge only those before the
		// conflict, or the client would file its own differing ones as
		// sent.
		through = min(through, res.stop.Seq-1)
	}
	ack, _ := wire.Encode(wire.TypeAck, env.ID, wire.Ack{Through: through})
	if !c.queue(ack) {
		return nil
	}
	if res.stop != nil {
		return res.stop
	}
	return nil
}

// feed sends the backlog after the cursor in pages read from the file,
// then asks the table to go live. Reading from the file, not from memory,
// is what lets any client, however far behind, catch up without the hub
// holding its backlog. Every page and the caught_up carry a checkpoint at
// the position they bring the client to.
func (c *conn) feed(cur wire.Cursor) {
	epoch := c.s.db.Epoch()
	verdict, err := c.s.db.judgeCursor(cur, epoch)
	if err != nil {
		c.s.log.Error("cannot read the log for a client", "station", c.station, "err", err)
		c.queueLast(wire.EncodeError("", wire.Errorf(wire.CodeInternal, "the hub cannot read its log")), websocket.CloseInternalServerErr, "internal error")
		return
	}
	pos := verdict.start
	switch {
	case verdict.refusal != nil:
		// This connection only, and no one else notices: the client is
		// told, and is read the epoch from 0 (it skips by id what it
		// has). Reading on rather than hanging up also heals clients
		// older than checkpoints, which do not know the code and would
		// otherwise wait for deliveries that never come.
		c.s.refuse(c, verdict.refusal, "refused a pull's cursor; reading from 0")
		if !c.queue(wire.EncodeError("", verdict.refusal)) {
			return
		}
		pos = 0
	case verdict.rollback:
		// A checkpoint this hub signed that its log no longer matches:
		// the file is older than what clients read (restored, copied
		// back, a disk snapshot), whatever the boot check said. Every
		// cursor of this epoch is suspect, not only this one: start a
		// new epoch, so that every client re-sends and re-pulls.
		c.s.log.Warn("a client's checkpoint shows the log was rolled back: the database is older than what clients read; starting a new epoch",
			"station", c.station, "checkpoint", cur.Checkpoint.Position, "head", verdict.head)
		c.s.rotateEpoch(epoch)
		return
	}
	for {
		var page feedRead
		var chain [32]byte
		err := c.s.db.bolt.View(func(tx *bolt.Tx) (err error) {
			page, err = readFeeds(tx, c.feeds, c.station, pos, 1024, wire.MaxFrame-4096)
			if err != nil {
				return err
			}
			var ok bool
			if chain, ok = chainAt(tx, page.last); !ok {
				return app.Errorf(app.ECORRUPT, "the log's hash chain has no entry at position %d", page.last)
			}
			return nil
		})
		if err != nil {
			c.s.log.Error("cannot read the log for a client", "station", c.station, "err", err)
			c.queueLast(wire.EncodeError("", wire.Errorf(wire.CodeInternal, "the hub cannot read its log")), websocket.CloseInternalServerErr, "internal error")
			return
		}
		checkpoint := c.s.db.checkpoint(epoch, page.last, chain)
		if len(page.items) > 0 {
			cp, _ := json.Marshal(checkpoint)
			frame := make([]byte, 0, wire.MaxFrame)
			frame = append(frame, `{"type":"ops","data":{"epoch":"`+epoch+`","ops":[`...)
			for i, item := range page.items {
				if i > 0 {
					frame = append(frame, ',')
				}
				frame = append(frame, item...)
			}
			frame = append(frame, `],"checkpoint":`...)
			frame = append(frame, cp...)
			frame = append(frame, `}}`...)
			if !c.queue(frame) {
				return
			}
			c.s.metrics.opsOut.Add(int64(len(page.items)))
		}
		pos = page.last
		if !page.done {
			continue
		}
		reply := make(chan bool, 1)
		select {
		case c.s.goLive <- goLiveReq{c: c, head: page.head, checkpoint: checkpoint, reply: reply}:
		case <-c.done:
			return
		case <-c.s.ctx.Done():
			return
		}
		if <-reply {
			return
		}
		select {
		case <-c.done:
			return
		default:
		}
	}
}
