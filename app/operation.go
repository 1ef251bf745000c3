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
	ID     ID     `json:"id"`
	Origin ID     `json:"origin"` // the station whose client made the change
	Seq    uint64 `json:"seq"`    // the origin's own counter, 1, 2, 3, ... without gaps
	Author string `json:"author"`
	// AuthorID is the person who made the change, when one signed in at
	// the desk (or was named on the command line). Empty for changes made
	// by no one in particular (the hub's own, older clients); older hubs
	// ignore it. Hub and clients check it is a person of the origin.
	AuthorID ID              `json:"author_id,omitzero"`
	At       time.Time       `json:"at"`
	Kind     string          `json:"kind"` // "station.create", "person.update", ...
	Entity   ID              `json:"entity"`
	Payload  json.RawMessage `json:"payload,omitempty"`

	// Addressing, read by the hub's router (DESIGN.md, "Who receives what").
	// Both empty means the default of the kind: directory changes go to the
	// stations that see the directory, anything else reports upward.
	To    []ID  `json:"to,omitempty"`    // stations addressed by name, e.g. a direct report that skips levels
	Scope Scope `json:"scope,omitempty"` // who else receives it, by place in the tree
}

// Scope says which part of the tree receives an operation besides the
// stations it names in To.
type Scope string

const (
	ScopeDefault Scope = ""        // decided by the kind
	ScopeUp      Scope = "up"      // every ancestor of the origin: a report upward
	ScopeDown    Scope = "down"    // every descendant of the origin: a broadcast downward
	ScopeLineage Scope = "lineage" // both: ancestors and descendants
	ScopeNone    Scope = "none"    // only the stations in To
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool {
	switch s {
	case ScopeDefault, ScopeUp, ScopeDown, ScopeLineage, ScopeNone:
		return true
	}
	return false
}

// Limits on an operation as it travels, so one record cannot fill a frame
// or make a hub keep megabytes of addressing.
const (
	MaxOpKindLen   = 64
	MaxOpAuthorLen = 128
	MaxOpPayload   = 256 << 10
	MaxOpTo        = 64
)

// Validate checks the fields every operation must have before it is sent,
// stored by a hub or applied. The payload is the business of the kind.
func (op *Operation) Validate() error {
	switch {
	case op.ID == NilID:
		return FieldErrorf("id", "operation has no id")
	case op.Seq == 0:
		return FieldErrorf("seq", "operation %s has no seq (they start at 1)", op.ID)
	case op.Kind == "" || len(op.Kind) > MaxOpKindLen:
		return FieldErrorf("kind", "operation %s has no usable kind (1 to %d bytes)", op.ID, MaxOpKindLen)
	case op.Entity == NilID:
		return FieldErrorf("entity", "operation %s names no entity", op.ID)
	case op.At.IsZero():
		return FieldErrorf("at", "operation %s has no time", op.ID)
	case len(op.Author) > MaxOpAuthorLen:
		return FieldErrorf("author", "operation %s has an author longer than %d bytes", op.ID, MaxOpAuthorLen)
	case len(op.Payload) > MaxOpPayload:
		return FieldErrorf("payload", "operation %s has a payload of %d bytes; the limit is %d", op.ID, len(op.Payload), MaxOpPayload)
	case len(op.To) > MaxOpTo:
		return FieldErrorf("to", "operation %s addresses %d stations; the limit is %d", op.ID, len(op.To), MaxOpTo)
	case !op.Scope.Valid():
		return FieldErrorf("scope", "operation %s has an unknown scope %q", op.ID, op.Scope)
	}
	for _, id := range op.To {
		if id == NilID {
			return FieldErrorf("to", "operation %s addresses the nil station", op.ID)
		}
	}
	return nil
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

// Actor is the person making changes: the officer signed in at the desk,
// or the one named on the command line. ID is NilID when the author is
// known only by name (an older caller, a test, the hub itself).
type Actor struct {
	ID   ID
	Name string
}

type actorKey struct{}

// WithActor returns a context naming the person who makes the changes done
// with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// WithActorFunc returns a context whose author is asked of f each time a
// change is made, so one context can follow the sign-in at the desk while
// screens keep it. f must be safe to call from any goroutine.
func WithActorFunc(ctx context.Context, f func() Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, f)
}

// WithAuthor returns a context naming who makes the changes done with it,
// by name alone.
func WithAuthor(ctx context.Context, name string) context.Context {
	return WithActor(ctx, Actor{Name: name})
}

// ActorFrom returns the person named by WithActor, WithActorFunc or
// WithAuthor, or the zero Actor.
func ActorFrom(ctx context.Context) Actor {
	switch v := ctx.Value(actorKey{}).(type) {
	case Actor:
		return v
	case func() Actor:
		return v()
	}
	return Actor{}
}

// AuthorFrom returns the author's name, or "".
func AuthorFrom(ctx context.Context) string {
	return ActorFrom(ctx).Name
}
