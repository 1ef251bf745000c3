package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/app/syncer"
	"dutyroom/store"
)

// Version is the program's version, shown by `dutyroom version` and in
// the settings screen. A package build sets it with -ldflags -X main.Version.
var Version = "0.1.0"

// Main holds what a run of the program needs; tests create one with their own
// output buffers and call Run.
type Main struct {
	Stdin          io.Reader // where hub connect reads the password
	Stdout, Stderr io.Writer
	DataDir        string
	Demo           bool
	// Serve is the address of a hub to run in-process for a
	// single-machine set-up, "" for none.
	Serve string
	// As names the person of this station who signs what a command
	// changes (author.go); "" for the officer on duty now.
	As string

	db     *store.DB
	engine syncer.Config // sync engine tuning; tests shorten the waits
	author cliAuthor     // who signs the changes, resolved by open
}

// NewMain returns a Main writing to the given streams.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{Stdin: os.Stdin, Stdout: stdout, Stderr: stderr}
}

// Run parses the global flags, then runs the command or the window. It
// returns the process exit code: 0 on success, 1 on a refused or failed
// command, 2 on a usage error.
func (m *Main) Run(args []string) int {
	fs := flag.NewFlagSet("dutyroom", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&m.DataDir, "data", "", "data folder")
	fs.BoolVar(&m.Demo, "demo", false, "seed an empty data folder with the demo prefecture")
	fs.StringVar(&m.Serve, "serve", "", "run a hub in-process on ADDR (host:port), with its data in DIR/hub")
	fs.StringVar(&m.As, "as", "", "sign changes as NAME, a person of this station (default: the officer on duty now)")
	fs.Usage = func() { fmt.Fprint(m.Stderr, usage) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if m.DataDir == "" {
		dir, err := defaultDataDir()
		if err != nil {
			fmt.Fprintf(m.Stderr, "dutyroom: %v; pass -data DIR\n", err)
			return 2
		}
		m.DataDir = dir
	}
	defer m.Close()

	rest := fs.Args()
	if len(rest) == 0 {
		return m.report(m.runWindow())
	}
	m.author.stderr = func(s string) { fmt.Fprintln(m.Stderr, s) }
	ctx := app.WithActorFunc(context.Background(), m.author.get)
	var err error
	switch cmd, args := rest[0], rest[1:]; cmd {
	case "init":
		err = m.runInit(ctx, args)
	case "backup":
		err = m.runBackup(ctx, args)
	case "backups":
		err = m.runBackups(args)
	case "check":
		err = m.runCheck(args)
	case "restore":
		err = m.runRestore(args)
	case "station":
		err = m.runStation(ctx, args)
	case "person":
		err = m.runPerson(ctx, args)
	case "roster":
		err = m.runRoster(ctx, args)
	case "calendar":
		err = m.runCalendar(ctx, args)
	case "incident":
		err = m.runIncident(ctx, args)
	case "message":
		err = m.runMessage(ctx, args)
	case "notice":
		err = m.runNotice(ctx, args)
	case "warning":
		err = m.runWarning(ctx, args)
	case "spotcheck":
		err = m.runSpotCheck(ctx, args)
	case "log":
		err = m.runLog(ctx, args)
	case "consult":
		err = m.runConsult(ctx, args)
	case "desk":
		err = m.runDesk(ctx, args)
	case "instruction":
		err = m.runInstruction(ctx, args)
	case "hub":
		err = m.runHub(ctx, args)
	case "officer":
		err = m.runOfficer(ctx, args)
	case "sync":
		err = m.runSync(args)
	case "sms":
		err = m.runSMS(ctx, args)
	case "version":
		fmt.Fprintf(m.Stdout, "dutyroom %s (schema %d)\n", Version, store.SchemaVersion)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
	default:
		fmt.Fprintf(m.Stderr, "dutyroom: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	return m.report(err)
}

// Close closes the store if a command opened it.
func (m *Main) Close() error {
	if m.db == nil {
		return nil
	}
	err := m.db.Close()
	m.db = nil
	return err
}

// errUsage marks a command line the user must correct; the message says how.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func (m *Main) report(err error) int {
	if err == nil {
		return 0
	}
	var u errUsage
	if errors.As(err, &u) {
		fmt.Fprintf(m.Stderr, "dutyroom: %s\n", u.msg)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	// Unlike the window, the command line shows unexpected failures in
	// full: an administrator at a terminal needs the path or the syscall.
	fmt.Fprintf(m.Stderr, "dutyroom: %s\n", err)
	return 1
}

func defaultDataDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user configuration folder: %w", err)
	}
	return filepath.Join(dir, "dutyroom"), nil
}

func authorName() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "dutyroom"
}

// open opens the store once per run.
func (m *Main) open() (*store.DB, error) {
	if m.db != nil {
		return m.db, nil
	}
	db, err := store.Open(m.DataDir)
	if err != nil {
		return nil, err
	}
	// Who signs is known before any command writes: a bad --as stores
	// nothing. Without --as a failure to read the roster is left to the
	// command (or the window's notice of a damaged file) to report.
	actor, note, err := resolveAuthor(context.Background(), db, m.As, time.Now())
	if err != nil && m.As != "" {
		db.Close()
		return nil, err
	}
	m.author.mu.Lock()
	m.author.actor, m.author.note = actor, note
	m.author.mu.Unlock()
	m.db = db
	return db, nil
}

// seedIfEmpty fills an empty store with the demo prefecture. It reports
// whether it did, so the caller can say so.
func seedIfEmpty(ctx context.Context, db *store.DB) (bool, error) {
	dir := store.NewDirectory(db)
	stations, err := dir.Stations(ctx)
	if err != nil {
		return false, err
	}
	if len(stations) > 0 {
		return false, nil
	}
	return true, demo.Seed(ctx, dir, store.NewIdentity(db))
}

func (m *Main) runInit(ctx context.Context, args []string) error {
	fs := m.flags("init")
	withDemo := fs.Bool("demo", false, "seed the demo prefecture")
	station := fs.String("station", "", "with --demo: the demo station (code) this folder is, its tree shared with a demo hub")
	bare := fs.Bool("bare", false, "with --station: the shared tree only, without the station's roster and history")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *station != "" && !*withDemo && !m.Demo {
		return errUsage{"init --station goes with --demo"}
	}
	db, err := m.open()
	if err != nil {
		return err
	}
	if *station != "" {
		seeded, err := seedSharedDemo(ctx, db, *station)
		if err != nil {
			return err
		}
		if !seeded {
			fmt.Fprintf(m.Stdout, "%s already holds stations; demo data not added\n", db.Path())
			return nil
		}
		if !*bare {
			if err := liveDemo(ctx, db, time.Now()); err != nil {
				return err
			}
		}
		fmt.Fprintf(m.Stdout, "created %s with the shared demo prefecture as station %s\n", db.Path(), *station)
		if !*bare {
			fmt.Fprintln(m.Stdout, "  with its roster and a few days of its own history, queued for the hub like any change")
		}
		return nil
	}
	if *withDemo || m.Demo {
		seeded, err := seedIfEmpty(ctx, db)
		if err != nil {
			return err
		}
		if !seeded {
			fmt.Fprintf(m.Stdout, "%s already holds stations; demo data not added\n", db.Path())
			return nil
		}
		fmt.Fprintf(m.Stdout, "created %s with the demo prefecture\n", db.Path())
		return nil
	}
	fmt.Fprintf(m.Stdout, "ready: %s (schema %d)\n", db.Path(), db.SchemaVersion())
	return nil
}

func (m *Main) runBackup(ctx context.Context, args []string) error {
	fs := m.flags("backup")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errUsage{"backup needs one argument: the file to write"}
	}
	target := fs.Arg(0)
	db, err := m.open()
	if app.ErrorCode(err) == app.ELOCKED {
		return app.Errorf(app.ELOCKED, "%s; while the window is open, back up from Settings → Backup instead", app.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	// Written beside the target, checked, and only then renamed over it:
	// a failed or damaged copy never leaves a file that looks like a good
	// backup, nor replaces an older good one.
	n, err := db.WriteBackup(ctx, target)
	if err != nil {
		return fmt.Errorf("backup failed, nothing was written to %s: %w", target, err)
	}
	fmt.Fprintf(m.Stdout, "wrote %s (%d bytes, checked)\n", target, n)
	return nil
}

func (m *Main) runRestore(args []string) error {
	if len(args) != 1 {
		return errUsage{"restore needs one argument: the backup file to restore"}
	}
	if err := store.Restore(m.DataDir, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "restored %s from %s\n", filepath.Join(m.DataDir, store.FileName), args[0])
	return nil
}

func (m *Main) runStation(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage{"station needs a subcommand: list, add or export"}
	}
	db, err := m.open()
	if err != nil {
		return err
	}
	dir := store.NewDirectory(db)
	switch args[0] {
	case "list":
		fs := m.flags("station list")
		asJSON := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		stations, err := dir.Stations(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return m.printJSON(stationsJSON(stations))
		}
		tree := app.NewTree(stations)
		tw := newTable(m.Stdout)
		fmt.Fprintln(tw, "CODE\tNAME\tTIER\tPHONE")
		var walk func(parent app.ID, depth int)
		walk = func(parent app.ID, depth int) {
			for _, s := range tree.Children(parent) {
				fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\n", s.Code, strings.Repeat("  ", depth), s.Name, s.Tier.Key(), s.Phone)
				walk(s.ID, depth+1)
			}
		}
		walk(app.NilID, 0)
		return tw.Flush()
	case "add":
		fs := m.flags("station add")
		code := fs.String("code", "", "station code")
		name := fs.String("name", "", "station name")
		tier := fs.String("tier", "", "prefecture, county, township or village")
		parent := fs.String("parent", "", "code of the parent station")
		phone := fs.String("phone", "", "duty phone")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		t, err := app.ParseTier(*tier)
		if err != nil {
			return err
		}
		s := &app.Station{Code: *code, Name: *name, Tier: t, Phone: *phone}
		if *parent != "" {
			p, err := dir.FindStationByCode(ctx, *parent)
			if err != nil {
				return err
			}
			s.Parent = p.ID
		}
		if err := dir.CreateStation(ctx, s); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "added station %s %s (%s)\n", s.Code, s.Name, s.ID)
		return nil
	case "export":
		return m.runStationExport(ctx, dir, args[1:])
	}
	return errUsage{fmt.Sprintf("unknown station subcommand %q (want list, add or export)", args[0])}
}

func (m *Main) runPerson(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage{"person needs a subcommand: list, add or remove"}
	}
	db, err := m.open()
	if err != nil {
		return err
	}
	dir := store.NewDirectory(db)
	switch args[0] {
	case "list":
		fs := m.flags("person list")
		station := fs.String("station", "", "only this station (code)")
		asJSON := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		var filter app.PersonFilter
		if *station != "" {
			s, err := dir.FindStationByCode(ctx, *station)
			if err != nil {
				return err
			}
			filter.Station = &s.ID
		}
		persons, err := dir.Persons(ctx, filter)
		if err != nil {
			return err
		}
		stations, err := dir.Stations(ctx)
		if err != nil {
			return err
		}
		tree := app.NewTree(stations)
		if *asJSON {
			return m.printJSON(personsJSON(persons, tree))
		}
		tw := newTable(m.Stdout)
		fmt.Fprintln(tw, "ID\tNAME\tTITLE\tMOBILE\tOFFICE\tSTATION\tROLES")
		for _, p := range persons {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.Title, p.Mobile, p.Office, stationName(tree, p.Station), joinRoles(p.Roles))
		}
		return tw.Flush()
	case "add":
		fs := m.flags("person add")
		station := fs.String("station", "", "station code")
		name := fs.String("name", "", "full name")
		title := fs.String("title", "", "title")
		mobile := fs.String("mobile", "", "mobile number")
		office := fs.String("office", "", "office phone")
		roles := fs.String("roles", "", "comma-separated roles")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *station == "" {
			return errUsage{"person add needs --station CODE"}
		}
		s, err := dir.FindStationByCode(ctx, *station)
		if err != nil {
			return err
		}
		p := &app.Person{Station: s.ID, Name: *name, Title: *title, Mobile: *mobile, Office: *office}
		for _, r := range strings.Split(*roles, ",") {
			if r = strings.TrimSpace(r); r != "" {
				p.Roles = append(p.Roles, app.Role(r))
			}
		}
		if err := dir.CreatePerson(ctx, p); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "added %s to %s (%s)\n", p.Name, s.Name, p.ID)
		return nil
	case "remove":
		if len(args) != 2 {
			return errUsage{"person remove needs one argument: the person's id (see person list)"}
		}
		id, err := app.ParseID(args[1])
		if err != nil {
			return err
		}
		p, err := dir.FindPersonByID(ctx, id)
		if err != nil {
			return err
		}
		if err := dir.DeletePerson(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "removed %s\n", p.Name)
		return nil
	}
	return errUsage{fmt.Sprintf("unknown person subcommand %q (want list, add or remove)", args[0])}
}

func (m *Main) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

func (m *Main) printJSON(v any) error {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// The JSON of the command line names stations by code, which is what
// scripts know, and ids as strings.
type stationOut struct {
	ID     string `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Tier   string `json:"tier"`
	Parent string `json:"parent,omitempty"`
	Phone  string `json:"phone,omitempty"`
}

func stationsJSON(stations []app.Station) []stationOut {
	tree := app.NewTree(stations)
	out := make([]stationOut, 0, len(stations))
	for _, s := range stations {
		o := stationOut{ID: s.ID.String(), Code: s.Code, Name: s.Name, Tier: s.Tier.Key(), Phone: s.Phone}
		if p := tree.Station(s.Parent); p != nil {
			o.Parent = p.Code
		}
		out = append(out, o)
	}
	return out
}

type personOut struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Title   string     `json:"title,omitempty"`
	Mobile  string     `json:"mobile,omitempty"`
	Office  string     `json:"office,omitempty"`
	Station string     `json:"station"`
	Roles   []app.Role `json:"roles"`
}

func personsJSON(persons []app.Person, tree *app.Tree) []personOut {
	out := make([]personOut, 0, len(persons))
	for _, p := range persons {
		o := personOut{ID: p.ID.String(), Name: p.Name, Title: p.Title, Mobile: p.Mobile, Office: p.Office, Roles: p.Roles}
		if s := tree.Station(p.Station); s != nil {
			o.Station = s.Code
		}
		if o.Roles == nil {
			o.Roles = []app.Role{}
		}
		out = append(out, o)
	}
	return out
}

func stationName(tree *app.Tree, id app.ID) string {
	if s := tree.Station(id); s != nil {
		return s.Name
	}
	return "?"
}

func joinRoles(roles []app.Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return strings.Join(parts, ",")
}
