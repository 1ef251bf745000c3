package roster

import (
	"context"
	"time"

	"dutyroom/app"
)

// OnDutyNow returns the duty day in force at a station at now and the person
// on post (Index 0) in role, e.g. the officer (值班员) or the leader (带班领导).
// ENOTFOUND when the roster names nobody in that post today.
func OnDutyNow(ctx context.Context, svc Service, st *app.Station, role app.Role, now time.Time) (Date, app.ID, error) {
	settings, err := svc.Settings(ctx, st.ID)
	if err != nil {
		return Date{}, app.NilID, err
	}
	loc := st.Location()
	day := DutyDayAt(settings.Handover, loc, now)
	as, err := svc.Assignments(ctx, st.ID, day, day)
	if err != nil {
		return day, app.NilID, err
	}
	_, on := OnDuty(as, settings, loc, now)
	for _, a := range on {
		if a.Post.Role == role && a.Post.Index == 0 && a.Person != app.NilID {
			return day, a.Person, nil
		}
	}
	return day, app.NilID, app.Errorf(app.ENOTFOUND, "no %s is rostered at %s on %s", role, st.Name, day)
}
