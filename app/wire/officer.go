package wire

import (
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Village information officers' accounts (灾害信息员): an officer has no
// DutyRoom client and signs in at the hub's phone page (/report) with an
// account of their own, which their township or county sets up from its
// client. The password goes straight to the hub, which keeps only its hash:
// it is never an operation, so no station's file ever holds it.
//
// Client to hub (syncer.Engine.Request): officer.account sets or revokes
// one officer's account; officer.accounts lists those of the asking
// station's subtree. The hub answers each with a frame of the same type and
// id, or an error of that id (forbidden for a person not of a village below
// the station, or not an information officer).
const (
	TypeOfficerAccount  = "officer.account"
	TypeOfficerAccounts = "officer.accounts"
)

// OfficerAccount asks to set up or change an officer's account (Password
// set: the new password; empty keeps the one there), or to revoke it
// (Disabled: every session on the officer's phone ends at once).
type OfficerAccount struct {
	Person   app.ID `json:"person"`
	Login    string `json:"login"` // the name the officer types; the mobile number is a good choice
	Password string `json:"password,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
}

// OfficerAccountState is one officer's account as the hub keeps it.
type OfficerAccountState struct {
	Person    app.ID    `json:"person"`
	Station   app.ID    `json:"station"` // the village
	Login     string    `json:"login"`
	Disabled  bool      `json:"disabled,omitempty"`
	ChangedAt time.Time `json:"changed_at"`
	LastSeen  time.Time `json:"last_seen,omitzero"` // the page's last request
}

// OfficerAccounts is the answer to officer.accounts.
type OfficerAccounts struct {
	Accounts []OfficerAccountState `json:"accounts"`
}

// MaxOfficerAccounts bounds one answer: a county's villages' officers, A
// and B for each.
const MaxOfficerAccounts = 5000

// DecodeOfficerAccount decodes and checks an officer.account request.
func DecodeOfficerAccount(env Envelope) (OfficerAccount, error) {
	var a OfficerAccount
	if err := body(env, &a); err != nil {
		return a, err
	}
	switch {
	case a.Person == app.NilID:
		return a, Errorf(CodeBadMessage, "officer.account names no person")
	case a.Login == "" || len(a.Login) > MaxUserLen || !utf8.ValidString(a.Login):
		return a, Errorf(CodeBadMessage, "officer.account: the login is 1 to %d bytes of text", MaxUserLen)
	case len(a.Password) > 1024:
		return a, Errorf(CodeBadMessage, "officer.account: the password is longer than 1024 bytes")
	}
	return a, nil
}

// DecodeOfficerAccounts decodes the answer to officer.accounts.
func DecodeOfficerAccounts(env Envelope) (OfficerAccounts, error) {
	var a OfficerAccounts
	if err := body(env, &a); err != nil {
		return a, err
	}
	if len(a.Accounts) > MaxOfficerAccounts {
		return a, Errorf(CodeBadMessage, "officer.accounts: %d accounts; at most %d", len(a.Accounts), MaxOfficerAccounts)
	}
	return a, nil
}
