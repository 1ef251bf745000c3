package store

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// The bucket tree of dutyroom.db. Every key and value format is part of the
// schema: changing one needs a migration (migrations.go).
//
//	v1                                     schema major: a later incompatible layout gets "v2" beside it
//	├── meta
//	│   ├── schema     → uint64            the last migration applied (big-endian)
//	│   ├── identity   → station id        this duty room's own station, absent until chosen
//	│   ├── seq        → uint64            the last origin seq given to an operation
//	│   ├── restored   → uint64            put in place by Restore (unix seconds); gone once the folder has rejoined the hub's sequence (rejoin.go)
//	│   ├── intake:<seq> → nil             an intake logged as outbox op <seq>, not yet filed (migration 11, incidentfiling.go)
//	│   ├── docseq:<station><year> → uint32 the last bulletin number (第N期) given in the station's year (docnumber.go)
//	│   └── docnum:<record> → <year><n>   the number of a record's bulletin, fixed when first made
//	├── stations
//	│   └── <station id> → JSON            app.Station
//	├── station_codes
//	│   └── <code> → station id            unique index: one station per code
//	├── station_children
//	│   └── <parent id><child id> → nil    who hangs under whom, for deletes and walks
//	├── persons
//	│   └── <person id> → JSON             app.Person
//	├── persons_by_station
//	│   └── <station id><person id> → nil  people of one station with one Seek
//	├── outbox
//	│   └── <seq> → JSON                   app.Operation not yet acknowledged by the hub
//	│
//	│   rosters (migration 2, roster.go); <day> is roster.Date.Key (4 bytes), <month> the
//	│   Key of its first day, <post> a role byte (its place in roster.DutyRoles) and a seat byte
//	├── roster_settings
//	│   └── <station id> → JSON                          settingsRecord; absent means DefaultSettings
//	├── roster_specials
//	│   └── <period id> → JSON                           specialRecord
//	├── roster_specials_by_station
//	│   └── <station id><period id> → nil
//	├── roster_absences
//	│   └── <absence id> → JSON                          absenceRecord
//	├── roster_absences_by_person
//	│   └── <person id><absence id> → nil
//	├── roster_absences_by_station
//	│   └── <station id><absence id> → nil
//	├── roster_assignments
//	│   └── <station id><day><post> → <person id><flags> a month's view is one Seek; flags bit 0: manual
//	├── roster_duties_by_person
//	│   └── <person id><day><station id><post> → nil     a person's duties everywhere, for double-booking and rest
//	├── roster_months
//	│   └── <station id><month> → JSON                   monthRecord: draft or published; absent means draft
//	├── roster_changes
//	│   └── <station id><day><change id> → JSON          changeRecord: the audit trail of a duty day
//	├── roster_swaps
//	│   └── <swap id> → JSON                             swapRecord
//	├── roster_swaps_by_station
//	│   └── <station id><swap id> → nil
//	├── roster_notices
//	│   └── <person id><notice id> → JSON                noticeRecord: local to this client, not synced
//	├── calendar_days
//	│   └── <day> → JSON                                 calendarDayRecord: holidays and make-up days
//	├── calendar_years
//	│   └── <year uint16> → nil                          years imported or edited; the shipped years fill the rest
//	├── duty_log
//	│   └── <station id><day><entry id> → JSON           logRecord
//	├── duty_checkins
//	│   └── <station id><day><person id> → JSON          checkInRecord: one per person and day
//	├── duty_handovers
//	│   └── <station id><day> → JSON                     handoverRecord
//	├── duty_log_auto
//	│   └── <station id><record id><event> 0 <part> → <day><entry id>  automatic entries, one per record and event (migration 14, shiftlog.go)
//	│
//	│   incidents (migrations 3 and 9, incident*.go); <time> is 12 bytes, Unix seconds with the
//	│   sign bit flipped and then nanoseconds, so keys sort by instant
//	├── incidents
//	│   ├── <incident id> → JSON                         incident.Incident
//	│   ├── <incident id><event id> → JSON               incident.Event, beside its incident: written once, never changed
//	│   ├── <incident id> 't' <task id> → header + JSON  incident.ReportTask, beside its incident (incidentcodec.go)
//	│   └── <task id> 't' → incident id
//	├── incident_register
//	│   └── <received time><incident id> → entry         what the register filters and searches, with the headers of the
//	│                                                    incident's tasks for the statistics, binary (incidentcodec.go);
//	│                                                    the bucket's sequence counts the entries
//	├── incidents_by_due
//	│   └── <next due><incident id> → <received time>    only incidents with a report still to send
//	├── incident_reports
//	│   ├── <incident id><report id> → JSON              incident.Report
//	│   └── <report id> → incident id
//	├── incident_settings
//	│   └── <station id> → JSON                          incident.Settings; absent: the nearest ancestor's, then the defaults
//	├── incident_blobs
//	│   └── <sha256 digest> → bytes                      attachment contents, stored once per content
//	│
//	│   sync with a hub (migration 4, inbox.go)
//	├── sent
//	│   └── <seq> → JSON                                 app.Operation the hub acknowledged, kept to re-send to a restored hub
//	├── sync
//	│   ├── epoch    → text                              the hub's epoch the cursor belongs to
//	│   ├── position → uint64                            the last position of the hub's log read
//	│   └── checkpoint → JSON                            syncCheckpoint: the hub's latest, with its epoch, shown back when pulling
//	├── applied
//	│   └── <operation id> → nil                         incoming operations applied or kept: each at most once
//	├── kept
//	│   └── <operation id> → JSON                        keptRecord: incoming operations not applied, with the reason
//	│
//	│   warnings and spot checks (migration 5, warning*.go, spotcheck*.go); append-only
//	├── warnings
//	│   └── <warning id> → JSON                          warning.Warning
//	├── warning_acks
//	│   └── <warning id><station id> → JSON              warning.Ack: one per station, the earliest kept
//	├── spotchecks
//	│   └── <check id> → JSON                            spotcheck.Check
//	├── spotcheck_answers
//	│   └── <check id> → JSON                            spotcheck.Answer: one per check, the first kept
//	├── spotcheck_results
//	│   └── <check id> → JSON                            spotcheck.Result: the issuer's record of a miss
//	├── spotcheck_due
//	│   └── <deadline time><check id> → <target id><here> open checks: issued here (here=1) with neither answer nor
//	│                                                    result, what Sweep reads; or of this station (here=0), unanswered
//	├── spotcheck_settings
//	│   └── <station id> → JSON                          spotcheck.Settings: local to this client, not synced
//	├── spotcheck_arrivals (migration 16, spotcheckarrival.go)
//	│   └── <check id> → JSON                            the check's arrival at its target, with when it was received here
//	├── warning_deliveries (migration 16, warningdelivery.go)
//	│   └── <warning id><station id> → JSON              warning.Delivery: the warning stored at that station, the first kept
//	├── village_reports (migration 17, villagereport.go)
//	│   └── <report id> → JSON                           villageReportRecord: a village officer's report and the verification that won
//	├── village_reports_pending
//	│   └── <report id> → nil                            reports not yet verified, for the badge and the alarm
//	│
//	│   messages (migration 6, message*.go); messages and receipts are append-only
//	├── messages
//	│   └── <message id> → JSON                          message.Message
//	├── message_conversations
//	│   └── <conversation id> → JSON                     convRecord: participants, count, the newest message
//	├── message_by_conversation
//	│   └── <conversation id><message id> → nil          a thread's page is one Seek
//	├── message_receipts
//	│   └── <message id><station id> → JSON              message.Receipt: each state's first time kept
//	├── message_unread
//	│   └── <station id><conversation id><message id> → nil  messages to a station it has not read
//	├── message_text
//	│   └── <message id> → text                          subject, text and file names case-folded: what search scans
//	├── message_blobs
//	│   └── <sha256 digest> → JSON                       blobRecord: size, chunk size, complete or why refused
//	├── message_chunks
//	│   └── <sha256 digest><index uint32> → bytes        an attachment's content in parts, as they arrive
//	│
//	│   incident alarms (migration 7, incidentsync.go); local to this client, not synced
//	├── incident_arrivals
//	│   └── <incident id> → JSON                         arrivalRecord: when and at what grade an incident from below rang, who silenced it
//	├── incident_arrivals_pending
//	│   └── <incident id> → nil                          arrivals nobody has acknowledged: what the alarm rings for after a restart
//	│
//	│   incident attachment contents (migration 12, incidentcontent.go); received ones live in message_blobs
//	├── incident_contents_owed
//	│   └── <sha256 digest><station id> → incident id    a content to send that station, once held here in full
//	│
//	│   what the window polls (migration 13, alertindex.go); indexes kept with the records, rebuilt from them
//	├── warning_pending
//	│   ├── owner → <station id>                         the station the index is kept for (this one; nil before it is chosen)
//	│   └── <warning id> → nil                           warnings owner neither issued nor acknowledged, expired ones too
//	├── consult_open
//	│   ├── L<consultation id> → nil                     live consultations: what rings
//	│   ├── S<scheduled time><consultation id> → nil     scheduled ones, by their time: what is reminded of and started
//	│   └── I<consultation id> → L or S key              where each open one sits, so a change moves it
//	│
//	│   leader instructions (migration 15, instruction.go); attachment contents live in message_blobs
//	├── instructions
//	│   └── <instruction id> → JSON                      instruction.Record: the instruction, answers, done marks, replies
//	└── instruction_register
//	    └── <given time><instruction id> → JSON          instruction.Summary: what the register filters, the status bar counts
//
// Ids are uuid v7 in their 16 raw bytes, so keys sort by creation time, and
// a composite key is two ids back to back (32 bytes). Integers are
// big-endian uint64 so that byte order is numeric order.
//
// A capability that needs storage adds its buckets here, creates them in a
// new migration, and takes them with bucket(tx, ...) like the ones below.
var (
	bucketV1 = []byte("v1")

	bucketMeta             = []byte("meta")
	bucketStations         = []byte("stations")
	bucketStationCodes     = []byte("station_codes")
	bucketStationChildren  = []byte("station_children")
	bucketPersons          = []byte("persons")
	bucketPersonsByStation = []byte("persons_by_station")
	bucketOutbox           = []byte("outbox")

	keySchema   = []byte("schema")
	keyIdentity = []byte("identity")
	keySeq      = []byte("seq")
)

// bucket returns a bucket under v1. Migrations create every bucket the
// program knows, so a missing one means the file is damaged; callers get
// nil and report it through errMissingBucket.
func bucket(tx *bolt.Tx, name []byte) *bolt.Bucket {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return nil
	}
	return root.Bucket(name)
}

// mustBucket is bucket for callers inside a service transaction, where the
// migrations have run and a missing bucket is damage, not a new file.
func mustBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	if b := bucket(tx, name); b != nil {
		return b, nil
	}
	return nil, app.Errorf(app.ECORRUPT, "the database has lost its v1/%s bucket; restore a backup", name)
}

func u64Key(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func u64Value(b []byte) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

func idKey(id app.ID) []byte {
	k := make([]byte, 16)
	copy(k, id[:])
	return k
}

// pairKey is the key of a two-id index entry: parent then child.
func pairKey(a, b app.ID) []byte {
	k := make([]byte, 32)
	copy(k, a[:])
	copy(k[16:], b[:])
	return k
}

// idFromBytes copies an id out of bolt memory.
func idFromBytes(b []byte) (app.ID, bool) {
	var id app.ID
	if len(b) != 16 {
		return id, false
	}
	copy(id[:], b)
	return id, true
}
