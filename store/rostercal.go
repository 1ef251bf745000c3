package store

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/google/uuid"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/assets/calendar"
)

// The holiday calendar is national, so it has no owning station and no id
// of its own; its operations name this fixed entity instead.
var calendarEntity = uuid.NewSHA1(uuid.NameSpaceURL, []byte("dutyroom:calendar"))

// The shipped years are parsed once per process.
var shipped = sync.OnceValues(func() (*roster.Calendar, error) {
	return roster.ParseCalendar(bytes.NewReader(calendar.Default()))
})

// calendarOf returns the calendar in force: the shipped years, each
// replaced by the stored schedule where one was imported or edited.
// Keeping only imported years in the file lets a later release that ships
// a new year reach existing data folders, while an office's own import of
// that year still wins.
func calendarOf(tx *txn) (*roster.Calendar, error) {
	base, err := shipped()
	if err != nil {
		return nil, app.Errorf(app.EINTERNAL, "the shipped holiday calendar does not parse: %s", app.ErrorMessage(err))
	}
	stored, err := storedCalendar(tx)
	if err != nil {
		return nil, err
	}
	cal := base.Clone()
	cal.Merge(stored)
	return cal, nil
}

// storedCalendar rebuilds the imported and edited years from the file.
func storedCalendar(tx *txn) (*roster.Calendar, error) {
	bs, err := buckets(tx, bucketCalendarDays, bucketCalendarYears)
	if err != nil {
		return nil, err
	}
	cal := roster.NewCalendar()
	covered := map[int]bool{}
	err = bs[1].ForEach(func(k, _ []byte) error {
		if len(k) != 2 {
			return app.Errorf(app.ECORRUPT, "the calendar years bucket holds a bad key; restore a backup")
		}
		covered[int(k[0])<<8|int(k[1])] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = bs[0].ForEach(func(k, v []byte) error {
		d, err := roster.DateFromKey(k)
		if err != nil {
			return err
		}
		var rec calendarDayRecord
		if err := decodeJSON(v, &rec, "calendar day "+d.String()); err != nil {
			return err
		}
		if rec.Kind == roster.Weekend {
			return app.Errorf(app.ECORRUPT, "calendar day %s is stored as a weekend; restore a backup", d)
		}
		return cal.SetDay(d, rec.Kind, rec.Name)
	})
	if err != nil {
		return nil, err
	}
	// A year can be covered with no overrides at all (every holiday of it
	// removed by hand); SetDay on its first day records the year without
	// adding an override.
	for y := range covered {
		if !cal.Covers(y) {
			first := roster.NewDate(y, 1, 1)
			kind := roster.Workday
			if first.IsWeekend() {
				kind = roster.Weekend
			}
			if err := cal.SetDay(first, kind, ""); err != nil {
				return nil, err
			}
		}
	}
	return cal, nil
}

// writeYears replaces the stored schedule of every year cal covers.
func writeYears(tx *txn, cal *roster.Calendar) error {
	bs, err := buckets(tx, bucketCalendarDays, bucketCalendarYears)
	if err != nil {
		return err
	}
	for _, y := range cal.Years() {
		from, to := roster.NewDate(y, 1, 1).Key(), roster.NewDate(y+1, 1, 1).Key()
		c := bs[0].Cursor()
		for k, _ := c.Seek(from); k != nil && bytes.Compare(k, to) < 0; k, _ = c.Seek(from) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		if err := bs[1].Put(yearKey(y), nil); err != nil {
			return err
		}
	}
	for _, d := range cal.Days() {
		if _, err := putJSON(bs[0], d.Date.Key(), calendarDayRecord{Kind: d.Kind, Name: d.Name}); err != nil {
			return err
		}
	}
	return nil
}

// Calendar returns a copy of the calendar in force, the shipped years
// included.
func (r *Rosters) Calendar(ctx context.Context) (*roster.Calendar, error) {
	var cal *roster.Calendar
	err := r.db.view(ctx, func(tx *txn) (err error) {
		cal, err = calendarOf(tx)
		return err
	})
	return cal, err
}

// ImportCalendar parses a calendar file (roster.ParseCalendar) and puts
// its years in force, replacing those years entirely, all or nothing.
// EINVALID naming the bad line, or for a file with no entries. Returns the
// years imported.
func (r *Rosters) ImportCalendar(ctx context.Context, rd io.Reader) ([]int, error) {
	cal, err := roster.ParseCalendar(rd)
	if err != nil {
		return nil, err
	}
	years := cal.Years()
	if len(years) == 0 {
		return nil, app.Errorf(app.EINVALID, "the calendar file lists no holidays or make-up working days")
	}
	var text bytes.Buffer
	if err := cal.Format(&text); err != nil {
		return nil, err
	}
	err = r.db.update(ctx, func(tx *txn) error {
		if err := writeYears(tx, cal); err != nil {
			return err
		}
		// The payload is the file format itself: any peer parses it with
		// the same rules, and a person can read it in the outbox.
		buf, err := marshalPayload(calendarImportPayload{Years: years, Calendar: text.String()})
		if err != nil {
			return err
		}
		_, err = appendOp(tx, roster.OpCalendarImport, calendarEntity, buf)
		return err
	})
	if err != nil {
		return nil, err
	}
	return years, nil
}

type calendarImportPayload struct {
	Years    []int  `json:"years"`
	Calendar string `json:"calendar"`
}

type calendarDayPayload struct {
	Date roster.Date    `json:"date"`
	Kind roster.DayKind `json:"kind"`
	Name string         `json:"name,omitempty"`
}

// SetCalendarDay edits one day (roster.Calendar.SetDay). The day's year is
// stored whole from then on, so the edit survives a later release that
// ships a different schedule for it. EINVALID.
func (r *Rosters) SetCalendarDay(ctx context.Context, d roster.Date, kind roster.DayKind, name string) error {
	return r.db.update(ctx, func(tx *txn) error {
		cal, err := calendarOf(tx)
		if err != nil {
			return err
		}
		if err := cal.SetDay(d, kind, name); err != nil {
			return err
		}
		year := roster.NewCalendar()
		for _, day := range cal.Days() {
			if day.Date.Y == d.Y {
				if err := year.SetDay(day.Date, day.Kind, day.Name); err != nil {
					return err
				}
			}
		}
		if !year.Covers(d.Y) {
			// The edit removed the year's last override: record the year
			// as covered, with no overrides, as storedCalendar reads it.
			first := roster.NewDate(d.Y, 1, 1)
			k := roster.Workday
			if first.IsWeekend() {
				k = roster.Weekend
			}
			if err := year.SetDay(first, k, ""); err != nil {
				return err
			}
		}
		if err := writeYears(tx, year); err != nil {
			return err
		}
		buf, err := marshalPayload(calendarDayPayload{Date: d, Kind: kind, Name: name})
		if err != nil {
			return err
		}
		_, err = appendOp(tx, roster.OpCalendarDay, calendarEntity, buf)
		return err
	})
}
