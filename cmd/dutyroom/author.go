package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
)

// The author of what a command changes, resolved when the data file is
// opened (before anything is written, so a bad --as stores nothing):
//
//  1. --as NAME (or a person's id): a person of this station; an unknown
//     or ambiguous name is an error naming the candidates.
//  2. Otherwise the officer signed in at this folder's desk (到岗签到, in
//     the window or with desk signin).
//  3. Otherwise the officer on duty now by this station's roster.
//  4. Otherwise the station's principal, so a script run on a day with no
//     roster can still act: its first leader by name, else its first
//     person by name. stderr says so, once, when the first change is made.
//  5. A folder that has no station yet (before init) or no people signs
//     with the login name, as before people existed.
type cliAuthor struct {
	mu     sync.Mutex
	actor  app.Actor
	note   string // said on stderr when the first change is made
	noted  bool
	stderr func(string)
}

// get is the app.WithActorFunc of the command's context.
func (a *cliAuthor) get() app.Actor {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.note != "" && !a.noted && a.stderr != nil {
		a.noted = true
		a.stderr(a.note)
	}
	if a.actor.Name == "" {
		return app.Actor{Name: authorName()}
	}
	return a.actor
}

// resolveAuthor decides who signs the changes of this run.
func resolveAuthor(ctx context.Context, db *store.DB, as string, now time.Time) (app.Actor, string, error) {
	as = strings.TrimSpace(as)
	me, err := store.NewIdentity(db).Identity(ctx)
	if app.ErrorCode(err) == app.ENOTFOUND {
		if as != "" {
			return app.Actor{}, "", app.Errorf(app.EINVALID, "--as %s: this duty room has not chosen its station yet, so it has no people to sign as; run init first", as)
		}
		return app.Actor{}, "", nil
	} else if err != nil {
		return app.Actor{}, "", err
	}
	dir := store.NewDirectory(db)
	people, err := dir.Persons(ctx, app.PersonFilter{Station: &me.ID})
	if err != nil {
		return app.Actor{}, "", err
	}
	sort.SliceStable(people, func(i, j int) bool { return people[i].Name < people[j].Name })
	if as != "" {
		p, err := personNamed(people, as, me)
		if err != nil {
			return app.Actor{}, "", err
		}
		return app.Actor{ID: p.ID, Name: p.Name}, "", nil
	}
	if in, err := store.NewDesk(db).SignedIn(ctx); err == nil {
		return in.Actor(), "", nil
	}
	if _, id, err := roster.OnDutyNow(ctx, store.NewRosters(db), me, app.RoleOfficer, now); err == nil {
		if p, err := dir.FindPersonByID(ctx, id); err == nil {
			return app.Actor{ID: p.ID, Name: p.Name}, "", nil
		}
	}
	if len(people) == 0 {
		return app.Actor{}, fmt.Sprintf("dutyroom: note: nobody is rostered on duty at %s now and it has no people; changes are signed %q", me.Name, authorName()), nil
	}
	principal := people[0]
	for _, p := range people {
		if p.Has(app.RoleLeader) {
			principal = p
			break
		}
	}
	return app.Actor{ID: principal.ID, Name: principal.Name},
		fmt.Sprintf("dutyroom: note: nobody is rostered on duty at %s now; changes are signed by %s, the station's principal (pass --as NAME to sign as yourself)", me.Name, principal.Name), nil
}

// personNamed finds the one person of the station called name, or with that
// id (which tells apart two people of the same name).
func personNamed(people []app.Person, name string, st *app.Station) (app.Person, error) {
	if id, err := app.ParseID(name); err == nil {
		for _, p := range people {
			if p.ID == id {
				return p, nil
			}
		}
		return app.Person{}, app.Errorf(app.ENOTFOUND, "--as %s: no person of %s has that id", name, st.Name)
	}
	var found []app.Person
	for _, p := range people {
		if p.Name == name {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return app.Person{}, app.Errorf(app.ENOTFOUND, "--as %s: no person of %s has that name; its people are: %s", name, st.Name, candidates(people))
	}
	return app.Person{}, app.Errorf(app.EINVALID, "--as %s: %d people of %s have that name; pass the id of one: %s", name, len(found), st.Name, candidates(found))
}

// candidates lists people for an error message, with what tells them
// apart; a long list is cut.
func candidates(people []app.Person) string {
	const most = 30
	if len(people) == 0 {
		return "(none)"
	}
	var parts []string
	for i, p := range people {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more (dutyroom person list)", len(people)-most))
			break
		}
		detail := []string{}
		if p.Title != "" {
			detail = append(detail, p.Title)
		}
		if p.Mobile != "" {
			detail = append(detail, p.Mobile)
		}
		detail = append(detail, p.ID.String())
		parts = append(parts, fmt.Sprintf("%s (%s)", p.Name, strings.Join(detail, ", ")))
	}
	return strings.Join(parts, "; ")
}
