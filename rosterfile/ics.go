package rosterfile

import (
	"bufio"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// uidSpace makes event UIDs: a name-based UUID of station, day, post and
// person. The same duty gets the same UID in every export, so importing a
// corrected file updates the event on a phone instead of adding a second
// one, and a duty handed to someone else is a new event for the new holder.
// The UID is opaque, as RFC 7986 advises, so it leaks no phone numbers.
var uidSpace = uuid.MustParse("5b0e6e52-4d1e-4f0b-9a43-8c7d0f6a2e11")

// WriteICS writes the month as an iCalendar file (RFC 5545): one event per
// duty per person, lasting the duty day from handover to handover, with the
// person as attendee and everyone on duty that day in the description.
//
// Times are written in UTC ("20261001T003000Z"). DutyWindow has already
// fixed the instants in the station's zone, and UTC carries them exactly
// with no VTIMEZONE to get wrong: Go cannot list a zone's rules, so a
// hand-written VTIMEZONE would be right for Asia/Shanghai only. Phones show
// the events in their own zone, which in China is the station's.
func WriteICS(w io.Writer, m MonthSheet) error {
	bw := bufio.NewWriter(w)
	out := icsWriter{w: bw}
	loc := m.Station.Location()
	stamp := icsTime(m.made())
	out.line("BEGIN:VCALENDAR")
	out.line("VERSION:2.0")
	out.line("PRODID:-//DutyRoom//Duty roster//ZH")
	out.line("CALSCALE:GREGORIAN")
	out.line("METHOD:PUBLISH")
	out.line("X-WR-CALNAME:" + escapeText(m.Title()))
	for _, day := range m.Days {
		start, end := roster.DutyWindow(day.Info.Date, m.Handover, loc)
		desc := dayDescription(&m, &day)
		for _, d := range day.Duties {
			out.line("BEGIN:VEVENT")
			out.line("UID:" + eventUID(m.Station.ID, day.Info.Date, d).String())
			out.line("DTSTAMP:" + stamp)
			out.line("DTSTART:" + icsTime(start))
			out.line("DTEND:" + icsTime(end))
			out.line("SUMMARY:" + escapeText("值班："+roleNames[d.Post.Role]+" — "+m.Station.Name))
			out.line("DESCRIPTION:" + escapeText(desc))
			out.line("ATTENDEE;CN=" + paramValue(d.Person.Name) + ":" + calAddress(&d.Person))
			out.line("TRANSP:OPAQUE")
			out.line("END:VEVENT")
		}
	}
	out.line("END:VCALENDAR")
	if out.err != nil {
		return out.err
	}
	return bw.Flush()
}

func eventUID(station app.ID, day roster.Date, d Duty) uuid.UUID {
	return uuid.NewSHA1(uidSpace, []byte(station.String()+"|"+day.String()+"|"+d.Post.String()+"|"+d.Person.ID.String()))
}

// dayDescription lists the whole day's team with phones: whoever is on duty
// should be able to call the others from the event.
func dayDescription(m *MonthSheet, day *DayRow) string {
	var b strings.Builder
	b.WriteString(day.Info.Date.String() + " " + DayType(day.Info) + "\n")
	for _, d := range day.Duties {
		b.WriteString(PostName(d.Post) + "：" + personText(&d.Person) + "\n")
	}
	b.WriteString(m.Footer())
	return b.String()
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// calAddress is the attendee's address. People here have phones, not mail,
// so it is a tel: URI (RFC 3966) in global form, as a phone dials it.
// Someone with no phone at all gets their id, which is still a valid URI.
func calAddress(p *app.Person) string {
	switch {
	case p.Mobile != "":
		return "tel:+86" + p.Mobile
	case p.Office != "":
		// 0743-8221234 dials from abroad as +86-743-8221234.
		return "tel:+86-" + strings.TrimPrefix(p.Office, "0")
	}
	return "urn:uuid:" + p.ID.String()
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// paramValue quotes a parameter value when it holds a character that would
// end it (RFC 5545 3.2). A double quote cannot appear at all, so it goes;
// control characters would break the line, so they go too.
func paramValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(s, ",;:") {
		return `"` + s + `"`
	}
	return s
}

// icsWriter writes content lines folded at 75 octets with CRLF ends, as RFC
// 5545 3.1 requires. It folds between characters, never inside a UTF-8
// sequence, so every physical line is valid UTF-8 on its own.
type icsWriter struct {
	w   *bufio.Writer
	err error
}

const maxLineOctets = 75

func (o *icsWriter) line(s string) {
	if o.err != nil {
		return
	}
	limit := maxLineOctets
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		o.write(s[:cut] + "\r\n ")
		s = s[cut:]
		// The leading space of a continuation line counts toward its 75.
		limit = maxLineOctets - 1
	}
	o.write(s + "\r\n")
}

func (o *icsWriter) write(s string) {
	if o.err == nil {
		_, o.err = o.w.WriteString(s)
	}
}
