package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/warning"
)

// A living demo: a station of the demo tree that starts as a working duty
// room, with this month's roster published and a few days of history.
//
// Every record is made by the station that owns it, through the same
// services as the window, and queued for the hub like any other change. A
// folder writes only its own station's records (its roster, the incidents
// it received, the messages, notice and warning it sent), so when the demo
// folders sync through a hub nothing is refused (each is the origin's own)
// and nothing arrives twice (no two folders make the same record). What a
// station received from the others arrives through the hub, as in life.

// Services are what the living demo writes through: the store's services,
// as the window uses them.
type Services struct {
	Rosters interface {
		Generate(ctx context.Context, station app.ID, from, to roster.Date) (roster.GenerateResult, []app.ID, error)
		Publish(ctx context.Context, station app.ID, m roster.Month, allowGaps bool) ([]app.ID, error)
		Settings(ctx context.Context, station app.ID) (roster.Settings, error)
		AddLogEntry(ctx context.Context, e *roster.LogEntry) error
	}
	Incidents interface {
		CreateIncident(ctx context.Context, inc *incident.Incident) (incident.Assessment, []incident.ReportTask, error)
		ConfirmGrade(ctx context.Context, id app.ID, leader string) error
		AddReport(ctx context.Context, r *incident.Report) ([]incident.ReportTask, error)
		SignReport(ctx context.Context, report app.ID, leader string) ([]incident.ReportTask, error)
		SendTask(ctx context.Context, task app.ID) error
		Tasks(ctx context.Context, f incident.TaskFilter) ([]incident.ReportTask, error)
		CloseIncident(ctx context.Context, id app.ID, reason string) error
	}
	Messages interface {
		Send(ctx context.Context, m *message.Message, files []message.File) error
	}
	Warnings interface {
		Issue(ctx context.Context, w *warning.Warning) error
	}
	// SetClock sets the clock the services stamp records with; the demo
	// turns it back so its history lies in the past, and sets it to now
	// at the end.
	SetClock func(time.Time)
}

// Live gives station me of tree its roster and its history as of now.
// people are the station's staff. The same station id gives the same
// history (relative to now) every time. A village keeps no duty room and
// gets nothing.
func Live(ctx context.Context, s Services, tree *app.Tree, people []app.Person, me app.ID, now time.Time) error {
	st := tree.Station(me)
	if st == nil {
		return app.Errorf(app.ENOTFOUND, "station %s is not in the demo tree", me)
	}
	if !st.Tier.HasDutyRoom() {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(st.Code))
	l := &live{s: s, tree: tree, me: st, now: now, rng: rand.New(rand.NewPCG(h.Sum64(), 0x5eed))}
	for _, p := range people {
		if p.Station != me {
			continue
		}
		for _, r := range p.Roles {
			switch r {
			case app.RoleLeader:
				l.leaders = append(l.leaders, p.Name)
			case app.RoleOfficer:
				l.officers = append(l.officers, p.Name)
			}
		}
	}
	if len(l.leaders) == 0 || len(l.officers) == 0 {
		return app.Errorf(app.EINVALID, "%s has no leader or officer to write its history", st.Name)
	}
	defer s.SetClock(now)
	for _, step := range []func(context.Context) error{l.rosters, l.incidents, l.messages, l.notice, l.warning, l.log} {
		if err := step(ctx); err != nil {
			return fmt.Errorf("demo history of %s: %w", st.Name, err)
		}
	}
	return nil
}

type live struct {
	s        Services
	tree     *app.Tree
	me       *app.Station
	now      time.Time
	rng      *rand.Rand
	leaders  []string
	officers []string
}

// at sets the clock to days and minutes before now, and returns a context
// whose author is an officer of the station.
func (l *live) at(ctx context.Context, daysAgo int, minute int) (context.Context, time.Time) {
	t := l.now.In(l.me.Location())
	t = time.Date(t.Year(), t.Month(), t.Day()-daysAgo, 0, 0, 0, 0, t.Location()).Add(time.Duration(minute) * time.Minute)
	if !t.Before(l.now) {
		t = l.now.Add(-time.Minute)
	}
	l.s.SetClock(t)
	return app.WithAuthor(ctx, l.officer()), t
}

func (l *live) officer() string { return l.officers[l.rng.IntN(len(l.officers))] }
func (l *live) leader() string  { return l.leaders[l.rng.IntN(len(l.leaders))] }

// below returns the duty rooms directly below, and all stations directly
// below (villages too).
func (l *live) below() (rooms, all []*app.Station) {
	for _, c := range l.tree.Children(l.me.ID) {
		all = append(all, c)
		if c.Tier.HasDutyRoom() {
			rooms = append(rooms, c)
		}
	}
	return rooms, all
}

// rosters publishes this month's roster, and next month's after the 20th
// when offices publish it.
func (l *live) rosters(ctx context.Context) error {
	l.s.SetClock(l.now)
	ctx = app.WithAuthor(ctx, l.officer())
	day := roster.DateOf(l.now.In(l.me.Location()))
	month := roster.MonthOf(day)
	months := []roster.Month{month}
	if day.D > 20 {
		months = append(months, month.Next())
	}
	// Before the morning handover the duty day in force is still
	// yesterday's: on the 1st that is last month's, so the roster starts
	// there, and today always has one.
	set, err := l.s.Rosters.Settings(ctx, l.me.ID)
	if err != nil {
		return err
	}
	from := month.First()
	if dd := roster.DutyDayAt(set.Handover, l.me.Location(), l.now); dd.Before(from) {
		from = dd
		months = append([]roster.Month{roster.MonthOf(dd)}, months...)
	}
	if _, _, err := l.s.Rosters.Generate(ctx, l.me.ID, from, months[len(months)-1].Last()); err != nil {
		return err
	}
	for _, m := range months {
		if _, err := l.s.Rosters.Publish(ctx, l.me.ID, m, true); err != nil {
			return err
		}
	}
	return nil
}

// An incident of the demo's history.
type pastIncident struct {
	daysAgo, minute int
	category        incident.Category
	title, text     string
	counts          incident.Counts
	loss            int64
	closed          bool
}

var pastIncidents = []pastIncident{
	{daysAgo: 6, minute: 9*60 + 12, category: incident.RoadTraffic, title: "%s货车与面包车相撞",
		text: "一辆货车与一辆面包车在弯道相撞，3人受伤送医，道路已恢复通行。", counts: incident.Counts{Injured: 3}, loss: 80000, closed: true},
	{daysAgo: 3, minute: 22*60 + 40, category: incident.Geological, title: "%s山体滑坡",
		text: "连续降雨引发小型山体滑坡，阻断村道约30米，已疏散群众12人，无人员伤亡。", counts: incident.Counts{Evacuated: 12}, loss: 150000, closed: true},
	{daysAgo: 1, minute: 15*60 + 5, category: incident.Fire, title: "%s民房火灾",
		text: "一处木结构民房起火，消防已扑灭，1人轻伤，过火面积约60平方米。", counts: incident.Counts{Injured: 1}, loss: 120000},
}

// incidents files the station's past incidents: received, graded by the
// leader on duty, reported up (signed and sent in time), and the older
// ones closed with a final report.
func (l *live) incidents(ctx context.Context) error {
	rooms, _ := l.below()
	for _, p := range pastIncidents {
		place := l.me
		if len(rooms) > 0 {
			place = rooms[l.rng.IntN(len(rooms))]
		}
		c, t := l.at(ctx, p.daysAgo, p.minute)
		inc := &incident.Incident{
			Station: l.me.ID, ReceivedAt: t, OccurredAt: t.Add(-time.Duration(10+l.rng.IntN(20)) * time.Minute),
			Channel: incident.ChannelPhone, Category: p.category, Place: incident.Place{Station: place.ID},
			Title: fmt.Sprintf(p.title, place.Name), Description: p.text, Counts: p.counts, Loss: p.loss,
			Reporter: incident.Reporter{Name: "现场群众", Phone: fmt.Sprintf("1390743%04d", 9000+l.rng.IntN(999))},
		}
		if _, _, err := l.s.Incidents.CreateIncident(c, inc); err != nil {
			return err
		}
		c, _ = l.at(ctx, p.daysAgo, p.minute+8)
		if err := l.s.Incidents.ConfirmGrade(c, inc.ID, l.leader()); err != nil {
			return err
		}
		kinds := []incident.ReportKind{incident.KindInitial}
		if p.closed {
			kinds = append(kinds, incident.KindFinal)
		}
		for i, kind := range kinds {
			minute := p.minute + 15 + i*24*60
			c, _ = l.at(ctx, p.daysAgo, minute)
			counts, loss := inc.Counts, inc.Loss
			r := &incident.Report{Incident: inc.ID, Station: l.me.ID, Kind: kind, Text: reportText(kind, inc), Counts: &counts, Loss: &loss}
			if _, err := l.s.Incidents.AddReport(c, r); err != nil {
				return err
			}
			c, _ = l.at(ctx, p.daysAgo, minute+5)
			if _, err := l.s.Incidents.SignReport(c, r.ID, l.leader()); err != nil {
				return err
			}
			c, _ = l.at(ctx, p.daysAgo, minute+7)
			if err := l.sendAll(c, inc.ID, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// sendAll sends every signed task of this station carrying the report.
func (l *live) sendAll(ctx context.Context, inc, report app.ID) error {
	tasks, err := l.s.Incidents.Tasks(ctx, incident.TaskFilter{Incident: &inc})
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.From == l.me.ID && t.Report == report && t.Status == incident.TaskSigned {
			if err := l.s.Incidents.SendTask(ctx, t.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func reportText(kind incident.ReportKind, inc *incident.Incident) string {
	if kind == incident.KindFinal {
		return inc.Description + "经核实，现场处置完毕，相关情况已核清。"
	}
	return inc.Description + "现场处置工作正在进行。"
}

// messages: the station writes to the station above, sends a direct
// report (信息直报) to the top of the tree, copied to every level between,
// and writes to the duty rooms below, a day or two apart; the replies come
// from those stations' own folders when they run.
func (l *live) messages(ctx context.Context) error {
	rooms, _ := l.below()
	if l.me.Parent != app.NilID {
		c, _ := l.at(ctx, 2, 10*60+30)
		m := &message.Message{Kind: message.KindMessage, To: []app.ID{l.me.Parent}, Subject: "值班情况报告",
			Text: fmt.Sprintf("%s今日值班人员均已到岗，辖区内无重大突发事件。", l.me.Name)}
		if err := l.s.Messages.Send(c, m, nil); err != nil {
			return err
		}
		ancestors := l.tree.Ancestors(l.me.ID)
		top := ancestors[len(ancestors)-1]
		c, _ = l.at(ctx, 1, 16*60+20)
		m = &message.Message{Kind: message.KindDirectReport, To: []app.ID{top.ID}, Subject: "强降雨情况直报",
			Text: fmt.Sprintf("%s辖区过去6小时降雨量42毫米，部分村道积水，已安排人员巡查，暂无人员伤亡。", l.me.Name)}
		if err := l.s.Messages.Send(c, m, nil); err != nil {
			return err
		}
	}
	for i, r := range rooms {
		if i >= 3 {
			break
		}
		c, _ := l.at(ctx, 4-i%2, 14*60+10*i)
		m := &message.Message{Kind: message.KindMessage, To: []app.ID{r.ID}, Subject: "核实险情",
			Text: fmt.Sprintf("请%s核实辖区内地质灾害隐患点巡查情况，并于今日17时前回复。", r.Name)}
		if err := l.s.Messages.Send(c, m, nil); err != nil {
			return err
		}
	}
	return nil
}

// notice goes to every station directly below, with an acknowledge-by
// time that has passed.
func (l *live) notice(ctx context.Context) error {
	_, all := l.below()
	if len(all) == 0 {
		return nil
	}
	if len(all) > message.MaxRecipients {
		all = all[:message.MaxRecipients]
	}
	c, t := l.at(ctx, 5, 8*60+45)
	ackBy := t.Add(4 * time.Hour)
	m := &message.Message{Kind: message.KindNotice, Subject: "关于加强汛期值班值守工作的通知",
		Text:  "各单位：入汛以来降雨频繁，请严格落实24小时值班和领导带班制度，值班电话保持畅通，重要情况及时报告。",
		AckBy: &ackBy}
	for _, s := range all {
		m.To = append(m.To, s.ID)
	}
	return l.s.Messages.Send(c, m, nil)
}

// warning: a station with stations below issues one, valid for a day and
// run out by now; the prefecture's reaches everyone below it.
func (l *live) warning(ctx context.Context) error {
	if _, all := l.below(); len(all) == 0 {
		return nil
	}
	c, t := l.at(ctx, 3, 7*60+30)
	w := &warning.Warning{Level: warning.Yellow, Type: warning.Rainstorm, Area: l.me.Name + "全境",
		Text:       "预计未来24小时内将出现暴雨天气，局地大暴雨，请做好山洪、地质灾害防范工作。",
		IssuedBy:   l.leader(),
		ValidFrom:  t,
		ValidUntil: t.Add(24 * time.Hour),
	}
	if l.me.Tier == app.TierPrefecture {
		w.Level = warning.Orange
	}
	return l.s.Warnings.Issue(c, w)
}

// log writes a few lines of yesterday's and today's duty log.
func (l *live) log(ctx context.Context) error {
	set, err := l.s.Rosters.Settings(ctx, l.me.ID)
	if err != nil {
		return err
	}
	lines := []struct {
		daysAgo, minute int
		kind            roster.LogKind
		text            string
	}{
		{1, 9 * 60, roster.LogInstruction, "传达上级关于做好强降雨防范应对工作的指示，已转各单位落实。"},
		{1, 20 * 60, roster.LogCall, "群众来电反映道路积水，已转交通部门处置。"},
		{0, 1, roster.LogOther, "夜间值班情况正常。"},
	}
	for _, line := range lines {
		c, t := l.at(ctx, line.daysAgo, line.minute)
		e := &roster.LogEntry{Station: l.me.ID, Day: roster.DutyDayAt(set.Handover, l.me.Location(), t), At: t, Kind: line.kind, Text: line.text}
		if err := l.s.Rosters.AddLogEntry(c, e); err != nil {
			return err
		}
	}
	return nil
}
