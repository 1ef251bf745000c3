package store

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// The consistency check behind `dutyroom check`: bbolt's own check of the
// file's structure (every page reachable once, free pages not in use,
// keys in order), then every record of the buckets that hold one JSON
// object per key is decoded, and the keys of the two-id indexes are
// measured. Decoding is cheap next to reading the pages, which the
// structure check does anyway; incident records, with their binary
// headers, are left to the structure check.

// jsonBuckets hold one JSON object per key (stations, people, operations
// by their own decoders; the others must at least be one object).
var jsonBuckets = [][]byte{
	bucketStations, bucketPersons, bucketOutbox, bucketSent, bucketKept,
	bucketRosterSettings, bucketRosterSpecials, bucketRosterAbsences, bucketRosterMonths,
	bucketRosterChanges, bucketRosterSwaps, bucketRosterNotices, bucketCalendarDays,
	bucketDutyLog, bucketDutyCheckIns, bucketDutyHandovers,
	bucketIncidentSettings, bucketIncidentArrivals,
	bucketWarnings, bucketWarningAcks, bucketSpotChecks, bucketSpotCheckAnswers,
	bucketSpotCheckResults, bucketSpotCheckConfig, bucketSpotCheckArrivals, bucketWarningDeliveries,
	bucketMessages, bucketMessageConvs, bucketMessageReceipts, bucketMessageBlobs,
	bucketConsultations, bucketVillageReports,
}

// pairBuckets are indexes keyed by two ids back to back.
var pairBuckets = [][]byte{bucketStationChildren, bucketPersonsByStation}

// maxProblems bounds the report: a file with a damaged index can have a
// problem per key, and a hundred say all there is to say.
const maxProblems = 100

// CheckDatabase checks the database at path, which no DutyRoom may hold
// for writing, and returns what it finds damaged, one line each; none
// when the file is sound. err is for a file that cannot be checked at all
// (missing, locked, not a database, newer).
func CheckDatabase(path string) (problems []string, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if info.IsDir() {
		return nil, app.Errorf(app.EINVALID, "%s is a folder, not a DutyRoom database", path)
	}
	var bdb *bolt.DB
	if _, err := guard(path, func() (err error) {
		bdb, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: DefaultTimeout, ReadOnly: true})
		if err != nil {
			err = openError(path, err)
		}
		return err
	}); err != nil {
		if app.ErrorCode(err) == app.ECORRUPT {
			return []string{app.ErrorMessage(err)}, nil
		}
		return nil, err
	}
	defer bdb.Close()

	add := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	view := func(what string, fn func(tx *bolt.Tx) error) {
		if _, err := guard(path, func() error { return bdb.View(fn) }); err != nil {
			add("%s: %s", what, app.ErrorMessage(err))
		}
	}

	var schema int
	view("schema", func(tx *bolt.Tx) error {
		if tx.Size() > info.Size() {
			return app.Errorf(app.ECORRUPT, "the file is cut short: %d of %d bytes", info.Size(), tx.Size())
		}
		var err error
		schema, err = readSchema(tx, path)
		return err
	})
	if len(problems) > 0 {
		return problems, nil
	}
	view("structure", func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			add("structure: %v", err)
		}
		return nil
	})
	if schema == 0 {
		return problems, nil // a new file: no records yet
	}
	for _, name := range jsonBuckets {
		view("v1/"+string(name), func(tx *bolt.Tx) error {
			b := bucket(tx, name)
			if b == nil {
				if bucketSince(name) <= schema {
					add("v1/%s: the bucket is missing", name)
				}
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				if err := checkRecord(name, v); err != nil {
					add("v1/%s: record %s: %v", name, hex.EncodeToString(k), err)
				}
				return nil
			})
		})
	}
	for _, name := range pairBuckets {
		view("v1/"+string(name), func(tx *bolt.Tx) error {
			b := bucket(tx, name)
			if b == nil {
				add("v1/%s: the bucket is missing", name)
				return nil
			}
			return b.ForEach(func(k, _ []byte) error {
				if len(k) != 32 {
					add("v1/%s: key %s has %d bytes, not 32", name, hex.EncodeToString(k), len(k))
				}
				return nil
			})
		})
	}
	return problems, nil
}

// bucketSince is the schema version that created a bucket of jsonBuckets,
// so an old file is not blamed for lacking a later one.
func bucketSince(name []byte) int {
	switch string(name) {
	case string(bucketStations), string(bucketPersons), string(bucketOutbox):
		return 1
	case string(bucketSent), string(bucketKept):
		return 4
	case string(bucketIncidentSettings):
		return 3
	case string(bucketWarnings), string(bucketWarningAcks), string(bucketSpotChecks),
		string(bucketSpotCheckAnswers), string(bucketSpotCheckResults), string(bucketSpotCheckConfig):
		return 5
	case string(bucketMessages), string(bucketMessageConvs), string(bucketMessageReceipts), string(bucketMessageBlobs):
		return 6
	case string(bucketIncidentArrivals):
		return 7
	case string(bucketConsultations):
		return 8
	case string(bucketSpotCheckArrivals), string(bucketWarningDeliveries):
		return 14
	case string(bucketVillageReports):
		return 17
	}
	return 2 // the roster, calendar and duty log buckets
}

// checkRecord decodes one stored value of a JSON bucket.
func checkRecord(name []byte, v []byte) error {
	switch string(name) {
	case string(bucketStations):
		_, err := decodeStation(v)
		return err
	case string(bucketPersons):
		_, err := decodePerson(v)
		return err
	case string(bucketOutbox), string(bucketSent):
		_, err := DecodeOperation(v)
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return fmt.Errorf("not one JSON object: %v", err)
	}
	return nil
}
