package hub

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// Backup writes a consistent copy of the database to path while the hub
// runs. The copy carries no boot id, so a hub started on it, whether
// through Restore or copied in by hand, knows it is not the file it last
// ran with and starts a new epoch.
func (db *DB) Backup(path string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write the backup %s: %v", path, err)
	}
	err = guardView(db.bolt, func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = clearBoot(tmp)
	}
	if err != nil {
		os.Remove(tmp)
		if app.ErrorCode(err) == app.ECORRUPT {
			return err
		}
		return app.Errorf(app.EINTERNAL, "cannot write the backup %s: %v", path, err)
	}
	// The copy is checked before it takes the name: a copy of a damaged
	// file must not pass for a backup, nor replace an older good one.
	if err := checkBackup(tmp); err != nil {
		os.Remove(tmp)
		if app.ErrorCode(err) == app.ECORRUPT {
			return app.Errorf(app.ECORRUPT, "%s is damaged: a copy of it fails the consistency check (%s); no backup was written. Restore an earlier backup from %s with dutyhub restore FILE",
				db.path, app.ErrorMessage(err), filepath.Join(db.dir, BackupsFolder))
		}
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return app.Errorf(app.EINTERNAL, "cannot put the backup in place as %s: %v", path, err)
	}
	return nil
}

func clearBoot(path string) error {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	err = b.Update(func(tx *bolt.Tx) error {
		return bucket(tx, bucketMeta).Delete(keyBoot)
	})
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	return err
}

// Restore replaces DIR/dutyhub.db with a checked copy of backupFile; the
// file it replaces stays beside it as dutyhub.db.before-restore-<time>.
// The next start gives the log a new epoch: clients then re-send what the
// backup lacks and re-pull. ELOCKED while a hub runs on DIR.
func Restore(dir, backupFile string) error {
	if err := checkBackup(backupFile); err != nil {
		return err
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err == nil {
		// Take the lock the way a hub would, so a running hub is not
		// replaced under its feet.
		b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			return openError(path, err)
		}
		defer b.Close()
	}
	src, err := os.Open(backupFile)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := path + ".restore"
	dst, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write into %s: %v", dir, err)
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = clearBoot(tmp)
	}
	if err != nil {
		os.Remove(tmp)
		return app.Errorf(app.EINTERNAL, "cannot copy the backup into %s: %v", dir, err)
	}
	if _, err := os.Stat(path); err == nil {
		old := fmt.Sprintf("%s.before-restore-%s", path, time.Now().UTC().Format("20060102T150405Z"))
		if err := os.Rename(path, old); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	return os.Rename(tmp, path)
}

// checkBackup opens a would-be backup read-only and checks it is a hub
// database this program reads, and sound.
func checkBackup(path string) error {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return app.Errorf(app.ENOTFOUND, "cannot read the backup %s: %v", path, err)
	case info.IsDir():
		return app.Errorf(app.EINVALID, "%s is a folder, not a backup", path)
	}
	var b *bolt.DB
	if err := guard(path, func() (err error) {
		b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
		if err != nil {
			err = openError(path, err)
		}
		return err
	}); err != nil {
		return err
	}
	defer b.Close()
	return guardView(b, func(tx *bolt.Tx) error {
		meta := bucket(tx, bucketMeta)
		if meta == nil {
			return app.Errorf(app.ECORRUPT, "%s is not a dutyhub database", path)
		}
		v, ok := u64Value(meta.Get(keySchema))
		if !ok || v > SchemaVersion {
			return app.Errorf(app.ETOONEW, "%s has schema %d; this dutyhub knows up to %d", path, v, SchemaVersion)
		}
		for err := range tx.Check() {
			return app.Errorf(app.ECORRUPT, "%s is damaged: %v", path, err)
		}
		return nil
	})
}
