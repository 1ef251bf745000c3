package roster

import (
	"context"
	"time"

	"dutyroom/app"
)

// OpImport is the operation kind of posts read from a roster file.
const OpImport = "roster.import"

// NoticeKind says why a person is told about their duties.
type NoticeKind string

const (
	NoticePublished    NoticeKind = "published"     // a month holding their duties was published
	NoticeChanged      NoticeKind = "changed"       // a published duty of theirs was given or taken away
	NoticeSwapApproved NoticeKind = "swap_approved" // a swap they are part of was approved
	NoticeSwapRejected NoticeKind = "swap_rejected" // a swap they are part of was rejected
)

// Notice tells one person that their duties changed. Services that return
// people to notify also keep a Notice for each, so a person who was not at
// the screen when it happened still sees it.
type Notice struct {
	ID      app.ID
	Person  app.ID
	Station app.ID
	At      time.Time
	Kind    NoticeKind
	Month   Month  // the roster month it concerns
	Day     Date   // the duty day, zero for a whole month
	Post    Post   // the post, zero for a whole month
	Message string // in English, naming the day, post and people, e.g. "2026-10-03 leader: 张三 → 李四"
	Facts   NoticeFacts
	Read    bool
}

// NoticeFacts are what a notice tells, kept apart from Message so the
// window can write them in the reader's language. Notices kept before
// there were facts have none: the window shows their Message.
type NoticeFacts struct {
	Before, After string      // NoticeChanged: who held the post and who holds it now, by name; "" for nobody
	Reason        string      // NoticeChanged: why, when given
	Duties        []NamedSlot // NoticePublished: the person's duties in the month, in day order
	Swap          []NamedSlot // swaps: the two sides, the asking one first
	DecidedBy     string      // swaps: the leader who decided, by name
	Note          string      // swaps: the leader's note, when given
}

// Known reports whether the notice carries facts for its kind.
func (f NoticeFacts) Known(k NoticeKind) bool {
	switch k {
	case NoticeChanged:
		return f.Before != "" || f.After != ""
	case NoticePublished:
		return len(f.Duties) > 0
	case NoticeSwapApproved, NoticeSwapRejected:
		return len(f.Swap) == 2
	}
	return false
}

// NamedSlot is one duty with its holder's name as it was when the notice
// was written.
type NamedSlot struct {
	Name string
	Day  Date
	Post Post
}

// NoticeService keeps each person's notices.
type NoticeService interface {
	// Notices returns a person's notices, newest first; unread only when asked.
	Notices(ctx context.Context, person app.ID, unreadOnly bool) ([]Notice, error)
	// MarkNoticeRead marks one notice read. ENOTFOUND.
	MarkNoticeRead(ctx context.Context, person, id app.ID) error
}

// Planner runs the generator on what is stored: the station's settings,
// special periods and people, their absences and their duties at every
// station, and the year before the range for fairness.
type Planner interface {
	// Generate fills the station's posts from..to and saves them as the
	// draft, keeping manual assignments, with one Change per post that
	// differs. It returns the result (gaps, fairness, warnings) and, where
	// a month in the range was published, the people to notify. EINVALID,
	// ENOTFOUND for an unknown station, EFORBIDDEN.
	Generate(ctx context.Context, station app.ID, from, to Date) (res GenerateResult, notify []app.ID, err error)
}

// Importer saves a roster read from a file (an .xlsx or .csv the office
// wrote), all or nothing.
type Importer interface {
	// ImportAssignments makes the station's posts from..to exactly as, every
	// one set by hand (Manual is forced true), with one Change per post that
	// differs. Each is checked as SetAssignment checks it, and its warnings
	// (too little rest) are returned. EINVALID (an assignment outside the
	// range or station, a post given twice, a role not held), ENOTFOUND
	// (unknown station or person), ECONFLICT (two posts of a day, away, on
	// duty at another station), EFORBIDDEN. On published months it returns
	// the people to notify.
	ImportAssignments(ctx context.Context, station app.ID, from, to Date, as []Assignment, reason string) (warnings []string, notify []app.ID, err error)
}
