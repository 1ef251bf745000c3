package incident

import (
	"context"
	"time"

	"dutyroom/app"
)

// Operation kinds of incidents. Each change travels up the tree as one
// operation; incidents, reports, tasks and events are append-only streams,
// so they never conflict (DESIGN.md, "Sync").
const (
	OpIncidentCreate = "incident.create"   // payload: Incident, with its Assessment and tasks
	OpIncidentCounts = "incident.counts"   // payload: the new figures and the tasks they add
	OpIncidentGrade  = "incident.grade"    // payload: the confirmed or overridden grade
	OpIncidentReport = "incident.report"   // payload: Report and the tasks delivering it
	OpIncidentSign   = "incident.sign"     // payload: report id, signer, signed tasks
	OpIncidentSend   = "incident.send"     // payload: task id, sent at
	OpIncidentAck    = "incident.ack"      // payload: task id, acknowledged by and at
	OpIncidentClose  = "incident.close"    // payload: reason, closed at
	OpIncidentEvent  = "incident.event"    // payload: Event
	OpSettingsUpdate = "incident.settings" // payload: station id, Settings
)

// Settings are a station's incident rules. A station without its own takes
// those of the nearest ancestor that has them, and the national defaults at
// the top.
type Settings struct {
	Thresholds Thresholds      `json:"thresholds"`
	Rules      EscalationRules `json:"rules"`
	Limits     Limits          `json:"limits"`
}

// DefaultSettings returns the national rules.
func DefaultSettings() Settings {
	return Settings{Thresholds: DefaultThresholds(), Rules: DefaultEscalationRules()}
}

// Validate checks the thresholds and the rules.
func (s Settings) Validate() error {
	if err := s.Thresholds.Validate(); err != nil {
		return err
	}
	if err := s.Rules.Validate(); err != nil {
		return err
	}
	if s.Limits.MaxAttachment < 0 || s.Limits.ClockSkew < 0 {
		return app.FieldErrorf("limits", "limits cannot be negative")
	}
	return nil
}

// TaskFilter narrows report tasks. Nil fields do not filter.
type TaskFilter struct {
	Incident *app.ID
	From     *app.ID // the sending station
	To       *app.ID // the receiving station
	Open     *bool   // pending or signed, that is not yet sent
}

// Service is the incident capability as the screens and the command line
// use it. The store implements it; one call is one transaction, durable
// before it returns, with its operation in the outbox. The actor of every
// change is app.AuthorFrom(ctx); leaders who decide (grade, sign-off) are
// named explicitly, since the duty officer usually types for them.
type Service interface {
	// CreateIncident validates inc under the receiving station's settings,
	// assigns ID, status and times, grades it and creates the initial
	// report tasks, and returns only once all of it is on disk.
	// EINVALID (Field names the field), EFORBIDDEN when this station may
	// not file for inc.Station.
	CreateIncident(ctx context.Context, inc *Incident) (Assessment, []ReportTask, error)

	// FindIncidentByID returns ENOTFOUND when there is no such incident.
	FindIncidentByID(ctx context.Context, id app.ID) (*Incident, error)

	// Incidents returns the page of incidents matching f (see Matches),
	// newest received first, and how many match in all.
	Incidents(ctx context.Context, f Filter) ([]Incident, int, error)

	// UpdateCounts replaces the figures (Incident.SetFigures), re-grades,
	// creates the report tasks a higher grade requires (Diff) and brings
	// forward the deadlines of unsent ones (Tighten); it returns the new
	// and the changed tasks.
	// EINVALID, ENOTFOUND, ECONFLICT when the incident is closed.
	UpdateCounts(ctx context.Context, id app.ID, c Counts, loss int64) (Assessment, []ReportTask, error)

	// ConfirmGrade records the leader on duty accepting the provisional
	// grade. EINVALID without a name, ENOTFOUND, ECONFLICT when closed.
	ConfirmGrade(ctx context.Context, id app.ID, leader string) error

	// OverrideGrade records the leader on duty setting the grade, and
	// creates or brings forward the tasks a higher grade requires. EINVALID (Field "reason"
	// when the reason is missing), ENOTFOUND, ECONFLICT when closed.
	OverrideGrade(ctx context.Context, id app.ID, o Override) ([]ReportTask, error)

	// Tasks returns the report tasks matching f by deadline.
	Tasks(ctx context.Context, f TaskFilter) ([]ReportTask, error)

	// AddReport files a report (see CheckNewReport) with the tasks that
	// deliver it; a final report closes the incident. EINVALID (Field
	// "kind" for a second initial report or a supplementary report past
	// its window), ENOTFOUND, ECONFLICT when closed.
	AddReport(ctx context.Context, r *Report) ([]ReportTask, error)

	// Reports returns an incident's reports, oldest first. ENOTFOUND.
	Reports(ctx context.Context, incident app.ID) ([]Report, error)

	// SignReport records the leader on duty signing off the report, and
	// marks signed the pending tasks of the filing station that it
	// carries. EINVALID without a name, ENOTFOUND, ECONFLICT when already
	// signed or the incident is closed.
	SignReport(ctx context.Context, report app.ID, leader string) ([]ReportTask, error)

	// SendTask records the report as sent now, and late when past due.
	// ENOTFOUND, ECONFLICT when unsigned (written) or already sent.
	SendTask(ctx context.Context, task app.ID) error

	// AcknowledgeTask records receipt by the recipient. EINVALID without a
	// name, ENOTFOUND, ECONFLICT unless sent.
	AcknowledgeTask(ctx context.Context, task app.ID, by string) error

	// CloseIncident closes without a final report (a duplicate, a false
	// alarm). EINVALID (Field "reason"), ENOTFOUND, ECONFLICT when closed.
	CloseIncident(ctx context.Context, id app.ID, reason string) error

	// Timeline returns the incident's events in order (SortTimeline).
	// ENOTFOUND.
	Timeline(ctx context.Context, id app.ID) ([]Event, error)

	// Stats summarises the incidents matching f (Limit and Offset are
	// ignored) and their tasks, months in the zone loc (see Summarize).
	Stats(ctx context.Context, f Filter, loc *time.Location) (*Stats, error)

	// Settings returns the rules in force at a station. ENOTFOUND.
	Settings(ctx context.Context, station app.ID) (Settings, error)

	// SetSettings gives a station its own rules and grades the open
	// incidents they govern anew: a changed provisional grade is an
	// EventRegraded, a rise adds the reports it requires, a grade the
	// leader on duty confirmed or set stands. EINVALID, ENOTFOUND,
	// EFORBIDDEN when this station may not change them.
	SetSettings(ctx context.Context, station app.ID, s Settings) error
}
