// Package store keeps a duty room's data in one bbolt file and implements the
// storage services of package app on it.
//
// Each service method runs in one transaction; the lowercase helpers take
// that transaction and compose, so a change, its indexes and its outbox
// operation commit together or not at all. The bucket layout is drawn in
// buckets.go, and migrations.go brings older files up to date at open.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"dutyroom/app"
)

// FileName is the database file inside a data folder.
const FileName = "dutyroom.db"

// DefaultTimeout is how long Open waits for another DutyRoom to let go of
// the file. Short, because the other program is not going to close it.
const DefaultTimeout = time.Second

// PageSize is the page size of a new file (an existing one keeps its own).
// Twice bbolt's default: an incident's operation, about 4 KB with its
// tasks and first timeline events, then fits a page with room for its
// neighbours instead of spilling over two, so an intake's commit writes
// one page fewer and one node buffer less; measured here, intake's median
// fell from 1.5x to 1.2x a bare fsynced write with 4 KB pages. Small
// records cost a little more to rewrite, which no screen notices.
const PageSize = 8192

// Options tune OpenFile.
type Options struct {
	// Timeout is how long to wait for the file lock; zero means DefaultTimeout.
	Timeout time.Duration
	// ReadOnly opens with a shared lock and runs no migrations.
	ReadOnly bool
}

// DB is an open dutyroom.db.
type DB struct {
	bolt   *bolt.DB
	path   string
	schema int
	filer  *intakeFiler // nil when read-only
	damage damage
	// backupMu lets one automatic backup run at a time, so two never
	// pick the same name or prune under each other.
	backupMu sync.Mutex

	// Now is the clock, read once when a writing transaction starts, so every
	// record and operation of one change carries the same instant.
	Now func() time.Time
}

// Open opens DIR/dutyroom.db, creating the folder and the file if needed,
// and runs the migrations. ELOCKED when another DutyRoom has it open,
// ECORRUPT when the file is not a DutyRoom database (the file is left as it
// is), ETOONEW when a newer DutyRoom wrote it.
func Open(dir string) (*DB, error) {
	if dir == "" {
		return nil, app.Errorf(app.EINVALID, "no data folder given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, app.Errorf(app.EINTERNAL, "cannot use %s as the data folder: %v", dir, unwrapPath(err))
	}
	return OpenFile(filepath.Join(dir, FileName), Options{Timeout: DefaultTimeout})
}

// OpenFile opens the database at path. The folder must exist.
func OpenFile(path string, opts Options) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, app.Errorf(app.EINTERNAL, "%s is a folder, not a DutyRoom database", path)
	}
	// bbolt reads the meta pages and the freelist at open: a damaged one
	// can panic there too.
	var bdb *bolt.DB
	_, err := guardLogged(path, func() (err error) {
		bdb, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly, PageSize: PageSize})
		if err != nil {
			err = openError(path, err)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	db := &DB{bolt: bdb, path: path, Now: time.Now}
	if opts.ReadOnly {
		err = safeView(bdb, func(tx *bolt.Tx) (err error) {
			db.schema, err = readSchema(tx, path)
			return err
		})
		if err == nil && db.schema < SchemaVersion {
			err = app.Errorf(app.EINTERNAL, "%s has schema %d and needs upgrading to %d; open it once for writing", path, db.schema, SchemaVersion)
		}
	} else {
		db.schema, err = migrate(bdb, path, func(from int) error { return backupBeforeMigration(db, from) })
		if err == nil {
			db.filer, err = startFiler(db)
		}
	}
	if err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return db, nil
}

// openError turns what bbolt and the OS say into a message that names the
// file or folder and says what to do.
func openError(path string, err error) error {
	dir := filepath.Dir(path)
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return app.Errorf(app.ELOCKED, "%s is already open by another DutyRoom", path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return app.Errorf(app.ECORRUPT, "%s is not a DutyRoom database or is damaged (%v); it was left as it is: move it away or restore a backup", path, err)
	case errors.Is(err, fs.ErrPermission):
		return app.Errorf(app.EINTERNAL, "cannot open %s for writing: permission denied; check that the data folder %s is writable", path, dir)
	case errors.Is(err, fs.ErrNotExist):
		if _, statErr := os.Stat(dir); statErr != nil {
			return app.Errorf(app.EINTERNAL, "cannot open %s: the data folder %s does not exist", path, dir)
		}
		return app.Errorf(app.ENOTFOUND, "%s does not exist", path)
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return app.Errorf(app.EINTERNAL, "cannot open %s in the data folder %s: %v", path, dir, pathErr.Err)
	}
	// What remains comes from reading the file's structure (too short, meta
	// pages that do not add up): the file is not a usable database.
	return app.Errorf(app.ECORRUPT, "%s is not a DutyRoom database or is damaged (%v); it was left as it is: move it away or restore a backup", path, err)
}

func unwrapPath(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

// safeView reads a file that may be damaged. bbolt trusts page contents, so
// a damaged page can panic or fault deep inside it; at open and in checks we
// would rather report the file than crash the program.
func safeView(db *bolt.DB, fn func(tx *bolt.Tx) error) error {
	_, err := guard(db.Path(), func() error { return db.View(fn) })
	return err
}

// Close files what intakes are still being filed, then closes the file
// and releases its lock.
func (db *DB) Close() error {
	var err error
	if db.filer != nil {
		err = db.filer.stop()
	}
	if app.ErrorCode(err) == app.ECORRUPT && db.damage.get() != nil {
		// The filer could not file on a damaged file: already reported,
		// and closing it is still right.
		err = nil
	}
	return errors.Join(err, db.bolt.Close())
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// SchemaVersion is the schema the file has after the migrations at open.
func (db *DB) SchemaVersion() int { return db.schema }

// Check runs bbolt's consistency check over the whole file and returns
// everything it finds, joined; nil when the file is sound.
func (db *DB) Check() error {
	var errs []error
	err := db.boltView(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return app.Errorf(app.ECORRUPT, "%s is damaged: %v", db.path, errors.Join(errs...))
	}
	return nil
}

// Backup writes a consistent copy of the database to w while the program
// keeps working: a read transaction sees one committed state throughout.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.view(ctx, func(tx *txn) (err error) {
		n, err = tx.WriteTo(ctxWriter{ctx: ctx, w: w})
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		return n, fmt.Errorf("backup of %s: %w", db.path, err)
	}
	return n, nil
}

// ctxWriter stops a long copy when the caller gives up.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// txn is a bbolt transaction with the instant it started and the context
// of the call, which names the author of the change.
type txn struct {
	*bolt.Tx
	ctx context.Context
	now time.Time
}

func (db *DB) view(ctx context.Context, fn func(tx *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.filer.await()
	return db.viewLogged(ctx, fn)
}

// viewLogged reads without waiting for logged intakes to be filed: for
// reads that touch no incident bucket, such as building another intake,
// which must not queue behind the filing of those before it.
func (db *DB) viewLogged(ctx context.Context, fn func(tx *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.boltView(func(tx *bolt.Tx) error {
		return fn(&txn{Tx: tx, ctx: ctx})
	})
}

// update runs fn in one writing transaction: everything fn writes commits
// together, fsynced, or nothing does.
func (db *DB) update(ctx context.Context, fn func(tx *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.filer.await()
	return db.boltUpdate(func(tx *bolt.Tx) error {
		return fn(&txn{Tx: tx, ctx: ctx, now: db.Now().UTC()})
	})
}
