package incident_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCountByMonthInStationZone(t *testing.T) {
	incs := []incident.Incident{
		{ReceivedAt: at("2026-01-31T15:59:00Z"), Category: incident.Fire}, // 23:59 on 31 January in China
		{ReceivedAt: at("2026-01-31T16:00:00Z"), Category: incident.Fire}, // 00:00 on 1 February
		{ReceivedAt: at("2026-02-10T02:00:00Z"), Category: incident.Flood},
		{ReceivedAt: at("2026-02-11T02:00:00Z"), Category: incident.RoadTraffic},
		{ReceivedAt: at("2026-02-12T02:00:00Z"), Category: incident.RoadTraffic},
	}
	var got []string
	for _, m := range incident.CountByMonth(incs, cst) {
		got = append(got, fmt.Sprintf("%s %s %d", m.Month, m.Category, m.Count))
	}
	want := "2026-01 fire 1|2026-02 road_traffic 2|2026-02 fire 1|2026-02 flood 1"
	if strings.Join(got, "|") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, "|"), want)
	}
}

func TestCountByCounty(t *testing.T) {
	incs := []incident.Incident{
		{Station: aizhai.ID, Place: incident.Place{Station: dehang.ID}},
		{Station: jishou.ID, Place: incident.Place{Station: aizhai.ID}},
		{Station: prefecture.ID, Place: incident.Place{Station: baisha.ID}}, // taken by the prefecture, happened in 泸溪
		{Station: prefecture.ID},
		{Station: app.NewID()}, // a station the tree does not know
	}
	got := incident.CountByCounty(incs, testTree())
	want := []incident.AreaCount{
		{Station: jishou.ID, Count: 2},
		{Station: luxi.ID, Count: 1},
		{Station: prefecture.ID, Count: 1},
		{Station: app.NilID, Count: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	// A quiet county still shows, at zero.
	got = incident.CountByCounty(incs[:1], testTree())
	if len(got) != 2 || got[1].Station != luxi.ID || got[1].Count != 0 {
		t.Errorf("quiet county missing: %v", got)
	}
}

func TestCountByGrade(t *testing.T) {
	incs := []incident.Incident{
		{Provisional: incident.GradeGeneral},
		{Provisional: incident.GradeGeneral},
		{Provisional: incident.GradeLarge, Grade: incident.GradeMajor},
		{},
	}
	got := incident.CountByGrade(incs)
	want := []incident.GradeCount{
		{Grade: incident.GradeGeneral, Count: 2}, {Grade: incident.GradeLarge, Count: 0},
		{Grade: incident.GradeMajor, Count: 1}, {Grade: incident.GradeEspeciallyMajor, Count: 0},
		{Grade: 0, Count: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestOnTimeRates(t *testing.T) {
	now := received.Add(10 * time.Hour)
	due := received.Add(time.Hour)
	sent := func(from app.ID, late bool) incident.ReportTask {
		tk := incident.ReportTask{From: from, Due: due, Status: incident.TaskSent, SentAt: due}
		if late {
			tk.SentAt, tk.Late = due.Add(time.Minute), true
		}
		return tk
	}
	tasks := []incident.ReportTask{
		sent(aizhai.ID, false), sent(aizhai.ID, false), sent(aizhai.ID, true),
		{From: aizhai.ID, Due: due, Status: incident.TaskPending},                // overdue
		{From: aizhai.ID, Due: now.Add(time.Hour), Status: incident.TaskPending}, // not due yet: not counted
		sent(jishou.ID, false),
		sent(luxi.ID, false), sent(luxi.ID, false),
		{From: baisha.ID, Due: due, Status: incident.TaskSigned}, // overdue
	}
	got := incident.OnTimeRates(tasks, now)
	var lines []string
	for _, s := range got {
		lines = append(lines, fmt.Sprintf("%s %d/%d late %d overdue %d %.2f", names[s.Station], s.OnTime, s.Due, s.Late, s.Overdue, s.Rate))
	}
	want := []string{
		"luxi 2/2 late 0 overdue 0 1.00", // perfect, and more reports than 吉首市
		"county 1/1 late 0 overdue 0 1.00",
		"township 2/4 late 1 overdue 1 0.50",
		"baisha 0/1 late 0 overdue 1 0.00",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestSummarizeAgreesWithParts(t *testing.T) {
	incs := generate(500, rand.New(rand.NewPCG(3, 4)))
	s := incident.Summarize(incs, nil, testTree(), cst, received)
	total := 0
	for _, m := range s.ByMonth {
		total += m.Count
	}
	county := 0
	for _, c := range s.ByCounty {
		county += c.Count
	}
	grade := 0
	for _, g := range s.ByGrade {
		grade += g.Count
	}
	if total != len(incs) || county != len(incs) || grade != len(incs) {
		t.Errorf("by month %d, by county %d, by grade %d; want each %d", total, county, grade, len(incs))
	}
}
