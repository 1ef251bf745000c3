package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dutyroom/hub"
)

func TestCheckReportsADamagedHubDatabase(t *testing.T) {
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, stdout, stderr := runCLI(t, "", "-data", dir, "check"); code != 0 || !strings.Contains(stdout, "is sound") {
		t.Fatalf("check of a sound database: exit %d, %q %q", code, stdout, stderr)
	}
	path := filepath.Join(dir, hub.FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every page but the two meta pages.
	for i := 2 * 4096; i < len(data); i++ {
		data[i] = 0x5a
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "-data", dir, "check")
	if code != 1 || stdout == "" || !strings.Contains(stderr, "damaged") || !strings.Contains(stderr, "backups") {
		t.Errorf("check of a damaged database: exit %d, %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "", "-data", dir, "backup", filepath.Join(t.TempDir(), "b.db")); code != 1 {
		t.Errorf("backup of a damaged database: exit %d, %s", code, stderr)
	}
}
