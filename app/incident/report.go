package incident

import (
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// ReportKind is the place of a report in an incident's story. Each incident
// has one initial report, any number of follow-ups and supplementary
// reports, and one final report, which closes it.
type ReportKind string

const (
	KindInitial       ReportKind = "initial"       // 初报
	KindFollowUp      ReportKind = "followup"      // 续报
	KindSupplementary ReportKind = "supplementary" // 补报: figures changed after the event
	KindFinal         ReportKind = "final"         // 终报/核报: the verified figures
)

// ReportKinds lists the kinds in the order they are filed.
var ReportKinds = []ReportKind{KindInitial, KindFollowUp, KindSupplementary, KindFinal}

// Valid reports whether k is a known kind.
func (k ReportKind) Valid() bool {
	return k == KindInitial || k == KindFollowUp || k == KindSupplementary || k == KindFinal
}

// Report is one document sent up about an incident. Counts and Loss are the
// figures as the report states them; nil means the report leaves them out,
// which MissingFields flags as an omission.
type Report struct {
	ID       app.ID     `json:"id,omitzero"`
	Incident app.ID     `json:"incident"`
	Station  app.ID     `json:"station"` // the filing station
	Kind     ReportKind `json:"kind"`
	Text     string     `json:"text"`
	Counts   *Counts    `json:"counts,omitempty"`
	Loss     *int64     `json:"loss,omitempty"`
	// Attachments are the photos and documents filed with the report;
	// their contents travel like the incident's own.
	Attachments []Attachment `json:"attachments,omitempty"`

	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	SignedBy  string    `json:"signed_by,omitempty"` // the leader on duty (签发)
	// SignedByID is that leader, when the name is one person of the
	// station (the dialog proposes the leader on duty by the roster).
	SignedByID app.ID    `json:"signed_by_id,omitzero"`
	SignedAt   time.Time `json:"signed_at,omitzero"`
	SentAt     time.Time `json:"sent_at,omitzero"` // first delivery
}

// Validate checks the report on its own. CheckNewReport checks it against
// the incident and the reports already filed.
func (r *Report) Validate() error {
	r.Text = strings.TrimSpace(r.Text)
	switch {
	case r.Incident == app.NilID:
		return app.FieldErrorf("incident", "a report belongs to an incident")
	case r.Station == app.NilID:
		return app.FieldErrorf("station", "the filing station is required")
	case !r.Kind.Valid():
		return app.FieldErrorf("kind", "unknown report kind %q", r.Kind)
	case r.Text == "":
		return app.FieldErrorf("text", "the report has no text: say what happened, what was done and what is needed")
	case utf8.RuneCountInString(r.Text) > 20000:
		return app.FieldErrorf("text", "the report is longer than 20,000 characters; attach the full document instead")
	}
	if r.Counts != nil {
		if err := r.Counts.Validate(); err != nil {
			return err
		}
	}
	if r.Loss != nil {
		if err := ValidateLoss(*r.Loss); err != nil {
			return err
		}
	}
	// The station's own limit is applied where the files are read; here
	// only what no station accepts.
	return validateAttachments(r.Attachments, MaxIncomingAttachment)
}

// Sign records the leader on duty signing the report off. ECONFLICT when
// signed already, EINVALID without a name.
func (r *Report) Sign(by string, at time.Time) error {
	if r.SignedBy != "" {
		return app.Errorf(app.ECONFLICT, "the report was already signed by %s", r.SignedBy)
	}
	by = strings.TrimSpace(by)
	if by == "" {
		return app.FieldErrorf("by", "the leader on duty who signs is required")
	}
	r.SignedBy, r.SignedAt = by, at
	return nil
}

// MissingFields lists what the law requires of a report (Decree 493,
// art. 12: time, place, type, casualties, loss) that this one leaves out,
// by field name, so the omission (漏报) shows before the report is sent.
func MissingFields(inc *Incident, r *Report) []string {
	var out []string
	if inc.OccurredAt.IsZero() {
		out = append(out, "occurred_at")
	}
	if inc.Place.Empty() {
		out = append(out, "place")
	}
	if !inc.Category.Valid() {
		out = append(out, "category")
	}
	if r.Counts == nil {
		out = append(out, "counts")
	}
	if r.Loss == nil {
		out = append(out, "loss")
	}
	return out
}

// SupplementaryDays is how long casualty changes must be filed as
// supplementary reports: 30 days, 7 for road-traffic and fire accidents,
// whose casualties settle sooner (Decree 493, art. 13). These are national
// law, not local settings.
func SupplementaryDays(c Category) int {
	if c == RoadTraffic || c == Fire {
		return 7
	}
	return 30
}

// SupplementaryDeadline is the first instant after the supplementary window.
// The window counts from the day of the event (the time received when the
// time of the event is unknown) and, as Chinese law counts periods in days,
// excludes that day and ends at midnight after the last day, in the
// station's zone loc (nil: China Standard Time).
func SupplementaryDeadline(inc *Incident, loc *time.Location) time.Time {
	if loc == nil {
		loc = chinaTime()
	}
	from := inc.OccurredAt
	if from.IsZero() {
		from = inc.ReceivedAt
	}
	y, m, d := from.In(loc).Date()
	return time.Date(y, m, d+SupplementaryDays(inc.Category)+1, 0, 0, 0, 0, loc)
}

func chinaTime() *time.Location {
	if loc, err := time.LoadLocation(app.DefaultZone); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600) // no tz database: China is UTC+8 all year
}

// CheckNewReport checks that r may be filed now on inc, given the reports
// already filed: the incident is open, there is one initial report and it
// comes first, and a supplementary report is inside its window.
// ECONFLICT for a closed incident, EINVALID otherwise.
func CheckNewReport(inc *Incident, filed []Report, r *Report, now time.Time, loc *time.Location) error {
	if err := inc.CheckOpen(); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if r.Incident != inc.ID {
		return app.FieldErrorf("incident", "the report is about another incident")
	}
	hasInitial := false
	for i := range filed {
		if filed[i].Kind == KindInitial {
			hasInitial = true
		}
	}
	switch {
	case r.Kind == KindInitial && hasInitial:
		return app.FieldErrorf("kind", "the incident already has its initial report; file a follow-up")
	case r.Kind != KindInitial && !hasInitial:
		return app.FieldErrorf("kind", "file the initial report first")
	}
	if r.Kind == KindSupplementary {
		end := SupplementaryDeadline(inc, loc)
		if !now.Before(end) {
			last := end.Add(-time.Nanosecond).In(end.Location())
			return app.FieldErrorf("kind", "the %d-day window for supplementary reports ended on %s; file a final report instead",
				SupplementaryDays(inc.Category), last.Format("2006-01-02"))
		}
	}
	return nil
}
