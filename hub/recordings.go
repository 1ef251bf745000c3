package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
)

// Watching recordings. The SFU records each published track of a
// consultation to a file of its own in the room's folder under the
// recordings folder, with index.json beside them. The hub serves a page per
// consultation, /recordings/ROOM/, that lists the finished files and plays
// them, remuxed into WebM (recordmedia.go).
//
// Who may watch: the accounts of the consultation's host station, of the
// stations it invited, and of the stations above the host in the tree (a
// prefecture oversees the consultations its counties hold, as it reads
// their other records). Nobody else, whatever link they hold.
//
// How a browser gets in: the DutyRoom client asks over its hub session
// (room.reclink) for a link for its own account; the hub answers with a
// one-time code valid for RecordingCodeTTL, in the path
// /recordings/open?code=...; the browser opening it trades the code for a
// session cookie (RecordingSessionTTL, HttpOnly, path /recordings/) and is
// sent on to the page. The code is spent at once, so the URL in the
// browser's history opens nothing. Only SHA-256 sums of codes and session
// tokens are stored, beside the join links.

const (
	TypeRecLink   = "room.reclink"
	TypeRecLinked = "room.reclinked"
)

// RecLink asks for a link to a consultation's recordings page, for the
// asking session's own account.
type RecLink struct {
	Room app.ID `json:"room"`
}

// RecLinked answers a RecLink.
type RecLinked struct {
	Room    app.ID    `json:"room"`
	Path    string    `json:"path"` // the link without the hub's scheme and host
	Expires time.Time `json:"expires"`
}

const (
	// RecordingCodeTTL is how long a recordings link waits to be opened:
	// the client opens it in the browser at once.
	RecordingCodeTTL = 2 * time.Minute
	// RecordingSessionTTL is how long a browser may watch after opening
	// one link: a sitting through a long consultation's recordings.
	RecordingSessionTTL = 4 * time.Hour
	// DefaultMaxRecordingStreams bounds the recordings one account plays
	// at once (each playing <video> holds one request open): a page left
	// playing in many tabs must not take the hub's disk and uplink.
	DefaultMaxRecordingStreams = 4
	// recordingCookie holds the browser's recordings session.
	recordingCookie = "dutyroom_rec"
)

const (
	grantRecCode    = "rec-code"
	grantRecSession = "rec-session"
)

// consultSeen is what the hub keeps of a consultation to decide who may
// watch its recordings: the host and the invited stations of its last
// schedule, start or end operation.
type consultSeen struct {
	Title   string
	Host    app.ID
	Invited []app.ID
}

// recordings is the hub's side of watching recordings.
type recordings struct {
	folder     string
	maxStreams int

	mu       sync.Mutex
	consults map[app.ID]consultSeen // every consultation the log holds: about 100 bytes each
	streams  map[string]int         // recordings each account plays now
	remuxing map[string]*sync.Mutex // one remux at a time of each file
}

func newRecordings(folder string, maxStreams int) *recordings {
	if maxStreams <= 0 {
		maxStreams = DefaultMaxRecordingStreams
	}
	return &recordings{folder: folder, maxStreams: maxStreams, consults: map[app.ID]consultSeen{},
		streams: map[string]int{}, remuxing: map[string]*sync.Mutex{}}
}

// recordingKinds are the operations observe learns invitations from.
var recordingKinds = []string{consult.OpSchedule, consult.OpStart, consult.OpEnd}

// observe keeps the invitation of a consultation's operation. The hub has
// checked that op comes from the station it names as its origin; a
// consultation is the host's: an operation naming another host than its
// origin is not taken.
func (rs *recordings) observe(op app.Operation) {
	if !slices.Contains(recordingKinds, op.Kind) {
		return
	}
	var c consult.Consultation
	if err := app.UnmarshalObject(op.Payload, &c); err != nil || c.ID != op.Entity || c.Host != op.Origin {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if old, ok := rs.consults[c.ID]; ok && old.Host != c.Host {
		return // the room is bound to its first host, as the SFU binds it
	}
	rs.consults[c.ID] = consultSeen{Title: c.Title, Host: c.Host, Invited: slices.Clone(c.Invited)}
}

// observeWith chains observe before next (the SFU's), which may be nil.
// A replay at start gives the SFU the recordings' kinds too; it acts on
// consultation operations only, as it does live.
func (rs *recordings) observeWith(next func(app.Operation)) func(app.Operation) {
	return func(op app.Operation) {
		rs.observe(op)
		if next != nil {
			next(op)
		}
	}
}

func (rs *recordings) consultation(id app.ID) (consultSeen, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	c, ok := rs.consults[id]
	return c, ok
}

// mayWatch reports whether station may watch the recordings of c: its
// host, a station it invited, or a station above the host.
func mayWatch(tree *app.Tree, c consultSeen, station app.ID) bool {
	if station == app.NilID {
		return false
	}
	if station == c.Host || slices.Contains(c.Invited, station) {
		return true
	}
	for st := tree.Station(c.Host); st != nil && st.Parent != app.NilID; st = tree.Station(st.Parent) {
		if st.Parent == station {
			return true
		}
	}
	return false
}

// takeStream counts one more recording user plays, or reports that user
// plays as many as allowed.
func (rs *recordings) takeStream(user string) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.streams[user] >= rs.maxStreams {
		return false
	}
	rs.streams[user]++
	return true
}

func (rs *recordings) releaseStream(user string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.streams[user]--; rs.streams[user] <= 0 {
		delete(rs.streams, user)
	}
}

// fileLock is the lock that makes one remux of a file at a time.
func (rs *recordings) fileLock(path string) *sync.Mutex {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	m := rs.remuxing[path]
	if m == nil {
		m = &sync.Mutex{}
		rs.remuxing[path] = m
	}
	return m
}

// ---- the link ----

// recordingLink serves a client's room.reclink: a link for the session's
// own account, to a consultation its station may watch.
func (c *conn) recordingLink(env wire.Envelope) error {
	rs := c.s.rec
	var req RecLink
	if err := json.Unmarshal(env.Data, &req); err != nil || req.Room == app.NilID {
		return wire.Errorf(wire.CodeBadMessage, "room.reclink: want a consultation id")
	}
	seen, ok := rs.consultation(req.Room)
	// The same answer for a consultation the hub does not know and one
	// the station may not watch: a station learns nothing of others'.
	if !ok || !mayWatch(c.s.writer.tree.Load(), seen, c.station) {
		return wire.Errorf(wire.CodeForbidden, "room.reclink: station %s is not the host of consultation %s, invited to it or above its host", c.station, req.Room)
	}
	// A consultation with nothing recorded yet gets its link too: the
	// page says there is no finished recording, and lists them as they
	// finish.
	code, g, err := c.s.db.issueRecordingCode(c.user, req.Room)
	if err != nil {
		return wire.Errorf(wire.CodeInvalid, "room.reclink: %s", app.ErrorMessage(err))
	}
	c.s.log.Info("recordings link issued", "room", req.Room, "user", c.user, "station", c.station, "expires", g.Expires)
	frame, err := wire.Encode(TypeRecLinked, env.ID, RecLinked{Room: req.Room, Path: "/recordings/open?code=" + code, Expires: g.Expires})
	if err != nil {
		return err
	}
	c.queue(frame)
	return nil
}

// issueRecordingCode makes a one-time recordings link's code for an
// account.
func (db *DB) issueRecordingCode(user string, room app.ID) (string, JoinGrant, error) {
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
		g = JoinGrant{Kind: grantRecCode, User: a.Name, Station: a.Station, Room: room, Expires: now.Add(RecordingCodeTTL)}
		return putGrant(tx, code, g, now)
	})
	return code, g, err
}

// redeemRecordingCode spends a recordings code, once, for a browser
// session of the same account.
func (db *DB) redeemRecordingCode(code string) (string, JoinGrant, error) {
	var token string
	var g JoinGrant
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := bucket(tx, bucketJoinLinks)
		var raw []byte
		if b != nil && code != "" && len(code) <= maxWebSecret {
			raw = b.Get(tokenKey(code))
		}
		var err error
		if g, err = db.checkGrant(tx, raw, grantRecCode); err != nil {
			return err
		}
		if err := b.Delete(tokenKey(code)); err != nil {
			return err
		}
		if token, err = newSecret(); err != nil {
			return err
		}
		now := db.Now().UTC()
		g.Kind = grantRecSession
		g.Expires = now.Add(RecordingSessionTTL)
		return putGrant(tx, token, g, now)
	})
	return token, g, err
}

// authenticateRecording returns the grant of a browser's recordings
// session.
func (db *DB) authenticateRecording(token string) (JoinGrant, error) {
	var g JoinGrant
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var raw []byte
		if b := bucket(tx, bucketJoinLinks); b != nil && token != "" && len(token) <= maxWebSecret {
			raw = b.Get(tokenKey(token))
		}
		var err error
		g, err = db.checkGrant(tx, raw, grantRecSession)
		return err
	})
	return g, err
}

// ---- the list ----

// recording is one entry of a consultation's page: a participant's
// picture with its sound, or its sound alone, over one span.
type recording struct {
	Name     string // of the WebM, in the URL
	User     string
	Station  app.ID
	Start    time.Time
	End      time.Time
	Video    string // the files it is made of, "" for none
	Audio    string
	Shift    int64 // ms the sound starts after the picture
	Dropped  int64
	Error    string
	HasVideo bool
}

var errNoRecordings = errors.New("no recordings")

// listRecordings reads a consultation's index.json and pairs its finished
// files: each picture with the sound of the same participant recorded at
// the same time; sound with no picture is an entry of its own.
func (rs *recordings) listRecordings(room app.ID) (string, []recording, error) {
	folder := filepath.Join(rs.folder, room.String())
	raw, err := os.ReadFile(filepath.Join(folder, "index.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return folder, nil, errNoRecordings
	}
	if err != nil {
		return folder, nil, err
	}
	var idx wire.RoomRecordings
	if err := json.Unmarshal(raw, &idx); err != nil {
		return folder, nil, fmt.Errorf("the list of recordings is damaged: %w", err)
	}
	var videos, audios []wire.RecordedFile
	for _, f := range idx.Files {
		// Only finished files: one still written has no end yet, and its
		// name must be one the SFU makes, never a path.
		if f.End.IsZero() || f.Size == 0 || f.Name != filepath.Base(f.Name) || strings.HasPrefix(f.Name, ".") {
			continue
		}
		switch {
		case f.Kind == wire.MediaVideo && strings.HasSuffix(f.Name, ".ivf"):
			videos = append(videos, f)
		case f.Kind == wire.MediaAudio && strings.HasSuffix(f.Name, ".ogg"):
			audios = append(audios, f)
		}
	}
	used := map[string]bool{}
	var out []recording
	for _, v := range videos {
		r := recording{Name: strings.TrimSuffix(v.Name, ".ivf") + ".webm", User: v.User, Station: v.Station,
			Start: v.Start, End: v.End, Video: v.Name, Dropped: v.Dropped, Error: v.Error, HasVideo: true}
		best := -1
		for i, a := range audios {
			if used[a.Name] || a.User != v.User || a.Station != v.Station || !a.Start.Before(v.End) || !v.Start.Before(a.End) {
				continue
			}
			if best < 0 || absDuration(a.Start.Sub(v.Start)) < absDuration(audios[best].Start.Sub(v.Start)) {
				best = i
			}
		}
		if best >= 0 {
			a := audios[best]
			used[a.Name] = true
			r.Audio, r.Shift = a.Name, a.Start.Sub(v.Start).Milliseconds()
			r.Dropped += a.Dropped
			if r.Error == "" {
				r.Error = a.Error
			}
		}
		out = append(out, r)
	}
	for _, a := range audios {
		if !used[a.Name] {
			out = append(out, recording{Name: strings.TrimSuffix(a.Name, ".ogg") + ".webm", User: a.User, Station: a.Station,
				Start: a.Start, End: a.End, Audio: a.Name, Dropped: a.Dropped, Error: a.Error})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return folder, out, nil
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// webm returns the path of the WebM of r, remuxing it first unless a
// WebM newer than its files is there already: the cache sits beside the
// recording and goes with it.
func (rs *recordings) webm(folder string, r recording) (string, error) {
	out := filepath.Join(folder, r.Name)
	var srcs []string
	if r.Video != "" {
		srcs = append(srcs, filepath.Join(folder, r.Video))
	}
	if r.Audio != "" {
		srcs = append(srcs, filepath.Join(folder, r.Audio))
	}
	fresh := func() bool {
		st, err := os.Stat(out)
		if err != nil {
			return false
		}
		for _, s := range srcs {
			if ss, err := os.Stat(s); err != nil || ss.ModTime().After(st.ModTime()) {
				return false
			}
		}
		return true
	}
	if fresh() {
		return out, nil
	}
	lock := rs.fileLock(out)
	lock.Lock()
	defer lock.Unlock()
	if fresh() { // made while this request waited
		return out, nil
	}
	for _, s := range srcs {
		if _, err := os.Stat(s); err != nil {
			return "", err
		}
	}
	tmp, err := os.CreateTemp(folder, ".remux-*.webm")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	vpath, apath := "", ""
	if r.Video != "" {
		vpath = filepath.Join(folder, r.Video)
	}
	if r.Audio != "" {
		apath = filepath.Join(folder, r.Audio)
	}
	_, err = remuxFiles(tmp, vpath, apath, r.Shift)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", errDamagedRecording, err)
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return "", err
	}
	return out, os.Rename(tmp.Name(), out)
}

var errDamagedRecording = errors.New("the recording cannot be read")
