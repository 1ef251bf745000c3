// Package storetest opens real DutyRoom databases for tests of any package.
package storetest

import (
	"path/filepath"
	"testing"

	"dutyroom/store"
)

// Open opens a fresh database in a temporary folder. When the test ends it
// closes the database and runs the full bbolt consistency check on the file,
// failing the test on any problem, so every test that writes also proves it
// left the file sound. The test may close the database itself, or replace
// the file through store.Restore; the check runs on whatever is there.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	return OpenDir(tb, tb.TempDir())
}

// CloseAndCheck closes db (again, if the test already did) and checks its file.
func CloseAndCheck(tb testing.TB, db *store.DB) {
	tb.Helper()
	if err := db.Close(); err != nil {
		tb.Errorf("close %s: %v", filepath.Base(db.Path()), err)
	}
	if err := store.CheckFile(db.Path()); err != nil {
		tb.Errorf("consistency check after the test: %v", err)
	}
}

// OpenDir opens the database of an existing data folder, with the same
// check when the test ends.
func OpenDir(tb testing.TB, dir string) *store.DB {
	tb.Helper()
	db, err := store.Open(dir)
	if err != nil {
		tb.Fatalf("open %s: %v", dir, err)
	}
	tb.Cleanup(func() { CloseAndCheck(tb, db) })
	return db
}
