package main

import (
	"context"
	"log/slog"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
	"dutyroom/ui"
)

// folderBackups shows the window the automatic backups of its data
// folder. db is nil when the file could not be opened at all; a restore
// is then done at once, since nothing holds the file.
type folderBackups struct {
	dir string
	db  *store.DB
}

var _ ui.Backups = folderBackups{}

func (b folderBackups) Folder() string { return store.BackupsDir(b.dir) }

func (b folderBackups) List() ([]ui.BackupEntry, error) {
	list, err := store.ListBackups(b.dir)
	if err != nil {
		return nil, err
	}
	out := make([]ui.BackupEntry, len(list))
	for i, f := range list {
		out[i] = ui.BackupEntry{Path: f.Path, Time: f.Time, Reason: f.Reason, Size: f.Size}
	}
	return out, nil
}

func (b folderBackups) Check(path string) error { return store.CheckFile(path) }

func (b folderBackups) Restore(path string) (bool, error) {
	if b.db == nil {
		return true, store.Restore(b.dir, path)
	}
	return false, b.db.ScheduleRestore(path)
}

func (b folderBackups) Schedule() (string, int, error) {
	s, err := store.LoadBackupSettings(b.dir)
	return s.DailyAt, s.Keep, err
}

func (b folderBackups) SetSchedule(dailyAt string, keep int) error {
	return store.SaveBackupSettings(b.dir, store.BackupSettings{DailyAt: dailyAt, Keep: keep})
}

// autoBackups takes the window's automatic backups: daily at the time
// set in DIR/backup.json, at every handover, and once at start when the
// newest backup is more than a day old (the machine was off at the
// daily time). Backups run one at a time in a read transaction, so the
// window keeps working during them.
type autoBackups struct {
	db   *store.DB
	dir  string
	log  *slog.Logger
	now  func() time.Time
	poll time.Duration // how often the clock is read; tests shorten it
	kick chan string
}

func newAutoBackups(db *store.DB, dir string, log *slog.Logger) *autoBackups {
	return &autoBackups{db: db, dir: dir, log: log, now: time.Now, poll: backupPoll, kick: make(chan string, 1)}
}

// backupPoll is how often the scheduler looks at the wall clock. A
// timer for the whole day would not count the hours the machine sleeps.
const backupPoll = time.Minute

// run takes backups until ctx ends; a backup under way then stops and
// leaves nothing behind.
func (a *autoBackups) run(ctx context.Context) {
	settings := a.settings()
	if list, err := store.ListBackups(a.dir); err == nil && (len(list) == 0 || a.now().Sub(list[0].Time) > 24*time.Hour) {
		a.take(ctx, store.ReasonDaily, settings.Keep)
	}
	next := settings.NextDaily(a.now())
	tick := time.NewTicker(a.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case reason := <-a.kick:
			a.take(ctx, reason, a.settings().Keep)
		case <-tick.C:
			settings = a.settings()
			if now := a.now(); !now.Before(next) {
				a.take(ctx, store.ReasonDaily, settings.Keep)
				next = settings.NextDaily(now)
			} else if n := settings.NextDaily(now); n.Before(next) {
				next = n // the time was set earlier meanwhile
			}
		}
	}
}

// request asks for a backup soon; a request while one waits is the same.
func (a *autoBackups) request(reason string) {
	select {
	case a.kick <- reason:
	default:
	}
}

func (a *autoBackups) settings() store.BackupSettings {
	s, err := store.LoadBackupSettings(a.dir)
	if err != nil {
		a.log.Error("the backup settings are unreadable; the defaults apply", "err", err)
		s, _ = store.BackupSettings{}.Normalized()
	}
	return s
}

func (a *autoBackups) take(ctx context.Context, reason string, keep int) {
	start := time.Now()
	b, err := a.db.AutoBackup(ctx, reason, keep)
	switch {
	case ctx.Err() != nil:
	case err != nil:
		// A damaged source is also reported through the store's damage
		// notice; other failures (a full disk) only here.
		a.log.Error("the automatic backup failed", "reason", reason, "code", app.ErrorCode(err), "err", err)
	default:
		a.log.Info("automatic backup written and checked", "file", b.Path, "bytes", b.Size, "took", time.Since(start).Round(time.Millisecond))
	}
}

// backupAtHandover is the roster service with a backup after every
// handover recorded here: the outgoing officer's shift is then safe.
type backupAtHandover struct {
	roster.Service
	backups *autoBackups
}

func (s backupAtHandover) HandOver(ctx context.Context, h *roster.Handover) error {
	err := s.Service.HandOver(ctx, h)
	if err == nil {
		s.backups.request(store.ReasonHandover)
	}
	return err
}
