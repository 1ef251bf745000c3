package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// eventDetail is what the timeline says of an event: the figures of a
// consultation event worded in the window's language, the recorded detail
// of any other.
func eventDetail(e incident.Event, tree *app.Tree) string {
	f := e.Consult
	if f == nil {
		return e.Detail
	}
	names := func(ids []app.ID) string {
		if len(ids) == 0 {
			return lang.L("incident.consult_nobody")
		}
		var out []string
		for _, id := range ids {
			out = append(out, stationName(tree, id))
		}
		return strings.Join(out, "、")
	}
	switch e.Kind {
	case incident.EventConsultStarted:
		return lang.L("incident.consult_started_detail", map[string]any{"Title": f.Title, "Invited": names(f.Invited)})
	case incident.EventConsultEnded:
		return lang.L("incident.consult_ended_detail", map[string]any{"Title": f.Title, "Stations": names(f.Participants),
			"Duration": durationText(f.Duration)})
	case incident.EventConsultRoll:
		return lang.L("incident.consult_roll_detail", map[string]any{"Title": f.Title, "Present": f.Present, "Late": f.Late, "Absent": f.Absent})
	}
	return e.Detail
}

// durationText is a consultation's length in hours and minutes, or
// seconds when under a minute.
func durationText(d time.Duration) string {
	if d < time.Minute {
		return lang.L("consult.duration_seconds", map[string]any{"Seconds": int(d / time.Second)})
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if h == 0 {
		return lang.L("consult.duration_minutes", map[string]any{"Minutes": m})
	}
	return lang.L("consult.duration_hours", map[string]any{"Hours": h, "Minutes": m})
}
