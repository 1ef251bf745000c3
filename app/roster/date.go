package roster

import (
	"encoding/binary"
	"fmt"
	"time"

	"dutyroom/app"
)

// Date is a civil date with no time and no zone. Duty days, holidays and
// absences are dates: "the duty day of 1 October" is the same day in every
// time zone, and only DutyWindow turns it into instants.
type Date struct {
	Y int
	M time.Month
	D int
}

// NewDate returns the date, normalising overflow as time.Date does
// (2026-02-30 becomes 2026-03-02).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 12, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "2006-01-02" and rejects dates that do not exist.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, app.Errorf(app.EINVALID, "%q is not a date (want YYYY-MM-DD, e.g. 2026-10-01)", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, app.Errorf(app.EINVALID, "%q is not a date (want YYYY-MM-DD, e.g. 2026-10-01)", s)
	}
	out := Date{y, time.Month(m), d}
	if !out.Valid() {
		return Date{}, app.Errorf(app.EINVALID, "%s does not exist", s)
	}
	return out, nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// String returns "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Y, int(d.M), d.D)
}

// IsZero reports whether d is the zero Date, used for "not set".
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d is a real day between years 1 and 9999.
func (d Date) Valid() bool {
	if d.Y < 1 || d.Y > 9999 || d.M < 1 || d.M > 12 || d.D < 1 {
		return false
	}
	return d.D <= daysIn(d.Y, d.M)
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return fromDays(d.days() + n) }

// Sub returns the number of days from o to d.
func (d Date) Sub(o Date) int { return d.days() - o.days() }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01, day 0, was a Thursday.
	w := (d.days() + int(time.Thursday)) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// IsWeekend reports whether d falls on a Saturday or Sunday.
func (d Date) IsWeekend() bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Y != o.Y:
		return cmpInt(d.Y, o.Y)
	case d.M != o.M:
		return cmpInt(int(d.M), int(o.M))
	}
	return cmpInt(d.D, o.D)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Within reports whether d lies in from..to, both included.
func (d Date) Within(from, to Date) bool { return !d.Before(from) && !d.After(to) }

// KeyLen is the length of Key.
const KeyLen = 4

// Key returns 4 bytes that sort as the dates do: the year big-endian, then
// month and day. Stores use it in bbolt keys so a cursor walks days in order.
func (d Date) Key() []byte {
	b := make([]byte, KeyLen)
	d.PutKey(b)
	return b
}

// PutKey writes Key into b, which must hold KeyLen bytes, so composite keys
// can be built without allocating.
func (d Date) PutKey(b []byte) {
	binary.BigEndian.PutUint16(b, uint16(d.Y))
	b[2] = byte(d.M)
	b[3] = byte(d.D)
}

// DateFromKey is the inverse of Key. It reads the first KeyLen bytes of b.
func DateFromKey(b []byte) (Date, error) {
	if len(b) < KeyLen {
		return Date{}, app.Errorf(app.ECORRUPT, "date key of %d bytes, want %d", len(b), KeyLen)
	}
	d := Date{int(binary.BigEndian.Uint16(b)), time.Month(b[2]), int(b[3])}
	if !d.Valid() {
		return Date{}, app.Errorf(app.ECORRUPT, "date key %x is not a valid date", b[:KeyLen])
	}
	return d, nil
}

// MarshalText writes "2006-01-02", and nothing for the zero Date.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if !d.Valid() {
		return nil, app.Errorf(app.EINVALID, "%s is not a valid date", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads what MarshalText writes.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// days returns the number of days since 1970-01-01 in the proleptic
// Gregorian calendar. Integer arithmetic keeps the generator's inner loop
// free of time.Time conversions.
func (d Date) days() int { return daysFromCivil(d.Y, d.M, d.D) }

// daysFromCivil and fromDays follow Howard Hinnant's well-known
// days-from-civil derivation: years start in March so the leap day is last.
func daysFromCivil(y int, m time.Month, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{y, time.Month(m), d}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Month is a calendar month, the unit a roster is drafted and published in.
type Month struct {
	Y int
	M time.Month
}

// MonthOf returns the month d falls in.
func MonthOf(d Date) Month { return Month{d.Y, d.M} }

// ParseMonth reads "2006-01".
func ParseMonth(s string) (Month, error) {
	d, err := ParseDate(s + "-01")
	if err != nil || len(s) != 7 {
		return Month{}, app.Errorf(app.EINVALID, "%q is not a month (want YYYY-MM, e.g. 2026-10)", s)
	}
	return Month{d.Y, d.M}, nil
}

// String returns "2006-01".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Y, int(m.M)) }

// Valid reports whether m is a real month between years 1 and 9999.
func (m Month) Valid() bool { return m.First().Valid() }

// First returns the first day of the month.
func (m Month) First() Date { return Date{m.Y, m.M, 1} }

// Last returns the last day of the month.
func (m Month) Last() Date { return Date{m.Y, m.M, daysIn(m.Y, m.M)} }

// Next returns the following month.
func (m Month) Next() Month { return MonthOf(m.Last().AddDays(1)) }

// Key returns the month's sortable key: the Key of its first day.
func (m Month) Key() []byte { return m.First().Key() }

// MarshalText writes "2006-01".
func (m Month) MarshalText() ([]byte, error) {
	if !m.Valid() {
		return nil, app.Errorf(app.EINVALID, "%s is not a valid month", m)
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads "2006-01".
func (m *Month) UnmarshalText(b []byte) error {
	v, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// TimeOfDay is a wall-clock time in minutes after midnight, such as the
// handover time 08:30.
type TimeOfDay int

// DefaultHandover is the most common handover time in duty rooms.
const DefaultHandover TimeOfDay = 8*60 + 30

// ParseTimeOfDay reads "08:30" (or "8:30").
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	bad := app.Errorf(app.EINVALID, "%q is not a time of day (want HH:MM, e.g. 08:30)", s)
	i := len(s) - 3
	if i < 1 || i > 2 || s[i] != ':' {
		return 0, bad
	}
	h, ok1 := digits(s[:i])
	m, ok2 := digits(s[i+1:])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, bad
	}
	return TimeOfDay(h*60 + m), nil
}

// Valid reports whether t lies between 00:00 and 23:59.
func (t TimeOfDay) Valid() bool { return t >= 0 && t < 24*60 }

// Hour returns the hour, 0–23.
func (t TimeOfDay) Hour() int { return int(t) / 60 }

// Minute returns the minute, 0–59.
func (t TimeOfDay) Minute() int { return int(t) % 60 }

// String returns "08:30".
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }

// MarshalText writes "08:30".
func (t TimeOfDay) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, app.Errorf(app.EINVALID, "%d minutes is not a time of day", int(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads "08:30".
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}
