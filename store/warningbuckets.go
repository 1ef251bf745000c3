package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The warning and spot-check buckets; buckets.go draws their keys.
var (
	bucketWarnings         = []byte("warnings")
	bucketWarningAcks      = []byte("warning_acks")
	bucketSpotChecks       = []byte("spotchecks")
	bucketSpotCheckAnswers = []byte("spotcheck_answers")
	bucketSpotCheckResults = []byte("spotcheck_results")
	bucketSpotCheckDue     = []byte("spotcheck_due")
	bucketSpotCheckConfig  = []byte("spotcheck_settings")
)

// createAlertsV5 adds the buckets of warnings and spot checks. Both are
// append-only streams between stations, so they share one step.
func createAlertsV5(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the warning and spot-check buckets to")
	}
	for _, name := range [][]byte{
		bucketWarnings, bucketWarningAcks,
		bucketSpotChecks, bucketSpotCheckAnswers, bucketSpotCheckResults, bucketSpotCheckDue, bucketSpotCheckConfig,
	} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}
