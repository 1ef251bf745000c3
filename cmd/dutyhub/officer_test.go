package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A village officer's account on the hub's command line: the person must
// be an information officer of a village the hub knows (here from the
// station file's people); disable and list say what they did.
func TestOfficerCommands(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "stations.json")
	if err := os.WriteFile(file, []byte(`{"stations":[
		{"code":"433100","name":"湘西州","tier":1,"id":"019c8a6e-0000-7000-8000-000000000001"},
		{"code":"433101","name":"吉首市","tier":2,"id":"019c8a6e-0000-7000-8000-000000000002","parent":"019c8a6e-0000-7000-8000-000000000001"},
		{"code":"433101001","name":"乾州街道","tier":3,"id":"019c8a6e-0000-7000-8000-000000000003","parent":"019c8a6e-0000-7000-8000-000000000002"},
		{"code":"433101001001","name":"乾州村","tier":4,"id":"019c8a6e-0000-7000-8000-000000000004","parent":"019c8a6e-0000-7000-8000-000000000003"}
	],"people":[
		{"id":"019c8a6f-0000-7000-8000-000000000001","station":"019c8a6e-0000-7000-8000-000000000004","name":"张信息","roles":["info_officer"]},
		{"id":"019c8a6f-0000-7000-8000-000000000002","station":"019c8a6e-0000-7000-8000-000000000003","name":"王值班","roles":["officer"]}
	]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		stdin string
		args  []string
		code  int
		says  string
	}{
		{"", []string{"-data", dir, "station", "import", file}, 0, "4 stations imported"},
		{"a long password\n", []string{"-data", dir, "officer", "add", "13900000001", "019c8a6f-0000-7000-8000-000000000001"}, 0, "officer account 13900000001 set up"},
		{"a long password\n", []string{"-data", dir, "officer", "add", "wang", "019c8a6f-0000-7000-8000-000000000002"}, 1, "knows no person"},
		{"a long password\n", []string{"-data", dir, "officer", "add", "ghost", "019c8a6f-0000-7000-8000-000000000009"}, 1, "knows no person"},
		{"short\n", []string{"-data", dir, "officer", "add", "zhang", "019c8a6f-0000-7000-8000-000000000001"}, 1, "at least 8"},
		{"", []string{"-data", dir, "officer", "list"}, 0, "13900000001\t019c8a6f-0000-7000-8000-000000000001\t019c8a6e-0000-7000-8000-000000000004\tactive"},
		{"", []string{"-data", dir, "officer", "disable", "13900000001"}, 0, "disabled"},
		{"", []string{"-data", dir, "officer", "list"}, 0, "disabled"},
		{"", []string{"-data", dir, "officer", "frobnicate"}, 2, "usage"},
	}
	for _, s := range steps {
		code, out, errOut := runCLI(t, s.stdin, s.args...)
		if code != s.code || !strings.Contains(out+errOut, s.says) {
			t.Errorf("dutyhub %v: exit %d, out %q, err %q; want exit %d mentioning %q", s.args, code, out, errOut, s.code, s.says)
		}
	}
}
