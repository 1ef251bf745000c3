package syncer

import (
	"context"

	"dutyroom/app/wire"
)

// Request asks the hub a question through the running engine's
// connection (Engine.Request); ErrOffline when no engine runs or its
// connection is not open.
func (c *Client) Request(ctx context.Context, typ string, data any) (wire.Envelope, error) {
	c.mu.Lock()
	eng := c.eng
	c.mu.Unlock()
	if eng == nil {
		return wire.Envelope{}, ErrOffline
	}
	return eng.Request(ctx, typ, data)
}
