//go:build windows

package store

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"

	"dutyroom/app"
)

// lockFile tries the lock bbolt takes on the database (one byte at offset
// -1) to tell the user plainly that a DutyRoom has the folder open. It lets
// go at once: Windows refuses to rename over a file someone holds open, so
// the final rename is itself the guard against a DutyRoom started meanwhile,
// and holding our own handle would make that rename fail too.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	} else if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	const m1 = 1<<32 - 1
	ol := windows.Overlapped{Offset: m1, OffsetHigh: m1}
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK | windows.LOCKFILE_FAIL_IMMEDIATELY)
	if err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, &ol); err != nil {
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, app.Errorf(app.ELOCKED, "%s is already open by another DutyRoom; close it before restoring", path)
		}
		return nil, app.Errorf(app.EINTERNAL, "cannot lock %s: %v", path, err)
	}
	_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
	return func() {}, nil
}

// syncDir does nothing: Windows cannot fsync a directory, and NTFS journals
// the rename.
func syncDir(dir string) error { return nil }
