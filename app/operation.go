package app

import (
	"context"
	"encoding/json"
	"time"
)

// Operation is one change, as it travels between stations (DESIGN.md, "Sync").
// A service writes the record and appends its operation to the outbox in the
// same transaction, so nothing is saved locally but forgotten by sync.
type Operation struct {
	ID      ID              `json:"id"`
	Origin  ID              `json:"origin"` // the station whose client made the change
	Seq     uint64          `json:"seq"`    // the origin's own counter, 1, 2, 3, ... without gaps
	Author  string          `json:"author"`
	At      time.Time       `json:"at"`
	Kind    string          `json:"kind"` // "station.create", "person.update", ...
	Entity  ID              `json:"entity"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Operation kinds of the directory. Later capabilities add theirs beside
// their own types.
const (
	OpStationCreate = "station.create"
	OpStationUpdate = "station.update"
	OpStationDelete = "station.delete"
	OpPersonCreate  = "person.create"
	OpPersonUpdate  = "person.update"
	OpPersonDelete  = "person.delete"
)

// OutboxService gives access to the operations not yet acknowledged by a hub.
type OutboxService interface {
	// Outbox returns up to limit queued operations after seq, oldest first.
	Outbox(ctx context.Context, afterSeq uint64, limit int) ([]Operation, error)
	// OutboxLen returns how many operations wait to be sent.
	OutboxLen(ctx context.Context) (int, error)
}

type authorKey struct{}

// WithAuthor returns a context naming who makes the changes done with it.
func WithAuthor(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, authorKey{}, name)
}

// AuthorFrom returns the author named by WithAuthor, or "".
func AuthorFrom(ctx context.Context) string {
	s, _ := ctx.Value(authorKey{}).(string)
	return s
}
