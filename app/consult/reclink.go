package consult

import (
	"context"
	"time"

	"dutyroom/app"
)

// RecordingsLink opens a consultation's recordings page, served by the hub,
// in a browser: a one-time link for this client's own hub account, valid
// for a couple of minutes, which the browser trades for a session of its
// own. The hub lets the host station, the invited stations and the stations
// above the host watch.
type RecordingsLink struct {
	Room    app.ID
	URL     string
	Expires time.Time
}

// RecordingLinks asks the hub for recordings links. Errors carry in their
// Field LinkOffline (EINTERNAL) when the hub is not reached, LinkNotInvited
// (EFORBIDDEN) when the hub refuses this station.
type RecordingLinks interface {
	RecordingsLink(ctx context.Context, id app.ID) (RecordingsLink, error)
}
