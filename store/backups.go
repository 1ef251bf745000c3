package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"dutyroom/app"
)

// Automatic backups. A data folder keeps the last generations of its
// database in DIR/backups, taken at every handover, daily at a set time,
// before every migration and before every restore. Each is written to a
// temporary file in that folder, synced, checked (read-only open, schema,
// bbolt's consistency check) and only then renamed to its final name: a
// file under a backup name is always a whole, checked copy, whatever
// happens during the copy (a crash, a full disk, a damaged source).

// Backup reasons, the last part of a backup's name.
const (
	ReasonDaily     = "daily"
	ReasonHandover  = "handover"
	ReasonMigration = "migration"
	ReasonRestore   = "restore"
	ReasonManual    = "manual"
)

const (
	// DefaultBackupKeep is how many automatic backups a folder keeps: two
	// weeks of dailies, fewer when handovers add their own.
	DefaultBackupKeep = 14
	// DefaultBackupTime is the local time of the daily backup: the quiet
	// of the night shift, after the day's reports.
	DefaultBackupTime = "03:30"
	// maxBackupKeep bounds the setting; more generations than this would
	// only fill the disk.
	maxBackupKeep = 365

	backupSettingsFile = "backup.json"
	backupPrefix       = "dutyroom-"
	backupSuffix       = ".db"
	backupStamp        = "20060102-150405"
	partialPrefix      = ".partial-"
)

// BackupSettings are the data folder's backup settings, kept in
// DIR/backup.json. Zero values mean the defaults.
type BackupSettings struct {
	// DailyAt is the local time of the daily backup, "HH:MM".
	DailyAt string `json:"daily_at,omitempty"`
	// Keep is how many automatic backups are kept.
	Keep int `json:"keep,omitempty"`
}

// Normalized returns s with its defaults filled in, or EINVALID naming
// the field that is wrong.
func (s BackupSettings) Normalized() (BackupSettings, error) {
	if s.DailyAt == "" {
		s.DailyAt = DefaultBackupTime
	}
	if _, err := time.Parse("15:04", s.DailyAt); err != nil {
		return s, app.FieldErrorf("daily_at", "the daily backup time %q is not HH:MM", s.DailyAt)
	}
	if s.Keep == 0 {
		s.Keep = DefaultBackupKeep
	}
	if s.Keep < 1 || s.Keep > maxBackupKeep {
		return s, app.FieldErrorf("keep", "keep between 1 and %d backups, not %d", maxBackupKeep, s.Keep)
	}
	return s, nil
}

// NextDaily returns the first daily backup time after t, in t's zone.
func (s BackupSettings) NextDaily(t time.Time) time.Time {
	s, err := s.Normalized()
	if err != nil {
		s = BackupSettings{DailyAt: DefaultBackupTime, Keep: DefaultBackupKeep}
	}
	hm, _ := time.Parse("15:04", s.DailyAt)
	next := time.Date(t.Year(), t.Month(), t.Day(), hm.Hour(), hm.Minute(), 0, 0, t.Location())
	if !next.After(t) {
		next = time.Date(t.Year(), t.Month(), t.Day()+1, hm.Hour(), hm.Minute(), 0, 0, t.Location())
	}
	return next
}

// LoadBackupSettings reads DIR/backup.json; a missing file gives the
// defaults.
func LoadBackupSettings(dataDir string) (BackupSettings, error) {
	path := filepath.Join(dataDir, backupSettingsFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return BackupSettings{}.Normalized()
	} else if err != nil {
		return BackupSettings{}, app.Errorf(app.EINTERNAL, "cannot read the backup settings %s: %v", path, unwrapPath(err))
	}
	var s BackupSettings
	if err := json.Unmarshal(raw, &s); err != nil {
		return BackupSettings{}, app.Errorf(app.EINVALID, "the backup settings %s are not readable (%v); correct or delete the file", path, err)
	}
	return s.Normalized()
}

// SaveBackupSettings checks s and writes it to DIR/backup.json.
func SaveBackupSettings(dataDir string, s BackupSettings) error {
	s, err := s.Normalized()
	if err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(s, "", "  ")
	path := filepath.Join(dataDir, backupSettingsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o600); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write the backup settings %s: %v", path, unwrapPath(err))
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return app.Errorf(app.EINTERNAL, "cannot write the backup settings %s: %v", path, unwrapPath(err))
	}
	return nil
}

// BackupFile is one automatic backup.
type BackupFile struct {
	Path   string
	Time   time.Time // when it was taken, local time (from its name)
	Reason string    // daily, handover, migration, restore, manual
	Size   int64
}

// Name is the file's name in the backups folder.
func (b BackupFile) Name() string { return filepath.Base(b.Path) }

// backupName names a backup by the station's local time and why it was
// taken, so the folder reads like a log: dutyroom-20261207-033000-daily.db.
func backupName(t time.Time, reason string) string {
	return backupPrefix + t.Local().Format(backupStamp) + "-" + reason + backupSuffix
}

// parseBackupName reads the time and reason back; ok is false for a
// file that is not an automatic backup.
func parseBackupName(name string) (t time.Time, reason string, ok bool) {
	if !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
		return time.Time{}, "", false
	}
	rest := strings.TrimSuffix(strings.TrimPrefix(name, backupPrefix), backupSuffix)
	if len(rest) < len(backupStamp)+2 || rest[len(backupStamp)] != '-' {
		return time.Time{}, "", false
	}
	t, err := time.ParseInLocation(backupStamp, rest[:len(backupStamp)], time.Local)
	if err != nil {
		return time.Time{}, "", false
	}
	reason, n, _ := strings.Cut(rest[len(backupStamp)+1:], "-") // daily-2: a second backup in the same second
	if !isWord(reason) || strings.Trim(n, "0123456789") != "" {
		return time.Time{}, "", false
	}
	return t, reason, true
}

// isWord reports whether s is a reason as backupName writes it: lower-case
// letters only.
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// ListBackups returns the automatic backups of a data folder, newest
// first. A folder without backups gives none and no error.
func ListBackups(dataDir string) ([]BackupFile, error) {
	dir := BackupsDir(dataDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, app.Errorf(app.EINTERNAL, "cannot list the backups in %s: %v", dir, unwrapPath(err))
	}
	type entry struct {
		BackupFile
		mod time.Time
	}
	var list []entry
	for _, e := range entries {
		t, reason, ok := parseBackupName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		list = append(list, entry{BackupFile{Path: filepath.Join(dir, e.Name()), Time: t, Reason: reason, Size: info.Size()}, info.ModTime()})
	}
	// By when the file was written, not by its name: local time goes back
	// an hour where summer time ends.
	sort.Slice(list, func(i, j int) bool {
		if !list[i].mod.Equal(list[j].mod) {
			return list[i].mod.After(list[j].mod)
		}
		return list[i].Path > list[j].Path
	})
	out := make([]BackupFile, len(list))
	for i, e := range list {
		out[i] = e.BackupFile
	}
	return out, nil
}

// WriteBackup writes a checked copy of the database to path while the
// program keeps working. The copy goes to a temporary file beside path
// and replaces path only once it is synced and passes CheckFile, so path
// is never a partial or damaged copy and an older file there survives any
// failure. A copy that fails the check means the database itself is
// damaged: ECORRUPT naming it, and the file then takes no more writes.
func (db *DB) WriteBackup(ctx context.Context, path string) (int64, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, partialPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return 0, app.Errorf(app.EINTERNAL, "cannot write the backup in %s: %v", dir, unwrapPath(err))
	}
	tmp := f.Name()
	n, err := db.Backup(ctx, &syncEvery{f: f})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		if app.ErrorCode(err) == app.ECORRUPT || ctx.Err() != nil {
			return 0, err
		}
		return 0, app.Errorf(app.EINTERNAL, "cannot write the backup %s: %v", path, unwrapPath(err))
	}
	if err := CheckFile(tmp); err != nil {
		os.Remove(tmp)
		if app.ErrorCode(err) == app.ECORRUPT {
			// A byte copy of one committed state that fails the check:
			// the source is what is damaged.
			err = damagedError(db.path, fmt.Sprintf("a copy of it fails the consistency check: %s", app.ErrorMessage(err)))
			db.damage.note(err)
		}
		return 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, app.Errorf(app.EINTERNAL, "cannot put the backup in place as %s: %v", path, unwrapPath(err))
	}
	return n, syncDir(dir)
}

// AutoBackup writes a checked backup into the data folder's backups
// folder, named by the local time and reason, then removes the oldest
// beyond keep (0: DefaultBackupKeep). One runs at a time.
func (db *DB) AutoBackup(ctx context.Context, reason string, keep int) (BackupFile, error) {
	db.backupMu.Lock()
	defer db.backupMu.Unlock()
	if err := roomForBackup(db.path); err != nil {
		return BackupFile{}, err
	}
	return putBackup(filepath.Dir(db.path), reason, keep, func(path string) (int64, error) {
		return db.WriteBackup(ctx, path)
	})
}

// minRoomAfterBackup is the free space an automatic backup must leave on
// the disk: the data file must still be able to grow (bbolt grows it in
// steps of up to 1 GB) and the duty room to keep working, which matters
// more than one more generation of backups.
const minRoomAfterBackup = 256 << 20

// diskFree is freeSpace; tests make the disk look full.
var diskFree = freeSpace

// roomForBackup refuses an automatic backup that would leave the disk of
// the data file with less than its size again plus minRoomAfterBackup.
func roomForBackup(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return nil // the backup itself will say what is wrong
	}
	free, ok := diskFree(filepath.Dir(path))
	need := 2*info.Size() + minRoomAfterBackup
	if ok && free < need {
		return app.Errorf(app.EINTERNAL, "no automatic backup of %s: %d MB free on its disk, and a backup needs %d MB to leave the data file room to grow; free some space or move older backups out of %s",
			path, free>>20, need>>20, BackupsDir(filepath.Dir(path)))
	}
	return nil
}

// putBackup makes the backups folder, clears what an interrupted backup
// left, writes one backup through write and prunes the folder to keep.
func putBackup(dataDir, reason string, keep int, write func(path string) (int64, error)) (BackupFile, error) {
	if keep <= 0 {
		keep = DefaultBackupKeep
	}
	dir := BackupsDir(dataDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return BackupFile{}, app.Errorf(app.EINTERNAL, "cannot create the backups folder %s: %v", dir, unwrapPath(err))
	}
	removePartials(dir)
	now := time.Now()
	path := filepath.Join(dir, backupName(now, reason))
	for i := 2; fileExists(path); i++ {
		path = filepath.Join(dir, strings.TrimSuffix(backupName(now, reason), backupSuffix)+fmt.Sprintf("-%d", i)+backupSuffix)
	}
	n, err := write(path)
	if err != nil {
		return BackupFile{}, err
	}
	pruneBackups(dataDir, keep)
	t, _, _ := parseBackupName(filepath.Base(path))
	return BackupFile{Path: path, Time: t, Reason: reason, Size: n}, nil
}

// removePartials deletes the temporary files of backups that never
// finished (the program was killed, the machine lost power). Only the
// program holding the database writes here, and it writes one backup at
// a time, so any such file is stale.
func removePartials(dir string) {
	names, _ := filepath.Glob(filepath.Join(dir, partialPrefix+"*"))
	for _, name := range names {
		if err := os.Remove(name); err == nil {
			slog.Info("removed an unfinished backup", "file", name)
		}
	}
}

// pruneBackups removes the oldest automatic backups beyond keep.
func pruneBackups(dataDir string, keep int) {
	list, err := ListBackups(dataDir)
	if err != nil {
		slog.Error("old backups are not pruned", "err", err)
		return
	}
	for _, b := range list[min(keep, len(list)):] {
		if err := os.Remove(b.Path); err != nil {
			slog.Error("cannot remove an old backup", "file", b.Path, "err", err)
		}
	}
}

// backupBeforeMigration keeps the file as it was before an upgrade: a
// migration that goes wrong, or a newer program given up, leaves the
// old file to go back to.
func backupBeforeMigration(db *DB, from int) error {
	settings, err := LoadBackupSettings(filepath.Dir(db.path))
	if err != nil {
		settings = BackupSettings{Keep: DefaultBackupKeep}
	}
	b, err := db.AutoBackup(context.Background(), ReasonMigration, settings.Keep)
	switch {
	case app.ErrorCode(err) == app.ECORRUPT:
		// A damaged file is not upgraded: the upgrade would write on it.
		return app.Errorf(app.ECORRUPT, "the database was not upgraded from schema %d: %s", from, app.ErrorMessage(err))
	case err != nil:
		// No room or no permission for the backup must not keep the duty
		// room from opening: each migration step is its own transaction,
		// so the upgrade is safe without it.
		slog.Error("upgrading without a backup first", "file", db.path, "from", from, "err", err)
		return nil
	}
	slog.Info("backed up before the upgrade", "file", b.Path, "from", from, "to", SchemaVersion)
	return nil
}

// backupBeforeRestore keeps a sound current database in the backups
// folder before a restore replaces it. The database is closed (the
// caller holds it). A damaged one is not a backup; Restore keeps it
// beside as before-restore all the same.
func backupBeforeRestore(dataDir string) error {
	path := filepath.Join(dataDir, FileName)
	if !fileExists(path) {
		return nil
	}
	settings, err := LoadBackupSettings(dataDir)
	if err != nil {
		settings = BackupSettings{Keep: DefaultBackupKeep}
	}
	_, err = putBackup(dataDir, ReasonRestore, settings.Keep, func(dst string) (int64, error) {
		return copyChecked(path, dst)
	})
	return err
}

// copyChecked copies the closed database src to dst the way WriteBackup
// does: temporary file, sync, check, rename.
func copyChecked(src, dst string) (int64, error) {
	dir := filepath.Dir(dst)
	in, err := os.Open(src)
	if err != nil {
		return 0, openError(src, err)
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, partialPrefix+filepath.Base(dst)+"-*")
	if err != nil {
		return 0, app.Errorf(app.EINTERNAL, "cannot write the backup in %s: %v", dir, unwrapPath(err))
	}
	tmp := out.Name()
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = CheckFile(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return n, syncDir(dir)
}

// backupSyncStep is how much of a backup is written between fsyncs. One
// fsync of a whole 500 MB copy at the end holds up every fsync of the
// window's own writes behind it for as long as the disk takes; flushing
// as it goes keeps each wait short.
const backupSyncStep = 16 << 20

// syncEvery writes to f and syncs it every backupSyncStep bytes.
type syncEvery struct {
	f       *os.File
	pending int
}

func (s *syncEvery) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.pending += n
	if err == nil && s.pending >= backupSyncStep {
		s.pending = 0
		err = s.f.Sync()
	}
	return n, err
}
