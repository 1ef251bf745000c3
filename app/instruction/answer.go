package instruction

import (
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/attachment"
)

// Answer is one report on a task (办理情况): from a station the task names,
// or, for a unit outside the system, written down by the issuing station
// from what the unit said by phone. A station may report more than once
// as the work goes on; Done says the task is finished for it.
type Answer struct {
	ID          app.ID                  `json:"id"`
	Instruction app.ID                  `json:"instruction"`
	Task        app.ID                  `json:"task"`
	For         Assignee                `json:"for"`
	From        app.ID                  `json:"from"` // the station that recorded it
	Text        string                  `json:"text"`
	Attachments []attachment.Attachment `json:"attachments,omitempty"`
	Done        bool                    `json:"done,omitempty"` // also marks the task done for the assignee
	By          string                  `json:"by,omitempty"`
	At          time.Time               `json:"at"`
}

// AnswerSent is the payload of OpAnswer: the answer and the chunk size of
// its attachments (0 without).
type AnswerSent struct {
	Answer    Answer `json:"answer"`
	ChunkSize int    `json:"chunk_size,omitempty"`
}

// Done is the payload of OpDone: the assignee has finished the task.
type Done struct {
	Instruction app.ID    `json:"instruction"`
	Task        app.ID    `json:"task"`
	For         Assignee  `json:"for"`
	From        app.ID    `json:"from"`
	By          string    `json:"by,omitempty"`
	At          time.Time `json:"at"`
}

// Feedback is the issuing station's reply to the leader (反馈), assembled
// from the answers and edited before it is recorded.
type Feedback struct {
	ID          app.ID    `json:"id"`
	Instruction app.ID    `json:"instruction"`
	From        app.ID    `json:"from"`
	Text        string    `json:"text"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// Validate checks an answer against the instruction it answers: the task
// exists, the assignee is the task's, and the station recording it may
// answer for it (the station itself; the issuing station for a unit
// outside the system).
func (a *Answer) Validate(in *Instruction) error {
	a.Text = strings.TrimSpace(a.Text)
	a.By = strings.TrimSpace(a.By)
	switch {
	case a.ID == app.NilID:
		return app.FieldErrorf("id", "the answer has no id")
	case a.Instruction != in.ID:
		return app.FieldErrorf("instruction", "the answer is for instruction %s, not %s", a.Instruction, in.ID)
	case a.At.IsZero():
		return app.FieldErrorf("at", "the answer has no time")
	case a.Text == "":
		return app.FieldErrorf("text", "say what has been done (办理情况)")
	case !utf8.ValidString(a.Text) || utf8.RuneCountInString(a.Text) > MaxAnswerRunes:
		return app.FieldErrorf("text", "the answer is longer than %d characters (attach a longer report as a file)", MaxAnswerRunes)
	}
	if err := checkText("by", "the officer's name", a.By, MaxNameRunes, false); err != nil {
		return err
	}
	if err := checkAssignee(in, a.Task, a.For, a.From); err != nil {
		return err
	}
	a.At = a.At.UTC()
	return attachment.Validate(a.Attachments, attachment.Limits{MaxCount: MaxAttachments, MaxSize: MaxAttachmentBytes, NeedDigest: true})
}

// Validate checks a done mark as Answer.Validate checks an answer.
func (d *Done) Validate(in *Instruction) error {
	d.By = strings.TrimSpace(d.By)
	switch {
	case d.Instruction != in.ID:
		return app.FieldErrorf("instruction", "the mark is for instruction %s, not %s", d.Instruction, in.ID)
	case d.At.IsZero():
		return app.FieldErrorf("at", "the mark has no time")
	}
	if err := checkText("by", "the officer's name", d.By, MaxNameRunes, false); err != nil {
		return err
	}
	d.At = d.At.UTC()
	return checkAssignee(in, d.Task, d.For, d.From)
}

func checkAssignee(in *Instruction, task app.ID, who Assignee, from app.ID) error {
	t := in.Task(task)
	switch {
	case t == nil:
		return app.FieldErrorf("task", "instruction %s has no task %s", in.ID, task)
	case !t.Has(who):
		return app.FieldErrorf("for", "the task is not for %s", who.label())
	case who.Station != app.NilID && from != who.Station:
		return app.Errorf(app.EFORBIDDEN, "only the station named answers its task; station %s may not answer for station %s", from, who.Station)
	case who.Unit != "" && from != in.Station:
		return app.Errorf(app.EFORBIDDEN, "what %s (outside the system) says is recorded by the issuing station only", who.Unit)
	}
	return nil
}

func (a Assignee) label() string {
	if a.Unit != "" {
		return a.Unit
	}
	return "station " + a.Station.String()
}

// Validate checks a reply to the leader.
func (f *Feedback) Validate(in *Instruction) error {
	f.Text = strings.TrimSpace(f.Text)
	f.By = strings.TrimSpace(f.By)
	switch {
	case f.ID == app.NilID:
		return app.FieldErrorf("id", "the reply has no id")
	case f.Instruction != in.ID:
		return app.FieldErrorf("instruction", "the reply is for instruction %s, not %s", f.Instruction, in.ID)
	case f.From != in.Station:
		return app.Errorf(app.EFORBIDDEN, "only the issuing station replies to the leader")
	case f.At.IsZero():
		return app.FieldErrorf("at", "the reply has no time")
	case f.Text == "":
		return app.FieldErrorf("text", "the reply to the leader is empty")
	case !utf8.ValidString(f.Text) || utf8.RuneCountInString(f.Text) > MaxFeedbackRunes:
		return app.FieldErrorf("text", "the reply is longer than %d characters", MaxFeedbackRunes)
	}
	if err := checkText("by", "the name of who sends the reply", f.By, MaxNameRunes, true); err != nil {
		return err
	}
	f.At = f.At.UTC()
	return nil
}
