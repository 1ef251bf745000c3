package hub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// The hub keeps rotating backups of its database the way a duty room
// does: daily at a set local time, into DIR/backups, a set number of
// generations, each written to a temporary name, checked, then renamed.

const (
	// BackupsFolder is where the automatic backups go, inside the hub's
	// data folder.
	BackupsFolder = "backups"
	// DefaultBackupKeep is how many automatic backups are kept.
	DefaultBackupKeep = 14
	// DefaultBackupTime is the local time of the daily backup.
	DefaultBackupTime = "03:30"

	backupPrefix = "dutyhub-"
	backupSuffix = ".db"
	backupStamp  = "20060102-150405"
)

// BackupSchedule says when the hub backs itself up.
type BackupSchedule struct {
	DailyAt string // "HH:MM" local; "" for DefaultBackupTime
	Keep    int    // generations; 0 for DefaultBackupKeep, below 0 for no automatic backups
}

func (s BackupSchedule) normalized() (BackupSchedule, error) {
	if s.DailyAt == "" {
		s.DailyAt = DefaultBackupTime
	}
	if _, err := time.Parse("15:04", s.DailyAt); err != nil {
		return s, app.Errorf(app.EINVALID, "the daily backup time %q is not HH:MM", s.DailyAt)
	}
	if s.Keep == 0 {
		s.Keep = DefaultBackupKeep
	}
	return s, nil
}

// next is the first daily backup time after t, in t's zone.
func (s BackupSchedule) next(t time.Time) time.Time {
	hm, _ := time.Parse("15:04", s.DailyAt)
	n := time.Date(t.Year(), t.Month(), t.Day(), hm.Hour(), hm.Minute(), 0, 0, t.Location())
	if !n.After(t) {
		n = time.Date(t.Year(), t.Month(), t.Day()+1, hm.Hour(), hm.Minute(), 0, 0, t.Location())
	}
	return n
}

// AutoBackup writes a checked backup into DIR/backups, named by the
// local time, and removes the oldest beyond keep.
func (db *DB) AutoBackup(keep int) (string, error) {
	if keep <= 0 {
		keep = DefaultBackupKeep
	}
	dir := filepath.Join(db.dir, BackupsFolder)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", app.Errorf(app.EINTERNAL, "cannot create the backups folder %s: %v", dir, err)
	}
	// What a backup killed half way left (Backup writes NAME.tmp).
	stale, _ := filepath.Glob(filepath.Join(dir, backupPrefix+"*"+backupSuffix+".tmp"))
	for _, name := range stale {
		os.Remove(name)
	}
	now := time.Now().Local()
	base := backupPrefix + now.Format(backupStamp) + "-daily"
	path := filepath.Join(dir, base+backupSuffix)
	for i := 2; fileExists(path); i++ {
		path = filepath.Join(dir, fmt.Sprintf("%s-%d%s", base, i, backupSuffix))
	}
	if err := db.Backup(path); err != nil {
		return "", err
	}
	pruneBackups(dir, keep)
	return path, nil
}

// Backups lists the automatic backups of a hub data folder, newest first.
func Backups(dataDir string) ([]string, error) {
	dir := filepath.Join(dataDir, BackupsFolder)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, app.Errorf(app.EINTERNAL, "cannot list the backups in %s: %v", dir, err)
	}
	type entry struct {
		path string
		mod  time.Time
	}
	var list []entry
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		list = append(list, entry{filepath.Join(dir, name), info.ModTime()})
	}
	// By write time: local time repeats an hour where summer time ends.
	sort.Slice(list, func(i, j int) bool {
		if !list[i].mod.Equal(list[j].mod) {
			return list[i].mod.After(list[j].mod)
		}
		return list[i].path > list[j].path
	})
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.path
	}
	return out, nil
}

func pruneBackups(dir string, keep int) {
	list, err := Backups(filepath.Dir(dir))
	if err != nil {
		return
	}
	for _, path := range list[min(keep, len(list)):] {
		os.Remove(path)
	}
}

// backupPoll is how often the schedule looks at the wall clock; a timer
// for a whole day would not count the hours the machine sleeps.
const backupPoll = time.Minute

// runBackups takes the daily backups until ctx ends. A failure is logged
// and counted; the next day tries again.
func (db *DB) runBackups(ctx context.Context, s BackupSchedule, log *slog.Logger, failed func()) {
	// A hub that was not running at the daily time (the machine is off at
	// night) backs up at start when its newest backup is a day old.
	due := true
	if list, err := Backups(db.dir); err == nil && len(list) > 0 {
		if info, err := os.Stat(list[0]); err == nil && time.Since(info.ModTime()) < 24*time.Hour {
			due = false
		}
	}
	next := s.next(time.Now())
	tick := time.NewTicker(backupPoll)
	defer tick.Stop()
	for {
		if !due {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			now := time.Now()
			if now.Before(next) {
				continue
			}
			next = s.next(now)
		}
		due = false
		start := time.Now()
		path, err := db.AutoBackup(s.Keep)
		if err != nil {
			log.Error("the automatic backup failed", "code", app.ErrorCode(err), "err", err)
			if failed != nil {
				failed()
			}
			continue
		}
		log.Info("automatic backup written and checked", "file", path, "took", time.Since(start).Round(time.Millisecond))
	}
}

// startBackups runs the daily backups until stop is called (a backup
// under way finishes first). A negative Keep runs none.
func (db *DB) startBackups(s BackupSchedule, log *slog.Logger) (stop func(), err error) {
	s, err = s.normalized()
	if err != nil {
		return nil, err
	}
	if s.Keep < 0 {
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.runBackups(ctx, s, log, nil)
	}()
	return func() { cancel(); <-done }, nil
}

// CheckDatabase checks a hub database that no hub holds: bbolt's check
// of its structure, everything it finds, one line each.
func CheckDatabase(path string) ([]string, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, app.Errorf(app.ENOTFOUND, "cannot read %s: %v", path, err)
	}
	var b *bolt.DB
	if err := guard(path, func() (err error) {
		b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
		if err != nil {
			err = openError(path, err)
		}
		return err
	}); err != nil {
		if app.ErrorCode(err) == app.ECORRUPT {
			return []string{app.ErrorMessage(err)}, nil
		}
		return nil, err
	}
	defer b.Close()
	var problems []string
	err := guardView(b, func(tx *bolt.Tx) error {
		if bucket(tx, bucketMeta) == nil {
			problems = append(problems, "the meta bucket is missing: not a dutyhub database, or damaged")
		}
		for err := range tx.Check() {
			if len(problems) < 100 {
				problems = append(problems, err.Error())
			}
		}
		return nil
	})
	if err != nil {
		problems = append(problems, app.ErrorMessage(err))
	}
	return problems, nil
}

// guard turns a panic or memory fault of bbolt reading a damaged file
// into ECORRUPT, so the hub reports the file instead of crashing.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = app.Errorf(app.ECORRUPT, "%s is damaged (%v); restore a backup from %s with dutyhub restore FILE",
				path, r, filepath.Join(filepath.Dir(path), BackupsFolder))
		}
	}()
	return fn()
}

func guardView(b *bolt.DB, fn func(tx *bolt.Tx) error) error {
	return guard(b.Path(), func() error { return b.View(fn) })
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
