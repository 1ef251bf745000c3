package hub_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/smsstatus"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sms"
	"dutyroom/store"
)

func askSMS(t *testing.T, c *client, events ...string) wire.SMSStates {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, err := c.eng.Request(ctx, wire.TypeSMSList, wire.SMSList{Events: events})
	if err != nil {
		t.Fatalf("%s asks sms.list: %v", c.name, err)
	}
	s, err := wire.DecodeSMSStates(env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func askGateway(t *testing.T, c *client) wire.SMSGateway {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, err := c.eng.Request(ctx, wire.TypeSMSGateway, nil)
	if err != nil {
		t.Fatalf("%s asks sms.gateway: %v", c.name, err)
	}
	g, err := wire.DecodeSMSGateway(env)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// sms.list answers a station with the SMS states of its own line only: the
// county sees its townships' messages, a township its own, never a
// sibling's or another county's; every number masked, no text. The states
// follow the messages (sent, answered, failed with the reason).
func TestSMSListAnswersOnlyTheAskingStationsLineWithNumbersMasked(t *testing.T) {
	gw := &handedOver{}
	h := startSMSHub(t, gw)
	tr := h.tree
	ctx := app.WithAuthor(context.Background(), "测试值班员")

	clients := map[string]*client{}
	people := map[string]app.Person{}
	for i, c := range []struct {
		user    string
		station app.Station
		name    string
		mobile  string
	}{
		{"t1", tr.T1, "王值班", "13800001111"},
		{"t2", tr.T2, "赵值班", "13800002222"},
		{"t3", tr.T3, "钱值班", "13800003333"},
		{"c1", tr.C1, "孙值班", "13800004444"},
	} {
		cl := newClient(t, c.user)
		cl.start(h.addr, c.user)
		cl.caughtUp()
		cl.setIdentity(c.station)
		people[c.user] = cl.addPersonWith(c.station, c.name, c.mobile, app.RoleOfficer)
		cl.caughtUp()
		clients[c.user] = cl
		_ = i
	}
	p := newClient(t, "p")
	p.start(h.addr, "p")
	p.caughtUp()
	p.setIdentity(tr.P)
	w := warning.Warning{Level: warning.Orange, Type: warning.Flood, Area: "全州", ValidUntil: time.Now().Add(24 * time.Hour), Text: "洪水橙色预警"}
	if err := store.NewWarnings(p.db).Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	m1 := h.messageTo(people["t1"])
	h.messageTo(people["t2"])
	h.messageTo(people["t3"])
	h.messageTo(people["c1"])
	h.queue.Reply(sms.Inbound{From: people["t1"].Mobile, Text: m1.Code + " 收到", At: time.Now()})

	event := sms.WarningEvent(w.ID)
	byStation := func(s wire.SMSStates) map[app.ID]wire.SMSState {
		out := map[app.ID]wire.SMSState{}
		for _, m := range s.Messages {
			out[m.Station] = m
			if strings.Contains(m.Number, "1111") && m.Number != "138****1111" || m.Number == "13800001111" {
				t.Fatalf("a number left the hub unmasked: %+v", m)
			}
			if m.Event != event || m.Kind != "warning" {
				t.Fatalf("event %q kind %q", m.Event, m.Kind)
			}
		}
		return out
	}

	got := byStation(askSMS(t, clients["c1"], event))
	if len(got) != 3 || got[tr.T3.ID].Station != app.NilID {
		t.Fatalf("吉首市 sees %d stations' messages: %v; want its own and its two townships'", len(got), got)
	}
	if a := got[tr.T1.ID]; a.State != string(sms.Answered) || a.Person != "王值班" || a.Number != "138****1111" || a.AnsweredAt.IsZero() || a.SentAt.IsZero() || !strings.Contains(a.Reply, m1.Code) {
		t.Fatalf("乾州街道's message: %+v, want answered with the reply", a)
	}
	if f := got[tr.T2.ID]; f.State != string(sms.Failed) || !strings.Contains(f.Reason, "number refused") {
		t.Fatalf("峒河街道's message: %+v, want failed with the reason", f)
	}
	if got := byStation(askSMS(t, clients["t3"], event)); len(got) != 1 || got[tr.T3.ID].State != string(sms.Sent) {
		t.Fatalf("白沙镇 sees %v; want its own message only", got)
	}
	if got := byStation(askSMS(t, clients["t1"])); len(got) != 1 || got[tr.T1.ID].Station != tr.T1.ID {
		t.Fatalf("乾州街道 asking for all of its own sees %v", got)
	}
	if got := byStation(askSMS(t, p, event)); len(got) != 4 {
		t.Fatalf("the prefecture sees %d stations' messages, want 4", len(got))
	}
	if s := askSMS(t, p, "incident:"+app.NewID().String()); len(s.Messages) != 0 {
		t.Fatalf("an event with no messages: %+v", s)
	}

	// The gateway's outage is told to every station, with no number in it.
	if g := askGateway(t, clients["t3"]); !g.On || g.Down {
		t.Fatalf("the gateway before an outage: %+v", g)
	}
	gw.setDown(true)
	p.addPersonWith(tr.P, "州值班", "13800005555", app.RoleOfficer)
	p.caughtUp()
	w2 := warning.Warning{Level: warning.Red, Type: warning.Flood, Area: "全州", ValidUntil: time.Now().Add(24 * time.Hour), Text: "洪水红色预警"}
	if err := store.NewWarnings(p.db).Issue(ctx, &w2); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	var down wire.SMSGateway
	waitFor(t, "the gateway's outage at 白沙镇", func() bool {
		down = askGateway(t, clients["t3"])
		return down.Down
	})
	if down.DownSince.IsZero() || !strings.Contains(down.LastError, "connection refused") {
		t.Fatalf("the outage: %+v", down)
	}
	gw.setDown(false)
	waitFor(t, "the gateway back", func() bool { return !askGateway(t, clients["t3"]).Down })
}

// A hub with no SMS answers that it has none, and a question it cannot
// read is refused with its error.
func TestSMSQuestionsToAHubWithoutSMS(t *testing.T) {
	h := startHub(t, hub.Config{})
	c := newClient(t, "t1")
	c.start(h.addr, "t1")
	c.caughtUp()
	if s := askSMS(t, c); len(s.Messages) != 0 {
		t.Fatalf("messages from a hub without SMS: %+v", s)
	}
	if g := askGateway(t, c); g.On || g.Down {
		t.Fatalf("the gateway of a hub without SMS: %+v", g)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.eng.Request(ctx, wire.TypeSMSList, wire.SMSList{Events: []string{""}})
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeBadMessage {
		t.Fatalf("an empty event: %v, want bad_message", err)
	}
}

// The window's SMS client asks the hub online; with no link it says the
// states need one, at once.
func TestSMSStatusClientAsksOnlineAndSaysOfflineWithoutALink(t *testing.T) {
	h := startSMSHub(t, &handedOver{})
	c := newClient(t, "t1")
	c.start(h.addr, "t1")
	c.caughtUp()
	svc := smsstatus.New(c.eng)
	ctx := context.Background()
	if g, err := svc.Gateway(ctx); err != nil || !g.On || g.Down {
		t.Fatalf("the gateway online: %+v, %v", g, err)
	}
	if s, err := svc.States(ctx, "warning:"+app.NewID().String()); err != nil || len(s.Messages) != 0 {
		t.Fatalf("states online: %+v, %v", s, err)
	}
	c.stop()
	if _, err := svc.States(ctx); !errors.Is(err, smsstatus.ErrOffline) {
		t.Fatalf("states offline: %v, want ErrOffline", err)
	}
	if _, err := svc.Gateway(ctx); !errors.Is(err, smsstatus.ErrOffline) {
		t.Fatalf("the gateway offline: %v, want ErrOffline", err)
	}
}

// bulkySMS answers with more and longer states than one frame holds.
type bulkySMS struct{}

func (bulkySMS) SMSStates(events []string, within func(app.ID) bool, max int) (wire.SMSStates, error) {
	out := wire.SMSStates{}
	for i := range max {
		out.Messages = append(out.Messages, wire.SMSState{Event: "warning:x", Kind: "warning", Number: "138****0000", State: "answered",
			Person: strings.Repeat("名", 32), Reason: strings.Repeat("r", 400), Reply: strings.Repeat("收到", 35), CreatedAt: time.Unix(int64(i), 0)})
	}
	return out, nil
}

func (bulkySMS) SMSGateway() wire.SMSGateway { return wire.SMSGateway{On: true} }

// An answer too big for one frame keeps the newest messages that fit and
// says it left the rest out; the client stays connected.
func TestSMSListAnswerFitsOneFrame(t *testing.T) {
	h := startHub(t, hub.Config{SMS: bulkySMS{}})
	c := newClient(t, "t1")
	c.start(h.addr, "t1")
	c.caughtUp()
	s := askSMS(t, c)
	if !s.Truncated || len(s.Messages) == 0 || len(s.Messages) >= wire.MaxSMSStates {
		t.Fatalf("%d messages, truncated %v", len(s.Messages), s.Truncated)
	}
	if last := s.Messages[len(s.Messages)-1]; !last.CreatedAt.Equal(time.Unix(wire.MaxSMSStates-1, 0)) {
		t.Fatalf("the newest was left out: the last kept is of %s", last.CreatedAt)
	}
	c.caughtUp()
}
