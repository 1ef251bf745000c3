package hub

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// BenchmarkPushStationOps stores pushes of wire.MaxPushOps station.update
// operations (a county renaming its townships) into a tree of 2,001
// stations, each push in one commit as the writer makes it. Before the tree
// was kept in memory, every station operation re-read and re-indexed the
// whole tree from the file, and every push of every station committed
// together with such a push waited for that.
func BenchmarkPushStationOps(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	pref := app.Station{ID: app.NewID(), Code: "430000", Name: "州", Tier: app.TierPrefecture}
	list := []app.Station{pref}
	var county app.Station
	var townships []app.Station
	for c := range 20 {
		cs := app.Station{ID: app.NewID(), Code: fmt.Sprintf("43%02d00", c+1), Name: fmt.Sprintf("县%d", c), Tier: app.TierCounty, Parent: pref.ID}
		list = append(list, cs)
		for t := range 99 {
			ts := app.Station{ID: app.NewID(), Code: fmt.Sprintf("43%02d00%03d", c+1, t+1), Name: fmt.Sprintf("镇%d", t), Tier: app.TierTownship, Parent: cs.ID}
			list = append(list, ts)
			if c == 0 {
				townships = append(townships, ts)
			}
		}
		if c == 0 {
			county = cs
		}
	}
	if err := db.ImportStations(list); err != nil {
		b.Fatal(err)
	}
	stored, err := db.Stations()
	if err != nil {
		b.Fatal(err)
	}
	byID := map[app.ID]app.Station{}
	for _, s := range stored {
		byID[s.ID] = s
	}
	var st0 *txState
	if err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		st0, err = newTxState(tx, TreeRouter{}, now)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	tree, head := st0.tree, st0.head
	var seq uint64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ops := make([]app.Operation, wire.MaxPushOps)
		for i := range ops {
			seq++
			s := byID[townships[i%len(townships)].ID]
			s.Name = fmt.Sprintf("镇%d", seq)
			s.UpdatedAt = now.Add(time.Duration(seq))
			payload, _ := json.Marshal(s)
			ops[i] = app.Operation{ID: app.NewID(), Origin: county.ID, Seq: seq, Author: "基准", At: now, Kind: app.OpStationUpdate, Entity: s.ID, Payload: payload}
		}
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			st := &txState{router: TreeRouter{}, tree: tree, head: head, now: now}
			res, err := applyPush(tx, st, county.ID, ops)
			if err == nil && (res.stored != len(ops) || len(res.refused) > 0) {
				err = fmt.Errorf("stored %d of %d: %+v", res.stored, len(ops), res.refused)
			}
			tree, head = st.tree, st.head
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*wire.MaxPushOps), "ns/station-op")
}
