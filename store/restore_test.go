package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// writeBackup backs db up into a file beside the test's other files.
func writeBackup(t *testing.T, db *store.DB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.Backup(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Size() != n {
		t.Errorf("Backup reported %d bytes, wrote %d", n, info.Size())
	}
	return path
}

func TestBackupCheckRestoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := store.NewDirectory(db)
	pref := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	mustCreateStation(t, d, &pref)
	backup := writeBackup(t, db)
	if err := store.CheckFile(backup); err != nil {
		t.Fatalf("CheckFile of a fresh backup: %v", err)
	}

	// A change after the backup, which the restore must undo.
	county := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: pref.ID}
	mustCreateStation(t, d, &county)

	// Restore refuses while the database is open.
	wantCode(t, store.Restore(dir, backup), app.ELOCKED)
	db.Close()
	current, _ := os.ReadFile(db.Path())

	if err := store.Restore(dir, backup); err != nil {
		t.Fatal(err)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, store.FileName+".before-restore-*"))
	if len(kept) != 1 {
		t.Fatalf("kept files %v, want one", kept)
	}
	if old, _ := os.ReadFile(kept[0]); !bytes.Equal(old, current) {
		t.Error("the kept file is not the database as it was before the restore")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.restore-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	db, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer storetest.CloseAndCheck(t, db)
	d = store.NewDirectory(db)
	if _, err := d.FindStationByID(ctx, pref.ID); err != nil {
		t.Errorf("restored database lacks the station from before the backup: %v", err)
	}
	_, err = d.FindStationByID(ctx, county.ID)
	wantCode(t, err, app.ENOTFOUND)
	if n := outboxLen(t, db); n != 1 {
		t.Errorf("restored outbox holds %d operations, want 1", n)
	}
}

func TestRestoreIntoEmptyFolder(t *testing.T) {
	backup := writeBackup(t, newTree(t).db)
	dir := t.TempDir()
	if err := store.Restore(dir, backup); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer storetest.CloseAndCheck(t, db)
	list, _ := store.NewDirectory(db).Stations(ctx)
	if len(list) != 4 {
		t.Errorf("%d stations restored, want 4", len(list))
	}
}

// damage overwrites the bytes of one page of a copy of the backup.
func damage(t *testing.T, backup string, page int, with byte) string {
	t.Helper()
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = store.PageSize
	if len(data) < (page+1)*pageSize {
		t.Fatalf("backup has %d bytes, no page %d", len(data), page)
	}
	for i := page * pageSize; i < (page+1)*pageSize; i++ {
		data[i] = with
	}
	path := filepath.Join(t.TempDir(), "damaged.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pageOfType finds the first page of a kind ("leaf", "branch", "freelist")
// in a database file, so the test damages a page that is in use.
func pageOfType(t *testing.T, path, kind string) int {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	found := -1
	bdb.View(func(tx *bolt.Tx) error {
		for i := 2; found < 0 && int64(i)*store.PageSize < tx.Size(); i++ {
			if p, err := tx.Page(i); err == nil && p != nil && p.Type == kind {
				found = i
			}
		}
		return nil
	})
	if found < 0 {
		t.Fatalf("no %s page in %s", kind, path)
	}
	return found
}

func TestRestoreOfDamagedFileLeavesDatabaseUntouched(t *testing.T) {
	tr := newTree(t)
	backup := writeBackup(t, tr.db)
	dir := filepath.Dir(tr.db.Path())
	tr.db.Close()
	before, _ := os.ReadFile(tr.db.Path())

	info, _ := os.Stat(backup)
	full, _ := os.ReadFile(backup)
	truncated := filepath.Join(t.TempDir(), "truncated.db")
	os.WriteFile(truncated, full[:info.Size()/2], 0o600)
	text := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(text, []byte("not a backup"), 0o600)
	empty := filepath.Join(t.TempDir(), "empty.db")
	os.WriteFile(empty, nil, 0o600)

	for name, bad := range map[string]string{
		"both meta pages": damage(t, damage(t, backup, 0, 0), 1, 0),
		"a leaf page":     damage(t, backup, pageOfType(t, backup, "leaf"), 0xff),
		"the freelist":    damage(t, backup, pageOfType(t, backup, "freelist"), 0x7f),
		"truncated":       truncated,
		"text file":       text,
		"empty file":      empty,
		"missing file":    filepath.Join(t.TempDir(), "nothing.db"),
		"folder":          t.TempDir(),
	} {
		t.Run(name, func(t *testing.T) {
			err := store.Restore(dir, bad)
			if err == nil {
				t.Fatal("restore accepted it")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), bad) {
				t.Errorf("message %q does not name %s", err, bad)
			}
			after, _ := os.ReadFile(tr.db.Path())
			if !bytes.Equal(before, after) {
				t.Fatal("the current database changed")
			}
			if others, _ := filepath.Glob(filepath.Join(dir, "*restore*")); len(others) != 0 {
				t.Errorf("restore left %v", others)
			}
		})
	}
}

func TestCheckFileRefusesNewerSchema(t *testing.T) {
	db := storetest.Open(t)
	backup := writeBackup(t, db)
	setSchema(t, backup, store.SchemaVersion+1)
	err := store.CheckFile(backup)
	wantCode(t, err, app.ETOONEW)
	wantCode(t, store.Restore(filepath.Dir(db.Path()), backup), app.ETOONEW)
}

func TestBackupWhileWriting(t *testing.T) {
	tr := newTree(t)
	done := make(chan error)
	go func() {
		for i := 0; i < 50; i++ {
			p := app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001"}
			if err := tr.dir.CreatePerson(ctx, &p); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var backups []string
	for i := 0; i < 5; i++ {
		backups = append(backups, writeBackup(t, tr.db))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, b := range backups {
		if err := store.CheckFile(b); err != nil {
			t.Errorf("backup taken during writes: %v", err)
		}
	}
}

func TestBackupStopsWhenCancelled(t *testing.T) {
	tr := newTree(t)
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := tr.db.Backup(c, &bytes.Buffer{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Backup with a cancelled context: %v", err)
	}
}
