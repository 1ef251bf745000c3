package store

import (
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/villagereport"
)

// FuzzDecodeVillageReport reads whatever bytes as the payloads of a
// village report and of its verification: never a panic, and what is
// accepted is valid and encodes back to something accepted again.
func FuzzDecodeVillageReport(f *testing.F) {
	now := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	r := villagereport.Report{ID: app.NewID(), Village: app.NewID(), Officer: app.NewID(), OfficerName: "向信息员", Category: incident.Flood,
		Place: "河边", OccurredAt: now.Add(-time.Hour), WrittenAt: now.Add(-time.Hour), ReceivedAt: now}
	raw, _ := json.Marshal(r)
	f.Add(raw)
	v, _ := json.Marshal(villagereport.Verification{Report: r.ID, Outcome: villagereport.Unfounded, Reason: "误报", Station: app.NewID(), By: "值班员", At: now})
	f.Add(v)
	f.Add([]byte(`{"id":"x"}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		if got, err := decodeVillageReport(payload, now); err == nil {
			again, _ := json.Marshal(got)
			if _, err := decodeVillageReport(again, now); err != nil {
				t.Fatalf("an accepted report %q does not read back: %v", payload, err)
			}
		}
		if got, err := decodeVerification(payload); err == nil {
			again, _ := json.Marshal(got)
			if _, err := decodeVerification(again); err != nil {
				t.Fatalf("an accepted verification %q does not read back: %v", payload, err)
			}
		}
	})
}
