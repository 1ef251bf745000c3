package rosterfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// Import limits. A year of a large station is a few thousand duties; files
// far bigger than that are not rosters, and reading them would only eat
// memory.
const (
	maxFileBytes     = 8 << 20
	maxRows          = 20000
	maxHeaderRow     = 20 // the column names must appear within the first rows
	maxErrors        = 50 // errors listed before "and N more"
	maxCellRunes     = 500
	maxUnzipBytes    = 64 << 20
	maxUnzipXMLBytes = 16 << 20
)

// RowError is one problem of an import file.
type RowError struct {
	Row     int // the line (CSV) or row (xlsx) number, counting from 1; 0 for the file as a whole
	Message string
}

// ImportError lists every problem found in a file, up to a limit. When an
// import returns it, nothing of the file was taken. app.ErrorCode gives
// EINVALID for it, and app.ErrorMessage all the lines.
type ImportError struct {
	Unit    string // "line" for CSV, "row" for xlsx: what the numbers count
	Errors  []RowError
	Omitted int // further errors not listed
}

func (e *ImportError) Error() string {
	var b strings.Builder
	for i, r := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		if r.Row > 0 {
			fmt.Fprintf(&b, "%s %d: ", e.Unit, r.Row)
		}
		b.WriteString(r.Message)
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "\n(and %d more errors)", e.Omitted)
	}
	return b.String()
}

// Unwrap lets callers branch on the code like on any domain error.
func (e *ImportError) Unwrap() error {
	return &app.Error{Code: app.EINVALID, Message: e.Error()}
}

// Read reads a roster file of either kind, telling them apart by content
// rather than by name, since a file saved from a mail attachment may have
// lost its extension. See ReadCSV and ReadXLSX.
func Read(r io.Reader, station app.Station, people []app.Person) ([]roster.Assignment, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	switch {
	case bytes.Equal(head, []byte("PK\x03\x04")):
		return ReadXLSX(br, station, people)
	case bytes.Equal(head, []byte("\xd0\xcf\x11\xe0")):
		return nil, fileError("row", "this is an old .xls workbook: save it as .xlsx or as CSV UTF-8 and import that")
	}
	return ReadCSV(br, station, people)
}

// ReadXLSX reads the station's roster from the first sheet of a workbook, in
// either layout of docs/roster-files.md: the wall layout WriteXLSX writes,
// or the simple one of ReadCSV. People are found as ReadCSV finds them. It is
// all or nothing: on any problem it returns an *ImportError listing the
// problems with their row numbers, and no assignments.
func ReadXLSX(r io.Reader, station app.Station, people []app.Person) ([]roster.Assignment, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fileError("row", "cannot read the file: "+err.Error())
	}
	if len(data) > maxFileBytes {
		return nil, fileError("row", fmt.Sprintf("the file is larger than %d MB", maxFileBytes>>20))
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    maxUnzipBytes,
		UnzipXMLSizeLimit: maxUnzipXMLBytes,
	})
	if err != nil {
		return nil, fileError("row", "not a readable .xlsx workbook: "+err.Error())
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("row", "the workbook has no sheet")
	}
	// Raw values, so a date cell gives its serial number whatever display
	// format the office picked, rather than text we would have to guess at.
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fileError("row", "cannot read the sheet "+sheets[0]+": "+err.Error())
	}
	if len(rows) > maxRows {
		return nil, fileError("row", fmt.Sprintf("the sheet has more than %d rows", maxRows))
	}
	t := &table{unit: "row", serialDates: true}
	for i, cells := range rows {
		t.rows = append(t.rows, tableRow{n: i + 1, cells: cells})
	}
	return t.parse(station, people)
}

func fileError(unit, msg string) error {
	return &ImportError{Unit: unit, Errors: []RowError{{Message: msg}}}
}

// table is a file read into rows of text cells, whatever its format.
type table struct {
	unit        string
	rows        []tableRow
	serialDates bool // numbers in the date column are spreadsheet date serials

	station app.Station
	people  *lookup
	simple  bool                // the simple layout: one duty per row
	dayRow  map[roster.Date]int // the wall layout's row of each day
	errs    []RowError
	entries []entry
}

type tableRow struct {
	n     int // line or row number of the row's start
	cells []string
}

func (r *tableRow) cell(i int) string {
	if i < 0 || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

func (r *tableRow) empty() bool {
	for i := range r.cells {
		if r.cell(i) != "" {
			return false
		}
	}
	return true
}

// entry is one duty as the file states it, before checks across rows.
type entry struct {
	row    int
	day    roster.Date
	post   roster.Post
	person *app.Person
}

func (t *table) errorf(row int, format string, args ...any) {
	t.errs = append(t.errs, RowError{Row: row, Message: fmt.Sprintf(format, args...)})
}

// columns says where each known column is, -1 when absent.
type columns struct {
	date, post, name, phone int
	roles                   map[app.Role]int
}

// Column names accepted in the header row, Chinese as written by the
// program and English for files made by other programs.
var columnNames = map[string]string{
	"日期": "date", "date": "date",
	"岗位": "post", "post": "post",
	"姓名": "name", "name": "name",
	"手机": "phone", "电话": "phone", "mobile": "phone", "phone": "phone",
}

func (t *table) parse(station app.Station, people []app.Person) ([]roster.Assignment, error) {
	t.station = station
	t.people = newLookup(station, people)
	header := t.findHeader()
	if header < 0 {
		return nil, fileError(t.unit, "no header row: the columns must be named in a row starting with 日期 (date); see the roster file formats")
	}
	t.checkTitle(header)
	cols, ok := t.readHeader(&t.rows[header])
	if ok {
		t.readBody(header+1, cols)
		t.checkDays()
	}
	if len(t.errs) == 0 && len(t.entries) == 0 {
		t.errorf(0, "the file lists no duties")
	}
	if len(t.errs) > 0 {
		return nil, t.importError()
	}
	out := make([]roster.Assignment, len(t.entries))
	for i, e := range t.entries {
		out[i] = roster.Assignment{Station: station.ID, Day: e.day, Post: e.post, Person: e.person.ID, Manual: true}
	}
	roster.SortAssignments(out)
	return out, nil
}

func (t *table) importError() *ImportError {
	sort.SliceStable(t.errs, func(i, j int) bool { return t.errs[i].Row < t.errs[j].Row })
	e := &ImportError{Unit: t.unit, Errors: t.errs}
	if len(e.Errors) > maxErrors {
		e.Omitted = len(e.Errors) - maxErrors
		e.Errors = e.Errors[:maxErrors]
	}
	return e
}

func (t *table) findHeader() int {
	for i := 0; i < len(t.rows) && i < maxHeaderRow; i++ {
		for j := range t.rows[i].cells {
			if columnNames[strings.ToLower(t.rows[i].cell(j))] == "date" {
				return i
			}
		}
	}
	return -1
}

// checkTitle refuses the roster of another station: the wall layout's title
// names its station, and importing a county's file into the prefecture's
// roster is an easy slip with two files of the same month open.
func (t *table) checkTitle(header int) {
	for i := 0; i < header; i++ {
		row := &t.rows[i]
		for j := range row.cells {
			fields := strings.Fields(row.cell(j))
			n := len(fields)
			if n < 3 || fields[n-1] != "值班表" || !isTitleMonth(fields[n-2]) {
				continue
			}
			if name := strings.Join(fields[:n-2], " "); name != t.station.Name {
				t.errorf(row.n, "this is the roster of %s, not of %s", name, t.station.Name)
			}
		}
	}
}

// isTitleMonth reports whether s reads like "2026年10月".
func isTitleMonth(s string) bool {
	y, rest, ok := strings.Cut(s, "年")
	if !ok || !strings.HasSuffix(rest, "月") {
		return false
	}
	_, err1 := strconv.Atoi(y)
	_, err2 := strconv.Atoi(strings.TrimSuffix(rest, "月"))
	return err1 == nil && err2 == nil
}

func (t *table) readHeader(row *tableRow) (columns, bool) {
	cols := columns{date: -1, post: -1, name: -1, phone: -1, roles: map[app.Role]int{}}
	seen := map[string]bool{}
	for j := range row.cells {
		name := row.cell(j)
		key := columnNames[strings.ToLower(name)]
		role := roleOfName(name)
		switch {
		case key == "" && role == "":
			continue // a column of notes, the weekday or the day's type
		case role != "":
			key = string(role)
		}
		if seen[key] {
			t.errorf(row.n, "two columns are named %s", name)
			continue
		}
		seen[key] = true
		switch key {
		case "date":
			cols.date = j
		case "post":
			cols.post = j
		case "name":
			cols.name = j
		case "phone":
			cols.phone = j
		default:
			cols.roles[role] = j
		}
	}
	t.simple = cols.post >= 0
	switch {
	case cols.post >= 0 && len(cols.roles) > 0:
		t.errorf(row.n, "the columns mix the two layouts: either 岗位 with 姓名 and 手机, or one column per post (带班领导, 值班员, ...)")
	case cols.post >= 0 && cols.name < 0 && cols.phone < 0:
		t.errorf(row.n, "a 姓名 (name) or 手机 (mobile) column is needed beside 岗位")
	case cols.post < 0 && len(cols.roles) == 0:
		t.errorf(row.n, "no 岗位 (post) column and no column per post (带班领导, 值班干部, 值班员, 应急处置人员)")
	}
	return cols, len(t.errs) == 0
}

// roleOfName returns the duty role a column or post is named after, in
// Chinese or as the program's role key; "" when it names none.
func roleOfName(s string) app.Role {
	s = strings.TrimSpace(s)
	for _, r := range roster.DutyRoles {
		if s == roleNames[r] || strings.EqualFold(s, string(r)) {
			return r
		}
	}
	return ""
}

// readBody reads the rows below the header. The table ends at the first
// empty row: below it the wall layout has its footer. A row below that still
// holding a date is taken for a stray empty row, not for notes, because
// silently dropping duties is the worst an import can do.
func (t *table) readBody(from int, cols columns) {
	rows := t.rows[from:]
	end := len(rows)
	for i := range rows {
		if rows[i].empty() {
			end = i
			break
		}
	}
	for i := end + 1; i < len(rows); i++ {
		if _, err := t.parseDate(rows[i].cell(cols.date)); err == nil {
			t.errorf(rows[i].n, "a duty below the empty %s %d that ends the table: remove the empty %s", t.unit, rows[end].n, t.unit)
		}
	}
	for i := 0; i < end; i++ {
		row := &rows[i]
		if t.badCells(row) {
			continue
		}
		raw := row.cell(cols.date)
		day, err := t.parseDate(raw)
		if err != nil {
			t.errorf(row.n, "%s", app.ErrorMessage(err))
			continue
		}
		if t.simple {
			t.readSimple(row, day, cols)
		} else {
			t.readWall(row, day, cols)
		}
	}
}

func (t *table) badCells(row *tableRow) bool {
	for j := range row.cells {
		if !utf8.ValidString(row.cells[j]) {
			t.errorf(row.n, "not valid UTF-8 text (save the file as CSV UTF-8)")
			return true
		}
		if utf8.RuneCountInString(row.cells[j]) > maxCellRunes {
			t.errorf(row.n, "a cell is longer than %d characters", maxCellRunes)
			return true
		}
	}
	return false
}

// readSimple reads a row of the simple layout: date, post, name and/or phone.
func (t *table) readSimple(row *tableRow, day roster.Date, cols columns) {
	post, err := parsePost(row.cell(cols.post))
	if err != nil {
		t.errorf(row.n, "%s", app.ErrorMessage(err))
		return
	}
	ref := parsePerson(row.cell(cols.name))
	if text := row.cell(cols.phone); text != "" {
		phone, ok := readPhone(text)
		if !ok {
			t.errorf(row.n, "%q is not a phone number (e.g. 13907430001 or 0743-8221234)", text)
			return
		}
		if ref.phone != "" && ref.phone != phone {
			t.errorf(row.n, "two phone numbers for one duty: %s and %s", ref.phone, phone)
			return
		}
		ref.phone = phone
	}
	t.add(row.n, day, post, ref)
}

// readWall reads a row of the wall layout: a cell per role, each listing
// its holders one per line, who take the role's seats in that order.
func (t *table) readWall(row *tableRow, day roster.Date, cols columns) {
	if t.dayRow == nil {
		t.dayRow = map[roster.Date]int{}
	}
	if first, dup := t.dayRow[day]; dup {
		t.errorf(row.n, "%s is listed on %s %d already", day, t.unit, first)
		return
	}
	t.dayRow[day] = row.n
	for _, role := range roster.DutyRoles {
		j, ok := cols.roles[role]
		if !ok {
			continue
		}
		for i, text := range splitHolders(row.cell(j)) {
			t.add(row.n, day, roster.Post{Role: role, Index: i}, parsePerson(text))
		}
	}
}

func (t *table) add(row int, day roster.Date, post roster.Post, ref personRef) {
	if err := post.Validate(); err != nil {
		t.errorf(row, "%s", app.ErrorMessage(err))
		return
	}
	p, msg := t.people.find(ref)
	if p == nil {
		t.errorf(row, "%s", msg)
		return
	}
	if !p.Has(post.Role) {
		t.errorf(row, "%s may not take the %s post (%s holds %s)", p.Name, roleNames[post.Role], p.Name, describeRoles(p))
		return
	}
	t.entries = append(t.entries, entry{row: row, day: day, post: post, person: p})
}

func describeRoles(p *app.Person) string {
	var names []string
	for _, r := range p.Roles {
		if n, ok := roleNames[r]; ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "no duty post"
	}
	return strings.Join(names, "、")
}

// checkDays finds what only shows across rows: a post given twice, and a
// person on two posts of one day. The second occurrence is the one reported.
func (t *table) checkDays() {
	type slot struct {
		day  roster.Date
		post roster.Post
	}
	type busy struct {
		day    roster.Date
		person app.ID
	}
	posts := map[slot]entry{}
	people := map[busy]entry{}
	var kept []entry
	for _, e := range t.entries {
		if first, dup := posts[slot{e.day, e.post}]; dup {
			hint := ""
			if t.simple {
				hint = fmt.Sprintf(" (if both are meant, number the seats: %s 2)", roleNames[e.post.Role])
			}
			t.errorf(e.row, "%s of %s is given twice: %s %d and %s %d%s",
				PostName(e.post), e.day, t.unit, first.row, t.unit, e.row, hint)
			continue
		}
		if first, dup := people[busy{e.day, e.person.ID}]; dup {
			t.errorf(e.row, "%s is on two posts on %s: %s (%s %d) and %s (%s %d)",
				e.person.Name, e.day, PostName(first.post), t.unit, first.row, PostName(e.post), t.unit, e.row)
			continue
		}
		kept = append(kept, e)
		posts[slot{e.day, e.post}] = e
		people[busy{e.day, e.person.ID}] = e
	}
	t.entries = kept
}

// parsePost reads a post as files write it: "带班领导", "应急处置人员 2",
// "应急处置人员2", or the program's own "leader", "standby 2". A post with
// no number is seat 1, as in roster.ParsePost.
func parsePost(s string) (roster.Post, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return roster.Post{}, app.FieldErrorf("post", "the post is empty (want 带班领导, 值班干部, 值班员 or 应急处置人员)")
	}
	name := strings.TrimRight(s, "0123456789")
	num := s[len(name):]
	role := roleOfName(name)
	if role == "" {
		return roster.Post{}, app.FieldErrorf("post", "%q is not a post (want 带班领导, 值班干部, 值班员 or 应急处置人员, with a seat number if needed: 应急处置人员 2)", s)
	}
	p := roster.Post{Role: role}
	if num != "" {
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > roster.MaxPerRole {
			return roster.Post{}, app.FieldErrorf("post", "%q: the seat number must lie between 1 and %d", s, roster.MaxPerRole)
		}
		p.Index = n - 1
	}
	return p, nil
}

// splitHolders splits a wall cell into its people. The program writes one
// per line; people typing into a cell also use the list marks of Chinese
// and English text.
func splitHolders(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '\n', '\r', '、', ',', '，', ';', '；', '/':
			return true
		}
		return false
	})
}

// personRef is how a file names a person: a name, a phone, or both.
type personRef struct {
	name, phone string
	phones      int // phone numbers seen, to refuse a cell with two
}

// parsePerson reads "张三 13907430001", "张三" or "13907430001". Words that
// read as a phone number are the phone; the rest is the name.
func parsePerson(s string) personRef {
	var ref personRef
	var name []string
	for _, w := range strings.Fields(s) {
		if phone, ok := readPhone(w); ok {
			ref.phone = phone
			ref.phones++
			continue
		}
		name = append(name, w)
	}
	ref.name = strings.Join(name, " ")
	return ref
}

// readPhone returns s as the directory stores phones, if it is one. Mobiles
// are often written in groups, 139-0743-0001, which the directory never
// stores, so the dashes go.
func readPhone(s string) (string, bool) {
	if mobile := strings.ReplaceAll(app.NormalisePhone(s), "-", ""); app.ValidateMobile(mobile) == nil {
		return mobile, true
	}
	if app.ValidatePhone(s) == nil {
		return app.NormalisePhone(s), true
	}
	return "", false
}

// lookup finds the people a file names. Names are looked up among the
// station's own people only, since two stations may each have a 张伟; a
// phone number is unique enough to find anyone given, so someone from
// another station who stands duty here is named by mobile.
type lookup struct {
	station app.Station
	byName  map[string][]*app.Person
	byPhone map[string][]*app.Person
}

func newLookup(station app.Station, people []app.Person) *lookup {
	l := &lookup{station: station, byName: map[string][]*app.Person{}, byPhone: map[string][]*app.Person{}}
	for i := range people {
		p := &people[i]
		if p.Station == station.ID {
			l.byName[strings.TrimSpace(p.Name)] = append(l.byName[strings.TrimSpace(p.Name)], p)
		}
		for _, phone := range []string{app.NormalisePhone(p.Mobile), app.NormalisePhone(p.Office)} {
			if phone != "" {
				l.byPhone[phone] = append(l.byPhone[phone], p)
			}
		}
	}
	return l
}

// find returns the one person ref names, or nil and why not.
func (l *lookup) find(ref personRef) (*app.Person, string) {
	switch {
	case ref.phones > 1:
		return nil, "two phone numbers for one person"
	case ref.name == "" && ref.phone == "":
		return nil, "the person is missing: give a name or a mobile"
	case ref.phone == "":
		found := l.byName[ref.name]
		switch len(found) {
		case 0:
			return nil, fmt.Sprintf("no one named %s at %s", ref.name, l.station.Name)
		case 1:
			return found[0], ""
		}
		return nil, fmt.Sprintf("%d people are named %s at %s: add the mobile to say which", len(found), ref.name, l.station.Name)
	}
	found := l.byPhone[ref.phone]
	if len(found) == 0 {
		if ref.name != "" {
			return nil, fmt.Sprintf("no one has the phone %s (%s is not in the directory with it)", ref.phone, ref.name)
		}
		return nil, fmt.Sprintf("no one has the phone %s", ref.phone)
	}
	if ref.name != "" {
		var named []*app.Person
		for _, p := range found {
			if p.Name == ref.name {
				named = append(named, p)
			}
		}
		if len(named) == 0 {
			return nil, fmt.Sprintf("%s is the phone of %s, not of %s", ref.phone, names(found), ref.name)
		}
		found = named
	}
	if len(found) > 1 {
		return nil, fmt.Sprintf("%s is the phone of %s: give the name too", ref.phone, names(found))
	}
	return found[0], ""
}

func names(ps []*app.Person) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return strings.Join(out, "、")
}

// parseDate reads the date column: 2026-10-01 as the program writes it, the
// 2026/10/1 and 2026年10月1日 that spreadsheets show, and in workbooks a
// date serial.
func (t *table) parseDate(s string) (roster.Date, error) {
	if s == "" {
		return roster.Date{}, app.FieldErrorf("date", "the date is empty")
	}
	if t.serialDates {
		if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 1 && n < 2958466 {
			tm, err := excelize.ExcelDateToTime(n, false)
			if err == nil {
				return roster.DateOf(tm), nil
			}
		}
	}
	norm := strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "").Replace(s)
	parts := strings.Split(norm, "-")
	if len(parts) == 3 && len(parts[0]) == 4 && isDigits(parts[0]) &&
		len(parts[1]) <= 2 && isDigits(parts[1]) && len(parts[2]) <= 2 && isDigits(parts[2]) {
		y, _ := strconv.Atoi(parts[0])
		m, _ := strconv.Atoi(parts[1])
		d, _ := strconv.Atoi(parts[2])
		if day := (roster.Date{Y: y, M: time.Month(m), D: d}); day.Valid() {
			return day, nil
		}
		return roster.Date{}, app.FieldErrorf("date", "%s does not exist", s)
	}
	return roster.Date{}, app.FieldErrorf("date", "%q is not a date (want YYYY-MM-DD, e.g. 2026-10-01)", s)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
