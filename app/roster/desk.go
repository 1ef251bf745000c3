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

// SignIn is the officer signed in at a client's desk (到岗签到) and since
// when. Every record made at that client from then on carries them as its
// author.
type SignIn struct {
	Person app.Person
	At     time.Time
}

// Actor is the person as the author of changes.
func (s SignIn) Actor() app.Actor { return app.Actor{ID: s.Person.ID, Name: s.Person.Name} }

// Desk keeps who is signed in at this client's desk. It is a local
// setting, not synced; each sign-in writes a duty-log entry, which is.
type Desk interface {
	// SignedIn returns who is signed in. ENOTFOUND when nobody is, or the
	// person has since left the station.
	SignedIn(ctx context.Context) (SignIn, error)
	// SignIn makes person, one of this station's own people, the officer at
	// the desk and writes entry (day, kind and text; the rest is filled) to
	// the duty log signed by them. EINVALID, ENOTFOUND, EFORBIDDEN.
	SignIn(ctx context.Context, person app.ID, entry LogEntry) (SignIn, error)
}
