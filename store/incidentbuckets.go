package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The incident buckets; buckets.go draws their keys and values.
//
// An intake must be on disk within a small margin of a bare fsynced write,
// and every page a commit dirties is written before the fsync: each bucket
// an intake touches costs its leaf and every branch page above it. So an
// intake writes to as few buckets as it can, and within one, to keys that
// share a page: an incident's events and report tasks sit beside its
// record, and a task's id entry beside them (uuid v7 keys of the same
// moment land on the same right-edge page). The statistics read the tasks'
// headers from the register entry, which every change rewrites anyway.
var (
	bucketIncidents        = []byte("incidents")
	bucketIncidentRegister = []byte("incident_register")
	bucketIncidentsByDue   = []byte("incidents_by_due")
	bucketIncidentReports  = []byte("incident_reports")
	bucketIncidentSettings = []byte("incident_settings")
	bucketIncidentBlobs    = []byte("incident_blobs")
)

var incidentBuckets = [][]byte{
	bucketIncidents,
	bucketIncidentRegister,
	bucketIncidentsByDue,
	bucketIncidentReports,
	bucketIncidentSettings,
	bucketIncidentBlobs,
}

// Buckets of schema 3 to 8 that migration 9 folded into the others.
var (
	bucketIncidentsByStationV3 = []byte("incidents_by_station")
	bucketIncidentTasksV3      = []byte("incident_tasks")
)

// incidentBucketsV3 are the buckets migration 3 creates, as it was released.
var incidentBucketsV3 = [][]byte{
	bucketIncidents,
	bucketIncidentRegister,
	bucketIncidentsByStationV3,
	bucketIncidentsByDue,
	bucketIncidentTasksV3,
	bucketIncidentReports,
	bucketIncidentSettings,
	bucketIncidentBlobs,
}

func createIncidentsV3(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket")
	}
	for _, name := range incidentBucketsV3 {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}

// foldIncidentTasksV9 moves the report tasks beside their incidents'
// records, gives every register entry its tasks' headers (register entry
// version 2) and drops the index by station, which the register's walk
// replaces: an intake then writes two buckets fewer. It rewrites every
// page of the incidents and the register in one transaction: for 100,000
// incidents about two seconds, once, and memory about twice their size
// on disk (some 600 MB live at the peak).
func foldIncidentTasksV9(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket")
	}
	records, register := root.Bucket(bucketIncidents), root.Bucket(bucketIncidentRegister)
	if records == nil || register == nil {
		return fmt.Errorf("no v1/%s or v1/%s bucket", bucketIncidents, bucketIncidentRegister)
	}
	if tasks := root.Bucket(bucketIncidentTasksV3); tasks != nil {
		// Register entries first, while the tasks are still where version
		// 1 kept them; the new values are collected, then written, so no
		// cursor walks a bucket being changed.
		var keys, values [][]byte
		c := register.Cursor()
		tc := tasks.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != registerKeyLen || len(v) == 0 || v[0] != registerV1 {
				return fmt.Errorf("register entry %x is not a version 1 entry", k)
			}
			prefix := k[timeKeyLen:]
			var headers [][]byte
			for tk, tv := tc.Seek(prefix); tk != nil && bytes.HasPrefix(tk, prefix); tk, tv = tc.Next() {
				if len(tk) == 32 {
					headers = append(headers, tv)
				}
			}
			up, ok := upgradeRegisterV1(v, headers)
			if !ok {
				return fmt.Errorf("register entry %x or a task of its incident is damaged", k)
			}
			keys, values = append(keys, bytes.Clone(k)), append(values, up)
		}
		register.FillPercent = appendFillPercent
		for i := range keys {
			if err := register.Put(keys[i], values[i]); err != nil {
				return err
			}
		}
		// <incident id><task id> → task becomes <incident id> 't' <task
		// id>, and <task id> → incident id becomes <task id> 't'.
		for k, v := tc.First(); k != nil; k, v = tc.Next() {
			var key []byte
			switch len(k) {
			case 32:
				key = append(append(bytes.Clone(k[:16]), taskMark), k[16:]...)
			case 16:
				key = append(bytes.Clone(k), taskMark)
			default:
				return fmt.Errorf("task entry %x has an unknown key", k)
			}
			if err := records.Put(key, v); err != nil {
				return err
			}
		}
		if err := root.DeleteBucket(bucketIncidentTasksV3); err != nil {
			return err
		}
	}
	if root.Bucket(bucketIncidentsByStationV3) != nil {
		if err := root.DeleteBucket(bucketIncidentsByStationV3); err != nil {
			return err
		}
	}
	return nil
}
