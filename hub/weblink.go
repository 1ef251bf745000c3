package hub

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Browser join. A leader without the client joins a consultation from a
// browser through a one-time link: a join code bound to one account and one
// room, valid once and for a short time. The link carries the code in the
// URL fragment, which browsers never send in a request; the page trades it
// in the hello of its websocket for a session bound to the same account and
// room. Only SHA-256 sums of codes and tokens are stored.

// Two buckets under the root: join_links holds each code or session by the
// SHA-256 of its secret; join_links_expiry indexes them by expiry
// (8-byte big-endian Unix nanoseconds, then the entry's key → nothing), so
// that issuing a link prunes the expired ones from the front of the index
// instead of reading every link. The index is made at the first link
// issued by a hub that has none, from one read of join_links.
var (
	bucketJoinLinks  = []byte("join_links")
	bucketJoinExpiry = []byte("join_links_expiry")
)

const (
	// DefaultJoinCodeTTL is how long a join code waits to be used.
	DefaultJoinCodeTTL = 15 * time.Minute
	// MaxJoinCodeTTL bounds it: a link is for a consultation about to start.
	MaxJoinCodeTTL = 24 * time.Hour
	// WebSessionTTL is how long a browser's session lasts: long enough for
	// a consultation and its reconnects, not a standing login.
	WebSessionTTL = 12 * time.Hour
)

// JoinGrant is what a join code or a browser's session stands for.
type JoinGrant struct {
	Kind    string    `json:"kind"` // "code" or "session"
	User    string    `json:"user"`
	Station app.ID    `json:"station"`
	Room    app.ID    `json:"room"`
	Expires time.Time `json:"expires"`
}

const (
	grantCode    = "code"
	grantSession = "session"
)

func newSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// IssueJoinCode makes a one-time join code for an account and a room.
// Whether the account may join is decided at the join, by the room's
// invitation, as for a client. ENOTFOUND for an unknown account,
// EFORBIDDEN for a disabled one, EINVALID for a bad room or lifetime.
func (db *DB) IssueJoinCode(user string, room app.ID, ttl time.Duration) (string, JoinGrant, error) {
	if room == app.NilID {
		return "", JoinGrant{}, app.FieldErrorf("room", "a join link needs a room")
	}
	if ttl <= 0 {
		ttl = DefaultJoinCodeTTL
	}
	if ttl > MaxJoinCodeTTL {
		return "", JoinGrant{}, app.FieldErrorf("ttl", "a join link lasts at most %s", MaxJoinCodeTTL)
	}
	code, err := newSecret()
	if err != nil {
		return "", JoinGrant{}, err
	}
	var g JoinGrant
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		a, err := findAccount(tx, user)
		if err != nil {
			return err
		}
		if a.Disabled {
			return app.Errorf(app.EFORBIDDEN, "the account %s is disabled", user)
		}
		now := db.Now().UTC()
		g = JoinGrant{Kind: grantCode, User: a.Name, Station: a.Station, Room: room, Expires: now.Add(ttl)}
		return putGrant(tx, code, g, now)
	})
	if err != nil {
		return "", JoinGrant{}, err
	}
	return code, g, nil
}

func putGrant(tx *bolt.Tx, secret string, g JoinGrant, now time.Time) error {
	root := tx.Bucket(bucketRoot)
	if root == nil {
		return app.Errorf(app.ECORRUPT, "the hub's database has no root bucket")
	}
	b, err := root.CreateBucketIfNotExists(bucketJoinLinks)
	if err != nil {
		return err
	}
	idx, err := joinExpiryIndex(root, b)
	if err != nil {
		return err
	}
	if err := pruneGrants(b, idx, now); err != nil {
		return err
	}
	buf, err := json.Marshal(g)
	if err != nil {
		return err
	}
	key := tokenKey(secret)
	if err := idx.Put(expiryKey(g.Expires, key), nil); err != nil {
		return err
	}
	return b.Put(key, buf)
}

// expiryKey is an entry's key in the expiry index: its expiry first, so
// that the index sorts by it.
func expiryKey(expires time.Time, key []byte) []byte {
	out := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(out, uint64(max(expires.UnixNano(), 0)))
	return append(out, key...)
}

// joinExpiryIndex returns the expiry index, making it from the links when
// the hub has none yet (a database from before the index).
func joinExpiryIndex(root, links *bolt.Bucket) (*bolt.Bucket, error) {
	if idx := root.Bucket(bucketJoinExpiry); idx != nil {
		return idx, nil
	}
	idx, err := root.CreateBucket(bucketJoinExpiry)
	if err != nil {
		return nil, err
	}
	err = links.ForEach(func(k, v []byte) error {
		var g JoinGrant
		if json.Unmarshal(v, &g) != nil {
			// Unreadable: expired at once, so the next prune drops it.
			g.Expires = time.Unix(0, 0)
		}
		return idx.Put(expiryKey(g.Expires, k), nil)
	})
	return idx, err
}

// pruneGrants drops the entries expired by now, reading only those: the
// index's front, up to the first that is still valid. An index entry whose
// link is already gone (used, revoked) goes too.
func pruneGrants(links, idx *bolt.Bucket, now time.Time) error {
	limit := uint64(max(now.UnixNano(), 0))
	var old [][]byte
	c := idx.Cursor()
	for k, _ := c.First(); k != nil && len(k) >= 8 && binary.BigEndian.Uint64(k[:8]) <= limit; k, _ = c.Next() {
		old = append(old, append([]byte(nil), k...))
	}
	for _, k := range old {
		if err := links.Delete(k[8:]); err != nil {
			return err
		}
		if err := idx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// checkGrant checks an entry against its account. Refusals are
// CodeUnauthorized, one message for unknown, used and expired codes.
func (db *DB) checkGrant(tx *bolt.Tx, raw []byte, kind string) (JoinGrant, error) {
	var g JoinGrant
	unknown := "the join link is unknown, was used already or has expired; ask for a new one"
	if kind == grantSession {
		unknown = "the browser's session is unknown or has expired; open a new join link"
	}
	if raw == nil || json.Unmarshal(raw, &g) != nil || g.Kind != kind || !db.Now().Before(g.Expires) {
		return JoinGrant{}, wire.Errorf(wire.CodeUnauthorized, "%s", unknown)
	}
	a, err := findAccount(tx, g.User)
	switch {
	case err != nil:
		return JoinGrant{}, wire.Errorf(wire.CodeUnauthorized, "the account %s no longer exists", g.User)
	case a.Disabled:
		return JoinGrant{}, wire.Errorf(wire.CodeUnauthorized, "the account %s is disabled", g.User)
	case a.Station != g.Station:
		return JoinGrant{}, wire.Errorf(wire.CodeUnauthorized, "the account %s now belongs to another station; ask for a new link", g.User)
	}
	return g, nil
}

// RedeemJoinCode uses a join code, once: it is deleted, and a browser
// session for the same account and room is returned with its token.
func (db *DB) RedeemJoinCode(code string) (string, JoinGrant, error) {
	var token string
	var g JoinGrant
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketJoinLinks)
		var raw []byte
		if b != nil && code != "" {
			raw = b.Get(tokenKey(code))
		}
		var err error
		if g, err = db.checkGrant(tx, raw, grantCode); err != nil {
			return err
		}
		// Spent in the same transaction that opens the session: two
		// browsers with one link cannot both get in.
		if err := b.Delete(tokenKey(code)); err != nil {
			return err
		}
		if token, err = newSecret(); err != nil {
			return err
		}
		now := db.Now().UTC()
		g.Kind = grantSession
		g.Expires = now.Add(WebSessionTTL)
		return putGrant(tx, token, g, now)
	})
	if err != nil {
		return "", JoinGrant{}, err
	}
	return token, g, nil
}

// AuthenticateWeb returns the grant of a browser's session token.
func (db *DB) AuthenticateWeb(token string) (JoinGrant, error) {
	var g JoinGrant
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var raw []byte
		if b := bucket(tx, bucketJoinLinks); b != nil && token != "" {
			raw = b.Get(tokenKey(token))
		}
		var err error
		g, err = db.checkGrant(tx, raw, grantSession)
		return err
	})
	return g, err
}

// IssueJoinCode makes a one-time join link's code while the hub runs. As
// DB.IssueJoinCode.
func (s *Server) IssueJoinCode(user string, room app.ID, ttl time.Duration) (string, JoinGrant, error) {
	return s.db.IssueJoinCode(user, room, ttl)
}

// revokeJoinLinks drops the user's join codes and browser sessions, with
// its other sessions: a password change, a disabled account or a logout
// ends a browser's stay too.
func revokeJoinLinks(tx *bolt.Tx, user string) (int, error) {
	b := bucket(tx, bucketJoinLinks)
	if b == nil {
		return 0, nil
	}
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var g JoinGrant
		if json.Unmarshal(v, &g) != nil || g.User == user {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
