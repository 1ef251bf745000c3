package store

import (
	"fmt"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// The details of timeline events, both ways: the note each screen renders
// in its own language, and the same sentence in English, which the
// command line prints and which older programs show (incident.Note).

type detail struct {
	note incident.Note
	text string
}

func notedEvent(inc, station app.ID, at time.Time, actor string, kind incident.EventKind, d detail) incident.Event {
	return incident.NewNotedEvent(inc, station, at, actor, kind, d.note, d.text)
}

func (e *edit) noted(kind incident.EventKind, d detail) incident.Event {
	return notedEvent(e.inc.ID, e.actor, e.tx.now, app.AuthorFrom(e.tx.ctx), kind, d)
}

func receivedNote(inc *incident.Incident, tree *app.Tree) detail {
	n := incident.Note{Kind: incident.NoteReceived, Args: []incident.Arg{
		incident.CategoryArg("category", inc.Category), incident.ChannelArg("channel", inc.Channel)}}
	if who := strings.TrimSpace(inc.Reporter.Name + " " + inc.Reporter.Unit); who != "" {
		n.Args = append(n.Args, incident.TextArg("reporter", who))
	}
	if inc.Place.Station != app.NilID && tree.Station(inc.Place.Station) != nil {
		n.Args = append(n.Args, incident.StationArg("place", inc.Place.Station))
	}
	return detail{n, receivedDetail(inc, tree)}
}

func gradedNote(a incident.Assessment) detail {
	n := incident.Note{Kind: incident.NoteGraded, Args: []incident.Arg{
		incident.GradeArg("grade", a.Grade), incident.FieldArg("field", a.Decided.Field), incident.NumberArg("value", a.Decided.Value),
		incident.NumberArg("min", a.Decided.Min), incident.NumberArg("next", a.Decided.Next)}}
	if a.MissingCounted {
		n.Args = append(n.Args, incident.TextArg("missing_counted", "yes"))
	}
	return detail{n, a.String()}
}

func tasksNote(tasks []incident.ReportTask, tree *app.Tree, loc *time.Location) detail {
	n := incident.Note{Kind: incident.NoteTasks}
	for _, t := range tasks {
		n.Items = append(n.Items, incident.Note{Kind: incident.NoteTask, Args: []incident.Arg{
			incident.ModeArg("mode", t.Mode), incident.RecipientArg("to", t.To), incident.TimeArg("due", t.Due)}})
	}
	return detail{n, tasksDetail(tasks, tree, loc)}
}

func figuresNote(before incident.Counts, beforeLoss int64, after incident.Counts, loss int64) detail {
	n := incident.Note{Kind: incident.NoteFigures}
	add := func(field string, a, b int64) {
		if a != b {
			n.Items = append(n.Items, incident.Note{Kind: incident.NoteFigure, Args: []incident.Arg{
				incident.FieldArg("field", field), incident.NumberArg("from", a), incident.NumberArg("to", b)}})
		}
	}
	add("counts.dead", int64(before.Dead), int64(after.Dead))
	add("counts.missing", int64(before.Missing), int64(after.Missing))
	add("counts.serious_injured", int64(before.SeriousInjured), int64(after.SeriousInjured))
	add("counts.injured", int64(before.Injured), int64(after.Injured))
	add("counts.trapped", int64(before.Trapped), int64(after.Trapped))
	add("counts.evacuated", int64(before.Evacuated), int64(after.Evacuated))
	add("loss", beforeLoss, loss)
	return detail{n, figuresDetail(before, beforeLoss, after, loss)}
}

func confirmedNote(inc *incident.Incident) detail {
	return detail{incident.Note{Kind: incident.NoteConfirmed, Args: []incident.Arg{
		incident.GradeArg("grade", inc.Grade), incident.TextArg("by", inc.GradedBy)}},
		fmt.Sprintf("%s, confirmed by %s", inc.Grade, inc.GradedBy)}
}

func overriddenNote(inc *incident.Incident) detail {
	return detail{incident.Note{Kind: incident.NoteOverridden, Args: []incident.Arg{
		incident.GradeArg("grade", inc.Grade), incident.GradeArg("provisional", inc.Provisional),
		incident.TextArg("by", inc.GradedBy), incident.TextArg("reason", inc.GradeReason)}},
		fmt.Sprintf("%s (provisional %s), set by %s: %s", inc.Grade, inc.Provisional, inc.GradedBy, inc.GradeReason)}
}

func reportNote(kind incident.ReportKind, missing []string) detail {
	n := incident.Note{Kind: incident.NoteReport, Args: []incident.Arg{incident.ReportKindArg("kind", kind)}}
	text := string(kind)
	if len(missing) > 0 {
		n.Args = append(n.Args, incident.Arg{Name: "missing", Type: incident.ArgFields, Value: strings.Join(missing, ",")})
		text += "; leaves out " + strings.Join(missing, ", ")
	}
	return detail{n, text}
}

func signedNote(kind incident.ReportKind, station app.ID, tree *app.Tree, leader string, deliveries int) detail {
	leader = strings.TrimSpace(leader)
	return detail{incident.Note{Kind: incident.NoteSigned, Args: []incident.Arg{
		incident.ReportKindArg("kind", kind), incident.StationArg("station", station),
		incident.TextArg("by", leader), incident.NumberArg("count", int64(deliveries))}},
		fmt.Sprintf("%s report signed at %s by %s for %d deliveries", kind, tree.Path(station), leader, deliveries)}
}

func sentNote(t *incident.ReportTask, tree *app.Tree, loc *time.Location) detail {
	n := incident.Note{Kind: incident.NoteSent, Args: []incident.Arg{
		incident.ModeArg("mode", t.Mode), incident.ReportKindArg("kind", t.Kind), incident.RecipientArg("to", t.To)}}
	text := fmt.Sprintf("%s %s report to %s", t.Mode, t.Kind, recipientName(t.To, tree))
	if t.Late {
		n.Args = append(n.Args, incident.TimeArg("late", t.Due))
		text += fmt.Sprintf(", late: due %s", t.Due.In(loc).Format(detailTime))
	}
	return detail{n, text}
}

func ackedNote(t *incident.ReportTask, tree *app.Tree) detail {
	return detail{incident.Note{Kind: incident.NoteAcked, Args: []incident.Arg{
		incident.ReportKindArg("kind", t.Kind), incident.RecipientArg("to", t.To), incident.TextArg("by", t.AckedBy)}},
		fmt.Sprintf("%s report received by %s (%s)", t.Kind, recipientName(t.To, tree), t.AckedBy)}
}

func closedNote(reason string) detail {
	return detail{incident.Note{Kind: incident.NoteClosed, Args: []incident.Arg{incident.TextArg("reason", reason)}}, reason}
}

func closedByFinalNote() detail {
	return detail{incident.Note{Kind: incident.NoteClosedBy}, "final report"}
}

// regradedNote tells of new thresholds grading the figures anew; kept is
// the leader's grade that stands, 0 when there is none.
func regradedNote(from, to, kept incident.Grade, station app.ID, tree *app.Tree) detail {
	n := incident.Note{Kind: incident.NoteRegraded, Args: []incident.Arg{
		incident.GradeArg("from", from), incident.GradeArg("to", to), incident.StationArg("station", station)}}
	text := fmt.Sprintf("provisional %s → %s under the thresholds of %s", from, to, tree.Path(station))
	if kept != 0 {
		n.Args = append(n.Args, incident.GradeArg("kept", kept))
		text += fmt.Sprintf("; the leader's grade %s stands", kept)
	}
	return detail{n, text}
}
