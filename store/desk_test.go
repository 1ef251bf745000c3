package store_test

import (
	"context"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// The officer who signs in at the desk is kept across a restart, the
// sign-in is in the duty log signed by them (id and name), and every
// operation made with their actor carries their id. A person of another
// station cannot sign in, and nothing changes when they try.
func TestSignInAtTheDeskSurvivesARestartAndSignsTheLog(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	stations, people := demo.Prefecture()
	dirs := store.NewDirectory(db)
	if err := dirs.ImportStations(ctx, stations); err != nil {
		t.Fatal(err)
	}
	if err := dirs.ImportPersons(ctx, people); err != nil {
		t.Fatal(err)
	}
	home := stations[0]
	if err := store.NewIdentity(db).SetIdentity(ctx, home.ID); err != nil {
		t.Fatal(err)
	}
	var mine, foreign app.Person
	for _, p := range people {
		if p.Station == home.ID && mine.ID == app.NilID {
			mine = p
		}
		if p.Station != home.ID && foreign.ID == app.NilID {
			foreign = p
		}
	}
	desk := store.NewDesk(db)
	wantCode(t, func() error { _, err := desk.SignedIn(ctx); return err }(), app.ENOTFOUND)

	today := roster.DateOf(time.Now())
	before := outboxLen(t, db)
	_, err = desk.SignIn(ctx, foreign.ID, roster.LogEntry{Day: today, Kind: roster.LogOther, Text: "到岗签到"})
	wantCode(t, err, app.EINVALID)
	if outboxLen(t, db) != before {
		t.Fatal("a refused sign-in wrote an operation")
	}
	wantCode(t, func() error { _, err := desk.SignedIn(ctx); return err }(), app.ENOTFOUND)

	in, err := desk.SignIn(ctx, mine.ID, roster.LogEntry{Day: today, Kind: roster.LogOther, Text: "到岗签到：" + mine.Name})
	if err != nil {
		t.Fatal(err)
	}
	if in.Person.ID != mine.ID || in.At.IsZero() {
		t.Fatalf("sign-in %+v", in)
	}
	entries, err := store.NewRosters(db).LogEntries(ctx, home.ID, today)
	if err != nil || len(entries) != 1 || entries[0].AuthorID != mine.ID || entries[0].Author != mine.Name {
		t.Fatalf("the sign-in's log entry: %+v, %v", entries, err)
	}
	ops := allOps(t, db)
	if last := ops[len(ops)-1]; last.Kind != roster.OpLog || last.AuthorID != mine.ID || last.Author != mine.Name {
		t.Fatalf("the sign-in's operation: %+v", last)
	}

	// A log entry written with the officer's actor carries the id too.
	officer := app.WithActor(context.Background(), in.Actor())
	e := roster.LogEntry{Station: home.ID, Day: today, At: time.Now(), Kind: roster.LogCall, Text: "泸溪县来电"}
	if err := store.NewRosters(db).AddLogEntry(officer, &e); err != nil {
		t.Fatal(err)
	}
	ops = allOps(t, db)
	if e.AuthorID != mine.ID || ops[len(ops)-1].AuthorID != mine.ID {
		t.Fatalf("the entry %+v, its operation %+v", e, ops[len(ops)-1])
	}

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = storetest.OpenDir(t, dir)
	again, err := store.NewDesk(db).SignedIn(ctx)
	if err != nil || again.Person.ID != mine.ID || !again.At.Equal(in.At) {
		t.Fatalf("after the restart: %+v, %v", again, err)
	}

	// Someone who leaves the directory is no longer signed in.
	if err := store.NewDirectory(db).DeletePerson(ctx, mine.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, func() error { _, err := store.NewDesk(db).SignedIn(ctx); return err }(), app.ENOTFOUND)
}

// An incident taken with the officer's actor keeps their id and name, and
// a report's 签发 keeps the leader's id when the name is the station's
// leader; a name typed free keeps the name alone.
func TestIncidentAndSignOffKeepThePeoplesIDs(t *testing.T) {
	e := newIncidentEnv(t)
	officer := app.Person{Station: e.township.ID, Name: "龙值班", Mobile: "13800000001", Roles: []app.Role{app.RoleOfficer}}
	mustCreatePerson(t, e.dir, &officer)
	leader := app.Person{Station: e.township.ID, Name: "田乡长", Mobile: "13800000002", Roles: []app.Role{app.RoleLeader}}
	mustCreatePerson(t, e.dir, &leader)
	namesake := app.Person{Station: e.county.ID, Name: "田乡长", Mobile: "13800000003", Roles: []app.Role{app.RoleLeader}}
	mustCreatePerson(t, e.dir, &namesake)

	actx := app.WithActor(context.Background(), app.Actor{ID: officer.ID, Name: officer.Name})
	inc := e.sample()
	if _, _, err := e.svc.CreateIncident(actx, inc); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.FindIncidentByID(ctx, inc.ID)
	if err != nil || got.CreatedByID != officer.ID || got.CreatedBy != officer.Name {
		t.Fatalf("the incident was taken by %s (%s), %v", got.CreatedBy, got.CreatedByID, err)
	}
	ops := allOps(t, e.db)
	if last := ops[len(ops)-1]; last.AuthorID != officer.ID {
		t.Fatalf("the incident's operation is signed by %s", last.AuthorID)
	}

	first := report(inc, e.township.ID, incident.KindInitial, "初报")
	if _, err := e.svc.AddReport(actx, first); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SignReport(actx, first.ID, "田乡长"); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.svc.FindReportByID(ctx, first.ID); r.SignedBy != "田乡长" || r.SignedByID != leader.ID {
		t.Errorf("signed by %s (%s), want the township's leader %s", r.SignedBy, r.SignedByID, leader.ID)
	}
	follow := report(inc, e.township.ID, incident.KindFollowUp, "续报")
	if _, err := e.svc.AddReport(actx, follow); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SignReport(actx, follow.ID, "外来领导"); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.svc.FindReportByID(ctx, follow.ID); r.SignedBy != "外来领导" || r.SignedByID != app.NilID {
		t.Errorf("a free name signed as %s (%s)", r.SignedBy, r.SignedByID)
	}
}
