package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/store"
)

// records reads every key and value of the data file in dir, nested
// buckets included, as one map: what a refused command must leave as it
// was.
func records(t *testing.T, dir string) map[string]string {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			key := prefix + "/" + string(k)
			if v == nil {
				return walk(key, b.Bucket(k))
			}
			out[key] = fmt.Sprintf("%x", sha256.Sum256(v))
			return nil
		})
	}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(string(name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRecords reports the first difference between two snapshots.
func sameRecords(before, after map[string]string) string {
	for k, v := range after {
		if before[k] != v {
			return "changed or added " + k
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			return "removed " + k
		}
	}
	return ""
}

// refusal is a command line that must be refused: non-zero exit, stderr
// naming want, nothing stored.
type refusal struct {
	args []string
	want string
}

func checkRefusals(t *testing.T, dir string, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		before := records(t, dir)
		code, stdout, stderr := run(t, dir, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want a refusal mentioning %q", c.args, code, stderr, c.want)
		}
		if stdout != "" {
			t.Errorf("%q: a refused command printed %q on standard output", c.args, stdout)
		}
		if diff := sameRecords(before, records(t, dir)); diff != "" {
			t.Errorf("%q was refused but the data file %s", c.args, diff)
		}
	}
}

// demoStation is a fresh folder of the shared demo as the station code.
func demoStation(t *testing.T, code string) string {
	t.Helper()
	dir := t.TempDir()
	if c, _, stderr := run(t, dir, "init", "--demo", "--station", code); c != 0 {
		t.Fatalf("init --demo --station %s: exit %d: %s", code, c, stderr)
	}
	return dir
}

// jsonRun runs a command that must succeed and decodes its standard output.
func jsonRun(t *testing.T, dir string, v any, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, dir, args...)
	if code != 0 {
		t.Fatalf("%q: exit %d: %s", args, code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), v); err != nil {
		t.Fatalf("%q: output is not the documented JSON: %v\n%s", args, err, stdout)
	}
	return stderr
}

// local formats an instant as an officer types it, in the demo's zone.
func local(t time.Time) string {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func TestSplitListReadsCommasAndEnumerationMarks(t *testing.T) {
	cases := map[string][]string{
		"433101,433122":   {"433101", "433122"},
		" 吉首市 ， 泸溪县、凤凰县 ": {"吉首市", "泸溪县", "凤凰县"},
		",,":              {},
		"":                {},
		"湘西州":             {"湘西州"},
	}
	for in, want := range cases {
		got := splitList(in)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("splitList(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSplitList(f *testing.F) {
	for _, s := range []string{"433101,433122", "吉首市，泸溪县、凤凰县", " , ,", "a,,b", "\xff,\u3001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, item := range splitList(s) {
			if item == "" || item != strings.TrimSpace(item) || strings.ContainsAny(item, ",，、") {
				t.Fatalf("splitList(%q) gave the item %q", s, item)
			}
			if !strings.Contains(s, item) {
				t.Fatalf("splitList(%q) made up %q", s, item)
			}
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-01T10:00:00+08:00", "2026-03-01 10:00", "2026-03-01", "2026-13-01", "10:00", ""} {
		f.Add(s)
	}
	loc := defaultZone()
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseTime("at", s, loc)
		if err != nil {
			if !strings.Contains(err.Error(), "at: ") {
				t.Fatalf("parseTime(%q) refused without naming the field: %v", s, err)
			}
			return
		}
		// What was accepted reads back as the same instant.
		again, err := parseTime("at", tm.UTC().Format(time.RFC3339Nano), loc)
		if err != nil || !again.Equal(tm) {
			t.Fatalf("parseTime(%q) = %v, which reads back as %v, %v", s, tm, again, err)
		}
	})
}

func TestEveryCommandPrintsItsUsage(t *testing.T) {
	dir := demoStation(t, "433101")
	for group := range groupUsage {
		for _, h := range []string{"help", "--help"} {
			code, stdout, _ := run(t, dir, group, h)
			if code != 0 || !strings.Contains(stdout, "usage:") || !strings.Contains(stdout, group+" ") {
				t.Errorf("%s %s: exit %d, %q", group, h, code, stdout)
			}
		}
	}
	// Each subcommand lists its flags.
	for _, args := range [][]string{{"message", "send", "-h"}, {"warning", "issue", "--help"}, {"spotcheck", "start", "-h"},
		{"log", "add", "-h"}, {"consult", "schedule", "-h"}, {"notice", "send", "-h"}} {
		code, _, stderr := run(t, dir, args...)
		if code != 0 || !strings.Contains(stderr, "Usage of "+args[0]+" "+args[1]) {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}
}
