package ui

import (
	"context"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// rosterOnDuty reads who is on duty at this station now from its roster:
// the leader and the first officer of the duty day in force, which before
// the handover time is still yesterday's.
func rosterOnDuty(svc Services, now func() time.Time) OnDutyFunc {
	return func(ctx context.Context) (OnDuty, error) {
		me, err := svc.Identity.Identity(ctx)
		if err != nil {
			return OnDuty{}, err
		}
		day, on, err := onDutyAt(ctx, svc.Rosters, me, now())
		if err != nil {
			return OnDuty{}, err
		}
		var out OnDuty
		for _, a := range on {
			if a.Post.Index != 0 || a.Post.Role != app.RoleLeader && a.Post.Role != app.RoleOfficer {
				continue
			}
			name, phone := "", ""
			if p, err := svc.Persons.FindPersonByID(ctx, a.Person); err == nil {
				name, phone = p.Name, personPhone(*p)
			}
			if a.Post.Role == app.RoleLeader {
				out.Leader, out.LeaderPhone = name, phone
			} else {
				out.Officer, out.OfficerPhone = name, phone
			}
		}
		if out.Leader == "" && out.Officer == "" {
			return OnDuty{}, app.Errorf(app.ENOTFOUND, "no one is rostered at %s on %s", me.Name, day)
		}
		return out, nil
	}
}

// onDutyAt returns the duty day in force at a station at t and its posts.
func onDutyAt(ctx context.Context, svc roster.Service, st *app.Station, t time.Time) (roster.Date, []roster.Assignment, error) {
	settings, err := svc.Settings(ctx, st.ID)
	if err != nil {
		return roster.Date{}, nil, err
	}
	loc := st.Location()
	day := roster.DutyDayAt(settings.Handover, loc, t)
	as, err := svc.Assignments(ctx, st.ID, day, day)
	if err != nil {
		return roster.Date{}, nil, err
	}
	day, on := roster.OnDuty(as, settings, loc, t)
	return day, on, nil
}

// personPhone is the number to call someone on: the mobile, which they
// carry, else the office line.
func personPhone(p app.Person) string {
	if p.Mobile != "" {
		return p.Mobile
	}
	return p.Office
}
