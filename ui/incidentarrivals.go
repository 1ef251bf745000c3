package ui

import (
	"context"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// loadArrivals raises the alarm for every arrival nobody has acknowledged
// that the banner has not raised yet. The window calls it at start, so a
// restart rings again for what was left unacknowledged, and whenever sync
// brings operations, which is when incidents from below arrive or have
// their grade raised.
func (b *alarmBanner) loadArrivals() {
	alarms := b.u.svc.IncidentAlarms
	if alarms == nil {
		return
	}
	ctx := b.u.ctx
	runAsync(func() ([]incident.Arrival, error) { return alarms.PendingArrivals(ctx) }, b.arrivalsLoaded)
}

func (b *alarmBanner) arrivalsLoaded(pending []incident.Arrival, err error) {
	if err != nil {
		// Sync calls again and again; the same failure is told once.
		if text := errorText(err); text != b.loadErr {
			b.loadErr = text
			b.u.showError(err)
		}
		return
	}
	b.loadErr = ""
	if b.rung == nil {
		b.rung = map[app.ID]time.Time{}
	}
	still := make(map[app.ID]bool, len(pending))
	for i := range pending {
		a := &pending[i]
		id := a.Incident.ID
		still[id] = true
		if at, ok := b.rung[id]; ok && at.Equal(a.At) {
			continue // already raised, or acknowledged while this was read
		}
		b.rung[id] = a.At
		b.arrived(a.Incident)
	}
	// Arrivals acknowledged since they were raised here leave the banner.
	for i := len(b.waiting) - 1; i >= 0; i-- {
		id := b.waiting[i].ID
		if _, ok := b.rung[id]; ok && !still[id] {
			b.remove(id)
		}
	}
}

// acknowledge silences an incident's alarm. One raised from the stored
// arrivals is acknowledged there, in the name of whoever is on duty, so
// that a restart does not ring for it again; it leaves the banner only once
// that is kept. On failure the error is shown and the alarm rings on.
func (b *alarmBanner) acknowledge(id app.ID) {
	alarms := b.u.svc.IncidentAlarms
	if _, stored := b.rung[id]; alarms == nil || !stored {
		b.remove(id)
		return
	}
	b.setAcking(true)
	ctx, onDuty, author := b.u.ctx, b.u.status.onDuty, b.u.author()
	if b.u.desk.current() != nil {
		onDuty = nil // the officer signed in at the desk acknowledges
	}
	runAsync(func() (struct{}, error) {
		return struct{}{}, alarms.AckArrival(ctx, id, acknowledgerName(ctx, onDuty, author))
	}, func(_ struct{}, err error) {
		b.setAcking(false)
		if err != nil {
			b.u.showError(err)
			return
		}
		b.remove(id)
	})
}

// acknowledgerName is who acknowledges an alarm: the duty officer on duty
// now, else the leader on duty, else whoever runs the program. Call it off
// the UI goroutine: it reads the roster.
func acknowledgerName(ctx context.Context, onDuty OnDutyFunc, author string) string {
	if onDuty != nil {
		if d, err := onDuty(ctx); err == nil {
			if d.Officer != "" {
				return d.Officer
			}
			if d.Leader != "" {
				return d.Leader
			}
		}
	}
	return author
}

// remove takes an incident off the banner.
func (b *alarmBanner) remove(id app.ID) {
	for i := range b.waiting {
		if b.waiting[i].ID == id {
			b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
			b.show()
			return
		}
	}
}

// setAcking holds the banner's buttons while an acknowledgement is saved,
// so one press is one acknowledgement.
func (b *alarmBanner) setAcking(on bool) {
	b.acking = on
	if on {
		b.ack.Disable()
		b.view.Disable()
	} else {
		b.ack.Enable()
		b.view.Enable()
	}
}
