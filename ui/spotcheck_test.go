package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
)

// checkFromPrefecture is a check of 吉首市 that 湘西州 started at the
// given Shanghai time, with the default three minutes to answer.
func (d *alertDemo) checkFromPrefecture(t *testing.T, started string) spotcheck.Check {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04:05", started, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	return d.checks.receive(spotcheck.Check{By: d.xiangxi.ID, Target: d.jishou.ID, StartedAt: at.UTC(),
		Deadline: at.Add(spotcheck.DefaultLimit).UTC(), StartedBy: "张科长"})
}

func TestSpotCheckPromptCoversTheWindowAndCountsDown(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:10")
	c := d.checkFromPrefecture(t, "2026-07-14 10:00:00")
	a := test.NewTempApp(t)
	var u *UI
	test.AssertNotificationSent(t, fyne.NewNotification("查岗", "湘西州查岗，请在 10:03:00 前应答"), func() {
		u = New(a, d.services())
	})
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	p := u.spotPrompt

	cv := u.win.Canvas()
	if cv.Overlays().Top() != p.overlay {
		t.Fatal("the spot check is not put over the window")
	}
	if p.overlay.Size() != cv.Size() || p.overlay.Position() != (fyne.Position{}) {
		t.Errorf("the prompt covers %v at %v of a %v window", p.overlay.Size(), p.overlay.Position(), cv.Size())
	}
	u.win.Resize(smallest)
	if p.overlay.Size() != cv.Size() {
		t.Errorf("after a resize the prompt covers %v of %v", p.overlay.Size(), cv.Size())
	}
	if p.countdown.Text != "02:50" || !strings.Contains(p.deadline.Text, "10:03:00") || !strings.Contains(p.deadline.Text, "3 分钟") {
		t.Errorf("countdown %q, deadline %q", p.countdown.Text, p.deadline.Text)
	}
	if !strings.Contains(p.from.Text, "湘西州") || !strings.Contains(p.from.Text, "张科长") {
		t.Errorf("who checks: %q", p.from.Text)
	}
	if p.promptText.Text != lang.L("spotcheck.default_prompt") {
		t.Errorf("prompt %q", p.promptText.Text)
	}
	if p.name.Text != "刘值班" {
		t.Errorf("the name is pre-filled with %q, want the officer on duty", p.name.Text)
	}
	if cv.Focused() != p.name {
		t.Error("the name field does not have the cursor")
	}
	if !d.alarm.sounding || d.alarm.level != spotCheckGrade || u.nav.badges["spotchecks"] != 1 {
		t.Errorf("alarm sounding %v at %v, badge %d", d.alarm.sounding, d.alarm.level, u.nav.badges["spotchecks"])
	}
	// Another tap beside the card hits nothing underneath.
	test.TapCanvas(cv, fyne.NewPos(20, 20))
	if cv.Overlays().Top() != p.overlay {
		t.Error("a tap outside the card closed the prompt")
	}

	d.now = d.now.Add(50 * time.Second)
	p.tick()
	if p.countdown.Text != "02:00" || p.lateNote.Visible() {
		t.Errorf("50 s later: %q, late note %v", p.countdown.Text, p.lateNote.Visible())
	}
	d.now = d.now.Add(95 * time.Second)
	p.tick()
	if p.countdown.Text != "00:25" || p.countdown.Color != theme.Color(theme.ColorNameError) {
		t.Errorf("25 s before the deadline: %q in %v, want red", p.countdown.Text, p.countdown.Color)
	}

	test.Tap(p.answer)
	r, _ := d.checks.Record(u.ctx, c.ID)
	if r.Answer == nil || r.Answer.Person != "刘值班" || r.Outcome(d.now) != spotcheck.OnTime {
		t.Fatalf("the answer: %+v", r.Answer)
	}
	if cv.Overlays().Top() == p.overlay || p.shown != nil {
		t.Error("the prompt stays after the answer")
	}
	if !hasText(overlay(t, u), "按时") {
		t.Errorf("the answer is confirmed as %v", texts(overlay(t, u)))
	}
	if d.alarm.sounding || u.nav.badges["spotchecks"] != 0 {
		t.Errorf("after answering: alarm %v, badge %d", d.alarm.sounding, u.nav.badges["spotchecks"])
	}
}

func TestSpotCheckAnsweredAfterTheDeadlineIsLate(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:03:30")
	c := d.checkFromPrefecture(t, "2026-07-14 10:00:00")
	u := d.open(t, "duty")
	p := u.spotPrompt
	if u.win.Canvas().Overlays().Top() != p.overlay {
		t.Fatal("an overdue check of today is not put over the window")
	}
	if p.countdown.Text != "超时 00:30" || !p.lateNote.Visible() {
		t.Errorf("30 s late: %q, late note shown %v", p.countdown.Text, p.lateNote.Visible())
	}
	typeIntoEntry(p.name, "")
	test.Tap(p.answer)
	if got := besideField(t, p.overlay, p.name); !contains(got, "请填写值班人员姓名。") {
		t.Errorf("no name: beside the field %v", got)
	}
	test.Type(p.name, "陈值班")
	d.now = d.now.Add(10 * time.Second)
	test.Tap(p.answer)
	r, _ := d.checks.Record(u.ctx, c.ID)
	if r.Answer == nil || r.Answer.Person != "陈值班" || r.Outcome(d.now) != spotcheck.Late {
		t.Fatalf("a late answer: %+v, outcome %v", r.Answer, r.Outcome(d.now))
	}
	if !hasText(overlay(t, u), "迟到") {
		t.Errorf("the answer is confirmed as %v", texts(overlay(t, u)))
	}
}

func TestSpotCheckOlderThanADayIsABanner(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	c := d.checkFromPrefecture(t, "2026-07-12 22:15:00")
	u := d.open(t, "duty")
	p := u.spotPrompt
	if top := u.win.Canvas().Overlays().Top(); top != nil {
		t.Fatal("a check two days old covers the window")
	}
	if !p.banner.Visible() || !strings.Contains(p.bannerText.Text, "07-12 22:15") || !strings.Contains(p.bannerText.Text, "湘西州") {
		t.Errorf("banner shown %v: %q", p.banner.Visible(), p.bannerText.Text)
	}
	if d.alarm.sounding {
		t.Error("a stale check sounds the alarm")
	}
	test.Tap(p.bannerAnswer)
	if u.win.Canvas().Overlays().Top() != p.overlay || !p.later.Visible() {
		t.Fatal("补答 does not open the prompt with a way back")
	}
	test.Tap(p.later)
	if u.win.Canvas().Overlays().Top() != nil {
		t.Error("稍后 leaves the prompt")
	}
	test.Tap(p.bannerAnswer)
	test.Tap(p.answer)
	r, _ := d.checks.Record(u.ctx, c.ID)
	if r.Answer == nil || r.Outcome(d.now) != spotcheck.Late || p.banner.Visible() {
		t.Errorf("answered from the banner: %+v, banner %v", r.Answer, p.banner.Visible())
	}
}

func TestSpotCheckAnsweredElsewhereClosesThePrompt(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:10")
	c := d.checkFromPrefecture(t, "2026-07-14 10:00:00")
	u := d.open(t, "duty")
	if _, err := d.checks.Answer(u.ctx, &spotcheck.Answer{Check: c.ID, Person: "陈值班"}); err != nil {
		t.Fatal(err)
	}
	u.pollAlerts()
	if u.win.Canvas().Overlays().Top() != nil || d.alarm.sounding {
		t.Error("a check answered from the other computer still covers this window")
	}
}

func TestStartSpotChecksAndFollowTheRecords(t *testing.T) {
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	u := d.open(t, "spotchecks")
	s := u.spotChecks
	if s.limit.Text != "3" || len(s.target.Options) != 2 {
		t.Fatalf("limit %q, targets %v", s.limit.Text, s.target.Options)
	}
	test.Tap(s.startOne)
	if got := besideField(t, s.startForm, s.target); !contains(got, "请选择被查的值班室。") {
		t.Errorf("no station chosen: %v", got)
	}
	s.target.SetSelected("乾州街道")
	test.Type(s.prompt, "请报告今日值班人员")
	test.Tap(s.startOne)
	if len(d.checks.checks) != 1 {
		t.Fatalf("%d checks started", len(d.checks.checks))
	}
	c := d.checks.checks[0]
	if c.Target != d.qianzhou.ID || c.By != d.jishou.ID || !c.Deadline.Equal(d.now.Add(3*time.Minute)) || c.Prompt != "请报告今日值班人员" {
		t.Errorf("started %+v", c)
	}
	if !strings.Contains(s.done.label.Text, "收到后 3 分钟 内应答") {
		t.Errorf("notice %q", s.done.label.Text)
	}

	typeIntoEntry(s.count, "5")
	test.Tap(s.startRandom)
	if got := besideField(t, s.startForm, s.count); !contains(got, "请填写 1 到 2 之间的数。") {
		t.Errorf("five of two: %v", got)
	}
	typeIntoEntry(s.count, "2")
	test.Tap(s.startRandom)
	if len(d.checks.checks) != 3 || len(d.checks.seeds) != 1 || d.checks.seeds[0] != uint64(d.now.UnixNano()) {
		t.Fatalf("%d checks, seeds %v", len(d.checks.checks), d.checks.seeds)
	}

	typeIntoEntry(s.limit, "0.1")
	test.Tap(s.saveLimit)
	if got := besideField(t, s.startForm, s.limit); !contains(got, "应答时限应在 10 秒 到 60 分钟 之间") {
		t.Errorf("six seconds: %v", got)
	}
	typeIntoEntry(s.limit, "5")
	test.Tap(s.saveLimit)
	if set, _ := d.checks.Settings(u.ctx, d.jishou.ID); set.Limit != 5*time.Minute {
		t.Errorf("limit saved %v", set.Limit)
	}

	s.tabs.SelectIndex(spotTabRecords)
	if len(s.records) != 3 {
		t.Fatalf("%d records", len(s.records))
	}
	if text, _ := recordCell(&s.records[0], 6, s.data.base, d.now); text != "进行中，剩 03:00" {
		t.Errorf("a running check reads %q", text)
	}
	// 乾州街道 answers the first in time; the rest run out and the sweep
	// records them missed.
	d.checks.answers = append(d.checks.answers, spotcheck.Answer{Check: c.ID, Station: d.qianzhou.ID, Person: "林值班", At: d.now.Add(time.Minute).UTC()})
	d.now = d.now.Add(4 * time.Minute)
	if n, _ := d.checks.Sweep(u.ctx, d.now); n != 2 {
		t.Fatalf("the sweep recorded %d misses", n)
	}
	u.pollAlerts()
	var outcomes []string
	for i := range s.records {
		text, _ := recordCell(&s.records[i], 6, s.data.base, d.now)
		outcomes = append(outcomes, text)
	}
	if got := strings.Join(outcomes, " "); strings.Count(got, "脱岗") != 2 || strings.Count(got, "按时") != 1 {
		t.Errorf("outcomes %q", got)
	}
	for i := range s.records {
		if s.records[i].Check.ID == c.ID {
			if who, _ := recordCell(&s.records[i], 4, s.data.base, d.now); who != "林值班" {
				t.Errorf("answered by %q", who)
			}
		}
	}
}

func TestRankingByOnTimeRate(t *testing.T) {
	d := newAlertDemo(t, "2026-08-20 10:00:00")
	add := func(target app.Station, started string, answerAfter time.Duration) {
		at, err := time.ParseInLocation("2006-01-02 15:04", started, shanghai(t))
		if err != nil {
			t.Fatal(err)
		}
		c := d.checks.receive(spotcheck.Check{By: d.jishou.ID, Target: target.ID, StartedAt: at.UTC(), Deadline: at.Add(3 * time.Minute).UTC()})
		if answerAfter > 0 {
			d.checks.answers = append(d.checks.answers, spotcheck.Answer{Check: c.ID, Station: target.ID, Person: "某人", At: at.Add(answerAfter).UTC()})
		}
	}
	add(d.shiqiao, "2026-07-02 09:00", time.Minute)
	add(d.shiqiao, "2026-07-20 23:00", 0) // missed
	add(d.qianzhou, "2026-07-03 09:00", time.Minute)
	add(d.qianzhou, "2026-08-03 02:00", 2*time.Minute)
	add(d.qianzhou, "2026-06-30 09:00", 0) // the quarter before

	u := d.open(t, "spotchecks")
	s := u.spotChecks
	if s.quarter.Text != "2026Q3" {
		t.Errorf("the quarter starts at %q, want the current one", s.quarter.Text)
	}
	s.tabs.SelectIndex(spotTabRanking)
	if len(s.ranks) != 2 || s.ranks[0].Name != "乾州街道" || s.ranks[1].Name != "石家冲街道" {
		t.Fatalf("ranking %+v", s.ranks)
	}
	if rateText(&s.ranks[0]) != "100.0%" || rateText(&s.ranks[1]) != "50.0%" {
		t.Errorf("rates %s, %s", rateText(&s.ranks[0]), rateText(&s.ranks[1]))
	}
	if !strings.Contains(s.period.Text, "2026-07-01 至 2026-09-30") {
		t.Errorf("period %q", s.period.Text)
	}
	cells := func(row int) string {
		var out []string
		for col := range rankWidths {
			l := newCellLabel()
			s.updateRank(widgetCell(row, col), l)
			out = append(out, labelText(l))
		}
		return strings.Join(out, "|")
	}
	if got := cells(1); got != "2|石家冲街道|2|1|0|1|0|0|50.0%" {
		t.Errorf("second row %q", got)
	}

	typeIntoEntry(s.quarter, "2026Q5")
	test.Tap(s.showRanking)
	if !s.quarterErr.Visible() || !strings.Contains(s.quarterErr.Text, "2026Q3") {
		t.Errorf("a fifth quarter: %q", s.quarterErr.Text)
	}
	typeIntoEntry(s.quarter, "2026q2")
	test.Tap(s.showRanking)
	if s.quarterErr.Visible() || len(s.ranks) != 1 || s.ranks[0].Name != "乾州街道" || rateText(&s.ranks[0]) != "0.0%" {
		t.Errorf("the second quarter: %+v", s.ranks)
	}
}

func widgetCell(row, col int) widget.TableCellID { return widget.TableCellID{Row: row, Col: col} }

func labelText(o fyne.CanvasObject) string { return o.(*widget.Label).Text }
