package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The roster, calendar and duty log buckets; buckets.go draws their keys.
var (
	bucketRosterSettings       = []byte("roster_settings")
	bucketRosterSpecials       = []byte("roster_specials")
	bucketRosterSpecialsByStn  = []byte("roster_specials_by_station")
	bucketRosterAbsences       = []byte("roster_absences")
	bucketRosterAbsencesByPers = []byte("roster_absences_by_person")
	bucketRosterAbsencesByStn  = []byte("roster_absences_by_station")
	bucketRosterAssignments    = []byte("roster_assignments")
	bucketRosterDutiesByPerson = []byte("roster_duties_by_person")
	bucketRosterMonths         = []byte("roster_months")
	bucketRosterChanges        = []byte("roster_changes")
	bucketRosterSwaps          = []byte("roster_swaps")
	bucketRosterSwapsByStation = []byte("roster_swaps_by_station")
	bucketRosterNotices        = []byte("roster_notices")
	bucketCalendarDays         = []byte("calendar_days")
	bucketCalendarYears        = []byte("calendar_years")
	bucketDutyLog              = []byte("duty_log")
	bucketDutyCheckIns         = []byte("duty_checkins")
	bucketDutyHandovers        = []byte("duty_handovers")
)

var rosterBuckets = [][]byte{
	bucketRosterSettings,
	bucketRosterSpecials,
	bucketRosterSpecialsByStn,
	bucketRosterAbsences,
	bucketRosterAbsencesByPers,
	bucketRosterAbsencesByStn,
	bucketRosterAssignments,
	bucketRosterDutiesByPerson,
	bucketRosterMonths,
	bucketRosterChanges,
	bucketRosterSwaps,
	bucketRosterSwapsByStation,
	bucketRosterNotices,
	bucketCalendarDays,
	bucketCalendarYears,
	bucketDutyLog,
	bucketDutyCheckIns,
	bucketDutyHandovers,
}

// createRosterV2 adds the roster buckets. The shipped holiday calendar is
// not copied in: the store keeps only imported and edited years, so a later
// release that ships a corrected or new year reaches existing files too.
func createRosterV2(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket")
	}
	for _, name := range rosterBuckets {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}
