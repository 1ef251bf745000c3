package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fillChunks adds about size bytes of attachment contents (incompressible,
// in 256 KB parts, as message_chunks holds them): the bulk of a large
// data file. Like fillOutbox it builds a fixture without fsync.
func fillChunks(tb testing.TB, db *DB, size int64) {
	tb.Helper()
	db.bolt.NoSync = true
	defer func() {
		db.bolt.NoSync = false
		if err := db.bolt.Sync(); err != nil {
			tb.Fatal(err)
		}
	}()
	const chunk = 256 << 10
	var seed [32]byte
	rng := rand.NewChaCha8(seed)
	part := make([]byte, chunk)
	var written int64
	for file := 0; written < size; file++ {
		digest := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(file)))
		err := db.update(context.Background(), func(tx *txn) error {
			b, err := mustBucket(tx.Tx, bucketMessageBlobChunks)
			if err != nil {
				return err
			}
			// 32 parts a transaction: an 8 MB attachment.
			for i := uint32(0); i < 32 && written < size; i++ {
				_, _ = rng.Read(part)
				key := binary.BigEndian.AppendUint32(digest[:], i)
				if err := b.Put(key, part); err != nil {
					return err
				}
				written += chunk
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

func fileDigest(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

// backupHelperDir, when set, makes TestBackupHelperProcess the child
// that the kill test kills: it opens the folder and takes one backup.
const backupHelperDir = "DUTYROOM_TEST_BACKUP_DIR"

// TestBackupHelperProcess is the child process of
// TestKillDuringAutomaticBackup; run on its own it does nothing.
func TestBackupHelperProcess(t *testing.T) {
	dir := os.Getenv(backupHelperDir)
	if dir == "" {
		return
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AutoBackup(context.Background(), ReasonDaily, DefaultBackupKeep); err != nil {
		t.Fatal(err)
	}
}

// kill -9 in the middle of an automatic backup of a 128 MB file leaves
// the data file and the older backups as they were, and nothing under a
// backup's name; the next backup clears what the killed one left.
func TestKillDuringAutomaticBackupLeavesEverythingIntact(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fillChunks(t, db, 128<<20)
	var older []BackupFile
	for i := 0; i < 2; i++ {
		b, err := db.AutoBackup(context.Background(), ReasonHandover, DefaultBackupKeep)
		if err != nil {
			t.Fatal(err)
		}
		older = append(older, b)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	dataPath := filepath.Join(dir, FileName)
	want := map[string][32]byte{dataPath: fileDigest(t, dataPath)}
	for _, b := range older {
		want[b.Path] = fileDigest(t, b.Path)
	}

	child := exec.Command(os.Args[0], "-test.run=^TestBackupHelperProcess$", "-test.count=1")
	child.Env = append(os.Environ(), backupHelperDir+"="+dir)
	var out bytes.Buffer
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the copy to be under way: a temporary file with some of
	// the 128 MB in it.
	backups := BackupsDir(dir)
	deadline := time.Now().Add(2 * time.Minute)
	var partial string
	for partial == "" {
		names, _ := filepath.Glob(filepath.Join(backups, partialPrefix+"*"))
		for _, name := range names {
			if info, err := os.Stat(name); err == nil && info.Size() >= 4<<20 {
				partial = name
			}
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			child.Wait()
			t.Fatalf("the child's backup never got under way:\n%s", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = child.Wait()

	list, err := ListBackups(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(older) {
		t.Fatalf("after the kill the backups are %v, want only the %d older ones (the kill came after the rename?)", list, len(older))
	}
	for path, digest := range want {
		if fileDigest(t, path) != digest {
			t.Errorf("%s changed", filepath.Base(path))
		}
		if err := CheckFile(path); err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
	}
	entries, _ := os.ReadDir(backups)
	for _, e := range entries {
		if _, _, ok := parseBackupName(e.Name()); ok && want[filepath.Join(backups, e.Name())] == [32]byte{} {
			t.Errorf("a file under a backup's name appeared: %s", e.Name())
		}
	}

	// The next start's backup clears the leftover and succeeds.
	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AutoBackup(context.Background(), ReasonDaily, DefaultBackupKeep); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(backups, partialPrefix+"*"))
	if len(names) > 0 {
		t.Errorf("the killed backup's temporary file is still there: %v", names)
	}
	if list, _ := ListBackups(dir); len(list) != len(older)+1 || !strings.HasSuffix(list[0].Path, "-daily.db") {
		t.Errorf("backups after the next one: %v", list)
	}
}
