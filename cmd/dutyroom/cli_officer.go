package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/villagereport"
	"dutyroom/app/wire"
	"dutyroom/store"
)

// officerUsage is the officer group's help.
const officerUsage = `dutyroom officer account PERSON [--login L] [--timeout 30s]
                                set up or change a village information officer's phone account at the
                                hub (password on standard input; --login defaults to the mobile number)
dutyroom officer revoke PERSON  disable it: the officer's phone is signed out at once
dutyroom officer list [--json]  the accounts of the villages below this station
PERSON is a name or an id. The account is kept at the hub alone: these commands connect with the
session of dutyroom hub connect and need the hub now.
`

// officerOut is one account as officer list --json prints it.
type officerOut struct {
	Login    string    `json:"login"`
	Person   app.ID    `json:"person"`
	Name     string    `json:"name,omitempty"`
	Village  string    `json:"village"` // the village's code
	Disabled bool      `json:"disabled"`
	Changed  time.Time `json:"changed_at"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	path     string    // the village's place in the tree, for the table
}

func (m *Main) runOfficer(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(m.Stdout, officerUsage)
		return nil
	}
	cmd := args[0]
	fs := m.flags("officer " + cmd)
	login := fs.String("login", "", "the login the officer types (default: the mobile number)")
	asJSON := fs.Bool("json", false, "print JSON")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the hub")
	var person string
	rest := args[1:]
	if cmd != "list" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return errUsage{"officer " + cmd + " needs the person: a name or an id"}
		}
		person, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	switch cmd {
	case "account", "revoke", "list":
	default:
		return errUsage{fmt.Sprintf("officer has no subcommand %q: account, revoke or list", cmd)}
	}
	db, err := m.openForHub()
	if err != nil {
		return err
	}
	dir := store.NewDirectory(db)
	stations, err := dir.Stations(ctx)
	if err != nil {
		return err
	}
	tree := app.NewTree(stations)
	var p app.Person
	if person != "" {
		if p, err = officerNamed(ctx, dir, tree, person); err != nil {
			return err
		}
	}
	password := ""
	if cmd == "account" {
		if *login == "" {
			*login = p.Mobile
		}
		if password, err = readPassword(m.Stdin, m.Stdout); err != nil {
			return err
		}
		if err := villagereport.CheckAccount(*login, password, password); err != nil {
			return err
		}
	}

	c, err := m.hubClient(db, m.quietLog())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := m.online(c, *timeout, "an officer's account is set at the hub"); err != nil {
		return err
	}
	accounts := officerAccounts(c)
	switch cmd {
	case "account":
		st, err := accounts.SetAccount(ctx, p.ID, *login, password)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s (%s) signs in at the hub's /report page as %s\n", p.Name, tree.Path(p.Station), st.Login)
	case "revoke":
		list, err := accounts.List(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(list, func(a wire.OfficerAccountState) bool { return a.Person == p.ID })
		if i < 0 {
			return app.Errorf(app.ENOTFOUND, "%s has no account at the hub", p.Name)
		}
		if _, err := accounts.Revoke(ctx, p.ID, list[i].Login); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "%s's account %s is disabled; the phone is signed out\n", p.Name, list[i].Login)
	case "list":
		list, err := accounts.List(ctx)
		if err != nil {
			return err
		}
		return m.printOfficers(ctx, dir, tree, list, *asJSON)
	}
	return nil
}

// officerNamed finds a village's information officer by id or name.
func officerNamed(ctx context.Context, dir *store.Directory, tree *app.Tree, name string) (app.Person, error) {
	role := app.RoleInfoOfficer
	people, err := dir.Persons(ctx, app.PersonFilter{Role: &role})
	if err != nil {
		return app.Person{}, err
	}
	people = slices.DeleteFunc(people, func(p app.Person) bool {
		s := tree.Station(p.Station)
		return s == nil || s.Tier != app.TierVillage
	})
	var found []app.Person
	for _, p := range people {
		if p.ID.String() == name || p.Name == name {
			found = append(found, p)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return app.Person{}, app.Errorf(app.ENOTFOUND, "%s is not an information officer (info_officer) of a village here; the villages' officers are: %s", name, candidates(people))
	}
	return app.Person{}, app.Errorf(app.EINVALID, "%d villages' officers are named %s; pass the id of one: %s", len(found), name, candidates(found))
}

func (m *Main) printOfficers(ctx context.Context, dir *store.Directory, tree *app.Tree, list []wire.OfficerAccountState, asJSON bool) error {
	out := make([]officerOut, len(list))
	for i, a := range list {
		o := officerOut{Login: a.Login, Person: a.Person, Disabled: a.Disabled, Changed: a.ChangedAt, LastSeen: a.LastSeen, Village: a.Station.String(), path: a.Station.String()}
		if p, err := dir.FindPersonByID(ctx, a.Person); err == nil {
			o.Name = p.Name
		}
		if s := tree.Station(a.Station); s != nil {
			o.Village, o.path = s.Code, tree.Path(s.ID)
		}
		out[i] = o
	}
	slices.SortFunc(out, func(a, b officerOut) int { return strings.Compare(a.Village+a.Login, b.Village+b.Login) })
	if asJSON {
		return m.printJSON(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(m.Stdout, "no officers' accounts below this station")
		return nil
	}
	for _, o := range out {
		state := "active"
		if o.Disabled {
			state = "disabled"
		}
		seen := "never signed in"
		if !o.LastSeen.IsZero() {
			seen = "last seen " + o.LastSeen.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(m.Stdout, "%-16s %-8s %-30s %-8s %s\n", o.Login, o.Name, o.path, state, seen)
	}
	return nil
}
