// Package alerts is what the window's alert poll reads every few seconds:
// everything the banners, the prompts and the ring need, read together.
package alerts

import (
	"context"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
)

// Alerts is one poll's reading. It is read in one transaction, so the
// parts agree with each other: a warning pending and the station tree
// that says whom it reaches are of the same moment.
type Alerts struct {
	// Stations are every station held; Self is this duty room's, NilID
	// before the station is chosen (then the lists below are empty).
	Stations []app.Station
	Self     app.ID
	// Pending are the warnings Self has not acknowledged, newest first.
	Pending []warning.Warning
	// Unanswered are the spot checks of Self still waiting for its answer.
	Unanswered []spotcheck.Record
	// Ringing are the live consultations Self is invited to and has
	// neither answered nor joined, oldest first.
	Ringing []consult.Consultation
	// Scheduled are the consultations still scheduled for a time within
	// [now-consult.StartWindow, now+consult.RemindBefore], soonest first.
	Scheduled []consult.Record
	// Version changes whenever anything was written to the store since
	// the last reading, so a screen in sight reloads only when it may
	// have changed. It only ever grows.
	Version uint64
}

// Service reads the alerts of now.
type Service interface {
	Alerts(ctx context.Context, now time.Time) (Alerts, error)
}
