package app

import (
	"errors"
	"fmt"
)

// Error codes. Callers branch on ErrorCode(err), never on message text, so
// the messages can be translated and reworded freely.
const (
	ECONFLICT       = "conflict"        // the change clashes with what is stored (duplicate code, record changed meanwhile)
	EINTERNAL       = "internal"        // a bug or an I/O failure; the message is safe to show, details are logged
	EINVALID        = "invalid"         // the input breaks a rule of the domain; Field names the offending field
	ENOTFOUND       = "not_found"       // no such record
	EFORBIDDEN      = "forbidden"       // the station may not change this record
	ELOCKED         = "locked"          // the data folder is held by another DutyRoom
	ECORRUPT        = "corrupt"         // the data file is damaged or not a DutyRoom database
	ETOONEW         = "too_new"         // the data file was written by a newer DutyRoom
	ENOTIMPLEMENTED = "not_implemented" // the capability is not built yet
)

// Error is the domain error: a code for programs, a field for forms and a
// message for people. Message is in English; the UI translates by code and
// field where it can and shows Message otherwise.
type Error struct {
	Code    string
	Field   string // the field the error is about, "" when it concerns the whole record
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error about one field of a record.
func FieldErrorf(field string, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorField returns the field an EINVALID error is about, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorMessage returns the human message of an *Error. Other errors get a
// generic message so internals never reach the screen.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
