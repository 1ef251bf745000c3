package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// maxAttachmentMB bounds --attachment-limit-mb: beyond a gigabyte a figure
// is a typo, not a policy.
const maxAttachmentMB = 1024

func (m *Main) incidentSettings(ctx context.Context, env incidentEnv, args []string) error {
	if len(args) == 0 {
		return errUsage{"incident settings needs a subcommand: show or set"}
	}
	switch args[0] {
	case "show":
		return m.incidentSettingsShow(ctx, env, args[1:])
	case "set":
		return settingsFlagNames(m.incidentSettingsSet(ctx, env, args[1:]))
	}
	return errUsage{fmt.Sprintf("unknown incident settings subcommand %q (want show or set)", args[0])}
}

func (m *Main) incidentSettingsShow(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident settings show")
	station := fs.String("station", "", "station code (default: this duty room's)")
	asJSON := fs.Bool("json", false, "print JSON, the form incident settings set --file reads")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("unexpected %q: incident settings show takes flags only", fs.Arg(0))}
	}
	s, err := env.receiving(ctx, *station)
	if err != nil {
		return err
	}
	st, err := env.svc.Settings(ctx, s.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(st)
	}
	m.printSettings(s, st)
	return nil
}

// printSettings writes the rules in force at s as a duty officer reads
// them: persons, 万元 and minutes.
func (m *Main) printSettings(s *app.Station, st incident.Settings) {
	w := m.Stdout
	fmt.Fprintf(w, "incident rules in force at %s (%s)\n\n", s.Name, s.Code)
	tw := newTable(w)
	fmt.Fprintln(tw, "GRADING\tLARGE FROM\tMAJOR FROM\tESPECIALLY MAJOR FROM")
	scale := func(name string, sc incident.Scale) {
		dead := "dead"
		if sc.CountMissingWithDead {
			dead = "dead and missing"
		}
		fmt.Fprintf(tw, "%s: %s\t%d\t%d\t%d\n", name, dead, sc.Dead.Large, sc.Dead.Major, sc.Dead.EspeciallyMajor)
		fmt.Fprintf(tw, "%s: seriously injured\t%d\t%d\t%d\n", name, sc.Serious.Large, sc.Serious.Major, sc.Serious.EspeciallyMajor)
		fmt.Fprintf(tw, "%s: loss, 万元\t%s\t%s\t%s\n", name, wan(sc.Loss.Large), wan(sc.Loss.Major), wan(sc.Loss.EspeciallyMajor))
	}
	scale("accident", st.Thresholds.Accident)
	scale("disaster", st.Thresholds.Disaster)
	_ = tw.Flush()

	direct := func(sc incident.Scale) string {
		if sc.DirectReportDeadMissing == 0 {
			return "off"
		}
		return fmt.Sprintf("from %d dead or missing", sc.DirectReportDeadMissing)
	}
	r := st.Rules
	levels := make([]string, len(r.DirectTo))
	for i, l := range r.DirectTo {
		levels[i] = string(l)
	}
	fmt.Fprintln(w)
	tw = newTable(w)
	fmt.Fprintf(tw, "missing counted with the dead\taccident %t, disaster %t\n",
		st.Thresholds.Accident.CountMissingWithDead, st.Thresholds.Disaster.CountMissingWithDead)
	fmt.Fprintf(tw, "direct report (越级直报)\taccident %s, disaster %s; from the %s up to %s\n",
		direct(st.Thresholds.Accident), direct(st.Thresholds.Disaster), r.DirectFrom.Key(), strings.Join(levels, ", "))
	fmt.Fprintf(tw, "first report to the next tier\t%s\n", minutes(r.FirstReport))
	fmt.Fprintf(tw, "each further level\t%s\n", minutes(r.PerLevel))
	fmt.Fprintf(tw, "%s and above\tphone %s, written %s\n", r.UrgentFrom, minutes(r.UrgentPhone), minutes(r.UrgentWritten))
	fmt.Fprintf(tw, "direct report\tphone %s, written %s\n", minutes(r.DirectPhone), minutes(r.DirectWritten))
	fmt.Fprintf(tw, "disaster, county initial report\t%s\n", minutes(r.DisasterCounty))
	for _, g := range incident.Grades {
		fmt.Fprintf(tw, "%s incidents reach\t%s\n", g, r.Reach[g])
	}
	limit := st.Limits.MaxAttachment
	note := ""
	if limit <= 0 {
		limit, note = incident.DefaultMaxAttachment, " (default)"
	}
	fmt.Fprintf(tw, "attachment limit\t%s MB%s\n", strconv.FormatFloat(float64(limit)/(1<<20), 'f', -1, 64), note)
	_ = tw.Flush()
}

// wan writes yuan in 万元, the unit of the thresholds on paper.
func wan(yuan int64) string {
	return strconv.FormatFloat(float64(yuan)/10_000, 'f', -1, 64)
}

func minutes(d time.Duration) string {
	return fmt.Sprintf("%s min", strconv.FormatFloat(d.Minutes(), 'f', -1, 64))
}

func (m *Main) incidentSettingsSet(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident settings set")
	station := fs.String("station", "", "station code (default: this duty room's)")
	file := fs.String("file", "", "JSON of the settings, as incident settings show --json prints them; fields left out keep their current value")
	countMissing := fs.String("count-missing-with-dead", "", "true or false: grade accidents and disasters on the dead and missing together")
	limitMB := fs.Int64("attachment-limit-mb", -1, "largest attachment accepted, in MB (0: the default 20 MB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("unexpected %q: incident settings set takes flags only", fs.Arg(0))}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["file"] && !given["count-missing-with-dead"] && !given["attachment-limit-mb"] {
		return errUsage{"incident settings set needs --file FILE, --count-missing-with-dead or --attachment-limit-mb"}
	}
	s, err := env.receiving(ctx, *station)
	if err != nil {
		return err
	}
	// Start from the rules in force, so a file or a flag changes only what
	// it names; nothing is written unless the whole result is valid.
	st, err := env.svc.Settings(ctx, s.ID)
	if err != nil {
		return err
	}
	if given["file"] {
		if err := readSettingsFile(*file, &st); err != nil {
			return err
		}
	}
	if given["count-missing-with-dead"] {
		v, err := strconv.ParseBool(*countMissing)
		if err != nil {
			return app.FieldErrorf("count_missing_with_dead", "%q is neither true nor false", *countMissing)
		}
		st.Thresholds.Accident.CountMissingWithDead = v
		st.Thresholds.Disaster.CountMissingWithDead = v
	}
	if given["attachment-limit-mb"] {
		if *limitMB < 0 || *limitMB > maxAttachmentMB {
			return app.FieldErrorf("limits.max_attachment", "%d MB is not a limit: give 1 to %d, or 0 for the default", *limitMB, maxAttachmentMB)
		}
		st.Limits.MaxAttachment = *limitMB << 20
	}
	if err := st.Validate(); err != nil {
		return err
	}
	if err := env.svc.SetSettings(ctx, s.ID, st); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "saved the incident rules of %s\n\n", s.Name)
	m.printSettings(s, st)
	return nil
}

// readSettingsFile decodes path over st, refusing unknown fields so that a
// misspelt one is not silently ignored.
func readSettingsFile(path string, st *incident.Settings) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return app.FieldErrorf("file", "cannot read %s: %v", path, errors.Unwrap(err))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(st); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return app.FieldErrorf(te.Field, "%s: want a %s, not a JSON %s", path, te.Type, te.Value)
		case errors.As(err, &se):
			return app.FieldErrorf("file", "%s is not JSON: %v (at byte %d)", path, se, se.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return app.FieldErrorf(name, "%s: unknown field %q (see incident settings show --json)", path, name)
		case errors.Is(err, io.EOF):
			return app.FieldErrorf("file", "%s is empty", path)
		}
		return app.FieldErrorf("file", "%s: %v", path, err)
	}
	if dec.More() {
		return app.FieldErrorf("file", "%s holds more than one JSON value", path)
	}
	return nil
}

func settingsFlagNames(err error) error {
	names := map[string]string{
		"file":                    "--file",
		"station":                 "--station",
		"limits.max_attachment":   "--attachment-limit-mb",
		"count_missing_with_dead": "--count-missing-with-dead",
	}
	var e *app.Error
	if errors.As(err, &e) && e.Code == app.EINVALID {
		if f, ok := names[e.Field]; ok {
			return &app.Error{Code: e.Code, Field: e.Field + " (" + f + ")", Message: e.Message}
		}
	}
	return err
}
