package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/store"
)

// damagedFolder is a demo data folder with the page of its people
// overwritten, as the damage found in the field had it: stations still
// list, people do not.
func damagedFolder(t *testing.T) (dir string, file []byte) {
	dir, file, _ = damagedFolderWithBackup(t)
	return dir, file
}

// damagedFolderWithBackup is damagedFolder with an automatic backup
// taken before the damage.
func damagedFolderWithBackup(t *testing.T) (dir string, file []byte, backup store.BackupFile) {
	t.Helper()
	dir = t.TempDir()
	if code, _, stderr := run(t, dir, "init", "--demo"); code != 0 {
		t.Fatalf("init --demo: %s", stderr)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := store.NewDirectory(db)
	stations, err := d.Stations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := app.WithAuthor(context.Background(), "test")
	for i := 0; i < 60; i++ {
		p := app.Person{Station: stations[0].ID, Name: fmt.Sprintf("值班员%02d", i), Mobile: fmt.Sprintf("139%08d", i)}
		if err := d.CreatePerson(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	backup, err = db.AutoBackup(ctx, store.ReasonDaily, 0)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	path := filepath.Join(dir, store.FileName)
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var root int64
	bdb.View(func(tx *bolt.Tx) error {
		root = int64(tx.Bucket([]byte("v1")).Bucket([]byte("persons")).Root())
		return nil
	})
	bdb.Close()
	if root == 0 {
		t.Fatal("the people fit inline; add more")
	}
	file, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Three 64-byte regions of the page, as in the field.
	for _, off := range []int64{0, 1024, 4000} {
		copy(file[root*store.PageSize+off:], bytes.Repeat([]byte{0xa5}, 64))
	}
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, file, backup
}

func TestDamagedFileIsReportedByTheCommandLine(t *testing.T) {
	dir, file := damagedFolder(t)
	path := filepath.Join(dir, store.FileName)

	code, _, stderr := run(t, dir, "person", "list")
	if code != 1 {
		t.Errorf("person list on a damaged file: exit %d, want 1", code)
	}
	for _, want := range []string{path, "is damaged", store.BackupsDir(dir), "dutyroom restore"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("person list does not say %q: %s", want, stderr)
		}
	}

	code, stdout, stderr := run(t, dir, "check")
	if code != 1 || !strings.Contains(stderr, "is damaged") || stdout == "" {
		t.Errorf("check: exit %d, printed %q, %q", code, stdout, stderr)
	}

	target := filepath.Join(t.TempDir(), "backup.db")
	code, _, stderr = run(t, dir, "backup", target)
	if code != 1 || !strings.Contains(stderr, "damaged") {
		t.Errorf("backup of a damaged file: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("backup of a damaged file wrote the target")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, file) {
		t.Error("the damaged file was written to")
	}
}

func TestCheckOfASoundFileAndTheBackupsList(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init", "--demo"); code != 0 {
		t.Fatalf("init --demo: %s", stderr)
	}
	if code, stdout, stderr := run(t, dir, "check"); code != 0 || !strings.Contains(stdout, "is sound") {
		t.Errorf("check of a sound file: exit %d, %q %q", code, stdout, stderr)
	}
	target := filepath.Join(t.TempDir(), "backup.db")
	if code, stdout, stderr := run(t, dir, "backup", target); code != 0 || !strings.Contains(stdout, "checked") {
		t.Errorf("backup: exit %d, %q %q", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, dir, "backups"); code != 0 || !strings.Contains(stdout, "no automatic backups") {
		t.Errorf("backups before any: exit %d, %q", code, stdout)
	}
	// A restore puts the replaced file among the automatic backups.
	if code, _, stderr := run(t, dir, "restore", target); code != 0 {
		t.Fatalf("restore: %s", stderr)
	}
	if code, stdout, _ := run(t, dir, "backups"); code != 0 || !strings.Contains(stdout, "-restore.db") {
		t.Errorf("backups after a restore: exit %d, %q", code, stdout)
	}
}

// The way back the message names works: the automatic backup restores
// over the damaged file, the damaged one is kept beside it, and the
// people list again.
func TestRestoreFromTheAutomaticBackupAfterDamage(t *testing.T) {
	dir, file, backup := damagedFolderWithBackup(t)
	code, stdout, stderr := run(t, dir, "backups")
	if code != 0 || !strings.Contains(stdout, backup.Path) {
		t.Fatalf("backups: exit %d, %q %q", code, stdout, stderr)
	}
	if code, _, stderr := run(t, dir, "restore", backup.Path); code != 0 {
		t.Fatalf("restore: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := run(t, dir, "person", "list"); code != 0 || !strings.Contains(stdout, "值班员59") {
		t.Errorf("person list after the restore: exit %d, %s", code, stderr)
	}
	if code, stdout, _ := run(t, dir, "check"); code != 0 || !strings.Contains(stdout, "is sound") {
		t.Errorf("check after the restore: exit %d, %q", code, stdout)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, store.FileName+".before-restore-*"))
	if len(kept) != 1 {
		t.Fatalf("kept %v, want the damaged file", kept)
	}
	if old, _ := os.ReadFile(kept[0]); !bytes.Equal(old, file) {
		t.Error("the kept file is not the damaged one")
	}
}
