package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/rosterfile"
	"dutyroom/store"
)

func (m *Main) runRoster(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage{"roster needs a subcommand: generate, show, publish, export or import"}
	}
	switch args[0] {
	case "generate":
		return m.rosterGenerate(ctx, args[1:])
	case "show":
		return m.rosterShow(ctx, args[1:])
	case "publish":
		return m.rosterPublish(ctx, args[1:])
	case "export":
		return m.rosterExport(ctx, args[1:])
	case "import":
		return m.rosterImport(ctx, args[1:])
	}
	return errUsage{fmt.Sprintf("unknown roster subcommand %q (want generate, show, publish, export or import)", args[0])}
}

// rosterEnv is what the roster commands work with.
type rosterEnv struct {
	dir     *store.Directory
	rosters *store.Rosters
}

func (m *Main) rosterEnv() (rosterEnv, error) {
	db, err := m.open()
	if err != nil {
		return rosterEnv{}, err
	}
	return rosterEnv{dir: store.NewDirectory(db), rosters: store.NewRosters(db)}, nil
}

func (e rosterEnv) station(ctx context.Context, cmd, code string) (*app.Station, error) {
	if code == "" {
		return nil, errUsage{cmd + " needs --station CODE (see station list)"}
	}
	return e.dir.FindStationByCode(ctx, code)
}

func parseMonthFlag(cmd, s string) (roster.Month, error) {
	if s == "" {
		return roster.Month{}, errUsage{cmd + " needs --month YYYY-MM"}
	}
	return roster.ParseMonth(s)
}

func parseDateFlag(cmd, name, s string) (roster.Date, error) {
	if s == "" {
		return roster.Date{}, errUsage{fmt.Sprintf("%s needs --%s YYYY-MM-DD", cmd, name)}
	}
	return roster.ParseDate(s)
}

// names maps every person to their name, for showing who holds a post:
// someone lent from another station included.
func (e rosterEnv) people(ctx context.Context) (map[app.ID]app.Person, error) {
	list, err := e.dir.Persons(ctx, app.PersonFilter{})
	if err != nil {
		return nil, err
	}
	out := make(map[app.ID]app.Person, len(list))
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

func personName(people map[app.ID]app.Person, id app.ID) string {
	if p, ok := people[id]; ok {
		return p.Name
	}
	return "(" + id.String()[:8] + ")"
}

func (m *Main) rosterGenerate(ctx context.Context, args []string) error {
	fs := m.flags("roster generate")
	code := fs.String("station", "", "station code")
	fromFlag := fs.String("from", "", "first duty day, YYYY-MM-DD")
	toFlag := fs.String("to", "", "last duty day, YYYY-MM-DD")
	if err := fs.Parse(args); err != nil {
		return err
	}
	from, err := parseDateFlag("roster generate", "from", *fromFlag)
	if err != nil {
		return err
	}
	to, err := parseDateFlag("roster generate", "to", *toFlag)
	if err != nil {
		return err
	}
	env, err := m.rosterEnv()
	if err != nil {
		return err
	}
	st, err := env.station(ctx, "roster generate", *code)
	if err != nil {
		return err
	}
	res, notify, err := env.rosters.Generate(ctx, st.ID, from, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "drafted %s (%s) %s to %s: %d posts filled, %d empty\n", st.Name, st.Code, from, to, len(res.Assignments), len(res.Gaps))
	for _, g := range res.Gaps {
		fmt.Fprintf(m.Stdout, "empty: %s %s: %s\n", g.Day, g.Post, g.Reason)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(m.Stdout, "warning: %s\n", w.Message)
	}
	if len(notify) > 0 {
		fmt.Fprintf(m.Stdout, "%d people on published months were affected and have a notice\n", len(notify))
	}
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "\nNAME\tDUTIES\tWORKDAY\tWEEKEND\tHOLIDAY\tHOURS")
	for _, f := range res.Fairness {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.0f\n", f.Name, f.Duties, f.Workday, f.Weekend, f.Holiday, f.Hours)
	}
	return tw.Flush()
}

func (m *Main) rosterPublish(ctx context.Context, args []string) error {
	fs := m.flags("roster publish")
	code := fs.String("station", "", "station code")
	monthFlag := fs.String("month", "", "month, YYYY-MM")
	allowGaps := fs.Bool("allow-gaps", false, "publish even with empty posts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	month, err := parseMonthFlag("roster publish", *monthFlag)
	if err != nil {
		return err
	}
	env, err := m.rosterEnv()
	if err != nil {
		return err
	}
	st, err := env.station(ctx, "roster publish", *code)
	if err != nil {
		return err
	}
	notify, err := env.rosters.Publish(ctx, st.ID, month, *allowGaps)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "published %s (%s) %s; %d people on duty have a notice\n", st.Name, st.Code, month, len(notify))
	return nil
}

// The JSON of roster show: one entry per day, each post with its holder,
// and the template's posts no one holds.
type rosterOut struct {
	Station     string   `json:"station"`
	Name        string   `json:"name"`
	Month       string   `json:"month"`
	State       string   `json:"state"`
	PublishedAt string   `json:"publishedAt,omitempty"`
	PublishedBy string   `json:"publishedBy,omitempty"`
	Handover    string   `json:"handover"`
	Days        []dayOut `json:"days"`
}

type dayOut struct {
	Date    string    `json:"date"`
	Weekday string    `json:"weekday"`
	Kind    string    `json:"kind"`
	Name    string    `json:"name,omitempty"`    // the holiday or make-up day
	Special string    `json:"special,omitempty"` // the special period in force
	Posts   []postOut `json:"posts"`
	Empty   []string  `json:"empty"`
}

type postOut struct {
	Post   string `json:"post"`
	Role   string `json:"role"`
	Person string `json:"person"`
	Name   string `json:"name"`
	Mobile string `json:"mobile,omitempty"`
	Office string `json:"office,omitempty"`
	Manual bool   `json:"manual"`
}

func (m *Main) rosterShow(ctx context.Context, args []string) error {
	fs := m.flags("roster show")
	code := fs.String("station", "", "station code")
	monthFlag := fs.String("month", "", "month, YYYY-MM")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	month, err := parseMonthFlag("roster show", *monthFlag)
	if err != nil {
		return err
	}
	env, err := m.rosterEnv()
	if err != nil {
		return err
	}
	st, err := env.station(ctx, "roster show", *code)
	if err != nil {
		return err
	}
	out, err := monthView(ctx, env, st, month)
	if err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(out)
	}
	state := out.State
	if out.PublishedAt != "" {
		state += " " + out.PublishedAt + " by " + out.PublishedBy
	}
	fmt.Fprintf(m.Stdout, "%s (%s) %s: %s; duty days hand over at %s; * set by hand\n", out.Name, out.Station, out.Month, state, out.Handover)
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "DATE\tDAY\tKIND\tLEADER\tCADRE\tOFFICER\tSTANDBY")
	for _, d := range out.Days {
		kind := d.Kind
		if d.Name != "" {
			kind += " " + d.Name
		}
		if d.Special != "" {
			kind += " (" + d.Special + ")"
		}
		cols := make([][]string, len(roster.DutyRoles))
		for _, p := range d.Posts {
			name := p.Name
			if p.Manual {
				name += "*"
			}
			cols[roleColumn(app.Role(p.Role))] = append(cols[roleColumn(app.Role(p.Role))], name)
		}
		for _, e := range d.Empty {
			post, _ := roster.ParsePost(e)
			cols[roleColumn(post.Role)] = append(cols[roleColumn(post.Role)], "EMPTY")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s", d.Date, d.Weekday[:3], kind)
		for _, c := range cols {
			cell := strings.Join(c, ",")
			if cell == "" {
				cell = "-"
			}
			fmt.Fprintf(tw, "\t%s", cell)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func roleColumn(r app.Role) int {
	for i, x := range roster.DutyRoles {
		if x == r {
			return i
		}
	}
	return 0
}

func monthView(ctx context.Context, env rosterEnv, st *app.Station, month roster.Month) (*rosterOut, error) {
	r, err := env.rosters.Roster(ctx, st.ID, month)
	if err != nil {
		return nil, err
	}
	settings, err := env.rosters.Settings(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	specials, err := env.rosters.SpecialPeriods(ctx, st.ID, month.First(), month.Last())
	if err != nil {
		return nil, err
	}
	cal, err := env.rosters.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	as, err := env.rosters.Assignments(ctx, st.ID, month.First(), month.Last())
	if err != nil {
		return nil, err
	}
	people, err := env.people(ctx)
	if err != nil {
		return nil, err
	}
	out := &rosterOut{Station: st.Code, Name: st.Name, Month: month.String(), State: string(r.State), Handover: settings.Handover.String()}
	if !r.PublishedAt.IsZero() {
		out.PublishedAt = r.PublishedAt.In(st.Location()).Format("2006-01-02 15:04")
		out.PublishedBy = r.PublishedBy
	}
	for d := month.First(); !d.After(month.Last()); d = d.AddDays(1) {
		info := roster.Classify(cal, specials, d)
		day := dayOut{Date: d.String(), Weekday: d.Weekday().String(), Kind: info.Kind.String(), Name: info.Name, Special: info.Special,
			Posts: []postOut{}, Empty: []string{}}
		held := map[roster.Post]bool{}
		for len(as) > 0 && as[0].Day == d {
			a := as[0]
			as = as[1:]
			held[a.Post] = true
			p := people[a.Person]
			day.Posts = append(day.Posts, postOut{Post: a.Post.String(), Role: string(a.Post.Role), Person: a.Person.String(),
				Name: personName(people, a.Person), Mobile: p.Mobile, Office: p.Office, Manual: a.Manual})
		}
		for _, p := range settings.TemplateFor(info).Posts() {
			if !held[p] {
				day.Empty = append(day.Empty, p.String())
			}
		}
		out.Days = append(out.Days, day)
	}
	return out, nil
}

// rosterExport writes one station's month as a wall sheet (.xlsx), phone
// calendar (.ics) or plain table (.csv). The file is written beside its
// target and renamed, so a failed export leaves no half file behind.
func (m *Main) rosterExport(ctx context.Context, args []string) error {
	fs := m.flags("roster export")
	code := fs.String("station", "", "station code")
	monthFlag := fs.String("month", "", "month, YYYY-MM")
	format := fs.String("format", "", "xlsx, ics or csv")
	out := fs.String("o", "", "file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	write := map[string]func(io.Writer, rosterfile.MonthSheet) error{
		"xlsx": rosterfile.WriteXLSX, "ics": rosterfile.WriteICS, "csv": rosterfile.WriteCSV,
	}[*format]
	if write == nil {
		return errUsage{fmt.Sprintf("roster export needs --format xlsx, ics or csv, not %q", *format)}
	}
	if *out == "" {
		return errUsage{"roster export needs -o FILE"}
	}
	month, err := parseMonthFlag("roster export", *monthFlag)
	if err != nil {
		return err
	}
	env, err := m.rosterEnv()
	if err != nil {
		return err
	}
	st, err := env.station(ctx, "roster export", *code)
	if err != nil {
		return err
	}
	sheet, err := env.monthSheet(ctx, st, month)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf, sheet); err != nil {
		return err
	}
	if err := writeFileAtomic(*out, buf.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s: %s %s roster (%d bytes)\n", *out, st.Name, month, buf.Len())
	return nil
}

// monthSheet gathers what a roster file prints for one station and month.
func (e rosterEnv) monthSheet(ctx context.Context, st *app.Station, month roster.Month) (rosterfile.MonthSheet, error) {
	settings, err := e.rosters.Settings(ctx, st.ID)
	if err != nil {
		return rosterfile.MonthSheet{}, err
	}
	cal, err := e.rosters.Calendar(ctx)
	if err != nil {
		return rosterfile.MonthSheet{}, err
	}
	specials, err := e.rosters.SpecialPeriods(ctx, st.ID, month.First(), month.Last())
	if err != nil {
		return rosterfile.MonthSheet{}, err
	}
	as, err := e.rosters.Assignments(ctx, st.ID, month.First(), month.Last())
	if err != nil {
		return rosterfile.MonthSheet{}, err
	}
	people, err := e.dir.Persons(ctx, app.PersonFilter{})
	if err != nil {
		return rosterfile.MonthSheet{}, err
	}
	return rosterfile.NewMonthSheet(rosterfile.MonthInput{
		Station: *st, Month: month, Settings: settings, Calendar: cal,
		Specials: specials, People: people, Assignments: as,
	})
}

// rosterImport reads a roster from .xlsx or .csv and makes the days it covers
// exactly what the file says, all or nothing, for one station: --station, or
// this duty room's own. A wall sheet naming another station is refused.
func (m *Main) rosterImport(ctx context.Context, args []string) error {
	fs := m.flags("roster import")
	code := fs.String("station", "", "station code (default: this duty room's station)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errUsage{"roster import needs one argument: the .xlsx or .csv file to import"}
	}
	file := fs.Arg(0)
	env, err := m.rosterEnv()
	if err != nil {
		return err
	}
	var st *app.Station
	if *code != "" {
		st, err = env.station(ctx, "roster import", *code)
	} else {
		st, err = store.NewIdentity(m.db).Identity(ctx)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return errUsage{"roster import needs --station CODE: this data folder has no station of its own yet"}
		}
	}
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return app.Errorf(app.EINVALID, "cannot read %s: %v", file, err)
	}
	defer f.Close()
	people, err := env.dir.Persons(ctx, app.PersonFilter{})
	if err != nil {
		return err
	}
	as, err := rosterfile.Read(f, *st, people)
	if err != nil {
		return fmt.Errorf("%s: nothing imported:\n%s", file, app.ErrorMessage(err))
	}
	if len(as) == 0 {
		return app.Errorf(app.EINVALID, "%s holds no duties; nothing imported", file)
	}
	from, to := as[0].Day, as[0].Day
	for _, a := range as {
		if a.Day.Before(from) {
			from = a.Day
		}
		if a.Day.After(to) {
			to = a.Day
		}
	}
	warnings, notify, err := env.rosters.ImportAssignments(ctx, st.ID, from, to, as, "imported from "+filepath.Base(file))
	if err != nil {
		return fmt.Errorf("%s: nothing imported: %w", file, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(m.Stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(m.Stdout, "imported %d duties for %s, %s to %s", len(as), st.Name, from, to)
	if len(notify) > 0 {
		fmt.Fprintf(m.Stdout, "; %d people notified of changes to a published roster", len(notify))
	}
	fmt.Fprintln(m.Stdout)
	return nil
}

// writeFileAtomic writes data beside path, syncs it and renames it into place.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

func (m *Main) runCalendar(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage{"calendar needs a subcommand: import or show"}
	}
	switch args[0] {
	case "import":
		return m.calendarImport(ctx, args[1:])
	case "show":
		return m.calendarShow(ctx, args[1:])
	}
	return errUsage{fmt.Sprintf("unknown calendar subcommand %q (want import or show)", args[0])}
}

func (m *Main) calendarImport(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errUsage{"calendar import needs one argument: the calendar file (format: docs/calendar-format.md)"}
	}
	name := args[0]
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("cannot read the calendar: %w", err)
	}
	env, err := m.rosterEnv()
	if err != nil {
		return err
	}
	years, err := env.rosters.ImportCalendar(ctx, bytes.NewReader(data))
	if err != nil {
		if code := app.ErrorCode(err); code != app.EINTERNAL {
			return app.Errorf(code, "%s: %s; nothing was imported", name, app.ErrorMessage(err))
		}
		return err
	}
	list := make([]string, len(years))
	for i, y := range years {
		list[i] = fmt.Sprint(y)
	}
	fmt.Fprintf(m.Stdout, "imported the holiday calendar of %s from %s\n", strings.Join(list, ", "), name)
	return nil
}

func (m *Main) calendarShow(ctx context.Context, args []string) error {
	fs := m.flags("calendar show")
	year := fs.Int("year", time.Now().Year(), "year")
	if err := fs.Parse(args); err != nil {
		return err
	}
	env, err := m.rosterEnv()
	if err != nil {
		return err
	}
	cal, err := env.rosters.Calendar(ctx)
	if err != nil {
		return err
	}
	if !cal.Covers(*year) {
		return app.Errorf(app.ENOTFOUND, "no holiday calendar for %d; import the year's schedule with: dutyroom calendar import FILE", *year)
	}
	// Printed in the file format, so the output can be edited and
	// imported again.
	only := roster.NewCalendar()
	for _, d := range cal.Days() {
		if d.Date.Y == *year {
			if err := only.SetDay(d.Date, d.Kind, d.Name); err != nil {
				return err
			}
		}
	}
	if len(only.Days()) == 0 {
		fmt.Fprintf(m.Stdout, "# %d has no holidays or make-up working days\n", *year)
		return nil
	}
	return only.Format(m.Stdout)
}
