package villagereport

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// Officers' accounts at the hub's phone page are set up from a township's
// or county's client, online only: the password goes to the hub alone
// (wire.OfficerAccount), never into an operation or this station's file.

// MinPasswordLen is the shortest password the hub takes for an officer
// (hub.MinPasswordLen): checked here too, so the dialog says it before
// asking.
const MinPasswordLen = 8

// Fields of the errors Accounts returns, for the dialog to place them.
const (
	FieldOffline  = "offline"  // no connection to the hub now
	FieldLogin    = "login"    // empty, too long, or taken by another account
	FieldPassword = "password" // too short, or the two differ
	FieldHub      = "hub"      // the hub refused for another reason; the message says it
)

// Accounts sets up, revokes and lists officers' phone accounts at the hub.
type Accounts interface {
	// SetAccount gives the officer person the login and password, or a
	// new login keeping the password when password is "". EINVALID with
	// FieldLogin or FieldPassword; FieldOffline when the hub is not
	// connected; EFORBIDDEN when the person is not an information officer
	// of a village below this station.
	SetAccount(ctx context.Context, person app.ID, login, password string) (wire.OfficerAccountState, error)
	// Revoke disables the officer's account; the phone's sessions end at
	// once.
	Revoke(ctx context.Context, person app.ID, login string) (wire.OfficerAccountState, error)
	// List returns the accounts of the villages below this station.
	List(ctx context.Context) ([]wire.OfficerAccountState, error)
}

// RequestFunc is syncer.Client.Request: a question to the hub on the open
// connection.
type RequestFunc func(ctx context.Context, typ string, data any) (wire.Envelope, error)

// HubAccounts is Accounts over the sync connection.
type HubAccounts struct {
	Request RequestFunc
	// Offline reports whether err is the connection's absence
	// (syncer.ErrOffline).
	Offline func(err error) bool
}

var _ Accounts = HubAccounts{}

// CheckAccount checks what the dialog and the command line send.
func CheckAccount(login, password, again string) error {
	login = strings.TrimSpace(login)
	switch {
	case login == "":
		return app.FieldErrorf(FieldLogin, "enter the login the officer types (their mobile number is a good choice)")
	case len(login) > wire.MaxUserLen || !utf8.ValidString(login):
		return app.FieldErrorf(FieldLogin, "the login is at most %d bytes", wire.MaxUserLen)
	case password != "" && utf8.RuneCountInString(password) < MinPasswordLen:
		return app.FieldErrorf(FieldPassword, "the password needs at least %d characters", MinPasswordLen)
	case password != again:
		return app.FieldErrorf(FieldPassword, "the two passwords differ")
	}
	return nil
}

// SetAccount implements Accounts.
func (h HubAccounts) SetAccount(ctx context.Context, person app.ID, login, password string) (wire.OfficerAccountState, error) {
	if err := CheckAccount(login, password, password); err != nil {
		return wire.OfficerAccountState{}, err
	}
	return h.account(ctx, wire.OfficerAccount{Person: person, Login: strings.TrimSpace(login), Password: password})
}

// Revoke implements Accounts.
func (h HubAccounts) Revoke(ctx context.Context, person app.ID, login string) (wire.OfficerAccountState, error) {
	if strings.TrimSpace(login) == "" {
		return wire.OfficerAccountState{}, app.FieldErrorf(FieldLogin, "the officer has no account to revoke")
	}
	return h.account(ctx, wire.OfficerAccount{Person: person, Login: strings.TrimSpace(login), Disabled: true})
}

func (h HubAccounts) account(ctx context.Context, req wire.OfficerAccount) (wire.OfficerAccountState, error) {
	var out wire.OfficerAccountState
	env, err := h.Request(ctx, wire.TypeOfficerAccount, req)
	if err != nil {
		return out, h.hubError(err)
	}
	if err := decodeInto(env, &out); err != nil {
		return out, err
	}
	return out, nil
}

// List implements Accounts.
func (h HubAccounts) List(ctx context.Context) ([]wire.OfficerAccountState, error) {
	env, err := h.Request(ctx, wire.TypeOfficerAccounts, struct{}{})
	if err != nil {
		return nil, h.hubError(err)
	}
	list, err := wire.DecodeOfficerAccounts(env)
	if err != nil {
		return nil, app.Errorf(app.EINTERNAL, "the hub's list of accounts is not readable: %v", err)
	}
	return list.Accounts, nil
}

func decodeInto(env wire.Envelope, v *wire.OfficerAccountState) error {
	if env.Type != wire.TypeOfficerAccount {
		return app.Errorf(app.EINTERNAL, "the hub answered %s to officer.account", env.Type)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return app.Errorf(app.EINTERNAL, "the hub's answer is not readable: %v", err)
	}
	return nil
}

// hubError turns the connection's absence and the hub's refusals into
// errors the dialog places by field.
func (h HubAccounts) hubError(err error) error {
	if h.Offline != nil && h.Offline(err) {
		return &app.Error{Code: app.EINTERNAL, Field: FieldOffline, Message: "the hub is not connected; an officer's account is set up at the hub, online only"}
	}
	var we *wire.Error
	if !errors.As(err, &we) {
		return err
	}
	msg := strings.TrimPrefix(we.Message, wire.TypeOfficerAccount+": ")
	switch we.Code {
	case wire.CodeForbidden:
		return &app.Error{Code: app.EFORBIDDEN, Field: FieldHub, Message: msg}
	case wire.CodeConflict:
		return &app.Error{Code: app.EINVALID, Field: FieldLogin, Message: msg}
	case wire.CodeInvalid, wire.CodeBadMessage:
		if strings.Contains(msg, "password") {
			return &app.Error{Code: app.EINVALID, Field: FieldPassword, Message: msg}
		}
		return &app.Error{Code: app.EINVALID, Field: FieldHub, Message: msg}
	case wire.CodeBusy, wire.CodeUnavailable, wire.CodeThrottled:
		return &app.Error{Code: app.ECONFLICT, Field: FieldHub, Message: "the hub is busy; try again in a moment"}
	}
	return &app.Error{Code: app.EINTERNAL, Field: FieldHub, Message: msg}
}
