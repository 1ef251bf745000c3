package hub

import (
	"dutyroom/app"
	"dutyroom/app/wire"
)

// SMSSource is the hub's SMS gateway as the clients may see it: the states
// of the messages (numbers masked) and whether the gateway is down. The
// program hosting the hub wires it (hub/sms's queue); nil when SMS is off.
type SMSSource interface {
	// SMSStates returns the messages of events (or with none, the newest),
	// of the stations within says yes to, at most max.
	SMSStates(events []string, within func(station app.ID) bool, max int) (wire.SMSStates, error)
	// SMSGateway is the gateway now.
	SMSGateway() wire.SMSGateway
}

// sms answers sms.list with the messages about the asking station and the
// stations below it, never another line's, and sms.gateway with the
// gateway's state. A hub without SMS answers with none and On false.
func (c *conn) sms(env wire.Envelope) error {
	src := c.s.cfg.SMS
	if env.Type == wire.TypeSMSGateway {
		var g wire.SMSGateway
		if src != nil {
			g = src.SMSGateway()
		}
		return c.smsAnswer(env, g)
	}
	req, err := wire.DecodeSMSList(env)
	if err != nil {
		return err
	}
	states := wire.SMSStates{Messages: []wire.SMSState{}}
	if src != nil {
		tree, err := c.s.db.Tree()
		if err != nil {
			return err
		}
		if tree.Station(c.station) == nil {
			return wire.Errorf(wire.CodeForbidden, "sms.list: station %s is not in the hub's tree", c.station)
		}
		within := func(st app.ID) bool { return st == c.station || tree.IsWithin(st, c.station) }
		if states, err = src.SMSStates(req.Events, within, wire.MaxSMSStates); err != nil {
			return err
		}
		if states.Messages == nil {
			states.Messages = []wire.SMSState{}
		}
	}
	// One answer is one frame, and a client reads no frame over
	// wire.MaxFrame: the oldest go first until it fits.
	for {
		frame, err := wire.Encode(env.Type, env.ID, states)
		if err != nil {
			return err
		}
		if len(frame) <= wire.MaxFrame || len(states.Messages) == 0 {
			c.queue(frame)
			return nil
		}
		drop := max(len(states.Messages)/10, 1)
		states.Messages, states.Truncated = states.Messages[drop:], true
	}
}

// smsAnswer sends a request's answer: a frame of its type and id.
func (c *conn) smsAnswer(env wire.Envelope, data any) error {
	frame, err := wire.Encode(env.Type, env.ID, data)
	if err != nil {
		return err
	}
	c.queue(frame)
	return nil
}
