package store

import (
	"context"
	"time"

	"dutyroom/app"
	"dutyroom/app/alerts"
	"dutyroom/app/consult"
)

// Alerts reads what the window's alert poll needs in one read
// transaction: the stations, this station, its pending warnings, its
// unanswered spot checks, the consultations ringing and those scheduled
// around now. Five readers each opening their own transaction every few
// seconds cost five waits for the filer and five snapshots; one costs one.
type Alerts struct {
	db *DB
}

var _ alerts.Service = (*Alerts)(nil)

// NewAlerts reads the alerts of db.
func NewAlerts(db *DB) *Alerts { return &Alerts{db: db} }

// Alerts implements alerts.Service.
func (s *Alerts) Alerts(ctx context.Context, now time.Time) (alerts.Alerts, error) {
	var out alerts.Alerts
	err := s.db.view(ctx, func(tx *txn) error {
		out = alerts.Alerts{Version: uint64(tx.Tx.ID())}
		var err error
		if out.Stations, err = allStations(tx); err != nil {
			return err
		}
		if out.Self, err = identityID(tx.Tx); err != nil || out.Self == app.NilID {
			return err
		}
		tree := app.NewTree(out.Stations)
		if out.Pending, err = pendingWarnings(tx, tree, out.Self); err != nil {
			return err
		}
		if out.Unanswered, err = unansweredChecks(tx, out.Self); err != nil {
			return err
		}
		if out.Ringing, err = ringingFor(tx, out.Self); err != nil {
			return err
		}
		out.Scheduled, err = scheduledBetween(tx, now.Add(-consult.StartWindow), now.Add(consult.RemindBefore))
		return err
	})
	return out, err
}
