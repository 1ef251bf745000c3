// Package rosterfile writes a station's month roster as files people use
// outside the program, and reads rosters back in: a printable .xlsx for the
// duty room wall, an .ics calendar for phones, and a plain .csv. The formats
// are described in docs/roster-files.md.
//
// The package does no storage: the caller loads the station, people,
// calendar and assignments, builds a MonthSheet with NewMonthSheet, and
// saves what an import returns through roster.Service.
package rosterfile

import (
	"fmt"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// MonthSheet is one station's roster for one month, with everything a file
// prints: names and phones rather than ids.
type MonthSheet struct {
	Station  app.Station
	Month    roster.Month
	Handover roster.TimeOfDay
	Days     []DayRow // every day of the month, in order
	// Made is when the file is made. It is the iCalendar DTSTAMP; a zero
	// Made means now. Tests set it so files come out byte for byte the same.
	Made time.Time
}

// DayRow is one duty day: how it counts and who holds which post.
type DayRow struct {
	Info   roster.DayInfo
	Duties []Duty // in post order; an empty post has no Duty
}

// Duty is one held post.
type Duty struct {
	Post   roster.Post
	Person app.Person
}

// MonthInput is what NewMonthSheet needs, as the store hands it out.
type MonthInput struct {
	Station     app.Station
	Month       roster.Month
	Settings    roster.Settings
	Calendar    *roster.Calendar
	Specials    []roster.SpecialPeriod // the station's special periods
	People      []app.Person           // everyone the assignments name
	Assignments []roster.Assignment    // the station's assignments of the month
	Made        time.Time
}

// NewMonthSheet puts a month's assignments beside the calendar and the
// people they name. EINVALID for an invalid month or an assignment of
// another station or month, or two holders of one post; ENOTFOUND for an
// assignment naming someone missing from People, because a wall roster with
// a blank where a name should be would mislead whoever reads it.
func NewMonthSheet(in MonthInput) (MonthSheet, error) {
	if !in.Month.Valid() {
		return MonthSheet{}, app.Errorf(app.EINVALID, "%s is not a valid month", in.Month)
	}
	if !in.Settings.Handover.Valid() {
		return MonthSheet{}, app.FieldErrorf("handover", "the handover time must lie between 00:00 and 23:59")
	}
	people := make(map[app.ID]*app.Person, len(in.People))
	for i := range in.People {
		people[in.People[i].ID] = &in.People[i]
	}
	first := in.Month.First()
	n := in.Month.Last().Sub(first) + 1
	m := MonthSheet{
		Station:  in.Station,
		Month:    in.Month,
		Handover: in.Settings.Handover,
		Days:     make([]DayRow, n),
		Made:     in.Made,
	}
	for i := range m.Days {
		m.Days[i].Info = roster.Classify(in.Calendar, in.Specials, first.AddDays(i))
	}
	as := append([]roster.Assignment(nil), in.Assignments...)
	roster.SortAssignments(as)
	for _, a := range as {
		switch {
		case a.Station != in.Station.ID:
			return MonthSheet{}, app.Errorf(app.EINVALID, "the assignment of %s %s belongs to another station", a.Day, a.Post)
		case roster.MonthOf(a.Day) != in.Month:
			return MonthSheet{}, app.Errorf(app.EINVALID, "the assignment of %s %s lies outside %s", a.Day, a.Post, in.Month)
		}
		p := people[a.Person]
		if p == nil {
			return MonthSheet{}, app.Errorf(app.ENOTFOUND, "the %s of %s is not in the directory", a.Post, a.Day)
		}
		day := &m.Days[a.Day.Sub(first)]
		if k := len(day.Duties); k > 0 && day.Duties[k-1].Post == a.Post {
			return MonthSheet{}, app.Errorf(app.EINVALID, "the %s post of %s has two holders", a.Post, a.Day)
		}
		day.Duties = append(day.Duties, Duty{Post: a.Post, Person: *p})
	}
	return m, nil
}

// Title is the line above the table: "湘西州 2026年10月 值班表".
func (m *MonthSheet) Title() string {
	return fmt.Sprintf("%s %d年%d月 值班表", m.Station.Name, m.Month.Y, int(m.Month.M))
}

// Footer is the line below the table: the handover time and the duty phone,
// the two things someone reading the wall needs most.
func (m *MonthSheet) Footer() string {
	s := "交接班时间 每日 " + m.Handover.String()
	if m.Station.Phone != "" {
		s += "　值班电话 " + m.Station.Phone
	}
	return s
}

func (m *MonthSheet) made() time.Time {
	if m.Made.IsZero() {
		return time.Now()
	}
	return m.Made
}

// Role names as duty offices write them. The files are Chinese documents
// whatever language the program speaks, so these are not translations.
var roleNames = map[app.Role]string{
	app.RoleLeader:  "带班领导",
	app.RoleCadre:   "值班干部",
	app.RoleOfficer: "值班员",
	app.RoleStandby: "应急处置人员",
}

// PostName returns the post as files write it: "带班领导", or
// "应急处置人员 2" for the second standby seat.
func PostName(p roster.Post) string {
	if p.Index == 0 && p.Role != app.RoleStandby {
		return roleNames[p.Role]
	}
	return fmt.Sprintf("%s %d", roleNames[p.Role], p.Index+1)
}

var weekdayNames = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

var kindNames = map[roster.DayKind]string{
	roster.Workday: "工作日",
	roster.Weekend: "周末",
	roster.Holiday: "节假日",
}

// DayType is the type column: the kind, then the holiday or make-up day's
// name and the special period, e.g. "节假日 国庆节" or "工作日 国庆节调休 主汛期".
func DayType(info roster.DayInfo) string {
	s := kindNames[info.Kind]
	if info.Name != "" {
		s += " " + info.Name
	}
	if info.Special != "" {
		s += " " + info.Special
	}
	return s
}

// personText is how a file names a person: "张三 13907430001", the office
// line when there is no mobile, the bare name when there is neither.
func personText(p *app.Person) string {
	switch {
	case p.Mobile != "":
		return p.Name + " " + p.Mobile
	case p.Office != "":
		return p.Name + " " + p.Office
	}
	return p.Name
}
