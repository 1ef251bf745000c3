package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
)

// An officer signs in at the county's desk with the real programs (a
// dutyhub process and the dutyroom command line, which shares the desk with
// the window); the sign-in's duty-log entry, an incident filed and a message sent then carry
// the officer's id and name in the county's data file and, after sync, in
// the prefecture's.
func TestSignedInOfficerIsTheAuthorInTheFileAndAfterSync(t *testing.T) {
	bin := buildClient(t)
	hubBin := filepath.Join(t.TempDir(), "dutyhub")
	if out, err := exec.Command("go", "build", "-o", hubBin, "../cmd/dutyhub").CombinedOutput(); err != nil {
		t.Fatalf("build dutyhub: %v\n%s", err, out)
	}
	root := t.TempDir()
	dirP, dirC, dirH := filepath.Join(root, "P"), filepath.Join(root, "C"), filepath.Join(root, "H")
	addr := freeAddr(t)
	env := append(filterEnv(os.Environ(), "LC_ALL", "LANG", "LC_MESSAGES"), "LC_ALL=C.UTF-8")
	run := func(stdin string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	room := func(dir string, args ...string) string {
		t.Helper()
		return run("", bin, append([]string{"-data", dir}, args...)...)
	}

	room(dirP, "init", "--demo", "--station", "433100")
	room(dirC, "init", "--demo", "--station", "433101")
	room(dirP, "station", "export", filepath.Join(root, "stations.json"))
	run("", hubBin, "-data", dirH, "station", "import", filepath.Join(root, "stations.json"))
	run("correct horse battery\n", hubBin, "-data", dirH, "user", "add", "xiangxi", "433100")
	run("correct horse battery\n", hubBin, "-data", dirH, "user", "add", "jishou", "433101")
	hub := exec.Command(hubBin, "-data", dirH, "-listen", addr, "-plain-loopback")
	hubLog, err := os.Create(filepath.Join(root, "hub.log"))
	if err != nil {
		t.Fatal(err)
	}
	hub.Stdout, hub.Stderr = hubLog, hubLog
	if err := hub.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = hub.Process.Signal(syscall.SIGTERM)
		_ = hub.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub does not serve: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	run("correct horse battery\n", bin, "-data", dirP, "hub", "connect", "--addr", "ws://"+addr, "--user", "xiangxi")
	run("correct horse battery\n", bin, "-data", dirC, "hub", "connect", "--addr", "ws://"+addr, "--user", "jishou")

	officer := countyOfficer(t, dirC)
	room(dirC, "desk", "signin", officer.Name)
	out := room(dirC, "incident", "add", "--category", "road_traffic", "--channel", "phone", "--place-station", "433101", "--place", "G65 K12", "--description", "货车侧翻")
	incID, err := app.ParseID(strings.Fields(out)[1])
	if err != nil {
		t.Fatalf("incident add said %q", out)
	}
	out = room(dirC, "message", "send", "--to", "433100", "--subject", "值班情况", "--text", "本班情况正常")
	msgID, err := app.ParseID(strings.Fields(out)[2])
	if err != nil {
		t.Fatalf("message send said %q", out)
	}
	room(dirC, "sync")
	room(dirP, "sync")

	for name, dir := range map[string]string{"county": dirC, "prefecture": dirP} {
		checkAuthors(t, name, dir, officer, incID, msgID)
	}
	if log, _ := os.ReadFile(filepath.Join(root, "hub.log")); strings.Contains(string(log), "foreign_author") {
		t.Errorf("the hub refused an honest author:\n%s", log)
	}
}

// countyOfficer returns an officer of the county, read from its data file.
func countyOfficer(t *testing.T, dir string) app.Person {
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
	people, err := store.NewDirectory(db).Persons(ctx, app.PersonFilter{Station: &me.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if p.Has(app.RoleOfficer) {
			return p
		}
	}
	t.Fatal("the demo county has no officer")
	return app.Person{}
}

// checkAuthors reads a data folder and checks the sign-in's log entry, the
// incident and the message name the officer, id and name.
func checkAuthors(t *testing.T, name, dir string, officer app.Person, incID, msgID app.ID) {
	t.Helper()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	inc, err := store.NewIncidents(db).FindIncidentByID(ctx, incID)
	if err != nil {
		t.Fatalf("the %s does not hold the incident: %v", name, err)
	}
	if inc.CreatedByID != officer.ID || inc.CreatedBy != officer.Name {
		t.Errorf("the %s's incident was taken by %s (%s), want %s (%s)", name, inc.CreatedBy, inc.CreatedByID, officer.Name, officer.ID)
	}
	msg, err := store.NewMessages(db).FindMessage(ctx, msgID)
	if err != nil {
		t.Fatalf("the %s does not hold the message: %v", name, err)
	}
	if msg.AuthorID != officer.ID || msg.Author != officer.Name {
		t.Errorf("the %s's message was sent by %s (%s), want %s (%s)", name, msg.Author, msg.AuthorID, officer.Name, officer.ID)
	}
	rosters := store.NewRosters(db)
	settings, err := rosters.Settings(ctx, officer.Station)
	if err != nil {
		t.Fatal(err)
	}
	st := app.Station{Zone: app.DefaultZone}
	day := roster.DutyDayAt(settings.Handover, st.Location(), time.Now())
	entries, err := rosters.LogEntries(ctx, officer.Station, day)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if strings.Contains(e.Text, "到岗签到") && e.AuthorID == officer.ID && e.Author == officer.Name {
			found = true
		}
	}
	if !found {
		t.Errorf("the %s's duty log holds no sign-in by %s: %+v", name, officer.Name, entries)
	}
}
