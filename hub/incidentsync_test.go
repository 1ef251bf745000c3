package hub_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// incClient is a duty room with its incident service, logged in and
// caught up, with its station chosen, on the test's clock.
type incClient struct {
	*client
	svc *store.Incidents
	st  app.Station
}

func startIncClient(t *testing.T, h *testHub, user string, st app.Station, clk *alertClock) *incClient {
	t.Helper()
	c := newClient(t, user)
	c.db.Now = clk.Now
	c.start(h.addr, user)
	c.caughtUp()
	c.setIdentity(st)
	return &incClient{client: c, svc: store.NewIncidents(c.db), st: st}
}

var dutyCtx = app.WithAuthor(context.Background(), "测试值班员")

func (c *incClient) has(id app.ID) bool {
	_, err := c.svc.FindIncidentByID(dutyCtx, id)
	return err == nil
}

func (c *incClient) task(id app.ID) incident.ReportTask {
	c.t.Helper()
	t, err := c.svc.FindTaskByID(dutyCtx, id)
	if err != nil {
		c.t.Fatalf("%s: task %s: %v", c.name, id, err)
	}
	return *t
}

func (c *incClient) pending() []incident.Arrival {
	c.t.Helper()
	list, err := c.svc.PendingArrivals(dutyCtx)
	if err != nil {
		c.t.Fatal(err)
	}
	return list
}

func (c *incClient) kept() []store.KeptOp {
	c.t.Helper()
	list, err := c.db.KeptOps(dutyCtx, 100)
	if err != nil {
		c.t.Fatal(err)
	}
	return list
}

func (c *incClient) do(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatalf("%s: %v", c.name, err)
	}
	c.eng.Kick()
}

// marker sends a message from one station to another and waits until it
// has arrived: the hub delivers in log order, so whatever was pushed
// before it for that station is in by then.
func marker(t *testing.T, from, to *incClient) {
	t.Helper()
	m := message.Message{Kind: message.KindMessage, To: []app.ID{to.st.ID}, Text: "标记"}
	if err := store.NewMessages(from.db).Send(dutyCtx, &m, nil); err != nil {
		t.Fatal(err)
	}
	from.eng.Kick()
	waitFor(t, "the marker at "+to.name, func() bool {
		_, err := store.NewMessages(to.db).FindMessage(dutyCtx, m.ID)
		return err == nil
	})
}

func findIncTask(tasks []incident.ReportTask, from app.ID, to incident.Recipient, mode incident.Mode) incident.ReportTask {
	for _, t := range tasks {
		if t.From == from && t.To == to && t.Mode == mode {
			return t
		}
	}
	return incident.ReportTask{}
}

// A general road accident filed at a township reaches the county and the
// prefecture through the hub, never the sibling township; both ring until
// acknowledged; the township's written report is acknowledged by the
// county and the township sees who did; a higher grade rings again; the
// same operation pushed and delivered again changes nothing.
func TestIncidentReachesTheCountyThroughTheHub(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)}
	p := startIncClient(t, h, "p", tr.P, clk)
	c1 := startIncClient(t, h, "c1", tr.C1, clk)
	t1 := startIncClient(t, h, "t1", tr.T1, clk)
	t2 := startIncClient(t, h, "t2", tr.T2, clk)

	inc := incident.Incident{Station: tr.T1.ID, ReceivedAt: clk.Now().Add(-10 * time.Minute), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: tr.T1.ID, Text: "G209 国道 K1203"}, Category: incident.RoadTraffic,
		Title: "货车侧翻", Counts: incident.Counts{Injured: 1}}
	_, tasks, err := t1.svc.CreateIncident(dutyCtx, &inc)
	t1.do(err)
	waitFor(t, "the incident at the county and the prefecture", func() bool { return c1.has(inc.ID) && p.has(inc.ID) })
	marker(t, c1, t2)
	if t2.has(inc.ID) || len(t2.kept()) != 0 {
		t.Fatal("the sibling township received the incident")
	}
	got, _ := c1.svc.FindIncidentByID(dutyCtx, inc.ID)
	if got.Station != tr.T1.ID || got.Provisional != incident.GradeGeneral {
		t.Fatalf("the county holds %+v", got)
	}
	for _, c := range []*incClient{c1, p} {
		list := c.pending()
		if len(list) != 1 || list[0].Incident.ID != inc.ID || list[0].From != tr.T1.ID || list[0].Grade != incident.GradeGeneral {
			t.Fatalf("%s rings with %+v", c.name, list)
		}
	}

	toCounty := findIncTask(tasks, tr.T1.ID, incident.Recipient{Station: tr.C1.ID}, incident.ModeWritten)
	clk.advance(20 * time.Minute)
	r := incident.Report{Incident: inc.ID, Station: tr.T1.ID, Kind: incident.KindInitial, Text: "初报：G209 国道货车侧翻，1人轻伤。"}
	_, err = t1.svc.AddReport(dutyCtx, &r)
	t1.do(err)
	_, err = t1.svc.SignReport(dutyCtx, r.ID, "田乡长")
	t1.do(err)
	t1.do(t1.svc.SendTask(dutyCtx, toCounty.ID))
	waitFor(t, "the report sent to the county", func() bool { return c1.task(toCounty.ID).Status == incident.TaskSent })
	if err := p.svc.AcknowledgeTask(dutyCtx, toCounty.ID, "州值班员"); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("the prefecture acknowledged the county's report: %v", err)
	}
	clk.advance(3 * time.Minute)
	c1.do(c1.svc.AcknowledgeTask(dutyCtx, toCounty.ID, "吉首市值班员 王五"))
	waitFor(t, "the acknowledgement at the township", func() bool { return t1.task(toCounty.ID).Status == incident.TaskAcknowledged })
	if a := t1.task(toCounty.ID); a.AckedBy != "吉首市值班员 王五" || !a.AckedAt.Equal(clk.Now()) {
		t.Fatalf("the township sees %+v", a)
	}
	waitFor(t, "the acknowledgement at the prefecture", func() bool { return p.task(toCounty.ID).Status == incident.TaskAcknowledged })

	if err := c1.svc.AckArrival(dutyCtx, inc.ID, "王五"); err != nil {
		t.Fatal(err)
	}
	if len(c1.pending()) != 0 || len(p.pending()) != 1 {
		t.Fatal("acknowledging the county's alarm did not silence it there alone")
	}

	clk.advance(time.Hour)
	_, _, err = t1.svc.UpdateCounts(dutyCtx, inc.ID, incident.Counts{Dead: 3, Injured: 1}, 0)
	t1.do(err)
	waitFor(t, "the county's alarm again", func() bool { return len(c1.pending()) == 1 })
	if a := c1.pending()[0]; a.Reason != incident.ArrivalRaised || a.Grade != incident.GradeLarge {
		t.Fatalf("the county rings with %+v", a)
	}
	waitFor(t, "the prefecture's own report to the province", func() bool {
		list, _ := p.svc.Tasks(dutyCtx, incident.TaskFilter{Incident: &inc.ID, From: &tr.P.ID})
		return findIncTask(list, tr.P.ID, incident.Recipient{Level: incident.LevelProvince}, incident.ModeWritten).ID != app.NilID
	})

	// The township's filing again, on a second connection and delivered to
	// the county once more.
	t1.caughtUp()
	c1.caughtUp()
	sent, err := t1.db.Sent(dutyCtx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(sent, func(op app.Operation) bool { return op.Kind == incident.OpIncidentCreate && op.Entity == inc.ID })
	if i < 0 {
		t.Fatal("the filing is not in the township's sent journal")
	}
	// The township's duty room stops first: the hub keeps one connection
	// per station, and the engine reconnecting would put this one out
	// before its ack arrived.
	t1.stop()
	raw := dialRaw(t, h.addr)
	raw.login("t1")
	raw.send(wire.TypePush, "again", wire.Push{Ops: []app.Operation{sent[i]}})
	raw.expect(wire.TypeAck)
	before, _ := c1.svc.Timeline(dutyCtx, inc.ID)
	res, err := c1.db.ApplyIncoming(dutyCtx, h.srv.Epoch(), 1, []app.Operation{sent[i]})
	if err != nil || res.Skipped != 1 {
		t.Fatalf("delivered again: %+v, %v", res, err)
	}
	after, _ := c1.svc.Timeline(dutyCtx, inc.ID)
	mine, _ := t1.svc.Timeline(dutyCtx, inc.ID)
	if len(after) != len(before) || len(after) != len(mine) {
		t.Fatalf("timelines: county %d before, %d after; township %d", len(before), len(after), len(mine))
	}
	for _, c := range []*incClient{p, c1, t1} {
		if k := c.kept(); len(k) != 0 {
			t.Errorf("%s kept %+v", c.name, k)
		}
	}
}

// 越级直报 with the county offline: under the prefecture's rules a
// township reports ten missing straight to the prefecture, copying the
// county. The prefecture gets it at once and acknowledges; the county gets
// the incident, its own deadlines and the prefecture's acknowledgement
// when it comes back, and rings then.
func TestIncidentDirectReportWhileTheCountyIsOffline(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)}
	p := startIncClient(t, h, "p", tr.P, clk)
	c1 := startIncClient(t, h, "c1", tr.C1, clk)
	t1 := startIncClient(t, h, "t1", tr.T1, clk)

	rules := incident.DefaultSettings()
	rules.Rules.DirectFrom = app.TierTownship
	rules.Rules.DirectTo = []incident.Level{incident.LevelPrefecture, incident.LevelProvince}
	p.do(p.svc.SetSettings(dutyCtx, tr.P.ID, rules))
	waitFor(t, "the prefecture's rules at the township", func() bool {
		st, err := t1.svc.Settings(dutyCtx, tr.T1.ID)
		return err == nil && st.Rules.DirectFrom == app.TierTownship
	})
	c1.caughtUp()
	c1.stop()

	flood := incident.Incident{Station: tr.T1.ID, ReceivedAt: clk.Now().Add(-5 * time.Minute), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: tr.T1.ID, Text: "峒河沿岸"}, Category: incident.Flood, Title: "山洪",
		Counts: incident.Counts{Missing: 10, Evacuated: 300}}
	a, tasks, err := t1.svc.CreateIncident(dutyCtx, &flood)
	t1.do(err)
	if !a.DirectReport || a.Grade != incident.GradeMajor {
		t.Fatalf("ten missing in a flood graded %+v", a)
	}
	direct := findIncTask(tasks, tr.T1.ID, incident.Recipient{Station: tr.P.ID}, incident.ModeWritten)
	if direct.ID == app.NilID {
		t.Fatalf("no direct report to the prefecture among %+v", tasks)
	}
	waitFor(t, "the direct report at the prefecture", func() bool { return p.has(flood.ID) })
	if list := p.pending(); len(list) != 1 || list[0].Grade != incident.GradeMajor {
		t.Fatalf("the prefecture rings with %+v", list)
	}

	r := incident.Report{Incident: flood.ID, Station: tr.T1.ID, Kind: incident.KindInitial, Text: "初报：山洪致10人失联，已转移300人。"}
	_, err = t1.svc.AddReport(dutyCtx, &r)
	t1.do(err)
	_, err = t1.svc.SignReport(dutyCtx, r.ID, "田乡长")
	t1.do(err)
	t1.do(t1.svc.SendTask(dutyCtx, direct.ID))
	waitFor(t, "the direct report sent", func() bool { return p.task(direct.ID).Status == incident.TaskSent })
	p.do(p.svc.AcknowledgeTask(dutyCtx, direct.ID, "州值班员 向某"))
	waitFor(t, "the prefecture's acknowledgement at the township", func() bool {
		return t1.task(direct.ID).Status == incident.TaskAcknowledged
	})
	if c1.has(flood.ID) {
		t.Fatal("the offline county holds the incident")
	}

	c1.start(h.addr, "c1")
	c1.caughtUp()
	if !c1.has(flood.ID) {
		t.Fatal("the county returned without the incident")
	}
	if got := c1.task(direct.ID); got.Status != incident.TaskAcknowledged || got.AckedBy != "州值班员 向某" {
		t.Fatalf("the county sees the direct report as %+v", got)
	}
	own, err := c1.svc.Tasks(dutyCtx, incident.TaskFilter{Incident: &flood.ID, From: &tr.C1.ID})
	if err != nil || findIncTask(own, tr.C1.ID, incident.Recipient{Station: tr.P.ID}, incident.ModeWritten).ID == app.NilID {
		t.Fatalf("the county's own reports: %+v, %v", own, err)
	}
	if list := c1.pending(); len(list) != 1 || list[0].Grade != incident.GradeMajor {
		t.Fatalf("the county rings with %+v", list)
	}
	for _, c := range []*incClient{p, c1, t1} {
		if k := c.kept(); len(k) != 0 {
			t.Errorf("%s kept %+v", c.name, k)
		}
	}
}

// Through a real hub, operations other clients forge are kept with the
// reason and change nothing: a township filing for its sibling, the
// prefecture acknowledging a report sent to the county, a report sent on
// an incident that never arrived. An operation of another station is
// refused by the hub itself.
func TestIncidentForgedOperationsThroughTheHub(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)}
	c1 := startIncClient(t, h, "c1", tr.C1, clk)
	t1 := startIncClient(t, h, "t1", tr.T1, clk)

	inc := incident.Incident{Station: tr.T1.ID, ReceivedAt: clk.Now().Add(-10 * time.Minute), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: tr.T1.ID, Text: "乾州村"}, Category: incident.Fire, Title: "民房起火", Counts: incident.Counts{Injured: 2}}
	_, tasks, err := t1.svc.CreateIncident(dutyCtx, &inc)
	t1.do(err)
	toCounty := findIncTask(tasks, tr.T1.ID, incident.Recipient{Station: tr.C1.ID}, incident.ModeWritten)
	r := incident.Report{Incident: inc.ID, Station: tr.T1.ID, Kind: incident.KindInitial, Text: "初报"}
	_, err = t1.svc.AddReport(dutyCtx, &r)
	t1.do(err)
	_, err = t1.svc.SignReport(dutyCtx, r.ID, "田乡长")
	t1.do(err)
	t1.do(t1.svc.SendTask(dutyCtx, toCounty.ID))
	waitFor(t, "the report at the county", func() bool { return c1.has(inc.ID) && c1.task(toCounty.ID).Status == incident.TaskSent })

	payload := func(in incident.Incident, tasks []incident.ReportTask) []byte {
		b, err := json.Marshal(map[string]any{"incident": in, "tasks": tasks})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	forged := func(origin app.ID, seq uint64, kind string, entity app.ID, body []byte, to ...app.ID) app.Operation {
		return app.Operation{ID: app.NewID(), Origin: origin, Seq: seq, Author: "伪造", At: clk.Now(), Kind: kind,
			Entity: entity, Payload: body, To: to, Scope: app.ScopeNone}
	}
	other := inc
	other.ID = app.NewID()
	otherTasks := slices.Clone(tasks)
	for i := range otherTasks {
		otherTasks[i].ID, otherTasks[i].Incident = app.NewID(), other.ID
	}
	acked := toCounty
	acked.Status, acked.SentAt, acked.AckedBy, acked.AckedAt = incident.TaskAcknowledged, clk.Now(), "州值班员", clk.Now()

	registerBefore, _, _ := c1.svc.Incidents(dutyCtx, incident.Filter{})
	sibling := dialRaw(t, h.addr)
	sibling.login("t2")
	sibling.send(wire.TypePush, "1", wire.Push{Ops: []app.Operation{
		forged(tr.T2.ID, 1, incident.OpIncidentCreate, other.ID, payload(other, otherTasks), tr.C1.ID)}})
	sibling.expect(wire.TypeAck)
	sibling.send(wire.TypePush, "2", wire.Push{Ops: []app.Operation{
		forged(tr.T1.ID, 2, incident.OpIncidentCreate, other.ID, payload(other, otherTasks), tr.C1.ID)}})
	if e := sibling.expectError(); e.Code != wire.CodeForbidden {
		t.Fatalf("an operation of another station: %+v", e)
	}
	top := dialRaw(t, h.addr)
	top.login("p")
	top.send(wire.TypePush, "1", wire.Push{Ops: []app.Operation{
		forged(tr.P.ID, 1, incident.OpIncidentAck, inc.ID, payload(inc, []incident.ReportTask{acked}), tr.T1.ID, tr.C1.ID),
		forged(tr.P.ID, 2, incident.OpIncidentSend, other.ID, payload(other, otherTasks[:1]), tr.C1.ID),
	}})
	top.expect(wire.TypeAck)

	waitFor(t, "the forged operations kept", func() bool { return len(c1.kept()) == 3 && len(t1.kept()) == 1 })
	reasons := map[string][]string{}
	for _, c := range []*incClient{c1, t1} {
		for _, k := range c.kept() {
			reasons[c.name] = append(reasons[c.name], k.Op.Kind+": "+k.Reason)
		}
	}
	for name, want := range map[string][]string{
		"c1": {"cannot change the incidents of", "cannot acknowledge a report sent to 吉首市", "is not here"},
		"t1": {"cannot acknowledge a report sent to 吉首市"},
	} {
		all := strings.Join(reasons[name], "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("%s kept:\n%s\nwith no reason saying %q", name, all, w)
			}
		}
	}
	registerAfter, _, _ := c1.svc.Incidents(dutyCtx, incident.Filter{})
	if len(registerAfter) != len(registerBefore) || c1.has(other.ID) {
		t.Errorf("the county's register went from %d to %d incidents", len(registerBefore), len(registerAfter))
	}
	if len(c1.pending()) != 1 {
		t.Errorf("the county rings for %d incidents, want the township's one", len(c1.pending()))
	}
	for _, c := range []*incClient{c1, t1} {
		if got := c.task(toCounty.ID); got.Status != incident.TaskSent {
			t.Errorf("after the forged ack %s holds the report as %s", c.name, got.Status)
		}
	}
}
