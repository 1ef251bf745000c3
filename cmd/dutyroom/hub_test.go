package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/assets"
	"dutyroom/hub"
	"dutyroom/store"
	"dutyroom/ui"
)

const demoPassword = "demo-password"

// quick shortens the engine's waits so a stopped hub is noticed and a
// restarted one found within the test's patience.
var quick = syncer.Config{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 50 * time.Millisecond}

// runIn runs one command line against dir with stdin.
func runIn(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := NewMain(&out, &errOut)
	m.Stdin = strings.NewReader(stdin)
	m.engine = quick
	code := m.Run(append([]string{"-data", dir}, args...))
	return code, out.String(), errOut.String()
}

func mustRun(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	code, stdout, stderr := runIn(t, dir, stdin, args...)
	if code != 0 {
		t.Fatalf("dutyroom %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// demoHub is a real hub on a loopback port, serving wss with its own
// certificate, holding the demo tree and one account per demo station.
type demoHub struct {
	t         *testing.T
	dir       string
	addr, pin string
	cancel    context.CancelFunc
	done      chan error
}

func newDemoHub(t *testing.T, stationsFile string, users map[string]string) *demoHub {
	t.Helper()
	h := &demoHub{t: t, dir: t.TempDir()}
	data, err := os.ReadFile(stationsFile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := hub.DecodeDirectory(data)
	if err != nil {
		t.Fatal(err)
	}
	db, err := hub.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportDirectory(d); err != nil {
		t.Fatal(err)
	}
	for user, code := range users {
		if err := db.AddUser(user, code, demoPassword); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	h.start("127.0.0.1:0")
	t.Cleanup(h.stop)
	return h
}

// start serves until stop; a restart takes the same port, so clients find
// it again.
func (h *demoHub) start(listen string) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() {
		h.done <- hub.Run(ctx, hub.RunConfig{Dir: h.dir, Listen: listen,
			Server: hub.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
			Ready: func(_ *hub.Server, addr, pin string) {
				h.addr, h.pin = addr, pin
				close(ready)
			}})
	}()
	select {
	case <-ready:
	case err := <-h.done:
		h.t.Fatalf("the hub did not start: %v", err)
	}
}

func (h *demoHub) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("the hub: %v", err)
	}
	h.cancel = nil
}

func (h *demoHub) url() string { return "wss://" + h.addr }

// station is one duty room as the window runs it: its store, its sync
// client and, when asked, its window in Fyne's test driver.
type station struct {
	t   *testing.T
	m   *Main
	db  *store.DB
	hub *syncer.Client
	win fyne.Window
}

func openStation(t *testing.T, dir string) *station {
	t.Helper()
	m := NewMain(io.Discard, io.Discard)
	m.DataDir, m.engine = dir, quick
	db, err := m.open()
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.hubClient(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := &station{t: t, m: m, db: db, hub: c}
	t.Cleanup(s.close)
	if !c.Start() {
		t.Fatalf("%s has a hub set but did not start syncing", dir)
	}
	return s
}

// window opens the real screens on the station, as runWindow wires them.
func (s *station) window() {
	a := test.NewTempApp(s.t)
	u := ui.New(a, windowServices(s.db, s.hub))
	s.win = u.Window()
}

// statusWord is what the window's status bar says of the connection.
func (s *station) statusWord() string {
	words := map[string]bool{}
	for _, k := range []string{"status.online", "status.reconnecting", "status.need_login", "status.confirm_pin", "status.not_connected"} {
		words[lang.L(k)] = true
	}
	found := ""
	walkObjects(s.win.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && words[l.Text] {
			found = l.Text
		}
	})
	return found
}

// close stops in the window's order: engine, window, store.
func (s *station) close() {
	if s.hub == nil {
		return
	}
	s.hub.Close()
	if s.win != nil {
		s.win.Close()
	}
	s.m.Close()
	s.hub = nil
}

func walkObjects(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, child := range c.Objects {
			walkObjects(child, visit)
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(c).Objects() {
			walkObjects(child, visit)
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The demo set-up end to end on loopback: two duty rooms of the shared
// demo, a real hub over wss, logins from the command line with the pin;
// a person added at the county reaches the prefecture's store and window;
// the prefecture's status bar goes from online to reconnecting when the
// hub stops and back when it returns.
func TestCountyPersonReachesThePrefectureThroughAHub(t *testing.T) {
	assets.ChooseLanguage(assets.Chinese)
	if err := assets.LoadTranslations(); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	xiangxi, jishou := filepath.Join(root, "xiangxi"), filepath.Join(root, "jishou")
	mustRun(t, xiangxi, "", "init", "--demo", "--bare", "--station", "433100")
	mustRun(t, jishou, "", "init", "--demo", "--bare", "--station", "433101")
	stationsFile := filepath.Join(root, "stations.json")
	mustRun(t, xiangxi, "", "station", "export", stationsFile)
	for _, dir := range []string{xiangxi, jishou} {
		if out := mustRun(t, dir, "", "hub", "status"); !strings.Contains(squash(out), "queued: 0 changes") {
			t.Fatalf("the shared demo queued changes the hub would refuse as known:\n%s", out)
		}
	}
	h := newDemoHub(t, stationsFile, map[string]string{"xiangxi": "433100", "jishou": "433101"})

	// First use without the pin: refused, and the pin to check is printed.
	code, _, stderr := runIn(t, jishou, demoPassword+"\n", "hub", "connect", "--addr", h.url(), "--user", "jishou")
	if code != 1 || !strings.Contains(stderr, wire.FormatPin(h.pin)) || !strings.Contains(stderr, "--pin") {
		t.Fatalf("connect without a pin: exit %d, %s", code, stderr)
	}
	// A wrong password is refused in the hub's words, and nothing is kept
	// that would pass for a login.
	code, _, stderr = runIn(t, jishou, "not-the-password\n", "hub", "connect", "--addr", h.url(), "--user", "jishou", "--pin", h.pin)
	if code != 1 || !strings.Contains(stderr, "not logged in") {
		t.Fatalf("a wrong password: exit %d, %s", code, stderr)
	}
	if conf, _ := syncer.LoadHubConfig(filepath.Join(jishou, syncer.HubFileName)); conf.Token != "" {
		t.Fatal("a refused login left a session token")
	}

	for user, dir := range map[string]string{"xiangxi": xiangxi, "jishou": jishou} {
		out := mustRun(t, dir, demoPassword+"\n", "hub", "connect", "--addr", h.url(), "--user", user, "--pin", wire.FormatPin(h.pin))
		if !strings.Contains(out, "logged in") {
			t.Fatalf("connect %s: %s", user, out)
		}
		conf, err := syncer.LoadHubConfig(filepath.Join(dir, syncer.HubFileName))
		if err != nil || conf.Token == "" || conf.Pin != h.pin {
			t.Fatalf("%s kept %+v, %v", user, conf, err)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, syncer.HubFileName))
		if bytes.Contains(raw, []byte(demoPassword)) {
			t.Fatalf("%s kept the password", user)
		}
	}

	pref := openStation(t, xiangxi)
	pref.window()
	county := openStation(t, jishou)
	waitUntil(t, "both online", func() bool { return pref.hub.Status().Online && county.hub.Status().Online })
	waitUntil(t, "the prefecture's status bar to say online", func() bool { return pref.statusWord() == "在线" })

	ctx := app.WithAuthor(context.Background(), "吉首值班员")
	countyDir := store.NewDirectory(county.db)
	jishouStation, err := countyDir.FindStationByCode(ctx, "433101")
	if err != nil {
		t.Fatal(err)
	}
	newcomer := app.Person{Station: jishouStation.ID, Name: "向新来", Title: "值班员", Mobile: "13907439999", Roles: []app.Role{app.RoleOfficer}}
	if err := countyDir.CreatePerson(ctx, &newcomer); err != nil {
		t.Fatal(err)
	}
	county.hub.Kick()
	prefDir := store.NewDirectory(pref.db)
	waitUntil(t, "the county's person in the prefecture's store", func() bool {
		_, err := prefDir.FindPersonByID(context.Background(), newcomer.ID)
		return err == nil
	})
	got, _ := prefDir.FindPersonByID(context.Background(), newcomer.ID)
	if got.Name != "向新来" || got.Station != jishouStation.ID {
		t.Errorf("the prefecture holds %+v", got)
	}
	waitUntil(t, "the county's queue to empty", func() bool { n, _ := county.db.OutboxLen(context.Background()); return n == 0 })

	h.stop()
	waitUntil(t, "the prefecture to notice the hub is gone", func() bool { return !pref.hub.Status().Online })
	waitUntil(t, "the status bar to say reconnecting", func() bool { return pref.statusWord() == "正在重连" })
	h.start(h.addr)
	waitUntil(t, "the status bar to say online again", func() bool { return pref.statusWord() == "在线" })
}

// dutyroom sync does one round for scripts, with the session kept by hub
// connect; hub status says where things stand.
func TestSyncCommandSendsAndReceivesOnce(t *testing.T) {
	root := t.TempDir()
	xiangxi, jishou := filepath.Join(root, "xiangxi"), filepath.Join(root, "jishou")
	mustRun(t, xiangxi, "", "init", "--demo", "--bare", "--station", "433100")
	mustRun(t, jishou, "", "init", "--demo", "--bare", "--station", "433101")
	stationsFile := filepath.Join(root, "stations.json")
	mustRun(t, xiangxi, "", "station", "export", stationsFile)

	code, _, stderr := runIn(t, jishou, "", "sync")
	if code != 1 || !strings.Contains(stderr, "hub connect") {
		t.Fatalf("sync without a hub: exit %d, %s", code, stderr)
	}

	h := newDemoHub(t, stationsFile, map[string]string{"xiangxi": "433100", "jishou": "433101"})
	for user, dir := range map[string]string{"xiangxi": xiangxi, "jishou": jishou} {
		mustRun(t, dir, demoPassword+"\n", "hub", "connect", "--addr", h.url(), "--user", user, "--pin", h.pin)
	}
	mustRun(t, jishou, "", "person", "add", "--station", "433101", "--name", "田脚本", "--mobile", "13907438888", "--roles", "officer")
	status := squash(mustRun(t, jishou, "", "hub", "status"))
	for _, want := range []string{h.url(), wire.FormatPin(h.pin), "user: jishou", "session: kept", "queued: 1 changes", "station: 吉首市 (433101)"} {
		if !strings.Contains(status, want) {
			t.Errorf("hub status lacks %q:\n%s", want, status)
		}
	}
	if out := mustRun(t, jishou, "", "sync"); !strings.Contains(out, "sent 1,") {
		t.Errorf("the county's sync: %s", out)
	}
	mustRun(t, xiangxi, "", "sync")
	var people []personOut
	if err := json.Unmarshal([]byte(mustRun(t, xiangxi, "", "person", "list", "--station", "433101", "--json")), &people); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range people {
		if p.Name == "田脚本" {
			found++
		}
	}
	if found != 1 {
		t.Errorf("the prefecture holds the county's new person %d times after one sync", found)
	}

	mustRun(t, jishou, "", "hub", "disconnect")
	if code, _, stderr := runIn(t, jishou, "", "sync"); code != 1 || !strings.Contains(stderr, "switched off") {
		t.Errorf("sync after disconnecting: exit %d, %s", code, stderr)
	}
	h.stop()
	mustRun(t, xiangxi, "", "person", "add", "--station", "433100", "--name", "龙离线", "--mobile", "13907437777", "--roles", "officer")
	if code, _, stderr := runIn(t, xiangxi, "", "sync", "--timeout", "10s"); code != 1 || !strings.Contains(stderr, "cannot reach") {
		t.Errorf("sync with the hub down: exit %d, %s", code, stderr)
	}
}

// -serve: the client hosts the hub, gives it its tree, logs itself in and
// syncs; a second start reuses the hub's account instead of piling them up.
func TestServeHostsAHubAndLogsTheClientIn(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, dir, "", "init", "--demo", "--station", "433100")
	for round := range 2 {
		m := NewMain(io.Discard, io.Discard)
		m.DataDir, m.engine = dir, quick
		db, err := m.open()
		if err != nil {
			t.Fatal(err)
		}
		c, err := m.hubClient(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		local, err := m.serveHub(context.Background(), "127.0.0.1:0", db, c, quiet)
		if err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the own client online", func() bool { return c.Status().Online && c.Status().CaughtUp })
		ctx := app.WithAuthor(context.Background(), "州值班员")
		dirSvc := store.NewDirectory(db)
		me, err := store.NewIdentity(db).Identity(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := app.Person{Station: me.ID, Name: "本机" + string(rune('甲'+round)), Mobile: "13907436666", Roles: []app.Role{app.RoleOfficer}}
		if err := dirSvc.CreatePerson(ctx, &p); err != nil {
			t.Fatal(err)
		}
		c.Kick()
		waitUntil(t, "the change acknowledged", func() bool { n, _ := db.OutboxLen(ctx); return n == 0 })
		if s := c.Status(); s.Err != "" {
			t.Errorf("round %d: %s", round, s.Err)
		}
		c.Close()
		if err := local.stop(); err != nil {
			t.Fatal(err)
		}
		m.Close()
	}
	hdb, err := hub.Open(filepath.Join(dir, "hub"))
	if err != nil {
		t.Fatal(err)
	}
	defer hdb.Close()
	users, err := hdb.Users()
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].Name != "local-433100" {
		t.Errorf("the in-process hub has accounts %+v, want local-433100 alone", users)
	}
	stations, _ := hdb.Stations()
	want, _ := sharedDemo()
	if len(stations) != len(want) {
		t.Errorf("the in-process hub has %d stations, want the client's %d", len(stations), len(want))
	}
	log, err := hdb.Log(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	people := 0
	for _, d := range log {
		if d.Op.Kind == app.OpPersonCreate {
			people++
		}
	}
	if people != 2 {
		t.Errorf("the hub's log holds %d person.create, want the 2 made here", people)
	}
}

// The shared demo is the same tree in every folder, and a folder seeded as
// a county is that county.
func TestSharedDemoIsOneTree(t *testing.T) {
	a, ap := sharedDemo()
	b, bp := sharedDemo()
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Parent != b[i].Parent {
			t.Fatalf("station %s has different ids in two runs", a[i].Code)
		}
	}
	for i := range ap {
		if ap[i].ID != bp[i].ID || ap[i].Station != bp[i].Station {
			t.Fatalf("person %d has different ids in two runs", i)
		}
	}
	dir := t.TempDir()
	mustRun(t, dir, "", "init", "--demo", "--station", "433101001")
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	me, err := store.NewIdentity(db).Identity(context.Background())
	if err != nil || me.Name != "乾州街道" || me.ID != a[indexOfCode(a, "433101001")].ID {
		t.Errorf("identity %+v, %v", me, err)
	}
	if code, _, stderr := runIn(t, t.TempDir(), "", "init", "--demo", "--station", "999999"); code != 1 || !strings.Contains(stderr, "433101") {
		t.Errorf("an unknown demo station: exit %d, %s", code, stderr)
	}
}

func indexOfCode(list []app.Station, code string) int {
	for i, s := range list {
		if s.Code == code {
			return i
		}
	}
	return -1
}

// squash turns every run of blanks into one space, so checks do not
// depend on how a table is padded.
func squash(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}
