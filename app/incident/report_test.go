package incident_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

func report(inc *incident.Incident, kind incident.ReportKind) *incident.Report {
	loss := int64(0)
	c := inc.Counts
	return &incident.Report{ID: app.NewID(), Incident: inc.ID, Station: inc.Station, Kind: kind, Text: "事故经过及处置情况", Counts: &c, Loss: &loss}
}

func TestSupplementaryDeadline(t *testing.T) {
	tests := []struct {
		cat  incident.Category
		want time.Time
	}{
		// Occurred 1 March: the day itself is not counted, and the window
		// ends at midnight after the 30th (7th) day.
		{incident.Flood, time.Date(2026, 4, 1, 0, 0, 0, 0, cst)},
		{incident.Construction, time.Date(2026, 4, 1, 0, 0, 0, 0, cst)},
		{incident.RoadTraffic, time.Date(2026, 3, 9, 0, 0, 0, 0, cst)},
		{incident.Fire, time.Date(2026, 3, 9, 0, 0, 0, 0, cst)},
	}
	for _, tt := range tests {
		inc := sample()
		inc.Category = tt.cat
		if got := incident.SupplementaryDeadline(inc, cst); !got.Equal(tt.want) {
			t.Errorf("%s: deadline %s, want %s", tt.cat, got.In(cst), tt.want)
		}
	}
}

func TestSupplementaryDeadlineCountsFromReceiptWhenTimeUnknown(t *testing.T) {
	inc := sample()
	inc.OccurredAt = time.Time{}
	inc.ReceivedAt = time.Date(2026, 3, 2, 0, 30, 0, 0, cst)
	if got, want := incident.SupplementaryDeadline(inc, cst), time.Date(2026, 3, 10, 0, 0, 0, 0, cst); !got.Equal(want) {
		t.Errorf("deadline %s, want %s", got.In(cst), want)
	}
}

// Days are counted in the station's zone: 23:00 UTC on 28 Feb is already
// 1 March in China.
func TestSupplementaryDeadlineUsesStationZone(t *testing.T) {
	inc := sample()
	inc.OccurredAt = time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)
	if got, want := incident.SupplementaryDeadline(inc, nil), time.Date(2026, 3, 9, 0, 0, 0, 0, cst); !got.Equal(want) {
		t.Errorf("deadline %s, want %s", got.In(cst), want)
	}
}

func TestSupplementaryReportWindow(t *testing.T) {
	tests := []struct {
		cat        incident.Category
		lastMinute time.Time
		days       string
	}{
		{incident.Geological, time.Date(2026, 3, 31, 23, 59, 0, 0, cst), "30-day"},
		{incident.RoadTraffic, time.Date(2026, 3, 8, 23, 59, 0, 0, cst), "7-day"},
	}
	for _, tt := range tests {
		inc := sample()
		inc.Category = tt.cat
		filed := []incident.Report{*report(inc, incident.KindInitial)}
		r := report(inc, incident.KindSupplementary)
		if err := incident.CheckNewReport(inc, filed, r, tt.lastMinute, cst); err != nil {
			t.Errorf("%s: refused in the last minute of the window: %v", tt.cat, err)
		}
		err := incident.CheckNewReport(inc, filed, r, tt.lastMinute.Add(time.Minute), cst)
		assertField(t, err, "kind")
		if msg := app.ErrorMessage(err); !strings.Contains(msg, tt.days) || !strings.Contains(msg, "final report") {
			t.Errorf("%s: message %q does not name the window and the way out", tt.cat, msg)
		}
	}
}

func TestReportOrder(t *testing.T) {
	inc := sample()
	assertField(t, incident.CheckNewReport(inc, nil, report(inc, incident.KindFollowUp), received, cst), "kind")
	if err := incident.CheckNewReport(inc, nil, report(inc, incident.KindInitial), received, cst); err != nil {
		t.Fatalf("initial report refused: %v", err)
	}
	filed := []incident.Report{*report(inc, incident.KindInitial)}
	assertField(t, incident.CheckNewReport(inc, filed, report(inc, incident.KindInitial), received, cst), "kind")
	if err := incident.CheckNewReport(inc, filed, report(inc, incident.KindFollowUp), received, cst); err != nil {
		t.Errorf("follow-up refused: %v", err)
	}
	other := report(inc, incident.KindFollowUp)
	other.Incident = app.NewID()
	assertField(t, incident.CheckNewReport(inc, filed, other, received, cst), "incident")
}

func TestClosedIncidentIsReadOnly(t *testing.T) {
	inc := sample()
	inc.Provisional = incident.GradeGeneral
	assertField(t, inc.Close("", received), "reason")
	if err := inc.Close("终报：核定死亡 0 人，轻伤 1 人", received.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	filed := []incident.Report{*report(inc, incident.KindInitial)}
	assertCode(t, incident.CheckNewReport(inc, filed, report(inc, incident.KindSupplementary), received.Add(49*time.Hour), cst), app.ECONFLICT)
	_, err := inc.SetFigures(incident.Counts{Dead: 1}, 0, incident.DefaultThresholds())
	assertCode(t, err, app.ECONFLICT)
	assertCode(t, inc.Confirm("彭建国", received), app.ECONFLICT)
	assertCode(t, inc.ApplyOverride(incident.Override{Grade: incident.GradeLarge, By: "彭建国", Reason: "x"}, received), app.ECONFLICT)
	assertCode(t, inc.Close("again", received), app.ECONFLICT)
	if inc.Counts.Dead != 0 || inc.Grade != 0 {
		t.Errorf("closed incident changed: %+v, grade %s", inc.Counts, inc.Grade)
	}
}

func TestMissingFields(t *testing.T) {
	inc := sample()
	if got := incident.MissingFields(inc, report(inc, incident.KindInitial)); len(got) != 0 {
		t.Errorf("complete report misses %v", got)
	}
	inc.OccurredAt = time.Time{}
	r := report(inc, incident.KindInitial)
	r.Counts, r.Loss = nil, nil
	if got, want := incident.MissingFields(inc, r), []string{"occurred_at", "counts", "loss"}; !slices.Equal(got, want) {
		t.Errorf("missing %v, want %v", got, want)
	}
	inc.Place = incident.Place{}
	inc.Category = ""
	if got, want := incident.MissingFields(inc, r), []string{"occurred_at", "place", "category", "counts", "loss"}; !slices.Equal(got, want) {
		t.Errorf("missing %v, want %v", got, want)
	}
}

func TestReportValidate(t *testing.T) {
	inc := sample()
	r := report(inc, incident.KindInitial)
	r.Text = " \n"
	assertField(t, r.Validate(), "text")
	r = report(inc, "interim")
	assertField(t, r.Validate(), "kind")
	r = report(inc, incident.KindFollowUp)
	r.Counts.Dead = -1
	assertField(t, r.Validate(), "counts.dead")
	r = report(inc, incident.KindFollowUp)
	bad := int64(-5)
	r.Loss = &bad
	assertField(t, r.Validate(), "loss")
}

func TestReportSign(t *testing.T) {
	r := report(sample(), incident.KindInitial)
	assertField(t, r.Sign("", received), "by")
	if err := r.Sign("彭建国", received); err != nil {
		t.Fatal(err)
	}
	assertCode(t, r.Sign("田志强", received), app.ECONFLICT)
	if r.SignedBy != "彭建国" {
		t.Errorf("signed by %q, want the first signer", r.SignedBy)
	}
}

func TestTimelineOrder(t *testing.T) {
	inc := sample()
	a := incident.NewEvent(inc.ID, aizhai.ID, received.Add(time.Minute), "石秀兰", incident.EventGraded, "general")
	b := incident.NewEvent(inc.ID, aizhai.ID, received, "石秀兰", incident.EventReceived, "")
	c := incident.NewEvent(inc.ID, jishou.ID, received.Add(time.Minute), "龙海", incident.EventAcknowledged, "")
	events := []incident.Event{c, a, b}
	incident.SortTimeline(events)
	if events[0].Kind != incident.EventReceived {
		t.Errorf("first event %s, want received", events[0].Kind)
	}
	// Equal times fall back to the id, which grows with creation.
	if events[1].ID != a.ID || events[2].ID != c.ID {
		t.Errorf("events at the same time out of id order")
	}
	bad := a
	bad.Kind = "edited"
	assertField(t, bad.Validate(), "kind")
	if err := a.Validate(); err != nil {
		t.Errorf("valid event refused: %v", err)
	}
	if incident.ReportEvent(incident.KindSupplementary) != incident.EventSupplemented {
		t.Error("a supplementary report is not recorded as supplemented")
	}
}
