package store_test

import (
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/store"
)

// The county's schedule calls its township every morning; a record of
// this morning's call stops it being due, and the records read back in
// order from a day.
func TestConsultTestCalls(t *testing.T) {
	tr := newTree(t)
	county := stationsAt(t, tr, tr.county)
	svc := store.NewTestCalls(county)
	sc, err := svc.TestSchedule(ctx)
	if err != nil || sc.Enabled || sc.Minute != 8*60+30 {
		t.Fatalf("default schedule: %+v, %v", sc, err)
	}
	wantCode(t, svc.SetTestSchedule(ctx, consult.TestSchedule{Enabled: true, Minute: 510, Stations: []app.ID{tr.village.ID}}), app.ENOTFOUND)
	wantCode(t, svc.SetTestSchedule(ctx, consult.TestSchedule{Enabled: true, Minute: 510, Stations: []app.ID{tr.prefecture.ID}}), app.ENOTFOUND)
	wantCode(t, svc.SetTestSchedule(ctx, consult.TestSchedule{Enabled: true, Minute: 2000}), app.EINVALID)

	t0 := time.Date(2026, 11, 30, 0, 30, 0, 0, time.UTC) // 08:30 in China, a Monday
	clockAt(county, t0)
	if err := svc.SetTestSchedule(ctx, consult.TestSchedule{Enabled: true, Minute: 30, Days: []time.Weekday{time.Friday, time.Monday}}); err != nil {
		t.Fatal(err)
	}
	sc, _ = svc.TestSchedule(ctx)
	if !sc.Enabled || !slices.Equal(sc.Days, []time.Weekday{time.Monday, time.Friday}) || sc.UpdatedBy != "张值班" || !sc.UpdatedAt.Equal(t0) {
		t.Fatalf("saved schedule: %+v", sc)
	}
	if got, err := svc.TestTargets(ctx); err != nil || !slices.Equal(got, []app.ID{tr.township.ID}) {
		t.Fatalf("targets %v, %v: want the township only (the village keeps no duty room)", got, err)
	}
	if got, _ := svc.DueTestCalls(ctx, t0.Add(-time.Minute)); len(got) != 0 {
		t.Errorf("due before the time: %v", got)
	}
	due, err := svc.DueTestCalls(ctx, t0.Add(time.Minute))
	if err != nil || !slices.Equal(due, []app.ID{tr.township.ID}) {
		t.Fatalf("due %v, %v", due, err)
	}

	yesterday := consult.TestCall{Station: tr.township.ID, Started: t0.Add(-24 * time.Hour), Outcome: consult.NoAnswer}
	today := consult.TestCall{Station: tr.township.ID, Started: t0.Add(2 * time.Minute), Outcome: consult.Connected, Detail: " 0.4 s "}
	for _, c := range []*consult.TestCall{&today, &yesterday} {
		if err := svc.RecordTestCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, svc.RecordTestCall(ctx, &consult.TestCall{Station: tr.township.ID, Started: t0, Outcome: "busy"}), app.EINVALID)
	if got, _ := svc.DueTestCalls(ctx, t0.Add(3*time.Minute)); len(got) != 0 {
		t.Errorf("due again after this morning's call: %v", got)
	}
	all, err := svc.TestCallsSince(ctx, t0.Add(-48*time.Hour))
	if err != nil || len(all) != 2 || all[0].ID != yesterday.ID || all[1].Detail != "0.4 s" || all[1].Ended.IsZero() {
		t.Fatalf("records: %+v, %v", all, err)
	}
	if got, _ := svc.TestCallsSince(ctx, t0); len(got) != 1 || got[0].ID != today.ID {
		t.Errorf("records since this morning: %+v", got)
	}
}

// A zero start time reads every record from the first, oldest first, as
// one before 1970 does: neither is taken as a key beyond the last record.
func TestConsultTestCallsSinceZeroReadsAll(t *testing.T) {
	tr := newTree(t)
	county := stationsAt(t, tr, tr.county)
	svc := store.NewTestCalls(county)
	t0 := time.Date(2026, 11, 30, 0, 30, 0, 0, time.UTC)
	clockAt(county, t0)
	var want []app.ID
	for _, started := range []time.Time{t0.AddDate(-1, 0, 0), t0.Add(-24 * time.Hour), t0} {
		c := consult.TestCall{Station: tr.township.ID, Started: started, Outcome: consult.Connected}
		if err := svc.RecordTestCall(ctx, &c); err != nil {
			t.Fatal(err)
		}
		want = append(want, c.ID)
	}
	for _, since := range []time.Time{{}, time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0)} {
		got, err := svc.TestCallsSince(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]app.ID, len(got))
		for i, c := range got {
			ids[i] = c.ID
		}
		if !slices.Equal(ids, want) {
			t.Errorf("records since %v: %v, want every one oldest first %v", since, ids, want)
		}
	}
}
