package main

import (
	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sms"
)

// smsLive is the SMS gateway once it is open.
type smsLive struct {
	queue   *sms.Queue
	watched *sms.Watched
}

var _ hub.SMSSource = (*smsHub)(nil)

// SMSStates implements hub.SMSSource: the queue's messages, numbers masked.
// Before the queue is open (the hub's first instants) there are none.
func (h *smsHub) SMSStates(events []string, within func(app.ID) bool, max int) (wire.SMSStates, error) {
	live := h.live.Load()
	if live == nil {
		return wire.SMSStates{}, nil
	}
	ms, truncated, err := live.queue.States(events, within, max)
	return wire.SMSStates{Messages: ms, Truncated: truncated}, err
}

// SMSGateway implements hub.SMSSource.
func (h *smsHub) SMSGateway() wire.SMSGateway {
	if live := h.live.Load(); live != nil {
		return live.watched.State()
	}
	return wire.SMSGateway{On: true}
}
