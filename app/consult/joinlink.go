package consult

import (
	"context"
	"time"

	"dutyroom/app"
)

// JoinLink is a one-time link through which a leader without the client
// joins a consultation's room from a browser: valid once, for one hub
// account and one room, until Expires.
type JoinLink struct {
	Room    app.ID
	User    string // the hub account it logs in
	URL     string
	Expires time.Time
}

// Why a join link was refused, in the error's Field, so the window can say
// it in its own words; the code is the usual one.
const (
	LinkOffline    = "hub"     // no connection to the hub (EINTERNAL)
	LinkNotHost    = "host"    // this station does not host the consultation (EFORBIDDEN)
	LinkNotLive    = "state"   // the consultation is not live (ECONFLICT)
	LinkNotInvited = "invited" // the hub refused: the account's station is not invited (EFORBIDDEN)
	LinkAccount    = "user"    // no such account on the hub, or none given (EINVALID)
)

// Links asks the hub for join links.
type Links interface {
	// JoinLink asks for a link to the room of a live consultation hosted
	// here, for the hub account user.
	JoinLink(ctx context.Context, id app.ID, user string) (JoinLink, error)
}
