package hub

import (
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// The join page: a leader without the client opens a one-time link,
// https://HUB/join#code=..., and joins the consultation from Chrome, Edge
// or Firefox. The page and its script are served from the hub itself (the
// duty-room network has no way out); its websocket, /join/sync, carries the
// same room.* and rtc.* messages as a client's sync socket, and nothing
// else, for the one room of the link.

//go:embed web/join.html web/join.js
var webFiles embed.FS

// maxWebSecret bounds a join code or token in a hello.
const maxWebSecret = 128

func (s *Server) webRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/join", s.servePage("web/join.html", "text/html; charset=utf-8"))
	mux.HandleFunc("/join/join.js", s.servePage("web/join.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("/join/font.otf", serveFont)
	mux.HandleFunc("/join/sync", s.serveWebSync)
	s.recordingRoutes(mux)
	s.officerRoutes(mux)
}

func (s *Server) servePage(name, contentType string) http.HandlerFunc {
	body, err := webFiles.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the join page is only read", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", contentType)
		// Nothing but this hub: no other scripts, frames or places to send
		// the code to.
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; font-src 'self'; media-src 'self' blob: mediastream:; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	}
}

// sameOrigin admits the websocket of the hub's own page only: a page of
// another site must not reach the hub with the user's network position.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host == r.Host
}

func (s *Server) serveWebSync(w http.ResponseWriter, r *http.Request) {
	if s.ctx.Err() != nil {
		http.Error(w, "the hub is stopping", http.StatusServiceUnavailable)
		return
	}
	if s.cfg.Signalling == nil {
		http.Error(w, "this hub does not route consultation video", http.StatusNotFound)
		return
	}
	if r.URL.RawQuery != "" {
		s.metrics.refusal(wire.CodeBadMessage)
		s.log.Warn("refused a browser's join request with a query string", "addr", clientAddr(r))
		http.Error(w, "the join socket takes no query; the code goes in the hello message", http.StatusBadRequest)
		return
	}
	slot, no := s.gate.admit(clientAddr(r))
	if no != nil {
		s.refuseHTTP(w, r, no)
		return
	}
	up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096, CheckOrigin: sameOrigin}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		slot.release()
		s.metrics.refusal(wire.CodeBadMessage)
		s.log.Warn("browser websocket upgrade refused", "addr", clientAddr(r), "origin", r.Header.Get("Origin"), "err", err)
		return
	}
	c := &conn{
		s:       s,
		ws:      ws,
		addr:    clientAddr(r),
		browser: true,
		slot:    slot,
		send:    make(chan outFrame, s.cfg.SendQueue),
		room:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	// Until the hub knows who is there, it reads one small hello.
	ws.SetReadLimit(MaxHelloFrame)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.serve()
	}()
}

// webHello is a browser's first message: a join code from the link, or the
// session token the hub gave for one (after a reload or a reconnect).
type webHello struct {
	Version string `json:"version"`
	Client  string `json:"client,omitempty"`
	Code    string `json:"code,omitempty"`
	Token   string `json:"token,omitempty"`
}

// WebWelcome answers a browser's hello.
type WebWelcome struct {
	Version string    `json:"version"`
	User    string    `json:"user"`
	Station app.ID    `json:"station"`
	Room    app.ID    `json:"room"`
	Token   string    `json:"token,omitempty"` // only in answer to a code
	Expires time.Time `json:"expires"`
	// Stations names every station of the tree, for the page's labels.
	Stations map[app.ID]string `json:"stations"`
}

func (c *conn) webHandshake() ([]byte, error) {
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
	var h webHello
	if err := json.Unmarshal(env.Data, &h); err != nil {
		return nil, wire.Errorf(wire.CodeBadMessage, "hello: %v", err)
	}
	if err := wire.CheckVersion(h.Version); err != nil {
		return nil, err
	}
	if len(h.Code) > maxWebSecret || len(h.Token) > maxWebSecret || (h.Code == "") == (h.Token == "") {
		return nil, wire.Errorf(wire.CodeBadMessage, "hello: a browser sends either the code of its join link or its session token")
	}
	addrKey := "join:" + c.addr
	now := time.Now()
	if wait := c.s.throttle.wait(now, addrKey); wait > 0 {
		c.s.throttle.fail(now, addrKey)
		return nil, wire.Errorf(wire.CodeThrottled, "too many unknown join links from %s; try again in %s", c.addr, c.s.throttle.wait(now, addrKey).Round(time.Second))
	}
	var token string
	var g JoinGrant
	if h.Code != "" {
		// The browser's place is taken before the one-time code is spent.
		if g, err = c.s.db.peekJoinCode(h.Code); err == nil {
			err = c.takeBrowser(g.Station)
		}
		if err == nil {
			token, g, err = c.s.db.RedeemJoinCode(h.Code)
		}
	} else {
		g, err = c.s.db.AuthenticateWeb(h.Token)
		if err == nil {
			err = c.takeBrowser(g.Station)
		}
	}
	if err != nil {
		var we *wire.Error
		if errors.As(err, &we) && we.Code == wire.CodeUnauthorized {
			c.s.throttle.fail(now, addrKey)
		}
		return nil, err
	}
	c.user, c.station, c.webRoom = g.User, g.Station, g.Room
	// The session's token names the join link to the SFU (SignalPeer.Link).
	c.token = cmp.Or(token, h.Token)
	tree := c.s.writer.tree.Load()
	if tree.Station(c.station) == nil {
		return nil, wire.Errorf(wire.CodeForbidden, "the account %s belongs to station %s, which is no longer in the hub's tree", g.User, g.Station)
	}
	if h.Code != "" {
		c.s.log.Info("join link used", "user", g.User, "station", g.Station, "room", g.Room, "addr", c.addr)
	}
	names := map[app.ID]string{}
	var walk func(app.ID)
	walk = func(id app.ID) {
		for _, st := range tree.Children(id) {
			names[st.ID] = st.Name
			walk(st.ID)
		}
	}
	walk(app.NilID)
	return wire.Encode(wire.TypeWelcome, env.ID, WebWelcome{
		Version: wire.Version, User: g.User, Station: g.Station, Room: g.Room,
		Token: token, Expires: g.Expires, Stations: names,
	})
}

// handleWeb serves a browser's message: the signalling of its link's room
// and nothing else.
func (c *conn) handleWeb(env wire.Envelope) error {
	switch {
	case env.Type == wire.TypeHello:
		return wire.Errorf(wire.CodeBadMessage, "hello: this connection is already open")
	case !wire.IsSignal(env.Type):
		return wire.Errorf(wire.CodeUnknownType, "%q: a browser's connection carries only the signalling of its consultation", env.Type)
	case env.Type == TypeRoomLink:
		return wire.Errorf(wire.CodeForbidden, "room.link: a join link is asked for from a DutyRoom client, not from a browser")
	case env.Type == wire.TypeRoomJoin:
		j, err := wire.DecodeRoomJoin(env)
		if err != nil {
			return err
		}
		if j.Room != c.webRoom {
			return wire.Errorf(wire.CodeForbidden, "room.join: this join link is for room %s, not %s", c.webRoom, j.Room)
		}
	}
	return c.signal(env)
}

// A client asks the hub for a join link on its sync socket: room.link names
// the room and the account, room.linked answers with the code. The client
// puts the code in the fragment of https://HUB/join#code=... and sends the
// link to the person by its own means.
const (
	TypeRoomLink   = "room.link"
	TypeRoomLinked = "room.linked"
)

// RoomLink asks for a one-time join link.
type RoomLink struct {
	Room app.ID `json:"room"`
	User string `json:"user"`
	TTL  int    `json:"ttl,omitempty"` // seconds the link waits to be opened; 900 by default
}

// RoomLinked answers a RoomLink.
type RoomLinked struct {
	Room    app.ID    `json:"room"`
	User    string    `json:"user"`
	Code    string    `json:"code"`
	Path    string    `json:"path"` // the link without the hub's scheme and host
	Expires time.Time `json:"expires"`
}

// RoomAdmitter is implemented by a Signalling that can tell whether a
// room's invitation admits an account or its station (the SFU does).
type RoomAdmitter interface {
	Admits(room app.ID, user string, station app.ID) bool
}

// RoomLinker is implemented by a Signalling that decides who may issue a
// browser join link (the SFU does: the room's host only, for an account of
// a station the room invites). MayLink is asked first with no user, about
// the asker alone, then about the account of user at forStation; it
// returns nil or a *wire.Error for the asking client.
type RoomLinker interface {
	MayLink(room, by app.ID, user string, forStation app.ID) error
}

// roomLink serves a client's room.link: only the room's host station may
// ask, and only for an account of a station the room invites; a link
// never lets anyone in whom the room's invitation does not, and never
// lets an invited station log in as another.
func (c *conn) roomLink(env wire.Envelope) error {
	var req RoomLink
	if err := json.Unmarshal(env.Data, &req); err != nil || req.Room == app.NilID || req.User == "" || len(req.User) > wire.MaxUserLen {
		return wire.Errorf(wire.CodeBadMessage, "room.link: want a room id and a user name")
	}
	ttl := time.Duration(req.TTL) * time.Second
	if req.TTL < 0 || ttl > MaxJoinCodeTTL {
		return wire.Errorf(wire.CodeInvalid, "room.link: a link lasts at most %s", MaxJoinCodeTTL)
	}
	linker, ok := c.s.cfg.Signalling.(RoomLinker)
	if !ok {
		return wire.Errorf(wire.CodeForbidden, "room.link: this hub issues no join links")
	}
	// The asker first: a station that may not ask learns nothing of the
	// hub's accounts.
	if err := linker.MayLink(req.Room, c.station, "", c.station); err != nil {
		return err
	}
	var station app.ID
	err := c.s.db.bolt.View(func(tx *bolt.Tx) error {
		a, err := findAccount(tx, req.User)
		station = a.Station
		return err
	})
	if err != nil {
		return wire.Errorf(wire.CodeInvalid, "room.link: no account %s on this hub", req.User)
	}
	if err := linker.MayLink(req.Room, c.station, req.User, station); err != nil {
		return err
	}
	code, g, err := c.s.db.IssueJoinCode(req.User, req.Room, ttl)
	if err != nil {
		return wire.Errorf(wire.CodeInvalid, "room.link: %s", app.ErrorMessage(err))
	}
	c.s.log.Info("join link issued", "room", req.Room, "for", req.User, "by", c.user, "station", c.station, "expires", g.Expires)
	frame, err := wire.Encode(TypeRoomLinked, env.ID, RoomLinked{Room: req.Room, User: g.User, Code: code, Path: "/join#code=" + code, Expires: g.Expires})
	if err != nil {
		return err
	}
	c.queue(frame)
	return nil
}
