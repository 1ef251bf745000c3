package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/store"
)

// cliEnv is what the message, notice, warning, spot-check, log and
// consultation commands work with: the store, and the station tree read
// once per run, so stations can be named by code or by name.
type cliEnv struct {
	db    *store.DB
	ident *store.Identity
	tree  *app.Tree
	all   []app.Station
}

func (m *Main) cliEnv(ctx context.Context) (*cliEnv, error) {
	db, err := m.open()
	if err != nil {
		return nil, err
	}
	stations, err := store.NewDirectory(db).Stations(ctx)
	if err != nil {
		return nil, err
	}
	return &cliEnv{db: db, ident: store.NewIdentity(db), tree: app.NewTree(stations), all: stations}, nil
}

// self is this duty room's own station: everything these commands write is
// written as it, as in the window.
func (e *cliEnv) self(ctx context.Context) (*app.Station, error) {
	s, err := e.ident.Identity(ctx)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, app.Errorf(app.ENOTFOUND, "this data folder has no station of its own yet; choose it in the window (设置) or start from dutyroom init --demo --station CODE")
	}
	return s, err
}

// loc is the zone times are read and shown in: the own station's.
func (e *cliEnv) loc(ctx context.Context) *time.Location {
	if s, err := e.ident.Identity(ctx); err == nil {
		return s.Location()
	}
	return defaultZone()
}

// station finds a station by code, else by name. A name several stations
// share is refused with the candidates, so a script never writes to the
// wrong 长潭村.
func (e *cliEnv) station(field, s string) (*app.Station, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, app.FieldErrorf(field, "name a station by code or name")
	}
	for i := range e.all {
		if e.all[i].Code == s {
			return e.tree.Station(e.all[i].ID), nil
		}
	}
	var found []*app.Station
	for i := range e.all {
		if e.all[i].Name == s {
			found = append(found, e.tree.Station(e.all[i].ID))
		}
	}
	switch len(found) {
	case 0:
		return nil, app.FieldErrorf(field, "no station has code or name %q (see station list)", s)
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, st := range found {
		names[i] = fmt.Sprintf("%s (%s, %s)", st.Code, st.Name, e.tree.Path(st.ID))
	}
	sort.Strings(names)
	return nil, app.FieldErrorf(field, "%d stations are named %q; give the code of one: %s", len(found), s, strings.Join(names, "; "))
}

// stations resolves a list of stations as splitList reads it.
func (e *cliEnv) stations(field, list string) ([]app.ID, error) {
	names := splitList(list)
	if len(names) == 0 {
		return nil, app.FieldErrorf(field, "name at least one station by code or name")
	}
	ids := make([]app.ID, 0, len(names))
	for _, n := range names {
		s, err := e.station(field, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, s.ID)
	}
	return ids, nil
}

// code names a station as scripts know it.
func (e *cliEnv) code(id app.ID) string {
	if s := e.tree.Station(id); s != nil {
		return s.Code
	}
	return id.String()
}

func (e *cliEnv) codes(ids []app.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = e.code(id)
	}
	return out
}

func (e *cliEnv) names(ids []app.ID) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = stationName(e.tree, id)
	}
	return strings.Join(out, ", ")
}

// splitList reads a list of station codes or names as a duty officer types
// it: separated by commas (ASCII or Chinese) or 、, blanks around each
// ignored, empty items dropped.
func splitList(s string) []string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' })
	out := fields[:0]
	for _, f := range fields {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// noteQueued says on standard error where a change just written goes. The
// command line never connects by itself: like the window offline, it
// queues, and dutyroom sync or the window sends the queue.
func (m *Main) noteQueued(what string) {
	conf, err := syncer.LoadHubConfig(syncer.DefaultHubFile(m.DataDir))
	switch {
	case err != nil:
		fmt.Fprintf(m.Stderr, "dutyroom: %s is queued; the hub settings cannot be read (%s)\n", what, app.ErrorMessage(err))
	case conf.Addr == "" || conf.Token == "":
		fmt.Fprintf(m.Stderr, "dutyroom: offline: %s is queued in the outbox; no hub session is set up (dutyroom hub connect), so it leaves at the first dutyroom sync after that\n", what)
	case conf.Off:
		fmt.Fprintf(m.Stderr, "dutyroom: offline: %s is queued in the outbox; sync is off (dutyroom hub disconnect) until the next dutyroom hub connect\n", what)
	default:
		fmt.Fprintf(m.Stderr, "dutyroom: %s is queued in the outbox; dutyroom sync (or the open window) sends it to %s\n", what, conf.Addr)
	}
}

// idArg parses "ID [flags]" or "[flags] ID"; list names the command that
// shows the ids.
func idArg(fs *flag.FlagSet, args []string, what, list string) (app.ID, error) {
	var arg string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		arg, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return app.NilID, err
	}
	switch {
	case arg == "" && fs.NArg() == 1:
		arg = fs.Arg(0)
	case fs.NArg() > 0:
		return app.NilID, errUsage{fmt.Sprintf("unexpected %q after the flags", fs.Arg(0))}
	case arg == "":
		return app.NilID, errUsage{fmt.Sprintf("%s needs the %s id (see %s)", fs.Name(), what, list)}
	}
	id, err := app.ParseID(arg)
	if err != nil {
		return app.NilID, app.FieldErrorf("id", "%q is not a %s id (see %s)", arg, what, list)
	}
	return id, nil
}

// noArgs refuses words after the flags of a command that takes flags only.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("unexpected %q: %s takes flags only", fs.Arg(0), fs.Name())}
	}
	return nil
}

// withFlags adds the flag to a field error, so the message names what the
// user typed as well as the field the window shows.
func withFlags(err error, flags map[string]string) error {
	var e *app.Error
	if errors.As(err, &e) && e.Code == app.EINVALID {
		if f, ok := flags[e.Field]; ok {
			return &app.Error{Code: e.Code, Field: e.Field + " (" + f + ")", Message: e.Message}
		}
	}
	return err
}

// optTime parses an optional time flag; zero when not given.
func optTime(field, s string, loc *time.Location) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	return parseTime(field, strings.TrimSpace(s), loc)
}

// at formats an instant for a table, in loc.
func at(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// groupUsage is what `dutyroom GROUP help` prints; each subcommand's -h
// lists its flags.
var groupUsage = map[string]string{
	"message": `usage:
  message send --to STATION[,STATION...] [--subject S] --text T [--file F]... [--up] [--json]
                     --up: a direct report (信息直报) to a station above, copying every level skipped
  message list [--unread] [--limit N] [--json]
  message show ID [--json]      also marks a message to this station read
`,
	"notice": `usage:
  notice send --to STATION[,STATION...] --subject S --text T [--ack-by TIME] [--file F]... [--json]
  notice list [--unread] [--limit N] [--json]
  notice ack ID [--by NAME]
`,
	"warning": `usage:
  warning issue --level blue|yellow|orange|red --kind KIND --text T --until TIME
                [--title T] [--area A] [--from TIME] [--by NAME] [--json]
                KIND: rainstorm, flood, geological, forest_fire, low_temp_ice, high_temp,
                strong_wind, thunder, other; it reaches every station below this one
  warning list [--since TIME] [--active] [--json]
  warning show ID [--json]      with each station's acknowledgement
  warning ack ID [--by NAME] [--station VILLAGE]
`,
	"spotcheck": `usage:
  spotcheck start STATION | --random N [--prompt TEXT] [--json]
  spotcheck list [--quarter 2026Q3] [--json]
  spotcheck answer ID --name NAME [--json]
  spotcheck rank [--quarter 2026Q3] [--json]
`,
	"log": `usage:
  log add [--kind call|instruction|event|other] --text T [--at TIME] [--json]
  log list [--day YYYY-MM-DD] [--json]
  log export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [-o FILE] [--json]   CSV by default
`,
	"consult": `usage:
  consult schedule --title T --at TIME --invite STATION[,STATION...] [--json]
  consult list [--json]
  consult show ID [--json]
  consult end ID
`,
}

// groupHelp prints the group's usage for help, -h and --help.
func (m *Main) groupHelp(group string, args []string) bool {
	if len(args) == 0 || (args[0] != "help" && args[0] != "-h" && args[0] != "--help") {
		return false
	}
	fmt.Fprint(m.Stdout, groupUsage[group])
	fmt.Fprintln(m.Stdout, "Stations are named by code or name; TIME is YYYY-MM-DD HH:MM in the station's zone, or RFC 3339.")
	return true
}
