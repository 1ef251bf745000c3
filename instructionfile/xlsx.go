// Package instructionfile writes the register of leaders' instructions
// (批示台账) as an .xlsx workbook laid out for printing, as incidentfile
// does for incidents, so the window and the command line write the same
// file.
package instructionfile

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/instruction"
	"dutyroom/registersheet"
)

// Register is what the workbook shows.
type Register struct {
	Title    string // e.g. "湘西州应急管理局 批示台账"
	Records  []instruction.Record
	Tree     *app.Tree      // names the stations; nil writes their ids
	Location *time.Location // the zone times are written in; nil is China's
	Now      time.Time      // decides which are overdue
}

// Columns of the register, in order: Chinese, since the file is an
// official record whatever language the program speaks.
var Columns = []string{"序号", "批示时间", "批示领导", "职务", "来源", "批示内容", "任务及承办单位", "办理时限", "办理情况", "状态", "反馈", "反馈时间"}

var widths = []float64{6, 17, 10, 14, 8, 40, 40, 17, 50, 8, 40, 17}

// StateNames are the states as the file and the Chinese window word them.
var StateNames = map[instruction.State]string{
	instruction.StateOpen: "办理中", instruction.StateOverdue: "已超时", instruction.StateAnswered: "已办结", instruction.StateFedBack: "已反馈",
}

// SourceNames are the sources as the file words them.
var SourceNames = map[instruction.Source]string{
	instruction.SourcePhone: "电话", instruction.SourcePaper: "纸质", instruction.SourceMessage: "信息",
}

const (
	sheet   = "批示台账"
	paperA4 = 9
)

// WriteXLSX writes the register: a title, the column names frozen at the
// top, one row per instruction in the order given, overdue rows shaded,
// A4 landscape fitted to the page width.
func WriteXLSX(w io.Writer, r Register) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := build(f, &r); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot lay out the instruction register: %v", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write the instruction register: %v", err)
	}
	return nil
}

func build(f *excelize.File, r *Register) error {
	loc := r.Location
	if loc == nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	heading := r.Title
	if heading == "" {
		heading = "批示台账"
	}
	styles, err := registersheet.Begin(f, sheet, heading, Columns, widths)
	if err != nil {
		return err
	}
	body, stamp := styles.Body, styles.Stamp
	for i := range r.Records {
		rec := &r.Records[i]
		overdue := rec.State(r.Now) == instruction.StateOverdue
		for j, v := range rowValues(i+1, rec, r.Tree, loc, r.Now) {
			cell, _ := excelize.CoordinatesToCellName(j+1, registersheet.FirstRow+i)
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
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orientation, Size: &size, FitToWidth: &fitWidth, FitToHeight: &fitHeight}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + sheet + "'!$1:$2", Scope: sheet})
}

// rowValues are the cells of one instruction, in the order of Columns.
func rowValues(n int, rec *instruction.Record, tree *app.Tree, loc *time.Location, now time.Time) []any {
	in := &rec.Instruction
	var tasks, deadlines, answers []string
	progress := rec.Progress()
	for i, t := range in.Tasks {
		var who []string
		for _, a := range t.Assignees() {
			who = append(who, assigneeName(tree, a))
		}
		tasks = append(tasks, fmt.Sprintf("%d. %s（%s）", i+1, t.Text, strings.Join(who, "、")))
		deadlines = append(deadlines, fmt.Sprintf("%d. %s", i+1, t.Deadline.In(loc).Format("2006-01-02 15:04")))
		for _, p := range progress {
			if p.Task != t.ID {
				continue
			}
			switch {
			case p.Last == nil && p.Overdue(now):
				answers = append(answers, fmt.Sprintf("%d. %s：超时未反馈", i+1, assigneeName(tree, p.For)))
			case p.Last == nil:
				answers = append(answers, fmt.Sprintf("%d. %s：未反馈", i+1, assigneeName(tree, p.For)))
			default:
				state := "办理中"
				if p.DoneAt != nil {
					state = "已办结"
				}
				answers = append(answers, fmt.Sprintf("%d. %s（%s）：%s", i+1, assigneeName(tree, p.For), state, p.Last.Text))
			}
		}
	}
	var fbText string
	var fbAt any = ""
	if fb := rec.LastFeedback(); fb != nil {
		fbText, fbAt = fb.Text, wall(fb.At, loc)
	}
	return []any{n, wall(in.GivenAt, loc), in.Leader, in.LeaderPost, SourceNames[in.Source], in.Words,
		strings.Join(tasks, "\n"), strings.Join(deadlines, "\n"), strings.Join(answers, "\n"),
		StateNames[rec.State(now)], fbText, fbAt}
}

// wall is t as the wall clock of loc shows it, which is what the sheet
// stores (a spreadsheet has no zones).
func wall(t time.Time, loc *time.Location) any {
	w := t.In(loc)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
}

func assigneeName(tree *app.Tree, a instruction.Assignee) string {
	if a.Unit != "" {
		return a.Unit
	}
	if tree != nil {
		if s := tree.Station(a.Station); s != nil {
			return s.Name
		}
	}
	return a.Station.String()
}
