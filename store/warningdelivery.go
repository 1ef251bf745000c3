package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/warning"
)

// A warning's delivery at each receiving station (warning.OpDeliver): the
// receiving client writes one when it stores the warning and sends it up
// the tree; the issuer's progress then tells 未送达 from 已送达未签收.

var bucketWarningDeliveries = []byte("warning_deliveries")

const opWarningDeliver = warning.OpDeliver

// createDeliveryBucketsV14 adds the warning deliveries bucket.
func createDeliveryBucketsV14(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the warning deliveries to")
	}
	if _, err := root.CreateBucketIfNotExists(bucketWarningDeliveries); err != nil {
		return fmt.Errorf("create v1/%s: %w", bucketWarningDeliveries, err)
	}
	return nil
}

func putDelivery(tx *txn, d *warning.Delivery) ([]byte, error) {
	b, err := mustBucket(tx.Tx, bucketWarningDeliveries)
	if err != nil {
		return nil, err
	}
	buf, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return buf, b.Put(pairKey(d.Warning, d.Station), buf)
}

// deliveriesOf returns the deliveries of one warning.
func deliveriesOf(tx *txn, w app.ID) ([]warning.Delivery, error) {
	b, err := mustBucket(tx.Tx, bucketWarningDeliveries)
	if err != nil {
		return nil, err
	}
	var list []warning.Delivery
	c := b.Cursor()
	for k, v := c.Seek(w[:]); k != nil && bytes.HasPrefix(k, w[:]); k, v = c.Next() {
		var d warning.Delivery
		if err := unmarshalRecord(v, &d); err != nil {
			return nil, app.Errorf(app.ECORRUPT, "a delivery of warning %s is damaged: %s", w, app.ErrorMessage(err))
		}
		list = append(list, d)
	}
	return list, nil
}

// deliveredHere records, at a receiving station, that warning w has just
// been stored here, and queues the delivery up the tree. Nothing is said
// before this client has chosen its station, or for a warning that does
// not reach it.
func deliveredHere(tx *txn, w *warning.Warning) error {
	self, err := identityID(tx.Tx)
	if err != nil || self == app.NilID {
		return err
	}
	stations, err := allStations(tx)
	if err != nil {
		return err
	}
	if !warning.Reaches(app.NewTree(stations), w, self) {
		return nil
	}
	d := warning.Delivery{Warning: w.ID, Station: self, At: tx.now}
	buf, err := putDelivery(tx, &d)
	if err != nil {
		return err
	}
	return appendAlertOp(tx, opWarningDeliver, w.ID, buf, app.ScopeUp, nil)
}

// applyWarningDelivery takes in another station's delivery. Like an ack,
// it is kept even for a warning not held here (a station above the issuer
// sees the deliveries' path but not the warning's); the first one counts.
func applyWarningDelivery(tx *txn, op *app.Operation) (string, error) {
	var d warning.Delivery
	if err := unmarshalRecord(op.Payload, &d); err != nil {
		return "warning delivery: " + app.ErrorMessage(err), nil
	}
	if err := d.Validate(); err != nil {
		return "warning delivery: " + err.Error(), nil
	}
	switch {
	case d.Warning != op.Entity:
		return fmt.Sprintf("the payload is a delivery of warning %s but the operation names %s", d.Warning, op.Entity), nil
	case d.Station != op.Origin:
		return fmt.Sprintf("the delivery names station %s but came from station %s; a station reports only its own", d.Station, op.Origin), nil
	}
	if w, err := getWarning(tx, d.Warning); err == nil {
		stations, err := allStations(tx)
		if err != nil {
			return "", err
		}
		if !warning.Reaches(app.NewTree(stations), w, d.Station) {
			return fmt.Sprintf("warning %s does not reach station %s", w.ID, d.Station), nil
		}
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	b, err := mustBucket(tx.Tx, bucketWarningDeliveries)
	if err != nil {
		return "", err
	}
	if b.Get(pairKey(d.Warning, d.Station)) != nil {
		return "", nil
	}
	_, err = putDelivery(tx, &d)
	return "", err
}
