package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

func TestDutyLogEntriesInOrder(t *testing.T) {
	d := newDemoRosters(t)
	on := day(t, "2026-10-03")
	base := time.Date(2026, 10, 3, 1, 0, 0, 0, time.UTC)
	// Written up out of order: the call at 09:40 is logged after the
	// instruction at 10:05.
	entries := []roster.LogEntry{
		{Station: d.county.ID, Day: on, At: base.Add(65 * time.Minute), Kind: roster.LogInstruction, Text: "转达州局指示：加强节日值守"},
		{Station: d.county.ID, Day: on, At: base.Add(40 * time.Minute), Kind: roster.LogCall, Text: "矮寨镇报告：景区游客滞留"},
		{Station: d.county.ID, Day: on, At: base.Add(3 * time.Hour), Kind: roster.LogEvent, Text: "滞留游客已疏散"},
	}
	n := outboxLen(t, d.db)
	officer := app.WithAuthor(context.Background(), "田值班员")
	for i := range entries {
		if err := d.r.AddLogEntry(officer, &entries[i]); err != nil {
			t.Fatal(err)
		}
		if entries[i].ID == app.NilID || entries[i].Author != "田值班员" {
			t.Errorf("entry %d stored as %+v", i, entries[i])
		}
	}
	got, err := d.r.LogEntries(ctx, d.county.ID, on)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{entries[1].Text, entries[0].Text, entries[2].Text}
	var texts []string
	for _, e := range got {
		texts = append(texts, e.Text)
	}
	if !slices.Equal(texts, want) {
		t.Errorf("log order %v, want %v", texts, want)
	}
	if kinds := opsSince(t, d.db, n); !slices.Equal(kinds, []string{roster.OpLog, roster.OpLog, roster.OpLog}) {
		t.Errorf("operations %v", kinds)
	}
	if other, _ := d.r.LogEntries(ctx, d.county.ID, on.AddDays(1)); len(other) != 0 {
		t.Errorf("the next day's log holds %d entries", len(other))
	}
	empty := roster.LogEntry{Station: d.county.ID, Day: on, At: base, Kind: roster.LogCall, Text: "  "}
	wantCode(t, d.r.AddLogEntry(ctx, &empty), app.EINVALID)
	unknown := roster.LogEntry{Station: app.NewID(), Day: on, At: base, Kind: roster.LogCall, Text: "x"}
	wantCode(t, d.r.AddLogEntry(ctx, &unknown), app.ENOTFOUND)
}

func TestCheckIn(t *testing.T) {
	d := newDemoRosters(t)
	d.generate(t, "2026-10-01", "2026-10-31")
	on := day(t, "2026-10-13")
	officer := d.holder(t, "2026-10-13", officerPost)
	at := time.Date(2026, 10, 13, 0, 25, 0, 0, time.UTC)
	if err := d.r.CheckIn(ctx, &roster.CheckIn{Station: d.county.ID, Day: on, Person: officer, At: at}); err != nil {
		t.Fatal(err)
	}
	got, err := d.r.CheckIns(ctx, d.county.ID, on)
	if err != nil || len(got) != 1 || got[0].Person != officer || !got[0].At.Equal(at) {
		t.Errorf("check-ins %+v, %v", got, err)
	}
	again := roster.CheckIn{Station: d.county.ID, Day: on, Person: officer, At: at.Add(time.Minute)}
	wantCode(t, d.r.CheckIn(ctx, &again), app.ECONFLICT)
	var offDuty app.ID
	for _, p := range d.staff {
		if duties, _ := d.r.PersonDuties(ctx, p.ID, on, on); len(duties) == 0 {
			offDuty = p.ID
			break
		}
	}
	wantCode(t, d.r.CheckIn(ctx, &roster.CheckIn{Station: d.county.ID, Day: on, Person: offDuty, At: at}), app.ECONFLICT)
	if got, _ := d.r.CheckIns(ctx, d.county.ID, on); len(got) != 1 {
		t.Errorf("refused check-ins were stored: %+v", got)
	}
}

func TestHandoverOutgoingThenIncoming(t *testing.T) {
	d := newDemoRosters(t)
	d.generate(t, "2026-10-01", "2026-10-31")
	on := day(t, "2026-10-13")
	out := d.holder(t, "2026-10-13", officerPost)
	in := d.holder(t, "2026-10-14", officerPost)
	outAt := time.Date(2026, 10, 14, 0, 25, 0, 0, time.UTC)
	inAt := outAt.Add(7 * time.Minute)

	_, err := d.r.Handover(ctx, d.county.ID, on)
	wantCode(t, err, app.ENOTFOUND)
	wantCode(t, d.r.ConfirmHandover(ctx, d.county.ID, on, in, inAt), app.ENOTFOUND)

	h := roster.Handover{Station: d.county.ID, Day: on, Outgoing: out, OutAt: outAt,
		OpenMatters: []string{"矮寨镇滞留游客返程情况待跟进", " ", "州局要求18时前报送节日值守情况"}}
	n := outboxLen(t, d.db)
	if err := d.r.HandOver(ctx, &h); err != nil {
		t.Fatal(err)
	}
	wantCode(t, d.r.HandOver(ctx, &roster.Handover{Station: d.county.ID, Day: on, Outgoing: out, OutAt: outAt}), app.ECONFLICT)
	wantCode(t, d.r.ConfirmHandover(ctx, d.county.ID, on, out, inAt), app.EINVALID)                 // to oneself
	wantCode(t, d.r.ConfirmHandover(ctx, d.county.ID, on, in, outAt.Add(-time.Hour)), app.EINVALID) // before it was handed over
	if err := d.r.ConfirmHandover(ctx, d.county.ID, on, in, inAt); err != nil {
		t.Fatal(err)
	}
	wantCode(t, d.r.ConfirmHandover(ctx, d.county.ID, on, in, inAt), app.ECONFLICT)

	got, err := d.r.Handover(ctx, d.county.ID, on)
	if err != nil {
		t.Fatal(err)
	}
	if got.OutgoingName != d.byID[out].Name || !got.OutAt.Equal(outAt) || got.IncomingName != d.byID[in].Name || !got.InAt.Equal(inAt) || !got.Confirmed() {
		t.Errorf("handover %+v", got)
	}
	if !slices.Equal(got.OpenMatters, []string{"矮寨镇滞留游客返程情况待跟进", "州局要求18时前报送节日值守情况"}) {
		t.Errorf("open matters %q", got.OpenMatters)
	}
	if kinds := opsSince(t, d.db, n); !slices.Equal(kinds, []string{roster.OpHandover, roster.OpHandoverConfirm}) {
		t.Errorf("operations %v", kinds)
	}
}
