package ui

import (
	"context"
	"time"

	"dutyroom/app"
	"dutyroom/app/alerts"
	"dutyroom/app/consult"
)

// alertPoll is the state of the window's alert poll.
type alertPoll struct {
	seq     int
	version uint64 // the store's version at the last reading, 0 for none
}

// alertReading is one poll's reading, handed to every poller.
type alertReading struct {
	base   alertBase
	a      alerts.Alerts
	onDuty OnDuty // read only when a spot check waits for its answer
}

// readAlerts reads what the pollers need, in one transaction when the
// store offers it. Call it off the UI goroutine.
func readAlerts(ctx context.Context, svc Services, now time.Time, onDuty OnDutyFunc) (alertReading, error) {
	var d alertReading
	var err error
	if svc.Alerts != nil {
		d.a, err = svc.Alerts.Alerts(ctx, now)
	} else {
		d.a, err = alertsOneByOne(ctx, svc, now)
	}
	if err != nil {
		return d, err
	}
	d.base = alertBaseOf(d.a.Stations, d.a.Self)
	if d.base.home == nil {
		// Not chosen yet, or no longer in the tree: nothing is this
		// station's to be alerted of.
		d.a.Pending, d.a.Unanswered, d.a.Ringing, d.a.Scheduled = nil, nil, nil, nil
		return d, nil
	}
	if len(d.a.Unanswered) > 0 {
		d.onDuty = onDutyNow(ctx, onDuty)
	}
	return d, nil
}

// alertBaseOf is loadAlertBase from stations already read.
func alertBaseOf(stations []app.Station, self app.ID) alertBase {
	stations = append([]app.Station(nil), stations...)
	sortStations(stations)
	b := alertBase{tree: app.NewTree(stations), loc: (&app.Station{}).Location()}
	if self != app.NilID {
		b.home = b.tree.Station(self)
	}
	if b.home != nil {
		b.loc = b.home.Location()
	}
	return b
}

// alertsOneByOne reads the alerts from the separate services, each in its
// own transaction: for a window wired without an alerts.Service. Its
// Version is 0, unknown, so screens in sight reload at every poll.
func alertsOneByOne(ctx context.Context, svc Services, now time.Time) (alerts.Alerts, error) {
	var a alerts.Alerts
	var err error
	if a.Stations, err = svc.Stations.Stations(ctx); err != nil {
		return a, err
	}
	me, err := svc.Identity.Identity(ctx)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return a, nil
	case err != nil:
		return a, err
	}
	a.Self = me.ID
	if svc.Warnings != nil {
		if a.Pending, err = svc.Warnings.Pending(ctx, a.Self); err != nil {
			return a, err
		}
	}
	if svc.SpotChecks != nil {
		if a.Unanswered, err = svc.SpotChecks.Unanswered(ctx, a.Self); err != nil {
			return a, err
		}
	}
	if svc.Consultations != nil {
		if a.Ringing, err = svc.Consultations.Ringing(ctx); err != nil {
			return a, err
		}
		a.Scheduled, err = svc.Consultations.Scheduled(ctx, now.Add(-consult.StartWindow), now.Add(consult.RemindBefore))
	}
	return a, err
}

// takeAlerts hands a reading to the pollers and reloads the screens in
// sight. Each poller's own sequence moves on, so a reading of its own
// started earlier cannot undo this one.
func (u *UI) takeAlerts(d alertReading) {
	if b := u.warnBanner; b != nil {
		b.seq++
		b.update(pendingWarnings{base: d.base, pending: d.a.Pending})
	}
	if p := u.spotPrompt; p != nil {
		p.seq++
		p.update(unansweredChecks{base: d.base, records: d.a.Unanswered, onDuty: d.onDuty})
	}
	if r := u.consultRing; r != nil {
		r.seq++
		r.update(ringing{base: d.base, list: d.a.Ringing})
	}
	if s := u.consultPlan; s != nil {
		s.seq++
		s.last = time.Now()
		s.update(consultData{base: d.base, records: d.a.Scheduled})
	}
	// The consultation and warning screens show records only: they reload
	// when the store changed. The spot-check screen also shows checks
	// ending as time passes, with no write: it reloads at every poll.
	changed := d.a.Version == 0 || d.a.Version != u.alertPoll.version
	u.alertPoll.version = d.a.Version
	if u.consults != nil && u.consults.visible && changed {
		u.consults.refresh()
	}
	if u.warnings != nil && u.warnings.visible && changed {
		u.warnings.refreshLive()
	}
	if u.spotChecks != nil && u.spotChecks.visible {
		u.spotChecks.refreshLive()
	}
}
