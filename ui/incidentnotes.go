package ui

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// Timeline details are stored as notes (incident.Note): a kind of sentence
// and its arguments. Each kind has its sentence in the translations; the
// arguments are shown as the rest of the screens show them: grades and
// report kinds by their names, stations by name, times in the station's
// zone. An event stored before notes existed, or a note of a kind this
// version does not know, shows its English Detail as it was stored.

// noteSentences gives each note kind its sentence. Written out so the
// translation check sees every key.
var noteSentences = map[incident.NoteKind]func(args map[string]any) string{
	incident.NoteReceived:   func(a map[string]any) string { return lang.L("incident.note_received", a) },
	incident.NoteGraded:     func(a map[string]any) string { return lang.L("incident.note_graded", a) },
	incident.NoteRegraded:   func(a map[string]any) string { return lang.L("incident.note_regraded", a) },
	incident.NoteFigures:    func(a map[string]any) string { return lang.L("incident.note_figures", a) },
	incident.NoteFigure:     func(a map[string]any) string { return lang.L("incident.note_figure", a) },
	incident.NoteTasks:      func(a map[string]any) string { return lang.L("incident.note_tasks", a) },
	incident.NoteTask:       func(a map[string]any) string { return lang.L("incident.note_task", a) },
	incident.NoteConfirmed:  func(a map[string]any) string { return lang.L("incident.note_confirmed", a) },
	incident.NoteOverridden: func(a map[string]any) string { return lang.L("incident.note_overridden", a) },
	incident.NoteReport:     func(a map[string]any) string { return lang.L("incident.note_report", a) },
	incident.NoteSigned:     func(a map[string]any) string { return lang.L("incident.note_signed", a) },
	incident.NoteSent:       func(a map[string]any) string { return lang.L("incident.note_sent", a) },
	incident.NoteAcked:      func(a map[string]any) string { return lang.L("incident.note_acked", a) },
	incident.NoteClosed:     func(a map[string]any) string { return lang.L("incident.note_closed", a) },
	incident.NoteClosedBy:   func(a map[string]any) string { return lang.L("incident.note_closed_by_final", a) },

	// 村报 made into or merged into the incident.
	incident.NoteVillageReport: func(a map[string]any) string { return lang.L("incident.note_village_report", a) },
}

// timelineDetail is what the timeline shows under an event's kind: its
// note in the window's language, else what eventDetail makes of it (a
// consultation's figures, or the stored English text).
func timelineDetail(e incident.Event, tree *app.Tree, loc *time.Location) string {
	if e.Note != nil {
		if s, ok := noteText(*e.Note, tree, loc); ok {
			return s
		}
	}
	return eventDetail(e, tree)
}

// noteText renders a note; false when its kind, or an item's, is unknown
// here.
func noteText(n incident.Note, tree *app.Tree, loc *time.Location) (string, bool) {
	sentence, ok := noteSentences[n.Kind]
	if !ok {
		return "", false
	}
	args := map[string]any{}
	// Optional parts of a sentence are arguments of their own, given with
	// their words or empty, so a translation never shows an empty slot.
	for _, a := range n.Args {
		args[a.Name] = argText(a, n, tree, loc)
	}
	if len(n.Items) > 0 {
		items := make([]string, 0, len(n.Items))
		for _, it := range n.Items {
			s, ok := noteText(it, tree, loc)
			if !ok {
				return "", false
			}
			items = append(items, s)
		}
		args["Items"] = strings.Join(items, lang.L("incident.note_item_separator"))
	}
	optional(args, n)
	return sentence(args), true
}

// optional fills the optional parts of a sentence: each is a whole
// phrase, empty when the note does not have it.
func optional(args map[string]any, n incident.Note) {
	phrase := func(name string, make func(v any) string) {
		if v, ok := args[name]; ok {
			args[name] = make(v)
		} else {
			args[name] = ""
		}
	}
	switch n.Kind {
	case incident.NoteGraded:
		// The deciding figure as the grade panel says it: "死亡 3 人（≥3）".
		f := incident.Figure{Field: noteArg(n, "field")}
		f.Value, _ = strconv.ParseInt(noteArg(n, "value"), 10, 64)
		f.Min, _ = strconv.ParseInt(noteArg(n, "min"), 10, 64)
		f.Next, _ = strconv.ParseInt(noteArg(n, "next"), 10, 64)
		args["figure"] = figureText(f, noteArg(n, "missing_counted") != "")
	case incident.NoteReceived:
		phrase("reporter", func(v any) string { return lang.L("incident.note_part_reporter", map[string]any{"Who": v}) })
		phrase("place", func(v any) string { return lang.L("incident.note_part_place", map[string]any{"Place": v}) })
	case incident.NoteRegraded:
		phrase("kept", func(v any) string { return lang.L("incident.note_part_kept", map[string]any{"Grade": v}) })
	case incident.NoteReport:
		phrase("missing", func(v any) string { return lang.L("incident.note_part_missing", map[string]any{"Fields": v}) })
	case incident.NoteVillageReport:
		phrase("merged", func(any) string { return lang.L("incident.note_part_merged") })
	case incident.NoteSent:
		phrase("late", func(v any) string { return lang.L("incident.note_part_late", map[string]any{"Due": v}) })
	}
}

// argText shows one argument as the screens show such a value.
func argText(a incident.Arg, n incident.Note, tree *app.Tree, loc *time.Location) string {
	switch a.Type {
	case incident.ArgGrade:
		if g, err := strconv.Atoi(a.Value); err == nil {
			return gradeLabel(incident.Grade(g))
		}
	case incident.ArgStation:
		if id, err := app.ParseID(a.Value); err == nil {
			return stationName(tree, id)
		}
	case incident.ArgRecipient:
		if id, err := app.ParseID(a.Value); err == nil {
			return recipientLabel(incident.Recipient{Station: id}, tree)
		}
		return levelLabel(incident.Level(a.Value))
	case incident.ArgTime:
		if t, err := time.Parse(time.RFC3339, a.Value); err == nil {
			return dateTime(t, loc)
		}
	case incident.ArgReportKind:
		return reportKindLabel(incident.ReportKind(a.Value))
	case incident.ArgMode:
		return modeLabel(incident.Mode(a.Value))
	case incident.ArgCategory:
		return categoryLabel(incident.Category(a.Value))
	case incident.ArgChannel:
		return channelLabel(incident.Channel(a.Value))
	case incident.ArgField:
		return figureFieldLabel(a.Value)
	case incident.ArgFields:
		return missingFieldsText(strings.Split(a.Value, ","))
	case incident.ArgNumber:
		// A loss is stored in yuan and shown, as everywhere, in 万元.
		if f, ok := n.Arg("field"); ok && f.Value == "loss" {
			if v, err := strconv.ParseInt(a.Value, 10, 64); err == nil {
				if v == 0 {
					return lang.L("incident.loss_unknown") // as in the view: nothing given yet
				}
				return lang.L("incident.note_wan", map[string]any{"Wan": formatWan(v)})
			}
		}
	}
	return a.Value
}

// figureFieldLabel names a graded or changed figure.
func figureFieldLabel(field string) string {
	if field == "loss" {
		return lang.L("incident.note_loss")
	}
	if strings.HasPrefix(field, "counts.") {
		return countFieldLabel(field)
	}
	return field
}

// noteArg is the raw value of a note's argument, "" without one.
func noteArg(n incident.Note, name string) string {
	a, _ := n.Arg(name)
	return a.Value
}
