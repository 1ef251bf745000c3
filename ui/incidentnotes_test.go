package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"dutyroom/app/incident"
)

// Every note kind the store writes has its sentence here, and with it a
// key in both translation files (TestEveryKeyUsedIsTranslated reads the
// keys in noteSentences).
func TestEveryNoteKindHasASentence(t *testing.T) {
	for _, k := range incident.NoteKinds {
		if _, ok := noteSentences[k]; !ok {
			t.Errorf("note kind %q has no sentence", k)
		}
	}
	if len(noteSentences) != len(incident.NoteKinds) {
		t.Errorf("%d sentences for %d note kinds", len(noteSentences), len(incident.NoteKinds))
	}
}

// The timeline of an incident, rendered headless in Chinese: details
// stored as notes read as Chinese sentences with the grades, report
// kinds, stations and times of the screens; an event stored before notes
// existed, and one with a note of a kind this version does not know,
// show the English detail they were stored with.
func TestTimelineDetailsInChinese(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 10:00")
	u := openIncidents(t, d)
	inc := incident.Incident{Station: d.qianzhou.ID, ReceivedAt: d.now.Add(-10 * time.Minute), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: d.village.ID, Text: "G209 K1203"}, Category: incident.RoadTraffic, Title: "货车侧翻",
		Counts: incident.Counts{Dead: 2}}
	if _, _, err := d.svc.CreateIncident(t.Context(), &inc); err != nil {
		t.Fatal(err)
	}
	d.svc.events = nil
	at := func(min int) time.Time { return d.now.Add(time.Duration(min) * time.Minute) }
	due := time.Date(2026, 10, 3, 4, 0, 0, 0, time.UTC) // 12:00 in China
	ev := func(min int, kind incident.EventKind, note *incident.Note, detail string) {
		e := incident.NewEvent(inc.ID, d.jishou.ID, at(min), "值班员甲", kind, detail)
		e.Note = note
		d.svc.events = append(d.svc.events, e)
	}
	ev(1, incident.EventReceived, &incident.Note{Kind: incident.NoteReceived, Args: []incident.Arg{
		incident.CategoryArg("category", incident.RoadTraffic), incident.ChannelArg("channel", incident.ChannelPhone),
		incident.TextArg("reporter", "龙建国"), incident.StationArg("place", d.village.ID)}}, "road_traffic by phone from 龙建国")
	ev(1, incident.EventGraded, &incident.Note{Kind: incident.NoteGraded, Args: []incident.Arg{
		incident.GradeArg("grade", incident.GradeGeneral), incident.FieldArg("field", "counts.dead"), incident.NumberArg("value", 2),
		incident.NumberArg("min", 0), incident.NumberArg("next", 3)}}, "general: counts.dead 2 (< 3)")
	ev(2, incident.EventCountsChanged, &incident.Note{Kind: incident.NoteFigures, Items: []incident.Note{
		{Kind: incident.NoteFigure, Args: []incident.Arg{incident.FieldArg("field", "counts.dead"), incident.NumberArg("from", 1), incident.NumberArg("to", 2)}},
		{Kind: incident.NoteFigure, Args: []incident.Arg{incident.FieldArg("field", "loss"), incident.NumberArg("from", 0), incident.NumberArg("to", 1500000)}},
	}}, "dead 1 → 2, loss 0 → 1500000")
	ev(3, incident.EventRegraded, &incident.Note{Kind: incident.NoteRegraded, Args: []incident.Arg{
		incident.GradeArg("from", incident.GradeGeneral), incident.GradeArg("to", incident.GradeLarge),
		incident.StationArg("station", d.jishou.ID), incident.GradeArg("kept", incident.GradeGeneral)}}, "provisional general → large")
	ev(4, incident.EventTasksCreated, &incident.Note{Kind: incident.NoteTasks, Items: []incident.Note{
		{Kind: incident.NoteTask, Args: []incident.Arg{incident.ModeArg("mode", incident.ModeWritten),
			incident.RecipientArg("to", incident.Recipient{Station: d.xiangxi.ID}), incident.TimeArg("due", due)}},
		{Kind: incident.NoteTask, Args: []incident.Arg{incident.ModeArg("mode", incident.ModePhone),
			incident.RecipientArg("to", incident.Recipient{Level: incident.LevelProvince}), incident.TimeArg("due", due)}},
	}}, "written to 湘西州 by 2026-10-03 12:00 +08:00")
	ev(5, incident.EventSent, &incident.Note{Kind: incident.NoteSent, Args: []incident.Arg{
		incident.ModeArg("mode", incident.ModeWritten), incident.ReportKindArg("kind", incident.KindInitial),
		incident.RecipientArg("to", incident.Recipient{Station: d.xiangxi.ID}), incident.TimeArg("late", due)}}, "written initial report to 湘西州, late")
	ev(6, incident.EventSigned, nil, "initial report signed at 吉首市 by 张三 for 1 deliveries")
	ev(7, incident.EventClosed, &incident.Note{Kind: "consulted", Args: []incident.Arg{incident.TextArg("room", "会商室")}}, "consultation held")

	u.incidents.openIncident(inc.ID)
	v := u.incidents.view
	v.tabs.SelectIndex(2)
	u.win.Resize(fyne.NewSize(1600, 900))
	if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
		captureLaidOut(t, u, filepath.Join(dir, "incident-timeline.png"))
	}
	rows := listRows(v.timeline)
	if len(rows) != 8 {
		t.Fatalf("%d timeline rows: %v", len(rows), texts(v.timeline))
	}
	want := []string{
		"电话接报：道路交通，报告人 龙建国，地点 乾元村",
		"一般：死亡 2 人（<3）",
		"死亡 1 → 2；直接经济损失 未知 → 150 万元",
		"吉首市定级标准调整，暂定等级由一般改为较大；带班领导确定的一般不变",
		"10-03 12:00 前书面报湘西州；10-03 12:00 前电话报省级",
		"书面报送初报至湘西州，迟报（时限 10-03 12:00）",
		"initial report signed at 吉首市 by 张三 for 1 deliveries",
		"consultation held",
	}
	for i, w := range want {
		got := strings.Join(texts(rows[i]), " | ")
		if !strings.Contains(got, w) {
			t.Errorf("row %d reads %q, want %q", i, got, w)
		}
	}
	if got := strings.Join(texts(rows[3]), " | "); !strings.Contains(got, "重新定级") {
		t.Errorf("the re-grading row is labelled %q", got)
	}

	// The whole detail opens in a dialog, in Chinese too.
	v.timeline.Select(3)
	if !hasText(overlay(t, u), "吉首市定级标准调整，暂定等级由一般改为较大；带班领导确定的一般不变") {
		t.Errorf("the dialog reads %v", texts(overlay(t, u)))
	}
}
