package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/warning"
)

// The one read of the alerts must say what the five readers said each in
// their own transaction, and its version must move with a write only.
func TestAlertsReadInOneTransactionAgreeWithTheSeparateReads(t *testing.T) {
	db, tree := alertFile(t, t.TempDir())
	end := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	fillAlertHistory(t, db, tree, alertHistory{days: 3, warnings: 4, messages: 10, consultations: 2}, end)
	ctx := context.Background()
	self := tree.aizhai.ID

	a, err := NewAlerts(db).Alerts(ctx, end)
	if err != nil {
		t.Fatal(err)
	}
	if a.Self != self {
		t.Fatalf("self = %s, want %s", a.Self, self)
	}
	stations, _ := NewDirectory(db).Stations(ctx)
	pending, _ := NewWarnings(db).Pending(ctx, self)
	checks, _ := NewSpotChecks(db).Unanswered(ctx, self)
	ring, _ := NewConsultations(db).Ringing(ctx)
	due, _ := NewConsultations(db).Scheduled(ctx, end.Add(-consult.StartWindow), end.Add(consult.RemindBefore))
	ids := func(n int, id func(int) app.ID) []app.ID {
		out := make([]app.ID, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	if len(a.Stations) != len(stations) {
		t.Errorf("%d stations, the directory has %d", len(a.Stations), len(stations))
	}
	if len(pending) == 0 || !slices.Equal(ids(len(a.Pending), func(i int) app.ID { return a.Pending[i].ID }), ids(len(pending), func(i int) app.ID { return pending[i].ID })) {
		t.Errorf("pending %d, Pending says %d", len(a.Pending), len(pending))
	}
	if len(a.Unanswered) != len(checks) {
		t.Errorf("unanswered %d, Unanswered says %d", len(a.Unanswered), len(checks))
	}
	if len(ring) != 1 || len(a.Ringing) != 1 || a.Ringing[0].ID != ring[0].ID {
		t.Errorf("ringing %v, Ringing says %v", a.Ringing, ring)
	}
	if len(due) != 1 || len(a.Scheduled) != 1 || a.Scheduled[0].Consultation.ID != due[0].Consultation.ID {
		t.Errorf("scheduled %d, Scheduled says %d", len(a.Scheduled), len(due))
	}

	again, err := NewAlerts(db).Alerts(ctx, end)
	if err != nil || again.Version != a.Version {
		t.Fatalf("a second read with no write between: version %d, then %d (%v)", a.Version, again.Version, err)
	}
	if err := NewWarnings(db).Acknowledge(ctx, &warning.Ack{Warning: pending[0].ID, Station: self, Person: "张三", At: end, RecordedBy: self}); err != nil {
		t.Fatal(err)
	}
	after, err := NewAlerts(db).Alerts(ctx, end)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version <= a.Version || len(after.Pending) != len(a.Pending)-1 {
		t.Fatalf("after an acknowledgement: version %d (was %d), %d pending (was %d)", after.Version, a.Version, len(after.Pending), len(a.Pending))
	}
}

// Before the station is chosen the read says so and lists nothing.
func TestAlertsBeforeTheStationIsChosenListNothing(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := NewAlerts(db).Alerts(context.Background(), time.Now())
	if err != nil || a.Self != app.NilID || len(a.Pending)+len(a.Ringing)+len(a.Scheduled)+len(a.Unanswered) != 0 {
		t.Fatalf("alerts of a file with no station: %+v, %v", a, err)
	}
}
