package store_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/hub"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// syncPeer is one duty room: its own database holding the same stations,
// its station chosen, and how far its outbox has been delivered.
type syncPeer struct {
	name string
	st   app.Station
	db   *store.DB
	svc  *store.Incidents
	sent uint64
}

// syncNet is a prefecture, a county and two townships, each with its own
// database, exchanging operations as the hub's router would deliver them.
//
//	湘西州 → 吉首市 → 乾州街道 (with 乾州村 below)
//	                └ 峒河街道
type syncNet struct {
	tree         *app.Tree
	village      app.Station
	p, c, t1, t2 *syncPeer
	peers        []*syncPeer
	now          time.Time // the test's reading; clock is what the stores read
	clock        testClock
	pos          uint64
	delivered    map[app.ID][]app.Operation // by receiving station
}

// setNow moves the clock of every store of the net.
func (n *syncNet) setNow(t time.Time) {
	n.now = t
	n.clock.set(t)
}

func newSyncNet(t *testing.T) *syncNet {
	t.Helper()
	n := &syncNet{delivered: map[app.ID][]app.Operation{}}
	n.setNow(time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC))
	src := storetest.Open(t)
	dir := store.NewDirectory(src)
	p := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	mustCreateStation(t, dir, &p)
	c := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID}
	mustCreateStation(t, dir, &c)
	t1 := app.Station{Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: c.ID}
	mustCreateStation(t, dir, &t1)
	t2 := app.Station{Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: c.ID}
	mustCreateStation(t, dir, &t2)
	n.village = app.Station{Code: "433101001001", Name: "乾州村", Tier: app.TierVillage, Parent: t1.ID}
	mustCreateStation(t, dir, &n.village)
	n.tree = app.NewTree([]app.Station{p, c, t1, t2, n.village})
	directory := allOps(t, src)
	for _, s := range []struct {
		name string
		st   app.Station
		to   **syncPeer
	}{{"州", p, &n.p}, {"县", c, &n.c}, {"乡1", t1, &n.t1}, {"乡2", t2, &n.t2}} {
		peer := &syncPeer{name: s.name, st: s.st, db: storetest.Open(t)}
		peer.db.Now = n.clock.Now
		if _, err := peer.db.ApplyIncoming(ctx, "e", 1, directory); err != nil {
			t.Fatal(err)
		}
		if err := store.NewIdentity(peer.db).SetIdentity(ctx, s.st.ID); err != nil {
			t.Fatal(err)
		}
		peer.svc = store.NewIncidents(peer.db)
		*s.to = peer
		n.peers = append(n.peers, peer)
	}
	return n
}

// flush delivers what from has queued to the stations the hub's router
// sends it to, and returns the operations.
func (n *syncNet) flush(t *testing.T, from *syncPeer) []app.Operation {
	t.Helper()
	ops, err := from.db.Outbox(ctx, from.sent, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		from.sent = op.Seq
		audiences, err := hub.TreeRouter{}.Route(n.tree, &op, op.Origin)
		if err != nil {
			t.Fatalf("routing %s: %v", op.Kind, err)
		}
		for _, peer := range n.peers {
			if peer == from || !reaches(audiences, hub.TreeRouter{}.Feeds(n.tree, peer.st.ID)) {
				continue
			}
			n.deliver(t, peer, op)
		}
	}
	return ops
}

func reaches(audiences, feeds []hub.Audience) bool {
	for _, a := range audiences {
		if slices.Contains(feeds, a) {
			return true
		}
	}
	return false
}

func (n *syncNet) deliver(t *testing.T, to *syncPeer, ops ...app.Operation) {
	t.Helper()
	n.pos++
	if _, err := to.db.ApplyIncoming(ctx, "e", n.pos, ops); err != nil {
		t.Fatalf("%s applies: %v", to.name, err)
	}
	n.delivered[to.st.ID] = append(n.delivered[to.st.ID], ops...)
}

// accident is a road accident the township took a call about ten minutes
// ago, in its village.
func (n *syncNet) accident(c incident.Counts) *incident.Incident {
	return &incident.Incident{
		Station: n.t1.st.ID, ReceivedAt: n.now.Add(-10 * time.Minute), OccurredAt: n.now.Add(-30 * time.Minute),
		Channel: incident.ChannelPhone, Reporter: incident.Reporter{Name: "龙建国", Phone: "13812345678"},
		Place:    incident.Place{Station: n.village.ID, Text: "G209 国道 K1203"},
		Category: incident.RoadTraffic, Title: "货车侧翻", Counts: c,
	}
}

func (n *syncNet) file(t *testing.T, inc *incident.Incident) []incident.ReportTask {
	t.Helper()
	_, tasks, err := n.t1.svc.CreateIncident(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

func kept(t *testing.T, db *store.DB) []store.KeptOp {
	t.Helper()
	list, err := db.KeptOps(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func pending(t *testing.T, p *syncPeer) []incident.Arrival {
	t.Helper()
	list, err := p.svc.PendingArrivals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func (p *syncPeer) task(t *testing.T, id app.ID) incident.ReportTask {
	t.Helper()
	task, err := p.svc.FindTaskByID(ctx, id)
	if err != nil {
		t.Fatalf("%s: task %s: %v", p.name, id, err)
	}
	return *task
}

func (p *syncPeer) has(id app.ID) bool {
	_, err := p.svc.FindIncidentByID(ctx, id)
	return err == nil
}

// A general accident filed at the township goes to the county and the
// prefecture, which its report tasks name, and never to the sibling
// township; the county's acknowledgement goes back to the township and on
// to the prefecture, and a station's rules go to the stations below it,
// which inherit them, and above it.
func TestIncidentSyncAddressesTheStationsTheReportsName(t *testing.T) {
	n := newSyncNet(t)
	inc := n.accident(incident.Counts{Injured: 1})
	tasks := n.file(t, inc)
	ops := n.flush(t, n.t1)
	if len(ops) != 1 || ops[0].Kind != incident.OpIncidentCreate {
		t.Fatalf("queued %d operations", len(ops))
	}
	if want := []app.ID{n.c.st.ID, n.p.st.ID}; !slices.Equal(ops[0].To, want) || ops[0].Scope != app.ScopeNone {
		t.Fatalf("create addressed to %v scope %q, want the county and the prefecture only", ops[0].To, ops[0].Scope)
	}
	if !n.c.has(inc.ID) || !n.p.has(inc.ID) || n.t2.has(inc.ID) {
		t.Fatalf("held at county %v, prefecture %v, sibling %v", n.c.has(inc.ID), n.p.has(inc.ID), n.t2.has(inc.ID))
	}
	if len(n.delivered[n.t2.st.ID]) != 0 {
		t.Fatalf("the sibling township was delivered %d operations", len(n.delivered[n.t2.st.ID]))
	}

	toCounty := findTask(tasks, n.t1.st.ID, incident.Recipient{Station: n.c.st.ID}, incident.ModeWritten)
	r := report(inc, n.t1.st.ID, incident.KindInitial, "初报：G209 国道货车侧翻，1人轻伤。")
	if _, err := n.t1.svc.AddReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := n.t1.svc.SignReport(ctx, r.ID, "田乡长"); err != nil {
		t.Fatal(err)
	}
	if err := n.t1.svc.SendTask(ctx, toCounty.ID); err != nil {
		t.Fatal(err)
	}
	for _, op := range n.flush(t, n.t1) {
		if !slices.Equal(op.To, []app.ID{n.c.st.ID, n.p.st.ID}) {
			t.Errorf("%s addressed to %v", op.Kind, op.To)
		}
	}
	if err := n.c.svc.AcknowledgeTask(ctx, toCounty.ID, "吉首市值班员 王五"); err != nil {
		t.Fatal(err)
	}
	ack := n.flush(t, n.c)
	if len(ack) != 1 || ack[0].Kind != incident.OpIncidentAck || !slices.Equal(ack[0].To, []app.ID{n.t1.st.ID, n.p.st.ID}) {
		t.Fatalf("the acknowledgement went as %+v", ack)
	}

	rules := incident.DefaultSettings()
	rules.Rules.PerLevel = 90 * time.Minute
	if err := n.c.svc.SetSettings(ctx, n.c.st.ID, rules); err != nil {
		t.Fatal(err)
	}
	set := n.flush(t, n.c)
	if len(set) != 1 || set[0].Scope != app.ScopeLineage {
		t.Fatalf("the rules went as %+v", set)
	}
	for _, peer := range []*syncPeer{n.p, n.t1, n.t2} {
		got, err := peer.svc.Settings(ctx, n.t1.st.ID)
		if err != nil || got.Rules.PerLevel != 90*time.Minute {
			t.Errorf("%s holds the township's rules as %v, %v", peer.name, got.Rules.PerLevel, err)
		}
	}
	if n := len(kept(t, n.t2.db)); n != 0 {
		t.Errorf("the sibling kept %d operations", n)
	}
}

// The receiving station's register holds the incident as the township
// filed it, with its tasks, report and timeline; a delivery repeated
// changes nothing, and events a later share brings again are kept once.
func TestIncidentSyncAppliesOnceAtTheReceiver(t *testing.T) {
	n := newSyncNet(t)
	inc := n.accident(incident.Counts{Injured: 1})
	n.file(t, inc)
	r := report(inc, n.t1.st.ID, incident.KindInitial, "初报")
	if _, err := n.t1.svc.AddReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	ops := n.flush(t, n.t1)

	got, err := n.c.svc.FindIncidentByID(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Station != n.t1.st.ID || got.Title != inc.Title || got.Provisional != incident.GradeGeneral || !got.NextDue.Equal(inc.NextDue) {
		t.Errorf("the county holds %+v", got)
	}
	list, total, err := n.c.svc.Incidents(ctx, incident.Filter{Station: &n.t1.st.ID})
	if err != nil || total != 1 || list[0].ID != inc.ID {
		t.Errorf("the county's register for the township: %d, %v", total, err)
	}
	same := func(what string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differ:\ntownship %+v\ncounty   %+v", what, a, b)
		}
	}
	timeline := func(p *syncPeer) []incident.Event {
		evs, err := p.svc.Timeline(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	tasks := func(p *syncPeer) []incident.ReportTask {
		list, err := p.svc.Tasks(ctx, incident.TaskFilter{Incident: &inc.ID})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	reports := func(p *syncPeer) []incident.Report {
		list, err := p.svc.Reports(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	same("timelines", timeline(n.t1), timeline(n.c))
	same("tasks", tasks(n.t1), tasks(n.c))
	same("reports", reports(n.t1), reports(n.c))

	before := recordCounts(t, n.c.db)
	res, err := n.c.db.ApplyIncoming(ctx, "e2", 100, ops)
	if err != nil || res.Skipped != len(ops) || res.Applied != 0 {
		t.Fatalf("the same delivery again: %+v, %v", res, err)
	}
	// The same content under a new operation id, as a share repeats it.
	again := ops[0]
	again.ID, again.Kind = app.NewID(), incident.OpIncidentShare
	n.deliver(t, n.c, again)
	if after := recordCounts(t, n.c.db); !reflect.DeepEqual(after, before) {
		t.Errorf("records before %v, after %v", before, after)
	}
	same("timelines after a repeat", timeline(n.t1), timeline(n.c))
	if k := kept(t, n.c.db); len(k) != 0 {
		t.Errorf("kept %+v", k)
	}
}

// A report the township sends is acknowledged by the county, which only
// the county can do; the township sees who acknowledged and when.
func TestIncidentSyncAcknowledgementReachesTheSender(t *testing.T) {
	n := newSyncNet(t)
	inc := n.accident(incident.Counts{Injured: 1})
	tasks := n.file(t, inc)
	toCounty := findTask(tasks, n.t1.st.ID, incident.Recipient{Station: n.c.st.ID}, incident.ModeWritten)
	r := report(inc, n.t1.st.ID, incident.KindInitial, "初报")
	if _, err := n.t1.svc.AddReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := n.t1.svc.SignReport(ctx, r.ID, "田乡长"); err != nil {
		t.Fatal(err)
	}
	n.setNow(n.now.Add(5 * time.Minute))
	if err := n.t1.svc.SendTask(ctx, toCounty.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, n.t1.svc.AcknowledgeTask(ctx, toCounty.ID, "田乡长"), app.EFORBIDDEN)
	n.flush(t, n.t1)
	if got := n.c.task(t, toCounty.ID); got.Status != incident.TaskSent {
		t.Fatalf("at the county the report is %s", got.Status)
	}
	if rep, _ := n.c.svc.FindReportByID(ctx, r.ID); rep.SignedBy != "田乡长" || rep.SentAt.IsZero() {
		t.Errorf("the county's copy of the report: %+v", rep)
	}
	wantCode(t, n.p.svc.AcknowledgeTask(ctx, toCounty.ID, "州值班员"), app.EFORBIDDEN)

	n.setNow(n.now.Add(2 * time.Minute))
	if err := n.c.svc.AcknowledgeTask(ctx, toCounty.ID, "吉首市值班员 王五"); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.c)
	for _, peer := range []*syncPeer{n.t1, n.p} {
		got := peer.task(t, toCounty.ID)
		if got.Status != incident.TaskAcknowledged || got.AckedBy != "吉首市值班员 王五" || !got.AckedAt.Equal(n.now) {
			t.Errorf("at %s the report is %+v", peer.name, got)
		}
	}
	evs, err := n.t1.svc.Timeline(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Kind != incident.EventAcknowledged || last.Station != n.c.st.ID || !strings.Contains(last.Detail, "王五") {
		t.Errorf("the township's timeline ends with %+v", last)
	}
}

// An incident from below rings at the county and the prefecture until
// someone acknowledges it in the program; a restart rings again only for
// what nobody acknowledged; a higher grade rings again.
func TestIncidentSyncArrivalsRingUntilAcknowledged(t *testing.T) {
	n := newSyncNet(t)
	inc := n.accident(incident.Counts{Injured: 1})
	n.file(t, inc)
	n.flush(t, n.t1)
	for _, peer := range []*syncPeer{n.c, n.p} {
		list := pending(t, peer)
		if len(list) != 1 {
			t.Fatalf("%s has %d arrivals", peer.name, len(list))
		}
		a := list[0]
		if a.Incident.ID != inc.ID || a.From != n.t1.st.ID || a.Reason != incident.ArrivalNew || a.Grade != incident.GradeGeneral || !a.At.Equal(n.now) || !a.Pending() {
			t.Errorf("%s: %+v", peer.name, a)
		}
	}
	if _, err := n.t1.svc.FindArrival(ctx, inc.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("the filing township rings for its own incident: %v", err)
	}
	wantField(t, n.c.svc.AckArrival(ctx, inc.ID, " "), "by")
	wantCode(t, n.c.svc.AckArrival(ctx, app.NewID(), "王五"), app.ENOTFOUND)
	n.setNow(n.now.Add(time.Minute))
	if err := n.c.svc.AckArrival(ctx, inc.ID, "王五"); err != nil {
		t.Fatal(err)
	}
	if err := n.c.svc.AckArrival(ctx, inc.ID, "李四"); err != nil {
		t.Fatal(err)
	}
	if a, err := n.c.svc.FindArrival(ctx, inc.ID); err != nil || a.AckedBy != "王五" || !a.AckedAt.Equal(n.now) || a.Pending() {
		t.Fatalf("after two acknowledgements: %+v, %v", a, err)
	}
	if n := outboxLen(t, n.c.db); n != 0 {
		t.Errorf("silencing the alarm queued %d operations", n)
	}

	for _, peer := range []*syncPeer{n.c, n.p} {
		path := peer.db.Path()
		if err := peer.db.Close(); err != nil {
			t.Fatal(err)
		}
		peer.db = storetest.OpenDir(t, filepath.Dir(path))
		peer.db.Now = n.clock.Now
		peer.svc = store.NewIncidents(peer.db)
	}
	if list := pending(t, n.c); len(list) != 0 {
		t.Errorf("after a restart the county rings again for %d acknowledged arrivals", len(list))
	}
	if list := pending(t, n.p); len(list) != 1 || list[0].Incident.ID != inc.ID {
		t.Errorf("after a restart the prefecture rings for %d, want the one nobody acknowledged", len(list))
	}

	n.setNow(n.now.Add(time.Hour))
	if _, _, err := n.t1.svc.UpdateCounts(ctx, inc.ID, incident.Counts{Dead: 3, Injured: 1}, 0); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.t1)
	list := pending(t, n.c)
	if len(list) != 1 || list[0].Reason != incident.ArrivalRaised || list[0].Grade != incident.GradeLarge || list[0].Incident.Counts.Dead != 3 {
		t.Fatalf("after the grade rose the county has %+v", list)
	}
	if list := pending(t, n.p); len(list) != 1 || list[0].Grade != incident.GradeLarge || !list[0].At.Equal(n.now) {
		t.Errorf("the prefecture rings with %+v", list)
	}
	// The large grade reaches the province: the prefecture's task arrived
	// with the change.
	tasks, err := n.p.svc.Tasks(ctx, incident.TaskFilter{Incident: &inc.ID, From: &n.p.st.ID})
	if err != nil || findTask(tasks, n.p.st.ID, incident.Recipient{Level: incident.LevelProvince}, incident.ModeWritten) == nil {
		t.Errorf("the prefecture's tasks after the rise: %+v, %v", tasks, err)
	}
}

// The county runs its own rules on what arrives: its two hours per level
// are ninety minutes, which the township does not know yet, so its
// forwarding deadline comes forward; the township and the prefecture see
// the county's deadline.
func TestIncidentSyncReceiverRunsItsOwnRules(t *testing.T) {
	n := newSyncNet(t)
	rules := incident.DefaultSettings()
	rules.Rules.PerLevel = 90 * time.Minute
	if err := n.c.svc.SetSettings(ctx, n.c.st.ID, rules); err != nil {
		t.Fatal(err)
	}
	n.c.sent = uint64(outboxLen(t, n.c.db)) // not passed on yet
	inc := n.accident(incident.Counts{Injured: 1})
	tasks := n.file(t, inc)
	fwd := findTask(tasks, n.c.st.ID, incident.Recipient{Station: n.p.st.ID}, incident.ModeWritten)
	if want := inc.ReceivedAt.Add(3 * time.Hour); !fwd.Due.Equal(want) {
		t.Fatalf("the township's rules give the county until %v, want %v", fwd.Due, want)
	}
	n.flush(t, n.t1)
	want := inc.ReceivedAt.Add(time.Hour + 90*time.Minute)
	if got := n.c.task(t, fwd.ID); !got.Due.Equal(want) {
		t.Fatalf("the county's deadline is %v, want %v", got.Due, want)
	}
	if got, _ := n.c.svc.FindIncidentByID(ctx, inc.ID); !got.NextDue.Equal(inc.NextDue) {
		t.Errorf("next due %v, want the township's own %v", got.NextDue, inc.NextDue)
	}
	ops := n.flush(t, n.c)
	if len(ops) != 1 || ops[0].Kind != incident.OpIncidentTasks || !slices.Equal(ops[0].To, []app.ID{n.t1.st.ID, n.p.st.ID}) {
		t.Fatalf("the county queued %+v", ops)
	}
	for _, peer := range []*syncPeer{n.t1, n.p} {
		if got := peer.task(t, fwd.ID); !got.Due.Equal(want) {
			t.Errorf("%s shows the county's deadline as %v", peer.name, got.Due)
		}
	}
	evs, _ := n.t1.svc.Timeline(ctx, inc.ID)
	if last := evs[len(evs)-1]; last.Kind != incident.EventTasksCreated || last.Station != n.c.st.ID {
		t.Errorf("the township's timeline ends with %+v", last)
	}
	// The county's rules ran once: applying its own change is not news.
	if k := len(kept(t, n.t1.db)) + len(kept(t, n.p.db)); k != 0 {
		t.Errorf("%d operations kept", k)
	}
	if ops := n.flush(t, n.p); len(ops) != 0 {
		t.Errorf("the prefecture answered with %d operations", len(ops))
	}
}

// Where the rules make general accidents a county matter, the prefecture
// first hears of one when its grade rises: it then gets the whole incident
// (record, every task, report and event) ahead of the change.
func TestIncidentSyncSharesWithANewRecipient(t *testing.T) {
	n := newSyncNet(t)
	rules := incident.DefaultSettings()
	rules.Rules.Reach[incident.GradeGeneral] = incident.LevelCounty
	if err := n.p.svc.SetSettings(ctx, n.p.st.ID, rules); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.p)
	inc := n.accident(incident.Counts{Injured: 1})
	tasks := n.file(t, inc)
	if len(tasks) != 1 {
		t.Fatalf("a county matter has %d tasks", len(tasks))
	}
	r := report(inc, n.t1.st.ID, incident.KindInitial, "初报")
	if _, err := n.t1.svc.AddReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.t1)
	if n.p.has(inc.ID) || !n.c.has(inc.ID) {
		t.Fatalf("the prefecture holds a county matter (%v), the county (%v)", n.p.has(inc.ID), n.c.has(inc.ID))
	}

	n.setNow(n.now.Add(30 * time.Minute))
	if _, _, err := n.t1.svc.UpdateCounts(ctx, inc.ID, incident.Counts{Dead: 3}, 0); err != nil {
		t.Fatal(err)
	}
	ops := n.flush(t, n.t1)
	if len(ops) != 2 || ops[0].Kind != incident.OpIncidentShare || !slices.Equal(ops[0].To, []app.ID{n.p.st.ID}) || ops[1].Kind != incident.OpIncidentCounts {
		t.Fatalf("the rise went as %d operations: %+v", len(ops), ops)
	}
	if !slices.Equal(ops[1].To, []app.ID{n.c.st.ID, n.p.st.ID}) {
		t.Errorf("the rise addressed to %v", ops[1].To)
	}
	for _, what := range []string{"timeline", "tasks", "reports"} {
		var a, b any
		switch what {
		case "timeline":
			a, _ = n.t1.svc.Timeline(ctx, inc.ID)
			b, _ = n.p.svc.Timeline(ctx, inc.ID)
		case "tasks":
			a, _ = n.t1.svc.Tasks(ctx, incident.TaskFilter{Incident: &inc.ID})
			b, _ = n.p.svc.Tasks(ctx, incident.TaskFilter{Incident: &inc.ID})
		case "reports":
			a, _ = n.t1.svc.Reports(ctx, inc.ID)
			b, _ = n.p.svc.Reports(ctx, inc.ID)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("the prefecture's %s differ from the township's:\n%+v\n%+v", what, a, b)
		}
	}
	if list := pending(t, n.p); len(list) != 1 || list[0].Grade != incident.GradeLarge {
		t.Errorf("the prefecture rings with %+v", list)
	}
	if k := kept(t, n.p.db); len(k) != 0 {
		t.Errorf("the prefecture kept %+v", k)
	}
}

// Operations that break the rules are kept with the reason and change
// nothing: an incident filed by a station for one it is not above, an
// incident that names no report to or from the receiver, an ack by a
// station the report was not sent to, a change to an incident that never
// arrived, an event recorded at another branch, a task reaching sideways.
func TestIncidentSyncRefusesForgedOperations(t *testing.T) {
	n := newSyncNet(t)
	inc := n.accident(incident.Counts{Injured: 1})
	tasks := n.file(t, inc)
	create := n.flush(t, n.t1)[0]
	toCounty := findTask(tasks, n.t1.st.ID, incident.Recipient{Station: n.c.st.ID}, incident.ModeWritten)
	r := report(inc, n.t1.st.ID, incident.KindInitial, "初报")
	if _, err := n.t1.svc.AddReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := n.t1.svc.SignReport(ctx, r.ID, "田乡长"); err != nil {
		t.Fatal(err)
	}
	if err := n.t1.svc.SendTask(ctx, toCounty.ID); err != nil {
		t.Fatal(err)
	}
	n.flush(t, n.t1)

	forge := func(from *syncPeer, kind string, entity app.ID, edit func(ch map[string]json.RawMessage)) app.Operation {
		var ch map[string]json.RawMessage
		if err := json.Unmarshal(create.Payload, &ch); err != nil {
			t.Fatal(err)
		}
		edit(ch)
		payload, _ := json.Marshal(ch)
		return app.Operation{ID: app.NewID(), Origin: from.st.ID, Seq: 1, Author: "伪造", At: n.now, Kind: kind, Entity: entity, Payload: payload}
	}
	raw := func(v any) json.RawMessage {
		b, _ := json.Marshal(v)
		return b
	}
	other := *inc
	other.ID = app.NewID()
	otherTasks := slices.Clone(tasks)
	for i := range otherTasks {
		otherTasks[i].ID, otherTasks[i].Incident = app.NewID(), other.ID
	}
	acked := *toCounty
	acked.Status, acked.SentAt, acked.AckedBy, acked.AckedAt = incident.TaskAcknowledged, n.now, "州值班员", n.now
	sideways := otherTasks[0]
	sideways.To = incident.Recipient{Station: n.t2.st.ID}
	badEvent := incident.NewEvent(other.ID, n.t2.st.ID, n.now, "伪造", incident.EventReceived, "")

	cases := []struct {
		name   string
		to     *syncPeer
		op     app.Operation
		reason string
	}{
		{"a sibling files for the township", n.c, forge(n.t2, incident.OpIncidentCreate, other.ID, func(ch map[string]json.RawMessage) {
			ch["incident"], ch["tasks"], ch["events"] = raw(other), raw(otherTasks), nil
		}), "cannot change the incidents of"},
		{"not addressed here", n.t2, forge(n.t1, incident.OpIncidentCreate, other.ID, func(ch map[string]json.RawMessage) {
			ch["incident"], ch["tasks"], ch["events"] = raw(other), raw(otherTasks), nil
		}), "names no report to or from this station"},
		{"an ack for another station", n.t1, forge(n.p, incident.OpIncidentAck, inc.ID, func(ch map[string]json.RawMessage) {
			ch["tasks"], ch["events"] = raw([]incident.ReportTask{acked}), nil
		}), "cannot acknowledge a report sent to 吉首市"},
		{"a task of an unknown incident", n.c, forge(n.t1, incident.OpIncidentSend, other.ID, func(ch map[string]json.RawMessage) {
			ch["incident"], ch["tasks"], ch["events"] = raw(other), raw(otherTasks[:1]), nil
		}), "is not here"},
		{"an event of another branch", n.c, forge(n.t1, incident.OpIncidentCreate, other.ID, func(ch map[string]json.RawMessage) {
			ch["incident"], ch["tasks"], ch["events"] = raw(other), raw(otherTasks), raw([]incident.Event{badEvent})
		}), "is not an event of incident"},
		{"a task reaching sideways", n.c, forge(n.t1, incident.OpIncidentCreate, other.ID, func(ch map[string]json.RawMessage) {
			ch["incident"], ch["tasks"], ch["events"] = raw(other), raw(append(slices.Clone(otherTasks), sideways)), nil
		}), "which is not above its sender"},
		{"a task of another incident", n.c, forge(n.t1, incident.OpIncidentCreate, other.ID, func(ch map[string]json.RawMessage) {
			ch["incident"], ch["tasks"], ch["events"] = raw(other), raw(tasks), nil
		}), "is not a task of incident"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := recordCounts(t, c.to.db)
			arrivals := len(pending(t, c.to))
			keptBefore := len(kept(t, c.to.db))
			n.deliver(t, c.to, c.op)
			list := kept(t, c.to.db)
			if len(list) != keptBefore+1 {
				t.Fatalf("kept %d operations, want %d", len(list), keptBefore+1)
			}
			if got := list[len(list)-1]; got.Op.ID != c.op.ID || !strings.Contains(got.Reason, c.reason) {
				t.Errorf("kept %s with reason %q, want one saying %q", got.Op.Kind, got.Reason, c.reason)
			}
			if after := recordCounts(t, c.to.db); !reflect.DeepEqual(after, before) {
				t.Errorf("records before %v, after %v", before, after)
			}
			if len(pending(t, c.to)) != arrivals {
				t.Error("a refused operation rang the alarm")
			}
		})
	}
	if got := n.t1.task(t, toCounty.ID); got.Status != incident.TaskSent {
		t.Errorf("after the forged ack the township's report is %s", got.Status)
	}
}
