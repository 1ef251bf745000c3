package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/store"
)

var warningFlags = map[string]string{
	"level":       "--level",
	"type":        "--kind",
	"area":        "--area",
	"text":        "--text",
	"issued_by":   "--by",
	"valid_from":  "--from",
	"valid_until": "--until",
	"person":      "--by",
	"station":     "--station",
}

func (m *Main) runWarning(ctx context.Context, args []string) error {
	if m.groupHelp("warning", args) {
		return nil
	}
	if len(args) == 0 {
		return errUsage{"warning needs a subcommand: issue, list, show or ack"}
	}
	env, err := m.cliEnv(ctx)
	if err != nil {
		return err
	}
	svc := store.NewWarnings(env.db)
	var run func(context.Context, *cliEnv, *store.Warnings, []string) error
	switch args[0] {
	case "issue":
		run = m.warningIssue
	case "list":
		run = m.warningList
	case "show":
		run = m.warningShow
	case "ack":
		run = m.warningAck
	default:
		return errUsage{fmt.Sprintf("unknown warning subcommand %q (want issue, list, show or ack)", args[0])}
	}
	return withFlags(run(ctx, env, svc, args[1:]), warningFlags)
}

// warningOut is a warning as scripts read it, with this station's view of
// its acknowledgements.
type warningOut struct {
	ID         string    `json:"id"`
	Issuer     string    `json:"issuer"`
	Level      string    `json:"level"`
	Kind       string    `json:"kind"`
	Area       string    `json:"area,omitempty"`
	Text       string    `json:"text"`
	IssuedBy   string    `json:"issued_by"`
	IssuedAt   time.Time `json:"issued_at"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
	Active     bool      `json:"active"`
	// Acked is whether this station has acknowledged a warning it received;
	// for one issued here, whether every station reached has.
	Acked     bool          `json:"acked"`
	Reached   int           `json:"reached"`
	AckedBy   int           `json:"acked_count"`
	Stations  []progressOut `json:"stations,omitempty"` // show: every station reached
	Direction string        `json:"direction"`          // issued or received
}

type progressOut struct {
	Station    string     `json:"station"`
	Name       string     `json:"name"`
	Depth      int        `json:"depth"`
	Acked      bool       `json:"acked"`
	Person     string     `json:"person,omitempty"`
	At         *time.Time `json:"at,omitempty"`
	RecordedBy string     `json:"recorded_by,omitempty"`
}

func warningOf(ctx context.Context, env *cliEnv, svc *store.Warnings, self app.ID, w *warning.Warning, detail bool) (warningOut, error) {
	o := warningOut{
		ID: w.ID.String(), Issuer: env.code(w.Issuer), Level: string(w.Level), Kind: string(w.Type), Area: w.Area,
		Text: w.Text, IssuedBy: w.IssuedBy, IssuedAt: w.IssuedAt, ValidFrom: w.ValidFrom, ValidUntil: w.ValidUntil,
		Active: w.Active(time.Now()), Direction: "received",
	}
	if w.Issuer == self {
		o.Direction = "issued"
	}
	p, err := svc.Progress(ctx, w.ID)
	if err != nil {
		return o, err
	}
	o.Reached, o.AckedBy = p.All.Total, p.All.Acked
	o.Acked = p.Complete()
	for _, st := range p.Stations {
		if st.Station == self {
			o.Acked = st.Acked()
		}
		if !detail {
			continue
		}
		po := progressOut{Station: st.Code, Name: st.Name, Depth: st.Depth, Acked: st.Acked()}
		if st.Ack != nil {
			po.Person, po.At, po.RecordedBy = st.Ack.Person, timePtr(st.Ack.At), env.code(st.Ack.RecordedBy)
		}
		o.Stations = append(o.Stations, po)
	}
	return o, nil
}

func (m *Main) warningIssue(ctx context.Context, env *cliEnv, svc *store.Warnings, args []string) error {
	fs := m.flags("warning issue")
	level := fs.String("level", "", "blue, yellow, orange or red")
	kind := fs.String("kind", "", strings.Join(typeNames(), ", "))
	title := fs.String("title", "", "a headline; it becomes the first line of the text")
	text := fs.String("text", "", "the warning")
	area := fs.String("area", "", "the area concerned, as the issuing department words it")
	fs.StringVar(area, "scope", "", "the same as --area")
	to := fs.String("to", "", "not taken: a warning reaches every station below the issuer")
	from := fs.String("from", "", "valid from (default: now; YYYY-MM-DD HH:MM local time)")
	until := fs.String("until", "", "valid until (YYYY-MM-DD HH:MM local time)")
	by := fs.String("by", "", "who issues it (default: the person the command runs as)")
	asJSON := fs.Bool("json", false, "print the warning as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *to != "" {
		return app.FieldErrorf("to", "a warning goes to every station below this one and cannot be addressed; name the area concerned with --area")
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	loc := self.Location()
	w := &warning.Warning{Level: warning.Level(strings.ToLower(*level)), Type: warning.Type(*kind), Area: *area, Text: *text, IssuedBy: *by}
	if t := strings.TrimSpace(*title); t != "" && strings.TrimSpace(*text) != "" {
		w.Text = t + "\n" + *text
	}
	if !w.Type.Valid() {
		return app.FieldErrorf("type", "unknown warning kind %q (want %s)", *kind, strings.Join(typeNames(), ", "))
	}
	if w.ValidFrom, err = optTime("valid_from", *from, loc); err != nil {
		return err
	}
	if strings.TrimSpace(*until) == "" {
		return app.FieldErrorf("valid_until", "give the time the warning is valid until")
	}
	if w.ValidUntil, err = optTime("valid_until", *until, loc); err != nil {
		return err
	}
	if err := svc.Issue(ctx, w); err != nil {
		return err
	}
	m.noteQueued("warning " + w.ID.String())
	if *asJSON {
		o, err := warningOf(ctx, env, svc, self.ID, w, false)
		if err != nil {
			return err
		}
		return m.printJSON(o)
	}
	fmt.Fprintf(m.Stdout, "issued %s %s warning %s to the %d stations below %s, valid %s to %s\n", w.Level, w.Type, w.ID,
		len(warning.Recipients(env.tree, w)), self.Name, at(w.ValidFrom, loc), at(w.ValidUntil, loc))
	return nil
}

func typeNames() []string {
	out := make([]string, len(warning.Types))
	for i, t := range warning.Types {
		out[i] = string(t)
	}
	return out
}

func (m *Main) warningList(ctx context.Context, env *cliEnv, svc *store.Warnings, args []string) error {
	fs := m.flags("warning list")
	since := fs.String("since", "", "only those issued at or after (date or time)")
	active := fs.Bool("active", false, "only those in force now")
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
	loc := self.Location()
	from, err := optTime("since", *since, loc)
	if err != nil {
		return err
	}
	list, err := svc.Warnings(ctx, from)
	if err != nil {
		return err
	}
	outs := make([]warningOut, 0, len(list))
	for i := range list {
		if *active && !list[i].Active(time.Now()) {
			continue
		}
		o, err := warningOf(ctx, env, svc, self.ID, &list[i], false)
		if err != nil {
			return err
		}
		outs = append(outs, o)
	}
	if *asJSON {
		return m.printJSON(outs)
	}
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "ID\tISSUED\tLEVEL\tKIND\tISSUER\tVALID UNTIL\tSTATE\tTEXT")
	for _, o := range outs {
		state := fmt.Sprintf("%d/%d acknowledged", o.AckedBy, o.Reached)
		if o.Direction == "received" {
			state = "TO ACKNOWLEDGE"
			if o.Acked {
				state = "acknowledged"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, at(o.IssuedAt, loc), o.Level, o.Kind, o.Issuer,
			at(o.ValidUntil, loc), state, firstLine(o.Text, 30))
	}
	return tw.Flush()
}

// warningShow prints a warning with each station's acknowledgement, as far
// as this station knows them: the issuer's live view, a county's of its
// own part.
func (m *Main) warningShow(ctx context.Context, env *cliEnv, svc *store.Warnings, args []string) error {
	fs := m.flags("warning show")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := idArg(fs, args, "warning", "warning list")
	if err != nil {
		return err
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	w, err := svc.Warning(ctx, id)
	if err != nil {
		return err
	}
	o, err := warningOf(ctx, env, svc, self.ID, w, true)
	if err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(o)
	}
	loc := self.Location()
	out := m.Stdout
	fmt.Fprintf(out, "%s  %s %s warning from %s\n", o.ID, o.Level, o.Kind, stationName(env.tree, w.Issuer))
	fmt.Fprintf(out, "issued    %s by %s\n", at(w.IssuedAt, loc), w.IssuedBy)
	fmt.Fprintf(out, "valid     %s to %s\n", at(w.ValidFrom, loc), at(w.ValidUntil, loc))
	if w.Area != "" {
		fmt.Fprintf(out, "area      %s\n", w.Area)
	}
	fmt.Fprintf(out, "\n%s\n\nacknowledged by %d of %d stations\n", w.Text, o.AckedBy, o.Reached)
	tw := newTable(out)
	for _, st := range o.Stations {
		state := "waiting"
		if st.Acked {
			state = fmt.Sprintf("acknowledged %s by %s", at(*st.At, loc), st.Person)
		}
		fmt.Fprintf(tw, "  %s%s\t%s\t%s\n", strings.Repeat("  ", st.Depth-1), st.Name, st.Station, state)
	}
	return tw.Flush()
}

// warningAck acknowledges a warning for this station, or with --station for
// a village below it whose officer acknowledged by phone.
func (m *Main) warningAck(ctx context.Context, env *cliEnv, svc *store.Warnings, args []string) error {
	fs := m.flags("warning ack")
	by := fs.String("by", "", "who acknowledges (default: the person the command runs as)")
	station := fs.String("station", "", "a village below this station that acknowledged by phone (code or name)")
	id, err := idArg(fs, args, "warning", "warning list")
	if err != nil {
		return err
	}
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	a := &warning.Ack{Warning: id, Station: self.ID, Person: *by}
	if strings.TrimSpace(a.Person) == "" {
		a.Person = app.AuthorFrom(ctx)
	}
	if *station != "" {
		s, err := env.station("station", *station)
		if err != nil {
			return err
		}
		a.Station = s.ID
	}
	if err := svc.Acknowledge(ctx, a); err != nil {
		return err
	}
	m.noteQueued("the acknowledgement")
	fmt.Fprintf(m.Stdout, "acknowledged warning %s for %s by %s\n", id, stationName(env.tree, a.Station), a.Person)
	return nil
}
