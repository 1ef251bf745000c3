package instruction

import (
	"context"
	"io"
	"time"

	"dutyroom/app"
)

// File is the content of an attachment being recorded: the photo of a
// paper instruction, a document with an answer.
type File struct {
	Name    string
	MIME    string
	Size    int64 // as the file system reports it; checked against the limit before reading
	Content io.Reader
}

// Entry is one line of the register.
type Entry struct {
	Summary
	State   State
	Overdue int // assignees past their deadline
}

// Service is instructions as the screens and the command line use them.
// The store implements it; one call is one transaction, durable before it
// returns, with its operations in the outbox. Everything is from the point
// of view of this duty room's own station; the person acting is
// app.AuthorFrom(ctx).
type Service interface {
	// Create records in as this station's, assigning ID, Station, Author,
	// RecordedAt and each task's ID, stores the files' contents and
	// queues it for the stations its tasks name. EINVALID naming the
	// field, ENOTFOUND before this duty room has chosen its station.
	Create(ctx context.Context, in *Instruction, files []File) error

	// Find returns the instruction with everything recorded against it.
	// ENOTFOUND.
	Find(ctx context.Context, id app.ID) (*Record, error)

	// Answer records a report on a task for a.For (this station; or a
	// unit outside the system, when this station issued the
	// instruction), assigning ID, From, By and At, and sends it to the
	// issuing station. EFORBIDDEN for another station's task, EINVALID,
	// ENOTFOUND.
	Answer(ctx context.Context, a *Answer, files []File) error

	// MarkDone records that a.For has finished the task. Marking twice
	// changes nothing. As Answer.
	MarkDone(ctx context.Context, d *Done) error

	// Feedback records the reply to the leader. EFORBIDDEN unless this
	// station issued the instruction.
	Feedback(ctx context.Context, f *Feedback) error

	// Register returns up to limit entries passing the filter at now,
	// the most recently given first, and how many pass in all.
	Register(ctx context.Context, f Filter, now time.Time, limit int) ([]Entry, int, error)

	// Overdue returns how many assignees of instructions issued here or
	// naming this station are past their deadline: the status bar.
	Overdue(ctx context.Context, now time.Time) (int, error)

	// Reminders returns the assignees close to or past their deadline
	// that concern this station.
	Reminders(ctx context.Context, now time.Time, before time.Duration) ([]Reminder, error)

	// Attachment returns a complete content of an instruction or answer.
	Attachment(ctx context.Context, sha256 string) ([]byte, error)
}
