package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// migration moves the database from version-1 to version. Each runs in its
// own transaction together with recording its version, so a crash leaves
// the file at the last completed step and the next start resumes there.
type migration struct {
	version int
	name    string
	migrate func(tx *bolt.Tx) error
}

// migrations is ordered by version, 1, 2, 3, ... without gaps. Append only:
// a released migration never changes, since files in the field already ran it.
var migrations = []migration{
	{version: 1, name: "create the directory and outbox buckets", migrate: createDirectoryV1},
	{version: 2, name: "create the roster, calendar and duty log buckets", migrate: createRosterV2},
	{version: 3, name: "create the incident buckets", migrate: createIncidentsV3},
	{version: 4, name: "create the sync buckets: cursor, applied ids, kept and sent operations", migrate: createSyncV4},
	{version: 5, name: "create the warning and spot-check buckets", migrate: createAlertsV5},
	{version: 6, name: "create the message, receipt, search text and attachment chunk buckets", migrate: createMessagesV6},
	{version: 7, name: "create the incident arrival buckets", migrate: createIncidentArrivalsV7},
	{version: 8, name: "create the consultation bucket", migrate: createConsultationsV8},
	{version: 9, name: "keep report tasks beside their incidents, their headers in the register; drop the incident index by station", migrate: foldIncidentTasksV9},
	{version: 10, name: "create the routine test-call bucket", migrate: createTestCallsV10},
	{version: 11, name: "intakes are logged before they are filed (meta intake:<seq> marks)", migrate: logIntakesV11},
	{version: 12, name: "create the bucket of attachment contents owed to other stations", migrate: createIncidentContentsV12},
	{version: 13, name: "index the warnings owed an acknowledgement and the consultations live or scheduled", migrate: createAlertIndexesV13},
	{version: 14, name: "the duty log keeps the shift's records by itself: index its automatic entries and fill them for the records held", migrate: createShiftLogV14},
	{version: 15, name: "create the leader instruction (批示) buckets", migrate: createInstructionsV15},
	{version: 16, name: "create the spot-check arrival and warning delivery buckets; checks made before count from their start", migrate: createSpotCheckArrivalsV16},
	{version: 17, name: "create the village report (村报) buckets", migrate: createVillageReportsV17},
}

// SchemaVersion is the schema this program writes: the version of the last
// migration (a test holds the two together).
const SchemaVersion = 17

func createDirectoryV1(tx *bolt.Tx) error {
	root, err := tx.CreateBucketIfNotExists(bucketV1)
	if err != nil {
		return err
	}
	for _, name := range [][]byte{
		bucketMeta,
		bucketStations,
		bucketStationCodes,
		bucketStationChildren,
		bucketPersons,
		bucketPersonsByStation,
		bucketOutbox,
	} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}

// readSchema returns the version recorded in the file: 0 for a file no
// DutyRoom has written yet (no buckets at all), ECORRUPT for a bbolt file
// that belongs to some other program, ETOONEW for a newer layout.
func readSchema(tx *bolt.Tx, path string) (int, error) {
	root := tx.Bucket(bucketV1)
	if root == nil {
		var other string
		_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			other = string(name)
			return nil
		})
		switch {
		case other == "":
			return 0, nil
		case isLaterMajor(other):
			return 0, app.Errorf(app.ETOONEW, "%s was written by a newer DutyRoom (layout %s, this program knows v1); update DutyRoom or restore a backup", path, other)
		}
		return 0, app.Errorf(app.ECORRUPT, "%s is not a DutyRoom database (it holds a %q bucket)", path, other)
	}
	meta := root.Bucket(bucketMeta)
	if meta == nil {
		return 0, app.Errorf(app.ECORRUPT, "%s is damaged: it has no v1/meta bucket; restore a backup", path)
	}
	raw := meta.Get(keySchema)
	if raw == nil {
		return 0, app.Errorf(app.ECORRUPT, "%s is damaged: it records no schema version; restore a backup", path)
	}
	v, ok := u64Value(raw)
	if !ok || v == 0 || v > 1<<31 {
		return 0, app.Errorf(app.ECORRUPT, "%s is damaged: its schema version is unreadable; restore a backup", path)
	}
	if int(v) > SchemaVersion {
		return 0, app.Errorf(app.ETOONEW, "%s was written by a newer DutyRoom (schema %d, this program knows up to %d); update DutyRoom or restore a backup", path, v, SchemaVersion)
	}
	return int(v), nil
}

// isLaterMajor reports whether a top-level bucket name is a layout like
// "v2", which only a newer program writes.
func isLaterMajor(name string) bool {
	if len(name) < 2 || name[0] != 'v' {
		return false
	}
	for _, c := range name[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return name != "v0" && name != "v1"
}

// migrate brings the file from its recorded version to SchemaVersion, one
// transaction per step, and returns the version reached. before runs once
// ahead of the first step on a file that has data (a backup is taken
// there); its error stops the upgrade with nothing changed.
func migrate(db *bolt.DB, path string, before func(from int) error) (int, error) {
	var current int
	if err := safeView(db, func(tx *bolt.Tx) (err error) {
		current, err = readSchema(tx, path)
		return err
	}); err != nil {
		return 0, err
	}
	if current > 0 && current < SchemaVersion && before != nil {
		if err := before(current); err != nil {
			return current, err
		}
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		_, err := guardLogged(path, func() error {
			return db.Update(func(tx *bolt.Tx) error {
				if err := m.migrate(tx); err != nil {
					return err
				}
				meta := bucket(tx, bucketMeta)
				if meta == nil {
					return fmt.Errorf("migration %d left no v1/meta bucket", m.version)
				}
				return meta.Put(keySchema, u64Key(uint64(m.version)))
			})
		})
		if app.ErrorCode(err) == app.ECORRUPT {
			return current, err
		}
		if err != nil {
			return current, app.Errorf(app.EINTERNAL, "cannot upgrade %s to schema %d (%s): %v", path, m.version, m.name, err)
		}
		current = m.version
	}
	return current, nil
}

// logIntakesV11 changes no data: it records that the file may hold intakes
// logged but not filed (incidentfiling.go), which an older program would
// not file and so would not show.
func logIntakesV11(tx *bolt.Tx) error { return nil }
