// Package registersheet is the layout the registers' workbooks share (the
// incident register, the register of 批示): one sheet with a merged title,
// the column names frozen under it, thin borders, wrapped cells, overdue
// rows shaded. Each register writes its own rows and print settings.
package registersheet

import "github.com/xuri/excelize/v2"

// The look of every register: what Chinese offices print tables in.
const (
	FontFamily = "宋体"
	TimeFormat = "yyyy-mm-dd hh:mm"
	FirstRow   = 3 // title in row 1, column names in row 2
	headerFill = "D9E2F3"
	OverdueRed = "F8D7DA"
)

// Styles are the cell styles of the rows, by whether the row is overdue:
// Body for text and figures, Stamp for times.
type Styles struct {
	Body, Stamp map[bool]int
}

// Begin renames the workbook's first sheet to sheet, writes the title
// across row 1 and the columns' names and widths (in characters) in row
// 2, and returns the rows' styles.
func Begin(f *excelize.File, sheet, title string, columns []string, widths []float64) (Styles, error) {
	st := Styles{Body: map[bool]int{}, Stamp: map[bool]int{}}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return st, err
	}
	border := []excelize.Border{
		{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1},
	}
	font := &excelize.Font{Family: FontFamily, Size: 10}
	wrap := &excelize.Alignment{Vertical: "center", WrapText: true}
	format := TimeFormat
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: FontFamily, Size: 16, Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return st, err
	}
	header, err := f.NewStyle(&excelize.Style{Border: border, Font: &excelize.Font{Family: FontFamily, Size: 10, Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{headerFill}}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return st, err
	}
	for _, overdue := range []bool{false, true} {
		var fill excelize.Fill
		if overdue {
			fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{OverdueRed}}
		}
		if st.Body[overdue], err = f.NewStyle(&excelize.Style{Border: border, Font: font, Fill: fill, Alignment: wrap}); err != nil {
			return st, err
		}
		if st.Stamp[overdue], err = f.NewStyle(&excelize.Style{Border: border, Font: font, Fill: fill, Alignment: wrap, CustomNumFmt: &format}); err != nil {
			return st, err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(columns))
	if err := f.MergeCell(sheet, "A1", last+"1"); err != nil {
		return st, err
	}
	if err := f.SetCellStr(sheet, "A1", title); err != nil {
		return st, err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", titleStyle); err != nil {
		return st, err
	}
	if err := f.SetRowHeight(sheet, 1, 30); err != nil {
		return st, err
	}
	for i, name := range columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetCellStr(sheet, col+"2", name); err != nil {
			return st, err
		}
		if err := f.SetColWidth(sheet, col, col, widths[i]); err != nil {
			return st, err
		}
	}
	return st, f.SetCellStyle(sheet, "A2", last+"2", header)
}
