package roster

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"dutyroom/app"
)

// DayKind says how a day counts for duty: it decides the template (holidays
// get 1+1+1+N) and the tally fairness is kept in.
type DayKind int

const (
	Workday DayKind = 1 // Monday to Friday, and make-up working days (调休上班)
	Weekend DayKind = 2 // Saturday and Sunday that are neither holiday nor make-up day
	Holiday DayKind = 3 // statutory days off (法定节假日), weekends inside them included
)

// DayKinds lists the kinds in the order tallies show them.
var DayKinds = []DayKind{Workday, Weekend, Holiday}

// String returns the stable name used in files and translation keys.
func (k DayKind) String() string {
	switch k {
	case Workday:
		return "workday"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	}
	return "unknown"
}

// Valid reports whether k is one of the three kinds.
func (k DayKind) Valid() bool { return k >= Workday && k <= Holiday }

// ParseDayKind is the inverse of String. It also accepts 班 and 休, the
// marks Chinese calendars print on make-up days and days off.
func ParseDayKind(s string) (DayKind, error) {
	switch s {
	case "workday", "班":
		return Workday, nil
	case "weekend":
		return Weekend, nil
	case "holiday", "休":
		return Holiday, nil
	}
	return 0, app.FieldErrorf("kind", "unknown day kind %q (want workday, weekend or holiday)", s)
}

// MarshalText writes the kind's name.
func (k DayKind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, app.Errorf(app.EINVALID, "day kind %d is not valid", int(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads the kind's name.
func (k *DayKind) UnmarshalText(b []byte) error {
	v, err := ParseDayKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// CalendarDay is one day as the calendar sees it.
type CalendarDay struct {
	Date     Date
	Kind     DayKind
	Name     string // the holiday's name, or the make-up day's (元旦调休); "" for ordinary days
	Override bool   // the day departs from the weekday rule: a holiday, or a make-up working day
}

// Calendar tells holidays and make-up working days apart from ordinary
// weekdays and weekends. It holds only the overrides; every other day
// follows the weekday rule. A Calendar is not safe for concurrent change:
// stores hand out clones.
type Calendar struct {
	days  map[Date]calendarEntry
	years map[int]bool // years whose official schedule has been loaded or edited
}

type calendarEntry struct {
	kind DayKind
	name string
}

// NewCalendar returns a calendar with no holidays: every day follows the
// weekday rule.
func NewCalendar() *Calendar {
	return &Calendar{days: map[Date]calendarEntry{}, years: map[int]bool{}}
}

// Day returns what the calendar says of d. A nil calendar knows no holidays.
func (c *Calendar) Day(d Date) CalendarDay {
	if c != nil {
		if e, ok := c.days[d]; ok {
			return CalendarDay{Date: d, Kind: e.kind, Name: e.name, Override: true}
		}
	}
	if d.IsWeekend() {
		return CalendarDay{Date: d, Kind: Weekend}
	}
	return CalendarDay{Date: d, Kind: Workday}
}

// Kind returns the kind of d.
func (c *Calendar) Kind(d Date) DayKind { return c.Day(d).Kind }

// Covers reports whether the calendar holds the schedule of year y. A year
// not covered has no holidays at all, which is almost surely a missing
// import, so the generator warns about it.
func (c *Calendar) Covers(y int) bool { return c != nil && c.years[y] }

// Years returns the covered years in order.
func (c *Calendar) Years() []int {
	if c == nil {
		return nil
	}
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// Days returns the overrides (holidays and make-up days) in date order.
func (c *Calendar) Days() []CalendarDay {
	if c == nil {
		return nil
	}
	out := make([]CalendarDay, 0, len(c.days))
	for d, e := range c.days {
		out = append(out, CalendarDay{Date: d, Kind: e.kind, Name: e.name, Override: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// Clone returns an independent copy.
func (c *Calendar) Clone() *Calendar {
	out := NewCalendar()
	if c == nil {
		return out
	}
	for d, e := range c.days {
		out.days[d] = e
	}
	for y := range c.years {
		out.years[y] = true
	}
	return out
}

// Equal reports whether both calendars hold the same overrides and years.
func (c *Calendar) Equal(o *Calendar) bool {
	a, b := c.Clone(), o.Clone()
	if len(a.days) != len(b.days) || len(a.years) != len(b.years) {
		return false
	}
	for d, e := range a.days {
		if b.days[d] != e {
			return false
		}
	}
	for y := range a.years {
		if !b.years[y] {
			return false
		}
	}
	return true
}

// maxNameLen bounds holiday names; the longest official one is four characters.
const maxNameLen = 40

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case !utf8.ValidString(name):
		return "", app.FieldErrorf("name", "name is not valid UTF-8")
	case utf8.RuneCountInString(name) > maxNameLen:
		return "", app.FieldErrorf("name", "name is longer than %d characters", maxNameLen)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", app.FieldErrorf("name", "name contains a control character")
	}
	return name, nil
}

// SetDay makes d the given kind, which is how a duty office edits one day.
// Holiday works on any date. Workday on a weekend makes a make-up working
// day; on a weekday it removes the override. Weekend removes the override of
// a Saturday or Sunday and is refused for weekdays. EINVALID otherwise.
func (c *Calendar) SetDay(d Date, kind DayKind, name string) error {
	if !d.Valid() {
		return app.FieldErrorf("date", "%s is not a valid date", d)
	}
	name, err := checkName(name)
	if err != nil {
		return err
	}
	switch {
	case kind == Holiday, kind == Workday && d.IsWeekend():
		c.days[d] = calendarEntry{kind, name}
	case kind == Workday, kind == Weekend && d.IsWeekend():
		delete(c.days, d)
	case kind == Weekend:
		return app.FieldErrorf("kind", "%s is a %s: a weekday can be made a holiday, not a weekend", d, d.Weekday())
	default:
		return app.FieldErrorf("kind", "unknown day kind %d", int(kind))
	}
	c.years[d.Y] = true
	return nil
}

// Merge puts the years that o covers into c, replacing c's schedule for those
// years entirely: importing a corrected file for 2027 must also drop the
// 2027 days the correction removed. Other years of c are kept.
func (c *Calendar) Merge(o *Calendar) {
	if o == nil {
		return
	}
	for d := range c.days {
		if o.years[d.Y] {
			delete(c.days, d)
		}
	}
	for d, e := range o.days {
		c.days[d] = e
	}
	for y := range o.years {
		c.years[y] = true
	}
}

// Calendar file limits. A year has a few dozen lines; anything much larger
// is not a holiday schedule.
const (
	maxCalendarBytes = 1 << 20
	maxCalendarLine  = 1024
	maxHolidaySpan   = 31
)

// ParseCalendar reads the line-based calendar format of
// docs/calendar-format.md:
//
//	# comment
//	2026-01-01..2026-01-03 holiday 元旦
//	2026-01-04 workday 元旦调休
//
// It is all or nothing: the first bad line is reported as an EINVALID error
// naming its line number, and no calendar is returned. Overlapping holidays
// and a day listed both as holiday and as workday are errors.
func ParseCalendar(r io.Reader) (*Calendar, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCalendarBytes+1))
	if err != nil {
		return nil, app.Errorf(app.EINVALID, "cannot read the calendar: %v", err)
	}
	if len(data) > maxCalendarBytes {
		return nil, app.Errorf(app.EINVALID, "the calendar file is larger than %d bytes", maxCalendarBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // the BOM Windows Notepad writes
	c := NewCalendar()
	lineOf := map[Date]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 256), maxCalendarLine)
	n := 0
	for sc.Scan() {
		n++
		if err := c.parseLine(n, sc.Text(), lineOf); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, app.Errorf(app.EINVALID, "line %d: longer than %d bytes", n+1, maxCalendarLine)
	}
	return c, nil
}

func lineErr(n int, format string, args ...any) error {
	return app.Errorf(app.EINVALID, "line %d: %s", n, fmt.Sprintf(format, args...))
}

func (c *Calendar) parseLine(n int, line string, lineOf map[Date]int) error {
	if !utf8.ValidString(line) {
		return lineErr(n, "not valid UTF-8 (save the file as UTF-8)")
	}
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return nil
	}
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return lineErr(n, "want a date or range, a kind and a name, e.g. \"2026-10-01..2026-10-07 holiday 国庆节\"")
	}
	from, to, err := parseRange(fields[0])
	if err != nil {
		return lineErr(n, "%s", app.ErrorMessage(err))
	}
	kind, err := ParseDayKind(fields[1])
	if err != nil || kind == Weekend {
		return lineErr(n, "unknown kind %q (want holiday or workday)", fields[1])
	}
	// The name is the rest of the line and may itself contain spaces.
	name := strings.TrimSpace(line[len(fields[0]):])
	name = name[len(fields[1]):]
	if name, err = checkName(name); err != nil {
		return lineErr(n, "%s", app.ErrorMessage(err))
	}
	if to.Sub(from) >= maxHolidaySpan {
		return lineErr(n, "%s..%s spans more than %d days", from, to, maxHolidaySpan)
	}
	for d := from; !d.After(to); d = d.AddDays(1) {
		if kind == Workday && !d.IsWeekend() {
			return lineErr(n, "%s is a %s, already a working day; make-up working days fall on weekends", d, d.Weekday())
		}
		if prev, dup := lineOf[d]; dup {
			if e := c.days[d]; e.kind == kind {
				return lineErr(n, "%s is already a %s on line %d", d, kind, prev)
			}
			return lineErr(n, "%s is listed as %s here and as %s on line %d", d, kind, c.days[d].kind, prev)
		}
	}
	for d := from; !d.After(to); d = d.AddDays(1) {
		c.days[d] = calendarEntry{kind, name}
		c.years[d.Y] = true
		lineOf[d] = n
	}
	return nil
}

func parseRange(s string) (from, to Date, err error) {
	a, b, isRange := strings.Cut(s, "..")
	if from, err = ParseDate(a); err != nil {
		return
	}
	if !isRange {
		return from, from, nil
	}
	if to, err = ParseDate(b); err != nil {
		return
	}
	if to.Before(from) {
		err = app.Errorf(app.EINVALID, "the range %s ends before it starts", s)
	}
	return
}

// Format writes the calendar in the format ParseCalendar reads, one line per
// run of consecutive days of the same kind and name, so an exported file
// reads like the State Council notice it came from. A covered year with no
// overrides at all leaves no line, so reading the file back does not cover it.
func (c *Calendar) Format(w io.Writer) error {
	bw := bufio.NewWriter(w)
	days := c.Days()
	years := c.Years()
	fmt.Fprintln(bw, "# DutyRoom holiday calendar: holidays and make-up working days.")
	for _, y := range years {
		fmt.Fprintf(bw, "\n# %d\n", y)
		for len(days) > 0 && days[0].Date.Y == y {
			run := 1
			for run < len(days) && days[run].Date.Y == y &&
				days[run].Date == days[run-1].Date.AddDays(1) &&
				days[run].Kind == days[0].Kind && days[run].Name == days[0].Name {
				run++
			}
			first, last := days[0], days[run-1]
			span := first.Date.String()
			if run > 1 {
				span += ".." + last.Date.String()
			}
			line := span + " " + first.Kind.String()
			if first.Name != "" {
				line += " " + first.Name
			}
			fmt.Fprintln(bw, line)
			days = days[run:]
		}
	}
	return bw.Flush()
}
