package hub_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/hub"
)

func TestHubAutomaticBackupsRotateAndCheckClean(t *testing.T) {
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.ImportStations(testTree().list()); err != nil {
		t.Fatal(err)
	}
	var taken []string
	for i := 0; i < 15; i++ {
		path, err := db.AutoBackup(14)
		if err != nil {
			t.Fatal(err)
		}
		taken = append(taken, path)
	}
	list, err := hub.Backups(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 14 {
		t.Fatalf("%d backups kept, want 14", len(list))
	}
	if _, err := os.Stat(taken[0]); err == nil {
		t.Errorf("the oldest backup %s is still there", filepath.Base(taken[0]))
	}
	if list[0] != taken[14] {
		t.Errorf("newest listed is %s, want %s", filepath.Base(list[0]), filepath.Base(taken[14]))
	}
	for _, path := range list {
		if !strings.HasPrefix(filepath.Base(path), "dutyhub-") {
			t.Errorf("backup named %s", path)
		}
		problems, err := hub.CheckDatabase(path)
		if err != nil || len(problems) > 0 {
			t.Errorf("%s: %v %v", filepath.Base(path), err, problems)
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, hub.BackupsFolder, "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// A damaged hub database is reported by dutyhub check and refused by
// restore, without a crash, whichever page is hit.
func TestHubCheckReportsDamageWithoutCrashing(t *testing.T) {
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportStations(testTree().list()); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(backup); err != nil {
		t.Fatal(err)
	}
	db.Close()
	sound, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	for page := 0; page*pageSize < len(sound); page++ {
		data := append([]byte(nil), sound...)
		for i := page * pageSize; i < (page+1)*pageSize; i++ {
			data[i] = byte(i*7 + page)
		}
		bad := filepath.Join(t.TempDir(), "damaged.db")
		if err := os.WriteFile(bad, data, 0o600); err != nil {
			t.Fatal(err)
		}
		problems, err := hub.CheckDatabase(bad)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		restoreErr := hub.Restore(t.TempDir(), bad)
		if len(problems) == 0 && restoreErr == nil {
			// Only a page that nothing uses may pass (a free page).
			continue
		}
		if len(problems) == 0 || restoreErr == nil {
			t.Errorf("page %d: check found %v, restore said %v: they disagree", page, problems, restoreErr)
		}
		if code := app.ErrorCode(restoreErr); restoreErr != nil && code != app.ECORRUPT && code != app.ETOONEW {
			t.Errorf("page %d: restore refused with %s: %v", page, code, restoreErr)
		}
	}
}

// A serving hub backs up at start when it has no backup of the last day,
// and the backup checks clean.
func TestServingHubBacksUpAtStartWithoutARecentBackup(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		done <- hub.Run(ctx, hub.RunConfig{Dir: dir, Listen: "127.0.0.1:0", PlainLoopback: true,
			Server: hub.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
			Ready:  func(*hub.Server, string, string) { close(ready) }})
	}()
	<-ready
	deadline := time.Now().Add(30 * time.Second)
	var list []string
	for len(list) == 0 && time.Now().Before(deadline) {
		list, _ = hub.Backups(dir)
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("backups after start: %v, want one", list)
	}
	if problems, err := hub.CheckDatabase(list[0]); err != nil || len(problems) > 0 {
		t.Errorf("%v %v", err, problems)
	}
}
