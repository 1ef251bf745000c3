package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/store"
)

var consultFlags = map[string]string{
	"title":     "--title",
	"scheduled": "--at",
	"invited":   "--invite",
	"incident":  "--incident",
}

func (m *Main) runConsult(ctx context.Context, args []string) error {
	if m.groupHelp("consult", args) {
		return nil
	}
	if len(args) == 0 {
		return errUsage{"consult needs a subcommand: schedule, list, show or end"}
	}
	env, err := m.cliEnv(ctx)
	if err != nil {
		return err
	}
	svc := store.NewConsultations(env.db)
	var run func(context.Context, *cliEnv, *store.Consultations, []string) error
	switch args[0] {
	case "schedule":
		run = m.consultSchedule
	case "list":
		run = m.consultList
	case "show":
		run = m.consultShow
	case "end":
		run = m.consultEnd
	default:
		return errUsage{fmt.Sprintf("unknown consult subcommand %q (want schedule, list, show or end)", args[0])}
	}
	return withFlags(run(ctx, env, svc, args[1:]), consultFlags)
}

type consultOut struct {
	ID        string           `json:"id"`
	Title     string           `json:"title"`
	Host      string           `json:"host"`
	Invited   []string         `json:"invited"`
	State     string           `json:"state"` // scheduled, live or ended
	Missed    bool             `json:"missed"`
	Scheduled *time.Time       `json:"scheduled,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	CreatedBy string           `json:"created_by,omitempty"`
	StartedAt *time.Time       `json:"started_at,omitempty"`
	EndedAt   *time.Time       `json:"ended_at,omitempty"`
	Incident  string           `json:"incident,omitempty"`
	Replies   []consultReplyJS `json:"replies,omitempty"` // show
}

type consultReplyJS struct {
	Station string    `json:"station"`
	Accept  bool      `json:"accept"`
	Person  string    `json:"person,omitempty"`
	At      time.Time `json:"at"`
}

func consultOf(env *cliEnv, r *consult.Record, detail bool, now time.Time) consultOut {
	c := &r.Consultation
	o := consultOut{ID: c.ID.String(), Title: c.Title, Host: env.code(c.Host), Invited: env.codes(c.Invited), State: string(c.State),
		Missed: c.Missed(now), Scheduled: c.Scheduled, CreatedAt: c.CreatedAt, CreatedBy: c.CreatedBy,
		StartedAt: timePtr(c.StartedAt), EndedAt: timePtr(c.EndedAt)}
	if c.Incident != nil {
		o.Incident = c.Incident.String()
	}
	if detail {
		for _, rep := range r.Replies {
			o.Replies = append(o.Replies, consultReplyJS{Station: env.code(rep.Station), Accept: rep.Accept, Person: rep.Person, At: rep.At})
		}
	}
	return o
}

// consultSchedule schedules a consultation for a time to come. Going live
// is the window's: it needs the hub reachable and a camera, which a
// command line cannot promise.
func (m *Main) consultSchedule(ctx context.Context, env *cliEnv, svc *store.Consultations, args []string) error {
	fs := m.flags("consult schedule")
	title := fs.String("title", "", "what it is about")
	when := fs.String("at", "", "when it starts (YYYY-MM-DD HH:MM, local time)")
	invite := fs.String("invite", "", "stations invited, by code or name, separated by commas")
	asJSON := fs.Bool("json", false, "print the consultation as JSON")
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
	if strings.TrimSpace(*when) == "" {
		return app.FieldErrorf("scheduled", "give the time it starts; a consultation goes live from the window, with the hub reachable")
	}
	t, err := parseTime("scheduled", strings.TrimSpace(*when), self.Location())
	if err != nil {
		return err
	}
	invited, err := env.stations("invited", *invite)
	if err != nil {
		return err
	}
	c := &consult.Consultation{Title: *title, Scheduled: &t, Invited: invited}
	if err := svc.Schedule(ctx, c); err != nil {
		return err
	}
	m.noteQueued("consultation " + c.ID.String())
	if *asJSON {
		return m.printJSON(consultOf(env, &consult.Record{Consultation: *c}, false, time.Now()))
	}
	fmt.Fprintf(m.Stdout, "scheduled %s for %s with %s; the window starts it at that time\n", c.ID, at(*c.Scheduled, self.Location()), env.names(c.Invited))
	return nil
}

func (m *Main) consultList(ctx context.Context, env *cliEnv, svc *store.Consultations, args []string) error {
	fs := m.flags("consult list")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	records, err := svc.Records(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	outs := make([]consultOut, 0, len(records))
	for i := range records {
		outs = append(outs, consultOf(env, &records[i], false, now))
	}
	if *asJSON {
		return m.printJSON(outs)
	}
	loc := env.loc(ctx)
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "ID\tWHEN\tSTATE\tHOST\tINVITED\tTITLE")
	for i, o := range outs {
		c := &records[i].Consultation
		when := c.CreatedAt
		if c.Scheduled != nil {
			when = *c.Scheduled
		}
		state := o.State
		if o.Missed {
			state = "not started in time"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, at(when, loc), state, stationName(env.tree, c.Host), env.names(c.Invited), o.Title)
	}
	return tw.Flush()
}

func (m *Main) consultShow(ctx context.Context, env *cliEnv, svc *store.Consultations, args []string) error {
	fs := m.flags("consult show")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := idArg(fs, args, "consultation", "consult list")
	if err != nil {
		return err
	}
	r, err := svc.Record(ctx, id)
	if err != nil {
		return err
	}
	o := consultOf(env, r, true, time.Now())
	if *asJSON {
		return m.printJSON(o)
	}
	loc := env.loc(ctx)
	c := &r.Consultation
	w := m.Stdout
	fmt.Fprintf(w, "%s  %s\n", o.ID, c.Title)
	fmt.Fprintf(w, "host      %s (%s), created %s\n", stationName(env.tree, c.Host), c.CreatedBy, at(c.CreatedAt, loc))
	fmt.Fprintf(w, "invited   %s\n", env.names(c.Invited))
	fmt.Fprintf(w, "state     %s\n", c.State)
	if c.Scheduled != nil {
		fmt.Fprintf(w, "scheduled %s\n", at(*c.Scheduled, loc))
	}
	if !c.StartedAt.IsZero() {
		fmt.Fprintf(w, "started   %s\n", at(c.StartedAt, loc))
	}
	if !c.EndedAt.IsZero() {
		fmt.Fprintf(w, "ended     %s\n", at(c.EndedAt, loc))
	}
	for _, rep := range r.Replies {
		answer := "declined"
		if rep.Accept {
			answer = "accepted"
		}
		fmt.Fprintf(w, "  %s %s %s %s\n", stationName(env.tree, rep.Station), answer, rep.Person, at(rep.At, loc))
	}
	return nil
}

func (m *Main) consultEnd(ctx context.Context, env *cliEnv, svc *store.Consultations, args []string) error {
	id, err := idArg(m.flags("consult end"), args, "consultation", "consult list")
	if err != nil {
		return err
	}
	if err := svc.End(ctx, id); err != nil {
		return err
	}
	m.noteQueued("the end of consultation " + id.String())
	fmt.Fprintf(m.Stdout, "ended %s\n", id)
	return nil
}
