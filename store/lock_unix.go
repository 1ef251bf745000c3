//go:build unix

package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"dutyroom/app"
)

// lockFile takes the same lock bbolt takes on the database, so a restore
// and a running DutyRoom exclude each other. A missing file needs no lock.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	} else if err != nil {
		return nil, openError(path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, app.Errorf(app.ELOCKED, "%s is already open by another DutyRoom; close it before restoring", path)
		}
		return nil, app.Errorf(app.EINTERNAL, "cannot lock %s: %v", path, err)
	}
	return func() { f.Close() }, nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return app.Errorf(app.EINTERNAL, "cannot sync the data folder %s: %v", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot sync the data folder %s: %v", filepath.Clean(dir), err)
	}
	return nil
}
