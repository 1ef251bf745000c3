package hub

import (
	"encoding/hex"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Signalling serves video consultations over the sync socket. The hub
// authenticates the connection and hands over the room.* and rtc.*
// messages; the implementation (the SFU) decides who may join which room.
// It is an interface so that the hub's own package stays free of WebRTC.
type Signalling interface {
	// Attach starts serving one authenticated connection. It is called at
	// the connection's first signalling message.
	Attach(peer SignalPeer) SignalConn
}

// SignalPeer is what the hub tells the SFU about a connection.
type SignalPeer struct {
	User    string
	Station app.ID
	Addr    string
	// Link names the join link of a browser's connection (a digest of its
	// session, the same across the page's reconnects and never the secret
	// itself); empty for a client. The SFU admits one participant per link.
	Link string
	// Send queues a frame for the connection without waiting. It returns
	// false when the connection is gone, or was dropped because its
	// queue was full: the SFU never waits for a slow client.
	Send func(frame []byte) bool
}

// SignalConn is one connection as the SFU serves it.
type SignalConn interface {
	// Handle serves one message, from the connection's read pump: it
	// must not wait for the network. A returned *wire.Error goes back to
	// the client as a refusal; the connection stays open.
	Handle(env wire.Envelope) error
	// Close says the connection has ended: leave every room.
	Close()
}

func (c *conn) signal(env wire.Envelope) error {
	if c.sig == nil {
		var link string
		if c.browser {
			link = hex.EncodeToString(tokenKey(c.token)[:12])
		}
		c.sig = c.s.cfg.Signalling.Attach(SignalPeer{User: c.user, Station: c.station, Addr: c.addr, Link: link, Send: c.offerFrame})
	}
	return c.sig.Handle(env)
}

// offerFrame queues a frame from outside the read pump without waiting: a
// full queue (in frames or bytes) means the client does not read, and it is dropped as the
// table drops slow clients (it reconnects and joins again).
func (c *conn) offerFrame(frame []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	if c.offer(frame) {
		return true
	}
	c.s.metrics.slowDrops.Add(1)
	c.s.metrics.limited("slow_reader")
	c.s.log.Warn("dropping a slow client during a consultation", "station", c.station, "user", c.user, "addr", c.addr, "queued", len(c.send), "queuedBytes", c.queued.Load())
	c.close(websocketPolicy, "too slow: the send queue is full; reconnect")
	return false
}
