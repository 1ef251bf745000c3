package store

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// An intake's operation and payload, put together from parts encoded
// before the transaction, are byte for byte what json.Marshal writes: the
// hub and the receiving stations read them as any other operation.
func TestPreparedIntakeEncodesAsMarshal(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	tree := newBenchTree(t, db)
	svc := NewIncidents(db)
	actx := app.WithAuthor(context.Background(), `值班员 "<seq>" & ,"seq":1,`)

	for _, counts := range []incident.Counts{{}, {Dead: 1, Injured: 2}, {Dead: 12}} {
		n := tree.intake(time.Now().Add(-time.Minute))
		n.Counts = counts
		n.Description = `<b>"引号"</b> & \ 反斜杠 ` + "\u2028"
		var p *preparedIntake
		err := db.view(actx, func(tx *txn) (err error) {
			p, err = prepareIntake(tx, &svc.stations, n, time.Now().UTC())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got := p.op.encode(12345)
		op, err := DecodeOperation(got)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("operation\n%s\nwant\n%s", got, want)
		}
		if op.Seq != 12345 || op.Kind != incident.OpIncidentCreate || op.Entity != p.inc.ID || op.Scope != app.ScopeNone || len(op.To) == 0 {
			t.Errorf("operation %+v", op)
		}
		var ch change
		if err := json.Unmarshal(op.Payload, &ch); err != nil {
			t.Fatal(err)
		}
		payload, err := json.Marshal(change{Incident: &p.inc, Assessment: &p.a, Tasks: p.tasks, Events: ch.Events})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(op.Payload, payload) || len(ch.Events) < 2 {
			t.Fatalf("payload\n%s\nwant\n%s", op.Payload, payload)
		}
	}

	// Without tasks the list is left out, as omitempty does.
	record := []byte(`{"id":"x"}`)
	a := &incident.Assessment{Grade: incident.GradeGeneral}
	got, err := createPayload(record, a, nil, [][]byte{[]byte(`{"e":1}`), []byte(`{"e":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	aj, _ := json.Marshal(a)
	if want := `{"incident":{"id":"x"},"assessment":` + string(aj) + `,"events":[{"e":1},{"e":2}]}`; string(got) != want {
		t.Errorf("payload %s, want %s", got, want)
	}
}

// A prepared intake notices a change to what it was built from.
func TestPreparedIntakeSeesChangedInputs(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checkOnCleanup(t, db)
	tree := newBenchTree(t, db)
	svc := NewIncidents(db)
	actx := app.WithAuthor(context.Background(), "值班员")
	prepare := func() *preparedIntake {
		var p *preparedIntake
		err := db.view(actx, func(tx *txn) (err error) {
			p, err = prepareIntake(tx, &svc.stations, tree.intake(time.Now().Add(-time.Minute)), time.Now().UTC())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	unchanged := func(p *preparedIntake) bool {
		var ok bool
		if err := db.view(actx, func(tx *txn) error { ok = p.inputs.unchanged(tx); return nil }); err != nil {
			t.Fatal(err)
		}
		return ok
	}

	p := prepare()
	if !unchanged(p) {
		t.Fatal("nothing changed, but the intake says it must be built again")
	}
	// Settings of the county above: the thresholds and rules may differ.
	st := incident.DefaultSettings()
	st.Rules.FirstReport = 30 * time.Minute
	if err := svc.SetSettings(actx, tree.jishou.ID, st); err != nil {
		t.Fatal(err)
	}
	if unchanged(p) {
		t.Error("settings changed above the station, unnoticed")
	}
	// A station of the place's lineage renamed: the timeline names it.
	p = prepare()
	dir := NewDirectory(db)
	village := tree.dehang
	village.Name = "德夯苗寨"
	if err := dir.UpdateStation(actx, &village); err != nil {
		t.Fatal(err)
	}
	if unchanged(p) {
		t.Error("the place's station changed, unnoticed")
	}

	// A change between an intake's reading and its writing: the intake is
	// built again in the writing transaction, by the rules stored then.
	st.Rules.FirstReport = 20 * time.Minute
	intakePrepared = func() {
		intakePrepared = func() {}
		if err := svc.SetSettings(actx, tree.jishou.ID, st); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { intakePrepared = func() {} })
	inc := tree.intake(time.Now().Add(-time.Minute))
	_, tasks, err := svc.CreateIncident(actx, inc)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) == 0 || !tasks[0].Due.Equal(inc.ReceivedAt.Add(20*time.Minute)) {
		t.Errorf("tasks %+v, want the first due 20 minutes after receipt", tasks)
	}
	stored, err := svc.Tasks(actx, incident.TaskFilter{Incident: &inc.ID})
	if err != nil || len(stored) != len(tasks) || !stored[0].Due.Equal(tasks[0].Due) {
		t.Errorf("stored tasks %+v, %v", stored, err)
	}
}
