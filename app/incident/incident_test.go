package incident_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

func TestValidateSample(t *testing.T) {
	inc := sample()
	mustValid(t, inc)
	if inc.Status != incident.StatusOpen {
		t.Errorf("status %q after validation, want open", inc.Status)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	now := received.Add(time.Minute)
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name   string
		change func(*incident.Incident)
		field  string
	}{
		{"no station", func(i *incident.Incident) { i.Station = app.NilID }, "station"},
		{"unknown station", func(i *incident.Incident) { i.Station = app.NewID() }, "station"},
		{"no time received", func(i *incident.Incident) { i.ReceivedAt = time.Time{} }, "received_at"},
		{"received in the future", func(i *incident.Incident) { i.ReceivedAt = now.Add(6 * time.Minute) }, "received_at"},
		{"occurred after received", func(i *incident.Incident) { i.OccurredAt = i.ReceivedAt.Add(time.Hour) }, "occurred_at"},
		{"no channel", func(i *incident.Incident) { i.Channel = "" }, "channel"},
		{"unknown channel", func(i *incident.Incident) { i.Channel = "fax" }, "channel"},
		{"bad reporter phone", func(i *incident.Incident) { i.Reporter.Phone = "12" }, "reporter.phone"},
		{"long reporter name", func(i *incident.Incident) { i.Reporter.Name = strings.Repeat("龙", 33) }, "reporter.name"},
		{"no place", func(i *incident.Incident) { i.Place = incident.Place{Text: "  "} }, "place"},
		{"place outside the subtree", func(i *incident.Incident) { i.Place.Station = baisha.ID }, "place.station"},
		{"place above the station", func(i *incident.Incident) { i.Place.Station = jishou.ID }, "place.station"},
		{"place not in the tree", func(i *incident.Incident) { i.Place.Station = app.NewID() }, "place.station"},
		{"latitude without longitude", func(i *incident.Incident) { i.Place.Lat = f(28.3) }, "place.lat"},
		{"latitude out of range", func(i *incident.Incident) { i.Place.Lat, i.Place.Lon = f(91), f(109.7) }, "place.lat"},
		{"longitude out of range", func(i *incident.Incident) { i.Place.Lat, i.Place.Lon = f(28.3), f(-181) }, "place.lon"},
		{"no category", func(i *incident.Incident) { i.Category = "" }, "category"},
		{"unknown category", func(i *incident.Incident) { i.Category = "meteor" }, "category"},
		{"negative dead", func(i *incident.Incident) { i.Counts.Dead = -1 }, "counts.dead"},
		{"absurd dead", func(i *incident.Incident) { i.Counts.Dead = incident.MaxPersons + 1 }, "counts.dead"},
		{"negative missing", func(i *incident.Incident) { i.Counts.Missing = -3 }, "counts.missing"},
		{"absurd serious", func(i *incident.Incident) { i.Counts.SeriousInjured = 5_000_000 }, "counts.serious_injured"},
		{"negative injured", func(i *incident.Incident) { i.Counts.Injured = -1 }, "counts.injured"},
		{"negative trapped", func(i *incident.Incident) { i.Counts.Trapped = -1 }, "counts.trapped"},
		{"absurd evacuated", func(i *incident.Incident) { i.Counts.Evacuated = incident.MaxEvacuated + 1 }, "counts.evacuated"},
		{"negative loss", func(i *incident.Incident) { i.Loss = -1 }, "loss"},
		{"absurd loss", func(i *incident.Incident) { i.Loss = incident.MaxLoss + 1 }, "loss"},
		{"long title", func(i *incident.Incident) { i.Title = strings.Repeat("车", 101) }, "title"},
		{"oversized attachment", func(i *incident.Incident) {
			i.Attachments = []incident.Attachment{{Name: "现场.jpg", Size: incident.DefaultMaxAttachment + 1}}
		}, "attachments"},
		{"attachment without name", func(i *incident.Incident) { i.Attachments = []incident.Attachment{{Size: 10}} }, "attachments"},
		{"attachment with a path", func(i *incident.Incident) { i.Attachments = []incident.Attachment{{Name: "../etc/passwd", Size: 10}} }, "attachments"},
		{"bad digest", func(i *incident.Incident) {
			i.Attachments = []incident.Attachment{{Name: "a.jpg", Size: 10, SHA256: "xyz"}}
		}, "attachments"},
		{"unknown status", func(i *incident.Incident) { i.Status = "archived" }, "status"},
		{"unknown grade", func(i *incident.Incident) { i.Grade = 9 }, "grade"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := sample()
			tt.change(inc)
			assertField(t, inc.Validate(now, testTree(), incident.Limits{}), tt.field)
		})
	}
}

func TestValidateAcceptsEdges(t *testing.T) {
	now := received.Add(time.Minute)
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name   string
		change func(*incident.Incident)
	}{
		{"clock a few minutes fast", func(i *incident.Incident) { i.ReceivedAt = now.Add(incident.DefaultClockSkew) }},
		{"time of event unknown", func(i *incident.Incident) { i.OccurredAt = time.Time{} }},
		{"anonymous caller", func(i *incident.Incident) { i.Reporter = incident.Reporter{} }},
		{"place as text only", func(i *incident.Incident) { i.Place = incident.Place{Text: "矮寨大桥下"} }},
		{"place is the station itself", func(i *incident.Incident) { i.Place.Station = aizhai.ID }},
		{"coordinates", func(i *incident.Incident) { i.Place.Lat, i.Place.Lon = f(28.33), f(109.60) }},
		{"most dead accepted", func(i *incident.Incident) { i.Counts.Dead = incident.MaxPersons }},
		{"attachment at the limit", func(i *incident.Incident) {
			i.Attachments = []incident.Attachment{{Name: "现场.jpg", Size: incident.DefaultMaxAttachment, SHA256: strings.Repeat("AB", 32)}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := sample()
			tt.change(inc)
			if err := inc.Validate(now, testTree(), incident.Limits{}); err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}

func TestValidateAttachmentLimitConfigurable(t *testing.T) {
	inc := sample()
	inc.Attachments = []incident.Attachment{{Name: "scan.pdf", Size: 3 << 20}}
	err := inc.Validate(received, testTree(), incident.Limits{MaxAttachment: 2 << 20})
	assertField(t, err, "attachments")
	if msg := app.ErrorMessage(err); !strings.Contains(msg, "scan.pdf") || !strings.Contains(msg, "2.0 MB") {
		t.Errorf("message %q does not name the file and the limit", msg)
	}
}

func TestValidateNormalises(t *testing.T) {
	inc := sample()
	inc.Title = "  货车侧翻 "
	inc.Reporter.Phone = "１３８ 1234 5678"
	inc.Attachments = []incident.Attachment{{Name: " a.jpg ", Size: 1, SHA256: strings.Repeat("AB", 32)}}
	mustValid(t, inc)
	if inc.Title != "货车侧翻" || inc.Reporter.Phone != "13812345678" || inc.Attachments[0].Name != "a.jpg" || inc.Attachments[0].SHA256 != strings.Repeat("ab", 32) {
		t.Errorf("not normalised: %q %q %q %q", inc.Title, inc.Reporter.Phone, inc.Attachments[0].Name, inc.Attachments[0].SHA256)
	}
}

func TestIncidentJSONRoundTrip(t *testing.T) {
	inc := sample()
	inc.Provisional = incident.GradeLarge
	mustValid(t, inc)
	b, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"serious_injured":0`) || !strings.Contains(string(b), `"provisional":"large"`) {
		t.Errorf("JSON does not use the field names of errors: %s", b)
	}
	var back incident.Incident
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&back)
	if string(b) != string(b2) {
		t.Errorf("round trip changed the record:\n%s\n%s", b, b2)
	}
}

func TestSettingsJSONRoundTrip(t *testing.T) {
	s := incident.DefaultSettings()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back incident.Settings
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatalf("settings invalid after a round trip: %v\n%s", err, b)
	}
	if back.Rules.Reach[incident.GradeLarge] != incident.LevelProvince {
		t.Errorf("reach of large is %q after a round trip, want province", back.Rules.Reach[incident.GradeLarge])
	}
}

func TestSetFiguresKeepsOverrideOnSameFigures(t *testing.T) {
	inc := sample()
	inc.Loss = 20_000_000
	inc.Regrade(incident.Assess(inc, incident.DefaultThresholds()))
	if err := inc.ApplyOverride(incident.Override{Grade: incident.GradeGeneral, By: "彭建国", Reason: "损失为车主自报，明显偏高"}, received); err != nil {
		t.Fatal(err)
	}
	a, err := inc.SetFigures(inc.Counts, inc.Loss, incident.DefaultThresholds())
	if err != nil {
		t.Fatal(err)
	}
	if a.Grade != incident.GradeLarge || inc.EffectiveGrade() != incident.GradeGeneral {
		t.Errorf("assessed %s, effective %s; want large assessed and the leader's general standing", a.Grade, inc.EffectiveGrade())
	}
	_, err = inc.SetFigures(incident.Counts{Dead: -2}, 0, incident.DefaultThresholds())
	assertField(t, err, "counts.dead")
	if inc.Loss != 20_000_000 {
		t.Error("a refused update changed the figures")
	}
}

func TestConfirmNeedsLeaderAndGrade(t *testing.T) {
	inc := sample()
	assertField(t, inc.Confirm("彭建国", received), "grade")
	inc.Provisional = incident.GradeGeneral
	assertField(t, inc.Confirm(" ", received), "by")
	if err := inc.Confirm("彭建国", received); err != nil || inc.Grade != incident.GradeGeneral {
		t.Errorf("confirm: %v, grade %s", err, inc.Grade)
	}
}
