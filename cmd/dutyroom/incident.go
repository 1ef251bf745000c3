package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/store"
)

func (m *Main) runIncident(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage{"incident needs a subcommand: add, list, show, report, sign, send, ack, confirm, override, close, grade, settings or document"}
	}
	db, err := m.open()
	if err != nil {
		return err
	}
	env := incidentEnv{dir: store.NewDirectory(db), svc: store.NewIncidents(db), ident: store.NewIdentity(db)}
	var run func(context.Context, incidentEnv, []string) error
	switch args[0] {
	case "add":
		run = m.incidentAdd
	case "list":
		run = m.incidentList
	case "show":
		run = m.incidentShow
	case "report":
		run = m.incidentReport
	case "sign":
		run = m.incidentSign
	case "send":
		run = m.incidentSend
	case "ack":
		run = m.incidentAck
	case "confirm":
		run = m.incidentConfirm
	case "override":
		run = m.incidentOverride
	case "close":
		run = m.incidentClose
	case "grade":
		run = m.incidentGrade
	case "settings":
		run = m.incidentSettings
	case "document":
		run = m.incidentDocument
	default:
		return errUsage{fmt.Sprintf("unknown incident subcommand %q (want add, list, show, report, sign, send, ack, confirm, override, close, grade, settings or document)", args[0])}
	}
	return flagNames(run(ctx, env, args[1:]))
}

// incidentEnv is what the incident commands work with.
type incidentEnv struct {
	dir   *store.Directory
	svc   *store.Incidents
	ident *store.Identity
}

// station resolves a station code given in flag; field names it in errors.
func (e incidentEnv) station(ctx context.Context, field, code string) (*app.Station, error) {
	s, err := e.dir.FindStationByCode(ctx, code)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, app.FieldErrorf(field, "no station has code %q (see station list)", code)
	}
	return s, err
}

// receiving returns the station given by code, or this duty room's own.
func (e incidentEnv) receiving(ctx context.Context, code string) (*app.Station, error) {
	if code != "" {
		return e.station(ctx, "station", code)
	}
	s, err := e.ident.Identity(ctx)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, app.FieldErrorf("station", "this data folder has no station of its own yet; pass --station CODE")
	}
	return s, err
}

func (e incidentEnv) tree(ctx context.Context) (*app.Tree, error) {
	stations, err := e.dir.Stations(ctx)
	if err != nil {
		return nil, err
	}
	return app.NewTree(stations), nil
}

// flagOf maps the domain's field names to this command line's flags, so an
// error names what the user typed as well as the field.
var flagOf = map[string]string{
	"counts.dead":            "--dead",
	"counts.missing":         "--missing",
	"counts.serious_injured": "--serious",
	"counts.injured":         "--injured",
	"counts.trapped":         "--trapped",
	"counts.evacuated":       "--evacuated",
	"loss":                   "--loss",
	"received_at":            "--received",
	"occurred_at":            "--occurred",
	"place":                  "--place-station or --place",
	"place.station":          "--place-station",
	"place.text":             "--place",
	"category":               "--category",
	"channel":                "--channel",
	"reporter.name":          "--reporter",
	"reporter.unit":          "--reporter-unit",
	"reporter.phone":         "--reporter-phone",
	"attachments":            "--attach",
	"station":                "--station",
	"reason":                 "--reason",
	"by":                     "--by",
	"kind":                   "--kind",
	"text":                   "--text",
	"grade":                  "--grade",
}

func flagNames(err error) error {
	var e *app.Error
	if errors.As(err, &e) && e.Code == app.EINVALID {
		if f, ok := flagOf[e.Field]; ok {
			return &app.Error{Code: e.Code, Field: e.Field + " (" + f + ")", Message: e.Message}
		}
	}
	return err
}

// parseWithID parses "ID [flags]" or "[flags] ID".
func parseWithID(fs *flag.FlagSet, args []string, what string) (app.ID, error) {
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
		return app.NilID, errUsage{fs.Name() + " needs the " + what + " id"}
	}
	id, err := app.ParseID(arg)
	if err != nil {
		return app.NilID, app.FieldErrorf("id", "%q is not an id (see incident list and incident show)", arg)
	}
	return id, nil
}

// figures are the count flags shared by add, report and grade.
type figures struct {
	fs     *flag.FlagSet
	counts incident.Counts
	loss   int64
}

func addFigures(fs *flag.FlagSet) *figures {
	f := &figures{fs: fs}
	fs.IntVar(&f.counts.Dead, "dead", 0, "dead")
	fs.IntVar(&f.counts.Missing, "missing", 0, "missing")
	fs.IntVar(&f.counts.SeriousInjured, "serious", 0, "seriously injured")
	fs.IntVar(&f.counts.Injured, "injured", 0, "injured")
	fs.IntVar(&f.counts.Trapped, "trapped", 0, "trapped")
	fs.IntVar(&f.counts.Evacuated, "evacuated", 0, "evacuated")
	fs.Int64Var(&f.loss, "loss", 0, "estimated direct economic loss, yuan")
	return f
}

// over returns the figures given on the command line over c and loss.
func (f *figures) over(c incident.Counts, loss int64) (incident.Counts, int64) {
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "dead":
			c.Dead = f.counts.Dead
		case "missing":
			c.Missing = f.counts.Missing
		case "serious":
			c.SeriousInjured = f.counts.SeriousInjured
		case "injured":
			c.Injured = f.counts.Injured
		case "trapped":
			c.Trapped = f.counts.Trapped
		case "evacuated":
			c.Evacuated = f.counts.Evacuated
		case "loss":
			loss = f.loss
		}
	})
	return c, loss
}

// parseTime reads an instant: RFC 3339, or "YYYY-MM-DD HH:MM" and
// "YYYY-MM-DD" in the station's zone, as a duty officer writes it.
func parseTime(field, s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, app.FieldErrorf(field, "%q is not a time: write 2026-03-01T10:00:00+08:00, or 2026-03-01 10:00 in the station's zone", s)
}

// stringList collects a repeated flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func (m *Main) incidentAdd(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident add")
	station := fs.String("station", "", "receiving station code (default: this duty room's)")
	received := fs.String("received", "", "time received (default: now)")
	occurred := fs.String("occurred", "", "time it happened")
	channel := fs.String("channel", string(incident.ChannelPhone), "phone, hotline_12345, hotline_12379, system, radio, walk_in or other")
	category := fs.String("category", "", "type of incident")
	placeStation := fs.String("place-station", "", "code of the station where it happened")
	place := fs.String("place", "", "where it happened")
	title := fs.String("title", "", "one-line summary")
	description := fs.String("description", "", "what happened")
	reporter := fs.String("reporter", "", "who called")
	reporterUnit := fs.String("reporter-unit", "", "the caller's unit")
	reporterPhone := fs.String("reporter-phone", "", "the caller's phone")
	var attach stringList
	fs.Var(&attach, "attach", "file to attach (repeat for more)")
	fig := addFigures(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("unexpected %q: incident add takes flags only", fs.Arg(0))}
	}
	recv, err := env.receiving(ctx, *station)
	if err != nil {
		return err
	}
	loc := recv.Location()
	inc := &incident.Incident{
		Station: recv.ID, Channel: incident.Channel(*channel), Category: incident.Category(*category),
		Place:       incident.Place{Text: *place},
		Title:       *title,
		Description: *description,
		Reporter:    incident.Reporter{Name: *reporter, Unit: *reporterUnit, Phone: *reporterPhone},
		ReceivedAt:  time.Now(),
	}
	inc.Counts, inc.Loss = fig.over(incident.Counts{}, 0)
	if *received != "" {
		if inc.ReceivedAt, err = parseTime("received_at", *received, loc); err != nil {
			return err
		}
	}
	if *occurred != "" {
		if inc.OccurredAt, err = parseTime("occurred_at", *occurred, loc); err != nil {
			return err
		}
	}
	if *placeStation != "" {
		s, err := env.station(ctx, "place.station", *placeStation)
		if err != nil {
			return err
		}
		inc.Place.Station = s.ID
	}
	files, closeFiles, err := openAttachments(attach)
	if err != nil {
		return err
	}
	defer closeFiles()
	a, tasks, err := env.svc.CreateIncidentWithFiles(ctx, inc, files)
	if err != nil {
		return err
	}
	// Printed only now: the incident is on disk.
	fmt.Fprintf(m.Stdout, "saved %s grade %s\n", inc.ID, a.Grade)
	fmt.Fprintf(m.Stdout, "  %s\n", a)
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	return m.printTasks(tasks, tree, loc, time.Now())
}

func (m *Main) printTasks(tasks []incident.ReportTask, tree *app.Tree, loc *time.Location, now time.Time) error {
	incident.SortTasks(tasks)
	tw := newTable(m.Stdout)
	for _, t := range tasks {
		state := string(t.Status)
		switch {
		case t.Overdue(now):
			state = "OVERDUE"
		case t.Open():
			state = fmt.Sprintf("%s, %s left", t.Status, t.Remaining(now).Round(time.Minute))
		}
		if t.Late {
			state += " (late)"
		}
		fmt.Fprintf(tw, "  task %s\t%s\t%s\t%s → %s\tdue %s\t%s\n", t.ID, t.Kind, t.Mode,
			stationName(tree, t.From), recipient(t.To, tree), t.Due.In(loc).Format("2006-01-02 15:04"), state)
	}
	return tw.Flush()
}

func recipient(r incident.Recipient, tree *app.Tree) string {
	if r.External() {
		return string(r.Level)
	}
	return stationName(tree, r.Station)
}

// incidentOut is a register line as scripts read it: stations by code.
type incidentOut struct {
	ID           string          `json:"id"`
	ReceivedAt   time.Time       `json:"received_at"`
	Station      string          `json:"station"`
	PlaceStation string          `json:"place_station,omitempty"`
	Place        string          `json:"place,omitempty"`
	Category     string          `json:"category"`
	Grade        string          `json:"grade"`
	Confirmed    bool            `json:"confirmed"`
	Status       string          `json:"status"`
	Title        string          `json:"title,omitempty"`
	Counts       incident.Counts `json:"counts"`
	Loss         int64           `json:"loss"`
	NextDue      *time.Time      `json:"next_due,omitempty"`
	Overdue      bool            `json:"overdue"`
}

func (m *Main) incidentList(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident list")
	asJSON := fs.Bool("json", false, "print JSON")
	from := fs.String("from", "", "received on or after (date or time)")
	to := fs.String("to", "", "received before (date or time)")
	station := fs.String("station", "", "received by or happened at this station or below (code)")
	category := fs.String("category", "", "only this category")
	grade := fs.String("grade", "", "general, large, major or especially_major")
	status := fs.String("status", "", "open or closed")
	overdue := fs.Bool("overdue", false, "only incidents with a report past its deadline")
	text := fs.String("q", "", "words to search for")
	limit := fs.Int("limit", 100, "at most this many, newest first (0: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("unexpected %q: incident list takes flags only", fs.Arg(0))}
	}
	loc := defaultZone()
	if own, err := env.ident.Identity(ctx); err == nil {
		loc = own.Location()
	}
	f := incident.Filter{Text: *text, Limit: *limit}
	if *from != "" {
		t, err := parseTime("from", *from, loc)
		if err != nil {
			return err
		}
		f.From = &t
	}
	if *to != "" {
		t, err := parseTime("to", *to, loc)
		if err != nil {
			return err
		}
		f.To = &t
	}
	if *station != "" {
		s, err := env.station(ctx, "station", *station)
		if err != nil {
			return err
		}
		f.Station = &s.ID
	}
	if *category != "" {
		c := incident.Category(*category)
		if !c.Valid() {
			return app.FieldErrorf("category", "unknown category %q", *category)
		}
		f.Category = &c
	}
	if *grade != "" {
		g, err := incident.ParseGrade(*grade)
		if err != nil {
			return err
		}
		f.Grade = &g
	}
	if *status != "" {
		s := incident.Status(*status)
		if !s.Valid() {
			return app.FieldErrorf("status", "unknown status %q (want open or closed)", *status)
		}
		f.Status = &s
	}
	if *overdue {
		f.Overdue = overdue
	}
	incs, total, err := env.svc.Incidents(ctx, f)
	if err != nil {
		return err
	}
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	if *asJSON {
		out := struct {
			Total     int           `json:"total"`
			Incidents []incidentOut `json:"incidents"`
		}{Total: total, Incidents: make([]incidentOut, 0, len(incs))}
		for i := range incs {
			out.Incidents = append(out.Incidents, toIncidentOut(&incs[i], tree, now))
		}
		return m.printJSON(out)
	}
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "ID\tRECEIVED\tGRADE\tSTATUS\tCATEGORY\tSTATION\tTITLE\tNEXT DUE")
	for i := range incs {
		inc := &incs[i]
		due := ""
		if !inc.NextDue.IsZero() {
			due = inc.NextDue.In(loc).Format("01-02 15:04")
			if inc.Overdue(now) {
				due += " OVERDUE"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inc.ID, inc.ReceivedAt.In(loc).Format("2006-01-02 15:04"),
			gradeText(inc), inc.Status, inc.Category, stationName(tree, inc.Station), inc.Title, due)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d of %d\n", len(incs), total)
	return nil
}

// gradeText marks a grade the leader has not confirmed yet.
func gradeText(inc *incident.Incident) string {
	if inc.Grade == 0 {
		return inc.Provisional.Key() + "?"
	}
	return inc.Grade.Key()
}

func toIncidentOut(inc *incident.Incident, tree *app.Tree, now time.Time) incidentOut {
	o := incidentOut{
		ID: inc.ID.String(), ReceivedAt: inc.ReceivedAt, Place: inc.Place.Text, Category: string(inc.Category),
		Grade: inc.EffectiveGrade().Key(), Confirmed: inc.Grade != 0, Status: string(inc.Status), Title: inc.Title,
		Counts: inc.Counts, Loss: inc.Loss, Overdue: inc.Overdue(now),
	}
	if s := tree.Station(inc.Station); s != nil {
		o.Station = s.Code
	}
	if s := tree.Station(inc.Place.Station); s != nil {
		o.PlaceStation = s.Code
	}
	if !inc.NextDue.IsZero() {
		o.NextDue = &inc.NextDue
	}
	return o
}

func (m *Main) incidentShow(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident show")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseWithID(fs, args, "incident")
	if err != nil {
		return err
	}
	inc, err := env.svc.FindIncidentByID(ctx, id)
	if err != nil {
		return err
	}
	tasks, err := env.svc.Tasks(ctx, incident.TaskFilter{Incident: &id})
	if err != nil {
		return err
	}
	reports, err := env.svc.Reports(ctx, id)
	if err != nil {
		return err
	}
	timeline, err := env.svc.Timeline(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(struct {
			Incident *incident.Incident    `json:"incident"`
			Tasks    []incident.ReportTask `json:"tasks"`
			Reports  []incident.Report     `json:"reports"`
			Timeline []incident.Event      `json:"timeline"`
		}{inc, nonNil(tasks), nonNil(reports), nonNil(timeline)})
	}
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	loc := defaultZone()
	if s := tree.Station(inc.Station); s != nil {
		loc = s.Location()
	}
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04") }
	w := m.Stdout
	fmt.Fprintf(w, "%s  %s\n", inc.ID, inc.Title)
	fmt.Fprintf(w, "received  %s by %s (%s), %s\n", at(inc.ReceivedAt), stationName(tree, inc.Station), inc.Channel, inc.Status)
	if !inc.OccurredAt.IsZero() {
		fmt.Fprintf(w, "occurred  %s\n", at(inc.OccurredAt))
	}
	fmt.Fprintf(w, "place     %s %s\n", tree.Path(inc.Place.Station), inc.Place.Text)
	fmt.Fprintf(w, "category  %s\n", inc.Category)
	c := inc.Counts
	fmt.Fprintf(w, "figures   dead %d, missing %d, seriously injured %d, injured %d, trapped %d, evacuated %d, loss %d yuan\n",
		c.Dead, c.Missing, c.SeriousInjured, c.Injured, c.Trapped, c.Evacuated, inc.Loss)
	fmt.Fprintf(w, "grade     %s", inc.Provisional)
	if inc.Grade != 0 {
		fmt.Fprintf(w, "; %s set by %s %s", inc.Grade, inc.GradedBy, inc.GradeReason)
	} else {
		fmt.Fprint(w, " (provisional)")
	}
	fmt.Fprintln(w)
	if inc.Description != "" {
		fmt.Fprintf(w, "\n%s\n", inc.Description)
	}
	for _, a := range inc.Attachments {
		fmt.Fprintf(w, "attached  %s (%d bytes, sha256 %s) %s\n", a.Name, a.Size, a.SHA256, contentStateText(env.svc, ctx, a.SHA256))
	}
	fmt.Fprintln(w, "\ntasks")
	if err := m.printTasks(tasks, tree, loc, time.Now()); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nreports")
	for _, r := range reports {
		signed := "unsigned"
		if r.SignedBy != "" {
			signed = "signed by " + r.SignedBy
		}
		fmt.Fprintf(w, "  report %s  %s  %s  %s: %s\n", r.ID, r.Kind, at(r.CreatedAt), signed, r.Text)
		for _, a := range r.Attachments {
			fmt.Fprintf(w, "    attached  %s (%d bytes, sha256 %s) %s\n", a.Name, a.Size, a.SHA256, contentStateText(env.svc, ctx, a.SHA256))
		}
	}
	fmt.Fprintln(w, "\ntimeline")
	for _, ev := range timeline {
		fmt.Fprintf(w, "  %s  %-16s %s  %s\n", at(ev.At), ev.Kind, ev.Actor, ev.Detail)
	}
	return nil
}

// openAttachments opens the files given with --attach; closeAll closes
// them once the store has read them.
func openAttachments(paths []string) (files []store.File, closeAll func(), err error) {
	var open []*os.File
	closeAll = func() {
		for _, f := range open {
			f.Close()
		}
	}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			closeAll()
			return nil, nil, app.FieldErrorf("attachments", "cannot read %s: %v", path, errors.Unwrap(err))
		}
		open = append(open, f)
		info, err := f.Stat()
		if err != nil || !info.Mode().IsRegular() {
			closeAll()
			return nil, nil, app.FieldErrorf("attachments", "%s is not a file", path)
		}
		files = append(files, store.File{Name: filepath.Base(path), MIME: mime.TypeByExtension(filepath.Ext(path)),
			Size: info.Size(), Content: f})
	}
	return files, closeAll, nil
}

// contentStateText says how much of an attachment's content is here.
func contentStateText(svc *store.Incidents, ctx context.Context, sha string) string {
	st, err := svc.AttachmentState(ctx, sha)
	switch {
	case err != nil:
		return "state unknown: " + app.ErrorMessage(err)
	case st.Complete:
		return "received"
	case st.Damaged != "":
		return "check failed: " + st.Damaged
	}
	return fmt.Sprintf("receiving %d%% (%d of %d parts)", st.Percent(), st.Have, st.Parts)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (m *Main) incidentReport(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident report")
	kind := fs.String("kind", "", "initial, followup, supplementary or final")
	text := fs.String("text", "", "the report")
	station := fs.String("station", "", "filing station code (default: this duty room's, else the receiving station)")
	fig := addFigures(fs)
	var attach stringList
	fs.Var(&attach, "attach", "file to attach (repeat for more)")
	id, err := parseWithID(fs, args, "incident")
	if err != nil {
		return err
	}
	inc, err := env.svc.FindIncidentByID(ctx, id)
	if err != nil {
		return err
	}
	files, closeFiles, err := openAttachments(attach)
	if err != nil {
		return err
	}
	defer closeFiles()
	r := &incident.Report{Incident: id, Kind: incident.ReportKind(*kind), Text: *text, Station: inc.Station}
	if *station != "" {
		s, err := env.station(ctx, "station", *station)
		if err != nil {
			return err
		}
		r.Station = s.ID
	} else if own, err := env.ident.Identity(ctx); err == nil {
		r.Station = own.ID
	}
	// A report states the figures as known; those given here replace the
	// incident's.
	c, loss := fig.over(inc.Counts, inc.Loss)
	r.Counts, r.Loss = &c, &loss
	tasks, err := env.svc.AddReportWithFiles(ctx, r, files)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "filed %s report %s\n", r.Kind, r.ID)
	if missing := incident.MissingFields(inc, r); len(missing) > 0 {
		fmt.Fprintf(m.Stderr, "dutyroom: warning: the report leaves out %s; sent as it is, that is an omission (漏报)\n", strings.Join(missing, ", "))
	}
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	return m.printTasks(tasks, tree, stationLoc(tree, inc.Station), time.Now())
}

func defaultZone() *time.Location { return (&app.Station{}).Location() }

func stationLoc(tree *app.Tree, id app.ID) *time.Location {
	if s := tree.Station(id); s != nil {
		return s.Location()
	}
	return defaultZone()
}

// incidentSign signs by task (the sending station's sign-off of the report
// it carries) or by report (the filing station's).
func (m *Main) incidentSign(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident sign")
	by := fs.String("by", "", "the leader on duty who signs")
	id, err := parseWithID(fs, args, "task or report")
	if err != nil {
		return err
	}
	var signed []incident.ReportTask
	var incID app.ID
	if t, err := env.svc.FindTaskByID(ctx, id); err == nil {
		incID = t.Incident
		signed, err = env.svc.SignTask(ctx, id, *by)
		if err != nil {
			return err
		}
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return err
	} else {
		r, err := env.svc.FindReportByID(ctx, id)
		if app.ErrorCode(err) == app.ENOTFOUND {
			return app.Errorf(app.ENOTFOUND, "no report task or report %s", id)
		} else if err != nil {
			return err
		}
		incID = r.Incident
		if signed, err = env.svc.SignReport(ctx, id, *by); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stdout, "signed by %s for %d deliveries\n", strings.TrimSpace(*by), len(signed))
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	inc, err := env.svc.FindIncidentByID(ctx, incID)
	if err != nil {
		return err
	}
	return m.printTasks(signed, tree, stationLoc(tree, inc.Station), time.Now())
}

func (m *Main) incidentSend(ctx context.Context, env incidentEnv, args []string) error {
	id, err := parseWithID(m.flags("incident send"), args, "task")
	if err != nil {
		return err
	}
	if err := env.svc.SendTask(ctx, id); err != nil {
		return err
	}
	t, err := env.svc.FindTaskByID(ctx, id)
	if err != nil {
		return err
	}
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	late := ""
	if t.Late {
		late = fmt.Sprintf(", late (due %s)", t.Due.In(stationLoc(tree, t.From)).Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(m.Stdout, "sent %s %s report to %s%s\n", t.Mode, t.Kind, recipient(t.To, tree), late)
	return nil
}

func (m *Main) incidentAck(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident ack")
	by := fs.String("by", "", "who received it")
	id, err := parseWithID(fs, args, "task")
	if err != nil {
		return err
	}
	if err := env.svc.AcknowledgeTask(ctx, id, *by); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "acknowledged by %s\n", strings.TrimSpace(*by))
	return nil
}

func (m *Main) incidentConfirm(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident confirm")
	by := fs.String("by", "", "the leader on duty who confirms the grade")
	id, err := parseWithID(fs, args, "incident")
	if err != nil {
		return err
	}
	if err := env.svc.ConfirmGrade(ctx, id, *by); err != nil {
		return err
	}
	inc, err := env.svc.FindIncidentByID(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "grade %s confirmed by %s\n", inc.Grade, inc.GradedBy)
	return nil
}

func (m *Main) incidentOverride(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident override")
	grade := fs.String("grade", "", "general, large, major or especially_major")
	by := fs.String("by", "", "the leader on duty who sets the grade")
	reason := fs.String("reason", "", "why the grade departs from the figures")
	id, err := parseWithID(fs, args, "incident")
	if err != nil {
		return err
	}
	g, err := incident.ParseGrade(*grade)
	if err != nil {
		return err
	}
	tasks, err := env.svc.OverrideGrade(ctx, id, incident.Override{Grade: g, By: *by, Reason: *reason})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "grade set to %s\n", g)
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	inc, err := env.svc.FindIncidentByID(ctx, id)
	if err != nil {
		return err
	}
	return m.printTasks(tasks, tree, stationLoc(tree, inc.Station), time.Now())
}

func (m *Main) incidentClose(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident close")
	reason := fs.String("reason", "", "why it is closed without a final report")
	id, err := parseWithID(fs, args, "incident")
	if err != nil {
		return err
	}
	if err := env.svc.CloseIncident(ctx, id, *reason); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, "closed")
	return nil
}

// incidentGrade prints the grade figures would get, and the rule that
// decides it, without storing anything.
func (m *Main) incidentGrade(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident grade")
	category := fs.String("category", string(incident.RoadTraffic), "type of incident")
	station := fs.String("station", "", "grade under this station's settings (default: this duty room's, else the national ones)")
	fig := addFigures(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	inc := &incident.Incident{Category: incident.Category(*category)}
	if !inc.Category.Valid() {
		return app.FieldErrorf("category", "unknown category %q", *category)
	}
	inc.Counts, inc.Loss = fig.over(incident.Counts{}, 0)
	if err := inc.Counts.Validate(); err != nil {
		return err
	}
	if err := incident.ValidateLoss(inc.Loss); err != nil {
		return err
	}
	settings := incident.DefaultSettings()
	s, err := env.receiving(ctx, *station)
	if err == nil {
		if settings, err = env.svc.Settings(ctx, s.ID); err != nil {
			return err
		}
	} else if *station != "" {
		return err
	}
	fmt.Fprintln(m.Stdout, incident.Assess(inc, settings.Thresholds))
	return nil
}
