package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// loadOnDutyToday returns the people who lead or keep the duty today at
// any duty room of the tree, read as 今日值班 reads them: this station's
// own roster as it stands, every other station's only once published. A
// station whose roster cannot be read is left unmarked rather than failing
// the whole directory. It runs off the UI goroutine.
func loadOnDutyToday(ctx context.Context, svc Services, stations []app.Station, home app.ID, now time.Time) map[app.ID]bool {
	out := map[app.ID]bool{}
	if svc.Rosters == nil {
		return out
	}
	for i := range stations {
		st := &stations[i]
		if !st.Tier.HasDutyRoom() {
			continue
		}
		var on []roster.Assignment
		if st.ID == home {
			settings, err := svc.Rosters.Settings(ctx, st.ID)
			if err != nil {
				continue
			}
			day := roster.DutyDayAt(settings.Handover, st.Location(), now)
			if on, err = svc.Rosters.Assignments(ctx, st.ID, day, day); err != nil {
				continue
			}
		} else {
			sd := loadSubordinateDuty(ctx, svc.Rosters, st, now)
			if sd.err != nil || !sd.published {
				continue
			}
			on = sd.on
		}
		for _, a := range on {
			if a.Post.Index == 0 && (a.Post.Role == app.RoleLeader || a.Post.Role == app.RoleOfficer) {
				out[a.Person] = true
			}
		}
	}
	return out
}

// onDutyBadge is the 今日值班 mark beside a name in 通讯录.
func onDutyBadge() *widget.Label {
	l := widget.NewLabel(lang.L("directory.on_duty_today"))
	l.Importance = widget.SuccessImportance
	l.TextStyle.Bold = true
	l.Hide()
	return l
}

// showOnDuty marks the row's person as on duty today, or not.
func (r *personRow) showOnDuty(on bool) {
	if r.onDuty.Visible() == on {
		return
	}
	if on {
		r.onDuty.Show()
	} else {
		r.onDuty.Hide()
	}
	for _, c := range r.textBoxes {
		c.Layout.Layout(c.Objects, c.Size())
	}
}

// refreshOnDuty reads who is on duty again as the screen comes into view:
// the handover changes it with nobody touching the directory.
func (d *directoryScreen) refreshOnDuty() {
	if !d.loaded {
		return
	}
	ctx, svc, now := d.u.ctx, d.u.svc, d.u.now()
	stations, home := d.data.stations, d.data.identity
	runAsync(func() (map[app.ID]bool, error) {
		return loadOnDutyToday(ctx, svc, stations, home, now), nil
	}, func(on map[app.ID]bool, _ error) {
		d.data.onDuty = on
		d.list.Refresh()
	})
}
