package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
	"dutyroom/store"
)

var spotCheckFlags = map[string]string{
	"target": "STATION",
	"n":      "--random",
	"prompt": "--prompt",
	"person": "--name",
	"period": "--quarter",
}

// The spot-check commands are thin over the service, so they follow it
// when the way a check reaches its station and is answered changes.
func (m *Main) runSpotCheck(ctx context.Context, args []string) error {
	if m.groupHelp("spotcheck", args) {
		return nil
	}
	if len(args) == 0 {
		return errUsage{"spotcheck needs a subcommand: start, list, answer or rank"}
	}
	env, err := m.cliEnv(ctx)
	if err != nil {
		return err
	}
	svc := store.NewSpotChecks(env.db)
	var run func(context.Context, *cliEnv, *store.SpotChecks, []string) error
	switch args[0] {
	case "start":
		run = m.spotCheckStart
	case "list":
		run = m.spotCheckList
	case "answer":
		run = m.spotCheckAnswer
	case "rank":
		run = m.spotCheckRank
	default:
		return errUsage{fmt.Sprintf("unknown spotcheck subcommand %q (want start, list, answer or rank)", args[0])}
	}
	return withFlags(run(ctx, env, svc, args[1:]), spotCheckFlags)
}

type checkOut struct {
	ID        string     `json:"id"`
	By        string     `json:"by"`
	Target    string     `json:"target"`
	StartedAt time.Time  `json:"started_at"`
	Deadline  time.Time  `json:"deadline"`
	StartedBy string     `json:"started_by,omitempty"`
	Prompt    string     `json:"prompt,omitempty"`
	Round     string     `json:"round,omitempty"`
	Outcome   string     `json:"outcome"`
	Person    string     `json:"person,omitempty"`      // who answered
	AnswerAt  *time.Time `json:"answered_at,omitempty"` // when
}

func checkOf(env *cliEnv, r *spotcheck.Record, now time.Time) checkOut {
	c := &r.Check
	o := checkOut{ID: c.ID.String(), By: env.code(c.By), Target: env.code(c.Target), StartedAt: c.StartedAt,
		Deadline: c.Deadline, StartedBy: c.StartedBy, Prompt: c.Prompt, Outcome: string(r.Outcome(now))}
	if c.Round != app.NilID {
		o.Round = c.Round.String()
	}
	if r.Answer != nil {
		o.Person, o.AnswerAt = r.Answer.Person, timePtr(r.Answer.At)
	}
	return o
}

func (m *Main) spotCheckStart(ctx context.Context, env *cliEnv, svc *store.SpotChecks, args []string) error {
	fs := m.flags("spotcheck start")
	random := fs.Int("random", 0, "check this many duty rooms below, chosen at random")
	prompt := fs.String("prompt", "", "what the checked station's screen shows (default: the standard text)")
	asJSON := fs.Bool("json", false, "print the checks as JSON")
	var target string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		target, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if target == "" && fs.NArg() == 1 {
		target = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("unexpected %q after the flags", fs.Arg(0))}
	}
	isRandom := false
	fs.Visit(func(f *flag.Flag) { isRandom = isRandom || f.Name == "random" })
	switch {
	case target != "" && isRandom:
		return errUsage{"spotcheck start takes a STATION or --random N, not both"}
	case target == "" && !isRandom:
		return errUsage{"spotcheck start needs a STATION (code or name) or --random N"}
	}
	var checks []spotcheck.Check
	if isRandom {
		var err error
		if checks, err = svc.StartRandom(ctx, *random, uint64(time.Now().UnixNano()), *prompt); err != nil {
			return err
		}
	} else {
		s, err := env.station("target", target)
		if err != nil {
			return err
		}
		c := spotcheck.Check{Target: s.ID, Prompt: *prompt}
		if err := svc.Start(ctx, &c); err != nil {
			return err
		}
		checks = append(checks, c)
	}
	if len(checks) == 1 {
		m.noteQueued("spot check " + checks[0].ID.String())
	} else {
		m.noteQueued(fmt.Sprintf("the %d spot checks", len(checks)))
	}
	now := time.Now()
	outs := make([]checkOut, 0, len(checks))
	for _, c := range checks {
		outs = append(outs, checkOf(env, &spotcheck.Record{Check: c}, now))
	}
	if *asJSON {
		return m.printJSON(outs)
	}
	loc := env.loc(ctx)
	for i, c := range checks {
		fmt.Fprintf(m.Stdout, "started %s: %s (%s) answers by %s\n", outs[i].ID, stationName(env.tree, c.Target), outs[i].Target, at(c.Deadline, loc))
	}
	return nil
}

func (m *Main) spotCheckList(ctx context.Context, env *cliEnv, svc *store.SpotChecks, args []string) error {
	fs := m.flags("spotcheck list")
	quarter := fs.String("quarter", "", "only checks started in this quarter, like 2026Q3")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	loc := env.loc(ctx)
	var f spotcheck.Filter
	if *quarter != "" {
		p, err := spotcheck.ParseQuarter(*quarter, loc)
		if err != nil {
			return err
		}
		f.From, f.To = p.From, p.To
	}
	records, err := svc.Records(ctx, f)
	if err != nil {
		return err
	}
	now := time.Now()
	outs := make([]checkOut, 0, len(records))
	for i := range records {
		outs = append(outs, checkOf(env, &records[i], now))
	}
	if *asJSON {
		return m.printJSON(outs)
	}
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "ID\tSTARTED\tBY\tCHECKED\tDEADLINE\tOUTCOME\tANSWERED BY")
	for i, o := range outs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, at(o.StartedAt, loc), stationName(env.tree, records[i].Check.By),
			stationName(env.tree, records[i].Check.Target), at(o.Deadline, loc), o.Outcome, o.Person)
	}
	return tw.Flush()
}

func (m *Main) spotCheckAnswer(ctx context.Context, env *cliEnv, svc *store.SpotChecks, args []string) error {
	fs := m.flags("spotcheck answer")
	name := fs.String("name", "", "the person on duty, by name")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := idArg(fs, args, "spot check", "spotcheck list")
	if err != nil {
		return err
	}
	outcome, err := svc.Answer(ctx, &spotcheck.Answer{Check: id, Person: *name})
	if err != nil {
		return err
	}
	m.noteQueued("the answer")
	if *asJSON {
		return m.printJSON(struct {
			ID      string `json:"id"`
			Person  string `json:"person"`
			Outcome string `json:"outcome"`
		}{id.String(), strings.TrimSpace(*name), string(outcome)})
	}
	fmt.Fprintf(m.Stdout, "answered %s by %s: %s\n", id, strings.TrimSpace(*name), outcome)
	return nil
}

type rankOut struct {
	Place   int     `json:"place"`
	Station string  `json:"station"`
	Name    string  `json:"name"`
	Checks  int     `json:"checks"`
	OnTime  int     `json:"on_time"`
	Late    int     `json:"late"`
	Missed  int     `json:"missed"`
	Pending int     `json:"pending"`
	Rate    float64 `json:"rate"`
}

func (m *Main) spotCheckRank(ctx context.Context, env *cliEnv, svc *store.SpotChecks, args []string) error {
	fs := m.flags("spotcheck rank")
	quarter := fs.String("quarter", "", "the quarter, like 2026Q3 (default: this one)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	loc := env.loc(ctx)
	now := time.Now()
	p := spotcheck.QuarterOf(now, loc)
	if *quarter != "" {
		var err error
		if p, err = spotcheck.ParseQuarter(*quarter, loc); err != nil {
			return err
		}
	}
	ranks, err := svc.Ranking(ctx, p, now)
	if err != nil {
		return err
	}
	outs := make([]rankOut, 0, len(ranks))
	for i := range ranks {
		r := &ranks[i]
		outs = append(outs, rankOut{Place: r.Place, Station: env.code(r.Station), Name: r.Name, Checks: r.Checks,
			OnTime: r.OnTime, Late: r.Late, Missed: r.Missed, Pending: r.Pending, Rate: r.Rate()})
	}
	if *asJSON {
		return m.printJSON(outs)
	}
	fmt.Fprintf(m.Stdout, "spot checks %s\n", p.Name)
	tw := newTable(m.Stdout)
	fmt.Fprintln(tw, "PLACE\tSTATION\tCHECKS\tON TIME\tLATE\tMISSED\tPENDING\tRATE")
	for _, o := range outs {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%d\t%.0f%%\n", o.Place, o.Name, o.Checks, o.OnTime, o.Late, o.Missed, o.Pending, 100*o.Rate)
	}
	return tw.Flush()
}
