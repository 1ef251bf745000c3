package villagereport_test

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/incident"
	"dutyroom/app/villagereport"
)

var now = time.Date(2026, 7, 14, 3, 0, 0, 0, time.UTC)

func good() villagereport.Report {
	return villagereport.Report{
		ID: app.NewID(), Village: app.NewID(), Officer: app.NewID(), OfficerName: "王五",
		Category: incident.Geological, Place: "村口老桥下", OccurredAt: now.Add(-time.Hour),
		Counts:    villagereport.Counts{Trapped: 2, HousesDamaged: 3},
		WrittenAt: now.Add(-50 * time.Minute), ReceivedAt: now,
		Photos: []villagereport.Photo{{Attachment: attachment.Attachment{Name: "1.jpg", Size: 300 << 10, SHA256: strings.Repeat("a", 64), MIME: "image/jpeg"}, TakenAt: now.Add(-55 * time.Minute)}},
	}
}

func TestValidateNamesTheField(t *testing.T) {
	r := good()
	if err := r.Validate(now); err != nil {
		t.Fatalf("a good report: %v", err)
	}
	lat := 28.3
	for _, c := range []struct {
		field  string
		change func(r *villagereport.Report)
	}{
		{"category", func(r *villagereport.Report) { r.Category = "" }},
		{"place", func(r *villagereport.Report) { r.Place = "  " }},
		{"occurred_at", func(r *villagereport.Report) { r.OccurredAt = now.Add(time.Hour) }},
		{"counts.dead", func(r *villagereport.Report) { r.Counts.Dead = -1 }},
		{"counts.houses_damaged", func(r *villagereport.Report) { r.Counts.HousesDamaged = -2 }},
		{"position", func(r *villagereport.Report) { r.Lat = &lat }},
		{"photos", func(r *villagereport.Report) { r.Photos[0].MIME = "application/x-msdownload" }},
		{"attachments", func(r *villagereport.Report) { r.Photos[0].Size = villagereport.MaxPhotoSize + 1 }},
		{"attachments", func(r *villagereport.Report) { r.Photos[0].SHA256 = "zz" }},
	} {
		r := good()
		c.change(&r)
		if err := r.Validate(now); app.ErrorField(err) != c.field {
			t.Errorf("want a refusal on %s, got %v", c.field, err)
		}
	}
}

func TestVerificationNeedsAnIncidentOrAReason(t *testing.T) {
	v := villagereport.Verification{Report: app.NewID(), Outcome: villagereport.Merged, Station: app.NewID(), By: "李四", At: now}
	if err := v.Validate(); app.ErrorField(err) != "incident" {
		t.Errorf("merged into nothing: %v", err)
	}
	v.Outcome = villagereport.Unfounded
	if err := v.Validate(); app.ErrorField(err) != "reason" {
		t.Errorf("not adopted without a reason: %v", err)
	}
	v.Reason = "经电话核实，系村民误报"
	if err := v.Validate(); err != nil {
		t.Errorf("not adopted with a reason: %v", err)
	}
}

func TestTheSameReportMakesTheSameOperationID(t *testing.T) {
	id := app.NewID()
	if villagereport.OpID(id) != villagereport.OpID(id) || villagereport.OpID(id) == villagereport.OpID(app.NewID()) {
		t.Fatal("the create operation's id must be fixed by the report's id alone")
	}
}
