//go:build unix

package sfu

import (
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
)

// freeDisk is the space free to the hub on the file system that holds
// dir, or would hold it: the recordings folder is made at the first file.
func freeDisk(dir string) (int64, error) {
	for {
		var st syscall.Statfs_t
		err := syscall.Statfs(dir, &st)
		if err == nil {
			return int64(st.Bavail) * int64(st.Bsize), nil
		}
		parent := filepath.Dir(dir)
		if !errors.Is(err, fs.ErrNotExist) || parent == dir {
			return 0, err
		}
		dir = parent
	}
}
