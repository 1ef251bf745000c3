package main

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// waitForBackup waits until the folder holds a backup taken for reason.
func waitForBackup(t *testing.T, dir, reason string) store.BackupFile {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		list, err := store.ListBackups(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range list {
			if b.Reason == reason {
				return b
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s backup appeared in %s", reason, store.BackupsDir(dir))
	return store.BackupFile{}
}

// A window that starts with no backup less than a day old takes one at
// once; a handover recorded in the window takes another.
func TestAutomaticBackupsAtStartAndAtHandover(t *testing.T) {
	dir := t.TempDir()
	db := storetest.OpenDir(t, dir)
	ctx := app.WithAuthor(context.Background(), "张值班")
	if _, err := seedIfEmpty(ctx, db); err != nil {
		t.Fatal(err)
	}
	backups := newAutoBackups(db, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); backups.run(runCtx) }()
	defer func() { cancel(); <-done }()

	first := waitForBackup(t, dir, store.ReasonDaily)
	if err := store.CheckFile(first.Path); err != nil {
		t.Errorf("the backup at start: %v", err)
	}

	me, err := store.NewIdentity(db).Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	persons, err := store.NewDirectory(db).Persons(ctx, app.PersonFilter{Station: &me.ID})
	if err != nil || len(persons) == 0 {
		t.Fatalf("no one at the demo station: %v", err)
	}
	rosters := backupAtHandover{Service: store.NewRosters(db), backups: backups}
	day := roster.DateOf(time.Now().In(me.Location()))
	h := roster.Handover{Station: me.ID, Day: day, Outgoing: persons[0].ID, OutAt: time.Now(), OpenMatters: []string{"平安无事"}}
	if err := rosters.HandOver(ctx, &h); err != nil {
		t.Fatal(err)
	}
	b := waitForBackup(t, dir, store.ReasonHandover)
	if err := store.CheckFile(b.Path); err != nil {
		t.Errorf("the backup at handover: %v", err)
	}
}

// The daily backup is taken when the wall clock passes the time set in
// backup.json, and only then.
func TestDailyBackupAtTheSetTime(t *testing.T) {
	dir := t.TempDir()
	db := storetest.OpenDir(t, dir)
	if err := store.SaveBackupSettings(dir, store.BackupSettings{DailyAt: "03:30", Keep: 5}); err != nil {
		t.Fatal(err)
	}
	// A backup an hour old, so none is taken at start.
	if _, err := db.AutoBackup(context.Background(), store.ReasonHandover, 5); err != nil {
		t.Fatal(err)
	}
	var clock atomic.Pointer[time.Time]
	start := time.Now().Add(time.Hour)
	at := time.Date(start.Year(), start.Month(), start.Day(), 3, 29, 0, 0, time.Local)
	clock.Store(&at)
	backups := newAutoBackups(db, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	backups.now = func() time.Time { return *clock.Load() }
	backups.poll = 5 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); backups.run(ctx) }()
	defer func() { cancel(); <-done }()

	time.Sleep(50 * time.Millisecond) // ten polls before 03:30
	if list, _ := store.ListBackups(dir); len(list) != 1 {
		t.Fatalf("backups before the daily time: %v", list)
	}
	later := at.Add(2 * time.Minute)
	clock.Store(&later)
	b := waitForBackup(t, dir, store.ReasonDaily)
	if err := store.CheckFile(b.Path); err != nil {
		t.Error(err)
	}
}
