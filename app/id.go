package app

import (
	"github.com/google/uuid"
)

// ID identifies every record. IDs are uuid v7, so their bytes sort by
// creation time and serve directly as bbolt keys.
type ID = uuid.UUID

// NilID is the zero ID, used for "none" (the prefecture's parent, say).
var NilID ID

// NewID returns a fresh time-ordered ID.
func NewID() ID {
	return uuid.Must(uuid.NewV7())
}

// ParseID parses the textual form of an ID.
func ParseID(s string) (ID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return NilID, Errorf(EINVALID, "%q is not a valid id", s)
	}
	return id, nil
}

// DeriveID returns the id fixed by base and name: the same pair gives the
// same id everywhere, so an operation made twice for one thing (a phone
// sending its report again) is one operation.
func DeriveID(base ID, name string) ID {
	return uuid.NewSHA1(base, []byte(name))
}
