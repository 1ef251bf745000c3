package hub

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
)

// BenchmarkOwnAfterRestore measures finding one station's operations after
// a seq in a log of 200,000 operations from 2,000 stations (100 each, in
// turn, as a day of a prefecture's traffic interleaves them): through the
// own_seqs index, and by reading the whole log, the other way to answer
// own without an index. The station asks for its last 50.
func BenchmarkOwnAfterRestore(b *testing.B) {
	const stations, perStation, after = 2000, 100, 50
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	origins := make([]app.ID, stations)
	for i := range origins {
		origins[i] = app.NewID()
	}
	payload := json.RawMessage(`{"text":"汛情通报：某某镇某某村发生山体滑坡，无人员伤亡，已转移群众十二户"}`)
	at := time.Now().UTC()
	for seq := uint64(1); seq <= perStation; seq++ {
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			st := &txState{head: lastPosition(tx), now: at}
			for _, o := range origins {
				op := app.Operation{ID: app.NewID(), Origin: o, Seq: seq, Author: "测试", At: at, Kind: "roster.log", Entity: app.NewID(), Payload: payload}
				if err := st.append(tx, &op, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	station := origins[stations/2]

	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			var page ownPage
			err := db.bolt.View(func(tx *bolt.Tx) (err error) {
				page, err = readOwn(tx, station, after, "own")
				return err
			})
			if err != nil || page.entries != perStation-after {
				b.Fatalf("%d entries, %v", page.entries, err)
			}
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			n := 0
			err := db.bolt.View(func(tx *bolt.Tx) error {
				c := bucket(tx, bucketLog).Cursor()
				for k, v := c.First(); k != nil; k, v = c.Next() {
					var head struct {
						Origin app.ID `json:"origin"`
						Seq    uint64 `json:"seq"`
					}
					if err := json.Unmarshal(v, &head); err != nil {
						return err
					}
					if head.Origin == station && head.Seq > after {
						n++
					}
				}
				return nil
			})
			if err != nil || n != perStation-after {
				b.Fatal(fmt.Sprint(n, err))
			}
		}
	})
}
