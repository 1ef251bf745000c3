package incident_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"dutyroom/app/incident"
)

func assess(c incident.Category, counts incident.Counts, loss int64, t incident.Thresholds) incident.Assessment {
	inc := &incident.Incident{Category: c, Counts: counts, Loss: loss}
	return incident.Assess(inc, t)
}

// Every boundary of Decree 493, art. 3: the figure at the bound reaches the
// grade, one below does not.
func TestAssessDecree493Boundaries(t *testing.T) {
	def := incident.DefaultThresholds()
	const (
		G = incident.GradeGeneral
		L = incident.GradeLarge
		M = incident.GradeMajor
		E = incident.GradeEspeciallyMajor
	)
	tests := []struct {
		field     string
		counts    incident.Counts
		loss      int64
		want      incident.Grade
		min, next int64
	}{
		{"counts.dead", incident.Counts{Dead: 0}, 0, G, 0, 3},
		{"counts.dead", incident.Counts{Dead: 2}, 0, G, 0, 3},
		{"counts.dead", incident.Counts{Dead: 3}, 0, L, 3, 10},
		{"counts.dead", incident.Counts{Dead: 9}, 0, L, 3, 10},
		{"counts.dead", incident.Counts{Dead: 10}, 0, M, 10, 30},
		{"counts.dead", incident.Counts{Dead: 29}, 0, M, 10, 30},
		{"counts.dead", incident.Counts{Dead: 30}, 0, E, 30, 0},
		{"counts.serious_injured", incident.Counts{SeriousInjured: 9}, 0, G, 0, 10},
		{"counts.serious_injured", incident.Counts{SeriousInjured: 10}, 0, L, 10, 50},
		{"counts.serious_injured", incident.Counts{SeriousInjured: 49}, 0, L, 10, 50},
		{"counts.serious_injured", incident.Counts{SeriousInjured: 50}, 0, M, 50, 100},
		{"counts.serious_injured", incident.Counts{SeriousInjured: 99}, 0, M, 50, 100},
		{"counts.serious_injured", incident.Counts{SeriousInjured: 100}, 0, E, 100, 0},
		{"loss", incident.Counts{}, 9_999_999, G, 0, 10_000_000},
		{"loss", incident.Counts{}, 10_000_000, L, 10_000_000, 50_000_000},
		{"loss", incident.Counts{}, 49_999_999, L, 10_000_000, 50_000_000},
		{"loss", incident.Counts{}, 50_000_000, M, 50_000_000, 100_000_000},
		{"loss", incident.Counts{}, 99_999_999, M, 50_000_000, 100_000_000},
		{"loss", incident.Counts{}, 100_000_000, E, 100_000_000, 0},
	}
	for _, tt := range tests {
		// One figure per row is non-zero.
		name := fmt.Sprintf("%s=%d", tt.field, int64(tt.counts.Dead+tt.counts.SeriousInjured)+tt.loss)
		t.Run(name, func(t *testing.T) {
			a := assess(incident.Fire, tt.counts, tt.loss, def)
			if a.Grade != tt.want {
				t.Fatalf("grade %s, want %s", a.Grade, tt.want)
			}
			var f incident.Figure
			for _, x := range a.Figures {
				if x.Field == tt.field {
					f = x
				}
			}
			if f.Grade != tt.want || f.Min != tt.min || f.Next != tt.next {
				t.Errorf("figure %+v, want grade %s, min %d, next %d", f, tt.want, tt.min, tt.next)
			}
			if tt.want != G && a.Decided.Field != tt.field {
				t.Errorf("decided by %s, want %s", a.Decided.Field, tt.field)
			}
		})
	}
}

func TestAssessAnyFigureDecides(t *testing.T) {
	a := assess(incident.Construction, incident.Counts{Dead: 1, SeriousInjured: 12}, 60_000_000, incident.DefaultThresholds())
	if a.Grade != incident.GradeMajor || a.Decided.Field != "loss" || a.Decided.Value != 60_000_000 || a.Decided.Min != 50_000_000 {
		t.Errorf("got %s decided by %+v, want major by loss ≥ 50,000,000", a.Grade, a.Decided)
	}
}

// Among figures reaching the same grade, deaths decide before injuries,
// injuries before loss: the screen names the most telling one.
func TestAssessTieNamesDeathsFirst(t *testing.T) {
	a := assess(incident.Fire, incident.Counts{Dead: 10, SeriousInjured: 50}, 50_000_000, incident.DefaultThresholds())
	if a.Grade != incident.GradeMajor || a.Decided.Field != "counts.dead" {
		t.Errorf("got %s decided by %s, want major decided by counts.dead", a.Grade, a.Decided.Field)
	}
}

func TestAssessGeneralNamesDeathsBelowBound(t *testing.T) {
	a := assess(incident.Fire, incident.Counts{Dead: 2}, 0, incident.DefaultThresholds())
	if a.Decided.Field != "counts.dead" || a.Decided.Value != 2 || a.Decided.Next != 3 {
		t.Errorf("decided %+v, want deaths 2 below 3", a.Decided)
	}
}

func TestAssessMissingWithDeadPerSetting(t *testing.T) {
	counts := incident.Counts{Dead: 2, Missing: 1}
	th := incident.DefaultThresholds()

	a := assess(incident.NonCoalMine, counts, 0, th)
	if a.Grade != incident.GradeGeneral || a.MissingCounted || a.Decided.Value != 2 {
		t.Errorf("default: got %s on %d (missing counted %v), want general on 2 deaths", a.Grade, a.Decided.Value, a.MissingCounted)
	}

	th.Accident.CountMissingWithDead = true
	a = assess(incident.NonCoalMine, counts, 0, th)
	if a.Grade != incident.GradeLarge || !a.MissingCounted || a.Decided.Value != 3 {
		t.Errorf("counting the missing: got %s on %d (missing counted %v), want large on 3", a.Grade, a.Decided.Value, a.MissingCounted)
	}
}

func TestAssessDisasterCountsMissingByDefault(t *testing.T) {
	a := assess(incident.Geological, incident.Counts{Dead: 1, Missing: 2}, 0, incident.DefaultThresholds())
	if a.Grade != incident.GradeLarge || !a.Disaster || !a.MissingCounted {
		t.Errorf("got %+v, want large on the disaster scale with the missing counted", a)
	}
	th := incident.DefaultThresholds()
	th.Disaster.CountMissingWithDead = false
	if a := assess(incident.Geological, incident.Counts{Dead: 1, Missing: 2}, 0, th); a.Grade != incident.GradeGeneral {
		t.Errorf("with the setting off got %s, want general", a.Grade)
	}
}

func TestAssessFocusCaseTwoDeaths(t *testing.T) {
	def := incident.DefaultThresholds()
	tests := []struct {
		name   string
		cat    incident.Category
		counts incident.Counts
		loss   int64
		want   bool
	}{
		{"general accident, 2 dead", incident.RoadTraffic, incident.Counts{Dead: 2}, 0, true},
		{"2 dead and injured, still general", incident.Fire, incident.Counts{Dead: 2, SeriousInjured: 9}, 9_999_999, true},
		{"1 dead", incident.RoadTraffic, incident.Counts{Dead: 1}, 0, false},
		{"3 dead is large", incident.RoadTraffic, incident.Counts{Dead: 3}, 0, false},
		{"2 dead but large by loss", incident.RoadTraffic, incident.Counts{Dead: 2}, 10_000_000, false},
		{"natural disaster", incident.Flood, incident.Counts{Dead: 2}, 0, false},
		{"other incident", incident.OtherIncident, incident.Counts{Dead: 2}, 0, false},
	}
	for _, tt := range tests {
		if got := assess(tt.cat, tt.counts, tt.loss, def).Focus; got != tt.want {
			t.Errorf("%s: focus %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAssessDirectReportAtTenDeadOrMissing(t *testing.T) {
	def := incident.DefaultThresholds()
	if a := assess(incident.Flood, incident.Counts{Dead: 4, Missing: 5}, 0, def); a.DirectReport {
		t.Error("9 dead or missing: direct report required, want not")
	}
	a := assess(incident.Flood, incident.Counts{Dead: 4, Missing: 6}, 0, def)
	if !a.DirectReport {
		t.Error("10 dead or missing: no direct report, want one")
	}
	if a.Grade != incident.GradeMajor {
		t.Errorf("10 dead or missing in a flood: %s, want major", a.Grade)
	}
	off := def
	off.Disaster.DirectReportDeadMissing = 0
	if a := assess(incident.Flood, incident.Counts{Dead: 40}, 0, off); a.DirectReport {
		t.Error("rule turned off, still a direct report")
	}
}

// In an accident the missing do not raise the grade, but ten of them still
// send the report straight up.
func TestAssessDirectReportForMissingInAccident(t *testing.T) {
	a := assess(incident.NonCoalMine, incident.Counts{Missing: 12}, 0, incident.DefaultThresholds())
	if a.Grade != incident.GradeGeneral || !a.DirectReport {
		t.Errorf("12 missing in a mine: %s, direct %v; want general with a direct report", a.Grade, a.DirectReport)
	}
}

func TestAssessStringExplains(t *testing.T) {
	a := assess(incident.Fire, incident.Counts{Dead: 12}, 0, incident.DefaultThresholds())
	want := "major: counts.dead 12 (>= 10); direct report required"
	if a.String() != want {
		t.Errorf("String() = %q, want %q", a.String(), want)
	}
}

func TestOverrideNeedsReason(t *testing.T) {
	err := incident.Override{Grade: incident.GradeLarge, By: "彭建国", Reason: "  "}.Validate()
	assertField(t, err, "reason")
	assertField(t, incident.Override{Grade: incident.GradeLarge, Reason: "损失估计偏高"}.Validate(), "by")
	assertField(t, incident.Override{By: "彭建国", Reason: "损失估计偏高"}.Validate(), "grade")
	if err := (incident.Override{Grade: incident.GradeLarge, By: "彭建国", Reason: "损失估计偏高"}).Validate(); err != nil {
		t.Errorf("complete override refused: %v", err)
	}
}

func TestApplyOverrideWithoutReasonChangesNothing(t *testing.T) {
	inc := sample()
	inc.Provisional = incident.GradeGeneral
	err := inc.ApplyOverride(incident.Override{Grade: incident.GradeMajor, By: "彭建国"}, received)
	assertField(t, err, "reason")
	if inc.Grade != 0 {
		t.Errorf("grade %s after a refused override, want unset", inc.Grade)
	}
}

func TestThresholdsValidateNamesBand(t *testing.T) {
	th := incident.DefaultThresholds()
	th.Accident.Serious.Major = 5
	assertField(t, th.Validate(), "accident.serious")
	th = incident.DefaultThresholds()
	th.Disaster.Dead.Large = 0
	assertField(t, th.Validate(), "disaster.dead")
	if err := incident.DefaultThresholds().Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestGradeJSONUsesKeys(t *testing.T) {
	b, err := json.Marshal(map[string]incident.Grade{"g": incident.GradeEspeciallyMajor})
	if err != nil || string(b) != `{"g":"especially_major"}` {
		t.Fatalf("got %s, %v", b, err)
	}
	var g incident.Grade
	if err := json.Unmarshal([]byte(`"large"`), &g); err != nil || g != incident.GradeLarge {
		t.Errorf("got %v, %v; want large", g, err)
	}
	var inc incident.Incident
	err = json.Unmarshal([]byte(`{"grade":"severe"}`), &inc)
	assertField(t, err, "grade")
}

func TestRegradeLapsesConfirmationOnlyWhenRaised(t *testing.T) {
	inc := sample()
	inc.Regrade(incident.Assessment{Grade: incident.GradeLarge})
	if err := inc.Confirm("彭建国", received); err != nil {
		t.Fatal(err)
	}
	if changed := inc.Regrade(incident.Assessment{Grade: incident.GradeGeneral}); !changed || inc.Grade != incident.GradeLarge {
		t.Errorf("provisional fell below the confirmed grade: changed %v, grade %s; want the confirmed large to stand", changed, inc.Grade)
	}
	inc.Regrade(incident.Assessment{Grade: incident.GradeMajor})
	if inc.Grade != 0 || inc.EffectiveGrade() != incident.GradeMajor {
		t.Errorf("provisional rose above the confirmed grade: grade %s, effective %s; want the confirmation lapsed and major", inc.Grade, inc.EffectiveGrade())
	}
}
