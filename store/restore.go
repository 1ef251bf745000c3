package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// CheckFile opens the file read-only and makes sure it is a DutyRoom
// database this program can use: a schema it knows and a clean bbolt
// consistency check. ECORRUPT, ETOONEW, ELOCKED when a DutyRoom has it
// open for writing.
func CheckFile(path string) error {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return openError(path, err)
	case info.IsDir():
		return app.Errorf(app.EINVALID, "%s is a folder, not a DutyRoom database", path)
	case info.Size() == 0:
		return app.Errorf(app.ECORRUPT, "%s is empty, not a DutyRoom database", path)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: DefaultTimeout, ReadOnly: true})
	if err != nil {
		return openError(path, err)
	}
	defer bdb.Close()
	var problems []error
	err = safeView(bdb, func(tx *bolt.Tx) error {
		// A file cut short (a copy that stopped half way) would make the
		// check read past its end; catch that first.
		if tx.Size() > info.Size() {
			return app.Errorf(app.ECORRUPT, "%s is cut short: %d of %d bytes", path, info.Size(), tx.Size())
		}
		if _, err := readSchema(tx, path); err != nil {
			return err
		}
		for err := range tx.Check() {
			problems = append(problems, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return app.Errorf(app.ECORRUPT, "%s is damaged: %v", path, errors.Join(problems...))
	}
	return nil
}

// Restore replaces DIR/dutyroom.db with a copy of backupFile, which is
// checked first. The replacement is atomic: the copy is written and synced
// beside the database, then renamed over it, so a crash leaves either the
// old file or the new one. The old file stays as
// dutyroom.db.before-restore-<time>. ELOCKED while a DutyRoom has the folder
// open; nothing changes on any error.
func Restore(dir string, backupFile string) error {
	if err := CheckFile(backupFile); err != nil {
		return err
	}
	path := filepath.Join(dir, FileName)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return app.Errorf(app.EINVALID, "cannot restore into %s: it is not a folder", dir)
	}

	unlock, err := lockFile(path)
	if err != nil {
		return err
	}
	defer unlock()

	tmp, err := copyToTemp(dir, backupFile)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // gone already after a successful rename
	// The copy is what goes live, so it is the copy that must be sound.
	if err := CheckFile(tmp); err != nil {
		return err
	}
	// Its station's operations made after the backup are on the hub, and
	// what it queues from now on takes seqs the hub has given them: the
	// mark lets the sync engine take them back and renumber (rejoin.go).
	if err := markRestored(tmp, time.Now()); err != nil {
		return err
	}

	if _, err := os.Stat(path); err == nil {
		if err := keepOld(path); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot put the restored database in place in %s: %v", dir, unwrapPath(err))
	}
	return syncDir(dir)
}

func copyToTemp(dir, src string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", openError(src, err)
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, FileName+".restore-*")
	if err != nil {
		return "", app.Errorf(app.EINTERNAL, "cannot write in the data folder %s: %v", dir, unwrapPath(err))
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", app.Errorf(app.EINTERNAL, "cannot copy %s into the data folder %s: %v", src, dir, unwrapPath(err))
	}
	return out.Name(), nil
}

// keepOld preserves the current database under a dated name. A hard link
// keeps dutyroom.db in place until the rename replaces it; where the file
// system has no links, a copy does the same.
func keepOld(path string) error {
	stamp := time.Now().UTC().Format("20060102-150405")
	name := path + ".before-restore-" + stamp
	for i := 2; fileExists(name); i++ {
		name = fmt.Sprintf("%s.before-restore-%s-%d", path, stamp, i)
	}
	if err := os.Link(path, name); err == nil {
		return nil
	}
	err := copyFile(path, name)
	if err != nil {
		os.Remove(name)
		return app.Errorf(app.EINTERNAL, "cannot keep the current database as %s: %v", name, unwrapPath(err))
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
