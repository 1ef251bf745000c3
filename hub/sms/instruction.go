package sms

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/instruction"
)

// Reminders of leaders' instructions (批示): a task a station has not
// answered when its deadline is near is worth a message to the people who
// answer for that station (its 带班领导 and 值班员), since the window's
// reminder reaches only someone sitting at it. The hub sees the
// instruction and the answers as they pass, so it needs no new record:
// at its start the replay of the stored operations rebuilds what is open,
// and the queue's one message per event and person keeps a restart from
// sending a reminder twice.

// InstructionEvent is the queue's event of the reminder of one task at
// one station.
func InstructionEvent(instr, task, station app.ID) string {
	return "instruction:" + instr.String() + ":" + task.String() + ":" + station.String()
}

// openTask is a task of an instruction one station has yet to answer.
type openTask struct {
	instr, task, station app.ID
	issuer               app.ID
	leader, text         string
	deadline             time.Time
}

type taskKey struct{ task, station app.ID }

// observeInstruction keeps the open tasks up to date; n.mu is held.
func (n *Notifier) observeInstruction(op app.Operation) {
	switch op.Kind {
	case instruction.OpCreate:
		var c instruction.Created
		if err := json.Unmarshal(op.Payload, &c); err != nil {
			return
		}
		in := &c.Instruction
		for _, t := range in.Tasks {
			for _, st := range t.Stations {
				k := taskKey{t.ID, st}
				if _, done := n.answered[k]; done {
					continue
				}
				n.tasks[k] = &openTask{instr: in.ID, task: t.ID, station: st, issuer: in.Station,
					leader: strings.TrimSpace(in.Leader + in.LeaderPost), text: t.Text, deadline: t.Deadline}
			}
		}
	case instruction.OpAnswer:
		var a instruction.AnswerSent
		if err := json.Unmarshal(op.Payload, &a); err != nil || a.Answer.For.Station == app.NilID {
			return
		}
		n.answer(taskKey{a.Answer.Task, a.Answer.For.Station})
	case instruction.OpDone:
		var d instruction.Done
		if err := json.Unmarshal(op.Payload, &d); err != nil || d.For.Station == app.NilID {
			return
		}
		n.answer(taskKey{d.Task, d.For.Station})
	}
}

// answer closes a task for a station; an answer replayed before its
// instruction (it cannot be, in the hub's order, but a damaged log may
// say so) still keeps the reminder away.
func (n *Notifier) answer(k taskKey) {
	delete(n.tasks, k)
	n.answered[k] = struct{}{}
}

// RemindInstructions queues the reminders due at now: every task still
// open at its station whose deadline is within RemindBefore, and not yet
// past by more than a day (an old instruction found in the log at a
// start is not news). It returns how many messages it queued.
func (n *Notifier) RemindInstructions(now time.Time) int {
	n.mu.Lock()
	var due []openTask
	for _, t := range n.tasks {
		if now.After(t.deadline.Add(-n.RemindBefore)) && now.Before(t.deadline.Add(24*time.Hour)) {
			due = append(due, *t)
		}
	}
	n.mu.Unlock()
	if len(due) == 0 {
		return 0
	}
	tree := n.Tree()
	count := 0
	for _, t := range due {
		st := tree.Station(t.station)
		if st == nil {
			continue
		}
		issuer := ""
		if s := tree.Station(t.issuer); s != nil {
			issuer = s.Name
		}
		// The leader and officer on duty, or everyone with the role (reach.go).
		n.mu.Lock()
		people, basis := n.whoAnswers(st, now, app.RoleLeader, app.RoleOfficer)
		n.mu.Unlock()
		for _, p := range people {
			_, err := n.Queue.Enqueue(Request{Event: InstructionEvent(t.instr, t.task, st.ID), Station: st.ID.String(),
				Person: p.ID.String(), Name: p.Name, To: p.Mobile, Text: InstructionText(issuer, st.Name, &t), Basis: basis})
			if err != nil {
				n.Log.Warn("sms reminder of an instruction not queued", "instruction", t.instr, "station", st.Name, "person", p.Name, "err", err)
				continue
			}
			count++
		}
	}
	return count
}

// InstructionText is the reminder, within one SMS: whose instruction,
// the task (cut to fit), the deadline, and who must answer.
func InstructionText(issuer, station string, t *openTask) string {
	head := fmt.Sprintf("【%s】%s批示任务", issuer, t.leader)
	tail := fmt.Sprintf("，%s前到期。请%s尽快在值班系统反馈办理情况。", t.deadline.In(time.Local).Format("1月2日15时04分"), station)
	room := UCS2Single - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail) - 1
	text := []rune(strings.TrimSpace(t.text))
	if room < 4 {
		room = 4
	}
	if len(text) > room {
		text = append(text[:room-1], '…')
	}
	return head + "：" + string(text) + tail
}
