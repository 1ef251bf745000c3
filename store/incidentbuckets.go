package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The incident buckets; buckets.go draws their keys and values.
//
// An intake must be on disk within a small margin of a bare fsynced write,
// and every page a commit dirties is written before the fsync. So what an
// intake writes shares pages where it can: an incident's events sit beside
// its record, and a task's id entry beside the task (uuid v7 keys of the
// same moment land on the same right-edge page).
var (
	bucketIncidents          = []byte("incidents")
	bucketIncidentRegister   = []byte("incident_register")
	bucketIncidentsByStation = []byte("incidents_by_station")
	bucketIncidentsByDue     = []byte("incidents_by_due")
	bucketIncidentTasks      = []byte("incident_tasks")
	bucketIncidentReports    = []byte("incident_reports")
	bucketIncidentSettings   = []byte("incident_settings")
	bucketIncidentBlobs      = []byte("incident_blobs")
)

var incidentBuckets = [][]byte{
	bucketIncidents,
	bucketIncidentRegister,
	bucketIncidentsByStation,
	bucketIncidentsByDue,
	bucketIncidentTasks,
	bucketIncidentReports,
	bucketIncidentSettings,
	bucketIncidentBlobs,
}

func createIncidentsV3(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket")
	}
	for _, name := range incidentBuckets {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}
