package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
)

// runDesk shows or changes who is signed in at this folder's desk, as the
// window's 到岗签到 and 换人 do: the sign-in is written to the duty log,
// and the commands and the window sign their changes with that officer.
func (m *Main) runDesk(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage{"desk needs a subcommand: show or signin NAME"}
	}
	db, err := m.open()
	if err != nil {
		return err
	}
	desk := store.NewDesk(db)
	switch args[0] {
	case "show":
		in, err := desk.SignedIn(ctx)
		if app.ErrorCode(err) == app.ENOTFOUND {
			fmt.Fprintf(m.Stdout, "nobody is signed in (%s)\n", app.ErrorMessage(err))
			return nil
		} else if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s (%s) signed in at %s\n", in.Person.Name, in.Person.ID, in.At.Local().Format("2006-01-02 15:04"))
		return nil
	case "signin":
		if len(args) != 2 || strings.TrimSpace(args[1]) == "" {
			return errUsage{"desk signin needs one person of this station, by name or id"}
		}
		me, err := store.NewIdentity(db).Identity(ctx)
		if err != nil {
			return err
		}
		people, err := store.NewDirectory(db).Persons(ctx, app.PersonFilter{Station: &me.ID})
		if err != nil {
			return err
		}
		p, err := personNamed(people, strings.TrimSpace(args[1]), me)
		if err != nil {
			return app.Errorf(app.ErrorCode(err), "desk signin: %s", strings.TrimPrefix(app.ErrorMessage(err), "--as "))
		}
		text := "到岗签到：" + p.Name + " 在岗值守"
		if prev, err := desk.SignedIn(ctx); err == nil && prev.Person.ID != p.ID {
			text = "换人：" + p.Name + " 接替 " + prev.Person.Name + " 值守"
		}
		settings, err := store.NewRosters(db).Settings(ctx, me.ID)
		if err != nil {
			return err
		}
		day := roster.DutyDayAt(settings.Handover, me.Location(), time.Now())
		in, err := desk.SignIn(ctx, p.ID, roster.LogEntry{Day: day, Kind: roster.LogOther, Text: text})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s (%s) signed in\n", in.Person.Name, in.Person.ID)
		return nil
	}
	return errUsage{fmt.Sprintf("unknown desk subcommand %q: show or signin NAME", args[0])}
}
