package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The incident buckets; buckets.go draws their keys and values.
var (
	bucketIncidents          = []byte("incidents")
	bucketIncidentRegister   = []byte("incident_register")
	bucketIncidentsByStation = []byte("incidents_by_station")
	bucketIncidentsByDue     = []byte("incidents_by_due")
	bucketIncidentTasks      = []byte("incident_tasks")
	bucketIncidentTaskIDs    = []byte("incident_task_ids")
	bucketIncidentTasksOpen  = []byte("incident_tasks_open")
	bucketIncidentReports    = []byte("incident_reports")
	bucketIncidentReportIDs  = []byte("incident_report_ids")
	bucketIncidentEvents     = []byte("incident_events")
	bucketIncidentSettings   = []byte("incident_settings")
	bucketIncidentBlobs      = []byte("incident_blobs")
)

var incidentBuckets = [][]byte{
	bucketIncidents,
	bucketIncidentRegister,
	bucketIncidentsByStation,
	bucketIncidentsByDue,
	bucketIncidentTasks,
	bucketIncidentTaskIDs,
	bucketIncidentTasksOpen,
	bucketIncidentReports,
	bucketIncidentReportIDs,
	bucketIncidentEvents,
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
