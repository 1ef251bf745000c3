package sms

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/app/warning"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

var storeCtx = app.WithAuthor(context.Background(), "张值班")

// syncClock is a clock a test moves while the notifier's and queue's
// goroutines read it.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *syncClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation(app.DefaultZone)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// reachRig is a small prefecture (湘西州 → 吉首市 → 乾州街道 → 乾州村)
// whose township keeps its roster in a real store, the hub's SMS queue in
// its own bbolt file, a notifier fed the store's operations as the hub
// would see them pass, and Kannel (bearerbox, smsbox, fakesmsc) as the
// gateway.
type reachRig struct {
	t     *testing.T
	store *store.DB
	r     *store.Rosters
	q     *Queue
	n     *Notifier
	clock *syncClock
	fed   uint64 // the store's outbox sequence fed to the notifier

	pref, county, town, village app.Station
	town2                       app.Station           // 镇溪街道, beside 乾州街道
	people                      map[string]app.Person // by name

	smsc   int
	dir    string
	phones []*lines // what each receiving fakesmsc printed
	stop   func()
}

func newReachRig(t *testing.T) *reachRig {
	t.Helper()
	g := &reachRig{t: t, people: map[string]app.Person{}, dir: t.TempDir(),
		clock: &syncClock{t: time.Date(2026, 7, 1, 10, 0, 0, 0, shanghai)}}
	g.store = storetest.Open(t)
	g.r = store.NewRosters(g.store)
	dir := store.NewDirectory(g.store)
	g.pref = app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture, Zone: app.DefaultZone}
	g.county = app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty, Zone: app.DefaultZone}
	g.town = app.Station{Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Zone: app.DefaultZone}
	g.village = app.Station{Code: "433101001001", Name: "乾州村", Tier: app.TierVillage, Zone: app.DefaultZone}
	parent := app.NilID
	for _, s := range []*app.Station{&g.pref, &g.county, &g.town, &g.village} {
		s.Parent = parent
		if err := dir.CreateStation(storeCtx, s); err != nil {
			t.Fatal(err)
		}
		parent = s.ID
	}
	g.town2 = app.Station{Code: "433101002", Name: "镇溪街道", Tier: app.TierTownship, Zone: app.DefaultZone, Parent: g.county.ID}
	if err := dir.CreateStation(storeCtx, &g.town2); err != nil {
		t.Fatal(err)
	}
	if err := store.NewIdentity(g.store).SetIdentity(storeCtx, g.town.ID); err != nil {
		t.Fatal(err)
	}
	add := func(st app.Station, name, title, mobile string, roles ...app.Role) {
		p := app.Person{Station: st.ID, Name: name, Title: title, Mobile: mobile, Roles: roles}
		if err := dir.CreatePerson(storeCtx, &p); err != nil {
			t.Fatal(err)
		}
		g.people[name] = p
	}
	add(g.town, "田书记", "党工委书记", "13900000001", app.RoleLeader)
	add(g.town, "石镇长", "副主任", "13900000002", app.RoleLeader)
	add(g.town, "龙值班", "值班员", "13900000003", app.RoleOfficer)
	add(g.town, "向值班", "值班员", "13900000004", app.RoleOfficer)
	add(g.town, "彭处置", "应急队员", "13900000005", app.RoleStandby)
	add(g.county, "吴局长", "局长", "13900000006", app.RoleLeader)
	add(g.village, "杨信息员", "灾害信息员", "13900000007", app.RoleInfoOfficer)
	add(g.town2, "张镇长", "副主任", "13900000008", app.RoleLeader)
	add(g.town2, "李值班", "值班员", "13900000009", app.RoleOfficer)
	// Each side writes its own log lines: quiet unless the test fails.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var err error
	g.q, err = Open(openDB(t), nil, Config{Now: g.clock.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	tree := app.NewTree([]app.Station{g.pref, g.county, g.town, g.village, g.town2})
	g.n = NewNotifier(g.q, func() *app.Tree { return tree }, log)
	g.feed()
	return g
}

// feed hands the notifier the store's operations not yet fed, as the hub
// stores and observes them.
func (g *reachRig) feed() {
	g.t.Helper()
	ops, err := g.store.Outbox(storeCtx, g.fed, 1<<20)
	if err != nil {
		g.t.Fatal(err)
	}
	for _, op := range ops {
		g.n.Observe(op)
		g.fed = op.Seq
	}
}

// kannel starts Kannel with a phone (fakesmsc) that receives.
func (g *reachRig) kannel() {
	g.t.Helper()
	k, smsc := startKannel(g.t, g.dir, g.q)
	g.q.gw, g.smsc = k, smsc
	g.listen()
}

// listen starts a fakesmsc that receives. The fake centre takes one
// client at a time, so a phone that replies replaces it for a moment.
func (g *reachRig) listen() {
	g.t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() { pw.Close() })
	cmd, out := startProc(g.t, g.dir, "fakesmsc (receiving)", pr, fakesmscBin, "-H", "127.0.0.1", "-r", fmt.Sprint(g.smsc), "-m", "0")
	g.phones = append(g.phones, out)
	g.stop = func() { pw.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() }
}

// send hands every due message to the gateway.
func (g *reachRig) send() { g.q.SendDue(context.Background()) }

// received returns the texts fakesmsc received for number, in order.
func (g *reachRig) received(number string) []string {
	var out []string
	want := " " + number + " ucs-2 "
	var all strings.Builder
	for _, p := range g.phones {
		all.WriteString(p.String())
	}
	sc := bufio.NewScanner(strings.NewReader(all.String()))
	for sc.Scan() {
		i := strings.Index(sc.Text(), want)
		if i < 0 {
			continue
		}
		raw, err := url.QueryUnescape(strings.TrimSuffix(sc.Text()[i+len(want):], ">"))
		if err != nil {
			continue
		}
		in, err := ParseKannelInbound(url.Values{"from": {"1"}, "coding": {"2"}, "text": {raw}})
		if err == nil {
			out = append(out, in.Text)
		}
	}
	return out
}

// waitReceived waits until number has received n messages at fakesmsc
// and returns them.
func (g *reachRig) waitReceived(number string, n int) []string {
	g.t.Helper()
	var got []string
	waitFor(g.t, fmt.Sprintf("%d messages at %s", n, number), func() bool {
		got = g.received(number)
		return len(got) >= n
	})
	return got
}

// reply makes number answer with text, as a phone through the operator's
// centre, and waits for the queue to record it.
func (g *reachRig) reply(number, text string) {
	g.t.Helper()
	before := g.q.answered.Load() + g.q.unmatched.Load()
	g.stop()
	defer g.listen()
	line := fmt.Sprintf("%s 10086 ucs2 %s", number, ucs2URL(text))
	startProc(g.t, g.dir, "fakesmsc (replying)", nil, fakesmscBin, "-H", "127.0.0.1", "-r", fmt.Sprint(g.smsc), "-m", "1", "-i", "0.1", line)
	waitFor(g.t, "the reply at the hub", func() bool { return g.q.answered.Load()+g.q.unmatched.Load() > before })
}

// messages returns the queue's messages by person name.
func (g *reachRig) messages(event string) map[string]Message {
	g.t.Helper()
	ms, err := g.q.Messages()
	if err != nil {
		g.t.Fatal(err)
	}
	out := map[string]Message{}
	for _, m := range ms {
		if strings.HasPrefix(m.Event, event) {
			out[m.Name] = m
		}
	}
	return out
}

func (g *reachRig) day(s string) roster.Date {
	g.t.Helper()
	d, err := roster.ParseDate(s)
	if err != nil {
		g.t.Fatal(err)
	}
	return d
}

// assign puts a person on a post of the township's roster, by hand.
func (g *reachRig) assign(day string, post roster.Post, name string) {
	g.t.Helper()
	a := roster.Assignment{Station: g.town.ID, Day: g.day(day), Post: post, Person: g.people[name].ID}
	if _, _, err := g.r.SetAssignment(storeCtx, a, "排班"); err != nil {
		g.t.Fatalf("assign %s %s %s: %v", day, post, name, err)
	}
	g.feed()
}

func (g *reachRig) publish(month string) {
	g.t.Helper()
	m, err := roster.ParseMonth(month)
	if err != nil {
		g.t.Fatal(err)
	}
	if _, err := g.r.Publish(storeCtx, g.town.ID, m, true); err != nil {
		g.t.Fatal(err)
	}
	g.feed()
}

// warn issues a red warning from the county, as the hub observes it.
func (g *reachRig) warn() warning.Warning {
	now := g.clock.Now()
	w := warning.Warning{ID: app.NewID(), Issuer: g.county.ID, Level: warning.Red, Type: warning.Rainstorm, Area: "乾州",
		ValidFrom: now, ValidUntil: now.Add(12 * time.Hour), Text: "t", IssuedBy: "吴局长", IssuedAt: now}
	g.n.Warn(&w)
	return w
}

var (
	leaderPost  = roster.Post{Role: app.RoleLeader}
	officerPost = roster.Post{Role: app.RoleOfficer}
)

func names(ms map[string]Message) []string {
	var out []string
	for k := range ms {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func personOpOf(p app.Person) app.Operation {
	data, _ := json.Marshal(p)
	return app.Operation{ID: app.NewID(), Kind: app.OpPersonCreate, Entity: p.ID, Payload: data}
}
