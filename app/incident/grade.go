package incident

import (
	"fmt"
	"strings"

	"dutyroom/app"
)

// Grade is the severity of an incident (Decree 493, art. 3). Higher values
// are more severe, so grades compare with < and >. The zero value means
// "not graded yet".
type Grade int

const (
	GradeGeneral         Grade = 1 // 一般
	GradeLarge           Grade = 2 // 较大
	GradeMajor           Grade = 3 // 重大
	GradeEspeciallyMajor Grade = 4 // 特别重大
)

// Grades lists the grades from the least severe up.
var Grades = []Grade{GradeGeneral, GradeLarge, GradeMajor, GradeEspeciallyMajor}

// Valid reports whether g is one of the four grades.
func (g Grade) Valid() bool { return g >= GradeGeneral && g <= GradeEspeciallyMajor }

// Key is the stable name of the grade, used in files, JSON and translation keys.
func (g Grade) Key() string {
	switch g {
	case GradeGeneral:
		return "general"
	case GradeLarge:
		return "large"
	case GradeMajor:
		return "major"
	case GradeEspeciallyMajor:
		return "especially_major"
	case 0:
		return ""
	}
	return fmt.Sprintf("grade(%d)", int(g))
}

func (g Grade) String() string { return g.Key() }

// ParseGrade is the inverse of Key.
func ParseGrade(s string) (Grade, error) {
	for _, g := range Grades {
		if g.Key() == s {
			return g, nil
		}
	}
	return 0, app.FieldErrorf("grade", "unknown grade %q (want general, large, major or especially_major)", s)
}

// MarshalText writes the key, so stored and exchanged records stay readable
// and survive a renumbering.
func (g Grade) MarshalText() ([]byte, error) {
	if g != 0 && !g.Valid() {
		return nil, app.FieldErrorf("grade", "unknown grade %d", int(g))
	}
	return []byte(g.Key()), nil
}

// UnmarshalText reads a key; the empty string is "not graded".
func (g *Grade) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*g = 0
		return nil
	}
	v, err := ParseGrade(string(b))
	if err != nil {
		return err
	}
	*g = v
	return nil
}

// Band holds the lowest figure that puts an incident in each grade above
// general. A figure equal to a bound reaches it: "≥" includes the number.
type Band struct {
	Large           int64 `json:"large"`
	Major           int64 `json:"major"`
	EspeciallyMajor int64 `json:"especially_major"`
}

// Grade returns the grade the figure v reaches on its own.
func (b Band) Grade(v int64) Grade {
	switch {
	case v >= b.EspeciallyMajor:
		return GradeEspeciallyMajor
	case v >= b.Major:
		return GradeMajor
	case v >= b.Large:
		return GradeLarge
	}
	return GradeGeneral
}

// bounds returns the lower bound of grade g (0 for general) and the lower
// bound of the grade above (0 above especially major).
func (b Band) bounds(g Grade) (min, next int64) {
	switch g {
	case GradeGeneral:
		return 0, b.Large
	case GradeLarge:
		return b.Large, b.Major
	case GradeMajor:
		return b.Major, b.EspeciallyMajor
	}
	return b.EspeciallyMajor, 0
}

func (b Band) validate(field string) error {
	if b.Large <= 0 || b.Major <= b.Large || b.EspeciallyMajor <= b.Major {
		return app.FieldErrorf(field, "thresholds must be positive and rise with the grade (large %d < major %d < especially major %d)",
			b.Large, b.Major, b.EspeciallyMajor)
	}
	return nil
}

// Scale is one set of grading thresholds.
type Scale struct {
	Dead    Band `json:"dead"`    // persons; the missing added when CountMissingWithDead
	Serious Band `json:"serious"` // seriously injured persons
	Loss    Band `json:"loss"`    // direct economic loss, yuan

	// CountMissingWithDead grades on dead plus missing. The UI states it
	// beside the grade, since the same figures give different grades.
	CountMissingWithDead bool `json:"count_missing_with_dead"`

	// DirectReportDeadMissing is the dead-plus-missing figure from which the
	// report must also go straight to the levels in EscalationRules.DirectTo
	// (越级直报); 0 turns the rule off.
	DirectReportDeadMissing int64 `json:"direct_report_dead_missing"`
}

// Validate checks that every band rises with the grade.
func (s Scale) Validate(prefix string) error {
	if err := s.Dead.validate(prefix + ".dead"); err != nil {
		return err
	}
	if err := s.Serious.validate(prefix + ".serious"); err != nil {
		return err
	}
	if err := s.Loss.validate(prefix + ".loss"); err != nil {
		return err
	}
	if s.DirectReportDeadMissing < 0 {
		return app.FieldErrorf(prefix+".direct_report_dead_missing", "must be 0 (off) or a number of persons")
	}
	return nil
}

// Thresholds are a station's grading settings: one scale for accidents
// (production safety and other incidents), one for natural disasters.
type Thresholds struct {
	Accident Scale `json:"accident"`
	Disaster Scale `json:"disaster"`
}

// DefaultThresholds returns the national figures.
//
// Accidents follow Decree 493, art. 3, graded on deaths alone. The direct
// report applies to accidents too: the missing of a flooded mine are rarely
// found alive, yet Decree 493 does not count them, and without the rule
// twelve missing would travel at the pace of a general accident.
//
// Disasters count the missing with the dead, as the natural-disaster rules
// do, with ten dead or missing triggering the direct report. Their bands
// repeat Decree 493's, which the national geological-hazard plan also uses
// for deaths; provinces publish their own figures per hazard, so a station
// edits them.
func DefaultThresholds() Thresholds {
	accident := Scale{
		Dead:                    Band{Large: 3, Major: 10, EspeciallyMajor: 30},
		Serious:                 Band{Large: 10, Major: 50, EspeciallyMajor: 100},
		Loss:                    Band{Large: 10_000_000, Major: 50_000_000, EspeciallyMajor: 100_000_000},
		DirectReportDeadMissing: 10,
	}
	disaster := accident
	disaster.CountMissingWithDead = true
	return Thresholds{Accident: accident, Disaster: disaster}
}

// Validate checks both scales.
func (t Thresholds) Validate() error {
	if err := t.Accident.Validate("accident"); err != nil {
		return err
	}
	return t.Disaster.Validate("disaster")
}

// Scale returns the scale that grades category c.
func (t Thresholds) Scale(c Category) Scale {
	if c.Group() == GroupNaturalDisaster {
		return t.Disaster
	}
	return t.Accident
}

// Figure is one graded figure and the band it reaches, enough for a screen
// to say "重大：死亡 12 人（≥10）" or "一般：死亡 2 人（<3）".
type Figure struct {
	Field string `json:"field"` // "counts.dead", "counts.serious_injured" or "loss"
	Value int64  `json:"value"`
	Grade Grade  `json:"grade"` // the grade this figure reaches on its own
	Min   int64  `json:"min"`   // the bound it reached (≥ Min); 0 for general
	Next  int64  `json:"next"`  // the bound of the grade above; 0 above especially major
}

// Assessment is the provisional grade of an incident and why.
type Assessment struct {
	Grade Grade `json:"grade"`
	// Decided is the figure that set the grade: the most severe one, and
	// among equals deaths before injuries before loss. For a general
	// incident it is the deaths figure.
	Decided Figure `json:"decided"`
	// Figures holds deaths, serious injuries and loss, in that order.
	Figures []Figure `json:"figures"`
	// Disaster tells which scale graded it.
	Disaster bool `json:"disaster"`
	// MissingCounted means the deaths figure includes the missing.
	MissingCounted bool `json:"missing_counted"`
	// Focus flags a general production-safety accident with two deaths
	// (亡2人一般事故), which the work plan singles out.
	Focus bool `json:"focus"`
	// DirectReport means the dead and missing together reach the scale's
	// direct-report figure (越级直报).
	DirectReport bool `json:"direct_report"`
}

func (a Assessment) String() string {
	d := a.Decided
	s := fmt.Sprintf("%s: %s %d", a.Grade, d.Field, d.Value)
	if d.Min > 0 {
		s += fmt.Sprintf(" (>= %d)", d.Min)
	} else if d.Next > 0 {
		s += fmt.Sprintf(" (< %d)", d.Next)
	}
	var notes []string
	if a.MissingCounted {
		notes = append(notes, "missing counted with the dead")
	}
	if a.Focus {
		notes = append(notes, "focus case: general accident with 2 deaths")
	}
	if a.DirectReport {
		notes = append(notes, "direct report required")
	}
	if len(notes) > 0 {
		s += "; " + strings.Join(notes, "; ")
	}
	return s
}

// Assess grades the incident's figures under the thresholds. Any single
// figure reaching a band puts the incident in it.
func Assess(inc *Incident, t Thresholds) Assessment {
	sc := t.Scale(inc.Category)
	dead := int64(inc.Counts.Dead)
	deadMissing := dead + int64(inc.Counts.Missing)
	if sc.CountMissingWithDead {
		dead = deadMissing
	}
	a := Assessment{
		Disaster:       inc.Category.Group() == GroupNaturalDisaster,
		MissingCounted: sc.CountMissingWithDead,
		Figures: []Figure{
			figure("counts.dead", dead, sc.Dead),
			figure("counts.serious_injured", int64(inc.Counts.SeriousInjured), sc.Serious),
			figure("loss", inc.Loss, sc.Loss),
		},
	}
	a.Decided = a.Figures[0]
	for _, f := range a.Figures[1:] {
		if f.Grade > a.Decided.Grade {
			a.Decided = f
		}
	}
	a.Grade = a.Decided.Grade
	a.Focus = inc.Category.Group() == GroupProductionSafety && a.Grade == GradeGeneral && inc.Counts.Dead == 2
	a.DirectReport = sc.DirectReportDeadMissing > 0 && deadMissing >= sc.DirectReportDeadMissing
	return a
}

func figure(field string, v int64, b Band) Figure {
	g := b.Grade(v)
	min, next := b.bounds(g)
	return Figure{Field: field, Value: v, Grade: g, Min: min, Next: next}
}

// Override is the leader on duty setting the grade, which the law leaves to
// people: figures change, estimates are wrong, and someone answers for the
// grade. The reason is kept on the record and shown with it.
type Override struct {
	Grade  Grade  `json:"grade"`
	By     string `json:"by"` // the leader on duty
	Reason string `json:"reason"`
}

// Validate requires a grade, the leader's name and a written reason.
func (o Override) Validate() error {
	switch {
	case !o.Grade.Valid():
		return app.FieldErrorf("grade", "choose a grade")
	case strings.TrimSpace(o.By) == "":
		return app.FieldErrorf("by", "the leader on duty who sets the grade is required")
	case strings.TrimSpace(o.Reason) == "":
		return app.FieldErrorf("reason", "a written reason is required to set the grade by hand")
	}
	return nil
}
