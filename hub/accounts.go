package hub

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Password hashing: argon2id with the OWASP minimum (19 MiB, 2 passes, 1
// lane). The parameters are stored with each hash, so raising them later
// re-hashes on the next password change without breaking old accounts.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16

	MinPasswordLen = 8
	// DefaultSessionTTL is how long a token from a login lasts. A duty room
	// runs day and night, so it is long; disabling the account or changing
	// the password ends it sooner.
	DefaultSessionTTL = 30 * 24 * time.Hour
)

// Account is a person who may log in for a station.
type Account struct {
	Name      string    `json:"name"`
	Station   app.ID    `json:"station"`
	Hash      string    `json:"hash"`
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ChangedAt time.Time `json:"changedAt"`
	// Person is set on a village information officer's account
	// (officers.go): it signs in at the phone page only, never on the
	// sync socket. PersonName is the officer's name as the hub last
	// learnt it, for the reports the hub writes on their behalf.
	Person     app.ID `json:"person,omitzero"`
	PersonName string `json:"personName,omitempty"`
}

// Session is what a token stands for.
type Session struct {
	User    string    `json:"user"`
	Station app.ID    `json:"station"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

func validUserName(name string) error {
	switch {
	case name == "" || len(name) > wire.MaxUserLen:
		return app.FieldErrorf("user", "a user name is 1 to %d bytes", wire.MaxUserLen)
	case !utf8.ValidString(name) || strings.ContainsAny(name, " \t\r\n") || !printableName(name):
		return app.FieldErrorf("user", "user name %q may not contain spaces or control characters", name)
	}
	return nil
}

func printableName(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func validPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return app.FieldErrorf("password", "a password needs at least %d characters", MinPasswordLen)
	case len(pw) > wire.MaxPassword:
		return app.FieldErrorf("password", "a password is at most %d bytes", wire.MaxPassword)
	}
	return nil
}

// hashPassword returns the PHC-style string of an argon2id hash with a
// fresh salt.
func hashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword compares in constant time. A hash it cannot read never
// matches.
func checkPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false
	}
	if memory == 0 || memory > 1<<20 || passes == 0 || passes > 16 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user does not exist, so a wrong
// name takes as long as a wrong password and names cannot be probed. It is
// made on first use: every program importing the hub should not pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashPassword("no such user: the hash only costs time")
	if err != nil {
		panic(err)
	}
	return h
})

// AddUser creates an account for a station given by id or code. EINVALID
// for a bad name or password, ENOTFOUND for an unknown station, ECONFLICT
// for a name in use.
func (db *DB) AddUser(name, station, password string) error {
	if err := validUserName(name); err != nil {
		return err
	}
	if err := validPassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		st, err := findStation(tx, station)
		if err != nil {
			return err
		}
		accounts := bucket(tx, bucketAccounts)
		if accounts.Get([]byte(name)) != nil {
			return app.Errorf(app.ECONFLICT, "user %s already exists", name)
		}
		now := db.Now().UTC()
		return putAccount(tx, &Account{Name: name, Station: st.ID, Hash: hash, CreatedAt: now, ChangedAt: now})
	})
}

// AddUserHash creates an account with an argon2id hash made elsewhere, in
// the form hashPassword writes: accounts brought over from another system,
// or many accounts sharing one hash in a load test, without hashing each.
// EINVALID for a hash this hub cannot check, otherwise as AddUser.
func (db *DB) AddUserHash(name, station, hash string) error {
	if err := validUserName(name); err != nil {
		return err
	}
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Count(hash, "$") != 5 {
		return app.FieldErrorf("hash", "not an argon2id hash in PHC form ($argon2id$v=19$m=...,t=...,p=...$salt$key)")
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		st, err := findStation(tx, station)
		if err != nil {
			return err
		}
		if bucket(tx, bucketAccounts).Get([]byte(name)) != nil {
			return app.Errorf(app.ECONFLICT, "user %s already exists", name)
		}
		now := db.Now().UTC()
		return putAccount(tx, &Account{Name: name, Station: st.ID, Hash: hash, CreatedAt: now, ChangedAt: now})
	})
}

// HashPassword returns the argon2id hash AddUserHash takes.
func HashPassword(password string) (string, error) {
	if err := validPassword(password); err != nil {
		return "", err
	}
	return hashPassword(password)
}

// IssueSession opens a session for an account without a password, for a
// program that has already established who is there: the in-process hub
// of a single-machine set-up logging in its own client, or a load test.
// ENOTFOUND, and EFORBIDDEN for a disabled account.
func (db *DB) IssueSession(name string, ttl time.Duration) (string, Session, error) {
	var s Session
	var token string
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		a, err := findAccount(tx, name)
		if err != nil {
			return err
		}
		if a.Disabled {
			return app.Errorf(app.EFORBIDDEN, "the account %s is disabled", name)
		}
		if a.Person != app.NilID {
			return app.Errorf(app.EFORBIDDEN, "the account %s is a village information officer's: it signs in at the /report page only", name)
		}
		token, s, err = newSession(tx, a, db.Now().UTC(), ttl)
		return err
	})
	return token, s, err
}

func newSession(tx *bolt.Tx, a Account, now time.Time, ttl time.Duration) (string, Session, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	s := Session{User: a.Name, Station: a.Station, Created: now, Expires: now.Add(ttl)}
	buf, err := json.Marshal(s)
	if err != nil {
		return "", Session{}, err
	}
	return token, s, bucket(tx, bucketSessions).Put(tokenKey(token), buf)
}

// SetPassword changes a password and ends the user's sessions. ENOTFOUND,
// EINVALID.
func (db *DB) SetPassword(name, password string) error {
	if err := validPassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		a, err := findAccount(tx, name)
		if err != nil {
			return err
		}
		a.Hash, a.ChangedAt = hash, db.Now().UTC()
		if err := putAccount(tx, &a); err != nil {
			return err
		}
		_, err = revokeSessions(tx, name)
		return err
	})
}

// DisableUser refuses the account's logins from now on and ends its
// sessions. ENOTFOUND.
func (db *DB) DisableUser(name string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		a, err := findAccount(tx, name)
		if err != nil {
			return err
		}
		a.Disabled, a.ChangedAt = true, db.Now().UTC()
		if err := putAccount(tx, &a); err != nil {
			return err
		}
		_, err = revokeSessions(tx, name)
		return err
	})
}

// RevokeSessions ends every session of a user and returns how many.
func (db *DB) RevokeSessions(name string) (int, error) {
	var n int
	err := db.bolt.Update(func(tx *bolt.Tx) (err error) {
		n, err = revokeSessions(tx, name)
		return err
	})
	return n, err
}

// Users lists the accounts by name.
func (db *DB) Users() ([]Account, error) {
	var list []Account
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return bucket(tx, bucketAccounts).ForEach(func(k, v []byte) error {
			var a Account
			if err := json.Unmarshal(v, &a); err != nil {
				return app.Errorf(app.ECORRUPT, "account %q is damaged: %v", k, err)
			}
			a.Hash = ""
			list = append(list, a)
			return nil
		})
	})
	return list, err
}

func findAccount(tx *bolt.Tx, name string) (Account, error) {
	raw := bucket(tx, bucketAccounts).Get([]byte(name))
	if raw == nil {
		return Account{}, app.Errorf(app.ENOTFOUND, "no user %s", name)
	}
	var a Account
	if err := json.Unmarshal(raw, &a); err != nil {
		return Account{}, app.Errorf(app.ECORRUPT, "account %s is damaged: %v", name, err)
	}
	return a, nil
}

func putAccount(tx *bolt.Tx, a *Account) error {
	buf, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return bucket(tx, bucketAccounts).Put([]byte(a.Name), buf)
}

func revokeSessions(tx *bolt.Tx, user string) (int, error) {
	sessions := bucket(tx, bucketSessions)
	var keys [][]byte
	err := sessions.ForEach(func(k, v []byte) error {
		var s Session
		if json.Unmarshal(v, &s) != nil || s.User == user {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := sessions.Delete(k); err != nil {
			return 0, err
		}
	}
	// A browser's join links and sessions end with the others.
	_, err = revokeJoinLinks(tx, user)
	return len(keys), err
}

func tokenKey(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Login checks a password and opens a session. The returned token is shown
// once: only its SHA-256 is stored. Refusals are *wire.Error with
// CodeUnauthorized and one message for every cause, so a caller cannot
// tell a wrong name from a wrong password.
func (db *DB) Login(name, password string, ttl time.Duration) (string, Session, error) {
	var a Account
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		a, err = findAccount(tx, name)
		return err
	})
	hash := a.Hash
	if err != nil {
		hash = dummyHash()
	}
	ok := checkPassword(hash, password)
	switch {
	case err != nil && app.ErrorCode(err) != app.ENOTFOUND:
		return "", Session{}, err
	case err != nil || !ok:
		return "", Session{}, wire.Errorf(wire.CodeUnauthorized, "wrong user name or password")
	case a.Disabled:
		return "", Session{}, wire.Errorf(wire.CodeUnauthorized, "the account %s is disabled; ask the hub's administrator", name)
	case a.Person != app.NilID:
		// Checked after the password, so the refusal tells nothing to
		// someone who does not know it.
		return "", Session{}, wire.Errorf(wire.CodeForbidden, "该账号是村灾害信息员账号，请在手机上打开 https://HUB/report 登录 (the account %s is a village information officer's: it signs in at the hub's /report page, not in DutyRoom)", name)
	}
	var token string
	var s Session
	err = db.bolt.Update(func(tx *bolt.Tx) (err error) {
		token, s, err = newSession(tx, a, db.Now().UTC(), ttl)
		return err
	})
	if err != nil {
		return "", Session{}, err
	}
	return token, s, nil
}

// Authenticate returns the session of a token. Unknown, expired and
// revoked tokens and disabled accounts are *wire.Error with
// CodeUnauthorized, each with its own message: the token proves the
// holder had a session, so saying why it ended leaks nothing.
func (db *DB) Authenticate(token string) (Session, error) {
	var s Session
	err := db.bolt.View(func(tx *bolt.Tx) error {
		raw := bucket(tx, bucketSessions).Get(tokenKey(token))
		if raw == nil {
			return wire.Errorf(wire.CodeUnauthorized, "the session token is unknown or was revoked; log in again")
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return wire.Errorf(wire.CodeUnauthorized, "the session is damaged; log in again")
		}
		if !db.Now().Before(s.Expires) {
			return wire.Errorf(wire.CodeUnauthorized, "the session expired at %s; log in again", s.Expires.Format(time.RFC3339))
		}
		a, err := findAccount(tx, s.User)
		switch {
		case err != nil:
			return wire.Errorf(wire.CodeUnauthorized, "the account %s no longer exists", s.User)
		case a.Disabled:
			return wire.Errorf(wire.CodeUnauthorized, "the account %s is disabled", s.User)
		case a.Station != s.Station:
			return wire.Errorf(wire.CodeUnauthorized, "the account %s now belongs to another station; log in again", s.User)
		}
		return nil
	})
	return s, err
}

// Logout ends the session of a token.
func (db *DB) Logout(token string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		return bucket(tx, bucketSessions).Delete(tokenKey(token))
	})
}

// PruneSessions deletes expired sessions and returns how many went.
func (db *DB) PruneSessions() (int, error) {
	now := db.Now()
	var n int
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		sessions := bucket(tx, bucketSessions)
		var keys [][]byte
		err := sessions.ForEach(func(k, v []byte) error {
			var s Session
			if json.Unmarshal(v, &s) != nil || !now.Before(s.Expires) {
				keys = append(keys, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := sessions.Delete(k); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	return n, err
}
