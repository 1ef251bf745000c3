package syncer

import (
	"context"
	"strings"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// request is one Request waiting for its answer.
type request chan requestResult

type requestResult struct {
	env wire.Envelope
	err error
}

// Request asks the hub something beside the sync traffic, on the open
// connection, and waits for the answer: the frame carrying the request's
// id (wire.RequestIDPrefix), or the error the hub answers it with (a
// *wire.Error). Questions only the hub can answer now (the states of its
// SMS messages, setting a village officer's password) go this way; records
// go through the outbox. ErrOffline when no connection is open, or when it
// closes before the answer.
func (e *Engine) Request(ctx context.Context, typ string, data any) (wire.Envelope, error) {
	id := wire.RequestIDPrefix + app.NewID().String()
	frame, err := wire.Encode(typ, id, data)
	if err != nil {
		return wire.Envelope{}, err
	}
	ch := make(request, 1)
	e.mu.Lock()
	conn := e.conn
	if conn != nil {
		if e.requests == nil {
			e.requests = map[string]request{}
		}
		e.requests[id] = ch
	}
	e.mu.Unlock()
	if conn == nil {
		return wire.Envelope{}, ErrOffline
	}
	defer func() {
		e.mu.Lock()
		delete(e.requests, id)
		e.mu.Unlock()
	}()
	if err := conn.WriteFrame(frame); err != nil {
		return wire.Envelope{}, ErrOffline
	}
	select {
	case r := <-ch:
		return r.env, r.err
	case <-ctx.Done():
		return wire.Envelope{}, ctx.Err()
	}
}

// answer hands a frame answering a Request to its caller; false when the
// frame answers none (not a request's id). A request nobody waits for any
// more (its caller gave up) is dropped.
func (e *Engine) answer(env wire.Envelope) bool {
	if !strings.HasPrefix(env.ID, wire.RequestIDPrefix) {
		return false
	}
	r := requestResult{env: env}
	if env.Type == wire.TypeError {
		r.err = wire.DecodeError(env)
	}
	e.mu.Lock()
	ch := e.requests[env.ID]
	e.mu.Unlock()
	if ch != nil {
		select {
		case ch <- r:
		default:
		}
	}
	return true
}

// failRequests answers every waiting request with ErrOffline: the
// connection they were asked on is gone.
func (e *Engine) failRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ch := range e.requests {
		select {
		case ch <- requestResult{err: ErrOffline}:
		default:
		}
	}
}
