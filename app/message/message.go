// Package message is messaging between duty rooms: messages (消息), notices
// (通知) that addressees must acknowledge, and direct reports (信息直报)
// that go up the tree, skipping levels when the matter is urgent, with a
// copy (抄送) to every level skipped.
//
// Who may write to whom follows the tree, as the hub routes everything
// else (DESIGN.md, "Who receives what"): a station writes to its ancestors
// and its descendants. Siblings and other branches are reached through the
// station above both, which is how a duty room's chain of command works and
// keeps the county aware of what its townships tell each other. Notices go
// downward only; direct reports upward only.
//
// Messages and receipts are append-only: a message is never edited, and each
// state of a receipt (delivered, read, acknowledged) is recorded once, so
// two stations never disagree about either (DESIGN.md, "Conflicts").
package message

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"dutyroom/app"
	"dutyroom/app/attachment"
)

// Kind says what a message is for.
type Kind string

const (
	KindMessage      Kind = "message"       // 消息: to any station above or below
	KindNotice       Kind = "notice"        // 通知: downward; may carry an acknowledge-by deadline
	KindDirectReport Kind = "direct_report" // 信息直报: upward, to one station, copied to each level skipped
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	return k == KindMessage || k == KindNotice || k == KindDirectReport
}

// Operation kinds. All three are addressed by name with app.ScopeNone, so
// the hub hands them to the stations named and to no one else.
const (
	OpSend    = "message.send"    // payload: Sent; to the recipients
	OpChunk   = "message.chunk"   // payload: Chunk; to the recipients, after the message
	OpReceipt = "message.receipt" // payload: Receipt; to the sender
)

// Attachment is a file sent with a message. The bytes travel separately,
// in chunks, and are stored once per content, addressed by SHA256.
type Attachment = attachment.Attachment

// Message is one message as sender and recipients keep it.
type Message struct {
	ID     app.ID `json:"id"`
	From   app.ID `json:"from"` // the sending station
	Author string `json:"author,omitempty"`
	// AuthorID is the person who wrote it, as signed in at the desk.
	AuthorID app.ID   `json:"author_id,omitzero"`
	To       []app.ID `json:"to"`
	// CC are the stations sent a copy (抄送): they receive and may read it,
	// but do not acknowledge a notice. A direct report copies every level
	// it skips.
	CC          []app.ID     `json:"cc,omitempty"`
	Kind        Kind         `json:"kind"`
	Subject     string       `json:"subject,omitempty"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments,omitempty"`
	AckBy       *time.Time   `json:"ack_by,omitempty"` // notices: acknowledge by then
	SentAt      time.Time    `json:"sent_at"`
}

// Recipients returns To then CC.
func (m *Message) Recipients() []app.ID {
	return append(slices.Clone(m.To), m.CC...)
}

// IsRecipient reports whether the station is addressed or copied.
func (m *Message) IsRecipient(station app.ID) bool {
	return slices.Contains(m.To, station) || slices.Contains(m.CC, station)
}

// Participants returns the sender and every recipient, sorted, once each.
func (m *Message) Participants() []app.ID {
	ids := append([]app.ID{m.From}, m.Recipients()...)
	slices.SortFunc(ids, func(a, b app.ID) int { return strings.Compare(string(a[:]), string(b[:])) })
	return slices.Compact(ids)
}

// Conversation returns the conversation the message belongs to.
func (m *Message) Conversation() app.ID { return ConversationOf(m.Participants()) }

var conversationSpace = uuid.MustParse("6d2a1c1e-4f0b-5c53-9a3e-3d7f1b0c2e84")

// ConversationOf names the conversation of a set of stations. A
// conversation is everyone taking part, so the same stations writing to
// each other always land in the same thread, on every client, without
// anyone having to create it; the order of ids does not matter.
func ConversationOf(stations []app.ID) app.ID {
	ids := slices.Clone(stations)
	slices.SortFunc(ids, func(a, b app.ID) int { return strings.Compare(string(a[:]), string(b[:])) })
	ids = slices.Compact(ids)
	buf := make([]byte, 0, 16*len(ids))
	for _, id := range ids {
		buf = append(buf, id[:]...)
	}
	return uuid.NewSHA1(conversationSpace, buf)
}

// Limits on a message. The zero value means the defaults.
type Limits struct {
	// MaxAttachment is the largest file accepted, in bytes.
	MaxAttachment int64 `json:"max_attachment"`
}

// Defaults and fixed bounds. The fixed ones keep the send operation under
// app.MaxOpPayload whatever is written.
const (
	DefaultMaxAttachment = 20 << 20 // 20 MB: photos, a scanned notice, a Word or Excel file
	MaxAttachments       = 20
	MaxTextRunes         = 20000
	MaxSubjectRunes      = 200
	MaxRecipients        = app.MaxOpTo // To and CC together travel as the operation's To
	MaxAuthorRunes       = 40
)

func (l Limits) withDefaults() Limits {
	if l.MaxAttachment <= 0 {
		l.MaxAttachment = DefaultMaxAttachment
	}
	return l
}

// MaxAttachmentBytes is the limit in force: the configured one or the default.
func (l Limits) MaxAttachmentBytes() int64 { return l.withDefaults().MaxAttachment }

// Validate checks a message against the rules of its kind and the station
// tree, trimming text on the way. tree must hold the sender and every
// recipient with their ancestors. A direct report gets the levels it skips
// added to CC, nearest first, so the copy cannot be forgotten. SentAt must
// be set: the acknowledge-by deadline is checked against it.
func (m *Message) Validate(tree *app.Tree, lim Limits) error {
	if tree == nil {
		return app.Errorf(app.EINTERNAL, "message validation needs the station tree")
	}
	lim = lim.withDefaults()
	m.Subject = strings.TrimSpace(m.Subject)
	m.Text = strings.TrimSpace(m.Text)
	m.Author = strings.TrimSpace(m.Author)
	from := tree.Station(m.From)
	switch {
	case !m.Kind.Valid():
		return app.FieldErrorf("kind", "unknown message kind %q (want message, notice or direct_report)", m.Kind)
	case m.From == app.NilID:
		return app.FieldErrorf("from", "the message names no sending station")
	case from == nil:
		return app.FieldErrorf("from", "the sending station %s is not in the station tree", m.From)
	case m.SentAt.IsZero():
		return app.FieldErrorf("sent_at", "the message has no sending time")
	case m.Text == "":
		return app.FieldErrorf("text", "the message has no text")
	case !utf8.ValidString(m.Text) || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Author):
		return app.FieldErrorf("text", "the message is not valid UTF-8")
	case utf8.RuneCountInString(m.Text) > MaxTextRunes:
		return app.FieldErrorf("text", "the text has %d characters; the limit is %d (attach a longer document as a file)", utf8.RuneCountInString(m.Text), MaxTextRunes)
	case utf8.RuneCountInString(m.Subject) > MaxSubjectRunes:
		return app.FieldErrorf("subject", "the subject is longer than %d characters", MaxSubjectRunes)
	case strings.ContainsAny(m.Subject, "\r\n"):
		return app.FieldErrorf("subject", "the subject is one line")
	case utf8.RuneCountInString(m.Author) > MaxAuthorRunes:
		return app.FieldErrorf("author", "the author's name is longer than %d characters", MaxAuthorRunes)
	case m.Kind == KindNotice && m.Subject == "":
		return app.FieldErrorf("subject", "a notice needs a subject")
	}
	if m.AckBy != nil {
		switch {
		case m.Kind != KindNotice:
			return app.FieldErrorf("ack_by", "only a notice carries an acknowledge-by deadline")
		case !m.AckBy.After(m.SentAt):
			return app.FieldErrorf("ack_by", "the acknowledge-by time %s is not after the sending time %s",
				m.AckBy.UTC().Format(time.RFC3339), m.SentAt.UTC().Format(time.RFC3339))
		}
		t := m.AckBy.UTC()
		m.AckBy = &t
	}
	if err := m.validateAddress(tree); err != nil {
		return err
	}
	return validateAttachments(m.Attachments, lim.MaxAttachment)
}

func (m *Message) validateAddress(tree *app.Tree) error {
	if len(m.To) == 0 {
		return app.FieldErrorf("to", "the message has no recipient")
	}
	if m.Kind == KindDirectReport {
		if len(m.To) != 1 {
			return app.FieldErrorf("to", "a direct report goes to one station above; it has %d", len(m.To))
		}
		skipped, err := skippedLevels(tree, m.From, m.To[0])
		if err != nil {
			return err
		}
		cc := skipped
		for _, id := range m.CC {
			if !slices.Contains(cc, id) {
				cc = append(cc, id)
			}
		}
		m.CC = cc
	}
	seen := map[app.ID]bool{}
	for i, id := range m.Recipients() {
		field := "to"
		if i >= len(m.To) {
			field = "cc"
		}
		switch {
		case id == app.NilID:
			return app.FieldErrorf(field, "a recipient is the nil station")
		case id == m.From:
			return app.FieldErrorf(field, "%s cannot write to itself", name(tree, id))
		case tree.Station(id) == nil:
			return app.FieldErrorf(field, "recipient %s is not in the station tree", id)
		case seen[id]:
			return app.FieldErrorf(field, "%s is addressed twice", name(tree, id))
		}
		seen[id] = true
		if err := MayAddress(tree, m.From, id); err != nil {
			return &app.Error{Code: app.EINVALID, Field: field, Message: app.ErrorMessage(err)}
		}
		if m.Kind == KindNotice && field == "to" && !tree.IsWithin(id, m.From) {
			return app.FieldErrorf("to", "a notice goes to stations below %s; %s is above it (send a message instead)", name(tree, m.From), name(tree, id))
		}
	}
	if len(seen) > MaxRecipients {
		return app.FieldErrorf("to", "%d recipients; at most %d per message", len(seen), MaxRecipients)
	}
	return nil
}

// MayAddress reports whether from may write to to: to must be above or
// below from. The error names the way that is allowed instead.
func MayAddress(tree *app.Tree, from, to app.ID) error {
	f, t := tree.Station(from), tree.Station(to)
	switch {
	case f == nil:
		return app.FieldErrorf("from", "station %s is not in the station tree", from)
	case t == nil:
		return app.FieldErrorf("to", "station %s is not in the station tree", to)
	case from == to:
		return app.FieldErrorf("to", "%s cannot write to itself", f.Name)
	case tree.IsWithin(to, from) || tree.IsWithin(from, to):
		return nil
	case f.Parent != app.NilID && f.Parent == t.Parent:
		return app.FieldErrorf("to", "%s and %s are both under %s: write to %s, which passes it on",
			f.Name, t.Name, name(tree, f.Parent), name(tree, f.Parent))
	}
	return app.FieldErrorf("to", "%s is neither above nor below %s: write through the stations above both", t.Name, f.Name)
}

// skippedLevels returns the stations strictly between from and an ancestor
// to, nearest first.
func skippedLevels(tree *app.Tree, from, to app.ID) ([]app.ID, error) {
	if tree.Station(to) == nil {
		return nil, app.FieldErrorf("to", "station %s is not in the station tree", to)
	}
	var skipped []app.ID
	for _, a := range tree.Ancestors(from) {
		if a.ID == to {
			return skipped, nil
		}
		skipped = append(skipped, a.ID)
	}
	return nil, app.FieldErrorf("to", "a direct report goes up the tree; %s is not above %s", name(tree, to), name(tree, from))
}

func name(tree *app.Tree, id app.ID) string {
	if s := tree.Station(id); s != nil {
		return s.Name
	}
	return id.String()
}

func validateAttachments(as []Attachment, max int64) error {
	return attachment.Validate(as, attachment.Limits{MaxCount: MaxAttachments, MaxSize: max, NeedDigest: true})
}

// EmptySHA256 is the digest of an empty file, which needs no chunks.
var EmptySHA256 = fmt.Sprintf("%x", sha256.Sum256(nil))
