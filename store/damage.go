package store

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"sync"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// bbolt trusts the pages it reads: a damaged page makes it panic (a slice
// out of range, an unknown page type) or read outside its memory map, and
// a damaged record can make a decoder panic too. Every transaction of this
// package therefore runs under guard, which turns both into ECORRUPT
// naming the file and the way back (a backup). bbolt rolls a transaction
// back when a panic passes through Update or View, so nothing half-done
// is committed.
//
// Once the file has shown damage, the DB writes nothing more to it: a
// write on a damaged file can spread the damage (a broken freelist hands
// out pages still in use), and the file is the evidence whoever repairs
// it needs. Reads still go on, so what is intact can be looked at.

// BackupsFolder is where the automatic backups of a data folder go.
const BackupsFolder = "backups"

// BackupsDir is the folder of automatic backups of the data folder dir.
func BackupsDir(dataDir string) string { return filepath.Join(dataDir, BackupsFolder) }

// damagedError says that path is damaged, what was seen, and what to do.
func damagedError(path string, what any) error {
	return app.Errorf(app.ECORRUPT, "%s is damaged (%v); DutyRoom writes nothing more to it. "+
		"Restore a backup: the automatic backups are in %s; choose one in 设置 → 备份, "+
		"or close DutyRoom and run: dutyroom restore FILE",
		path, what, BackupsDir(filepath.Dir(path)))
}

// guard runs fn and turns a panic or a memory fault in it into ECORRUPT;
// broken says it did. It is for checks, where damage is what is looked
// for; the program's own reads and writes go through guardLogged.
func guard(path string, fn func() error) (broken bool, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			broken, err = true, damagedError(path, r)
		}
	}()
	return false, fn()
}

// guardLogged is guard that also logs the stack: a panic that is a bug
// rather than damage must still be findable.
func guardLogged(path string, fn func() error) (broken bool, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			slog.Error("reading the data file failed: it is damaged", "file", path, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			broken, err = true, damagedError(path, r)
		}
	}()
	return false, fn()
}

// damage remembers the first damage of its structure an open file has
// shown (a panic in bbolt or a decoder; a single record that does not
// decode is reported by the call that read it, and does not stop writes),
// and tells whoever asked: the window shows its notice.
type damage struct {
	mu       sync.Mutex
	err      error
	onDamage []func(error)
}

// note records err and calls the listeners the first time.
func (d *damage) note(err error) {
	d.mu.Lock()
	if d.err != nil {
		d.mu.Unlock()
		return
	}
	d.err = err
	listeners := d.onDamage
	d.mu.Unlock()
	for _, fn := range listeners {
		fn(err)
	}
}

func (d *damage) get() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Damaged returns the damage this file has shown since it was opened,
// nil while none has.
func (db *DB) Damaged() error { return db.damage.get() }

// OnDamage calls fn (once, from the goroutine that met it) when the file
// first shows damage; at once if it already has.
func (db *DB) OnDamage(fn func(err error)) {
	db.damage.mu.Lock()
	err := db.damage.err
	if err == nil {
		db.damage.onDamage = append(db.damage.onDamage, fn)
	}
	db.damage.mu.Unlock()
	if err != nil {
		fn(err)
	}
}

// boltView is bolt's View under guard.
func (db *DB) boltView(fn func(tx *bolt.Tx) error) error {
	broken, err := guardLogged(db.path, func() error { return db.bolt.View(fn) })
	if broken {
		db.damage.note(err)
	}
	return err
}

// boltUpdate is bolt's Update under guard, refused once the file has
// shown damage.
func (db *DB) boltUpdate(fn func(tx *bolt.Tx) error) error {
	if err := db.damage.get(); err != nil {
		return err
	}
	broken, err := guardLogged(db.path, func() error { return db.bolt.Update(fn) })
	if broken {
		db.damage.note(err)
	}
	return err
}
