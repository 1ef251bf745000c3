package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/rtc"
)

// linkIssuer asks the hub for one-time browser join links (room.link) on
// the sync socket, beside the media engine's signalling: the answer comes
// back on the same path, and route takes it out before the engine sees it.
type linkIssuer struct {
	signal   rtc.Signaller
	addr     func() string // the hub's address as configured: wss://host:port
	consult  consult.Service
	identity app.IdentityService
	timeout  time.Duration // 10 s when zero

	seq     atomic.Uint64
	mu      sync.Mutex
	waiting map[string]chan wire.Envelope
}

var _ consult.Links = (*linkIssuer)(nil)

// linkIDPrefix starts the id of every room.link this client sends; it is
// under wire.SignalIDPrefix so that a refusal comes back on the signalling
// path too.
const linkIDPrefix = wire.SignalIDPrefix + "link."

// route takes an answer to a link request; it reports false for anything
// else, which goes on to the media engine.
func (l *linkIssuer) route(env wire.Envelope) bool {
	if !strings.HasPrefix(env.ID, linkIDPrefix) {
		return false
	}
	l.mu.Lock()
	ch := l.waiting[env.ID]
	delete(l.waiting, env.ID)
	l.mu.Unlock()
	if ch != nil {
		ch <- env // buffered: the sync reader never waits here
	}
	return true
}

// JoinLink implements consult.Links.
func (l *linkIssuer) JoinLink(ctx context.Context, id app.ID, user string) (consult.JoinLink, error) {
	var out consult.JoinLink
	user = strings.TrimSpace(user)
	if user == "" {
		return out, &app.Error{Code: app.EINVALID, Field: consult.LinkAccount, Message: "name the hub account the link logs in"}
	}
	me, err := l.identity.Identity(ctx)
	if err != nil {
		return out, err
	}
	if me == nil {
		return out, app.Errorf(app.ENOTFOUND, "this duty room has not chosen its station")
	}
	r, err := l.consult.Record(ctx, id)
	if err != nil {
		return out, err
	}
	switch {
	case r.Consultation.Host != me.ID:
		return out, &app.Error{Code: app.EFORBIDDEN, Field: consult.LinkNotHost,
			Message: fmt.Sprintf("only the host station gives browser links to consultation %q", r.Consultation.Title)}
	case r.Consultation.State != consult.Live:
		return out, &app.Error{Code: app.ECONFLICT, Field: consult.LinkNotLive,
			Message: fmt.Sprintf("consultation %q is not live", r.Consultation.Title)}
	}

	reqID := fmt.Sprintf("%s%d", linkIDPrefix, l.seq.Add(1))
	frame, err := wire.Encode(hub.TypeRoomLink, reqID, hub.RoomLink{Room: id, User: user})
	if err != nil {
		return out, err
	}
	ch := make(chan wire.Envelope, 1)
	l.mu.Lock()
	if l.waiting == nil {
		l.waiting = map[string]chan wire.Envelope{}
	}
	l.waiting[reqID] = ch
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.waiting, reqID)
		l.mu.Unlock()
	}()
	offline := &app.Error{Code: app.EINTERNAL, Field: consult.LinkOffline, Message: "the hub is not connected; a link can be made once it is"}
	if err := l.signal.Signal(frame); err != nil {
		return out, offline
	}
	timeout := l.timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	wait := time.NewTimer(timeout)
	defer wait.Stop()
	var env wire.Envelope
	select {
	case env = <-ch:
	case <-wait.C:
		return out, offline
	case <-ctx.Done():
		return out, ctx.Err()
	}
	if env.Type == wire.TypeError {
		e := wire.DecodeError(env)
		switch e.Code {
		case wire.CodeForbidden:
			return out, &app.Error{Code: app.EFORBIDDEN, Field: consult.LinkNotInvited, Message: e.Message}
		case wire.CodeInvalid:
			return out, &app.Error{Code: app.EINVALID, Field: consult.LinkAccount, Message: e.Message}
		}
		return out, app.Errorf(app.EINTERNAL, "the hub refused the link: %s", e.Message)
	}
	var ans hub.RoomLinked
	if err := json.Unmarshal(env.Data, &ans); err != nil || ans.Path == "" {
		return out, app.Errorf(app.EINTERNAL, "the hub's answer is not a link")
	}
	return consult.JoinLink{Room: ans.Room, User: ans.User, URL: webBase(l.addr()) + ans.Path, Expires: ans.Expires}, nil
}

// webBase is the hub's address for a browser: https for wss, http for
// plain ws (loopback only).
func webBase(addr string) string {
	addr = strings.TrimSuffix(addr, "/")
	switch {
	case strings.HasPrefix(addr, "wss://"):
		return "https://" + strings.TrimPrefix(addr, "wss://")
	case strings.HasPrefix(addr, "ws://"):
		return "http://" + strings.TrimPrefix(addr, "ws://")
	case strings.Contains(addr, "://"):
		return addr
	}
	return "https://" + addr
}
