package hub

import (
	"encoding/json"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
)

// A hub file from before owners were kept has a log but no owners bucket.
// The first push that needs owners learns them from the log, so a record
// created before the upgrade is still its creator's: the consultation's
// take-over is refused, the host's own end admitted.
func TestOwnersLearnedFromTheLogOfAnOlderHub(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	c := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID}
	town := app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: c.ID}
	if err := db.ImportStations([]app.Station{p, c, town}); err != nil {
		t.Fatal(err)
	}
	room := app.NewID()
	consultOp := func(origin app.ID, seq uint64, kind string, host app.ID) app.Operation {
		payload, _ := json.Marshal(consult.Consultation{ID: room, Host: host, Title: "会商", Invited: []app.ID{town.ID}, State: consult.Live, CreatedAt: now})
		return app.Operation{ID: app.NewID(), Origin: origin, Seq: seq, At: now, Kind: kind, Entity: room, Payload: payload, To: []app.ID{town.ID}, Scope: app.ScopeNone}
	}
	push := func(station app.ID, ops ...app.Operation) pushResult {
		var res pushResult
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			st, err := newTxState(tx, TreeRouter{}, now)
			if err != nil {
				return err
			}
			res, err = applyPush(tx, st, station, ops)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := push(c.ID, consultOp(c.ID, 1, consult.OpStart, c.ID)); res.stored != 1 {
		t.Fatalf("the host's start: %+v", res)
	}
	// What an older hub's file looks like: the same log, no owners.
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketRoot).DeleteBucket(bucketOwners) }); err != nil {
		t.Fatal(err)
	}
	res := push(town.ID, consultOp(town.ID, 1, consult.OpStart, town.ID))
	if len(res.refused) != 1 || res.refused[0].Code != wire.CodeForbidden {
		t.Fatalf("the take-over after the upgrade: %+v", res)
	}
	if res := push(c.ID, consultOp(c.ID, 2, consult.OpEnd, c.ID)); res.stored != 1 {
		t.Fatalf("the host's end after the upgrade: %+v", res)
	}
}
