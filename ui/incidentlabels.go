package ui

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// The names of the incident domain's values in the reader's language. The
// domain keeps stable English keys; every screen names them through here.

func gradeLabel(g incident.Grade) string {
	switch g {
	case incident.GradeGeneral:
		return lang.L("incident.grade_general")
	case incident.GradeLarge:
		return lang.L("incident.grade_large")
	case incident.GradeMajor:
		return lang.L("incident.grade_major")
	case incident.GradeEspeciallyMajor:
		return lang.L("incident.grade_especially_major")
	}
	return lang.L("incident.grade_none")
}

// gradeColor follows the national colours of emergency levels: blue for
// general, yellow for large, orange for major, red for especially major.
func gradeColor(g incident.Grade) color.NRGBA {
	switch g {
	case incident.GradeGeneral:
		return color.NRGBA{R: 0x19, G: 0x76, B: 0xd2, A: 0xff}
	case incident.GradeLarge:
		return color.NRGBA{R: 0xf9, G: 0xa8, B: 0x25, A: 0xff}
	case incident.GradeMajor:
		return color.NRGBA{R: 0xef, G: 0x6c, B: 0x00, A: 0xff}
	case incident.GradeEspeciallyMajor:
		return color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	}
	return color.NRGBA{R: 0x75, G: 0x75, B: 0x75, A: 0xff}
}

// gradeTextColor is legible on gradeColor: yellow needs dark text.
func gradeTextColor(g incident.Grade) color.NRGBA {
	if g == incident.GradeLarge {
		return color.NRGBA{R: 0x21, G: 0x21, B: 0x21, A: 0xff}
	}
	return color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
}

func groupLabel(g incident.Group) string {
	switch g {
	case incident.GroupProductionSafety:
		return lang.L("incident.group_production_safety")
	case incident.GroupNaturalDisaster:
		return lang.L("incident.group_natural_disaster")
	}
	return lang.L("incident.group_other")
}

func categoryLabel(c incident.Category) string {
	switch c {
	case incident.RoadTraffic:
		return lang.L("incident.cat_road_traffic")
	case incident.WaterwayTraffic:
		return lang.L("incident.cat_waterway_traffic")
	case incident.NonCoalMine:
		return lang.L("incident.cat_non_coal_mine")
	case incident.HazardousChemicals:
		return lang.L("incident.cat_hazardous_chemicals")
	case incident.Fireworks:
		return lang.L("incident.cat_fireworks")
	case incident.Fire:
		return lang.L("incident.cat_fire")
	case incident.Construction:
		return lang.L("incident.cat_construction")
	case incident.TownGas:
		return lang.L("incident.cat_town_gas")
	case incident.SpecialEquipment:
		return lang.L("incident.cat_special_equipment")
	case incident.IndustryTrade:
		return lang.L("incident.cat_industry_trade")
	case incident.Tourism:
		return lang.L("incident.cat_tourism")
	case incident.Flood:
		return lang.L("incident.cat_flood")
	case incident.Drought:
		return lang.L("incident.cat_drought")
	case incident.Geological:
		return lang.L("incident.cat_geological")
	case incident.Earthquake:
		return lang.L("incident.cat_earthquake")
	case incident.ForestFire:
		return lang.L("incident.cat_forest_fire")
	case incident.LowTempIce:
		return lang.L("incident.cat_low_temp_ice")
	case incident.OtherIncident:
		return lang.L("incident.cat_other")
	}
	return string(c)
}

// categoryChoice is a category as the intake form offers it, with its
// group in front, so the one list reads as three.
func categoryChoice(c incident.Category) string {
	return lang.L("incident.category_choice", map[string]any{"Group": groupLabel(c.Group()), "Category": categoryLabel(c)})
}

func channelLabel(c incident.Channel) string {
	switch c {
	case incident.ChannelPhone:
		return lang.L("incident.channel_phone")
	case incident.ChannelHotline12345:
		return lang.L("incident.channel_12345")
	case incident.ChannelHotline12379:
		return lang.L("incident.channel_12379")
	case incident.ChannelSystem:
		return lang.L("incident.channel_system")
	case incident.ChannelRadio:
		return lang.L("incident.channel_radio")
	case incident.ChannelWalkIn:
		return lang.L("incident.channel_walk_in")
	}
	return lang.L("incident.channel_other")
}

func statusLabel(s incident.Status) string {
	if s == incident.StatusClosed {
		return lang.L("incident.status_closed")
	}
	return lang.L("incident.status_open")
}

func reportKindLabel(k incident.ReportKind) string {
	switch k {
	case incident.KindFollowUp:
		return lang.L("incident.kind_followup")
	case incident.KindSupplementary:
		return lang.L("incident.kind_supplementary")
	case incident.KindFinal:
		return lang.L("incident.kind_final")
	}
	return lang.L("incident.kind_initial")
}

func modeLabel(m incident.Mode) string {
	if m == incident.ModePhone {
		return lang.L("incident.mode_phone")
	}
	return lang.L("incident.mode_written")
}

func levelLabel(l incident.Level) string {
	switch l {
	case incident.LevelCounty:
		return lang.L("incident.level_county")
	case incident.LevelPrefecture:
		return lang.L("incident.level_prefecture")
	case incident.LevelProvince:
		return lang.L("incident.level_province")
	case incident.LevelMinistry:
		return lang.L("incident.level_ministry")
	case incident.LevelStateCouncil:
		return lang.L("incident.level_state_council")
	}
	return string(l)
}

func taskStatusLabel(s incident.TaskStatus) string {
	switch s {
	case incident.TaskSigned:
		return lang.L("incident.task_signed")
	case incident.TaskSent:
		return lang.L("incident.task_sent")
	case incident.TaskAcknowledged:
		return lang.L("incident.task_acknowledged")
	}
	return lang.L("incident.task_pending")
}

func eventKindLabel(k incident.EventKind) string {
	switch k {
	case incident.EventReceived:
		return lang.L("incident.event_received")
	case incident.EventGraded:
		return lang.L("incident.event_graded")
	case incident.EventCountsChanged:
		return lang.L("incident.event_counts_changed")
	case incident.EventGradeConfirmed:
		return lang.L("incident.event_grade_confirmed")
	case incident.EventGradeOverridden:
		return lang.L("incident.event_grade_overridden")
	case incident.EventTasksCreated:
		return lang.L("incident.event_tasks_created")
	case incident.EventReported:
		return lang.L("incident.event_reported")
	case incident.EventFollowedUp:
		return lang.L("incident.event_followed_up")
	case incident.EventSupplemented:
		return lang.L("incident.event_supplemented")
	case incident.EventFinalReported:
		return lang.L("incident.event_final_reported")
	case incident.EventSigned:
		return lang.L("incident.event_signed")
	case incident.EventSent:
		return lang.L("incident.event_sent")
	case incident.EventAcknowledged:
		return lang.L("incident.event_acknowledged")
	case incident.EventClosed:
		return lang.L("incident.event_closed")
	case incident.EventConsultStarted:
		return lang.L("incident.event_consult_started")
	case incident.EventConsultEnded:
		return lang.L("incident.event_consult_ended")
	case incident.EventConsultRoll:
		return lang.L("incident.event_consult_roll")
	case incident.EventRegraded:
		return lang.L("incident.event_regraded")
	case incident.EventVillageReport:
		return lang.L("incident.event_village_report")
	}
	return string(k)
}

// missingFieldLabel names a field MissingFields reports.
func missingFieldLabel(field string) string {
	switch field {
	case "occurred_at":
		return lang.L("incident.missing_occurred_at")
	case "place":
		return lang.L("incident.missing_place")
	case "category":
		return lang.L("incident.missing_category")
	case "counts":
		return lang.L("incident.missing_counts")
	case "loss":
		return lang.L("incident.missing_loss")
	}
	return field
}

func missingFieldsText(fields []string) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = missingFieldLabel(f)
	}
	return strings.Join(names, lang.L("list.separator"))
}

// recipientLabel names who receives a report: a station of the tree by its
// name, an office beyond it by its level.
func recipientLabel(r incident.Recipient, tree *app.Tree) string {
	if r.External() {
		return levelLabel(r.Level)
	}
	if tree != nil {
		if s := tree.Station(r.Station); s != nil {
			return s.Name
		}
	}
	return lang.L("incident.unknown_station")
}

func stationName(tree *app.Tree, id app.ID) string {
	if tree != nil {
		if s := tree.Station(id); s != nil {
			return s.Name
		}
	}
	return lang.L("incident.unknown_station")
}

// figureText says one graded figure: "死亡 3 人（≥3）".
func figureText(f incident.Figure, missingCounted bool) string {
	var what string
	switch f.Field {
	case "counts.serious_injured":
		what = lang.L("incident.figure_serious", map[string]any{"N": f.Value})
	case "loss":
		what = lang.L("incident.figure_loss", map[string]any{"N": formatWan(f.Value)})
	default:
		if missingCounted {
			what = lang.L("incident.figure_dead_missing", map[string]any{"N": f.Value})
		} else {
			what = lang.L("incident.figure_dead", map[string]any{"N": f.Value})
		}
	}
	bound := func(v int64) string {
		if f.Field == "loss" {
			return lang.L("incident.wan", map[string]any{"N": formatWan(v)})
		}
		return strconv.FormatInt(v, 10)
	}
	switch {
	case f.Min > 0:
		return what + lang.L("incident.figure_at_least", map[string]any{"Bound": bound(f.Min)})
	case f.Next > 0:
		return what + lang.L("incident.figure_below", map[string]any{"Bound": bound(f.Next)})
	}
	return what
}

// assessmentText is the grade with the figure that decided it:
// "较大：死亡 3 人（≥3）".
func assessmentText(a incident.Assessment) string {
	return lang.L("incident.assessment", map[string]any{
		"Grade": gradeLabel(a.Grade), "Figure": figureText(a.Decided, a.MissingCounted)})
}

// countsText lists the casualties that are not zero, or says there are none.
func countsText(c incident.Counts) string {
	var parts []string
	if c.Dead != 0 {
		parts = append(parts, lang.L("incident.count_dead", map[string]any{"N": c.Dead}))
	}
	if c.Missing != 0 {
		parts = append(parts, lang.L("incident.count_missing", map[string]any{"N": c.Missing}))
	}
	if c.SeriousInjured != 0 {
		parts = append(parts, lang.L("incident.count_serious", map[string]any{"N": c.SeriousInjured}))
	}
	if c.Injured != 0 {
		parts = append(parts, lang.L("incident.count_injured", map[string]any{"N": c.Injured}))
	}
	if c.Trapped != 0 {
		parts = append(parts, lang.L("incident.count_trapped", map[string]any{"N": c.Trapped}))
	}
	if c.Evacuated != 0 {
		parts = append(parts, lang.L("incident.count_evacuated", map[string]any{"N": c.Evacuated}))
	}
	if len(parts) == 0 {
		return lang.L("incident.no_casualties")
	}
	return strings.Join(parts, lang.L("list.separator"))
}

// Money. Officers speak of losses in 万元 (ten thousand yuan); the domain
// keeps yuan, so a figure never loses a digit in either direction.

const yuanPerWan = 10_000

// parseWan reads an amount in 万元 with up to four decimals (one yuan) and
// returns yuan. The empty string is zero. It works on the digits, not on
// floating point, so 0.3 万元 is exactly 3,000 yuan.
func parseWan(s string) (int64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if s == "" {
		return 0, nil
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 4 || !allDigits(whole) || !allDigits(frac) || len(whole) > 12 {
		return 0, fmt.Errorf("not an amount: %q", s)
	}
	frac += strings.Repeat("0", 4-len(frac))
	w, _ := strconv.ParseInt("0"+whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	yuan := w*yuanPerWan + f
	if neg {
		yuan = -yuan
	}
	return yuan, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// formatWan writes yuan as 万元 without trailing zeros: 125000 → "12.5".
func formatWan(yuan int64) string {
	sign := ""
	if yuan < 0 {
		sign, yuan = "-", -yuan
	}
	s := strconv.FormatInt(yuan/yuanPerWan, 10)
	if frac := yuan % yuanPerWan; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%04d", frac), "0")
	}
	return sign + s
}

// lossText writes the estimated loss for reading. Nothing entered is kept
// as zero, and at intake a zero is almost never a figure anyone gave: it
// reads 未知, which sends the reader to ask, where "约 0 万元" would
// tell them there was no loss.
func lossText(yuan int64) string {
	if yuan == 0 {
		return lang.L("incident.loss_unknown")
	}
	return lang.L("incident.wan", map[string]any{"N": formatWan(yuan)})
}

// draftLoss is the loss in a report's draft: about so much, or unknown.
func draftLoss(yuan int64) string {
	if yuan == 0 {
		return lang.L("incident.loss_unknown")
	}
	return lang.L("incident.loss_about", map[string]any{"N": formatWan(yuan)})
}

// lossEntryText is the loss as put back in an entry: empty while unknown,
// so the entry shows its 未知 placeholder rather than a 0 that looks typed.
func lossEntryText(yuan int64) string {
	if yuan == 0 {
		return ""
	}
	return formatWan(yuan)
}

// parseCount reads a number of persons; the empty string is zero.
func parseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	return strconv.Atoi(s)
}

// Times are typed and shown as the station's wall clock.
const entryTimeLayout = "2006-01-02 15:04"

func formatEntryTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(entryTimeLayout)
}

// parseEntryTime reads a time typed in the form; the empty string is the
// zero time. Seconds are not asked for: nobody notes them on the phone.
func parseEntryTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(entryTimeLayout, s, loc)
}

// countdownText is the time left before a deadline, or past it: "12:34",
// "1:02:03". Seconds show because at 3 a.m. a minute matters.
func countdownText(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Truncate(time.Second)
	h := int(d / time.Hour)
	m := int(d % time.Hour / time.Minute)
	s := int(d % time.Minute / time.Second)
	switch {
	case h >= 24:
		return lang.L("incident.days", map[string]any{"Days": h / 24, "Time": fmt.Sprintf("%02d:%02d:%02d", h%24, m, s)})
	case h > 0:
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}

// dueText says how long is left before a task's deadline, or how long it
// is overdue.
func dueText(t incident.ReportTask, now time.Time) string {
	left := t.Remaining(now)
	if left < 0 {
		return lang.L("incident.overdue_by", map[string]any{"Time": countdownText(left)})
	}
	return lang.L("incident.due_in", map[string]any{"Time": countdownText(left)})
}

// incidentSummary is the one line that names an incident in lists and
// banners: its title, or where and what when it has none.
func incidentSummary(inc *incident.Incident, tree *app.Tree) string {
	if inc.Title != "" {
		return inc.Title
	}
	place := inc.Place.Text
	if inc.Place.Station != app.NilID && tree != nil {
		if s := tree.Station(inc.Place.Station); s != nil {
			if place == "" {
				place = s.Name
			} else {
				place = s.Name + " " + place
			}
		}
	}
	return lang.L("incident.summary", map[string]any{"Place": place, "Category": categoryLabel(inc.Category)})
}
