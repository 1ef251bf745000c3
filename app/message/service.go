package message

import (
	"context"
	"io"
	"time"

	"dutyroom/app"
)

// File is the content of an attachment being sent.
type File struct {
	Name    string
	MIME    string
	Size    int64 // as the file system reports it; checked against the limit before reading
	Content io.Reader
}

// Conversation is one thread: every message among the same stations.
type Conversation struct {
	ID           app.ID
	Participants []app.ID // sorted by id; the screens name them from the tree
	Count        int      // messages in all
	Unread       int      // messages to the station asked about that it has not read
	Last         Message  // the newest
	LastAt       time.Time
}

// Service is messaging as the screens use it. The store implements it;
// one call is one transaction, durable before it returns, with its
// operations in the outbox. Everything is from the point of view of this
// duty room's own station (app.IdentityService): it sends, reads and
// acknowledges as that station. The person acting is app.AuthorFrom(ctx).
type Service interface {
	// Send validates m (see Message.Validate) under the service's limits,
	// assigns ID, From, Author and SentAt, stores it with the files'
	// contents and queues it, and its attachments in chunks, for the
	// recipients. m.Attachments may also name contents already complete
	// here (forwarding), which travel again. EINVALID (Field names the
	// field), EFORBIDDEN when m.From is another station, ENOTFOUND before
	// this duty room has chosen its station.
	Send(ctx context.Context, m *Message, files []File) error

	// FindMessage returns ENOTFOUND when there is no such message.
	FindMessage(ctx context.Context, id app.ID) (*Message, error)

	// Conversations returns the threads the station takes part in, the
	// most recent first, with its unread count in each.
	Conversations(ctx context.Context, station app.ID) ([]Conversation, error)

	// Messages returns up to limit messages of a conversation older than
	// before (app.NilID: the newest), newest first. Pass the last one's ID
	// as before for the next page.
	Messages(ctx context.Context, conversation app.ID, before app.ID, limit int) ([]Message, error)

	// Unread returns up to limit messages to this station it has not read,
	// newest first, and how many there are in all: the tray badge and the
	// desktop notification.
	Unread(ctx context.Context, limit int) ([]Message, int, error)

	// MarkRead records that this station has read the message and tells
	// the sender; reading twice changes nothing. EINVALID when the message
	// is not addressed to this station, ENOTFOUND.
	MarkRead(ctx context.Context, id app.ID) error

	// MarkConversationRead marks read every unread message to this station
	// in the conversation and returns how many.
	MarkConversationRead(ctx context.Context, conversation app.ID) (int, error)

	// Acknowledge records that by acknowledged a notice for this station,
	// and tells the sender. EINVALID (Field "by" without a name, "kind"
	// for a message that is not a notice, "to" for a station only
	// copied), ECONFLICT when already acknowledged, ENOTFOUND.
	Acknowledge(ctx context.Context, id app.ID, by string) error

	// Receipts returns one receipt per recipient, To then CC; a
	// recipient that has reported nothing has zero times. ENOTFOUND.
	Receipts(ctx context.Context, id app.ID) ([]Receipt, error)

	// AckStatus returns who has and has not acknowledged a notice.
	// EINVALID for a message that is not a notice, ENOTFOUND.
	AckStatus(ctx context.Context, id app.ID) (AckStatus, error)

	// Search returns up to limit messages whose subject, text or
	// attachment names contain every word of query (case-insensitive;
	// Chinese needs no spaces: 汛情 finds 白沙镇汛情初报), newest first.
	// EINVALID for an empty query.
	Search(ctx context.Context, query string, limit int) ([]Message, error)

	// AttachmentState says how much of a content has arrived. ENOTFOUND
	// when no message here has it.
	AttachmentState(ctx context.Context, sha256 string) (AttachmentState, error)

	// Attachment returns a complete content. ECONFLICT naming how many
	// parts have arrived while it is incomplete, or why it was refused;
	// ENOTFOUND.
	Attachment(ctx context.Context, sha256 string) ([]byte, error)
}
