package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// A file of schema 8 keeps report tasks in their own bucket, register
// entries without them and an index by station. Migration 9 folds them in:
// afterwards the register, the statistics, every task and every timeline
// read as before, and the old buckets are gone.
func TestIncidentMigrationFoldsTasks(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree := newBenchTree(t, db)
	end := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fillIncidents(t, db, tree, 400, end)
	db.Now = func() time.Time { return end }
	svc := NewIncidents(db)
	actx := app.WithAuthor(context.Background(), "值班员")
	// One with a report signed and sent, so tasks differ in every field
	// the headers keep.
	inc := tree.intake(end.Add(-time.Hour))
	if _, _, err := svc.CreateIncident(actx, inc); err != nil {
		t.Fatal(err)
	}
	r := &incident.Report{Incident: inc.ID, Station: inc.Station, Kind: incident.KindInitial, Text: "初报：货车侧翻，一人死亡。"}
	if _, err := svc.AddReport(actx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignReport(actx, r.ID, "彭局长"); err != nil {
		t.Fatal(err)
	}
	first, err := svc.Tasks(actx, incident.TaskFilter{Incident: &inc.ID})
	if err != nil || len(first) == 0 {
		t.Fatal(first, err)
	}
	if err := svc.SendTask(actx, first[0].ID); err != nil {
		t.Fatal(err)
	}

	type snapshot struct {
		page     []incident.Incident
		total    int
		overdue  int
		county   int
		stats    *incident.Stats
		tasks    map[app.ID][]incident.ReportTask
		byID     map[app.ID]incident.ReportTask
		timeline []incident.Event
		open     []incident.ReportTask
	}
	cst := time.FixedZone("CST", 8*3600)
	take := func(svc *Incidents) snapshot {
		t.Helper()
		var s snapshot
		var err error
		if s.page, s.total, err = svc.Incidents(actx, incident.Filter{Limit: 1000}); err != nil {
			t.Fatal(err)
		}
		yes := true
		if _, s.overdue, err = svc.Incidents(actx, incident.Filter{Overdue: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, s.county, err = svc.Incidents(actx, incident.Filter{Station: &tree.luxi.ID}); err != nil {
			t.Fatal(err)
		}
		if s.stats, err = svc.Stats(actx, incident.Filter{}, cst); err != nil {
			t.Fatal(err)
		}
		s.tasks, s.byID = map[app.ID][]incident.ReportTask{}, map[app.ID]incident.ReportTask{}
		for _, inc := range s.page {
			ts, err := svc.Tasks(actx, incident.TaskFilter{Incident: &inc.ID})
			if err != nil {
				t.Fatal(err)
			}
			s.tasks[inc.ID] = ts
			for _, task := range ts {
				got, err := svc.FindTaskByID(actx, task.ID)
				if err != nil {
					t.Fatal(err)
				}
				s.byID[task.ID] = *got
			}
		}
		if s.timeline, err = svc.Timeline(actx, inc.ID); err != nil {
			t.Fatal(err)
		}
		if s.open, err = svc.Tasks(actx, incident.TaskFilter{From: &tree.aizhai.ID, Open: &yes}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := take(svc)
	if before.total != 401 || len(before.byID) < 401 || before.county == 0 || before.overdue == 0 || len(before.timeline) < 5 {
		t.Fatalf("fixture: %d incidents, %d tasks, %d in the county, %d overdue, %d events",
			before.total, len(before.byID), before.county, before.overdue, len(before.timeline))
	}

	// Write the incidents as schema 8 did.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketV1)
		records, register := root.Bucket(bucketIncidents), root.Bucket(bucketIncidentRegister)
		tasks, err := root.CreateBucket(bucketIncidentTasksV3)
		if err != nil {
			return err
		}
		byStation, err := root.CreateBucket(bucketIncidentsByStationV3)
		if err != nil {
			return err
		}
		var moved [][]byte
		c := records.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			switch {
			case isTaskKey(k):
				err = tasks.Put(append(bytes.Clone(k[:16]), k[17:]...), v)
			case len(k) == 17 && k[16] == taskMark:
				err = tasks.Put(bytes.Clone(k[:16]), v)
			default:
				continue
			}
			if err != nil {
				return err
			}
			moved = append(moved, bytes.Clone(k))
		}
		for _, k := range moved {
			if err := records.Delete(k); err != nil {
				return err
			}
		}
		if err := tasks.SetSequence(uint64(len(moved) / 2)); err != nil {
			return err
		}
		var keys, values [][]byte
		var rr registerReader
		rc := register.Cursor()
		for k, v := rc.First(); k != nil; k, v = rc.Next() {
			if !rr.decode(k, v) {
				t.Fatalf("register entry %x does not decode", k)
			}
			n := len(rr.tasks) / registerTaskLen
			v1 := append([]byte{registerV1}, v[1:len(v)-len(rr.tasks)-len(binary.AppendUvarint(nil, uint64(n)))]...)
			keys, values = append(keys, bytes.Clone(k)), append(values, v1)
			place := rr.inc.Place.Station
			if place == app.NilID {
				place = rr.inc.Station
			}
			if err := byStation.Put(pairKey(place, rr.inc.ID), bytes.Clone(k[:timeKeyLen])); err != nil {
				return err
			}
		}
		for i := range keys {
			if err := register.Put(keys[i], values[i]); err != nil {
				return err
			}
		}
		return root.Bucket(bucketMeta).Put(keySchema, u64Key(8))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	if db.SchemaVersion() != SchemaVersion {
		t.Fatalf("schema %d", db.SchemaVersion())
	}
	db.Now = func() time.Time { return end }
	after := take(NewIncidents(db))
	if !reflect.DeepEqual(before, after) {
		t.Errorf("after migrating:\n%+v\nbefore:\n%+v", after.stats, before.stats)
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketIncidentTasksV3, bucketIncidentsByStationV3} {
			if bucket(tx, name) != nil {
				t.Errorf("v1/%s is still there", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
