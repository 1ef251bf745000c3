package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/hub"
	"dutyroom/store"
)

// The three duty rooms of make demo.
var makeDemo = []struct{ user, code string }{{"xiangxi", "433100"}, {"jishou", "433101"}, {"qianzhou", "433101001"}}

// today is the date in the demo's zone.
func today() (date, month string) {
	d := local(time.Now())[:10]
	return d, d[:7]
}

func TestEveryMakeDemoStationStartsAsAWorkingDutyRoom(t *testing.T) {
	for _, s := range makeDemo {
		t.Run(s.user, func(t *testing.T) {
			dir := demoStation(t, s.code)
			ownHistoryOnly(t, dir)
			day, month := today()
			var r rosterOut
			jsonRun(t, dir, &r, "roster", "show", "--station", s.code, "--month", month, "--json")
			if r.State != "published" {
				t.Errorf("this month's roster is %q", r.State)
			}
			staffed := false
			for _, d := range r.Days {
				staffed = staffed || (d.Date == day && len(d.Posts) > 0)
			}
			if !staffed {
				t.Errorf("nobody is on duty on %s", day)
			}
			var incs struct {
				Incidents []incidentOut `json:"incidents"`
			}
			jsonRun(t, dir, &incs, "incident", "list", "--json")
			if len(incs.Incidents) < 3 {
				t.Errorf("%d past incidents, want 3", len(incs.Incidents))
			}
			for _, inc := range incs.Incidents {
				if inc.Station != s.code || !inc.Confirmed || !inc.ReceivedAt.Before(time.Now()) {
					t.Errorf("incident %+v: want one of its own, graded, in the past", inc)
				}
				var shown struct {
					Incident struct{ Station string }
					Tasks    []struct{ From, Status string }
					Reports  []struct {
						SignedBy string `json:"signed_by"`
					}
					Timeline []struct{ Kind string }
				}
				jsonRun(t, dir, &shown, "incident", "show", inc.ID, "--json")
				// Its own reports are signed and sent in time; relaying them
				// further up is the work of the stations above (the
				// prefecture's general incidents go to no one).
				sent := 0
				for _, task := range shown.Tasks {
					if task.From == shown.Incident.Station {
						sent++
						if task.Status != "sent" {
							t.Errorf("%s: its own report task is %s", inc.Title, task.Status)
						}
					}
				}
				if len(shown.Reports) == 0 || shown.Reports[0].SignedBy == "" || len(shown.Timeline) < 5 {
					t.Errorf("%s: %d own tasks, reports %+v, %d timeline events", inc.Title, sent, shown.Reports, len(shown.Timeline))
				}
			}
			var msgs, notices []messageOut
			jsonRun(t, dir, &msgs, "message", "list", "--json")
			if len(msgs) < 2 {
				t.Errorf("%d messages in its history", len(msgs))
			}
			jsonRun(t, dir, &notices, "notice", "list", "--json")
			if len(notices) != 1 {
				t.Errorf("%d notices in its history, want 1", len(notices))
			}
			var ws []warningOut
			jsonRun(t, dir, &ws, "warning", "list", "--json")
			if len(ws) != 1 || ws[0].Issuer != s.code || ws[0].Active {
				t.Errorf("warnings %+v: want one it issued, run out", ws)
			}
			var log []logOut
			jsonRun(t, dir, &log, "log", "export", "--from", local(time.Now().Add(-48 * time.Hour))[:10], "--to", day, "--json")
			if len(log) < 3 {
				t.Errorf("%d duty-log lines", len(log))
			}
		})
	}
}

func TestBareDemoStationHasTheTreeOnly(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, "", "init", "--demo", "--bare", "--station", "433101")
	if out := squash(mustRun(t, dir, "", "hub", "status")); !strings.Contains(out, "queued: 0 changes") {
		t.Errorf("init --bare queued changes:\n%s", out)
	}
	var incs struct {
		Total int `json:"total"`
	}
	jsonRun(t, dir, &incs, "incident", "list", "--json")
	if incs.Total != 0 {
		t.Errorf("init --bare made %d incidents", incs.Total)
	}
}

func TestDemoHistoryIsTheSameForTheSameStation(t *testing.T) {
	titles := func(dir string) string {
		var incs struct {
			Incidents []incidentOut `json:"incidents"`
		}
		jsonRun(t, dir, &incs, "incident", "list", "--json")
		var out []string
		for _, inc := range incs.Incidents {
			out = append(out, inc.Title+"@"+local(inc.ReceivedAt))
		}
		return strings.Join(out, "; ")
	}
	a, b := titles(demoStation(t, "433101")), titles(demoStation(t, "433101"))
	if a != b || a == "" {
		t.Errorf("two folders of 吉首市 differ:\n%s\n%s", a, b)
	}
}

func TestVillagesAndLeafTownshipsGetWhatTheTreeAllows(t *testing.T) {
	// A village keeps no duty room: the shared tree, nothing more.
	dir := demoStation(t, "433101001001")
	if out := squash(mustRun(t, dir, "", "hub", "status")); !strings.Contains(out, "queued: 0 changes") {
		t.Errorf("a village's folder made records of its own:\n%s", out)
	}
	// 马颈坳镇 has no stations below: no notice and no warning to send.
	leaf := demoStation(t, "433101003")
	var ws []warningOut
	jsonRun(t, leaf, &ws, "warning", "list", "--json")
	var notices []messageOut
	jsonRun(t, leaf, &notices, "notice", "list", "--json")
	var incs struct {
		Incidents []incidentOut `json:"incidents"`
	}
	jsonRun(t, leaf, &incs, "incident", "list", "--json")
	if len(ws) != 0 || len(notices) != 0 || len(incs.Incidents) != 3 {
		t.Errorf("马颈坳镇: %d warnings, %d notices, %d incidents", len(ws), len(notices), len(incs.Incidents))
	}
}

// lockedBuffer is the hub's log, written by its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// loggedHub is a real hub over wss on loopback whose log and counters the
// test reads.
func loggedHub(t *testing.T, stationsFile string) (srv *hub.Server, url, pin string, log *lockedBuffer) {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(stationsFile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := hub.DecodeDirectory(data)
	if err != nil {
		t.Fatal(err)
	}
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportDirectory(d); err != nil {
		t.Fatal(err)
	}
	for _, s := range makeDemo {
		if err := db.AddUser(s.user, s.code, demoPassword); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	log = &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- hub.Run(ctx, hub.RunConfig{Dir: dir, Listen: "127.0.0.1:0",
			Server: hub.Config{Logger: slog.New(slog.NewTextHandler(log, nil))},
			Ready: func(s *hub.Server, addr, p string) {
				srv, url, pin = s, "wss://"+addr, p
				close(ready)
			}})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("the hub did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the hub: %v", err)
		}
	})
	return srv, url, pin, log
}

// make demo's three folders, synced through a real hub: the hub refuses
// nothing of their histories, and each station holds what the others sent
// it exactly once.
func TestMakeDemoFoldersSyncWithoutRefusalOrDuplicates(t *testing.T) {
	root := t.TempDir()
	dirs := map[string]string{}
	for _, s := range makeDemo {
		dirs[s.code] = filepath.Join(root, s.user)
		mustRun(t, dirs[s.code], "", "init", "--demo", "--station", s.code)
	}
	stationsFile := filepath.Join(root, "stations.json")
	mustRun(t, dirs["433100"], "", "station", "export", stationsFile)
	srv, url, pin, hubLog := loggedHub(t, stationsFile)
	for _, s := range makeDemo {
		mustRun(t, dirs[s.code], demoPassword+"\n", "hub", "connect", "--addr", url, "--user", s.user, "--pin", pin)
	}
	// Three rounds: everyone sends; everyone reads what the others sent
	// (and queues delivery receipts); the receipts go out.
	for round := 0; round < 3; round++ {
		for _, s := range makeDemo {
			mustRun(t, dirs[s.code], "", "sync")
		}
	}

	if n := srv.Refusals(); len(n) > 0 {
		t.Errorf("the hub refused: %v\n%s", n, hubLog.String())
	}
	if n := srv.Limited(); len(n) > 0 {
		t.Errorf("the hub refused at limits: %v", n)
	}
	for _, line := range strings.Split(hubLog.String(), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			t.Errorf("the hub's log: %s", line)
		}
	}
	for _, s := range makeDemo {
		db, err := store.Open(dirs[s.code])
		if err != nil {
			t.Fatal(err)
		}
		kept, err := db.KeptOps(context.Background(), 10)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range kept {
			t.Errorf("%s kept an operation unapplied: %s %s", s.user, k.Op.Kind, k.Reason)
		}
		if out := mustRun(t, dirs[s.code], "", "hub", "status"); !strings.Contains(squash(out), "queued: 0 changes") {
			t.Errorf("%s still queues after syncing:\n%s", s.user, out)
		}
	}

	// count returns how many records of a list come from a station.
	warnings := func(code string) map[string]int {
		var ws []warningOut
		jsonRun(t, dirs[code], &ws, "warning", "list", "--json")
		n := map[string]int{}
		for _, w := range ws {
			n[w.Issuer]++
		}
		return n
	}
	messages := func(code, kind string) map[string]int {
		var ms []messageOut
		jsonRun(t, dirs[code], &ms, kind, "list", "--json")
		n := map[string]int{}
		for _, m := range ms {
			n[m.From]++
		}
		return n
	}
	incidents := func(code string) map[string]int {
		var incs struct {
			Incidents []incidentOut `json:"incidents"`
		}
		jsonRun(t, dirs[code], &incs, "incident", "list", "--json")
		n := map[string]int{}
		for _, inc := range incs.Incidents {
			n[inc.Station]++
		}
		return n
	}
	// The prefecture's warning reaches the county and the township once,
	// the county's the township once.
	if w := warnings("433101"); w["433100"] != 1 || w["433101"] != 1 {
		t.Errorf("吉首市 holds warnings by issuer %v", w)
	}
	if w := warnings("433101001"); w["433100"] != 1 || w["433101"] != 1 || w["433101001"] != 1 {
		t.Errorf("乾州街道 holds warnings by issuer %v", w)
	}
	// Messages between neighbours arrive once each way.
	// A message up and a direct report to the prefecture from each; the
	// county is copied on the township's direct report.
	if m := messages("433100", "message"); m["433101"] != 2 || m["433101001"] != 1 {
		t.Errorf("湘西州 holds messages by sender %v, want 2 from 吉首市 and 1 from 乾州街道", m)
	}
	if m := messages("433101", "message"); m["433100"] != 1 || m["433101001"] != 2 {
		t.Errorf("吉首市 holds messages by sender %v, want 1 from 湘西州 and 2 from 乾州街道", m)
	}
	if m := messages("433101001", "message"); m["433101"] != 1 {
		t.Errorf("乾州街道 holds messages by sender %v, want 1 from 吉首市", m)
	}
	if n := messages("433101", "notice"); n["433100"] != 1 || n["433101"] != 1 {
		t.Errorf("吉首市 holds notices by sender %v", n)
	}
	if n := messages("433101001", "notice"); n["433101"] != 1 || n["433101001"] != 1 {
		t.Errorf("乾州街道 holds notices by sender %v", n)
	}
	// Incidents go up: the county sees the township's, the prefecture the
	// county's, each once.
	if i := incidents("433101"); i["433101"] != 3 || i["433101001"] != 3 {
		t.Errorf("吉首市 holds incidents by receiving station %v", i)
	}
	if i := incidents("433100"); i["433100"] != 3 || i["433101"] != 3 || i["433101001"] != 3 {
		t.Errorf("湘西州 holds incidents by receiving station %v", i)
	}
	// And the county's roster is published at the prefecture.
	_, month := today()
	var r rosterOut
	jsonRun(t, dirs["433100"], &r, "roster", "show", "--station", "433101", "--month", month, "--json")
	if r.State != "published" {
		t.Errorf("湘西州 sees 吉首市's roster as %q", r.State)
	}
}

// ownHistoryOnly checks that a fresh shared-demo folder queues only its own
// station's history: the tree and people every folder and the hub already
// have are not sent again, and nothing is sent as another station.
func ownHistoryOnly(t *testing.T, dir string) {
	t.Helper()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	me, err := store.NewIdentity(db).Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := db.Outbox(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) == 0 {
		t.Errorf("%s queued no history", me.Name)
	}
	for _, op := range ops {
		if op.Origin != me.ID || op.Kind == app.OpStationCreate || op.Kind == app.OpPersonCreate {
			t.Errorf("%s queued %s from %s", me.Name, op.Kind, op.Origin)
		}
	}
}
