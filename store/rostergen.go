package store

import (
	"context"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// historyDays is how far back fairness looks when generating: a rolling
// year. Without a bound, a newcomer or someone back from long leave would
// be loaded with duties for years until level with colleagues' whole
// careers.
const historyDays = 365

// Generate fills the station's posts from..to with roster.Generate on what
// is stored, and saves the result as the draft in the same transaction:
// manual assignments are kept, other posts in the range replaced, with one
// Change per post that differs and one operation per month. The generator
// sees the station's settings, special periods and people, their absences,
// their duties at every station around the range, and the station's last
// year for fairness. EINVALID, ENOTFOUND for an unknown station,
// EFORBIDDEN. Where a month in the range was published, it returns the
// people to notify.
func (r *Rosters) Generate(ctx context.Context, station app.ID, from, to roster.Date) (res roster.GenerateResult, notify []app.ID, err error) {
	if err := checkRange(from, to); err != nil {
		return res, nil, err
	}
	if to.Sub(from) >= roster.MaxGenerateDays {
		return res, nil, app.FieldErrorf("to", "%s to %s is longer than %d days; generate a year at a time", from, to, roster.MaxGenerateDays)
	}
	err = r.db.update(ctx, func(tx *txn) error {
		st, err := dutyRoomStation(tx, station)
		if err != nil {
			return err
		}
		in, err := generateInput(tx, st, from, to)
		if err != nil {
			return err
		}
		if res, err = roster.Generate(in); err != nil {
			return err
		}
		notify, err = saveGenerated(tx, st, from, to, res.Assignments, "generated")
		return err
	})
	if err != nil {
		return roster.GenerateResult{}, nil, err
	}
	return res, notify, nil
}

// generateInput gathers everything the generator looks at.
func generateInput(tx *txn, st app.Station, from, to roster.Date) (roster.GenerateInput, error) {
	in := roster.GenerateInput{Station: st.ID, From: from, To: to, Location: st.Location()}
	var err error
	if in.Settings, err = settingsOf(tx, st.ID); err != nil {
		return in, err
	}
	if in.Specials, err = specialsOf(tx, st.ID); err != nil {
		return in, err
	}
	if in.Calendar, err = calendarOf(tx); err != nil {
		return in, err
	}
	ids, err := personIDsOfStation(tx, st.ID)
	if err != nil {
		return in, err
	}
	for _, id := range ids {
		p, err := findPersonByID(tx, id)
		if err != nil {
			return in, err
		}
		in.People = append(in.People, p)
	}
	// The station's own posts in the range: manual ones are kept, and the
	// holders of any of them who are no longer its people still count.
	if in.Existing, err = assignmentsRange(tx, st.ID, from, to); err != nil {
		return in, err
	}
	rest := in.Settings.MinRestDays
	lo, hi := from.AddDays(-rest), to.AddDays(rest)
	for i := range in.People {
		id := in.People[i].ID
		duties, err := personDuties(tx, id, lo, hi)
		if err != nil {
			return in, err
		}
		for _, d := range duties {
			if d.Station != st.ID || !d.Day.Within(from, to) {
				in.Existing = append(in.Existing, d)
			}
		}
		away, err := absences(tx, roster.AbsenceFilter{Person: &id, From: &lo, To: &hi})
		if err != nil {
			return in, err
		}
		in.Absences = append(in.Absences, away...)
	}
	past, err := assignmentsRange(tx, st.ID, from.AddDays(-historyDays), from.AddDays(-1))
	if err != nil {
		return in, err
	}
	in.History = roster.Summarize(past, in.Calendar, in.Settings.Handover, in.Location)
	return in, nil
}
