package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dutyroom/app/demo"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// run runs one command line against dir and returns its exit code and output.
func run(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := NewMain(&out, &errOut)
	code := m.Run(append([]string{"-data", dir}, args...))
	return code, out.String(), errOut.String()
}

func TestInitDemoThenListStationsAsJSON(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init", "--demo"); code != 0 {
		t.Fatalf("init --demo: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := run(t, dir, "station", "list", "--json")
	if code != 0 {
		t.Fatalf("station list: exit %d: %s", code, stderr)
	}
	var got []stationOut
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("station list --json is not JSON: %v\n%s", err, stdout)
	}
	want, _ := demo.Prefecture()
	if len(got) != len(want) {
		t.Fatalf("listed %d stations, want %d", len(got), len(want))
	}
	if got[0].Code != "433100" || got[0].Parent != "" {
		t.Errorf("first station = %+v, want the prefecture 433100 without parent", got[0])
	}
	// A second init --demo must not seed twice.
	if code, stdout, _ := run(t, dir, "init", "--demo"); code != 0 || !strings.Contains(stdout, "already holds") {
		t.Errorf("second init --demo: exit %d, %q", code, stdout)
	}
	storetest.OpenDir(t, dir) // checks the file on cleanup
}

func TestStationAndPersonCommands(t *testing.T) {
	dir := t.TempDir()
	steps := [][]string{
		{"station", "add", "--code", "433100", "--name", "湘西州", "--tier", "prefecture"},
		{"station", "add", "--code", "433101", "--name", "吉首市", "--tier", "county", "--parent", "433100"},
		{"person", "add", "--station", "433101", "--name", "张三", "--mobile", "13907430001", "--roles", "officer,standby"},
	}
	for _, s := range steps {
		if code, _, stderr := run(t, dir, s...); code != 0 {
			t.Fatalf("%v: exit %d: %s", s, code, stderr)
		}
	}
	code, stdout, _ := run(t, dir, "person", "list", "--station", "433101", "--json")
	var people []personOut
	if code != 0 || json.Unmarshal([]byte(stdout), &people) != nil || len(people) != 1 {
		t.Fatalf("person list: exit %d, %s", code, stdout)
	}
	if p := people[0]; p.Name != "张三" || p.Station != "433101" || len(p.Roles) != 2 {
		t.Errorf("listed %+v", p)
	}
	if code, _, stderr := run(t, dir, "person", "remove", people[0].ID); code != 0 {
		t.Fatalf("person remove: exit %d: %s", code, stderr)
	}
	_, stdout, _ = run(t, dir, "person", "list", "--json")
	if strings.TrimSpace(stdout) != "[]" {
		t.Errorf("after remove, person list = %s", stdout)
	}
}

func TestBadInputIsRefusedWithAClearMessage(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "station", "add", "--code", "433100", "--name", "湘西州", "--tier", "prefecture")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"station", "add", "--code", "433199", "--name", "某村", "--tier", "village", "--parent", "433100"}, "village cannot sit directly under a prefecture"},
		{[]string{"station", "add", "--code", "433100", "--name", "重复", "--tier", "prefecture"}, "433100"},
		{[]string{"station", "add", "--code", "433101", "--name", " ", "--tier", "county", "--parent", "433100"}, "name is required"},
		{[]string{"person", "add", "--station", "433100", "--name", "李四", "--mobile", "12345"}, "not a mobile number"},
		{[]string{"person", "add", "--station", "999999", "--name", "李四", "--mobile", "13907430002"}, "999999"},
		{[]string{"station", "add", "--code", "433102", "--name", "某县", "--tier", "planet"}, "unknown tier"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, dir, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a refusal mentioning %q", c.args, code, stderr, c.want)
		}
	}
	// Nothing of the refused commands was stored.
	_, stdout, _ := run(t, dir, "station", "list", "--json")
	var got []stationOut
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || len(got) != 1 {
		t.Errorf("after refusals the tree is %s, want only the prefecture", stdout)
	}
}

func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init", "--demo")
	backup := filepath.Join(t.TempDir(), "copy.db")
	if code, _, stderr := run(t, dir, "backup", backup); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, stderr)
	}
	if err := store.CheckFile(backup); err != nil {
		t.Fatalf("backup is not a good database: %v", err)
	}
	// Add a station after the backup; restoring must take it away again.
	run(t, dir, "station", "add", "--code", "433131", "--name", "新县", "--tier", "county", "--parent", "433100")
	if code, _, stderr := run(t, dir, "restore", backup); code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	_, stdout, _ := run(t, dir, "station", "list")
	if strings.Contains(stdout, "新县") {
		t.Errorf("station added after the backup survived the restore")
	}

	// A file that is not a database is refused and changes nothing.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("this is not a database"), 0o600)
	code, _, stderr := run(t, dir, "restore", junk)
	if code == 0 || !strings.Contains(stderr, junk) {
		t.Errorf("restore of junk: exit %d, %q", code, stderr)
	}
	_, stdout, _ = run(t, dir, "station", "list")
	if !strings.Contains(stdout, "湘西州") {
		t.Errorf("a refused restore damaged the data: %s", stdout)
	}
}

func TestSecondInstanceIsToldTheFolderIsOpen(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "init")
	held, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, _, stderr := run(t, dir, "backup", filepath.Join(t.TempDir(), "b.db"))
	if code == 0 || !strings.Contains(stderr, "already open by another DutyRoom") || !strings.Contains(stderr, "Settings") {
		t.Errorf("backup while held: exit %d, %q", code, stderr)
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	code, _, stderr := run(t, t.TempDir(), "frobnicate")
	if code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("exit %d, %q", code, stderr)
	}
}
