package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A county restores its data folder from an older backup with the real
// programs: a dutyhub process and the dutyroom command line, no window.
// Its incident and person made after the backup come back from the hub;
// an incident filed after the restore, before syncing, and one filed
// after, reach the prefecture; nothing is there twice. Then a copy of the
// county's folder made by hand, which files an incident of its own under
// a seq the hub holds from the county, is refused with a message saying
// so, and the county goes on.
func TestRestoredCountyRejoinsWithTheRealPrograms(t *testing.T) {
	bin := buildClient(t)
	hubBin := filepath.Join(t.TempDir(), "dutyhub")
	if out, err := exec.Command("go", "build", "-o", hubBin, "../cmd/dutyhub").CombinedOutput(); err != nil {
		t.Fatalf("build dutyhub: %v\n%s", err, out)
	}
	root := t.TempDir()
	dirP, dirC, dirH := filepath.Join(root, "P"), filepath.Join(root, "C"), filepath.Join(root, "H")
	addr := freeAddr(t)
	env := append(filterEnv(os.Environ(), "LC_ALL", "LANG", "LC_MESSAGES"), "LC_ALL=C.UTF-8")
	run := func(wantOK bool, name, stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	room := func(dir string, args ...string) string {
		t.Helper()
		return run(true, bin, "", append([]string{"-data", dir}, args...)...)
	}
	file := func(dir, place string) string {
		t.Helper()
		out := room(dir, "incident", "add", "--category", "road_traffic", "--channel", "phone", "--place-station", "433101", "--place", place, "--description", place)
		// The output may start with a note on who signs (no roster here).
		m := savedID.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("incident add said %q", out)
		}
		return m[1]
	}
	incidents := func(dir string) map[string]int {
		t.Helper()
		var list struct {
			Incidents []struct {
				ID string `json:"id"`
			} `json:"incidents"`
		}
		if err := json.Unmarshal([]byte(room(dir, "incident", "list", "--json")), &list); err != nil {
			t.Fatal(err)
		}
		ids := make(map[string]int)
		for _, inc := range list.Incidents {
			ids[inc.ID]++
		}
		return ids
	}

	// The tree alone: the test counts the incidents it files.
	room(dirP, "init", "--demo", "--bare", "--station", "433100")
	room(dirC, "init", "--demo", "--bare", "--station", "433101")
	room(dirP, "station", "export", filepath.Join(root, "stations.json"))
	run(true, hubBin, "", "-data", dirH, "station", "import", filepath.Join(root, "stations.json"))
	run(true, hubBin, "correct horse battery\n", "-data", dirH, "user", "add", "xiangxi", "433100")
	run(true, hubBin, "correct horse battery\n", "-data", dirH, "user", "add", "jishou", "433101")
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
	run(true, bin, "correct horse battery\n", "-data", dirP, "hub", "connect", "--addr", "ws://"+addr, "--user", "xiangxi")
	run(true, bin, "correct horse battery\n", "-data", dirC, "hub", "connect", "--addr", "ws://"+addr, "--user", "jishou")

	before := file(dirC, "备份前 G65 K1")
	room(dirC, "sync")
	backup := filepath.Join(root, "county-backup.db")
	room(dirC, "backup", backup)
	afterBackup := file(dirC, "备份后 G65 K2")
	room(dirC, "person", "add", "--station", "433101", "--name", "备份后新来", "--mobile", "13800000000")
	room(dirC, "sync")

	room(dirC, "restore", backup)
	if _, ok := incidents(dirC)[afterBackup]; ok {
		t.Fatal("the backup holds the incident filed after it")
	}
	offline := file(dirC, "恢复后未同步 G65 K3")
	out := room(dirC, "sync")
	if !strings.Contains(out, "took back 2 of this station's operations from the hub") {
		t.Fatalf("the restored county's sync said:\n%s", out)
	}
	online := file(dirC, "恢复后已同步 G65 K4")
	room(dirC, "sync")
	if people := room(dirC, "person", "list", "--station", "433101"); !strings.Contains(people, "备份后新来") {
		t.Fatalf("the person added after the backup is not back:\n%s", people)
	}
	room(dirP, "sync")
	for name, inc := range map[string]map[string]int{"county": incidents(dirC), "prefecture": incidents(dirP)} {
		for _, id := range []string{before, afterBackup, offline, online} {
			if inc[id] != 1 {
				t.Errorf("the %s holds incident %s %d times, want once", name, id, inc[id])
			}
		}
		if len(inc) != 4 {
			t.Errorf("the %s holds %d incidents, want 4", name, len(inc))
		}
	}

	// A second live folder: the county's copied by hand, session and all.
	dirD := filepath.Join(root, "D")
	if err := os.MkdirAll(dirD, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dutyroom.db", "hub.json"} {
		data, err := os.ReadFile(filepath.Join(dirC, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirD, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fromC := file(dirC, "第一个目录 G65 K5")
	room(dirC, "sync")
	fromD := file(dirD, "复制的目录 G65 K6")
	out = run(false, bin, "", "-data", dirD, "sync")
	if !strings.Contains(out, "another data folder is syncing as this station") {
		t.Fatalf("the copied folder's sync said:\n%s", out)
	}
	later := file(dirC, "第一个目录继续 G65 K7")
	room(dirC, "sync")
	room(dirP, "sync")
	atP := incidents(dirP)
	if atP[fromC] != 1 || atP[later] != 1 || atP[fromD] != 0 {
		t.Fatalf("the prefecture holds the first folder's incidents %d and %d times and the copy's %d times; want 1, 1, 0", atP[fromC], atP[later], atP[fromD])
	}
}

// savedID finds the id incident add prints on its "saved" line.
var savedID = regexp.MustCompile(`(?m)^saved ([0-9a-f-]{36}) `)
