// Package incidentfile writes the incident register (台账) to files people
// keep and send on: an .xlsx workbook laid out for printing. It knows
// nothing of the screens, so the window and the command line write the
// same file.
package incidentfile

import (
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/registersheet"
)

// Register is what the workbook shows.
type Register struct {
	Title     string // the sheet's heading, e.g. "吉首市应急管理局 事件台账"
	Incidents []incident.Incident
	Tree      *app.Tree      // names the stations; nil writes their ids
	Location  *time.Location // the zone times are written in; nil is China's
	Now       time.Time      // decides which incidents are overdue
}

// Columns of the register, in order. They are Chinese because the file is
// an official record, whatever language the program speaks.
var Columns = []string{
	"序号", "接报时间", "发生时间", "接报单位", "发生地点", "具体位置", "事件类别", "类别大类",
	"事件等级", "定级", "死亡", "失踪", "重伤", "轻伤", "被困", "转移安置", "直接经济损失（万元）",
	"来报方式", "报告人", "报告人单位", "报告人电话", "接报人", "状态", "下一报送时限", "是否超时", "事件概况",
}

// Widths in characters; a Chinese character takes about two.
var widths = []float64{6, 17, 17, 14, 24, 20, 14, 10, 10, 12, 6, 6, 6, 6, 6, 9, 12, 10, 10, 16, 14, 10, 8, 17, 8, 50}

const (
	sheet   = "台账"
	paperA4 = 9
)

// WriteXLSX writes the register as a one-sheet workbook: a title, the
// column names frozen at the top, one row per incident in the order given,
// overdue rows shaded, printing A4 landscape fitted to the page width.
func WriteXLSX(w io.Writer, r Register) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := build(f, &r); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot lay out the incident register: %v", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write the incident register: %v", err)
	}
	return nil
}

func build(f *excelize.File, r *Register) error {
	loc := r.Location
	if loc == nil {
		loc = chinaTime()
	}
	heading := r.Title
	if heading == "" {
		heading = "事件台账"
	}
	styles, err := registersheet.Begin(f, sheet, heading, Columns, widths)
	if err != nil {
		return err
	}
	body, stamp := styles.Body, styles.Stamp

	for i := range r.Incidents {
		inc := &r.Incidents[i]
		row := registersheet.FirstRow + i
		overdue := inc.Overdue(r.Now)
		values := rowValues(i+1, inc, r.Tree, loc, r.Now)
		for j, v := range values {
			cell, _ := excelize.CoordinatesToCellName(j+1, row)
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				return err
			}
			style := body[overdue]
			if _, ok := v.(time.Time); ok {
				style = stamp[overdue]
			}
			if err := f.SetCellStyle(sheet, cell, cell, style); err != nil {
				return err
			}
		}
	}

	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	fit := true
	orientation, size := "landscape", paperA4
	fitWidth, fitHeight := 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orientation, Size: &size,
		FitToWidth: &fitWidth, FitToHeight: &fitHeight}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$1:$2", Scope: sheet})
}

// rowValues are the cells of one incident, in the order of Columns.
func rowValues(n int, inc *incident.Incident, tree *app.Tree, loc *time.Location, now time.Time) []any {
	grade, graded := "", "初判"
	if g := inc.EffectiveGrade(); g.Valid() {
		grade = gradeNames[g]
	}
	switch {
	case inc.Grade != 0 && inc.GradeReason != "":
		graded = "带班领导调整"
	case inc.Grade != 0:
		graded = "带班领导确认"
	}
	status := "处置中"
	if inc.Status == incident.StatusClosed {
		status = "已结案"
	}
	overdue := ""
	if inc.Overdue(now) {
		overdue = "超时"
	}
	return []any{
		n,
		wall(inc.ReceivedAt, loc),
		wall(inc.OccurredAt, loc),
		name(tree, inc.Station),
		path(tree, inc.Place.Station),
		inc.Place.Text,
		categoryNames[inc.Category],
		groupNames[inc.Category.Group()],
		grade,
		graded,
		inc.Counts.Dead,
		inc.Counts.Missing,
		inc.Counts.SeriousInjured,
		inc.Counts.Injured,
		inc.Counts.Trapped,
		inc.Counts.Evacuated,
		loss(inc.Loss),
		channelNames[inc.Channel],
		inc.Reporter.Name,
		inc.Reporter.Unit,
		inc.Reporter.Phone,
		inc.CreatedBy, // 接报人: the officer signed in at the desk
		status,
		wall(inc.NextDue, loc),
		overdue,
		inc.Description,
	}
}

// loss is the direct loss in 万元, or 未知 when none was given: a loss is
// kept as zero until someone gives a figure, and a 0 in the column would
// read as "no loss", which nobody said.
func loss(yuan int64) any {
	if yuan == 0 {
		return lossUnknown
	}
	return float64(yuan) / 10000
}

// lossUnknown is the loss column's cell for a loss not yet known.
const lossUnknown = "未知"

// wall is the instant as the station's clock showed it, with no zone:
// spreadsheets have none, and a reader expects the time they lived.
// The zero time is an empty cell.
func wall(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return ""
	}
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
}

func name(tree *app.Tree, id app.ID) string {
	if id == app.NilID {
		return ""
	}
	if tree != nil {
		if s := tree.Station(id); s != nil {
			return s.Name
		}
	}
	return id.String()
}

func path(tree *app.Tree, id app.ID) string {
	if id == app.NilID {
		return ""
	}
	if tree != nil && tree.Station(id) != nil {
		return tree.Path(id)
	}
	return id.String()
}

func chinaTime() *time.Location {
	if loc, err := time.LoadLocation(app.DefaultZone); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

var gradeNames = map[incident.Grade]string{
	incident.GradeGeneral:         "一般",
	incident.GradeLarge:           "较大",
	incident.GradeMajor:           "重大",
	incident.GradeEspeciallyMajor: "特别重大",
}

var groupNames = map[incident.Group]string{
	incident.GroupProductionSafety: "安全生产",
	incident.GroupNaturalDisaster:  "自然灾害",
	incident.GroupOther:            "其他",
}

var categoryNames = map[incident.Category]string{
	incident.RoadTraffic:        "道路交通",
	incident.WaterwayTraffic:    "水上交通",
	incident.NonCoalMine:        "非煤矿山",
	incident.HazardousChemicals: "危险化学品",
	incident.Fireworks:          "烟花爆竹",
	incident.Fire:               "火灾",
	incident.Construction:       "建筑施工",
	incident.TownGas:            "城镇燃气",
	incident.SpecialEquipment:   "特种设备",
	incident.IndustryTrade:      "工贸",
	incident.Tourism:            "旅游",
	incident.Flood:              "洪涝",
	incident.Drought:            "干旱",
	incident.Geological:         "地质灾害",
	incident.Earthquake:         "地震",
	incident.ForestFire:         "森林火灾",
	incident.LowTempIce:         "低温雨雪冰冻",
	incident.OtherIncident:      "其他",
}

var channelNames = map[incident.Channel]string{
	incident.ChannelPhone:        "电话",
	incident.ChannelHotline12345: "12345热线",
	incident.ChannelHotline12379: "12379",
	incident.ChannelSystem:       "系统报送",
	incident.ChannelRadio:        "电台",
	incident.ChannelWalkIn:       "来访",
	incident.ChannelOther:        "其他",
}
