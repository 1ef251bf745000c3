package store_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

func TestOpenCreatesFileInEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer storetest.CloseAndCheck(t, db)
	if want := filepath.Join(dir, store.FileName); db.Path() != want {
		t.Errorf("Path = %q, want %q", db.Path(), want)
	}
	if _, err := os.Stat(db.Path()); err != nil {
		t.Errorf("database file not created: %v", err)
	}
	if db.SchemaVersion() != store.SchemaVersion {
		t.Errorf("SchemaVersion = %d, want %d", db.SchemaVersion(), store.SchemaVersion)
	}
}

func TestOpenCreatesMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	storetest.CloseAndCheck(t, db)
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		t.Error(err)
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	mustCreateStation(t, store.NewDirectory(db), &s)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer storetest.CloseAndCheck(t, db)
	got, err := store.NewDirectory(db).FindStationByCode(ctx, "433100")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != s.ID || got.Name != "湘西州" {
		t.Errorf("after reopen got %+v, want %+v", got, s)
	}
	if db.SchemaVersion() != store.SchemaVersion {
		t.Errorf("SchemaVersion = %d after reopen", db.SchemaVersion())
	}
}

// A file that is not a bbolt database must be reported and left byte for
// byte as it was: it may be the only copy of something.
func TestOpenNotABoltFileIsCorruptAndUntouched(t *testing.T) {
	random := make([]byte, 64<<10)
	rand.Read(random)
	for name, content := range map[string][]byte{
		"text":   []byte("值班记录\nthis is a note, not a database\n"),
		"random": random,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, store.FileName)
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := store.Open(dir)
			wantCode(t, err, app.ECORRUPT)
			if !strings.Contains(err.Error(), path) {
				t.Errorf("message %q does not name %s", err, path)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, content) {
				t.Error("the file was changed")
			}
			wantCode(t, store.CheckFile(path), app.ECORRUPT)
		})
	}
}

func TestOpenOtherProgramsBoltFileIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, store.FileName)
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("accounts"))
		return err
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(dir)
	wantCode(t, err, app.ECORRUPT)
	if !strings.Contains(err.Error(), "not a DutyRoom database") {
		t.Errorf("message %q does not say what is wrong", err)
	}
}

// setSchema writes a schema version behind the program's back, as a newer
// release would.
func setSchema(t *testing.T, path string, v uint64) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bolt.Tx) error {
		key := make([]byte, 8)
		for i := 7; i >= 0; i-- {
			key[i] = byte(v)
			v >>= 8
		}
		return tx.Bucket([]byte("v1")).Bucket([]byte("meta")).Put([]byte("schema"), key)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	db.Close()
	setSchema(t, path, store.SchemaVersion+1)
	before, _ := os.ReadFile(path)

	_, err = store.Open(dir)
	wantCode(t, err, app.ETOONEW)
	msg := err.Error()
	for _, want := range []string{path, "newer DutyRoom", fmt.Sprintf("schema %d", store.SchemaVersion+1), fmt.Sprintf("knows up to %d", store.SchemaVersion), "restore a backup"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the newer file was changed")
	}
	wantCode(t, store.CheckFile(path), app.ETOONEW)
}

func TestOpenNewerLayoutIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, store.FileName)
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("v2"))
		return err
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(dir)
	wantCode(t, err, app.ETOONEW)
}

// bbolt locks with flock, which Linux ties to the open file description:
// two opens in one process conflict just as two processes do.
func TestSecondOpenOfFolderIsLocked(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer storetest.CloseAndCheck(t, db)

	start := time.Now()
	second, err := store.Open(dir)
	if err == nil {
		second.Close()
		t.Fatal("second Open of the same folder succeeded")
	}
	wantCode(t, err, app.ELOCKED)
	want := filepath.Join(dir, store.FileName) + " is already open by another DutyRoom"
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
	if waited := time.Since(start); waited > 10*store.DefaultTimeout {
		t.Errorf("second Open waited %v; it must give up after its timeout", waited)
	}

	// Once the first lets go, the folder opens again.
	db.Close()
	third, err := store.Open(dir)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	third.Close()
}

func TestReadOnlyOpenWhileWriterHoldsItIsLocked(t *testing.T) {
	db := storetest.Open(t)
	_, err := store.OpenFile(db.Path(), store.Options{Timeout: 100 * time.Millisecond, ReadOnly: true})
	wantCode(t, err, app.ELOCKED)
}

// A folder the program cannot write must be named in the error. chmod does
// not stop root, so as root the test uses a folder path that runs through a
// regular file, which no user can create.
func TestOpenUnwritableFolderNamesIt(t *testing.T) {
	var dir string
	if os.Geteuid() == 0 {
		file := filepath.Join(t.TempDir(), "notes.txt")
		if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(file, "data")
	} else {
		dir = filepath.Join(t.TempDir(), "readonly")
		if err := os.Mkdir(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
	}
	_, err := store.Open(dir)
	if err == nil {
		t.Fatal("Open of an unwritable folder succeeded")
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("message %q does not name the folder %s", err, dir)
	}
	if app.ErrorMessage(err) == "Internal error." {
		t.Errorf("the message is not shown to people: %v", err)
	}
}

func TestOpenFileReadOnlyReads(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	mustCreateStation(t, store.NewDirectory(db), &s)
	db.Close()

	ro, err := store.OpenFile(db.Path(), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer storetest.CloseAndCheck(t, ro)
	d := store.NewDirectory(ro)
	if _, err := d.FindStationByID(ctx, s.ID); err != nil {
		t.Errorf("read from a read-only open: %v", err)
	}
	bad := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: s.ID}
	if err := d.CreateStation(ctx, &bad); err == nil {
		t.Error("a read-only open accepted a write")
	}
}

func TestOpenFileReadOnlyMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	_, err := store.OpenFile(path, store.Options{ReadOnly: true})
	wantCode(t, err, app.ENOTFOUND)
	if _, statErr := os.Stat(path); statErr == nil {
		t.Error("a read-only open created the file")
	}
}

func TestClockIsReadOncePerChange(t *testing.T) {
	db := storetest.Open(t)
	at := time.Date(2026, 2, 15, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))
	calls := 0
	db.Now = func() time.Time { calls++; return at.Add(time.Duration(calls) * time.Second) }
	d := store.NewDirectory(db)
	s := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	mustCreateStation(t, d, &s)
	if calls != 1 {
		t.Errorf("clock read %d times for one change", calls)
	}
	want := at.Add(time.Second)
	if !s.CreatedAt.Equal(want) || !s.UpdatedAt.Equal(want) {
		t.Errorf("times %v / %v, want %v", s.CreatedAt, s.UpdatedAt, want)
	}
	if s.CreatedAt.Location() != time.UTC {
		t.Errorf("stored time in %v, want UTC", s.CreatedAt.Location())
	}
	ops := allOps(t, db)
	if len(ops) != 1 || !ops[0].At.Equal(want) {
		t.Errorf("operation time %v, want %v", ops, want)
	}
}

func TestDBCheckOnSoundFile(t *testing.T) {
	tr := newTree(t)
	if err := tr.db.Check(); err != nil {
		t.Errorf("Check on a sound database: %v", err)
	}
}
