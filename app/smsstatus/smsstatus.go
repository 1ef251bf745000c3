// Package smsstatus asks the hub, online, what became of the SMS it sent
// about this station's records (sms.list), and whether its SMS gateway is
// down (sms.gateway). The states live at the hub alone, with the numbers:
// nothing of them is stored here, so offline there is nothing to show but
// that they need the link.
package smsstatus

import (
	"context"
	"errors"
	"time"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
)

// ErrOffline: no connection to the hub now.
var ErrOffline = errors.New("the SMS states are kept at the hub: they need a connection to it")

// AskTimeout bounds one question.
const AskTimeout = 10 * time.Second

// Requester asks the hub a question on the open connection
// (syncer.Client.Request).
type Requester interface {
	Request(ctx context.Context, typ string, data any) (wire.Envelope, error)
}

// Service is what the window and the command line ask.
type Service interface {
	// States returns the SMS of events ("warning:<id>", "incident:<id>",
	// "notice:<id>"; each with the events below it), or with none the
	// newest of this station's line. ErrOffline without a connection.
	States(ctx context.Context, events ...string) (wire.SMSStates, error)
	// Gateway returns the hub's SMS gateway now; On false when the hub
	// sends no SMS (or is older than SMS). ErrOffline without a connection.
	Gateway(ctx context.Context) (wire.SMSGateway, error)
}

// Client asks through a Requester.
type Client struct{ r Requester }

// New returns a Service asking through r.
func New(r Requester) *Client { return &Client{r: r} }

func (c *Client) ask(ctx context.Context, typ string, data any) (wire.Envelope, error) {
	ctx, cancel := context.WithTimeout(ctx, AskTimeout)
	defer cancel()
	env, err := c.r.Request(ctx, typ, data)
	switch {
	case errors.Is(err, syncer.ErrOffline):
		return env, ErrOffline
	case errors.Is(err, context.DeadlineExceeded):
		return env, app.Errorf(app.EINTERNAL, "the hub did not answer within %s", AskTimeout)
	}
	return env, err
}

// States implements Service.
func (c *Client) States(ctx context.Context, events ...string) (wire.SMSStates, error) {
	env, err := c.ask(ctx, wire.TypeSMSList, wire.SMSList{Events: events})
	var we *wire.Error
	if errors.As(err, &we) && we.Code == wire.CodeUnknownType {
		return wire.SMSStates{}, app.Errorf(app.ENOTIMPLEMENTED, "the hub keeps no SMS states: it is older than SMS")
	}
	if err != nil {
		return wire.SMSStates{}, err
	}
	return wire.DecodeSMSStates(env)
}

// Gateway implements Service.
func (c *Client) Gateway(ctx context.Context) (wire.SMSGateway, error) {
	env, err := c.ask(ctx, wire.TypeSMSGateway, nil)
	var we *wire.Error
	if errors.As(err, &we) && we.Code == wire.CodeUnknownType {
		return wire.SMSGateway{}, nil // an older hub sends no SMS
	}
	if err != nil {
		return wire.SMSGateway{}, err
	}
	return wire.DecodeSMSGateway(env)
}

// Summary counts a station's messages by state.
type Summary struct {
	Sent, Delivered, Failed, Answered, Queued int
	// Reason is the first failure's reason.
	Reason string
}

// ByStation sums the messages per station.
func ByStation(ms []wire.SMSState) map[app.ID]*Summary {
	out := map[app.ID]*Summary{}
	for _, m := range ms {
		s := out[m.Station]
		if s == nil {
			s = &Summary{}
			out[m.Station] = s
		}
		switch m.State {
		case "sent":
			s.Sent++
		case "delivered":
			s.Delivered++
		case "failed":
			s.Failed++
			if s.Reason == "" {
				s.Reason = m.Reason
			}
		case "answered":
			s.Answered++
		default:
			s.Queued++
		}
	}
	return out
}
