package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestAdministration(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "stations.json")
	if err := os.WriteFile(file, []byte(`[
		{"code":"433100","name":"湘西州","tier":1,"id":"019c8a6e-0000-7000-8000-000000000001"},
		{"code":"433101","name":"吉首市","tier":2,"parent":"019c8a6e-0000-7000-8000-000000000001"}
	]`), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		stdin string
		args  []string
		code  int
		says  string
	}{
		{"", []string{"-data", dir, "pin"}, 1, "start the hub once"},
		{"", []string{"-data", dir, "station", "import", file}, 0, "2 stations imported"},
		{"", []string{"-data", dir, "station", "import", file}, 1, "already"},
		{"", []string{"-data", dir, "station", "list"}, 0, "433101\tcounty\t吉首市"},
		{"a long password\n", []string{"-data", dir, "user", "add", "jishou", "433101"}, 0, "user jishou added"},
		{"short\n", []string{"-data", dir, "user", "add", "other", "433101"}, 1, "at least 8"},
		{"a long password\n", []string{"-data", dir, "user", "add", "ghost", "999"}, 1, "no station has the code"},
		{"", []string{"-data", dir, "user", "disable", "jishou"}, 0, "disabled"},
		{"", []string{"-data", dir, "user", "list"}, 0, "jishou\t"},
		{"", []string{"-data", dir, "user", "frobnicate"}, 2, "usage"},
	}
	for _, s := range steps {
		code, out, errOut := runCLI(t, s.stdin, s.args...)
		if code != s.code || !strings.Contains(out+errOut, s.says) {
			t.Errorf("dutyhub %v: exit %d, out %q, err %q; want exit %d mentioning %q", s.args, code, out, errOut, s.code, s.says)
		}
	}
	code, out, _ := runCLI(t, "", "-data", dir, "user", "list")
	if code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("user list after disable: %q", out)
	}
}

func TestServeRefusesPlainWSOnTheNetwork(t *testing.T) {
	code, _, errOut := runCLI(t, "", "-data", t.TempDir(), "-listen", "0.0.0.0:0", "-plain-loopback")
	if code != 1 || !strings.Contains(errOut, "loopback") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
}
