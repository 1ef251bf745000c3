package incidentfile

import (
	"slices"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/document"
)

// ReportDocument is what the bulletin of one report is made from.
type ReportDocument struct {
	Incident *incident.Incident
	Report   *incident.Report
	Reports  []incident.Report     // the incident's reports, to count follow-ups: 续报（二）
	Tasks    []incident.ReportTask // the deliveries of this report: 主送
	Tree     *app.Tree             // names the stations
	Year     int                   // the number's year and
	Number   int                   // the number (第N期) in the filing station's series
	Location *time.Location        // the station's zone; nil is China's
}

// ReportBulletin makes the bulletin of a report: the filing station's
// office as issuer, the kind and its count in the title (初报, 续报（二）,
// 终报), the leader who signed it, the stations and levels it goes to as
// 主送, the duty phone.
func ReportBulletin(d ReportDocument) (*document.Bulletin, error) {
	if d.Incident == nil || d.Report == nil || d.Tree == nil {
		return nil, app.Errorf(app.EINVALID, "a report document needs the incident, the report and the station tree")
	}
	st := d.Tree.Station(d.Report.Station)
	if st == nil {
		return nil, app.FieldErrorf("station", "the filing station %s is not in the directory", d.Report.Station)
	}
	date := d.Report.SignedAt
	if date.IsZero() {
		date = d.Report.CreatedAt
	}
	return &document.Bulletin{
		Office:   OfficeName(st) + "值班室",
		Masthead: OfficeName(st) + "值班信息",
		Year:     d.Year,
		Number:   d.Number,
		Signer:   d.Report.SignedBy,
		Title:    "关于" + Subject(d.Incident, d.Tree) + "的" + ReportTitle(d.Report, d.Reports),
		To:       addressees(d.Tasks, d.Report.ID, d.Tree),
		Body:     d.Report.Text,
		Date:     date,
		Phone:    st.Phone,
		Location: d.Location,
	}, nil
}

// OfficeName is the emergency management bureau a duty room belongs to.
func OfficeName(st *app.Station) string { return st.Name + "应急管理局" }

// Subject names the incident in a title: its one-line summary when it has
// one, else where and what.
func Subject(inc *incident.Incident, tree *app.Tree) string {
	if t := strings.TrimSpace(inc.Title); t != "" {
		return t
	}
	place := ""
	if s := tree.Station(inc.Place.Station); s != nil {
		place = s.Name
	}
	what := categoryNames[inc.Category]
	switch {
	case inc.Category.Group() == incident.GroupProductionSafety && what != "火灾":
		what += "事故" // 道路交通事故, 危险化学品事故
	case inc.Category.Group() == incident.GroupNaturalDisaster && !strings.HasSuffix(what, "灾害") && !strings.HasSuffix(what, "火灾"):
		what += "灾害" // 洪涝灾害, 地震灾害
	case inc.Category == incident.OtherIncident || what == "":
		what = "突发事件"
	}
	return place + strings.TrimSpace(inc.Place.Text) + what
}

// ReportTitle is the report's kind as its title gives it, follow-ups and
// supplementary reports counted in the order filed: 续报（一）, 续报（二）.
func ReportTitle(r *incident.Report, all []incident.Report) string {
	switch r.Kind {
	case incident.KindInitial:
		return "初报"
	case incident.KindFinal:
		return "终报"
	}
	same := slices.DeleteFunc(slices.Clone(all), func(o incident.Report) bool { return o.Kind != r.Kind })
	slices.SortStableFunc(same, func(a, b incident.Report) int { return a.CreatedAt.Compare(b.CreatedAt) })
	n := slices.IndexFunc(same, func(o incident.Report) bool { return o.ID == r.ID }) + 1
	if n == 0 {
		n = len(same) + 1
	}
	word := "续报"
	if r.Kind == incident.KindSupplementary {
		word = "补报"
	}
	return word + "（" + document.ChineseNumeral(n) + "）"
}

// addressees are where the report goes, each once, in the order of its
// deliveries: the offices of stations, and the levels above the tree.
func addressees(tasks []incident.ReportTask, report app.ID, tree *app.Tree) []string {
	var out []string
	for _, t := range tasks {
		if t.Report != report && t.Report != app.NilID {
			continue
		}
		name := levelOffices[t.To.Level]
		if s := tree.Station(t.To.Station); s != nil {
			name = OfficeName(s)
		}
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// The offices above the tree a report is addressed to by level.
var levelOffices = map[incident.Level]string{
	incident.LevelProvince:     "省应急管理厅",
	incident.LevelMinistry:     "应急管理部",
	incident.LevelStateCouncil: "国务院总值班室",
}

// GradeName is a grade in the documents' words: 一般, 较大, 重大, 特别重大.
func GradeName(g incident.Grade) string { return gradeNames[g] }
