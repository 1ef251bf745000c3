package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
)

// A spot check's arrival at its target (spotcheck.OpArrive): the target's
// client writes one when it stores the check and sends it back to the
// issuer and the stations above it; each holder keeps the first it
// receives, with the time it received it, which bounds the claim
// (spotcheck.Check.ArrivedAt). The issuer's open entry in spotcheck_due
// moves from the start's deadline to the arrival's.

var bucketSpotCheckArrivals = []byte("spotcheck_arrivals")

const opSpotCheckArr = spotcheck.OpArrive

// storedArrival is the stored form: the arrival and when it was received
// here, which the synced payload does not carry.
type storedArrival struct {
	Check    app.ID    `json:"check"`
	Station  app.ID    `json:"station"`
	At       time.Time `json:"at"`
	Received time.Time `json:"received"`
}

// createSpotCheckArrivalsV16 adds the arrivals bucket, and the warning
// deliveries (createDeliveryBucketsV14): both are how the issuer learns a
// record reached the station it was for. Every check already
// stored is given an arrival at its start: the rule when it was made
// counted the time to answer from the start, and its outcome, already
// recorded and ranked, must not change under it.
func createSpotCheckArrivalsV16(tx *bolt.Tx) error {
	if err := createDeliveryBucketsV14(tx); err != nil {
		return err
	}
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the spot-check arrivals to")
	}
	arr, err := root.CreateBucketIfNotExists(bucketSpotCheckArrivals)
	if err != nil {
		return fmt.Errorf("create v1/%s: %w", bucketSpotCheckArrivals, err)
	}
	checks := root.Bucket(bucketSpotChecks)
	if checks == nil {
		return nil
	}
	return checks.ForEach(func(k, v []byte) error {
		c, err := decodeCheck(k, v)
		if err != nil {
			return err
		}
		buf, err := json.Marshal(storedArrival{Check: c.ID, Station: c.Target, At: c.StartedAt, Received: c.StartedAt})
		if err != nil {
			return err
		}
		return arr.Put(idKey(c.ID), buf)
	})
}

func getSpotArrival(tx *txn, check app.ID) (*spotcheck.Arrival, error) {
	var s storedArrival
	if err := getSpotJSON(tx, bucketSpotCheckArrivals, check, &s, "the arrival of spot check"); err != nil {
		return nil, err
	}
	return &spotcheck.Arrival{Check: s.Check, Station: s.Station, At: s.At, Received: s.Received}, nil
}

func putSpotArrival(tx *txn, a *spotcheck.Arrival) ([]byte, error) {
	if _, err := putSpotJSON(tx, bucketSpotCheckArrivals, a.Check, storedArrival{Check: a.Check, Station: a.Station, At: a.At, Received: a.Received}); err != nil {
		return nil, err
	}
	return json.Marshal(a)
}

// arriveHere records, at the target, that check c has just reached it, and
// queues the arrival for the issuer and the stations above it. A check that
// arrives expired gets no open entry: nothing prompts for it.
func arriveHere(tx *txn, c *spotcheck.Check, self app.ID) error {
	a := spotcheck.Arrival{Check: c.ID, Station: self, At: tx.now, Received: tx.now}
	buf, err := putSpotArrival(tx, &a)
	if err != nil {
		return err
	}
	if err := deleteDue(tx, c); err != nil {
		return err
	}
	if !c.ExpiredAt(tx.now) {
		if err := putDueAt(tx, c, c.AnswerBy(tx.now), dueOfHere); err != nil {
			return err
		}
	}
	stations, err := allStations(tx)
	if err != nil {
		return err
	}
	tree := app.NewTree(stations)
	to := []app.ID{c.By}
	for _, anc := range tree.Ancestors(c.By) {
		to = append(to, anc.ID)
	}
	return appendAlertOp(tx, opSpotCheckArr, c.ID, buf, app.ScopeNone, to)
}

// applySpotArrival takes in an arrival from the checked station. The first one
// kept counts; at the issuer, a check still open is due again at the
// arrival's deadline (and not at all if it arrived expired).
func applySpotArrival(tx *txn, op *app.Operation) (string, error) {
	var a spotcheck.Arrival
	if err := unmarshalRecord(op.Payload, &a); err != nil {
		return "spot check arrival: " + app.ErrorMessage(err), nil
	}
	if err := a.Validate(); err != nil {
		return "spot check arrival: " + err.Error(), nil
	}
	switch {
	case a.Check != op.Entity:
		return fmt.Sprintf("the payload is the arrival of spot check %s but the operation names %s", a.Check, op.Entity), nil
	case a.Station != op.Origin:
		return fmt.Sprintf("the arrival names station %s but came from station %s; only the station checked reports it", a.Station, op.Origin), nil
	}
	c, err := getCheck(tx, a.Check)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return fmt.Sprintf("no spot check %s here to record the arrival of", a.Check), nil
	} else if err != nil {
		return "", err
	}
	if err := spotcheck.CheckArrival(c, &a); err != nil {
		return "spot check arrival: " + app.ErrorMessage(err), nil
	}
	if _, err := getSpotArrival(tx, c.ID); err == nil {
		return "", nil
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	self, err := identityID(tx.Tx)
	if err != nil {
		return "", err
	}
	// What the old open entry's key needs, before the arrival moves it.
	if self == c.By {
		if err := deleteDue(tx, c); err != nil {
			return "", err
		}
	}
	a.Received = tx.now
	if _, err := putSpotArrival(tx, &a); err != nil {
		return "", err
	}
	if self != c.By {
		return "", nil
	}
	r, err := spotRecordOf(tx, *c)
	if err != nil {
		return "", err
	}
	due, ok := r.Due()
	if !ok || r.Answer != nil || r.Result != nil {
		return "", nil
	}
	return "", putDueAt(tx, c, due, dueFromHere)
}
