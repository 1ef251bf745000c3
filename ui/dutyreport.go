package ui

import (
	"bytes"
	"html/template"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// The daily duty report is a plain HTML page: every duty room has a
// browser, and a browser prints it on one sheet without any other program.
var reportPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: "Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", "SimSun", sans-serif; margin: 2em; color: #000; }
h1 { font-size: 20pt; text-align: center; margin-bottom: 0.2em; }
p.sub { text-align: center; margin-top: 0; }
h2 { font-size: 13pt; border-bottom: 1px solid #000; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.time { white-space: nowrap; width: 6em; }
p.none { color: #555; }
p.signed { margin-top: 3em; text-align: right; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.Window}}</p>

<h2>{{.RosterHeading}}</h2>
{{if .Posts}}<table>
<tr>{{range .PostColumns}}<th>{{.}}</th>{{end}}</tr>
{{range .Posts}}<tr><td>{{.Post}}</td><td>{{.Name}}</td><td>{{.Title}}</td><td>{{.Phone}}</td><td>{{.CheckIn}}</td></tr>
{{end}}</table>{{else}}<p class="none">{{.NoPosts}}</p>{{end}}

<h2>{{.LogHeading}}</h2>
{{if .Log}}<table>
<tr>{{range .LogColumns}}<th>{{.}}</th>{{end}}</tr>
{{range .Log}}<tr><td class="time">{{.Time}}</td><td>{{.Kind}}</td><td>{{.Text}}</td><td>{{.Author}}</td></tr>
{{end}}</table>{{else}}<p class="none">{{.NoLog}}</p>{{end}}

<h2>{{.IncidentHeading}}</h2>
{{if .Incidents}}<table>
<tr>{{range .IncidentColumns}}<th>{{.}}</th>{{end}}</tr>
{{range .Incidents}}<tr><td class="time">{{.Time}}</td><td>{{.Category}}</td><td>{{.Summary}}</td><td>{{.Casualties}}</td><td>{{.Grade}}</td><td>{{.Status}}</td></tr>
{{end}}</table>{{else}}<p class="none">{{.NoIncidents}}</p>{{end}}

<h2>{{.HandoverHeading}}</h2>
<p>{{.Handover}}</p>
{{if .Matters}}<ol>{{range .Matters}}<li>{{.}}</li>{{end}}</ol>{{end}}

<p class="signed">{{.Signed}}</p>
</body>
</html>
`))

type reportPost struct {
	Post, Name, Title, Phone, CheckIn string
}

type reportLine struct {
	Time, Kind, Text, Author string
}

type reportIncident struct {
	Time, Category, Summary, Casualties, Grade, Status string
}

type reportView struct {
	Lang, Title, Window                        string
	RosterHeading, LogHeading, HandoverHeading string
	PostColumns, LogColumns                    []string
	Posts                                      []reportPost
	Log                                        []reportLine
	NoPosts, NoLog                             string
	Handover                                   string
	Matters                                    []string
	Signed                                     string
	IncidentHeading, NoIncidents               string
	IncidentColumns                            []string
	Incidents                                  []reportIncident
}

// dailyReport writes the day's roster, check-ins, log and open matters.
func dailyReport(d todayData, language string) []byte {
	v := reportView{
		Lang: language,
		Title: lang.L("report.title", map[string]any{
			"Station": d.base.home.Name, "Day": dayLabel(d.day), "Kind": dayKindLabel(d.info)}),
		Window:          lang.L("duty.window", map[string]any{"Start": dateTime(d.start, d.loc), "End": dateTime(d.end, d.loc)}),
		RosterHeading:   lang.L("report.roster"),
		LogHeading:      lang.L("report.log"),
		HandoverHeading: lang.L("report.handover"),
		PostColumns: []string{lang.L("report.col_post"), lang.L("report.col_name"), lang.L("report.col_title"),
			lang.L("report.col_phone"), lang.L("report.col_check_in")},
		LogColumns: []string{lang.L("report.col_time"), lang.L("report.col_kind"), lang.L("report.col_text"),
			lang.L("report.col_author")},
		IncidentHeading: lang.L("report.incidents"),
		IncidentColumns: []string{lang.L("report.col_time"), lang.L("report.col_category"), lang.L("report.col_summary"),
			lang.L("report.col_casualties"), lang.L("report.col_grade"), lang.L("report.col_status")},
		NoIncidents: lang.L("report.no_incidents"),
		NoPosts:     lang.L("report.no_posts"),
		NoLog:       lang.L("report.no_log"),
		Signed:      lang.L("report.signed"),
	}
	checked := map[app.ID]roster.CheckIn{}
	for _, c := range d.checkIns {
		checked[c.Person] = c
	}
	if len(d.on) > 0 {
		plan := dayPlan{info: d.info, template: d.settings.TemplateFor(d.info), on: d.on}
		posts := plan.posts()
		sort.Slice(posts, func(i, j int) bool { return posts[i].Less(posts[j]) })
		labels := postLabels(posts)
		for i, post := range posts {
			who := plan.holder(post)
			if who == app.NilID {
				v.Posts = append(v.Posts, reportPost{Post: labels[i], Name: lang.L("roster.vacant")})
				continue
			}
			p := d.base.persons[who]
			row := reportPost{Post: labels[i], Name: d.base.name(who), Title: p.Title, Phone: personPhone(p),
				CheckIn: lang.L("report.not_checked_in")}
			if c, ok := checked[who]; ok {
				row.CheckIn = dateTime(c.At, d.loc)
			}
			v.Posts = append(v.Posts, row)
		}
	}
	for _, e := range d.log {
		kind := logTagLabel(&e)
		if e.Auto {
			kind = lang.L("report.auto_kind", map[string]any{"Kind": kind})
		}
		v.Log = append(v.Log, reportLine{Time: dateTime(e.At, d.loc), Kind: kind, Text: logEntryText(&e, d.loc), Author: e.Author})
	}
	for _, inc := range d.incidents {
		summary := inc.Title
		if summary == "" {
			summary = inc.Place.Text
		}
		v.Incidents = append(v.Incidents, reportIncident{
			Time: dateTime(inc.ReceivedAt, d.loc), Category: categoryLabel(inc.Category), Summary: summary,
			Casualties: lang.L("report.casualties", map[string]any{
				"Dead": inc.Counts.Dead, "Missing": inc.Counts.Missing, "Injured": inc.Counts.SeriousInjured + inc.Counts.Injured}),
			Grade: gradeLabel(inc.EffectiveGrade()), Status: statusLabel(inc.Status),
		})
	}
	switch h := d.own; {
	case h != nil && h.Confirmed():
		v.Handover = lang.L("duty.own_done", map[string]any{
			"Out": h.OutgoingName, "OutAt": dateTime(h.OutAt, d.loc), "In": h.IncomingName, "InAt": dateTime(h.InAt, d.loc)})
		v.Matters = h.OpenMatters
	case h != nil:
		v.Handover = lang.L("report.handed_over", map[string]any{"Out": h.OutgoingName, "OutAt": dateTime(h.OutAt, d.loc)})
		v.Matters = h.OpenMatters
	default:
		v.Handover = lang.L("report.not_handed_over")
	}
	if len(v.Matters) == 0 && d.own != nil {
		v.Handover += " " + lang.L("duty.no_matters")
	}
	var b bytes.Buffer
	if err := reportPage.Execute(&b, v); err != nil {
		// The template is fixed and its data plain strings: a failure is a
		// bug, and an empty page would hide it.
		panic(err)
	}
	return b.Bytes()
}

// reportFileName names the saved report by station and day, so a folder of
// reports sorts by day within each station.
func reportFileName(d todayData) string {
	name := lang.L("report.file_name", map[string]any{"Station": d.base.home.Name, "Date": d.day.String()})
	return strings.NewReplacer("/", "-", "\\", "-", ":", "-").Replace(name)
}

func (p *todayPanel) onReport() {
	if p.data.base.home == nil {
		return
	}
	save := dialog.NewFileSave(p.onReportTarget, p.s.u.win)
	save.SetFileName(reportFileName(p.data))
	save.SetFilter(storage.NewExtensionFileFilter([]string{".html"}))
	showFileDialog(save, p.s.u.win)
}

func (p *todayPanel) onReportTarget(w fyne.URIWriteCloser, err error) {
	if err != nil {
		p.s.u.showError(err)
		return
	}
	if w == nil {
		return // cancelled
	}
	p.writeReport(w)
}

// writeReport writes the report and closes w; a failed write removes the
// file, so no half report is left to be printed.
func (p *todayPanel) writeReport(w fyne.URIWriteCloser) {
	page := dailyReport(p.data, lang.L("report.lang"))
	runAsync(func() (struct{}, error) {
		_, err := w.Write(page)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = storage.Delete(w.URI())
			return struct{}{}, app.Errorf(app.EINTERNAL, "cannot write the report: %v", err)
		}
		return struct{}{}, nil
	}, func(_ struct{}, err error) {
		if err != nil {
			p.s.u.showError(err)
			return
		}
		p.notice.show(lang.L("duty.report_saved", map[string]any{"Path": w.URI().Path()}))
	})
}
