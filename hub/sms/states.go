package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// States returns the messages of events (each also matching the events
// below it: "incident:<id>" takes "incident:<id>:2"), or with none every
// message, of the stations within says yes to, as a client may see them:
// the number masked, no text. Oldest first; at most max, the newest, with
// truncated set when more matched.
func (q *Queue) States(events []string, within func(station app.ID) bool, max int) (out []wire.SMSState, truncated bool, err error) {
	var ms []Message
	err = q.db.View(func(tx *bolt.Tx) error {
		if len(events) == 0 {
			return bk(tx, bucketMsgs).ForEach(func(k, v []byte) error {
				var m Message
				if err := json.Unmarshal(v, &m); err != nil {
					return fmt.Errorf("SMS message %s: %w", k, err)
				}
				ms = append(ms, m)
				return nil
			})
		}
		seen := map[string]bool{}
		c := bk(tx, bucketEvents).Cursor()
		for _, asked := range events {
			prefix := []byte(asked)
			for k, id := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, id = c.Next() {
				// Keys are <event>\x00<person>: the event itself, or one
				// below it (<event>:...), never "incident:12" for "incident:1".
				if len(k) == len(prefix) || (k[len(prefix)] != 0 && k[len(prefix)] != ':') {
					continue
				}
				if seen[string(id)] {
					continue
				}
				seen[string(id)] = true
				m, err := getMsg(tx, string(id))
				if err != nil {
					return err
				}
				if m != nil {
					ms = append(ms, *m)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	for _, m := range ms {
		st, err := app.ParseID(m.Station)
		if err != nil || st == app.NilID || !within(st) {
			continue // a test message, or another line's
		}
		out = append(out, stateOf(&m, st))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	if max > 0 && len(out) > max {
		out, truncated = out[len(out)-max:], true
	}
	return out, truncated, nil
}

func stateOf(m *Message, station app.ID) wire.SMSState {
	return wire.SMSState{Event: m.Event, Kind: wire.EventKind(m.Event), Station: station, Person: m.Name,
		Number: Mask(m.To), State: string(m.State), Reason: MaskNumbers(m.Reason), CreatedAt: m.CreatedAt,
		SentAt: m.SentAt, DeliveredAt: m.DeliveredAt, AnsweredAt: m.AnsweredAt, Reply: cutReply(m.Reply)}
}

// MaxReplyShown is how much of a reply the clients are shown: the code and
// a few words around it; the whole reply stays in `dutyhub sms list`.
const MaxReplyShown = 70

func cutReply(s string) string {
	if utf8.RuneCountInString(s) <= MaxReplyShown {
		return s
	}
	return string([]rune(s)[:MaxReplyShown-1]) + "…"
}

// Watched is a gateway whose outages are remembered for the duty rooms'
// status bars: since when the tries find it down, and the last error. A
// temporary error (down, busy) marks it down; a message taken marks it up;
// any other error is the message's, not the gateway's.
type Watched struct {
	Gateway
	Now func() time.Time

	mu      sync.Mutex
	down    bool
	since   time.Time
	lastErr string
}

// Watch wraps gw.
func Watch(gw Gateway) *Watched { return &Watched{Gateway: gw, Now: time.Now} }

// Send implements Gateway.
func (w *Watched) Send(ctx context.Context, m Outgoing) (Result, error) {
	res, err := w.Gateway.Send(ctx, m)
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err == nil:
		w.down, w.since, w.lastErr = false, time.Time{}, ""
	case IsTemporary(err):
		if !w.down {
			w.down, w.since = true, w.Now()
		}
		w.lastErr = MaskNumbers(err.Error())
	}
	return res, err
}

// Poll implements Poller for a gateway that is one (gammu's folders).
func (w *Watched) Poll(ctx context.Context, sink Sink) error {
	if p, ok := w.Gateway.(Poller); ok {
		return p.Poll(ctx, sink)
	}
	return nil
}

// State is the gateway as the clients see it.
func (w *Watched) State() wire.SMSGateway {
	w.mu.Lock()
	defer w.mu.Unlock()
	return wire.SMSGateway{On: true, Down: w.down, DownSince: w.since, LastError: w.lastErr}
}

// MaskNumbers masks every run of seven or more digits in s (138****1234):
// a gateway's error may name the number (gammu's file names do), and what
// the clients see must not.
func MaskNumbers(s string) string {
	var b strings.Builder
	run := 0
	flush := func(end int) {
		if run >= 7 {
			b.WriteString(Mask(s[end-run : end]))
		} else {
			b.WriteString(s[end-run : end])
		}
		run = 0
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}
