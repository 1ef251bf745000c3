package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sms"
	"dutyroom/store"
)

// handedOver is a gateway that takes every message at once and keeps it,
// as a phone network would deliver it; or, down, refuses every one.
type handedOver struct {
	mu   sync.Mutex
	down bool
	msgs []sms.Outgoing
}

// refusedNumber is one the operator's centre refuses for good.
const refusedNumber = "13800002222"

func (g *handedOver) setDown(down bool) {
	g.mu.Lock()
	g.down = down
	g.mu.Unlock()
}

// testSMSSource is dutyhub's wiring of the queue to the hub's questions.
type testSMSSource struct {
	queue   atomic.Pointer[sms.Queue]
	watched atomic.Pointer[sms.Watched]
}

func (s *testSMSSource) SMSStates(events []string, within func(app.ID) bool, max int) (wire.SMSStates, error) {
	ms, truncated, err := s.queue.Load().States(events, within, max)
	return wire.SMSStates{Messages: ms, Truncated: truncated}, err
}

func (s *testSMSSource) SMSGateway() wire.SMSGateway { return s.watched.Load().State() }

func (g *handedOver) Name() string { return "test" }

func (g *handedOver) Send(_ context.Context, m sms.Outgoing) (sms.Result, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down {
		return sms.Result{}, &sms.TemporaryError{Err: errors.New("connect 127.0.0.1:13013: connection refused")}
	}
	if m.To == refusedNumber {
		return sms.Result{}, errors.New("the operator's centre answered 4: number refused")
	}
	g.msgs = append(g.msgs, m)
	return sms.Result{GatewayID: m.ID, State: sms.Sent}, nil
}

// smsHub is a real hub with the SMS queue, notifier and acknowledger wired
// as dutyhub wires them, sending through gw.
type smsTestHub struct {
	*testHub
	queue    *sms.Queue
	notifier *sms.Notifier
	acker    *sms.Acknowledger
}

func startSMSHub(t *testing.T, gw sms.Gateway) *smsTestHub {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(discard{}, nil))
	notifier := sms.NewNotifier(nil, nil, quiet)
	acker := sms.NewAcknowledger(nil, quiet)
	src := &testSMSSource{}
	h := startHub(t, hub.Config{SMS: src, Observe: func(op app.Operation) {
		notifier.Observe(op)
		acker.Observe(op)
	}})
	acker.Append = h.srv.AppendOwn
	watched := sms.Watch(gw)
	q, err := sms.Open(h.db.Bolt(), watched, sms.Config{Logger: quiet, Answered: acker.Answered, PollInterval: 50 * time.Millisecond,
		RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond, MaxAttempts: 1000})
	if err != nil {
		t.Fatal(err)
	}
	src.queue.Store(q)
	src.watched.Store(watched)
	notifier.Queue = q
	notifier.Tree = func() *app.Tree {
		tree, err := h.db.Tree()
		if err != nil {
			t.Error(err)
		}
		return tree
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); q.Run(ctx) }()
	go func() { defer wg.Done(); notifier.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &smsTestHub{testHub: h, queue: q, notifier: notifier, acker: acker}
}

// addPersonWith adds a person with a mobile number and a role at the
// client's own station.
func (c *client) addPersonWith(st app.Station, name, mobile string, role app.Role) app.Person {
	c.t.Helper()
	p := app.Person{Station: st.ID, Name: name, Mobile: mobile, Roles: []app.Role{role}}
	if err := c.dir.CreatePerson(context.Background(), &p); err != nil {
		c.t.Fatal(err)
	}
	c.eng.Kick()
	return p
}

// messageTo waits for the warning's message to a person and returns it.
func (h *smsTestHub) messageTo(person app.Person) sms.Message {
	h.t.Helper()
	var got sms.Message
	waitFor(h.t, "the 叫应 SMS to "+person.Name, func() bool {
		ms, err := h.queue.Messages()
		if err != nil {
			h.t.Fatal(err)
		}
		for _, m := range ms {
			if m.Person == person.ID.String() && m.State != sms.Queued {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

func (h *smsTestHub) ackOps(w app.ID, station app.ID) int {
	n := 0
	for _, d := range h.logOps() {
		if d.Op.Kind == warning.OpAck && d.Op.Entity == w && d.Op.Origin == app.NilID {
			if a, err := unmarshalAck(d.Op.Payload); err == nil && a.Station == station {
				n++
			}
		}
	}
	return n
}

// A reply with its code to a red warning's 叫应 SMS becomes the township's
// acknowledgement (短信签收) in the issuing prefecture's progress: the
// person's name, the masked number and the reply's time, recorded by no
// station. The first answer of a station acknowledges; a second person's
// answer is still an answered message but no second acknowledgement; a
// station that acknowledged at its window before gets none from the hub.
func TestSMSReplyBecomesTheStationsAcknowledgement(t *testing.T) {
	gw := &handedOver{}
	h := startSMSHub(t, gw)
	tr := h.tree
	ctx := app.WithAuthor(context.Background(), "测试值班员")

	t1 := newClient(t, "t1")
	t1.start(h.addr, "t1")
	t1.caughtUp()
	t1.setIdentity(tr.T1)
	leader := t1.addPersonWith(tr.T1, "王带班", "13800001111", app.RoleLeader)
	officer := t1.addPersonWith(tr.T1, "李值班", "13800002222", app.RoleOfficer)
	t1.caughtUp()

	t2 := newClient(t, "t2")
	t2.start(h.addr, "t2")
	t2.caughtUp()
	t2.setIdentity(tr.T2)
	t2officer := t2.addPersonWith(tr.T2, "赵值班", "13800003333", app.RoleOfficer)
	t2.caughtUp()

	p := newClient(t, "p")
	p.start(h.addr, "p")
	p.caughtUp()
	p.setIdentity(tr.P)
	pw := store.NewWarnings(p.db)
	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, Area: "吉首市", ValidUntil: time.Now().Add(24 * time.Hour), Text: "大暴雨红色预警"}
	if err := pw.Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()

	first := h.messageTo(leader)
	second := h.messageTo(officer)
	atT2 := h.messageTo(t2officer)

	// 峒河街道 acknowledges at its window before its officer answers the SMS.
	t2.caughtUp()
	waitFor(t, "the warning at 峒河街道", func() bool {
		_, err := store.NewWarnings(t2.db).Warning(ctx, w.ID)
		return err == nil
	})
	if err := store.NewWarnings(t2.db).Acknowledge(ctx, &warning.Ack{Warning: w.ID, Person: "赵值班"}); err != nil {
		t.Fatal(err)
	}
	t2.eng.Kick()
	t2.caughtUp()

	replyAt := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	h.queue.Reply(sms.Inbound{From: "+86" + leader.Mobile, Text: "收到" + first.Code, At: replyAt})
	h.queue.Reply(sms.Inbound{From: officer.Mobile, Text: second.Code, At: replyAt.Add(30 * time.Second)})
	h.queue.Reply(sms.Inbound{From: t2officer.Mobile, Text: atT2.Code, At: replyAt})

	waitFor(t, "乾州街道's 短信签收 at the prefecture", func() bool {
		r, err := pw.Progress(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range r.Stations {
			if s.Station == tr.T1.ID && s.Ack != nil {
				a := s.Ack
				if a.Via != warning.ViaSMS || a.Person != "王带班" || a.Number != "138****1111" || !a.At.Equal(replyAt) || a.RecordedBy != app.NilID {
					t.Fatalf("乾州街道's acknowledgement: %+v, want 王带班 by SMS from 138****1111 at %s", a, replyAt)
				}
				return true
			}
		}
		return false
	})
	for _, m := range []sms.Message{first, second, atT2} {
		got, err := h.queue.Message(m.ID)
		if err != nil || got.State != sms.Answered {
			t.Fatalf("message to %s: %+v, %v; want answered", m.Name, got, err)
		}
	}
	if n := h.ackOps(w.ID, tr.T1.ID); n != 1 {
		t.Fatalf("the hub wrote %d acknowledgements for 乾州街道, want 1 (the first answer)", n)
	}
	if n := h.ackOps(w.ID, tr.T2.ID); n != 0 {
		t.Fatalf("the hub wrote %d acknowledgements for 峒河街道, which acknowledged at its window", n)
	}
	// The township itself learns it is acknowledged (it did not write it).
	t1.caughtUp()
	waitFor(t, "乾州街道 sees its own 短信签收", func() bool {
		r, err := store.NewWarnings(t1.db).Progress(ctx, w.ID)
		if err != nil {
			return false
		}
		for _, s := range r.Stations {
			if s.Station == tr.T1.ID && s.Ack != nil && s.Ack.Via == warning.ViaSMS {
				return true
			}
		}
		return false
	})
}

func unmarshalAck(raw []byte) (warning.Ack, error) {
	var a warning.Ack
	err := json.Unmarshal(raw, &a)
	return a, err
}
