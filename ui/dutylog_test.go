package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
	"dutyroom/assets"
)

// shiftDemo is the alert demo at 10:00 on 14 July with a red warning
// received from 湘西州, a spot check of this station answered, the
// warning's automatic log entry, a typed entry between them and the
// handover of the day before.
type shiftDemo struct {
	*alertDemo
	warning warning.Warning
	check   spotcheck.Check
}

func newShiftDemo(t *testing.T) *shiftDemo {
	t.Helper()
	d := &shiftDemo{alertDemo: newAlertDemo(t, "2026-07-14 10:00:00")}
	d.warning = d.fromPrefecture(warning.Red)
	d.check = spotcheck.Check{ID: app.NewID(), By: d.xiangxi.ID, Target: d.jishou.ID}
	day := date(t, "2026-07-14")
	at := func(clock string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", "2026-07-14 "+clock, shanghai(t))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	r := d.store.rosters
	r.log = append(r.log,
		roster.LogEntry{ID: app.NewID(), Station: d.jishou.ID, Day: day, At: at("09:00"), Author: "张局长", Kind: roster.LogEvent,
			Text: "湘西州 · 吉首市、泸溪县：大暴雨", Auto: true,
			Record: roster.LogRecord{Kind: roster.RecordWarning, ID: d.warning.ID, Event: "warning.received", Detail: string(warning.Red)}},
		roster.LogEntry{ID: app.NewID(), Station: d.jishou.ID, Day: day, At: at("08:40"), Author: "刘值班", Kind: roster.LogCall,
			Text: "泸溪县来电：G65 吉首段追尾，1 人受伤"},
		roster.LogEntry{ID: app.NewID(), Station: d.jishou.ID, Day: day, At: at("09:20"), Author: "刘值班", Kind: roster.LogEvent,
			Text: "湘西州", Auto: true,
			Record: roster.LogRecord{Kind: roster.RecordSpotCheck, ID: d.check.ID, Event: "spotcheck.answered", Detail: string(spotcheck.OnTime)}},
		roster.LogEntry{ID: app.NewID(), Station: d.jishou.ID, Day: day, At: at("08:35"), Author: "刘值班", Kind: roster.LogEvent,
			Text: "张三 → 刘值班", Auto: true,
			Record: roster.LogRecord{Kind: roster.RecordHandover, ID: d.jishou.ID, Event: "handover.in", Detail: "2"}},
	)
	return d
}

// logRow finds the row of the log list whose text contains want.
func logRow(t *testing.T, p *todayPanel, want string) int {
	t.Helper()
	for i := range p.data.log {
		if strings.Contains(logEntryText(&p.data.log[i], p.data.loc), want) {
			return i
		}
	}
	t.Fatalf("no log row says %q: %v", want, texts(p.log))
	return -1
}

func TestDutyLogAutomaticEntryIsMarkedAndOpensItsRecord(t *testing.T) {
	d := newShiftDemo(t)
	u := d.open(t, "duty")
	p := u.duty.today
	for _, want := range []string{"预警", "自动", "收到红色预警：湘西州 · 吉首市、泸溪县：大暴雨", "来电来报", "泸溪县来电", "查岗", "应答查岗（按时）：湘西州", "接班确认：张三 → 刘值班"} {
		if !hasText(p.log, want) {
			t.Errorf("log list lacks %q: %v", want, texts(p.log))
		}
	}
	autoTags := 0
	for _, s := range texts(p.log) {
		if s == "自动" {
			autoTags++
		}
	}
	if autoTags != 3 {
		t.Errorf("%d rows marked 自动, want the 3 automatic ones: %v", autoTags, texts(p.log))
	}

	// A typed entry opens whole in a dialog, on this screen.
	p.log.Select(logRow(t, p, "泸溪县来电"))
	if u.nav.current != "duty" || !hasText(overlay(t, u), "G65 吉首段追尾") {
		t.Fatalf("a typed entry: screen %q", u.nav.current)
	}
	u.win.Canvas().Overlays().Top().Hide()
	u.win.Canvas().Overlays().Remove(u.win.Canvas().Overlays().Top())

	// The warning's entry opens the warning, selected on 收到的预警.
	p.log.Select(logRow(t, p, "收到红色预警"))
	if u.nav.current != "warnings" || u.warnings.tabs.SelectedIndex() != warningTabReceived || u.warnings.received.selected != d.warning.ID {
		t.Fatalf("the warning's entry opened screen %q, tab %d, warning %s", u.nav.current, u.warnings.tabs.SelectedIndex(), u.warnings.received.selected)
	}

	// The spot check's entry opens the records of spot checks.
	u.nav.open("duty")
	p.log.Select(logRow(t, p, "应答查岗"))
	if u.nav.current != "spotchecks" || u.spotChecks.tabs.SelectedIndex() != spotTabRecords {
		t.Fatalf("the spot check's entry opened screen %q, tab %d", u.nav.current, u.spotChecks.tabs.SelectedIndex())
	}

	// A handover is on the duty screen: its entry shows whole.
	u.nav.open("duty")
	p.log.Select(logRow(t, p, "接班确认"))
	if u.nav.current != "duty" || !hasText(overlay(t, u), "接班确认：张三 → 刘值班") {
		t.Fatalf("the handover's entry: screen %q", u.nav.current)
	}
}

func TestDailyReportListsManualAndAutomaticEntriesInTimeOrder(t *testing.T) {
	d := newShiftDemo(t)
	u := d.open(t, "duty")
	page := string(dailyReport(u.duty.today.data, "zh-CN"))
	order := []string{"接班确认：张三 → 刘值班", "泸溪县来电：G65 吉首段追尾", "收到红色预警：湘西州 · 吉首市、泸溪县：大暴雨", "应答查岗（按时）：湘西州"}
	last := -1
	for _, want := range order {
		i := strings.Index(page, want)
		if i < 0 {
			t.Fatalf("the report lacks %q", want)
		}
		if i < last {
			t.Errorf("%q is out of time order", want)
		}
		last = i
	}
	for _, want := range []string{"<td>预警（自动）</td>", "<td>来电来报</td>", "<td>张局长</td>", "07-14 09:00"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// TestShiftLogScreenshots renders the log view and the daily report's
// page source beside it, for a person to look at, in both languages.
func TestShiftLogScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir() // rendered all the same: a panic while drawing fails the test
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := newShiftDemo(t)
			u := d.open(t, "duty")
			u.win.Resize(fyne.NewSize(1366, 768))
			capture(t, u, filepath.Join(dir, language+"-shiftlog-1366x768.png"))
			page := dailyReport(u.duty.today.data, map[string]string{assets.Chinese: "zh-CN", assets.English: "en"}[language])
			if err := os.WriteFile(filepath.Join(dir, language+"-dailyreport.html"), page, 0o600); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDutyLogIntakeEntryOpensTheIncident(t *testing.T) {
	d := newIncidentDemo(t, "2026-07-14 10:00")
	inc := &incident.Incident{Station: d.jishou.ID, ReceivedAt: d.now.Add(-10 * time.Minute), OccurredAt: d.now.Add(-30 * time.Minute),
		Channel: incident.ChannelPhone, Place: incident.Place{Text: "G65 吉首段 K1234"}, Category: incident.RoadTraffic, Title: "G65 两车相撞"}
	if _, _, err := d.svc.CreateIncident(setupContext(t), inc); err != nil {
		t.Fatal(err)
	}
	d.store.rosters.log = append(d.store.rosters.log, roster.LogEntry{ID: app.NewID(), Station: d.jishou.ID,
		Day: roster.DutyDayAt(roster.DefaultSettings().Handover, shanghai(t), d.now), At: inc.ReceivedAt, Author: "值班员甲",
		Kind: roster.LogEvent, Text: inc.Title, Auto: true,
		Record: roster.LogRecord{Kind: roster.RecordIncident, ID: inc.ID, Event: "incident.intake", Detail: string(inc.Category)}})
	u := openIncidents(t, d)
	u.nav.open("duty")
	p := u.duty.today
	if !hasText(p.log, "接报（道路交通）：G65 两车相撞") || !hasText(p.log, "事件") {
		t.Fatalf("log list: %v", texts(p.log))
	}
	p.log.Select(logRow(t, p, "G65 两车相撞"))
	if u.nav.current != "incidents" || u.incidents.view.id != inc.ID {
		t.Fatalf("the intake's entry opened screen %q, incident %s", u.nav.current, u.incidents.view.id)
	}
}

func TestDutyLogNoticeEntryOpensItsConversation(t *testing.T) {
	d := newMessageDemo(t, "2026-07-14 10:00")
	d.as(d.jishou)
	m := d.svc.receive(d.from(d.xiangxi, message.KindNotice, []app.Station{d.jishou}, "今晚加强防汛值守。"))
	d.store.rosters.log = append(d.store.rosters.log, roster.LogEntry{ID: app.NewID(), Station: d.jishou.ID,
		Day: roster.DutyDayAt(roster.DefaultSettings().Handover, shanghai(t), d.now), At: d.now, Author: "对方值班员",
		Kind: roster.LogEvent, Text: "湘西州 · 通知", Auto: true,
		Record: roster.LogRecord{Kind: roster.RecordNotice, ID: m.ID, Event: "notice.received"}})
	u := openMessages(t, d)
	u.nav.open("duty")
	p := u.duty.today
	p.log.Select(logRow(t, p, "收到通知：湘西州 · 通知"))
	if u.nav.current != "messages" || u.messages.view.conv != m.Conversation() {
		t.Fatalf("the notice's entry opened screen %q, conversation %s", u.nav.current, u.messages.view.conv)
	}
	if !hasText(u.messages.view.list, "今晚加强防汛值守。") {
		t.Errorf("the conversation does not show the notice: %v", texts(u.messages.view.list))
	}
}

func TestDutyLogConsultationEntryOpensTheConsultation(t *testing.T) {
	d := newConsultDemo(t)
	at := d.now.Add(2 * time.Hour)
	other := consult.Consultation{Title: "森林防火调度", Invited: []app.ID{d.luxi.ID}, Scheduled: &at}
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.qianzhou.ID}, Scheduled: &at}
	for _, x := range []*consult.Consultation{&other, &c} {
		if err := d.consults.Schedule(t.Context(), x); err != nil {
			t.Fatal(err)
		}
	}
	d.store.rosters.log = append(d.store.rosters.log, roster.LogEntry{ID: app.NewID(), Station: d.jishou.ID,
		Day: roster.DutyDayAt(roster.DefaultSettings().Handover, shanghai(t), d.now), At: d.now, Author: "刘值班",
		Kind: roster.LogEvent, Text: c.Title, Auto: true,
		Record: roster.LogRecord{Kind: roster.RecordConsultation, ID: c.ID, Event: "consultation.scheduled", Detail: at.UTC().Format(time.RFC3339)}})
	u := d.open(t, "consultation")
	u.nav.open("duty")
	p := u.duty.today
	p.log.Select(logRow(t, p, "预约会商（07-14 12:00）：防汛调度"))
	if u.nav.current != "consultation" || u.consults.sel != c.ID || u.consults.title.Text != "防汛调度" {
		t.Fatalf("the consultation's entry opened screen %q, consultation %s titled %q", u.nav.current, u.consults.sel, u.consults.title.Text)
	}
}
