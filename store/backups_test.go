package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

func TestAutomaticBackupsRotateKeepingTheNewest(t *testing.T) {
	tr := newTree(t)
	dataDir := filepath.Dir(tr.db.Path())
	var taken []store.BackupFile
	for i := 0; i < 15; i++ {
		// One change between backups, so each holds a different state.
		p := app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001"}
		mustCreatePerson(t, tr.dir, &p)
		b, err := tr.db.AutoBackup(ctx, store.ReasonDaily, 14)
		if err != nil {
			t.Fatal(err)
		}
		taken = append(taken, b)
	}
	list, err := store.ListBackups(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 14 {
		t.Fatalf("%d backups kept, want 14", len(list))
	}
	if _, err := os.Stat(taken[0].Path); err == nil {
		t.Errorf("the oldest backup %s is still there", taken[0].Name())
	}
	for i, b := range list {
		if want := taken[len(taken)-1-i].Path; b.Path != want {
			t.Errorf("backup %d is %s, want %s (newest first)", i, b.Name(), filepath.Base(want))
		}
		if err := store.CheckFile(b.Path); err != nil {
			t.Errorf("backup %s does not check clean: %v", b.Name(), err)
		}
		if b.Reason != store.ReasonDaily {
			t.Errorf("backup %s has reason %q", b.Name(), b.Reason)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(store.BackupsDir(dataDir), ".partial-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestBackupNamesUseTheStationsLocalTime(t *testing.T) {
	tr := newTree(t)
	before := time.Now()
	b, err := tr.db.AutoBackup(ctx, store.ReasonHandover, 0)
	if err != nil {
		t.Fatal(err)
	}
	stamp := before.Local().Format("20060102-1504")
	if !strings.HasPrefix(b.Name(), "dutyroom-"+stamp) && !strings.HasPrefix(b.Name(), "dutyroom-"+time.Now().Local().Format("20060102-1504")) {
		t.Errorf("backup named %s, want it to start with the local time dutyroom-%s", b.Name(), stamp)
	}
	if !strings.HasSuffix(b.Name(), "-handover.db") {
		t.Errorf("backup named %s, want the reason at the end", b.Name())
	}
	if b.Time.Location() != time.Local {
		t.Errorf("backup time in %v, want local", b.Time.Location())
	}
}

// A byte copy of a damaged file fails its check: the copy is removed,
// the backup reports the source as damaged, and an older backup at the
// same name survives.
func TestBackupOfADamagedFileIsRefusedAndKeepsTheOlderOne(t *testing.T) {
	dir := t.TempDir()
	tr := newTree(t)
	for i := 0; i < 100; i++ {
		mustCreatePerson(t, tr.dir, &app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001"})
	}
	good := writeBackup(t, tr.db)
	// A copy with the people damaged, which opening does not read.
	damaged := damage(t, good, personsRoot(t, good), 0xff)
	if err := os.Rename(damaged, filepath.Join(dir, store.FileName)); err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenFile(filepath.Join(dir, store.FileName), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	target := filepath.Join(t.TempDir(), "backup.db")
	older := []byte("an older backup that must survive")
	if err := os.WriteFile(target, older, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = db.WriteBackup(ctx, target)
	wantCode(t, err, app.ECORRUPT)
	if !strings.Contains(err.Error(), db.Path()) || !strings.Contains(err.Error(), "dutyroom restore") {
		t.Errorf("the error does not name the file and the way back: %v", err)
	}
	if got, _ := os.ReadFile(target); !bytes.Equal(got, older) {
		t.Error("the older file at the target was replaced")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(target), ".partial-*")); len(leftovers) > 0 {
		t.Errorf("the damaged copy was left: %v", leftovers)
	}
	if db.Damaged() == nil {
		t.Error("the DB does not remember that its file is damaged")
	}
}

func TestBackupBeforeMigrationKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustCreateStation(t, store.NewDirectory(db), &app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture})
	db.Close()
	setSchema(t, filepath.Join(dir, store.FileName), store.SchemaVersion-1)
	db = storetest.OpenDir(t, dir)
	list, err := store.ListBackups(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Reason != store.ReasonMigration {
		t.Fatalf("backups after an upgrade: %v, want one taken before the migration", list)
	}
	if err := store.CheckFile(list[0].Path); err != nil {
		t.Error(err)
	}
	if db.SchemaVersion() != store.SchemaVersion {
		t.Errorf("schema %d after open", db.SchemaVersion())
	}
}

func TestRestoreFirstBacksUpTheCurrentFile(t *testing.T) {
	tr := newTree(t)
	backup := writeBackup(t, tr.db)
	dir := filepath.Dir(tr.db.Path())
	tr.db.Close()
	if err := store.Restore(dir, backup); err != nil {
		t.Fatal(err)
	}
	list, err := store.ListBackups(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Reason != store.ReasonRestore {
		t.Fatalf("backups after a restore: %v, want the replaced file", list)
	}
}

func TestRestoreRefusesABackupOfAnotherStation(t *testing.T) {
	here, there := newTree(t), newTree(t)
	if err := store.NewIdentity(here.db).SetIdentity(ctx, here.county.ID); err != nil {
		t.Fatal(err)
	}
	if err := store.NewIdentity(there.db).SetIdentity(ctx, there.county.ID); err != nil {
		t.Fatal(err)
	}
	foreign := writeBackup(t, there.db)
	wantCode(t, here.db.ScheduleRestore(foreign), app.EINVALID)
	dir := filepath.Dir(here.db.Path())
	if store.PendingRestore(dir) != "" {
		t.Error("a refused restore was scheduled")
	}
	here.db.Close()
	before, _ := os.ReadFile(here.db.Path())
	wantCode(t, store.Restore(dir, foreign), app.EINVALID)
	if after, _ := os.ReadFile(here.db.Path()); !bytes.Equal(before, after) {
		t.Error("a refused restore changed the data file")
	}
}

func TestScheduledRestoreIsDoneAtTheNextStart(t *testing.T) {
	tr := newTree(t)
	backup := writeBackup(t, tr.db)
	county := app.Station{Code: "433199", Name: "新县", Tier: app.TierCounty, Parent: tr.prefecture.ID}
	mustCreateStation(t, tr.dir, &county)
	if err := tr.db.ScheduleRestore(backup); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(tr.db.Path())
	tr.db.Close()
	restored, err := store.RestorePending(dir)
	if err != nil || restored == "" {
		t.Fatalf("RestorePending = %q, %v", restored, err)
	}
	if store.PendingRestore(dir) != "" {
		t.Error("the schedule stays after the restore")
	}
	db := storetest.OpenDir(t, dir)
	_, err = store.NewDirectory(db).FindStationByID(ctx, county.ID)
	wantCode(t, err, app.ENOTFOUND)
}

func TestBackupSettingsDefaultsAndLimits(t *testing.T) {
	dir := t.TempDir()
	s, err := store.LoadBackupSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Keep != 14 || s.DailyAt != "03:30" {
		t.Errorf("defaults %+v, want 14 kept at 03:30", s)
	}
	wantCode(t, store.SaveBackupSettings(dir, store.BackupSettings{DailyAt: "25:00"}), app.EINVALID)
	wantCode(t, store.SaveBackupSettings(dir, store.BackupSettings{Keep: -1}), app.EINVALID)
	if err := store.SaveBackupSettings(dir, store.BackupSettings{DailyAt: "22:15", Keep: 30}); err != nil {
		t.Fatal(err)
	}
	s, _ = store.LoadBackupSettings(dir)
	if s.Keep != 30 || s.DailyAt != "22:15" {
		t.Errorf("saved settings read back as %+v", s)
	}
	at := time.Date(2026, 12, 7, 22, 15, 0, 0, time.Local)
	if got := s.NextDaily(at); !got.Equal(at.AddDate(0, 0, 1)) {
		t.Errorf("next daily after %v is %v, want the next day", at, got)
	}
	if got := s.NextDaily(at.Add(-time.Minute)); !got.Equal(at) {
		t.Errorf("next daily a minute before is %v, want %v", got, at)
	}
}

// personsRoot is the root page of the people bucket of a database file.
func personsRoot(t *testing.T, path string) int {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var root int
	bdb.View(func(tx *bolt.Tx) error {
		root = int(tx.Bucket([]byte("v1")).Bucket([]byte("persons")).Root())
		return nil
	})
	if root == 0 {
		t.Fatalf("the people bucket of %s is inline", path)
	}
	return root
}

// The damage found in the field: people on a damaged page. Listing them
// is an error naming the file and the way back, not a panic, and from
// then on the file takes no writes.
func TestDamagedPageIsAnErrorAndStopsWrites(t *testing.T) {
	tr := newTree(t)
	for i := 0; i < 100; i++ {
		mustCreatePerson(t, tr.dir, &app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001"})
	}
	good := writeBackup(t, tr.db)
	dir := t.TempDir()
	path := filepath.Join(dir, store.FileName)
	if err := os.Rename(damage(t, good, personsRoot(t, good), 0x5a), path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	db, err := store.Open(dir)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	var noticed error
	db.OnDamage(func(err error) { noticed = err })
	d := store.NewDirectory(db)
	_, err = d.Persons(ctx, app.PersonFilter{})
	wantCode(t, err, app.ECORRUPT)
	for _, want := range []string{path, store.BackupsDir(dir), "dutyroom restore"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if noticed == nil {
		t.Error("OnDamage was not called")
	}
	err = d.CreateStation(ctx, &app.Station{Code: "433199", Name: "新县", Tier: app.TierCounty, Parent: tr.prefecture.ID})
	wantCode(t, err, app.ECORRUPT)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the damaged file was written to")
	}
}
