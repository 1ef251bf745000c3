package incident

import (
	"bytes"
	"slices"
	"strings"
	"time"

	"dutyroom/app"
)

// Level is a level of government a report may have to reach. County and
// prefecture are stations of our tree; the levels above the prefecture are
// offices outside it, which the prefecture duty room reports to by its own
// means (phone, fax, the province's system) and records here.
type Level string

const (
	LevelCounty       Level = "county"
	LevelPrefecture   Level = "prefecture"
	LevelProvince     Level = "province"
	LevelMinistry     Level = "ministry" // the Ministry of Emergency Management
	LevelStateCouncil Level = "state_council"
)

// Levels lists the levels from the bottom up.
var Levels = []Level{LevelCounty, LevelPrefecture, LevelProvince, LevelMinistry, LevelStateCouncil}

// rank places a level on the scale of app.Tier, where smaller is higher:
// county 2, prefecture 1, and the offices beyond the tree at 0 and below.
func (l Level) rank() int {
	switch l {
	case LevelCounty:
		return int(app.TierCounty)
	case LevelPrefecture:
		return int(app.TierPrefecture)
	case LevelProvince:
		return 0
	case LevelMinistry:
		return -1
	case LevelStateCouncil:
		return -2
	}
	return 100
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.rank() != 100 }

// External reports whether the level lies beyond the station tree.
func (l Level) External() bool { return l.rank() <= 0 }

// Recipient is who must receive a report: a station of the tree, or, when
// Station is NilID, an office beyond it.
type Recipient struct {
	Station app.ID `json:"station,omitzero"`
	Level   Level  `json:"level,omitempty"`
}

// External reports whether the recipient is outside the station tree.
func (r Recipient) External() bool { return r.Station == app.NilID }

func (r Recipient) String() string {
	if r.External() {
		return string(r.Level)
	}
	return r.Station.String()
}

// Mode is how a report travels.
type Mode string

const (
	ModePhone   Mode = "phone"   // a call, logged; the fastest first word
	ModeWritten Mode = "written" // a signed document
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ModePhone || m == ModeWritten }

// TaskStatus is how far a required report has got.
type TaskStatus string

const (
	TaskPending      TaskStatus = "pending"
	TaskSigned       TaskStatus = "signed" // 签发: the leader on duty has signed the report
	TaskSent         TaskStatus = "sent"
	TaskAcknowledged TaskStatus = "acknowledged" // the recipient confirmed receipt
)

// Valid reports whether s is a known status.
func (s TaskStatus) Valid() bool {
	return s == TaskPending || s == TaskSigned || s == TaskSent || s == TaskAcknowledged
}

// ReportTask is one report the law requires: who sends what to whom, how,
// and by when. Tasks are created from the rules when an incident is received
// and whenever its grade rises or a later report is filed.
type ReportTask struct {
	ID       app.ID     `json:"id"`
	Incident app.ID     `json:"incident"`
	Kind     ReportKind `json:"kind"`
	From     app.ID     `json:"from"`
	To       Recipient  `json:"to"`
	Mode     Mode       `json:"mode"`
	Due      time.Time  `json:"due"`
	// Report is the report carried: set at creation for later reports, at
	// signing for the initial one (the rules know an initial report is due
	// before anyone has written it).
	Report app.ID     `json:"report,omitzero"`
	Status TaskStatus `json:"status"`

	SignedBy string    `json:"signed_by,omitempty"`
	SignedAt time.Time `json:"signed_at,omitzero"`
	SentAt   time.Time `json:"sent_at,omitzero"`
	// Late records a report sent after its deadline (迟报). It stays true
	// once set, whatever happens after.
	Late    bool      `json:"late,omitempty"`
	AckedBy string    `json:"acked_by,omitempty"`
	AckedAt time.Time `json:"acked_at,omitzero"`
}

// Validate checks a task as it arrives from another station.
func (t *ReportTask) Validate() error {
	switch {
	case t.Incident == app.NilID:
		return app.FieldErrorf("incident", "a report task belongs to an incident")
	case !t.Kind.Valid():
		return app.FieldErrorf("kind", "unknown report kind %q", t.Kind)
	case t.From == app.NilID:
		return app.FieldErrorf("from", "the sending station is required")
	case t.To.Station == app.NilID && !t.To.Level.Valid():
		return app.FieldErrorf("to", "the recipient is neither a station nor a known level (%q)", t.To.Level)
	case !t.Mode.Valid():
		return app.FieldErrorf("mode", "unknown mode %q", t.Mode)
	case t.Due.IsZero():
		return app.FieldErrorf("due", "a report task needs a deadline")
	case !t.Status.Valid():
		return app.FieldErrorf("status", "unknown status %q", t.Status)
	}
	return nil
}

// Open reports whether the task still waits to be sent.
func (t *ReportTask) Open() bool { return t.Status == TaskPending || t.Status == TaskSigned }

// Overdue reports whether the deadline has passed with the report unsent.
func (t *ReportTask) Overdue(now time.Time) bool { return t.Open() && now.After(t.Due) }

// Remaining is the time left before the deadline; negative when overdue.
func (t *ReportTask) Remaining(now time.Time) time.Duration { return t.Due.Sub(now) }

// Sign records the leader on duty signing off (签发) the report carried.
// A written report needs one. ECONFLICT unless pending, EINVALID without
// the leader's name or, for a written report, the report.
func (t *ReportTask) Sign(report app.ID, by string, at time.Time) error {
	if t.Status != TaskPending {
		return app.Errorf(app.ECONFLICT, "the report is already %s", t.Status)
	}
	by = strings.TrimSpace(by)
	if by == "" {
		return app.FieldErrorf("by", "the leader on duty who signs is required")
	}
	if t.Mode == ModeWritten && report == app.NilID {
		return app.FieldErrorf("report", "a written report must be written before it is signed")
	}
	t.Status, t.SignedBy, t.SignedAt = TaskSigned, by, at
	if report != app.NilID {
		t.Report = report
	}
	return nil
}

// Send records the report as sent at the instant given and marks it late
// when that is after the deadline. A written report must be signed first; a
// phone report need not, since holding a 30-minute call for a signature
// would defeat it. ECONFLICT otherwise.
func (t *ReportTask) Send(at time.Time) error {
	switch {
	case t.Status == TaskSent || t.Status == TaskAcknowledged:
		return app.Errorf(app.ECONFLICT, "the report was already sent at %s", t.SentAt.Format("2006-01-02 15:04"))
	case t.Status == TaskPending && t.Mode == ModeWritten:
		return app.Errorf(app.ECONFLICT, "the leader on duty must sign the written report before it is sent")
	}
	t.Status, t.SentAt = TaskSent, at
	if at.After(t.Due) {
		t.Late = true
	}
	return nil
}

// Acknowledge records the recipient confirming receipt; for an office
// beyond the tree the sender records it. ECONFLICT unless sent, EINVALID
// without a name.
func (t *ReportTask) Acknowledge(by string, at time.Time) error {
	if t.Status != TaskSent {
		return app.Errorf(app.ECONFLICT, "only a sent report can be acknowledged (this one is %s)", t.Status)
	}
	by = strings.TrimSpace(by)
	if by == "" {
		return app.FieldErrorf("by", "who acknowledges is required")
	}
	t.Status, t.AckedBy, t.AckedAt = TaskAcknowledged, by, at
	return nil
}

// NextDue returns the earliest deadline among open tasks, zero when none.
func NextDue(tasks []ReportTask) time.Time {
	var next time.Time
	for i := range tasks {
		t := &tasks[i]
		if t.Open() && (next.IsZero() || t.Due.Before(next)) {
			next = t.Due
		}
	}
	return next
}

// EscalationRules are a station's reporting deadlines. The defaults are the
// national ones; provinces tighten them, so every figure is editable.
type EscalationRules struct {
	// FirstReport is the time a station below the county has for its first
	// report up, to the county (Decree 493, art. 9: one hour). A county or
	// prefecture that receives an incident first has PerLevel.
	FirstReport time.Duration `json:"first_report"`
	// PerLevel is the time each further level has to pass it on (art. 11).
	PerLevel time.Duration `json:"per_level"`
	// Reach is the highest level each grade must reach (art. 10). Above
	// the prefecture the prefecture duty room answers for getting the
	// report there, through the province's duty office or directly as
	// art. 10 allows; the system records it as the prefecture's task.
	Reach map[Grade]Level `json:"reach"`

	// From UrgentFrom up, every level reports by phone within UrgentPhone
	// and in writing within UrgentWritten of receipt, so the report reaches
	// the top duty office in those times (State Council emergency office
	// notice of 2015-07-31: 30 minutes and 1 hour).
	UrgentFrom    Grade         `json:"urgent_from"`
	UrgentPhone   time.Duration `json:"urgent_phone"`
	UrgentWritten time.Duration `json:"urgent_written"`

	// DisasterCounty is when a county's initial report of a natural
	// disaster is due (2 hours), in place of the accident schedule; a
	// report reaching the county only after that follows the schedule.
	DisasterCounty time.Duration `json:"disaster_county"`

	// A direct report (越级直报) goes from the first station at or above
	// DirectFrom straight to each of DirectTo, by phone within DirectPhone
	// and in writing within DirectWritten.
	DirectFrom    app.Tier      `json:"direct_from"`
	DirectTo      []Level       `json:"direct_to"`
	DirectPhone   time.Duration `json:"direct_phone"`
	DirectWritten time.Duration `json:"direct_written"`
}

// DefaultEscalationRules returns the national figures of DOMAIN.md. "At
// once" for the direct report carries no figure in the rule, so it takes
// the tightest national one, the urgent 30 minutes and 1 hour.
func DefaultEscalationRules() EscalationRules {
	return EscalationRules{
		FirstReport: time.Hour,
		PerLevel:    2 * time.Hour,
		Reach: map[Grade]Level{
			GradeGeneral:         LevelPrefecture,
			GradeLarge:           LevelProvince,
			GradeMajor:           LevelStateCouncil,
			GradeEspeciallyMajor: LevelStateCouncil,
		},
		UrgentFrom:     GradeMajor,
		UrgentPhone:    30 * time.Minute,
		UrgentWritten:  time.Hour,
		DisasterCounty: 2 * time.Hour,
		DirectFrom:     app.TierCounty,
		DirectTo:       []Level{LevelProvince, LevelMinistry},
		DirectPhone:    30 * time.Minute,
		DirectWritten:  time.Hour,
	}
}

// Validate checks that every deadline is positive and that the reach rises
// with the grade.
func (r EscalationRules) Validate() error {
	durations := []struct {
		field string
		d     time.Duration
	}{
		{"first_report", r.FirstReport},
		{"per_level", r.PerLevel},
		{"urgent_phone", r.UrgentPhone},
		{"urgent_written", r.UrgentWritten},
		{"disaster_county", r.DisasterCounty},
		{"direct_phone", r.DirectPhone},
		{"direct_written", r.DirectWritten},
	}
	for _, d := range durations {
		if d.d <= 0 {
			return app.FieldErrorf(d.field, "the time limit must be positive")
		}
		if d.d > 7*24*time.Hour {
			return app.FieldErrorf(d.field, "a time limit of %s is longer than a week; check the unit", d.d)
		}
	}
	prev := Level("")
	for _, g := range Grades {
		l, ok := r.Reach[g]
		if !ok || !l.Valid() {
			return app.FieldErrorf("reach", "say which level a %s incident must reach", g)
		}
		if prev != "" && l.rank() > prev.rank() {
			return app.FieldErrorf("reach", "a %s incident cannot stop below a less severe one (%s under %s)", g, l, prev)
		}
		prev = l
	}
	if !r.UrgentFrom.Valid() {
		return app.FieldErrorf("urgent_from", "choose the grade from which the 30-minute rule applies")
	}
	if !r.DirectFrom.HasDutyRoom() {
		return app.FieldErrorf("direct_from", "direct reports go from a duty room (prefecture, county or township)")
	}
	for _, l := range r.DirectTo {
		if !l.Valid() {
			return app.FieldErrorf("direct_to", "unknown level %q", l)
		}
	}
	return nil
}

// RequiredReports returns the reports the rules require for the incident:
// every hop up the tree from the receiving station to the level the grade
// must reach, and the direct reports when the assessment calls for them.
// Deadlines run from start: the time received on intake, the time of the
// change when re-run after a grade rises (a deadline cannot run from before
// the facts that trigger it were known). Use Diff to keep only new tasks.
// A station missing from the tree gives no tasks; Validate rejects it first.
func RequiredReports(inc *Incident, a Assessment, tree *app.Tree, rules EscalationRules, start time.Time) []ReportTask {
	r := router{inc: inc, grade: decidingGrade(inc, a), direct: a.DirectReport, tree: tree, rules: rules,
		start: start, kind: KindInitial, phone: true}
	return r.route(inc.Station)
}

// FollowUpTasks returns the deliveries of a later report (follow-up,
// supplementary or final): the same recipients as the initial report, from
// the filing station up, in writing, with deadlines from the report's
// creation.
func FollowUpTasks(inc *Incident, rep *Report, a Assessment, tree *app.Tree, rules EscalationRules) []ReportTask {
	r := router{inc: inc, grade: decidingGrade(inc, a), direct: a.DirectReport, tree: tree, rules: rules,
		start: rep.CreatedAt, kind: rep.Kind, report: rep.ID}
	return r.route(rep.Station)
}

// decidingGrade picks the grade the rules apply. The leader's grade holds
// when it was set on the figures assessed; a provisional grade above it that
// the leader has not seen yet means new figures, and the higher one holds.
func decidingGrade(inc *Incident, a Assessment) Grade {
	if inc.Grade == 0 {
		return a.Grade
	}
	if a.Grade > inc.Grade && a.Grade != inc.Provisional {
		return a.Grade
	}
	return inc.Grade
}

type router struct {
	inc    *Incident
	grade  Grade
	direct bool
	tree   *app.Tree
	rules  EscalationRules
	start  time.Time
	kind   ReportKind
	report app.ID
	phone  bool // whether phone reports are due too (initial reports only)
	tasks  []ReportTask
}

func (r *router) route(from app.ID) []ReportTask {
	origin := r.tree.Station(from)
	if origin == nil || !r.grade.Valid() {
		return nil
	}
	chain := append([]*app.Station{origin}, r.tree.Ancestors(from)...)
	reach := r.rules.Reach[r.grade]
	if !reach.Valid() {
		reach = DefaultEscalationRules().Reach[r.grade]
	}
	urgent := r.rules.UrgentFrom.Valid() && r.grade >= r.rules.UrgentFrom
	disaster := r.inc.Category.Group() == GroupNaturalDisaster

	due := r.start.Add(r.firstHop(origin))
	hops := 0
	for i := 0; i+1 < len(chain); i++ {
		s, up := chain[i], chain[i+1]
		if int(s.Tier) <= reach.rank() {
			break
		}
		arrives := r.start // when the report reaches s at the latest
		if hops > 0 {
			arrives = due
			due = due.Add(r.rules.PerLevel)
		}
		// Natural disasters have their own rule for the county's initial
		// report, in place of the accident schedule, whenever the report
		// can reach the county before it expires.
		if disaster && s.Tier == app.TierCounty && r.rules.DisasterCounty > 0 {
			if limit := r.start.Add(r.rules.DisasterCounty); arrives.Before(limit) {
				due = limit
			}
		}
		r.hop(s.ID, Recipient{Station: up.ID}, due, urgent)
		hops++
	}
	// The tree ends at the prefecture; a grade that must go higher leaves
	// the prefecture duty room a report to make outside the system.
	top := chain[len(chain)-1]
	if reach.rank() < int(top.Tier) {
		if hops > 0 {
			due = due.Add(r.rules.PerLevel)
		}
		r.hop(top.ID, Recipient{Level: reach}, due, urgent)
	}
	if r.direct {
		r.directReports(chain)
	}
	return r.tasks
}

// firstHop is the time the receiving station has for its first report up.
// Decree 493 gives the accident unit one hour to reach the county-level
// authority (art. 9) and every further level two hours (art. 11): a
// township passing on what it took in still owes the county the first
// hour, but a county or prefecture that took the call is itself a level
// the report has reached, so its hop up is a further level's.
func (r *router) firstHop(origin *app.Station) time.Duration {
	return r.rules.FirstHop(origin.Tier)
}

// hop adds the reports from one station to the next: in writing by the
// schedule, and for urgent grades by phone too, each by the tighter of the
// schedule and the urgent limit.
func (r *router) hop(from app.ID, to Recipient, due time.Time, urgent bool) {
	if urgent {
		if r.phone {
			r.add(from, to, ModePhone, earliest(due, r.start.Add(r.rules.UrgentPhone)))
		}
		due = earliest(due, r.start.Add(r.rules.UrgentWritten))
	}
	r.add(from, to, ModeWritten, due)
}

func (r *router) directReports(chain []*app.Station) {
	sender := chain[len(chain)-1]
	for _, s := range chain {
		if s.Tier <= r.rules.DirectFrom {
			sender = s
			break
		}
	}
	for _, l := range r.rules.DirectTo {
		if l.rank() >= int(sender.Tier) {
			continue // not above the sender
		}
		to := Recipient{Level: l}
		for _, s := range chain {
			if int(s.Tier) == l.rank() {
				to = Recipient{Station: s.ID}
			}
		}
		if r.phone {
			r.add(sender.ID, to, ModePhone, r.start.Add(r.rules.DirectPhone))
		}
		r.add(sender.ID, to, ModeWritten, r.start.Add(r.rules.DirectWritten))
	}
}

// add appends a task, or tightens the deadline of the same delivery already
// required by another rule: one report satisfies both.
func (r *router) add(from app.ID, to Recipient, mode Mode, due time.Time) {
	for i := range r.tasks {
		t := &r.tasks[i]
		if t.From == from && t.To == to && t.Mode == mode {
			t.Due = earliest(t.Due, due)
			return
		}
	}
	r.tasks = append(r.tasks, ReportTask{
		ID: app.NewID(), Incident: r.inc.ID, Kind: r.kind, From: from, To: to, Mode: mode,
		Due: due, Report: r.report, Status: TaskPending,
	})
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// taskKey identifies a delivery. The initial report is one per recipient
// and mode, whichever document ends up carrying it; each later report is a
// delivery of its own.
type taskKey struct {
	kind   ReportKind
	from   app.ID
	to     Recipient
	mode   Mode
	report app.ID
}

func keyOf(t *ReportTask) taskKey {
	k := taskKey{kind: t.Kind, from: t.From, to: t.To, mode: t.Mode}
	if t.Kind != KindInitial {
		k.report = t.Report
	}
	return k
}

// Diff returns the tasks of required that existing does not already hold,
// in the order of required: after a grade rises, the reports the new grade
// adds. Deliveries already required are not repeated; Tighten brings their
// deadlines forward where the new grade demands it.
func Diff(existing, required []ReportTask) []ReportTask {
	have := make(map[taskKey]bool, len(existing))
	for i := range existing {
		have[keyOf(&existing[i])] = true
	}
	var out []ReportTask
	for i := range required {
		if !have[keyOf(&required[i])] {
			out = append(out, required[i])
		}
	}
	return out
}

// Tighten returns copies of the existing tasks, still unsent, whose
// deadline required brings forward, with the earlier deadline: a written
// report due in three hours under the old grade is due within the hour once
// the grade is major. Sent tasks keep theirs, since lateness is judged
// against the deadline in force when they were sent.
func Tighten(existing, required []ReportTask) []ReportTask {
	due := make(map[taskKey]time.Time, len(required))
	for i := range required {
		k := keyOf(&required[i])
		if d, ok := due[k]; !ok || required[i].Due.Before(d) {
			due[k] = required[i].Due
		}
	}
	var out []ReportTask
	for i := range existing {
		t := existing[i]
		if d, ok := due[keyOf(&t)]; ok && t.Open() && d.Before(t.Due) {
			t.Due = d
			out = append(out, t)
		}
	}
	return out
}

// SortTasks orders tasks by deadline, then sender, then id, the order of the
// countdown list.
func SortTasks(tasks []ReportTask) {
	slices.SortStableFunc(tasks, func(a, b ReportTask) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		if c := bytes.Compare(a.From[:], b.From[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
}

// FirstHop is the time a station of tier t has for its first report up
// under these rules (see router.firstHop).
func (r EscalationRules) FirstHop(t app.Tier) time.Duration {
	if t > app.TierCounty {
		return r.FirstReport
	}
	return r.PerLevel
}

// LocalDeadlines lists the reporting deadlines, by the field names of
// Validate, that differ from the national ones, so a settings screen can
// say which rule is in force: none means the national rules hold as they
// are.
func (r EscalationRules) LocalDeadlines() []string {
	national := DefaultEscalationRules()
	var out []string
	for _, f := range []struct {
		field       string
		got, nation time.Duration
	}{
		{"first_report", r.FirstReport, national.FirstReport},
		{"per_level", r.PerLevel, national.PerLevel},
		{"urgent_phone", r.UrgentPhone, national.UrgentPhone},
		{"urgent_written", r.UrgentWritten, national.UrgentWritten},
		{"direct_phone", r.DirectPhone, national.DirectPhone},
		{"direct_written", r.DirectWritten, national.DirectWritten},
		{"disaster_county", r.DisasterCounty, national.DisasterCounty},
	} {
		if f.got != f.nation {
			out = append(out, f.field)
		}
	}
	return out
}
