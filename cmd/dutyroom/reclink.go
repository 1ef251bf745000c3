package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

var _ consult.RecordingLinks = (*linkIssuer)(nil)

// RecordingsLink implements consult.RecordingLinks: room.reclink on the
// sync socket, answered on the same path as a join link.
func (l *linkIssuer) RecordingsLink(ctx context.Context, id app.ID) (consult.RecordingsLink, error) {
	var out consult.RecordingsLink
	reqID := fmt.Sprintf("%s%d", linkIDPrefix, l.seq.Add(1))
	frame, err := wire.Encode(hub.TypeRecLink, reqID, hub.RecLink{Room: id})
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
	offline := &app.Error{Code: app.EINTERNAL, Field: consult.LinkOffline, Message: "the hub is not connected; the recordings can be watched once it is"}
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
		if e.Code == wire.CodeForbidden {
			return out, &app.Error{Code: app.EFORBIDDEN, Field: consult.LinkNotInvited, Message: e.Message}
		}
		return out, app.Errorf(app.EINTERNAL, "the hub refused the recordings link: %s", e.Message)
	}
	var ans hub.RecLinked
	if err := json.Unmarshal(env.Data, &ans); err != nil || ans.Path == "" {
		return out, app.Errorf(app.EINTERNAL, "the hub's answer is not a link")
	}
	return consult.RecordingsLink{Room: ans.Room, URL: webBase(l.addr()) + ans.Path, Expires: ans.Expires}, nil
}
