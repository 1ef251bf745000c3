package sms

import (
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/warning"
)

// AckObservedKinds are the kinds the Acknowledger must see again at the
// hub's start (hub.Config.Replay): the acknowledgements stored, so a
// station that acknowledged at its window is not acknowledged again by SMS.
var AckObservedKinds = []string{warning.OpAck}

// AppendFunc stores operations the hub writes itself (hub.Server.AppendOwn):
// judged as if the station they speak for had sent them. stored[i] is false
// for an operation whose id is stored already.
type AppendFunc func(ctx context.Context, ops []app.Operation) (stored []bool, err error)

// Acknowledger turns an answered 叫应 message into the station's
// acknowledgement of the warning (短信签收): a warning.ack the hub writes
// itself, Via sms, with the person's name, the masked number and the
// reply's time. One per warning and station (its operation id is derived
// from both): the first answer acknowledges; later answers from the same
// station's other people stay answered messages in the queue. A station
// already acknowledged (at its window, or by an earlier reply) is skipped
// here; a client keeps the earlier of two anyway (warning.Earlier).
type Acknowledger struct {
	Append AppendFunc
	Log    *slog.Logger

	mu    sync.Mutex
	acked map[ackKey]struct{}
}

type ackKey struct{ warning, station app.ID }

// NewAcknowledger returns an acknowledger storing through append (which may
// be set later, before the first reply).
func NewAcknowledger(append AppendFunc, log *slog.Logger) *Acknowledger {
	if log == nil {
		log = slog.Default()
	}
	return &Acknowledger{Append: append, Log: log, acked: map[ackKey]struct{}{}}
}

// Observe takes one stored operation (hub.Config.Observe): an
// acknowledgement, from a window or by SMS, marks its station done.
func (a *Acknowledger) Observe(op app.Operation) {
	if op.Kind != warning.OpAck {
		return
	}
	var ack warning.Ack
	if err := json.Unmarshal(op.Payload, &ack); err != nil || ack.Station == app.NilID {
		return
	}
	a.mu.Lock()
	a.acked[ackKey{op.Entity, ack.Station}] = struct{}{}
	a.mu.Unlock()
}

func (a *Acknowledger) known(k ackKey) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.acked[k]
	return ok
}

// Answered is the queue's Config.Answered: a reply that answered a
// warning's message acknowledges for the message's station.
func (a *Acknowledger) Answered(m Message, in Inbound) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a.acknowledge(ctx, m, in.From, in.At)
}

// AckOp is the operation that records m's answer as its station's
// acknowledgement: the station (a duty room or a village) the message was
// for, the person's name (the masked number when the directory gave none),
// the masked number, the reply's time. It is addressed to the station
// itself (which did not write it) and reported up its line, as a
// township's recording of a village's acknowledgement is. ok is false for
// a message that is not a warning's or names no station.
func AckOp(m Message, from string, at time.Time) (app.Operation, bool) {
	wid, ok := strings.CutPrefix(m.Event, "warning:")
	if !ok {
		return app.Operation{}, false
	}
	warningID, err := app.ParseID(wid)
	if err != nil {
		return app.Operation{}, false
	}
	station, err := app.ParseID(m.Station)
	if err != nil || station == app.NilID {
		return app.Operation{}, false
	}
	number := Mask(NormaliseNumber(from))
	if from == "" {
		number = Mask(m.To)
	}
	person := strings.TrimSpace(m.Name)
	if person == "" {
		person = number
	}
	if utf8.RuneCountInString(person) > warning.MaxName {
		person = string([]rune(person)[:warning.MaxName])
	}
	if at.IsZero() {
		at = time.Now()
	}
	ack := warning.Ack{Warning: warningID, Station: station, Person: person, At: at.UTC(), Via: warning.ViaSMS, Number: number}
	raw, err := json.Marshal(ack)
	if err != nil {
		return app.Operation{}, false
	}
	return app.Operation{ID: app.DeriveID(warningID, "sms-ack "+station.String()), Kind: warning.OpAck, Entity: warningID,
		Payload: raw, To: []app.ID{station}, Scope: app.ScopeUp, At: at.UTC()}, true
}

// acknowledge stores m's answer as its station's acknowledgement unless the
// station has one. It reports whether it stored one.
func (a *Acknowledger) acknowledge(ctx context.Context, m Message, from string, at time.Time) bool {
	op, ok := AckOp(m, from, at)
	if !ok {
		return false
	}
	k := ackKey{op.Entity, m.stationID()}
	if a.known(k) {
		a.Log.Debug("sms reply: the station has acknowledged already", "event", m.Event, "station", m.Station, "person", m.Name, "from", Mask(m.To))
		return false
	}
	if a.Append == nil {
		a.Log.Error("sms 短信签收 not recorded: the hub is not ready", "event", m.Event, "station", m.Station)
		return false
	}
	stored, err := a.Append(ctx, []app.Operation{op})
	if err != nil {
		// Kept as an answered message: the next start's CatchUp tries again.
		a.Log.Error("sms 短信签收 not recorded", "event", m.Event, "station", m.Station, "person", m.Name, "err", app.ErrorMessage(err))
		return false
	}
	a.mu.Lock()
	a.acked[k] = struct{}{}
	a.mu.Unlock()
	if len(stored) == 1 && stored[0] {
		a.Log.Info("sms 短信签收", "event", m.Event, "station", m.Station, "person", m.Name,
			"from", Mask(m.To), "at", op.At.Format(time.RFC3339))
		return true
	}
	return false
}

func (m *Message) stationID() app.ID {
	id, _ := app.ParseID(m.Station)
	return id
}

// CatchUp records the acknowledgements of answered warning messages that
// have none yet: a reply that came while the hub could not store (it was
// stopping) is acknowledged at the next start. Per station the earliest
// answer counts. It returns how many it stored. Run it after the hub's
// replay, so the stations acknowledged already are known.
func (a *Acknowledger) CatchUp(ctx context.Context, q *Queue) (int, error) {
	ms, err := q.Messages()
	if err != nil {
		return 0, err
	}
	var answered []Message
	for _, m := range ms {
		if m.State == Answered && strings.HasPrefix(m.Event, "warning:") {
			answered = append(answered, m)
		}
	}
	sort.SliceStable(answered, func(i, j int) bool { return answered[i].AnsweredAt.Before(answered[j].AnsweredAt) })
	n := 0
	for _, m := range answered {
		if ctx.Err() != nil {
			break
		}
		if a.acknowledge(ctx, m, m.To, m.AnsweredAt) {
			n++
		}
	}
	return n, nil
}
