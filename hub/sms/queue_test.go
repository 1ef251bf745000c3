package sms

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// recorder is a gateway that keeps what it is handed, and can be down.
type recorder struct {
	mu   sync.Mutex
	down bool
	sent []Outgoing
}

func (r *recorder) Name() string { return "recorder" }
func (r *recorder) Send(ctx context.Context, m Outgoing) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return Result{}, &TemporaryError{errors.New("connection refused")}
	}
	r.sent = append(r.sent, m)
	return Result{State: Sent}, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func openDB(t testing.TB) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "dutyhub.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newTestQueue(t *testing.T, gw Gateway, cfg Config) (*Queue, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 7, 1, 9, 0, 0, 0, time.Local)}
	cfg.Now = c.now
	q, err := Open(openDB(t), gw, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return q, c
}

func TestSameEventAndPersonQueueOneMessage(t *testing.T) {
	gw := &recorder{}
	q, _ := newTestQueue(t, gw, Config{})
	r := Request{Event: "warning:1", Person: "p1", To: "13800000001", Text: "红色预警，回复{code}签收", WantReply: true}
	a, err := q.Enqueue(r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := q.Enqueue(r)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || a.Code == "" || !strings.Contains(a.Text, a.Code) {
		t.Fatalf("second enqueue gave %+v, first %+v", b, a)
	}
	q.SendDue(context.Background())
	q.SendDue(context.Background())
	if len(gw.sent) != 1 {
		t.Fatalf("gateway got %d messages, want 1", len(gw.sent))
	}
}

func TestMalformedNumberIsRecordedFailedAndNeverSent(t *testing.T) {
	gw := &recorder{}
	q, _ := newTestQueue(t, gw, Config{})
	m, err := q.Enqueue(Request{Event: "warning:1", Person: "p1", To: "0743-8221234", Text: "测试"})
	if err != nil {
		t.Fatal(err)
	}
	if m.State != Failed || !strings.Contains(m.Reason, "not a mobile number") {
		t.Fatalf("message %+v, want failed: not a mobile number", m)
	}
	q.SendDue(context.Background())
	if len(gw.sent) != 0 {
		t.Fatalf("a malformed number reached the gateway: %+v", gw.sent)
	}
}

func TestCapsFailMessagesBeyondThemWithTheReason(t *testing.T) {
	gw := &recorder{}
	q, _ := newTestQueue(t, gw, Config{DailyCap: 3, PersonCap: 2})
	var states []string
	for i, to := range []string{"13800000001", "13800000001", "13800000001", "13800000002", "13800000003"} {
		m, err := q.Enqueue(Request{Event: "e" + string(rune('a'+i)), To: to, Text: "测试"})
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, string(m.State)+":"+m.Reason)
	}
	want := []string{"queued:", "queued:", "failed:the cap of 2 messages a day to one number is reached", "queued:",
		"failed:the daily cap of 3 messages is reached"}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("message %d: %s, want %s", i, states[i], want[i])
		}
	}
}

func TestTooLongTextIsRefusedAndNothingRecorded(t *testing.T) {
	q, _ := newTestQueue(t, &recorder{}, Config{})
	_, err := q.Enqueue(Request{Event: "e", To: "13800000001", Text: strings.Repeat("雨", 67*4+1)})
	if err == nil || !strings.Contains(err.Error(), "parts") {
		t.Fatalf("err %v, want a refusal naming the parts", err)
	}
	ms, _ := q.Messages()
	if len(ms) != 0 {
		t.Fatalf("recorded %d messages", len(ms))
	}
}

func TestGatewayDownRetriesWithBackoffAndCatchesUpWithoutDuplicates(t *testing.T) {
	gw := &recorder{down: true}
	q, c := newTestQueue(t, gw, Config{RetryBase: time.Minute, MaxAttempts: 5})
	ctx := context.Background()
	for _, to := range []string{"13800000001", "13800000002"} {
		if _, err := q.Enqueue(Request{Event: "warning:9", To: to, Text: "红色预警"}); err != nil {
			t.Fatal(err)
		}
	}
	next := q.SendDue(ctx)
	if !q.GatewayDown() || !next.Equal(c.t.Add(time.Minute)) {
		t.Fatalf("after a refused try: down %v, next %v", q.GatewayDown(), next)
	}
	c.t = c.t.Add(time.Minute)
	next = q.SendDue(ctx)
	if !next.Equal(c.t.Add(2 * time.Minute)) {
		t.Fatalf("second wait: next %v, want doubled to 2 min", next)
	}
	gw.mu.Lock()
	gw.down = false
	gw.mu.Unlock()
	c.t = next
	q.SendDue(ctx)
	q.SendDue(ctx)
	if len(gw.sent) != 2 || q.GatewayDown() {
		t.Fatalf("after the gateway came back: %d sent, down %v", len(gw.sent), q.GatewayDown())
	}
	ms, _ := q.Messages()
	for _, m := range ms {
		if m.State != Sent || m.Attempts != 3 {
			t.Fatalf("message %+v, want sent on the third try", m)
		}
	}
}

func TestGatewayDownTooLongFailsWithTheGatewaysReason(t *testing.T) {
	gw := &recorder{down: true}
	q, c := newTestQueue(t, gw, Config{RetryBase: time.Second, MaxAttempts: 2})
	m, _ := q.Enqueue(Request{Event: "e", To: "13800000001", Text: "x"})
	q.SendDue(context.Background())
	c.t = c.t.Add(time.Hour)
	q.SendDue(context.Background())
	got, _ := q.Message(m.ID)
	if got.State != Failed || !strings.Contains(got.Reason, "connection refused") {
		t.Fatalf("message %+v, want failed with the gateway's reason", got)
	}
	var b strings.Builder
	q.WriteMetrics(&b)
	for _, want := range []string{"dutyhub_sms_failed_total 1", "dutyhub_sms_gateway_down 1", "dutyhub_sms_retries_total 1"} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("metrics lack %q:\n%s", want, b.String())
		}
	}
}

func TestReplyWithTheCodeAnswersAndUnknownRepliesAreKept(t *testing.T) {
	var got []Message
	q, _ := newTestQueue(t, &recorder{}, Config{Answered: func(m Message, in Inbound) { got = append(got, m) }})
	m, _ := q.Enqueue(Request{Event: "warning:1", Person: "p1", To: "13800000001", Text: "回复{code}签收", WantReply: true})
	q.SendDue(context.Background())
	q.Reply(Inbound{From: "+8613800000001", Text: "收到" + m.Code})
	q.Reply(Inbound{From: "13800000001", Text: "收到" + m.Code}) // again: already answered
	q.Reply(Inbound{From: "13900000009", Text: m.Code})        // unknown number
	q.Reply(Inbound{From: "13800000001", Text: "好的"})          // no code
	if len(got) != 1 || got[0].ID != m.ID || got[0].State != Answered {
		t.Fatalf("answered %+v", got)
	}
	un, err := q.Unmatched()
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, u := range un {
		reasons = append(reasons, u.Reason)
	}
	if strings.Join(reasons, "|") != "answered already|unknown number or code|no reply code in the text" {
		t.Fatalf("unmatched reasons %q", reasons)
	}
}

func TestDeliveryReportsMoveTheState(t *testing.T) {
	q, _ := newTestQueue(t, &recorder{}, Config{})
	a, _ := q.Enqueue(Request{Event: "a", To: "13800000001", Text: "x"})
	b, _ := q.Enqueue(Request{Event: "b", To: "13800000002", Text: "x"})
	q.SendDue(context.Background())
	q.Report(Report{ID: a.ID, State: Delivered, At: time.Now()})
	q.Report(Report{ID: b.ID, State: Failed, Reason: "the operator reports it undelivered"})
	q.Report(Report{ID: "nosuch", State: Delivered})
	ga, _ := q.Message(a.ID)
	gb, _ := q.Message(b.ID)
	if ga.State != Delivered || gb.State != Failed || gb.Reason == "" {
		t.Fatalf("a %s, b %s %q", ga.State, gb.State, gb.Reason)
	}
}

func TestFindCodeTakesFourDigitsOnly(t *testing.T) {
	for in, want := range map[string]string{"1234": "1234", "收到1234": "1234", "１２３４已阅": "1234",
		"12345": "", "电话13800000001 收到 4321": "4321", "好": ""} {
		if got := findCode(in); got != want {
			t.Errorf("findCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// reportsAtOnce is a gateway whose delivery report reaches the queue
// before Send returns, as a fast SMSC's does through Kannel's dlr-url.
type reportsAtOnce struct{ q *Queue }

func (r *reportsAtOnce) Name() string { return "fast" }
func (r *reportsAtOnce) Send(ctx context.Context, m Outgoing) (Result, error) {
	r.q.Report(Report{ID: m.ID, State: Delivered, At: time.Now()})
	return Result{State: Sent, GatewayID: "g1"}, nil
}

func TestADeliveryReportBeforeSendReturnsIsKept(t *testing.T) {
	gw := &reportsAtOnce{}
	q, _ := newTestQueue(t, gw, Config{})
	gw.q = q
	m, _ := q.Enqueue(Request{Event: "e", To: "13800000001", Text: "x"})
	q.SendDue(context.Background())
	got, _ := q.Message(m.ID)
	if got.State != Delivered || got.Gateway != "g1" || got.Attempts != 1 || got.SentAt.IsZero() {
		t.Fatalf("message %+v, want delivered with the send recorded", got)
	}
}
