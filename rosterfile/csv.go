package rosterfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// utf8BOM starts every CSV file written: without it Excel on Chinese Windows
// reads the file as GBK and shows the names garbled.
const utf8BOM = "\xef\xbb\xbf"

// Simple layout column names, as WriteCSV writes them.
var simpleColumns = []string{"日期", "岗位", "姓名", "手机"}

// WriteCSV writes the month in the simple layout: one duty per line with
// date, post, name and mobile (the office line for someone without a
// mobile). ReadCSV reads it back.
func WriteCSV(w io.Writer, m MonthSheet) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	if err := cw.Write(simpleColumns); err != nil {
		return err
	}
	for _, day := range m.Days {
		for _, d := range day.Duties {
			phone := d.Person.Mobile
			if phone == "" {
				phone = d.Person.Office
			}
			if err := cw.Write([]string{day.Info.Date.String(), PostName(d.Post), d.Person.Name, phone}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadCSV reads the station's roster from a CSV file in either layout of
// docs/roster-files.md: the simple one WriteCSV writes (日期, 岗位, 姓名,
// 手机) or the wall layout of the .xlsx saved as CSV.
//
// A person is named by name, by phone, or both. Names are looked up among
// the station's people in people, phones among everyone in people. The
// assignments returned belong to the station and are marked Manual, since
// an office wrote them; the caller still runs roster.CheckAssignment (leave,
// other stations) as it saves them.
//
// It is all or nothing: on any problem (a wrong date, an unknown or
// ambiguous person, a role the person does not hold, a post given twice, a
// person on two posts of a day) it returns an *ImportError listing every
// problem with its line number, up to 50, and no assignments.
func ReadCSV(r io.Reader, station app.Station, people []app.Person) ([]roster.Assignment, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fileError("line", "cannot read the file: "+err.Error())
	}
	if len(data) > maxFileBytes {
		return nil, fileError("line", fmt.Sprintf("the file is larger than %d MB", maxFileBytes>>20))
	}
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	if line := firstInvalidLine(data); line > 0 {
		return nil, &ImportError{Unit: "line", Errors: []RowError{{Row: line,
			Message: "not valid UTF-8 text: save the file as CSV UTF-8 (in Excel: 另存为 → CSV UTF-8)"}}}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // spreadsheets drop trailing empty cells
	t := &table{unit: "line"}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ImportError{Unit: "line", Errors: []RowError{{Row: pe.Line, Message: pe.Err.Error()}}}
			}
			return nil, fileError("line", err.Error())
		}
		if len(t.rows) >= maxRows {
			return nil, fileError("line", fmt.Sprintf("the file has more than %d lines", maxRows))
		}
		line, _ := cr.FieldPos(0)
		t.rows = append(t.rows, tableRow{n: line, cells: rec})
	}
	return t.parse(station, people)
}

// firstInvalidLine returns the number of the first line that is not UTF-8,
// or 0.
func firstInvalidLine(data []byte) int {
	if utf8.Valid(data) {
		return 0
	}
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size == 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line
}
