package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/store"
)

// The demo with a hub runs several duty rooms of one prefecture, each in
// its own data folder. Their trees must be one tree: a person added at the
// county names the county by id, and the prefecture must know that id. So
// the shared demo gives every station and person an id derived from what
// it is, the same in every folder and in the hub's import.

// demoPrefecture is the code of the demo's prefecture, the station a
// single-machine demo (-demo -serve) runs as.
const demoPrefecture = "433100"

// demoTime is when the shared demo's records say they were made. Ids carry
// it too, as uuid v7 does, so they sort in the order the demo lists them.
var demoTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// demoID is a uuid v7 whose time is demoTime plus n milliseconds and whose
// random bits come from key.
func demoID(n int, key string) app.ID {
	sum := sha256.Sum256([]byte("dutyroom demo/" + key))
	var id app.ID
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(demoTime.UnixMilli())+uint64(n))
	copy(id[:6], ms[2:])
	copy(id[6:], sum[:10])
	id[6] = id[6]&0x0f | 0x70 // version 7
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

// sharedDemo is the demo prefecture with ids that are the same every time.
func sharedDemo() ([]app.Station, []app.Person) {
	stations, persons := demo.Prefecture()
	ids := make(map[app.ID]app.ID, len(stations))
	for i := range stations {
		s := &stations[i]
		id := demoID(i, "station/"+s.Code)
		ids[s.ID] = id
		s.ID = id
		s.CreatedAt, s.UpdatedAt = demoTime, demoTime
	}
	for i := range stations {
		if p := stations[i].Parent; p != app.NilID {
			stations[i].Parent = ids[p]
		}
	}
	for i := range persons {
		p := &persons[i]
		p.ID = demoID(len(stations)+i, fmt.Sprintf("person/%d", i))
		p.Station = ids[p.Station]
		p.CreatedAt, p.UpdatedAt = demoTime, demoTime
	}
	return stations, persons
}

// seedSharedDemo fills an empty data folder with the shared demo and makes
// it the station with the given code. The records are taken in as if the
// hub had delivered them, not queued as this folder's own changes: every
// duty room of the demo already has them, and the hub has the stations
// from its import, so sending them would only be refused as known.
func seedSharedDemo(ctx context.Context, db *store.DB, code string) (bool, error) {
	dir := store.NewDirectory(db)
	existing, err := dir.Stations(ctx)
	if err != nil {
		return false, err
	}
	if len(existing) > 0 {
		return false, nil
	}
	stations, persons := sharedDemo()
	var me *app.Station
	var known []string
	for i := range stations {
		if stations[i].Code == code {
			me = &stations[i]
		}
		if stations[i].Tier <= app.TierTownship && len(known) < 12 {
			known = append(known, stations[i].Code+" "+stations[i].Name)
		}
	}
	if me == nil {
		return false, app.Errorf(app.ENOTFOUND, "the demo prefecture has no station %s; for example: %s", code, strings.Join(known, ", "))
	}
	root := stations[0].ID
	ops := make([]app.Operation, 0, len(stations)+len(persons))
	add := func(kind string, entity app.ID, record any) error {
		payload, err := json.Marshal(record)
		if err != nil {
			return err
		}
		n := len(ops)
		ops = append(ops, app.Operation{
			ID: demoID(n, "op/"+entity.String()), Origin: root, Seq: uint64(n + 1), Author: "demo",
			At: demoTime, Kind: kind, Entity: entity, Payload: payload,
		})
		return nil
	}
	for i := range stations {
		if err := add(app.OpStationCreate, stations[i].ID, &stations[i]); err != nil {
			return false, err
		}
	}
	for i := range persons {
		if err := add(app.OpPersonCreate, persons[i].ID, &persons[i]); err != nil {
			return false, err
		}
	}
	// No epoch: the first connection to a hub reads its log from the start.
	res, err := db.ApplyIncoming(ctx, "", 0, ops)
	if err != nil {
		return false, err
	}
	if res.Applied != len(ops) {
		kept, _ := db.KeptOps(ctx, 1)
		reason := ""
		if len(kept) > 0 {
			reason = ": " + kept[0].Reason
		}
		return false, app.Errorf(app.EINTERNAL, "the demo took in %d of %d records%s", res.Applied, len(ops), reason)
	}
	return true, store.NewIdentity(db).SetIdentity(ctx, me.ID)
}

// stationsForHub returns the tree in the form `dutyhub station import`
// reads, parents first.
func stationsForHub(stations []app.Station) []app.Station {
	tree := app.NewTree(stations)
	out := make([]app.Station, 0, len(stations))
	var walk func(parent app.ID)
	walk = func(parent app.ID) {
		for _, s := range tree.Children(parent) {
			out = append(out, *s)
			walk(s.ID)
		}
	}
	walk(app.NilID)
	return out
}
