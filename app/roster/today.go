package roster

import (
	"time"
)

// DutyWindow returns when the duty day starts and ends in loc: from the
// handover on day to the handover on the next day. Where a zone shifts its
// clocks the window is 23 or 25 hours long, as the wall clock says.
func DutyWindow(day Date, handover TimeOfDay, loc *time.Location) (start, end time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	start = time.Date(day.Y, day.M, day.D, handover.Hour(), handover.Minute(), 0, 0, loc)
	next := day.AddDays(1)
	end = time.Date(next.Y, next.M, next.D, handover.Hour(), handover.Minute(), 0, 0, loc)
	return start, end
}

// DutyDayAt returns the duty day in force at now: before the handover the
// previous day's duty still holds, so at 03:00 on the 5th it is the 4th's.
func DutyDayAt(handover TimeOfDay, loc *time.Location, now time.Time) Date {
	if loc == nil {
		loc = time.UTC
	}
	day := DateOf(now.In(loc))
	if start, _ := DutyWindow(day, handover, loc); now.Before(start) {
		return day.AddDays(-1)
	}
	return day
}

// OnDuty returns the duty day in force at now and the assignments of that
// day, in station and post order.
func OnDuty(assignments []Assignment, settings Settings, loc *time.Location, now time.Time) (Date, []Assignment) {
	day := DutyDayAt(settings.Handover, loc, now)
	var out []Assignment
	for _, a := range assignments {
		if a.Day == day {
			out = append(out, a)
		}
	}
	SortAssignments(out)
	return day, out
}
