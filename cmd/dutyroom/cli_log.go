package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/store"
)

var logFlags = map[string]string{
	"kind": "--kind",
	"text": "--text",
	"at":   "--at",
	"day":  "--day",
	"from": "--from",
	"to":   "--to",
}

// maxExportDays bounds one log export: a year of duty days.
const maxExportDays = 366

func (m *Main) runLog(ctx context.Context, args []string) error {
	if m.groupHelp("log", args) {
		return nil
	}
	if len(args) == 0 {
		return errUsage{"log needs a subcommand: add, list or export"}
	}
	env, err := m.cliEnv(ctx)
	if err != nil {
		return err
	}
	svc := store.NewRosters(env.db)
	var run func(context.Context, *cliEnv, *store.Rosters, []string) error
	switch args[0] {
	case "add":
		run = m.logAdd
	case "list":
		run = m.logList
	case "export":
		run = m.logExport
	default:
		return errUsage{fmt.Sprintf("unknown log subcommand %q (want add, list or export)", args[0])}
	}
	return withFlags(run(ctx, env, svc, args[1:]), logFlags)
}

type logOut struct {
	ID      string    `json:"id"`
	Station string    `json:"station"`
	Day     string    `json:"day"`
	At      time.Time `json:"at"`
	Author  string    `json:"author"`
	Kind    string    `json:"kind"`
	Text    string    `json:"text"`
	// An entry the station wrote by itself names its record and what
	// happened to it ("incident.intake", "warning.received"...); its kind
	// prints as "auto:" and that event.
	Record   string `json:"record,omitempty"`
	RecordID string `json:"record_id,omitempty"`
	Event    string `json:"event,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

func logOf(env *cliEnv, e *roster.LogEntry) logOut {
	out := logOut{ID: e.ID.String(), Station: env.code(e.Station), Day: e.Day.String(), At: e.At, Author: e.Author, Kind: string(e.Kind), Text: e.Text}
	if e.Auto {
		out.Kind = "auto:" + e.Record.Event
		out.Record, out.RecordID, out.Event, out.Detail = string(e.Record.Kind), e.Record.ID.String(), e.Record.Event, e.Record.Detail
	}
	return out
}

// dutyDay is the duty day in force at t at the station: before the
// handover it is still the previous day's.
func dutyDay(ctx context.Context, svc *store.Rosters, st *app.Station, t time.Time) (roster.Date, error) {
	set, err := svc.Settings(ctx, st.ID)
	if err != nil {
		return roster.Date{}, err
	}
	return roster.DutyDayAt(set.Handover, st.Location(), t), nil
}

func parseDay(field, s string) (roster.Date, error) {
	d, err := roster.ParseDate(strings.TrimSpace(s))
	if err != nil {
		return d, app.FieldErrorf(field, "%q is not a date; write it like 2026-03-01", s)
	}
	return d, nil
}

func (m *Main) logAdd(ctx context.Context, env *cliEnv, svc *store.Rosters, args []string) error {
	fs := m.flags("log add")
	kind := fs.String("kind", string(roster.LogEvent), "call, instruction, event or other")
	text := fs.String("text", "", "what happened")
	when := fs.String("at", "", "when it happened (default: now; YYYY-MM-DD HH:MM local time)")
	asJSON := fs.Bool("json", false, "print the entry as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	t := time.Now()
	if strings.TrimSpace(*when) != "" {
		if t, err = parseTime("at", strings.TrimSpace(*when), self.Location()); err != nil {
			return err
		}
		if t.After(time.Now().Add(time.Minute)) {
			return app.FieldErrorf("at", "%s is still to come; the log records what has happened", at(t, self.Location()))
		}
	}
	day, err := dutyDay(ctx, svc, self, t)
	if err != nil {
		return err
	}
	e := &roster.LogEntry{Station: self.ID, Day: day, At: t, Kind: roster.LogKind(*kind), Text: *text}
	if err := svc.AddLogEntry(ctx, e); err != nil {
		return err
	}
	m.noteQueued("the log entry")
	if *asJSON {
		return m.printJSON(logOf(env, e))
	}
	fmt.Fprintf(m.Stdout, "logged %s for the duty day %s\n", e.ID, e.Day)
	return nil
}

func (m *Main) logList(ctx context.Context, env *cliEnv, svc *store.Rosters, args []string) error {
	fs := m.flags("log list")
	day := fs.String("day", "", "the duty day, YYYY-MM-DD (default: the one in force now)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	var d roster.Date
	if strings.TrimSpace(*day) != "" {
		if d, err = parseDay("day", *day); err != nil {
			return err
		}
	} else if d, err = dutyDay(ctx, svc, self, time.Now()); err != nil {
		return err
	}
	entries, err := svc.LogEntries(ctx, self.ID, d)
	if err != nil {
		return err
	}
	outs := make([]logOut, 0, len(entries))
	for i := range entries {
		outs = append(outs, logOf(env, &entries[i]))
	}
	if *asJSON {
		return m.printJSON(outs)
	}
	fmt.Fprintf(m.Stdout, "值班日志 %s %s\n", self.Name, d)
	tw := newTable(m.Stdout)
	for i, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.In(self.Location()).Format("15:04"), outs[i].Kind, e.Author, e.Text)
	}
	return tw.Flush()
}

// logExport writes the log of a span of duty days, for a nightly export:
// CSV by default (one header line, then day, time, kind, author, text), or
// JSON.
func (m *Main) logExport(ctx context.Context, env *cliEnv, svc *store.Rosters, args []string) error {
	fs := m.flags("log export")
	from := fs.String("from", "", "first duty day, YYYY-MM-DD (default: the one in force now)")
	to := fs.String("to", "", "last duty day, YYYY-MM-DD (default: --from)")
	out := fs.String("o", "-", "file to write (- for standard output)")
	asJSON := fs.Bool("json", false, "write JSON instead of CSV")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	var first, last roster.Date
	if strings.TrimSpace(*from) != "" {
		if first, err = parseDay("from", *from); err != nil {
			return err
		}
	} else if first, err = dutyDay(ctx, svc, self, time.Now()); err != nil {
		return err
	}
	last = first
	if strings.TrimSpace(*to) != "" {
		if last, err = parseDay("to", *to); err != nil {
			return err
		}
	}
	switch n := last.Sub(first) + 1; {
	case n < 1:
		return app.FieldErrorf("to", "%s is before %s", last, first)
	case n > maxExportDays:
		return app.FieldErrorf("to", "%d days asked for; export at most %d at a time", n, maxExportDays)
	}
	var all []logOut
	for d := first; !d.After(last); d = d.AddDays(1) {
		entries, err := svc.LogEntries(ctx, self.ID, d)
		if err != nil {
			return err
		}
		for i := range entries {
			all = append(all, logOf(env, &entries[i]))
		}
	}
	if *out == "-" {
		return writeLog(m.Stdout, all, *asJSON, self.Location())
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := writeLog(f, all, *asJSON, self.Location()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %d entries of %s to %s to %s\n", len(all), first, last, *out)
	return nil
}

// writeLog writes log entries as CSV (a header, then day, time, kind,
// author, text) or as a JSON array.
func writeLog(w io.Writer, entries []logOut, asJSON bool, loc *time.Location) error {
	if asJSON {
		if entries == nil {
			entries = []logOut{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(entries)
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"day", "time", "kind", "author", "text"})
	for _, e := range entries {
		cw.Write([]string{e.Day, e.At.In(loc).Format(time.RFC3339), e.Kind, e.Author, e.Text})
	}
	cw.Flush()
	return cw.Error()
}
