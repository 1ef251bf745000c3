// Package instruction is leaders' instructions (批示) as the duty room
// records and chases them: who gave one and how it came, its exact words
// (read back to the leader when it came by phone), the incident it
// concerns, and the tasks it sets, each for one or more stations below the
// issuing station or for units outside the system, with a deadline. Each
// station named answers its task (办理情况) and marks it done; the issuing
// station chases the rest, records what units outside the system say by
// phone, and gathers the answers into one reply to the leader (反馈).
//
// An instruction is the issuing station's record. It is addressed by name
// to the stations its tasks name (app.ScopeNone) and to nobody else;
// answers go back to the issuing station alone. Everything is append-only:
// an instruction is never edited once recorded, answers and done marks are
// added, and a later 反馈 supersedes an earlier one (the latest is shown,
// all are kept).
//
// Everything here is pure: callers pass the clock and the station tree.
package instruction

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/attachment"
)

// Operation kinds. All are addressed by name with app.ScopeNone.
const (
	OpCreate   = "instruction.create"      // payload: Created; to the stations the tasks name
	OpChunk    = "instruction.chunk"       // payload: message.Chunk whose Message is the instruction; as the record it belongs to
	OpAnswer   = "instruction.task.answer" // payload: Answer; to the issuing station
	OpDone     = "instruction.task.done"   // payload: Done; to the issuing station
	OpFeedback = "instruction.feedback"    // payload: Feedback; to the stations the tasks name
)

// Source is how an instruction reached the duty room.
type Source string

const (
	SourcePhone   Source = "phone"   // 电话: needs the read-back (复述确认)
	SourcePaper   Source = "paper"   // 纸质: a photo of the paper is attached
	SourceMessage Source = "message" // 信息/短信/系统消息
)

// Sources in the order the form offers them.
var Sources = []Source{SourcePhone, SourcePaper, SourceMessage}

// Valid reports whether s is a known source.
func (s Source) Valid() bool { return slices.Contains(Sources, s) }

// Limits on every text, in runes, and on counts. They keep one record
// well under app.MaxOpPayload whatever is typed.
const (
	MaxNameRunes     = 40    // the leader's and officers' names, as a person's name
	MaxPostRunes     = 60    // 职务: "州委副书记、州长"
	MaxWordsRunes    = 4000  // the instruction's exact words; a long paper is attached as a photo
	MaxTaskRunes     = 500   // what one task asks
	MaxUnitRunes     = 60    // the name of a unit outside the system
	MaxAnswerRunes   = 4000  // 办理情况
	MaxFeedbackRunes = 10000 // the reply to the leader, assembled from every answer
	MaxTasks         = 20
	MaxUnitsPerTask  = 20
	MaxStations      = app.MaxOpTo // stations named by all tasks together travel as the operation's To
	MaxAttachments   = 10
	MaxAnswers       = 200 // answers kept per instruction; progress reports, not a chat
	MaxFeedbacks     = 20
	// MaxAttachmentBytes bounds one file: a phone photo of a paper
	// instruction is a few megabytes.
	MaxAttachmentBytes = 20 << 20
)

// ReadBack records that a phone instruction was read back to whoever gave
// it and confirmed (复述确认).
type ReadBack struct {
	By string    `json:"by"` // the officer who read it back
	At time.Time `json:"at"`
}

// Task is one thing an instruction asks, of stations in the system, of
// units outside it (kept as text and chased by phone), or both.
type Task struct {
	ID       app.ID    `json:"id"`
	Text     string    `json:"text"`
	Stations []app.ID  `json:"stations,omitempty"`
	Units    []string  `json:"units,omitempty"`
	Deadline time.Time `json:"deadline"`
}

// Instruction is a 批示 as the issuing station records it. Its JSON is
// the stored and synced format.
type Instruction struct {
	ID          app.ID                  `json:"id"`
	Station     app.ID                  `json:"station"` // the issuing duty room
	Author      string                  `json:"author,omitempty"`
	RecordedAt  time.Time               `json:"recorded_at"`
	Leader      string                  `json:"leader"`      // who gave it
	LeaderPost  string                  `json:"leader_post"` // 职务
	GivenAt     time.Time               `json:"given_at"`
	Source      Source                  `json:"source"`
	Words       string                  `json:"words"` // exactly as given
	ReadBack    *ReadBack               `json:"read_back,omitempty"`
	Incident    app.ID                  `json:"incident,omitzero"`
	Attachments []attachment.Attachment `json:"attachments,omitempty"`
	Tasks       []Task                  `json:"tasks"`
}

// Created is the payload of OpCreate: the instruction and the chunk size
// its attachments travel in (0 without attachments).
type Created struct {
	Instruction Instruction `json:"instruction"`
	ChunkSize   int         `json:"chunk_size,omitempty"`
}

// Stations returns every station the tasks name, once each, in order.
func (in *Instruction) Stations() []app.ID {
	var out []app.ID
	for _, t := range in.Tasks {
		for _, s := range t.Stations {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// Task returns the task with the id, or nil.
func (in *Instruction) Task(id app.ID) *Task {
	for i := range in.Tasks {
		if in.Tasks[i].ID == id {
			return &in.Tasks[i]
		}
	}
	return nil
}

// Validate checks an instruction as the issuing station records it, or as
// another station receives it, trimming text on the way. now is the
// recording time: a deadline must be after it. tree must hold the issuer
// and every station named.
func (in *Instruction) Validate(tree *app.Tree, now time.Time) error {
	if tree == nil {
		return app.Errorf(app.EINTERNAL, "instruction validation needs the station tree")
	}
	in.Leader = strings.TrimSpace(in.Leader)
	in.LeaderPost = strings.TrimSpace(in.LeaderPost)
	in.Words = strings.TrimSpace(in.Words)
	in.Author = strings.TrimSpace(in.Author)
	switch {
	case in.ID == app.NilID:
		return app.FieldErrorf("id", "the instruction has no id")
	case in.Station == app.NilID || tree.Station(in.Station) == nil:
		return app.FieldErrorf("station", "the issuing station %s is not in the station tree", in.Station)
	case in.RecordedAt.IsZero():
		return app.FieldErrorf("recorded_at", "the instruction has no recording time")
	}
	if err := checkText("leader", "the leader's name", in.Leader, MaxNameRunes, true); err != nil {
		return err
	}
	if err := checkText("leader_post", "the leader's post", in.LeaderPost, MaxPostRunes, true); err != nil {
		return err
	}
	if err := checkText("author", "the officer's name", in.Author, MaxNameRunes, false); err != nil {
		return err
	}
	switch {
	case in.GivenAt.IsZero():
		return app.FieldErrorf("given_at", "say when the instruction was given")
	case in.GivenAt.After(in.RecordedAt.Add(5 * time.Minute)):
		// A few minutes of clock difference are tolerated; more is a typo.
		return app.FieldErrorf("given_at", "the instruction is given at %s, after it was recorded (%s)", stamp(in.GivenAt), stamp(in.RecordedAt))
	case !in.Source.Valid():
		return app.FieldErrorf("source", "say how the instruction came: phone, paper or message (not %q)", in.Source)
	case in.Words == "":
		return app.FieldErrorf("words", "the instruction has no words: record them exactly as given")
	case !utf8.ValidString(in.Words):
		return app.FieldErrorf("words", "the words are not valid UTF-8")
	case utf8.RuneCountInString(in.Words) > MaxWordsRunes:
		return app.FieldErrorf("words", "the words have %d characters; the limit is %d (attach a long paper as a photo)", utf8.RuneCountInString(in.Words), MaxWordsRunes)
	}
	if in.Source == SourcePhone {
		if in.ReadBack == nil {
			return app.FieldErrorf("read_back", "an instruction by phone must be read back to the leader and confirmed (复述确认) before it is recorded")
		}
	}
	if in.ReadBack != nil {
		in.ReadBack.By = strings.TrimSpace(in.ReadBack.By)
		if err := checkText("read_back", "the name of who read it back", in.ReadBack.By, MaxNameRunes, true); err != nil {
			return err
		}
		if in.ReadBack.At.IsZero() {
			return app.FieldErrorf("read_back", "say when the instruction was read back")
		}
		in.ReadBack.At = in.ReadBack.At.UTC()
	}
	if err := attachment.Validate(in.Attachments, attachment.Limits{MaxCount: MaxAttachments, MaxSize: MaxAttachmentBytes, NeedDigest: true}); err != nil {
		return err
	}
	in.GivenAt, in.RecordedAt = in.GivenAt.UTC(), in.RecordedAt.UTC()
	return in.validateTasks(tree, now)
}

func (in *Instruction) validateTasks(tree *app.Tree, now time.Time) error {
	switch {
	case len(in.Tasks) == 0:
		return app.FieldErrorf("tasks", "the instruction sets no task: name who must do what by when")
	case len(in.Tasks) > MaxTasks:
		return app.FieldErrorf("tasks", "%d tasks; at most %d per instruction", len(in.Tasks), MaxTasks)
	}
	ids := map[app.ID]bool{}
	for i := range in.Tasks {
		t := &in.Tasks[i]
		t.Text = strings.TrimSpace(t.Text)
		n := i + 1
		switch {
		case t.ID == app.NilID || ids[t.ID]:
			return app.FieldErrorf("tasks", "task %d has no id of its own", n)
		case t.Text == "":
			return app.FieldErrorf("tasks", "task %d says nothing to do", n)
		case !utf8.ValidString(t.Text) || utf8.RuneCountInString(t.Text) > MaxTaskRunes:
			return app.FieldErrorf("tasks", "task %d is longer than %d characters", n, MaxTaskRunes)
		case len(t.Stations) == 0 && len(t.Units) == 0:
			return app.FieldErrorf("tasks", "task %d names no station or unit", n)
		case len(t.Units) > MaxUnitsPerTask:
			return app.FieldErrorf("tasks", "task %d names %d units; at most %d", n, len(t.Units), MaxUnitsPerTask)
		case t.Deadline.IsZero():
			return app.FieldErrorf("deadline", "task %d has no deadline", n)
		case !t.Deadline.After(now):
			return app.FieldErrorf("deadline", "the deadline of task %d (%s) is already past", n, stamp(t.Deadline))
		}
		ids[t.ID] = true
		t.Deadline = t.Deadline.UTC()
		seen := map[app.ID]bool{}
		for _, s := range t.Stations {
			st := tree.Station(s)
			switch {
			case s == app.NilID || st == nil:
				return app.FieldErrorf("stations", "task %d names station %s, which is not in the station tree", n, s)
			case s == in.Station || !tree.IsWithin(s, in.Station):
				return app.FieldErrorf("stations", "task %d names %s, which is not below %s: an instruction's tasks go to the stations below the issuing one", n, st.Name, name(tree, in.Station))
			case seen[s]:
				return app.FieldErrorf("stations", "task %d names %s twice", n, st.Name)
			}
			seen[s] = true
		}
		units := map[string]bool{}
		for j := range t.Units {
			t.Units[j] = strings.TrimSpace(t.Units[j])
			u := t.Units[j]
			switch {
			case u == "":
				return app.FieldErrorf("units", "task %d names an empty unit", n)
			case !utf8.ValidString(u) || utf8.RuneCountInString(u) > MaxUnitRunes || strings.ContainsAny(u, "\r\n"):
				return app.FieldErrorf("units", "task %d: a unit's name is one line of at most %d characters", n, MaxUnitRunes)
			case units[u]:
				return app.FieldErrorf("units", "task %d names %s twice", n, u)
			}
			units[u] = true
		}
	}
	if n := len(in.Stations()); n > MaxStations {
		return app.FieldErrorf("stations", "the tasks name %d stations; at most %d per instruction", n, MaxStations)
	}
	return nil
}

// Assignee is who a task is for: a station, or a unit outside the system
// named as text.
type Assignee struct {
	Station app.ID `json:"station,omitzero"`
	Unit    string `json:"unit,omitempty"`
}

// Assignees returns who the task is for: its stations, then its units.
func (t *Task) Assignees() []Assignee {
	out := make([]Assignee, 0, len(t.Stations)+len(t.Units))
	for _, s := range t.Stations {
		out = append(out, Assignee{Station: s})
	}
	for _, u := range t.Units {
		out = append(out, Assignee{Unit: u})
	}
	return out
}

// Has reports whether a is one of the task's assignees.
func (t *Task) Has(a Assignee) bool {
	if a.Station != app.NilID {
		return a.Unit == "" && slices.Contains(t.Stations, a.Station)
	}
	return a.Unit != "" && slices.Contains(t.Units, a.Unit)
}

func checkText(field, what, s string, max int, required bool) error {
	switch {
	case required && s == "":
		return app.FieldErrorf(field, "%s is missing", what)
	case !utf8.ValidString(s):
		return app.FieldErrorf(field, "%s is not valid UTF-8", what)
	case utf8.RuneCountInString(s) > max:
		return app.FieldErrorf(field, "%s is longer than %d characters", what, max)
	case strings.ContainsAny(s, "\r\n"):
		return app.FieldErrorf(field, "%s is one line", what)
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") }

func name(tree *app.Tree, id app.ID) string {
	if s := tree.Station(id); s != nil {
		return s.Name
	}
	return "station " + id.String()
}
