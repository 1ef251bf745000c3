package instruction

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"dutyroom/app"
)

// Record is an instruction with everything recorded against it here: the
// answers and done marks received, and the replies to the leader.
type Record struct {
	Instruction Instruction `json:"instruction"`
	Answers     []Answer    `json:"answers,omitempty"`
	Done        []Done      `json:"done,omitempty"`
	Feedback    []Feedback  `json:"feedback,omitempty"` // oldest first; the last is the one in force
}

// State is where an instruction stands, as the register filters it.
type State string

const (
	StateOpen     State = "open"     // tasks still to do, none past its deadline
	StateOverdue  State = "overdue"  // a task not done by its deadline
	StateAnswered State = "answered" // every assignee has finished; no reply to the leader yet
	StateFedBack  State = "fed_back" // the reply to the leader is recorded
)

// States in the order the register offers them.
var States = []State{StateOpen, StateOverdue, StateAnswered, StateFedBack}

// Valid reports whether s is a known state ("" is not one).
func (s State) Valid() bool { return slices.Contains(States, s) }

// Progress is one assignee's standing on one task.
type Progress struct {
	Task     app.ID
	For      Assignee
	Deadline time.Time
	Answers  int        // reports received
	Last     *Answer    // the latest report, nil before the first
	DoneAt   *time.Time // when it was marked done
}

// Overdue reports whether the assignee has not finished by the deadline.
func (p Progress) Overdue(now time.Time) bool { return p.DoneAt == nil && now.After(p.Deadline) }

// Progress returns every assignee of every task, tasks in order, stations
// before units.
func (r *Record) Progress() []Progress {
	var out []Progress
	for _, t := range r.Instruction.Tasks {
		for _, a := range t.Assignees() {
			p := Progress{Task: t.ID, For: a, Deadline: t.Deadline}
			for i := range r.Answers {
				ans := &r.Answers[i]
				if ans.Task == t.ID && ans.For == a {
					p.Answers++
					if p.Last == nil || !ans.At.Before(p.Last.At) {
						p.Last = ans
					}
					if ans.Done && (p.DoneAt == nil || ans.At.Before(*p.DoneAt)) {
						at := ans.At
						p.DoneAt = &at
					}
				}
			}
			for _, d := range r.Done {
				if d.Task == t.ID && d.For == a && (p.DoneAt == nil || d.At.Before(*p.DoneAt)) {
					at := d.At
					p.DoneAt = &at
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// LastFeedback returns the reply in force, or nil.
func (r *Record) LastFeedback() *Feedback {
	if len(r.Feedback) == 0 {
		return nil
	}
	return &r.Feedback[len(r.Feedback)-1]
}

// State returns where the instruction stands at now.
func (r *Record) State(now time.Time) State {
	s := r.Summary()
	return s.State(now)
}

// Summary is what the register keeps of an instruction to filter, search
// and count it without reading its answers.
type Summary struct {
	ID       app.ID      `json:"id"`
	Station  app.ID      `json:"station"`
	GivenAt  time.Time   `json:"given_at"`
	Leader   string      `json:"leader"`
	Post     string      `json:"post,omitempty"`
	Source   Source      `json:"source"`
	Words    string      `json:"words"` // the first line, cut to 80 characters, for the list
	Incident app.ID      `json:"incident,omitzero"`
	Stations []app.ID    `json:"stations,omitempty"`
	Pending  []time.Time `json:"pending,omitempty"` // the deadlines of assignees not done, earliest first
	Assigned int         `json:"assigned"`          // assignees in all
	FedBack  bool        `json:"fed_back,omitempty"`
	Search   string      `json:"search"` // leader, post, words, tasks and units, case-folded
}

// Summary returns the register's view of the record.
func (r *Record) Summary() Summary {
	in := &r.Instruction
	s := Summary{ID: in.ID, Station: in.Station, GivenAt: in.GivenAt, Leader: in.Leader, Post: in.LeaderPost,
		Source: in.Source, Words: firstLine(in.Words, 80), Incident: in.Incident, Stations: in.Stations(), FedBack: len(r.Feedback) > 0}
	for _, p := range r.Progress() {
		s.Assigned++
		if p.DoneAt == nil {
			s.Pending = append(s.Pending, p.Deadline)
		}
	}
	slices.SortFunc(s.Pending, func(a, b time.Time) int { return a.Compare(b) })
	parts := []string{in.Leader, in.LeaderPost, in.Words}
	for _, t := range in.Tasks {
		parts = append(parts, t.Text)
		parts = append(parts, t.Units...)
	}
	s.Search = strings.ToLower(strings.Join(parts, "\n"))
	return s
}

// State returns where the instruction stands at now.
func (s *Summary) State(now time.Time) State {
	switch {
	case s.FedBack:
		return StateFedBack
	case len(s.Pending) == 0:
		return StateAnswered
	case now.After(s.Pending[0]):
		return StateOverdue
	}
	return StateOpen
}

// OverdueCount returns how many assignees are past their deadline at now.
func (s *Summary) OverdueCount(now time.Time) int {
	n := 0
	for _, d := range s.Pending {
		if now.After(d) {
			n++
		}
	}
	return n
}

// NextDeadline returns the earliest deadline still pending, or zero.
func (s *Summary) NextDeadline() time.Time {
	if len(s.Pending) == 0 {
		return time.Time{}
	}
	return s.Pending[0]
}

func firstLine(s string, max int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	r := []rune(s)
	if len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// Filter is what the register is asked for. Zero fields match everything.
type Filter struct {
	State    State     // "" any
	From, To time.Time // GivenAt within [From, To)
	Incident app.ID
	Station  app.ID // an instruction with a task for the station, or issued by it
	Query    string // every word must appear (case-insensitive)
}

// Validate checks the filter.
func (f *Filter) Validate() error {
	if f.State != "" && !f.State.Valid() {
		return app.FieldErrorf("state", "unknown state %q (want open, overdue, answered or fed_back)", f.State)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return app.FieldErrorf("to", "the end of the date range is not after its start")
	}
	if len(f.Query) > 200 {
		return app.FieldErrorf("query", "the search is longer than 200 bytes")
	}
	return nil
}

// Match reports whether the summary passes the filter at now. words are
// the query's words, case-folded (Words).
func (f *Filter) Match(s *Summary, now time.Time, words []string) bool {
	switch {
	case f.State != "" && s.State(now) != f.State:
		return false
	case !f.From.IsZero() && s.GivenAt.Before(f.From):
		return false
	case !f.To.IsZero() && !s.GivenAt.Before(f.To):
		return false
	case f.Incident != app.NilID && s.Incident != f.Incident:
		return false
	case f.Station != app.NilID && s.Station != f.Station && !slices.Contains(s.Stations, f.Station):
		return false
	}
	for _, w := range words {
		if !strings.Contains(s.Search, w) {
			return false
		}
	}
	return true
}

// Words splits a query into the case-folded words Match looks for.
func Words(query string) []string { return strings.Fields(strings.ToLower(query)) }

// DefaultRemindBefore is how long before a deadline the duty room is
// reminded of a task not done: long enough to phone a township.
const DefaultRemindBefore = 30 * time.Minute

// Reminder is one task, for one assignee, close to or past its deadline.
type Reminder struct {
	Instruction app.ID
	Task        app.ID
	For         Assignee
	Deadline    time.Time
	Overdue     bool
}

// Key names the reminder for remembering that it was shown: once before
// the deadline and once when it passes.
func (m Reminder) Key() string {
	return fmt.Sprintf("%s/%s/%s/%s/%t", m.Instruction, m.Task, m.For.Station, m.For.Unit, m.Overdue)
}

// Reminders returns the assignees of r not done whose deadline is within
// before of now, or past. self is the station asking: the issuing station
// is reminded of every assignee, a station named of its own tasks only.
func (r *Record) Reminders(self app.ID, now time.Time, before time.Duration) []Reminder {
	var out []Reminder
	for _, p := range r.Progress() {
		if p.DoneAt != nil || now.Before(p.Deadline.Add(-before)) {
			continue
		}
		if self != r.Instruction.Station && p.For.Station != self {
			continue
		}
		out = append(out, Reminder{Instruction: r.Instruction.ID, Task: p.Task, For: p.For, Deadline: p.Deadline, Overdue: now.After(p.Deadline)})
	}
	return out
}

// AssembleFeedback drafts the reply to the leader from the answers: the
// instruction, then for each task each assignee's latest report, or that
// it has not answered yet. name names a station. The officer edits it
// before recording it.
func (r *Record) AssembleFeedback(name func(app.ID) string, loc *time.Location) string {
	in := &r.Instruction
	var b strings.Builder
	fmt.Fprintf(&b, "关于%s%s %s批示的办理情况：\n", in.LeaderPost, in.Leader, in.GivenAt.In(loc).Format("1月2日15:04"))
	progress := r.Progress()
	for i, t := range in.Tasks {
		fmt.Fprintf(&b, "%d. %s\n", i+1, t.Text)
		for _, p := range progress {
			if p.Task != t.ID {
				continue
			}
			who := p.For.Unit
			if p.For.Station != app.NilID {
				who = name(p.For.Station)
			}
			switch {
			case p.Last == nil:
				fmt.Fprintf(&b, "   %s：尚未反馈。\n", who)
			default:
				state := "正在办理"
				if p.DoneAt != nil {
					state = "已办结"
				}
				fmt.Fprintf(&b, "   %s（%s，%s）：%s\n", who, state, p.Last.At.In(loc).Format("1月2日15:04"), p.Last.Text)
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
