// Package hub is dutyhub: the server a prefecture runs so that its duty
// rooms sync. It keeps accounts, sessions, the station tree and one ordered
// log of operations in a single bbolt file, decides from the tree who
// receives what (Router), and serves clients over websockets (Server).
//
// The bucket tree of dutyhub.db (every key and value format is part of the
// schema; changing one needs a migration):
//
//	hub1                                     schema major
//	├── meta
//	│   ├── schema   → uint64                the last migration applied
//	│   ├── epoch    → text                  the log's identity; new after a restore
//	│   ├── boot     → 16 bytes              matches DIR/hub.boot while the file is the one last run
//	│   └── mac_key  → 32 bytes              signs checkpoints (cursor.go); travels with the file
//	├── accounts
//	│   └── <user name> → JSON               account: station, argon2id hash, disabled
//	├── sessions
//	│   └── <sha256(token)> → JSON           session: user, station, expiry
//	├── stations
//	│   └── <station id> → JSON              the tree the router reads (store's station format)
//	├── persons
//	│   └── <person id> → station id         whose person it was (files before owners; read only)
//	├── owners                               created at the first write that needs it
//	│   └── <entity id> → JSON               {"f": family, "o": owning station, "to": [stations addressed]}
//	├── log
//	│   └── <position> → JSON                app.Operation, positions 1, 2, 3, ... in commit order
//	├── chain
//	│   └── <position> → 32 bytes            SHA-256(chain at position-1 || log value at position)
//	├── op_ids
//	│   └── <operation id> → position        at most once: 0 marks an operation refused
//	├── origins
//	│   └── <station id> → uint64            the highest seq stored or refused from that station
//	├── own_seqs                             (schema 3; own.go)
//	│   └── <station id><seq> → <position><operation id>   position 0: refused
//	├── feeds
//	│   └── <kind><station id><position> → nil   who reads what: kind S (addressed to
//	│                                            the station) or D (its whole subtree)
//	├── officer_sessions                     created at the first officer's sign-in (officerweb.go)
//	│   └── <sha256(token)> → JSON           a phone page's session: login, person, village, expiry
//	└── officer_people                       created at the first station file naming one (officers.go)
//	    └── <person id> → JSON               a village information officer: name, station, roles
//
// Integers are big-endian uint64, ids their 16 raw bytes, so byte order is
// numeric and time order. Operations the hub itself makes (a station
// import) have the nil origin.
package hub

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"dutyroom/app"
)

// FileName is the database inside the hub's data folder.
const FileName = "dutyhub.db"

// bootFile holds the boot id of the last start. A database whose boot id
// differs was not the file this hub last ran with: someone copied an older
// one in, and the log positions clients remember no longer mean the same
// operations.
const bootFile = "hub.boot"

var (
	bucketRoot     = []byte("hub1")
	bucketMeta     = []byte("meta")
	bucketAccounts = []byte("accounts")
	bucketSessions = []byte("sessions")
	bucketStations = []byte("stations")
	bucketPersons  = []byte("persons")
	bucketLog      = []byte("log")
	bucketOpIDs    = []byte("op_ids")
	bucketOrigins  = []byte("origins")
	bucketFeeds    = []byte("feeds")

	keySchema = []byte("schema")
	keyEpoch  = []byte("epoch")
	keyBoot   = []byte("boot")
)

type migration struct {
	version int
	name    string
	migrate func(tx *bolt.Tx) error
}

// migrations run in order at open, each in its own transaction with its
// version. Append only.
var migrations = []migration{
	{version: 1, name: "create the accounts, stations and log buckets", migrate: createV1},
	{version: 2, name: "add the log's hash chain and the checkpoint key", migrate: chainV2},
	{version: 3, name: "index each station's operations by seq", migrate: createOwnSeqsV3},
}

// SchemaVersion is the version of the last migration.
const SchemaVersion = 3

func createV1(tx *bolt.Tx) error {
	root, err := tx.CreateBucketIfNotExists(bucketRoot)
	if err != nil {
		return err
	}
	for _, name := range [][]byte{bucketMeta, bucketAccounts, bucketSessions, bucketStations,
		bucketPersons, bucketLog, bucketOpIDs, bucketOrigins, bucketFeeds} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create hub1/%s: %w", name, err)
		}
	}
	return root.Bucket(bucketMeta).Put(keyEpoch, []byte(newEpoch()))
}

// DB is an open dutyhub.db.
type DB struct {
	bolt   *bolt.DB
	dir    string
	path   string
	epoch  atomic.Value // string
	macKey []byte       // signs checkpoints; read once at open

	// Now is the clock; tests move it to expire sessions.
	Now func() time.Time
}

// Open opens DIR/dutyhub.db, creating the folder and file when needed, runs
// the migrations and checks the boot id. A file that is not the one this
// folder's hub last ran with gets a new epoch, so clients re-send and
// re-pull instead of trusting positions that now mean other operations.
func Open(dir string) (*DB, error) {
	if dir == "" {
		return nil, app.Errorf(app.EINVALID, "no data folder given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, app.Errorf(app.EINTERNAL, "cannot use %s as the hub's data folder: %v", dir, err)
	}
	path := filepath.Join(dir, FileName)
	// A damaged meta page or freelist makes bbolt panic at open: an
	// error naming the file and the backups instead (backups.go).
	var bdb *bolt.DB
	if err := guard(path, func() (err error) {
		bdb, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			err = openError(path, err)
		}
		return err
	}); err != nil {
		return nil, err
	}
	db := &DB{bolt: bdb, dir: dir, path: path, Now: time.Now}
	if err := db.migrate(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	if err := db.loadMACKey(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	if err := db.checkBoot(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return db, nil
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return app.Errorf(app.ELOCKED, "%s is in use by a running dutyhub; stop it first", path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return app.Errorf(app.ECORRUPT, "%s is not a dutyhub database or is damaged (%v); it was left as it is", path, err)
	case errors.Is(err, fs.ErrPermission):
		return app.Errorf(app.EINTERNAL, "cannot open %s: permission denied", path)
	}
	return app.Errorf(app.ECORRUPT, "cannot open %s: %v", path, err)
}

func (db *DB) migrate() error {
	current := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketRoot)
		if root == nil {
			var other string
			_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				other = string(name)
				return nil
			})
			if other != "" {
				return app.Errorf(app.ECORRUPT, "%s is not a dutyhub database (it holds a %q bucket)", db.path, other)
			}
			return nil
		}
		meta := root.Bucket(bucketMeta)
		if meta == nil {
			return app.Errorf(app.ECORRUPT, "%s is damaged: no hub1/meta bucket; restore a backup", db.path)
		}
		v, ok := u64Value(meta.Get(keySchema))
		if !ok {
			return app.Errorf(app.ECORRUPT, "%s is damaged: its schema version is unreadable; restore a backup", db.path)
		}
		if v > SchemaVersion {
			return app.Errorf(app.ETOONEW, "%s was written by a newer dutyhub (schema %d, this one knows %d); update dutyhub", db.path, v, SchemaVersion)
		}
		current = int(v)
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			if err := m.migrate(tx); err != nil {
				return err
			}
			return bucket(tx, bucketMeta).Put(keySchema, u64Key(uint64(m.version)))
		})
		if err != nil {
			return app.Errorf(app.EINTERNAL, "cannot upgrade %s to schema %d (%s): %v", db.path, m.version, m.name, err)
		}
	}
	return nil
}

// checkBoot compares the file's boot id with the folder's and starts a new
// epoch when they differ. A crash leaves them equal (the file is the same,
// every acknowledged write is in it), so a restart after a crash keeps the
// epoch and clients just continue.
func (db *DB) checkBoot() error {
	side, _ := os.ReadFile(filepath.Join(db.dir, bootFile))
	boot := make([]byte, 16)
	if _, err := rand.Read(boot); err != nil {
		return err
	}
	var epoch string
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		meta := bucket(tx, bucketMeta)
		stored := meta.Get(keyBoot)
		fresh := bucket(tx, bucketLog).Stats().KeyN == 0 && stored == nil
		if !fresh && (len(side) == 0 || string(stored) != string(side)) {
			if err := meta.Put(keyEpoch, []byte(newEpoch())); err != nil {
				return err
			}
		}
		epoch = string(meta.Get(keyEpoch))
		return meta.Put(keyBoot, boot)
	})
	if err != nil {
		return app.Errorf(app.EINTERNAL, "cannot record the start in %s: %v", db.path, err)
	}
	db.epoch.Store(epoch)
	if epoch == "" {
		return app.Errorf(app.ECORRUPT, "%s is damaged: it has no epoch; restore a backup", db.path)
	}
	return writeFileAtomic(filepath.Join(db.dir, bootFile), boot)
}

// writeFileAtomic writes and syncs a temporary file, then renames it over
// path, so a crash leaves the old content or the new.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func newEpoch() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b)
}

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Dir is the hub's data folder.
func (db *DB) Dir() string { return db.dir }

// Epoch is the identity of the log: positions mean the same operations
// only within one epoch.
func (db *DB) Epoch() string { return db.epoch.Load().(string) }

// newEpochTx gives the log a new epoch inside a writing transaction; the
// caller publishes it with setEpoch after the commit.
func newEpochTx(tx *bolt.Tx) (string, error) {
	epoch := newEpoch()
	return epoch, bucket(tx, bucketMeta).Put(keyEpoch, []byte(epoch))
}

func (db *DB) setEpoch(epoch string) { db.epoch.Store(epoch) }

// Check runs bbolt's consistency check; nil when the file is sound.
func (db *DB) Check() error {
	var errs []error
	err := db.bolt.View(func(tx *bolt.Tx) error {
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

func bucket(tx *bolt.Tx, name []byte) *bolt.Bucket {
	root := tx.Bucket(bucketRoot)
	if root == nil {
		return nil
	}
	return root.Bucket(name)
}

func u64Key(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func u64Value(b []byte) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

func idFromBytes(b []byte) (app.ID, bool) {
	var id app.ID
	if len(b) != 16 {
		return id, false
	}
	copy(id[:], b)
	return id, true
}
