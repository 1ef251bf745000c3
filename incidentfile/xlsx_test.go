package incidentfile

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/incident"
)

func TestEveryCategoryAndChannelHasAName(t *testing.T) {
	for _, c := range incident.Categories {
		if categoryNames[c] == "" {
			t.Errorf("no name for category %q: it would export as an empty cell", c)
		}
	}
	for _, c := range incident.Channels {
		if channelNames[c] == "" {
			t.Errorf("no name for channel %q", c)
		}
	}
}

func TestWriteXLSXWritesOneRowPerIncidentInStationTime(t *testing.T) {
	pref := app.Station{ID: app.NewID(), Name: "湘西州", Code: "433100", Tier: app.TierPrefecture}
	county := app.Station{ID: app.NewID(), Name: "吉首市", Code: "433101", Tier: app.TierCounty, Parent: pref.ID}
	town := app.Station{ID: app.NewID(), Name: "乾州街道", Code: "433101001", Tier: app.TierTownship, Parent: county.ID}
	tree := app.NewTree([]app.Station{pref, county, town})
	loc := time.FixedZone("CST", 8*3600)
	received := time.Date(2026, 10, 3, 1, 5, 0, 0, time.UTC) // 09:05 in China
	now := received.Add(3 * time.Hour)
	incs := []incident.Incident{
		{
			Station: county.ID, ReceivedAt: received, Channel: incident.ChannelPhone, Category: incident.RoadTraffic,
			Place:    incident.Place{Station: town.ID, Text: "G65 K1234"},
			Reporter: incident.Reporter{Name: "王五", Phone: "13800000000"},
			Counts:   incident.Counts{Dead: 3, SeriousInjured: 2}, Loss: 125000,
			Provisional: incident.GradeLarge, Grade: incident.GradeMajor, GradedBy: "张三", GradeReason: "影响大",
			NextDue: received.Add(time.Hour), Status: incident.StatusOpen, Description: "两车追尾", CreatedBy: "陈值班",
		},
		{
			Station: county.ID, ReceivedAt: received.Add(-24 * time.Hour), Channel: incident.ChannelHotline12379,
			Category: incident.Geological, Place: incident.Place{Text: "山体滑坡"}, Provisional: incident.GradeGeneral,
			Status: incident.StatusClosed,
		},
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, Register{Title: "吉首市 事件台账", Incidents: incs, Tree: tree, Location: loc, Now: now}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "吉首市 事件台账" {
		t.Fatalf("want a title, column names and 2 rows, got %d rows: %q", len(rows), rows)
	}
	for i, name := range Columns {
		if rows[1][i] != name {
			t.Errorf("column %d is %q, want %q", i+1, rows[1][i], name)
		}
	}
	cell := func(row int, column string) string {
		for i, name := range Columns {
			if name == column && i < len(rows[row]) {
				return rows[row][i]
			}
		}
		return ""
	}
	want := map[string]string{
		"序号": "1", "接报时间": "2026-10-03 09:05", "接报单位": "吉首市", "发生地点": "湘西州 / 吉首市 / 乾州街道",
		"具体位置": "G65 K1234", "事件类别": "道路交通", "类别大类": "安全生产", "事件等级": "重大", "定级": "带班领导调整",
		"死亡": "3", "重伤": "2", "直接经济损失（万元）": "12.5", "来报方式": "电话", "报告人": "王五", "接报人": "陈值班",
		"状态": "处置中", "下一报送时限": "2026-10-03 10:05", "是否超时": "超时", "事件概况": "两车追尾",
	}
	for column, v := range want {
		if got := cell(2, column); got != v {
			t.Errorf("first incident %s = %q, want %q", column, got, v)
		}
	}
	if got := cell(3, "事件等级") + cell(3, "定级") + cell(3, "状态") + cell(3, "是否超时"); got != "一般初判已结案" {
		t.Errorf("second incident grade, grading, status, overdue = %q", got)
	}
	if got := cell(3, "发生时间"); got != "" {
		t.Errorf("an unknown time of occurrence exports as %q, want an empty cell", got)
	}
}

// A loss nobody has given yet is kept as zero; the register must say 未知,
// not 0, which a reader would take for "no loss".
func TestWriteXLSXWritesAnUnknownLossAsUnknownNotZero(t *testing.T) {
	received := time.Date(2026, 10, 3, 1, 5, 0, 0, time.UTC)
	incs := []incident.Incident{
		{Station: app.NewID(), ReceivedAt: received, Channel: incident.ChannelPhone, Category: incident.Fire,
			Provisional: incident.GradeGeneral, Status: incident.StatusOpen},
		{Station: app.NewID(), ReceivedAt: received, Channel: incident.ChannelPhone, Category: incident.Fire,
			Provisional: incident.GradeGeneral, Status: incident.StatusOpen, Loss: 5000},
	}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, Register{Title: "台账", Incidents: incs, Now: received}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, name := range Columns {
		if name == "直接经济损失（万元）" {
			col = i
		}
	}
	if got := rows[2][col]; got != "未知" {
		t.Errorf("an unknown loss exports as %q, want 未知", got)
	}
	if got := rows[3][col]; got != "0.5" {
		t.Errorf("a loss of 5000 yuan exports as %q, want 0.5 (万元)", got)
	}
}
