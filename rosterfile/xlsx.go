package rosterfile

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// The wall layout: title in row 1, column names in row 2, one row per day
// from row 3, then an empty row and the footer. ReadXLSX and ReadCSV find the
// table by its column names, not by these positions, so an office may add
// rows above it or notes below it.
const (
	titleRow  = 1
	headerRow = 2
	firstDay  = 3
)

// Column names of the wall layout, in order. The role columns follow the
// order of roster.DutyRoles.
const (
	colDate    = "日期"
	colWeekday = "星期"
	colType    = "类型"
)

var wallColumns = []string{colDate, colWeekday, colType,
	roleNames[app.RoleLeader], roleNames[app.RoleCadre], roleNames[app.RoleOfficer], roleNames[app.RoleStandby]}

// Widths in characters; a Chinese character takes about two.
var wallWidths = []float64{12, 8, 20, 22, 22, 22, 26}

const (
	fontFamily   = "宋体" // what Chinese offices print official tables in
	paperA4      = 9    // the OOXML paper size code of A4
	holidayFill  = "F8D7DA"
	weekendFill  = "EDEDED"
	headerFill   = "D9E2F3"
	lineHeight   = 15.0 // points per line of 11-point text
	rowPadding   = 6.0
	titleHeight  = 30.0
	headerHeight = 22.0
)

// WriteXLSX writes the month as a one-sheet workbook laid out to print on
// A4 landscape and hang on the duty room wall: title, column names, one row
// per day with names and mobiles, holidays shaded, and the handover time and
// duty phone below. Printing fits the width to one page and repeats the
// title and column names on every page.
func WriteXLSX(w io.Writer, m MonthSheet) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := buildWall(f, &m); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot lay out the roster sheet: %v", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write the roster sheet: %v", err)
	}
	return nil
}

// styles holds the style ids of the sheet.
type styles struct {
	title, header, footer int
	// body and date styles per day kind, because the kind decides the shading.
	body, date map[roster.DayKind]int
}

func newStyles(f *excelize.File) (*styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1},
		{Type: "bottom", Color: "000000", Style: 1},
	}
	centre := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	font := &excelize.Font{Family: fontFamily, Size: 11}
	s := &styles{body: map[roster.DayKind]int{}, date: map[roster.DayKind]int{}}
	var err error
	if s.title, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Family: fontFamily, Size: 18, Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	}); err != nil {
		return nil, err
	}
	if s.header, err = f.NewStyle(&excelize.Style{
		Border:    border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{headerFill}},
		Font:      &excelize.Font{Family: fontFamily, Size: 12, Bold: true},
		Alignment: centre,
	}); err != nil {
		return nil, err
	}
	if s.footer, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Family: fontFamily, Size: 12},
		Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"},
	}); err != nil {
		return nil, err
	}
	dateFormat := "yyyy-mm-dd"
	for _, k := range roster.DayKinds {
		var fill excelize.Fill
		switch k {
		case roster.Holiday:
			fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{holidayFill}}
		case roster.Weekend:
			fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{weekendFill}}
		}
		if s.body[k], err = f.NewStyle(&excelize.Style{Border: border, Fill: fill, Font: font, Alignment: centre}); err != nil {
			return nil, err
		}
		if s.date[k], err = f.NewStyle(&excelize.Style{Border: border, Fill: fill, Font: font, Alignment: centre, CustomNumFmt: &dateFormat}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func buildWall(f *excelize.File, m *MonthSheet) error {
	sheet := fmt.Sprintf("%d年%d月", m.Month.Y, int(m.Month.M))
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	lastCol, _ := excelize.ColumnNumberToName(len(wallColumns))
	for i, width := range wallWidths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
	}

	// Title, merged across the table.
	if err := setMerged(f, sheet, titleRow, lastCol, m.Title(), st.title); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, titleRow, titleHeight); err != nil {
		return err
	}

	// Column names.
	for i, name := range wallColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, headerRow)
		if err := f.SetCellStr(sheet, cell, name); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheet, fmt.Sprintf("A%d", headerRow), fmt.Sprintf("%s%d", lastCol, headerRow), st.header); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, headerRow, headerHeight); err != nil {
		return err
	}

	// One row per day.
	for i := range m.Days {
		if err := writeDay(f, sheet, firstDay+i, lastCol, &m.Days[i], st); err != nil {
			return err
		}
	}

	// An empty row ends the table for the importer; the footer follows.
	footerRow := firstDay + len(m.Days) + 1
	if err := setMerged(f, sheet, footerRow, lastCol, m.Footer(), st.footer); err != nil {
		return err
	}
	if err := f.SetRowHeight(sheet, footerRow, headerHeight); err != nil {
		return err
	}
	return pageSetup(f, sheet, lastCol)
}

func setMerged(f *excelize.File, sheet string, row int, lastCol, text string, style int) error {
	first := fmt.Sprintf("A%d", row)
	last := fmt.Sprintf("%s%d", lastCol, row)
	if err := f.SetCellStr(sheet, first, text); err != nil {
		return err
	}
	if err := f.MergeCell(sheet, first, last); err != nil {
		return err
	}
	return f.SetCellStyle(sheet, first, last, style)
}

func writeDay(f *excelize.File, sheet string, row int, lastCol string, day *DayRow, st *styles) error {
	d := day.Info.Date
	cells := make([]string, len(wallColumns))
	cells[1] = weekdayNames[d.Weekday()]
	cells[2] = DayType(day.Info)
	lines := 1
	for ri, role := range roster.DutyRoles {
		var names []string
		for _, duty := range day.Duties {
			if duty.Post.Role == role {
				names = append(names, personText(&duty.Person))
			}
		}
		// Several standby people share a cell, one per line, in seat order:
		// the importer gives them seats 1, 2, ... in the same order.
		cells[3+ri] = strings.Join(names, "\n")
		lines = max(lines, len(names))
	}
	for i, text := range cells[1:] {
		cell, _ := excelize.CoordinatesToCellName(i+2, row)
		if err := f.SetCellStr(sheet, cell, text); err != nil {
			return err
		}
	}
	// A real date, not text, so the sheet sorts and filters by it.
	cell := fmt.Sprintf("A%d", row)
	if err := f.SetCellValue(sheet, cell, time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC)); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, fmt.Sprintf("B%d", row), fmt.Sprintf("%s%d", lastCol, row), st.body[day.Info.Kind]); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, cell, cell, st.date[day.Info.Kind]); err != nil {
		return err
	}
	// Spreadsheets do not grow a row for wrapped text written by a program.
	return f.SetRowHeight(sheet, row, float64(lines)*lineHeight+rowPadding)
}

func pageSetup(f *excelize.File, sheet, lastCol string) error {
	size, orientation := paperA4, "landscape"
	oneWide, anyHigh := 1, 0
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size:        &size,
		Orientation: &orientation,
		FitToWidth:  &oneWide,
		FitToHeight: &anyHigh,
	}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin, edge, centred := 0.5, 0.3, true
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: &margin, Right: &margin, Top: &margin, Bottom: &margin, Header: &edge, Footer: &edge,
		Horizontally: &centred,
	}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, titleRow, headerRow),
		Scope:    sheet,
	})
}
