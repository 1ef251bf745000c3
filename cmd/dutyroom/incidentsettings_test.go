package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dutyroom/app/incident"
	"dutyroom/store/storetest"
)

func showSettings(t *testing.T, dir string, args ...string) incident.Settings {
	t.Helper()
	code, stdout, stderr := run(t, dir, append([]string{"incident", "settings", "show", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("incident settings show: exit %d: %s", code, stderr)
	}
	var st incident.Settings
	if err := json.Unmarshal([]byte(stdout), &st); err != nil {
		t.Fatalf("incident settings show --json is not JSON: %v\n%s", err, stdout)
	}
	return st
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIncidentSettingsShowAndSet(t *testing.T) {
	dir := demoFolder(t)
	if st := showSettings(t, dir); st.Thresholds != incident.DefaultThresholds() {
		t.Fatalf("a fresh folder shows %+v, not the national thresholds", st.Thresholds)
	}
	code, stdout, stderr := run(t, dir, "incident", "settings", "show")
	if code != 0 || !strings.Contains(stdout, "accident: dead") || !strings.Contains(stdout, "disaster: dead and missing") ||
		!strings.Contains(stdout, "1000") || !strings.Contains(stdout, "60 min") || !strings.Contains(stdout, "20 MB (default)") {
		t.Errorf("show in text: exit %d %s\n%s", code, stderr, stdout)
	}

	// A file naming two figures changes those two and keeps the rest.
	file := writeFile(t, "rules.json", `{"thresholds": {"accident": {"dead": {"large": 2, "major": 10, "especially_major": 30}}},
		"rules": {"first_report": 1800000000000}}`)
	code, stdout, stderr = run(t, dir, "incident", "settings", "set", "--file", file,
		"--count-missing-with-dead", "true", "--attachment-limit-mb", "5")
	if code != 0 || !strings.Contains(stdout, "saved") || !strings.Contains(stdout, "30 min") {
		t.Fatalf("set: exit %d %s\n%s", code, stderr, stdout)
	}
	st := showSettings(t, dir)
	if st.Thresholds.Accident.Dead.Large != 2 || !st.Thresholds.Accident.CountMissingWithDead ||
		st.Rules.FirstReport.Minutes() != 30 || st.Limits.MaxAttachment != 5<<20 ||
		st.Thresholds.Accident.Serious != incident.DefaultThresholds().Accident.Serious || st.Rules.PerLevel.Hours() != 2 {
		t.Errorf("after set: %+v", st)
	}
	// A township below inherits them, and grading there follows.
	if sub := showSettings(t, dir, "--station", "433101001"); sub.Thresholds.Accident.Dead.Large != 2 {
		t.Errorf("the township does not inherit: %+v", sub.Thresholds.Accident.Dead)
	}
	code, stdout, _ = run(t, dir, "incident", "grade", "--dead", "1", "--missing", "1", "--station", "433101001")
	if code != 0 || !strings.HasPrefix(stdout, "large") {
		t.Errorf("grade under the new rules: exit %d %s", code, stdout)
	}

	// The show --json output is what set --file reads.
	code, stdout, _ = run(t, dir, "incident", "settings", "show", "--json")
	if code != 0 {
		t.Fatal("show --json failed")
	}
	code, _, stderr = run(t, dir, "incident", "settings", "set", "--file", writeFile(t, "again.json", stdout))
	if code != 0 {
		t.Errorf("setting what show printed: exit %d %s", code, stderr)
	}
	storetest.OpenDir(t, dir)
}

func TestIncidentSettingsSetRejectsBadInputWhole(t *testing.T) {
	dir := demoFolder(t)
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"falling band", []string{"--file", writeFile(t, "a.json", `{"thresholds": {"accident": {"serious": {"large": 60, "major": 50, "especially_major": 100}}}}`), "--attachment-limit-mb", "5"},
			[]string{"accident.serious", "rise with the grade"}},
		{"unknown field", []string{"--file", writeFile(t, "b.json", `{"thresholds": {"accident": {"deaths": {}}}}`)},
			[]string{"deaths", "unknown field"}},
		{"wrong type", []string{"--file", writeFile(t, "c.json", `{"rules": {"per_level": "2h"}}`)},
			[]string{"rules.per_level", "not a JSON string"}},
		{"not JSON", []string{"--file", writeFile(t, "d.json", `{"rules": `)}, []string{"file (--file)"}},
		{"missing file", []string{"--file", filepath.Join(t.TempDir(), "none.json")}, []string{"file (--file)", "cannot read"}},
		{"zero deadline", []string{"--file", writeFile(t, "e.json", `{"rules": {"urgent_phone": 0}}`)}, []string{"urgent_phone", "positive"}},
		{"not a boolean", []string{"--count-missing-with-dead", "yes please"}, []string{"--count-missing-with-dead", "neither true nor false"}},
		{"negative limit", []string{"--attachment-limit-mb", "-3"}, []string{"--attachment-limit-mb"}},
		{"absurd limit", []string{"--attachment-limit-mb", "99999"}, []string{"--attachment-limit-mb"}},
		{"unknown station", []string{"--station", "999", "--attachment-limit-mb", "5"}, []string{"station (--station)"}},
	} {
		code, _, stderr := run(t, dir, append([]string{"incident", "settings", "set"}, c.args...)...)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1: %s", c.name, code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr %q does not name %q", c.name, stderr, w)
			}
		}
	}
	if st := showSettings(t, dir); st.Thresholds != incident.DefaultThresholds() || st.Limits.MaxAttachment != 0 {
		t.Errorf("a rejected change was saved in part: %+v", st)
	}
	if code, _, stderr := run(t, dir, "incident", "settings", "set"); code != 2 || !strings.Contains(stderr, "--file") {
		t.Errorf("set without anything to set: exit %d %q", code, stderr)
	}
}
