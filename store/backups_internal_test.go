package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Backup names come from the disk, where anyone may put a file: reading
// one back never panics, and a name this program writes reads back as
// its time and reason.
func FuzzParseBackupName(f *testing.F) {
	f.Add(backupName(time.Date(2026, 12, 7, 3, 30, 0, 0, time.Local), ReasonDaily))
	f.Add("dutyroom-20261207-033000-daily-2.db")
	f.Add("dutyroom-.db")
	f.Add("dutyroom-20261307-999999-x.db")
	f.Fuzz(func(t *testing.T, name string) {
		tm, reason, ok := parseBackupName(name)
		if !ok {
			return
		}
		tm2, reason2, ok := parseBackupName(backupName(tm, reason))
		if !ok || !tm2.Equal(tm) || reason2 != reason {
			t.Fatalf("%q read as %v %q, which does not read back (%v %q %v)", name, tm, reason, tm2, reason2, ok)
		}
	})
}

// backup.json is edited by hand: whatever it holds, loading it gives
// settings that pass Normalized or an error, never a panic.
func FuzzLoadBackupSettings(f *testing.F) {
	f.Add([]byte(`{"daily_at":"03:30","keep":14}`))
	f.Add([]byte(`{"daily_at":"25:00"}`))
	f.Add([]byte(`{"keep":-3}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, backupSettingsFile), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := LoadBackupSettings(dir)
		if err != nil {
			return
		}
		if _, err := s.Normalized(); err != nil {
			t.Fatalf("loaded settings %+v do not pass Normalized: %v", s, err)
		}
		next := s.NextDaily(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
		if !next.After(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)) {
			t.Fatalf("next daily backup %v is not after now", next)
		}
	})
}

func TestBackupNameReadsBack(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 30, 5, 0, time.Local)
	tm, reason, ok := parseBackupName(backupName(at, ReasonHandover))
	if !ok || !tm.Equal(at) || reason != ReasonHandover {
		t.Errorf("read back %v %q %v", tm, reason, ok)
	}
	if _, _, ok := parseBackupName("dutyroom.db"); ok {
		t.Error("the data file itself reads as a backup")
	}
}

// On a nearly full disk the automatic backup stands aside: the data file
// keeps its room to grow, and the backups there stay as they are.
func TestAutomaticBackupLeavesRoomOnANearlyFullDisk(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	older, err := db.AutoBackup(t.Context(), ReasonDaily, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer func(f func(string) (int64, bool)) { diskFree = f }(diskFree)
	diskFree = func(string) (int64, bool) { return 100 << 20, true }
	_, err = db.AutoBackup(t.Context(), ReasonDaily, 3)
	if err == nil || !strings.Contains(err.Error(), "MB free") {
		t.Fatalf("backup on a nearly full disk: %v", err)
	}
	list, _ := ListBackups(dir)
	if len(list) != 1 || list[0].Path != older.Path {
		t.Errorf("backups after the refusal: %v", list)
	}
}
