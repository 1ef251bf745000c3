package ui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
	"github.com/google/uuid"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/document"
	"dutyroom/incidentfile"
)

// dailyDocumentID is the record the day's 值班日报 is numbered by: one per
// station and duty day, the same on every call, so the report made again
// keeps its number.
func dailyDocumentID(station app.ID, day roster.Date) app.ID {
	return uuid.NewSHA1(station, []byte("daily report "+day.String()))
}

// dailyBulletin is the duty day's report as a bulletin for the station
// above: who was on duty, the shift's log (the officer's entries and the
// records that entered it by themselves), the incidents taken in, and the
// handover. The frame is Chinese, as every document; the log lines are
// worded as the window words them.
func dailyBulletin(d todayData, year, number int, at time.Time) *document.Bulletin {
	home := d.base.home
	office := incidentfile.OfficeName(home)
	b := &document.Bulletin{
		Office:   office + "值班室",
		Masthead: office + "值班信息",
		Year:     year,
		Number:   number,
		Title:    home.Name + document.ChineseDate(time.Date(d.day.Y, d.day.M, d.day.D, 12, 0, 0, 0, time.UTC)) + "值班日报",
		Body:     strings.Join(dailyReportParagraphs(d), "\n"),
		Date:     at,
		Phone:    home.Phone,
		Location: d.loc,
	}
	if parent := d.base.tree.Station(home.Parent); parent != nil {
		b.To = []string{incidentfile.OfficeName(parent)}
	}
	for _, a := range d.on {
		if a.Post.Role == app.RoleLeader && a.Person != app.NilID {
			b.Signer = d.base.name(a.Person) // the leader on duty signs the day's report
			break
		}
	}
	return b
}

// onReportDocument shows the day's report as a numbered bulletin.
func (p *todayPanel) onReportDocument() {
	u := p.s.u
	d := p.data
	if d.base.home == nil {
		return
	}
	ctx, numbers, now := u.ctx, u.svc.Documents, u.now()
	runAsync(func() (*documentDialog, error) {
		year, number := now.In(d.loc).Year(), 0
		if numbers != nil {
			y, n, err := numbers.DocumentNumber(ctx, d.base.home.ID, dailyDocumentID(d.base.home.ID, d.day), year)
			if err != nil {
				return nil, err
			}
			year, number = y, n
		}
		return makeDocument(dailyBulletin(d, year, number, now))
	}, func(dd *documentDialog, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		dd.u, dd.chooseSave, dd.openFile = u, p.s.chooseSave, openWithSystem
		dd.saved = func(name string) { p.notice.show(lang.L("document.saved", map[string]any{"Name": name})) }
		dd.show()
	})
}

// dailyReportParagraphs are the body of the daily bulletin.
func dailyReportParagraphs(d todayData) []string {
	var out []string
	out = append(out, "一、值班人员")
	if len(d.on) == 0 {
		out = append(out, "本班没有排班。")
	} else {
		plan := dayPlan{info: d.info, template: d.settings.TemplateFor(d.info), on: d.on}
		posts := plan.posts()
		sort.Slice(posts, func(i, j int) bool { return posts[i].Less(posts[j]) })
		var names []string
		for _, post := range posts {
			who := plan.holder(post)
			if who == app.NilID {
				continue
			}
			name := d.base.name(who)
			if p, ok := d.base.persons[who]; ok && personPhone(p) != "" {
				name += "（" + personPhone(p) + "）"
			}
			names = append(names, dutyRoleNames[post.Role]+name)
		}
		out = append(out, strings.Join(names, "；")+"。")
	}
	out = append(out, "二、值班记录")
	if len(d.log) == 0 {
		out = append(out, "本班无记录。")
	}
	for _, e := range d.log {
		line := e.At.In(d.loc).Format("15:04") + "　【" + logTagLabel(&e) + "】" + logEntryText(&e, d.loc)
		if e.Author != "" {
			line += "（" + e.Author + "）"
		}
		out = append(out, line)
	}
	out = append(out, "三、突发事件")
	if len(d.incidents) == 0 {
		out = append(out, "本班未接报突发事件。")
	}
	for i := range d.incidents {
		inc := &d.incidents[i]
		line := inc.ReceivedAt.In(d.loc).Format("15:04") + "　" + incidentfile.Subject(inc, d.base.tree)
		c := inc.Counts
		line += "，死亡" + strconv.Itoa(c.Dead) + "人、失踪" + strconv.Itoa(c.Missing) + "人、受伤" + strconv.Itoa(c.SeriousInjured+c.Injured) + "人"
		if g := inc.EffectiveGrade(); g.Valid() {
			line += "，" + incidentfile.GradeName(g) + "级"
		}
		out = append(out, line+"。")
	}
	out = append(out, "四、交接班")
	switch h := d.own; {
	case h != nil && h.Confirmed():
		out = append(out, h.OutgoingName+"于"+h.OutAt.In(d.loc).Format("15:04")+"交班，"+h.IncomingName+"于"+h.InAt.In(d.loc).Format("15:04")+"接班。")
	case h != nil:
		out = append(out, h.OutgoingName+"于"+h.OutAt.In(d.loc).Format("15:04")+"交班，待接班确认。")
	default:
		out = append(out, "尚未交接班。")
	}
	if d.own != nil {
		for i, m := range d.own.OpenMatters {
			out = append(out, "待办事项"+document.ChineseNumeral(i+1)+"："+m)
		}
	}
	return out
}

// dutyRoleNames name the posts in the document's words.
var dutyRoleNames = map[app.Role]string{
	app.RoleLeader:  "带班领导：",
	app.RoleCadre:   "值班干部：",
	app.RoleOfficer: "值班员：",
	app.RoleStandby: "备勤：",
}
