package rosterfile_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/rosterfile"
)

func TestXLSXRoundTrip(t *testing.T) {
	fx := october(t)
	got, err := rosterfile.ReadXLSX(bytes.NewReader(writeXLSX(t, fx.sheet)), fx.station, fx.people)
	if err != nil {
		t.Fatal(err)
	}
	sameAssignments(t, got, fx.assignments)
	for _, a := range got {
		if !a.Manual || a.Station != fx.station.ID {
			t.Fatalf("imported %+v: want the station's, marked manual", a)
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	fx := october(t)
	var buf bytes.Buffer
	if err := rosterfile.WriteCSV(&buf, fx.sheet); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xef\xbb\xbf日期,岗位,姓名,手机\r\n")) {
		t.Errorf("the file should start with a BOM and the column names: %q", buf.Bytes()[:40])
	}
	got, err := rosterfile.ReadCSV(&buf, fx.station, fx.people)
	if err != nil {
		t.Fatal(err)
	}
	sameAssignments(t, got, fx.assignments)
}

// Read tells the formats apart by content.
func TestReadSniffsFormat(t *testing.T) {
	fx := october(t)
	got, err := rosterfile.Read(bytes.NewReader(writeXLSX(t, fx.sheet)), fx.station, fx.people)
	if err != nil {
		t.Fatal(err)
	}
	sameAssignments(t, got, fx.assignments)
	var buf bytes.Buffer
	if err := rosterfile.WriteCSV(&buf, fx.sheet); err != nil {
		t.Fatal(err)
	}
	if got, err = rosterfile.Read(&buf, fx.station, fx.people); err != nil {
		t.Fatal(err)
	}
	sameAssignments(t, got, fx.assignments)
	_, err = rosterfile.Read(strings.NewReader("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), fx.station, fx.people)
	if !strings.Contains(fmt.Sprint(err), "old .xls") {
		t.Errorf("an .xls file: got %v", err)
	}
}

// The sheet is set up to print: A4 landscape, one page wide, the title and
// column names repeated on each page, holidays shaded.
func TestXLSXPageSetup(t *testing.T) {
	fx := october(t)
	f, err := excelize.OpenReader(bytes.NewReader(writeXLSX(t, fx.sheet)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	layout, err := f.GetPageLayout(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if *layout.Size != 9 || *layout.Orientation != "landscape" || *layout.FitToWidth != 1 || *layout.FitToHeight != 0 {
		t.Errorf("page layout: size %d, %s, %d wide, %d high; want A4 (9), landscape, 1 wide, any high",
			*layout.Size, *layout.Orientation, *layout.FitToWidth, *layout.FitToHeight)
	}
	props, err := f.GetSheetProps(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if props.FitToPage == nil || !*props.FitToPage {
		t.Error("fit to page is off, so the fit to width is ignored")
	}
	titles := false
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sheet && strings.HasSuffix(dn.RefersTo, "!$1:$2") {
			titles = true
		}
	}
	if !titles {
		t.Errorf("no print titles in %+v", f.GetDefinedName())
	}
	fill := func(cell string) string {
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Border) != 4 {
			t.Errorf("%s has %d borders, want 4", cell, len(st.Border))
		}
		if len(st.Fill.Color) == 0 {
			return ""
		}
		return st.Fill.Color[0]
	}
	holiday, workday := fill("D3"), fill("D10") // 1 and 8 October
	if holiday == "" || holiday == workday {
		t.Errorf("1 October (holiday) fill %q, 8 October (workday) fill %q: holidays should be shaded", holiday, workday)
	}
	if fill("A3") != holiday {
		t.Error("the date cell of a holiday should be shaded like its row")
	}
}

func TestMonthSheetRefusesBadInput(t *testing.T) {
	fx := october(t)
	in := rosterfile.MonthInput{Station: fx.station, Month: fx.month, Settings: fx.settings, Calendar: fx.cal, People: fx.people}
	a := fx.assignments[0]

	in.Assignments = []roster.Assignment{a}
	in.People = nil
	if _, err := rosterfile.NewMonthSheet(in); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a person missing from People: got %v, want ENOTFOUND", err)
	}
	in.People = fx.people

	other := a
	other.Day = roster.NewDate(2026, time.November, 1)
	in.Assignments = []roster.Assignment{other}
	if _, err := rosterfile.NewMonthSheet(in); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("a day of another month: got %v, want EINVALID", err)
	}

	twice := a
	twice.Person = fx.assignments[1].Person
	in.Assignments = []roster.Assignment{a, twice}
	if _, err := rosterfile.NewMonthSheet(in); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("two holders of one post: got %v, want EINVALID", err)
	}
}

// badFixture gives three people of the demo prefecture: a leader and a
// cadre holding that one role, and an officer who may also stand by, as the
// demo's officers do, but may not lead.
func badFixture(t *testing.T) (fx *fixture, leader, cadre, officer *app.Person) {
	fx = october(t)
	for i := range fx.staff {
		p := &fx.staff[i]
		switch {
		case leader == nil && len(p.Roles) == 1 && p.Roles[0] == app.RoleLeader:
			leader = p
		case cadre == nil && len(p.Roles) == 1 && p.Roles[0] == app.RoleCadre:
			cadre = p
		case officer == nil && p.Has(app.RoleOfficer) && !p.Has(app.RoleLeader):
			officer = p
		}
	}
	if leader == nil || cadre == nil || officer == nil {
		t.Fatal("the demo prefecture lacks a single-role leader or cadre, or an officer who may not lead")
	}
	return fx, leader, cadre, officer
}

func TestReadCSVBadRows(t *testing.T) {
	fx, leader, cadre, officer := badFixture(t)
	L, C, O := leader.Name, cadre.Name, officer.Name
	L2 := ""
	for _, p := range fx.staff {
		if p.Has(app.RoleLeader) && p.ID != leader.ID {
			L2 = p.Name
		}
	}
	good := "2026-10-01,带班领导," + L + "\n"
	cases := []struct {
		name string
		body string // lines after the header, which is line 1
		want map[int]string
	}{
		{"wrong date", good + "2026-10-32,值班员," + O + "\n", map[int]string{3: "2026-10-32 does not exist"}},
		{"not a date", "十月一日,值班员," + O + "\n", map[int]string{2: `"十月一日" is not a date`}},
		{"unknown person", good + "2026-10-01,值班员,赵无名\n", map[int]string{3: "no one named 赵无名 at 湘西州"}},
		{"unknown mobile", "2026-10-01,值班员,,13900000000\n", map[int]string{2: "no one has the phone 13900000000"}},
		{"name and mobile disagree", "2026-10-01,值班员," + O + "," + leader.Mobile + "\n", map[int]string{2: "is the phone of " + L + ", not of " + O}},
		{"two posts", good + "2026-10-01,值班员," + O + "\n2026-10-01,值班干部," + C + "\n2026-10-01,应急处置人员 1," + O + "\n",
			map[int]string{5: O + " is on two posts on 2026-10-01: 值班员 (line 3) and 应急处置人员 1 (line 5)"}},
		{"bad phone", "2026-10-01,值班员," + O + ",12345678901\n", map[int]string{2: `"12345678901" is not a phone number`}},
		{"ineligible role", "2026-10-01,带班领导," + O + "\n", map[int]string{2: O + " may not take the 带班领导 post (" + O + " holds 值班员、应急处置人员)"}},
		{"duplicate post", good + "2026-10-01,带班领导," + L2 + "\n", map[int]string{3: "带班领导 of 2026-10-01 is given twice: line 2 and line 3"}},
		{"unknown post", "2026-10-01,司机," + O + "\n", map[int]string{2: `"司机" is not a post`}},
		{"no one named", "2026-10-01,值班员,\n", map[int]string{2: "the person is missing"}},
		{"nothing", "", map[int]string{0: "the file lists no duties"}},
		{"duty below an empty row", good + ",,,\n2026-10-02,值班员," + O + "\n", map[int]string{4: "a duty below the empty line 3"}},
		{"all at once", "2026-02-30,值班员," + O + "\n" + good + "2026-10-01,值班员,赵无名\n2026-10-01,带班领导," + O + "\n",
			map[int]string{2: "does not exist", 4: "no one named 赵无名", 5: "may not take the 带班领导 post"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			as, err := rosterfile.ReadCSV(strings.NewReader("日期,岗位,姓名,手机\n"+c.body), fx.station, fx.people)
			mustImportError(t, as, err, c.want)
		})
	}
}

func TestReadCSVHeaderProblems(t *testing.T) {
	fx := october(t)
	cases := []struct{ name, file, want string }{
		{"no header", "2026-10-01,带班领导,张三\n", "no header row"},
		{"no post column", "日期,姓名\n2026-10-01,张三\n", "no 岗位 (post) column"},
		{"no person column", "日期,岗位\n2026-10-01,带班领导\n", "a 姓名 (name) or 手机 (mobile) column"},
		{"mixed layouts", "日期,岗位,姓名,带班领导\n", "mix the two layouts"},
		{"column twice", "日期,岗位,姓名,姓名\n", "two columns are named 姓名"},
		{"GBK", "日期,岗位,姓名\n2026-10-01,\xb4\xf8\xb0\xe0,x\n", "line 2: not valid UTF-8"},
		{"bad quoting", "日期,岗位,姓名\n2026-10-01,\"带班领导,x\n", "line 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			as, err := rosterfile.ReadCSV(strings.NewReader(c.file), fx.station, fx.people)
			if as != nil || !strings.Contains(fmt.Sprint(err), c.want) {
				t.Errorf("got %d assignments and %v, want none and %q", len(as), err, c.want)
			}
		})
	}
}

// Names are found among the station's own people only; a phone finds
// anyone, and a name beside it picks one of several sharing a phone.
func TestReadCSVFindsPeople(t *testing.T) {
	fx := october(t)
	var county *app.Person
	for i := range fx.people {
		if fx.people[i].Station != fx.station.ID && fx.people[i].Has(app.RoleOfficer) {
			county = &fx.people[i]
			break
		}
	}
	file := "日期,岗位,姓名,手机\n2026-10-01,值班员," + county.Name + "\n"
	as, err := rosterfile.ReadCSV(strings.NewReader(file), fx.station, fx.people)
	mustImportError(t, as, err, map[int]string{2: "no one named " + county.Name + " at 湘西州"})

	file = "日期,岗位,姓名,手机\n2026-10-01,值班员,," + county.Mobile + "\n"
	as, err = rosterfile.ReadCSV(strings.NewReader(file), fx.station, fx.people)
	if err != nil || len(as) != 1 || as[0].Person != county.ID {
		t.Errorf("by mobile: got %+v, %v; want %s from another station", as, err, county.Name)
	}

	// Two namesakes at the station: the name alone is ambiguous.
	people := append([]app.Person(nil), fx.people...)
	twin := fx.staff[0]
	twin.ID = app.NewID()
	twin.Mobile = "13700000001"
	people = append(people, twin)
	file = "日期,岗位,姓名,手机\n2026-10-01,带班领导," + twin.Name + "\n"
	as, err = rosterfile.ReadCSV(strings.NewReader(file), fx.station, people)
	mustImportError(t, as, err, map[int]string{2: "2 people are named " + twin.Name})
	file = "日期,岗位,姓名,手机\n2026-10-01,带班领导," + twin.Name + " 137-0000-0001\n"
	if as, err = rosterfile.ReadCSV(strings.NewReader(file), fx.station, people); err != nil || as[0].Person != twin.ID {
		t.Errorf("name with mobile in one cell: got %+v, %v", as, err)
	}
}

// Files typed by hand: English names, seat numbers with or without a
// space, dates as spreadsheets show them, extra columns, a post left as
// the program's key.
func TestReadCSVLenientForms(t *testing.T) {
	fx, leader, cadre, officer := badFixture(t)
	var standby []*app.Person
	for i := range fx.staff {
		if fx.staff[i].Roles[0] == app.RoleStandby && len(standby) < 2 {
			standby = append(standby, &fx.staff[i])
		}
	}
	file := "备注,date,post,name,mobile\n" +
		"x,2026/10/1,leader," + leader.Name + ",\n" +
		",2026年10月1日,值班干部,," + cadre.Mobile + "\n" +
		",2026.10.01,officer," + officer.Name + "," + officer.Mobile + "\n" +
		",2026-10-01,应急处置人员2," + standby[1].Name + "\n" +
		",2026-10-01,standby 1," + standby[0].Name + "\n"
	as, err := rosterfile.ReadCSV(strings.NewReader(file), fx.station, fx.people)
	if err != nil {
		t.Fatal(err)
	}
	day := roster.NewDate(2026, time.October, 1)
	want := []roster.Assignment{
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleLeader}, Person: leader.ID},
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleCadre}, Person: cadre.ID},
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleOfficer}, Person: officer.ID},
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleStandby, Index: 0}, Person: standby[0].ID},
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleStandby, Index: 1}, Person: standby[1].ID},
	}
	sameAssignments(t, as, want)
}

// wallFile builds a workbook in the wall layout by hand, as an office might
// type one: title, header, then the given day rows from row 3.
func wallFile(t *testing.T, title string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	set := func(row int, cells []string) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		vals := make([]any, len(cells))
		for i := range cells {
			vals[i] = cells[i]
		}
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	set(1, []string{title})
	set(2, []string{"日期", "星期", "类型", "带班领导", "值班干部", "值班员", "应急处置人员"})
	for i, r := range rows {
		set(3+i, r)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadXLSXBadRows(t *testing.T) {
	fx, leader, cadre, officer := badFixture(t)
	L, C, O := leader.Name, cadre.Name, officer.Name
	title := "湘西州 2026年10月 值班表"
	cases := []struct {
		name  string
		title string
		rows  [][]string
		want  map[int]string
	}{
		{"wrong date", title, [][]string{{"2026-10-01", "", "", L}, {"2026-13-01", "", "", L}}, map[int]string{4: "2026-13-01 does not exist"}},
		{"unknown person", title, [][]string{{"2026-10-01", "", "", L, "", "赵无名"}}, map[int]string{3: "no one named 赵无名"}},
		{"two posts", title, [][]string{{"2026-10-01", "", "", L, C, O, O}}, map[int]string{3: O + " is on two posts on 2026-10-01: 值班员 (row 3) and 应急处置人员 1 (row 3)"}},
		{"ineligible role", title, [][]string{{"2026-10-01", "", "", O}}, map[int]string{3: O + " may not take the 带班领导 post"}},
		{"day twice", title, [][]string{{"2026-10-01", "", "", L}, {"2026-10-01", "", "", C}}, map[int]string{4: "2026-10-01 is listed on row 3 already"}},
		{"other station", "吉首市 2026年10月 值班表", [][]string{{"2026-10-01", "", "", L}}, map[int]string{1: "this is the roster of 吉首市, not of 湘西州"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			as, err := rosterfile.ReadXLSX(bytes.NewReader(wallFile(t, c.title, c.rows)), fx.station, fx.people)
			mustImportError(t, as, err, c.want)
		})
	}
}

// A workbook an office edited: dates re-entered as real dates in another
// display format, standby people separated by 、 in one cell.
func TestReadXLSXEditedByHand(t *testing.T) {
	fx, leader, _, officer := badFixture(t)
	var standby []*app.Person
	for i := range fx.staff {
		if fx.staff[i].Roles[0] == app.RoleStandby && len(standby) < 2 {
			standby = append(standby, &fx.staff[i])
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"日期", "带班领导", "值班员", "应急处置人员"}))
	must(f.SetCellValue("Sheet1", "A2", time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)))
	format := "m月d日"
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	must(err)
	must(f.SetCellStyle("Sheet1", "A2", "A2", style))
	must(f.SetSheetRow("Sheet1", "B2", &[]any{leader.Name, officer.Mobile, standby[0].Name + "、" + standby[1].Name}))
	var buf bytes.Buffer
	_, err = f.WriteTo(&buf)
	must(err)
	as, err := rosterfile.ReadXLSX(&buf, fx.station, fx.people)
	must(err)
	day := roster.NewDate(2026, time.October, 2)
	sameAssignments(t, as, []roster.Assignment{
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleLeader}, Person: leader.ID},
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleOfficer}, Person: officer.ID},
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleStandby, Index: 0}, Person: standby[0].ID},
		{Station: fx.station.ID, Day: day, Post: roster.Post{Role: app.RoleStandby, Index: 1}, Person: standby[1].ID},
	})
}

func TestReadXLSXNotAWorkbook(t *testing.T) {
	fx := october(t)
	as, err := rosterfile.ReadXLSX(strings.NewReader("PK\x03\x04 not really"), fx.station, fx.people)
	if as != nil || app.ErrorCode(err) != app.EINVALID || !strings.Contains(fmt.Sprint(err), "not a readable .xlsx") {
		t.Errorf("got %v", err)
	}
}

// The error list stops at a limit so a wrong file does not print thousands
// of lines, and says how many it left out.
func TestImportErrorLimit(t *testing.T) {
	fx := october(t)
	var b strings.Builder
	b.WriteString("日期,岗位,姓名\n")
	for i := 0; i < 70; i++ {
		b.WriteString("2026-10-01,带班领导,赵无名\n")
	}
	_, err := rosterfile.ReadCSV(strings.NewReader(b.String()), fx.station, fx.people)
	ie, ok := err.(*rosterfile.ImportError)
	if !ok || len(ie.Errors) != 50 || ie.Omitted != 20 || !strings.HasSuffix(err.Error(), "(and 20 more errors)") {
		t.Fatalf("got %v", err)
	}
	if !strings.HasPrefix(app.ErrorMessage(err), "line 2: no one named 赵无名") {
		t.Errorf("the message for people should list the lines: %q", app.ErrorMessage(err)[:40])
	}
}

// Every physical line of the .ics is at most 75 octets, valid UTF-8 on its
// own, and ends in CRLF; unfolding gives back whole content lines.
func TestICSLines(t *testing.T) {
	fx := october(t)
	var buf bytes.Buffer
	if err := rosterfile.WriteICS(&buf, fx.sheet); err != nil {
		t.Fatal(err)
	}
	data := buf.String()
	if !strings.HasSuffix(data, "END:VCALENDAR\r\n") {
		t.Fatal("the file does not end with END:VCALENDAR and CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(data, "\r\n"), "\r\n")
	folded := 0
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a character: %q", i+1, l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF", i+1)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded == 0 {
		t.Error("no line was folded; the descriptions are long enough to need it")
	}
	unfolded := strings.ReplaceAll(data, "\r\n ", "")
	if !strings.Contains(unfolded, "DESCRIPTION:2026-10-01 节假日 国庆节\\n带班领导：") {
		t.Error("unfolding does not give back the description")
	}
	// The same roster exported twice gives the same file: UIDs and DTSTAMP
	// are stable.
	var again bytes.Buffer
	if err := rosterfile.WriteICS(&again, fx.sheet); err != nil {
		t.Fatal(err)
	}
	if again.String() != data {
		t.Error("two exports of one roster differ")
	}
}

func TestDayTypeAndPostName(t *testing.T) {
	cases := []struct {
		info roster.DayInfo
		want string
	}{
		{roster.DayInfo{Kind: roster.Workday}, "工作日"},
		{roster.DayInfo{Kind: roster.Weekend, Special: "主汛期"}, "周末 主汛期"},
		{roster.DayInfo{Kind: roster.Holiday, Name: "国庆节"}, "节假日 国庆节"},
		{roster.DayInfo{Kind: roster.Workday, Name: "国庆节调休", Special: "主汛期"}, "工作日 国庆节调休 主汛期"},
	}
	for _, c := range cases {
		if got := rosterfile.DayType(c.info); got != c.want {
			t.Errorf("DayType(%+v) = %q, want %q", c.info, got, c.want)
		}
	}
	if got := rosterfile.PostName(roster.Post{Role: app.RoleLeader}); got != "带班领导" {
		t.Errorf("leader: %q", got)
	}
	if got := rosterfile.PostName(roster.Post{Role: app.RoleStandby, Index: 1}); got != "应急处置人员 2" {
		t.Errorf("standby 2: %q", got)
	}
}
