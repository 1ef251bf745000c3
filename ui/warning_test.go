package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/warning"
)

// alertDemo is the duty demo seen from 吉首市, a county with two
// townships below it and the village 乾元村 under 乾州街道; 孙局长 leads
// and 刘值班 is the officer on duty on 14 July. Warnings, spot checks and
// the alarm are kept by fakes.
type alertDemo struct {
	*dutyDemo
	warnings *fakeWarnings
	checks   *fakeSpotChecks
	alarm    *fakeAlarm
	villager app.Person
}

func newAlertDemo(t *testing.T, clock string) *alertDemo {
	t.Helper()
	d := &alertDemo{dutyDemo: newDutyDemo(t, "2026-07-14 10:00")}
	d.setClockSeconds(t, clock)
	d.warnings = newFakeWarnings(d.store)
	d.checks = newFakeSpotChecks(d.store)
	d.alarm = &fakeAlarm{}
	d.put("2026-07-14", leader0, d.sun)
	d.put("2026-07-14", officer0, d.liu)
	d.villager = d.store.addPerson(d.village.ID, "向信息员", "村灾害信息员", "13600000001", "", app.RoleInfoOfficer)
	return d
}

func (d *alertDemo) setClockSeconds(t *testing.T, clock string) {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04:05", clock, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	d.now = at
}

func (d *alertDemo) services() Services {
	s := d.store.services()
	s.Warnings = d.warnings
	s.SpotChecks = d.checks
	s.Alarm = d.alarm
	return s
}

// open builds the window as the program does and shows one screen.
func (d *alertDemo) open(t *testing.T, screen string) *UI {
	t.Helper()
	u := New(test.NewTempApp(t), d.services())
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open(screen)
	return u
}

// fromPrefecture is a warning 湘西州 issued an hour ago, valid for a day.
func (d *alertDemo) fromPrefecture(level warning.Level) warning.Warning {
	at := d.now.Add(-time.Hour).UTC()
	return d.warnings.receive(warning.Warning{
		Issuer: d.xiangxi.ID, Level: level, Type: warning.Rainstorm, Area: "吉首市、泸溪县",
		ValidFrom: at, ValidUntil: at.Add(24 * time.Hour), IssuedAt: at, IssuedBy: "张局长",
		Text: "预计未来24小时吉首市、泸溪县将出现大暴雨，局地特大暴雨，请做好防范。"})
}

func TestOrangeAndRedRingBlueAndYellowDoNot(t *testing.T) {
	for _, c := range []struct {
		level warning.Level
		rings bool
		grade incident.Grade
	}{
		{warning.Blue, false, 0},
		{warning.Yellow, false, 0},
		{warning.Orange, true, incident.GradeMajor},
		{warning.Red, true, incident.GradeEspeciallyMajor},
	} {
		t.Run(string(c.level), func(t *testing.T) {
			d := newAlertDemo(t, "2026-07-14 10:00:00")
			w := d.fromPrefecture(c.level)
			u := d.open(t, "duty")
			if d.alarm.sounding != c.rings || (c.rings && d.alarm.level != c.grade) {
				t.Errorf("alarm sounding %v at %v, want %v at %v", d.alarm.sounding, d.alarm.level, c.rings, c.grade)
			}
			if u.warnBanner.content.Visible() != c.rings {
				t.Errorf("banner shown %v, want %v", u.warnBanner.content.Visible(), c.rings)
			}
			if c.rings {
				if u.warnBanner.bg.FillColor != gradeColor(c.grade) {
					t.Errorf("banner in %v, want the colour of %s", u.warnBanner.bg.FillColor, c.level)
				}
				if !strings.Contains(u.warnBanner.text.Text, warningTitle(&w)) || !strings.Contains(u.warnBanner.text.Text, "湘西州") {
					t.Errorf("banner says %q", u.warnBanner.text.Text)
				}
			}
			if u.nav.badges["warnings"] != 1 {
				t.Errorf("navigation counts %d warnings to acknowledge, want 1", u.nav.badges["warnings"])
			}
		})
	}
}

func TestExpiredRedWarningIsOwedButSilent(t *testing.T) {
	d := newAlertDemo(t, "2026-07-16 10:00:00")
	d.fromPrefecture(warning.Red)
	d.setClockSeconds(t, "2026-07-16 10:00:00")
	at := d.now.Add(-48 * time.Hour).UTC()
	d.warnings.warnings[0].IssuedAt, d.warnings.warnings[0].ValidFrom, d.warnings.warnings[0].ValidUntil = at, at, at.Add(24*time.Hour)
	u := d.open(t, "duty")
	if d.alarm.sounding || u.warnBanner.content.Visible() {
		t.Error("a red warning that ran out still alarms")
	}
	if u.nav.badges["warnings"] != 1 {
		t.Errorf("the acknowledgement is still owed: badge %d", u.nav.badges["warnings"])
	}
}

func TestAcknowledgeStopsTheAlarm(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	w := d.fromPrefecture(warning.Red)
	a := test.NewTempApp(t)
	var u *UI
	test.AssertNotificationSent(t, fyne.NewNotification("红色暴雨预警", "湘西州："+w.Text), func() {
		u = New(a, d.services())
	})
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	if !d.alarm.sounding || d.alarm.sounds != 1 {
		t.Fatalf("a red warning: sounding %v after %d sounds", d.alarm.sounding, d.alarm.sounds)
	}
	u.pollAlerts()
	u.pollAlerts()
	if d.alarm.sounds != 1 {
		t.Errorf("each poll starts the alarm again: %d sounds", d.alarm.sounds)
	}

	test.Tap(u.warnBanner.view)
	r := u.warnings.received
	if u.nav.current != "warnings" || u.warnings.tabs.SelectedIndex() != warningTabReceived || r.selected != w.ID {
		t.Fatalf("the banner opened %q tab %d on %v", u.nav.current, u.warnings.tabs.SelectedIndex(), r.selected)
	}
	if r.ackName.Text != "刘值班" {
		t.Errorf("the name is pre-filled with %q, want the officer on duty 刘值班", r.ackName.Text)
	}
	// The county sees its own part of the tree, not the rest of the prefecture's.
	if !r.belowBox.Visible() || names(r.below.rows) != "乾州街道 乾元村 石家冲街道" {
		t.Errorf("below 吉首市: %q", names(r.below.rows))
	}

	typeIntoEntry(r.ackName, "")
	test.Tap(r.ackButton)
	if got := besideField(t, r.content, r.ackName); !contains(got, "请填写签收人姓名。") {
		t.Errorf("an empty name: beside the field %v", got)
	}
	if !d.alarm.sounding {
		t.Fatal("a refused acknowledgement silenced the alarm")
	}
	typeIntoEntry(r.ackName, "刘值班")
	test.Tap(r.ackButton)

	acks := d.warnings.acksOf(w.ID)
	if len(acks) != 1 || acks[0].Person != "刘值班" || acks[0].Station != d.jishou.ID || acks[0].RecordedBy != d.jishou.ID {
		t.Fatalf("acknowledgements %+v", acks)
	}
	if d.alarm.sounding || u.warnBanner.content.Visible() {
		t.Error("the alarm and banner stay after the acknowledgement")
	}
	if u.nav.badges["warnings"] != 0 {
		t.Errorf("badge %d after acknowledging", u.nav.badges["warnings"])
	}
	if !r.ackDone.Visible() || !strings.Contains(r.ackDone.Text, "刘值班") || r.ackForm.Visible() {
		t.Errorf("after acknowledging the detail says %q", r.ackDone.Text)
	}
	u.pollAlerts()
	if d.alarm.sounds != 1 || d.alarm.sounding {
		t.Errorf("after acknowledging the alarm sounded again: %d sounds, sounding %v", d.alarm.sounds, d.alarm.sounding)
	}
}

func TestAcknowledgingAWarningLeavesAnIncidentAlarmSounding(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	w := d.fromPrefecture(warning.Orange)
	u := d.open(t, "duty")
	u.alarm.arrived(incident.Incident{ID: app.NewID(), Station: d.qianzhou.ID, Grade: incident.GradeGeneral})
	if !d.alarm.sounding || d.alarm.level != incident.GradeMajor {
		t.Fatalf("an orange warning and a general incident: sounding %v at %v, want the warning's level", d.alarm.sounding, d.alarm.level)
	}
	if err := d.warnings.Acknowledge(u.ctx, &warning.Ack{Warning: w.ID, Person: "刘值班"}); err != nil {
		t.Fatal(err)
	}
	u.pollAlerts()
	if !d.alarm.sounding || d.alarm.level != incident.GradeGeneral {
		t.Errorf("after the warning is acknowledged: sounding %v at %v, want the incident's alarm", d.alarm.sounding, d.alarm.level)
	}
	test.Tap(u.alarm.ack)
	if d.alarm.sounding {
		t.Error("nothing waits, yet the alarm sounds")
	}
}

func names(rows []progressLine) string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name)
	}
	return strings.Join(out, " ")
}

func contains(list []string, want string) bool {
	for _, s := range list {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// typeIntoEntry empties an entry (a plain one, or one passing the
// window's shortcuts on) and types text into it.
func typeIntoEntry(e interface {
	fyne.Focusable
	SetText(string)
}, text string) {
	e.SetText("")
	test.Type(e, text)
}

func TestIssueWarningShowsErrorsBesideFields(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	u := d.open(t, "warnings")
	u.warnings.tabs.SelectIndex(warningTabIssue)
	f := u.warnings.form
	if !f.canIssue || !strings.Contains(f.note.Text, "3 个") {
		t.Fatalf("吉首市 may issue to its 3 stations below: %v, %q", f.canIssue, f.note.Text)
	}
	if f.issuedBy.Text != "孙局长" {
		t.Errorf("signed by %q, want the leader on duty", f.issuedBy.Text)
	}
	if f.from.Text != "" || f.until.Text != "" || !strings.Contains(f.from.PlaceHolder, "发布时生效") || !strings.Contains(f.until.PlaceHolder, "24 小时") {
		t.Errorf("validity %q (%q) to %q (%q), want empty: from issue for a day", f.from.Text, f.from.PlaceHolder, f.until.Text, f.until.PlaceHolder)
	}

	expect := func(field fyne.CanvasObject, want string) {
		t.Helper()
		test.Tap(f.issue)
		if got := besideField(t, f.content, field); !contains(got, want) {
			t.Errorf("want %q beside the field, got %v", want, got)
		}
		if len(d.warnings.warnings) != 0 || u.win.Canvas().Overlays().Top() != nil {
			t.Fatal("a refused warning was issued or asked about")
		}
	}
	expect(f.levelBox, "请选择预警级别。")
	test.Tap(f.chips[3])
	if !f.chips[3].selected || f.chips[2].selected || f.level != warning.Red || f.errs["level"].Visible() {
		t.Error("tapping red does not choose it")
	}
	if f.chips[3].rect.FillColor != gradeColor(incident.GradeEspeciallyMajor) {
		t.Error("the chosen chip is not filled with its colour")
	}
	expect(f.typ, "请选择预警类型。")
	f.typ.SetSelected("暴雨")
	expect(f.text, "请填写预警内容。")
	test.Type(f.text, "预计未来24小时将出现大暴雨，请做好防范。")
	typeIntoEntry(f.until, "明天")
	expect(f.until, "时间格式应为 2026-07-15 18:00。")
	typeIntoEntry(f.until, "2026-07-14 09:00")
	expect(f.until, "截止时间应晚于生效时间。")
	typeIntoEntry(f.until, "2026-09-14 09:00")
	expect(f.until, "预警有效期最长 31 天")
	typeIntoEntry(f.issuedBy, "")
	test.Tap(f.quick[1])
	if f.until.Text != "2026-07-15 10:00" {
		t.Errorf("24 小时 sets until %q", f.until.Text)
	}
	expect(f.issuedBy, "请填写签发人。")
	test.Type(f.issuedBy, "孙局长")

	test.Tap(f.issue)
	confirm := overlay(t, u)
	if !hasText(confirm, "红色暴雨预警") || !hasText(confirm, "3 个站点") {
		t.Errorf("the question says %v", texts(confirm))
	}
	test.Tap(findButton(t, confirm, lang.L("warning.issue")))

	if len(d.warnings.warnings) != 1 {
		t.Fatalf("%d warnings issued", len(d.warnings.warnings))
	}
	w := d.warnings.warnings[0]
	if w.Level != warning.Red || w.Type != warning.Rainstorm || w.Issuer != d.jishou.ID || w.IssuedBy != "孙局长" ||
		!w.ValidUntil.Equal(d.now.Add(24*time.Hour)) {
		t.Errorf("issued %+v", w)
	}
	if u.warnings.tabs.SelectedIndex() != warningTabIssued || u.warnings.issued.selected != w.ID {
		t.Errorf("after issuing: tab %d showing %v", u.warnings.tabs.SelectedIndex(), u.warnings.issued.selected)
	}
	if f.text.Text != "" || f.level != "" {
		t.Error("the form is not emptied for the next warning")
	}
	if d.alarm.sounding {
		t.Error("the issuer's own warning alarms the issuer")
	}
}

// The form is opened at 10:00 and the warning issued at 12:30: it is in
// force from 12:30 for a day, not from when the window opened.
func TestWarningValidityIsTakenWhenIssued(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	u := d.open(t, "warnings")
	u.warnings.tabs.SelectIndex(warningTabIssue)
	f := u.warnings.form
	d.setClockSeconds(t, "2026-07-14 12:30:00")
	test.Tap(f.chips[2])
	f.typ.SetSelected("暴雨")
	test.Type(f.text, "预计未来24小时将出现大暴雨，请做好防范。")
	test.Tap(f.issue)
	test.Tap(findButton(t, overlay(t, u), lang.L("warning.issue")))
	if len(d.warnings.warnings) != 1 {
		t.Fatalf("%d warnings issued", len(d.warnings.warnings))
	}
	w := d.warnings.warnings[0]
	if !w.ValidUntil.Equal(d.now.Add(24 * time.Hour)) {
		t.Errorf("in force until %s, want a day after it was issued (%s)", w.ValidUntil, d.now)
	}
	if !w.ValidFrom.IsZero() && !w.ValidFrom.Equal(d.now) {
		t.Errorf("in force from %s, want when it was issued (%s)", w.ValidFrom, d.now)
	}
}

func TestVillageCannotIssue(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	d.store.identity = d.shiqiao.ID // a township with no village below it
	u := d.open(t, "warnings")
	f := u.warnings.form
	if f.canIssue || !f.issue.Disabled() || !strings.Contains(f.note.Text, "石家冲街道下面没有站点") {
		t.Errorf("a township with nothing below: can issue %v, note %q", f.canIssue, f.note.Text)
	}
}

func TestProgressListsWaitingStationsLive(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	w := warning.Warning{Level: warning.Orange, Type: warning.Flood, ValidUntil: d.now.Add(12 * time.Hour), Text: "沅水将出现超警戒水位。", IssuedBy: "孙局长"}
	if err := d.warnings.Issue(app.WithAuthor(setupContext(t), "值班员甲"), &w); err != nil {
		t.Fatal(err)
	}
	d.warnings.receiveAck(warning.Ack{Warning: w.ID, Station: d.qianzhou.ID, RecordedBy: d.qianzhou.ID, Person: "林值班", At: d.now.Add(2 * time.Minute)})
	u := d.open(t, "warnings")
	u.warnings.tabs.SelectIndex(warningTabIssued)
	u.warnings.issued.list.Select(0)
	p := u.warnings.issued.progress

	if names(p.rows) != "乾州街道 乾元村 石家冲街道" || p.rows[0].depth != 1 || p.rows[1].depth != 2 || p.rows[2].depth != 1 {
		t.Fatalf("rows %q", names(p.rows))
	}
	if p.counts.Text != "已签收 1/3（值班室 1/2，村 0/1）" {
		t.Errorf("counts %q", p.counts.Text)
	}
	// 乾元村 has it through 乾州街道, which acknowledged; 石家冲街道's client
	// has not reported it stored.
	if p.waiting.Text != "仍在等待 2 个站点：乾元村、石家冲街道；其中 1 个尚未送达，请电话通知。" {
		t.Errorf("waiting %q", p.waiting.Text)
	}
	rows := progressRows(u)
	if len(rows) != 3 || rows[0].state.Text != "已签收" || !strings.Contains(rows[0].detail.Text, "林值班 07-14 10:02") {
		t.Fatalf("rows shown: %d, first %q %q", len(rows), rows[0].state.Text, rows[0].detail.Text)
	}
	if rows[0].proxy.Visible() || !rows[1].proxy.Visible() || rows[2].proxy.Visible() {
		t.Error("only the village waiting is offered an acknowledgement on its behalf")
	}
	if rows[1].indent.MinSize().Width <= rows[0].indent.MinSize().Width {
		t.Error("the village is not set in under its township")
	}

	// Another station acknowledges; the view follows within a poll.
	d.warnings.receiveAck(warning.Ack{Warning: w.ID, Station: d.shiqiao.ID, RecordedBy: d.shiqiao.ID, Person: "石值班", At: d.now.Add(3 * time.Minute)})
	u.pollAlerts()
	if p.counts.Text != "已签收 2/3（值班室 2/2，村 0/1）" || p.waiting.Text != "仍在等待 1 个站点：乾元村" {
		t.Errorf("after a poll: %q, %q", p.counts.Text, p.waiting.Text)
	}

	// The village's officer acknowledged by phone.
	test.Tap(progressRows(u)[1].proxy)
	dlg := overlay(t, u)
	name := entryWithPlaceholder(t, dlg, lang.L("warning.proxy_name_placeholder"))
	if name.Text != "向信息员" {
		t.Errorf("the village officer's name is pre-filled as %q", name.Text)
	}
	test.Tap(findButton(t, dlg, lang.L("warning.proxy_save")))
	acks := d.warnings.acksOf(w.ID)
	var village *warning.Ack
	for i := range acks {
		if acks[i].Station == d.village.ID {
			village = &acks[i]
		}
	}
	if village == nil || village.RecordedBy != d.jishou.ID || village.Person != "向信息员" {
		t.Fatalf("the village's acknowledgement: %+v", village)
	}
	if p.counts.Text != "已签收 3/3（值班室 2/2，村 1/1）" || p.waiting.Text != "全部已签收。" {
		t.Errorf("all in: %q, %q", p.counts.Text, p.waiting.Text)
	}
	if !strings.Contains(progressRows(u)[1].detail.Text, "吉首市代录") {
		t.Errorf("the village row does not say who recorded it: %q", progressRows(u)[1].detail.Text)
	}
}

func progressRows(u *UI) []*progressRow {
	var out []*progressRow
	walk(u.warnings.issued.progress.list, func(o fyne.CanvasObject) {
		if r, ok := o.(*progressRow); ok {
			out = append(out, r)
		}
	})
	return out
}
