package sms

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The queue's buckets, in the hub's own file beside its log (db.go), under
// a root of their own so the hub's schema is untouched:
//
//	sms1
//	├── msgs   <id> → JSON Message
//	├── due    <next try, unix ns, 8 bytes><id> → nil    queued messages by time
//	├── events <event>\x00<person> → <id>                at most one message per event and person
//	├── codes  <number>\x00<code> → <id>                 what a reply with that code answers
//	├── counts <day>[\x00<number>] → uint64              messages queued that day, in all and per number
//	└── inbox  <received, unix ns, 8 bytes><n> → JSON Unmatched   replies nobody was waiting for
var (
	bucketRoot   = []byte("sms1")
	bucketMsgs   = []byte("msgs")
	bucketDue    = []byte("due")
	bucketEvents = []byte("events")
	bucketCodes  = []byte("codes")
	bucketCounts = []byte("counts")
	bucketInbox  = []byte("inbox")
)

// Defaults of Config.
const (
	DefaultDailyCap     = 2000             // messages a day in all
	DefaultPersonCap    = 30               // messages a day to one number
	DefaultRetryBase    = 30 * time.Second // the first retry's wait; each next doubles
	DefaultRetryMax     = 30 * time.Minute // the longest wait between tries
	DefaultMaxAttempts  = 8                // tries before a message fails (about 1½ hours)
	DefaultPollInterval = 5 * time.Second  // how often a files gateway is read
	DefaultWorkers      = 4                // messages handed to the gateway at once
)

// Config tunes a Queue. Zero values take the defaults.
type Config struct {
	DailyCap, PersonCap int
	MaxParts            int
	RetryBase, RetryMax time.Duration
	MaxAttempts         int
	PollInterval        time.Duration
	// Workers is how many messages are handed to the gateway at once,
	// each by its own request (send.go).
	Workers int
	Logger  *slog.Logger
	Now     func() time.Time
	// Answered, when set, is called (from the goroutine that received the
	// reply, after it is stored) for each reply that answers a message.
	Answered func(m Message, in Inbound)
}

func (c *Config) fill() {
	if c.DailyCap <= 0 {
		c.DailyCap = DefaultDailyCap
	}
	if c.PersonCap <= 0 {
		c.PersonCap = DefaultPersonCap
	}
	if c.MaxParts <= 0 {
		c.MaxParts = DefaultMaxParts
	}
	if c.RetryBase <= 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.RetryMax <= 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Message is one SMS and what became of it. Its JSON is the stored format.
type Message struct {
	ID      string `json:"id"`
	Event   string `json:"event"`             // what it is about, e.g. warning:<id>
	Station string `json:"station,omitempty"` // the station it answers for
	Person  string `json:"person,omitempty"`  // the directory's person id
	Name    string `json:"name,omitempty"`
	To      string `json:"to"`
	Text    string `json:"text"`
	Code    string `json:"code,omitempty"` // the reply code, when an answer is wanted
	// Basis says how the person was chosen: BasisRoster (on duty by the
	// published roster) or BasisRole (everyone with the role).
	Basis string `json:"basis,omitempty"`
	Parts int    `json:"parts"`

	State    State     `json:"state"`
	Reason   string    `json:"reason,omitempty"`
	Attempts int       `json:"attempts"`
	NextTry  time.Time `json:"next_try,omitzero"`
	Gateway  string    `json:"gateway_id,omitempty"`
	// Confirmed is set when a files gateway shows the message sent.
	Confirmed bool `json:"confirmed,omitempty"`

	CreatedAt   time.Time `json:"created_at"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
	Reply       string    `json:"reply,omitempty"`
}

// Unmatched is a reply no message was waiting for: an unknown number, or
// a known one with no code we sent it. Kept and listed, never dropped.
type Unmatched struct {
	Inbound
	Reason string `json:"reason"`
}

// Request asks for one message.
type Request struct {
	Event   string
	Station string
	Person  string
	Name    string
	To      string
	// Text is the message; with WantReply, "{code}" in it is replaced by
	// the reply code the queue draws for this number.
	Text      string
	WantReply bool
	Basis     string // BasisRoster or BasisRole, for the record
}

// Queue keeps messages in the hub's file and sends them through one
// gateway. It is safe for concurrent use; one goroutine (Run) sends.
type Queue struct {
	db  *bolt.DB
	gw  Gateway
	cfg Config
	log *slog.Logger

	kick chan struct{}

	sent, failed, delivered, answered, unmatched, retries atomic.Int64
	gatewayDown                                           atomic.Bool
	skipped                                               atomic.Int64

	mu sync.Mutex // serialises Enqueue's read-check-write of caps and codes

	claimMu  sync.Mutex          // guards inflight
	inflight map[string]struct{} // messages a worker is sending now (send.go)
}

// Open makes the queue's buckets in db and returns a queue sending
// through gw (nil: messages are kept queued).
func Open(db *bolt.DB, gw Gateway, cfg Config) (*Queue, error) {
	cfg.fill()
	err := db.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketRoot)
		if err != nil {
			return err
		}
		for _, b := range [][]byte{bucketMsgs, bucketDue, bucketEvents, bucketCodes, bucketCounts, bucketInbox} {
			if _, err := root.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create sms1/%s: %w", b, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("the SMS queue's buckets: %w", err)
	}
	return &Queue{db: db, gw: gw, cfg: cfg, log: cfg.Logger, kick: make(chan struct{}, 1), inflight: map[string]struct{}{}}, nil
}

func bk(tx *bolt.Tx, name []byte) *bolt.Bucket { return tx.Bucket(bucketRoot).Bucket(name) }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func dueKey(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	return append(k, id...)
}

func countKey(day, number string) []byte {
	if number == "" {
		return []byte(day)
	}
	return []byte(day + "\x00" + number)
}

func getCount(b *bolt.Bucket, k []byte) int {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

func putCount(b *bolt.Bucket, k []byte, n int) error {
	v := make([]byte, 8)
	binary.BigEndian.PutUint64(v, uint64(n))
	return b.Put(k, v)
}

func putMsg(tx *bolt.Tx, m *Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return bk(tx, bucketMsgs).Put([]byte(m.ID), data)
}

func getMsg(tx *bolt.Tx, id string) (*Message, error) {
	data := bk(tx, bucketMsgs).Get([]byte(id))
	if data == nil {
		return nil, nil
	}
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("SMS message %s: %w", id, err)
	}
	return &m, nil
}

// Enqueue records a message. The same event and person give the stored
// message again, not a second one. A malformed number or a full cap
// records the message as failed with the reason (so it is listed, never
// sent); a text longer than MaxParts concatenated parts is refused with
// an error and nothing is recorded.
func (q *Queue) Enqueue(r Request) (Message, error) {
	if r.Event == "" {
		return Message{}, fmt.Errorf("an SMS names no event")
	}
	text := strings.TrimSpace(r.Text)
	if text == "" {
		return Message{}, fmt.Errorf("an SMS for %s has no text", r.Event)
	}
	// Codes have four digits; the longest text is checked with one in.
	if p := Parts(strings.ReplaceAll(text, "{code}", "0000")); p > q.cfg.MaxParts {
		return Message{}, fmt.Errorf("the SMS for %s takes %d parts, more than %d: shorten the text", r.Event, p, q.cfg.MaxParts)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.cfg.Now()
	var out Message
	err := q.db.Update(func(tx *bolt.Tx) error {
		// One message per event and person; without a person (a test
		// message), per event and number.
		who := r.Person
		if who == "" {
			who = "tel:" + NormaliseNumber(r.To)
		}
		evKey := []byte(r.Event + "\x00" + who)
		if id := bk(tx, bucketEvents).Get(evKey); id != nil {
			m, err := getMsg(tx, string(id))
			if err != nil || m != nil {
				if m != nil {
					out = *m
				}
				return err
			}
		}
		m := Message{ID: newID(), Event: r.Event, Station: r.Station, Person: r.Person, Name: r.Name, Basis: r.Basis,
			To: NormaliseNumber(r.To), State: Queued, CreatedAt: now, NextTry: now}
		counts := bk(tx, bucketCounts)
		day := now.Format("2006-01-02")
		switch {
		case !ValidMobile(m.To):
			m.State, m.Reason = Failed, "not a mobile number in the directory: skipped"
		case getCount(counts, countKey(day, "")) >= q.cfg.DailyCap:
			m.State, m.Reason = Failed, fmt.Sprintf("the daily cap of %d messages is reached", q.cfg.DailyCap)
		case getCount(counts, countKey(day, m.To)) >= q.cfg.PersonCap:
			m.State, m.Reason = Failed, fmt.Sprintf("the cap of %d messages a day to one number is reached", q.cfg.PersonCap)
		}
		if r.WantReply && m.State == Queued {
			code, err := drawCode(bk(tx, bucketCodes), m.To)
			if err != nil {
				return err
			}
			m.Code = code
			if err := bk(tx, bucketCodes).Put([]byte(m.To+"\x00"+code), []byte(m.ID)); err != nil {
				return err
			}
		}
		m.Text = strings.ReplaceAll(text, "{code}", m.Code)
		m.Parts = Parts(m.Text)
		if m.State == Queued {
			if err := putCount(counts, countKey(day, ""), getCount(counts, countKey(day, ""))+1); err != nil {
				return err
			}
			if err := putCount(counts, countKey(day, m.To), getCount(counts, countKey(day, m.To))+1); err != nil {
				return err
			}
			if err := bk(tx, bucketDue).Put(dueKey(m.NextTry, m.ID), nil); err != nil {
				return err
			}
		} else {
			m.NextTry = time.Time{}
		}
		if err := bk(tx, bucketEvents).Put(evKey, []byte(m.ID)); err != nil {
			return err
		}
		out = m
		return putMsg(tx, &m)
	})
	if err != nil {
		return Message{}, err
	}
	if out.State == Failed && out.CreatedAt.Equal(now) {
		q.failed.Add(1)
		if !ValidMobile(out.To) {
			q.skipped.Add(1)
		}
		q.log.Warn("sms not sent", "id", out.ID, "event", out.Event, "to", Mask(out.To), "reason", out.Reason)
	}
	q.wake()
	return out, nil
}

// drawCode picks a four-digit code not open for this number.
func drawCode(codes *bolt.Bucket, number string) (string, error) {
	for range 50 {
		n, err := rand.Int(rand.Reader, big.NewInt(9000))
		if err != nil {
			return "", err
		}
		code := fmt.Sprintf("%04d", 1000+n.Int64())
		if codes.Get([]byte(number+"\x00"+code)) == nil {
			return code, nil
		}
	}
	return "", fmt.Errorf("no free reply code left for %s", Mask(number))
}

func (q *Queue) wake() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// Run sends due messages, and reads a files gateway, until ctx ends.
func (q *Queue) Run(ctx context.Context) {
	poll := time.NewTicker(q.cfg.PollInterval)
	defer poll.Stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.kick:
		case <-timer.C:
		case <-poll.C:
			if p, ok := q.gw.(Poller); ok {
				if err := p.Poll(ctx, q); err != nil {
					q.log.Warn("sms gateway cannot be read", "gateway", q.gw.Name(), "err", err)
				}
			}
		}
		next := q.sendDue(ctx)
		wait := q.cfg.PollInterval
		if !next.IsZero() {
			wait = min(wait, max(time.Until(next), 10*time.Millisecond))
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// SendDue sends every message due now, once, and returns when the next
// is due (zero: none queued). Run calls it; `dutyhub sms test` too.
func (q *Queue) SendDue(ctx context.Context) time.Time { return q.sendDue(ctx) }

func (q *Queue) sendOne(ctx context.Context, m *Message) {
	res, err := q.gw.Send(ctx, Outgoing{ID: m.ID, To: m.To, Text: m.Text})
	now := q.cfg.Now()
	old := dueKey(m.NextTry, m.ID)
	m.Attempts++
	switch {
	case err == nil:
		q.gatewayDown.Store(false)
		q.sent.Add(1)
		m.State, m.Reason, m.Gateway, m.SentAt, m.NextTry = Sent, "", res.GatewayID, now, time.Time{}
		if res.State == Delivered {
			m.State, m.DeliveredAt = Delivered, now
		}
	case IsTemporary(err) && m.Attempts < q.cfg.MaxAttempts:
		q.gatewayDown.Store(true)
		q.retries.Add(1)
		wait := q.cfg.RetryBase << min(m.Attempts-1, 20)
		if wait > q.cfg.RetryMax || wait <= 0 {
			wait = q.cfg.RetryMax
		}
		m.Reason, m.NextTry = err.Error(), now.Add(wait)
		// Quiet: one line at debug per retry; the failure is logged once.
		q.log.Debug("sms retry", "id", m.ID, "to", Mask(m.To), "attempt", m.Attempts, "wait", wait, "err", err)
	default:
		if IsTemporary(err) {
			q.gatewayDown.Store(true)
		}
		q.failed.Add(1)
		m.State, m.Reason, m.NextTry = Failed, err.Error(), time.Time{}
		q.log.Warn("sms failed", "id", m.ID, "event", m.Event, "to", Mask(m.To), "attempts", m.Attempts, "reason", m.Reason)
	}
	// Batch: the workers' commits share one write to disk; each returns
	// only once its own is durable, and the function may run again
	// (it only sets what it read).
	err = q.db.Batch(func(tx *bolt.Tx) error {
		if err := bk(tx, bucketDue).Delete(old); err != nil {
			return err
		}
		// A delivery report or a reply may have come back while Send
		// was still returning: keep what it recorded.
		cur, err := getMsg(tx, m.ID)
		if err != nil {
			return err
		}
		if cur != nil && cur.State != Queued && m.State != Failed {
			cur.Attempts, cur.Gateway, cur.SentAt, cur.NextTry = m.Attempts, m.Gateway, m.SentAt, time.Time{}
			return putMsg(tx, cur)
		}
		if m.State == Queued {
			if err := bk(tx, bucketDue).Put(dueKey(m.NextTry, m.ID), nil); err != nil {
				return err
			}
		}
		return putMsg(tx, m)
	})
	if err != nil {
		q.log.Error("sms queue cannot record a send", "id", m.ID, "err", err)
	}
}

// Report implements Sink: a delivery report or a files gateway's
// outcome. A report for a message already answered, or one unknown,
// changes nothing.
func (q *Queue) Report(r Report) {
	var failedNow bool
	err := q.db.Update(func(tx *bolt.Tx) error {
		m, err := getMsg(tx, r.ID)
		if err != nil || m == nil {
			return err
		}
		switch {
		case m.State == Answered || m.State == Failed:
			return nil
		case r.State == Sent:
			if m.Confirmed {
				return nil
			}
			m.Confirmed = true
		case r.State == Delivered:
			if m.State == Delivered {
				return nil
			}
			m.State, m.DeliveredAt = Delivered, r.At
			q.delivered.Add(1)
		case r.State == Failed:
			m.State, m.Reason = Failed, r.Reason
			failedNow = true
		default:
			return nil
		}
		return putMsg(tx, m)
	})
	if err != nil {
		q.log.Error("sms queue cannot record a report", "id", r.ID, "err", err)
	}
	if failedNow {
		q.failed.Add(1)
		q.log.Warn("sms failed", "id", r.ID, "reason", r.Reason)
	}
}

// Reply implements Sink: a reply with a code we sent that number answers
// its message; anything else is kept as unmatched.
func (q *Queue) Reply(in Inbound) {
	in.From = NormaliseNumber(in.From)
	if in.At.IsZero() {
		in.At = q.cfg.Now()
	}
	code := findCode(in.Text)
	var answered *Message
	reason := ""
	err := q.db.Update(func(tx *bolt.Tx) error {
		var id []byte
		if code != "" {
			id = bk(tx, bucketCodes).Get([]byte(in.From + "\x00" + code))
		}
		if id != nil {
			m, err := getMsg(tx, string(id))
			if err != nil {
				return err
			}
			if m != nil && m.State != Answered {
				m.State, m.AnsweredAt, m.Reply = Answered, in.At, in.Text
				answered = m
				return putMsg(tx, m)
			}
			if m != nil {
				reason = "answered already"
			}
		}
		if reason == "" {
			reason = "unknown number or code"
			if code == "" {
				reason = "no reply code in the text"
			}
		}
		data, err := json.Marshal(Unmatched{Inbound: in, Reason: reason})
		if err != nil {
			return err
		}
		ib := bk(tx, bucketInbox)
		seq, _ := ib.NextSequence()
		k := dueKey(in.At, "")
		k = binary.BigEndian.AppendUint64(k, seq)
		return ib.Put(k, data)
	})
	if err != nil {
		q.log.Error("sms queue cannot record a reply", "from", Mask(in.From), "err", err)
		return
	}
	if answered == nil {
		q.unmatched.Add(1)
		q.log.Info("sms reply kept unmatched", "from", Mask(in.From), "reason", reason)
		return
	}
	q.answered.Add(1)
	if q.cfg.Answered != nil {
		q.cfg.Answered(*answered, in)
	}
}

// findCode takes the first run of exactly four digits in a reply, with
// full-width digits read as ASCII: "1234", "收到1234", "１２３４ 已阅".
func findCode(text string) string {
	var run []byte
	flush := func() string {
		if len(run) == 4 {
			return string(run)
		}
		run = run[:0]
		return ""
	}
	for _, r := range text {
		switch {
		case r >= '0' && r <= '9':
			run = append(run, byte(r))
		case r >= '０' && r <= '９':
			run = append(run, byte('0'+(r-'０')))
		default:
			if c := flush(); c != "" {
				return c
			}
		}
	}
	return flush()
}

// Messages returns the stored messages, oldest first.
func (q *Queue) Messages() ([]Message, error) {
	var out []Message
	err := q.db.View(func(tx *bolt.Tx) error {
		return bk(tx, bucketMsgs).ForEach(func(k, v []byte) error {
			var m Message
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("SMS message %s: %w", k, err)
			}
			out = append(out, m)
			return nil
		})
	})
	sortMessages(out)
	return out, err
}

func sortMessages(ms []Message) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].CreatedAt.Before(ms[j-1].CreatedAt); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// Unmatched returns the replies no message was waiting for, oldest first.
func (q *Queue) Unmatched() ([]Unmatched, error) {
	var out []Unmatched
	err := q.db.View(func(tx *bolt.Tx) error {
		return bk(tx, bucketInbox).ForEach(func(k, v []byte) error {
			var u Unmatched
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// Message returns one message, or nil.
func (q *Queue) Message(id string) (*Message, error) {
	var m *Message
	err := q.db.View(func(tx *bolt.Tx) error {
		var err error
		m, err = getMsg(tx, id)
		return err
	})
	return m, err
}

// GatewayDown reports whether the last try found the gateway down.
func (q *Queue) GatewayDown() bool { return q.gatewayDown.Load() }

// WriteMetrics writes the queue's counters in the Prometheus text format
// (the hub's /metrics).
func (q *Queue) WriteMetrics(w io.Writer) {
	metric := func(name, typ, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", name, help, name, typ, name, v)
	}
	down := int64(0)
	if q.gatewayDown.Load() {
		down = 1
	}
	metric("dutyhub_sms_sent_total", "counter", "SMS handed to the gateway.", q.sent.Load())
	metric("dutyhub_sms_failed_total", "counter", "SMS given up: refused, undelivered, over a cap or a malformed number.", q.failed.Load())
	metric("dutyhub_sms_delivered_total", "counter", "SMS the gateway reported delivered.", q.delivered.Load())
	metric("dutyhub_sms_answered_total", "counter", "Replies that answered a message by its code.", q.answered.Load())
	metric("dutyhub_sms_unmatched_total", "counter", "Replies kept unmatched: unknown number or code.", q.unmatched.Load())
	metric("dutyhub_sms_retries_total", "counter", "Sends retried because the gateway was down or busy.", q.retries.Load())
	metric("dutyhub_sms_gateway_down", "gauge", "1 while the last try found the SMS gateway down.", down)
}
