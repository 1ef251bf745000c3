// Package wsdial connects the client's sync engine to a hub over a
// websocket: wss with the hub's self-signed certificate checked by its pin,
// or plain ws to this machine only.
package wsdial

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
)

// Dialer opens connections to one hub. It implements syncer.Transport.
type Dialer struct {
	// Addr is the hub: "host:port" or "wss://host:port" for wss, or
	// "ws://127.0.0.1:port" for plain ws, which is refused for any host
	// but this machine.
	Addr string
	// Pin is the SHA-256 of the hub's certificate (wire.Pin). Empty means
	// first use: the dial fails with a *syncer.PinError carrying the pin
	// the hub presented, for someone to confirm.
	Pin string

	HandshakeTimeout time.Duration // 10 s by default
	WriteWait        time.Duration // how long a frame may take to write; 10 s by default
	// IdleTimeout closes a connection that heard nothing, not even a ping,
	// for this long; the hub pings every 20 s. 75 s by default.
	IdleTimeout time.Duration
}

var _ syncer.Transport = (*Dialer)(nil)

// SyncURL turns a hub address into the URL of its sync endpoint, checking
// that plain ws stays on this machine.
func SyncURL(addr string) (*url.URL, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return nil, app.Errorf(app.EINVALID, "no hub address given")
	}
	if !strings.Contains(addr, "://") {
		addr = "wss://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return nil, app.Errorf(app.EINVALID, "%q is not a hub address (want host:port, e.g. 10.0.0.5:7443)", addr)
	}
	switch u.Scheme {
	case "wss":
	case "ws":
		if !isLoopback(u.Hostname()) {
			return nil, app.Errorf(app.EINVALID, "plain ws is for a hub on this machine only; use wss://%s", u.Host)
		}
	default:
		return nil, app.Errorf(app.EINVALID, "hub address %q: the scheme must be wss (or ws on this machine)", addr)
	}
	if u.RawQuery != "" || u.User != nil {
		return nil, app.Errorf(app.EINVALID, "a hub address carries no user or query; the token travels inside the connection")
	}
	if u.Port() == "" {
		return nil, app.Errorf(app.EINVALID, "hub address %q has no port", addr)
	}
	u.Path = "/sync"
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Dial implements syncer.Transport.
func (d *Dialer) Dial(ctx context.Context) (syncer.Conn, error) {
	u, err := SyncURL(d.Addr)
	if err != nil {
		return nil, err
	}
	want := ""
	if d.Pin != "" {
		if want = wire.NormalisePin(d.Pin); want == "" {
			return nil, app.Errorf(app.EINVALID, "the configured pin %q is not a SHA-256 (64 hex digits)", d.Pin)
		}
	}
	var presented string
	dialer := websocket.Dialer{
		HandshakeTimeout: orDefault(d.HandshakeTimeout, 10*time.Second),
		ReadBufferSize:   4096,
		WriteBufferSize:  4096,
		Proxy:            nil, // a hub is reached directly; a proxy would see only TLS, but may not pass websockets
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS13,
			// The certificate is self-signed: no CA vouches for it, its
			// pin does. VerifyConnection runs instead of chain checks.
			InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return errors.New("the hub presented no certificate")
				}
				presented = wire.Pin(cs.PeerCertificates[0].Raw)
				if presented != want {
					return &syncer.PinError{Presented: presented, Expected: want}
				}
				return nil
			},
		},
	}
	ws, resp, err := dialer.DialContext(ctx, u.String(), http.Header{})
	if err != nil {
		var pe *syncer.PinError
		if errors.As(err, &pe) {
			return nil, pe
		}
		if presented != "" && presented != want {
			return nil, &syncer.PinError{Presented: presented, Expected: want}
		}
		if resp != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			return nil, fmt.Errorf("the hub at %s refused the connection: %s %s", u.Host, resp.Status, strings.TrimSpace(string(body)))
		}
		return nil, fmt.Errorf("cannot reach the hub at %s: %w", u.Host, err)
	}
	c := &Conn{ws: ws, writeWait: orDefault(d.WriteWait, 10*time.Second), idle: orDefault(d.IdleTimeout, 75*time.Second)}
	// Frames from the hub are at most wire.MaxFrame; a little slack, as
	// the limit counts the whole message.
	ws.SetReadLimit(wire.MaxFrame + 4096)
	ws.SetPingHandler(func(data string) error {
		c.extend()
		c.mu.Lock()
		defer c.mu.Unlock()
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(c.writeWait))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	c.extend()
	return c, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Conn is one websocket to a hub. Reads come from one goroutine (the
// engine's reader); writes are serialised here, since the ping handler
// writes pongs from the reading goroutine.
type Conn struct {
	ws        *websocket.Conn
	writeWait time.Duration
	idle      time.Duration

	mu     sync.Mutex
	closed bool
}

func (c *Conn) extend() { _ = c.ws.SetReadDeadline(time.Now().Add(c.idle)) }

// ReadFrame returns the next text frame.
func (c *Conn) ReadFrame() ([]byte, error) {
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Text != "" {
				return nil, fmt.Errorf("the hub closed the connection: %s", ce.Text)
			}
			return nil, err
		}
		c.extend()
		if typ == websocket.TextMessage {
			return data, nil
		}
	}
}

// WriteFrame sends one text frame.
func (c *Conn) WriteFrame(frame []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return net.ErrClosed
	}
	_ = c.ws.SetWriteDeadline(time.Now().Add(c.writeWait))
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// Close says goodbye and closes the socket. Safe to call twice.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.mu.Unlock()
	return c.ws.Close()
}
