package app

import (
	"context"
	"io"
)

// IdentityService records which station this client is. A data folder belongs
// to exactly one duty room; operations it makes carry that station as origin.
type IdentityService interface {
	// Identity returns this client's station, ENOTFOUND before one is set.
	Identity(ctx context.Context) (*Station, error)
	// SetIdentity makes id this client's station. ENOTFOUND for an unknown station.
	SetIdentity(ctx context.Context, id ID) error
}

// BackupService writes a consistent copy of the whole store while it is in use.
type BackupService interface {
	// Backup writes the database to w and returns the bytes written.
	Backup(ctx context.Context, w io.Writer) (int64, error)
	// Path is the database file, shown to people next to backup and errors.
	Path() string
}
