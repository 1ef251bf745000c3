package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/hub"
)

func TestRoomLink(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "stations.json")
	if err := os.WriteFile(file, []byte(`[{"code":"433100","name":"湘西州","tier":1,"id":"019c8a6e-0000-7000-8000-000000000001"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "-data", dir, "station", "import", file); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := runCLI(t, "a long password\n", "-data", dir, "user", "add", "leader", "433100"); code != 0 {
		t.Fatal(errOut)
	}
	room := app.NewID()
	code, out, errOut := runCLI(t, "", "-data", dir, "-listen", "127.0.0.1:7443", "-plain-loopback", "room", "link", "--room", room.String(), "--user", "leader")
	prefix := "http://127.0.0.1:7443/join#code="
	if code != 0 || !strings.HasPrefix(out, prefix) || !strings.Contains(errOut, "leader") {
		t.Fatalf("room link: exit %d, out %q, err %q", code, out, errOut)
	}
	joinCode := strings.TrimSpace(strings.TrimPrefix(out, prefix))

	for _, c := range []struct {
		args []string
		exit int
		says string
	}{
		{[]string{"room", "link", "--room", room.String(), "--user", "nobody"}, 1, "no user nobody"},
		{[]string{"room", "link", "--room", "not-an-id", "--user", "leader"}, 2, "usage"},
		{[]string{"room", "link", "--room", room.String(), "--user", "leader", "--ttl", "48h"}, 1, "at most"},
		{[]string{"-listen", "10.0.0.5:7443", "room", "link", "--room", room.String(), "--user", "leader"}, 0, "https://10.0.0.5:7443/join#code="},
	} {
		code, out, errOut := runCLI(t, "", append([]string{"-data", dir}, c.args...)...)
		if code != c.exit || !strings.Contains(out+errOut, c.says) {
			t.Errorf("dutyhub %v: exit %d, out %q, err %q; want exit %d mentioning %q", c.args, code, out, errOut, c.exit, c.says)
		}
	}

	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, g, err := db.RedeemJoinCode(joinCode)
	if err != nil || g.User != "leader" || g.Room != room {
		t.Fatalf("the printed code: %+v, %v", g, err)
	}
	if _, _, err := db.RedeemJoinCode(joinCode); err == nil {
		t.Fatal("the code worked twice")
	}
}
