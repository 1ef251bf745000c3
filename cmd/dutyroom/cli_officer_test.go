package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dutyroom/app"
)

// The township sets up one of its villages' officers from the command
// line through a real hub, lists the account and revokes it; a folder
// with no hub says the account needs one and changes nothing.
func TestOfficerAccountCommandsThroughAHub(t *testing.T) {
	root := t.TempDir()
	qianzhou := filepath.Join(root, "qianzhou")
	mustRun(t, qianzhou, "", "init", "--demo", "--station", "433101001")
	stationsFile := filepath.Join(root, "stations.json")
	mustRun(t, qianzhou, "", "station", "export", stationsFile)

	var people []personOut
	decode(t, qianzhou, &people, "person", "list", "--json")
	i := slices.IndexFunc(people, func(p personOut) bool {
		return slices.Contains(p.Roles, app.RoleInfoOfficer) && strings.HasPrefix(p.Station, "433101001") && p.Station != "433101001"
	})
	if i < 0 {
		t.Fatal("the demo township has no village information officer")
	}
	officer := people[i]

	code, _, stderr := runIn(t, qianzhou, "zhenxi2026\n", "officer", "account", officer.ID, "--login", "13907431234")
	if code == 0 || !strings.Contains(stderr, "no hub is set") {
		t.Fatalf("with no hub: exit %d, %q", code, stderr)
	}

	h := newDemoHub(t, stationsFile, map[string]string{"qianzhou": "433101001"})
	mustRun(t, qianzhou, demoPassword+"\n", "hub", "connect", "--addr", h.url(), "--user", "qianzhou", "--pin", h.pin)
	code, _, stderr = runIn(t, qianzhou, "short\n", "officer", "account", officer.ID, "--login", "13907431234")
	if code == 0 || !strings.Contains(stderr, "password") {
		t.Fatalf("a short password: exit %d, %q", code, stderr)
	}
	out := mustRun(t, qianzhou, "zhenxi2026\n", "officer", "account", officer.ID, "--login", "13907431234")
	if !strings.Contains(out, officer.Name) || !strings.Contains(out, "13907431234") {
		t.Fatalf("officer account says %q", out)
	}
	var list []officerOut
	decode(t, qianzhou, &list, "officer", "list", "--json")
	if len(list) != 1 || list[0].Login != "13907431234" || list[0].Name != officer.Name || list[0].Village != officer.Station || list[0].Disabled {
		t.Fatalf("officer list %+v", list)
	}
	mustRun(t, qianzhou, "", "officer", "revoke", officer.Name)
	decode(t, qianzhou, &list, "officer", "list", "--json")
	if len(list) != 1 || !list[0].Disabled {
		t.Fatalf("after revoke %+v", list)
	}
}
