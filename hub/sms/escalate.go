package sms

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// Escalation: an incident graded 较大 or above, or a report task past its
// deadline unsent, is worth reaching someone who is not at the screen.
// The first message goes to the leader on duty of the station that holds
// it; when no answer comes within EscalateAfter, the next step of
// EscalateChain is messaged, and so on to the chain's end. An answer is a
// reply with the code of any message sent about it, or the thing handled
// at a client: the grade confirmed or a report sent for an incident, the
// report sent for a task (the hub sees those operations pass).
//
// Nothing about the chain's progress is kept beside the queue: each step
// is an event of its own (incident:<id>:<grade>:<step>), so at a start the replay
// rebuilds what is open and the queue's messages say which steps went out
// and when; the queue's one message per event and person keeps a restart
// from repeating a step.

// Step is one link of the escalation chain.
type Step string

const (
	StepLeader    Step = "leader"    // the leader on duty of the station holding it
	StepPrincipal Step = "principal" // the station's principal (主要负责人)
	StepAbove     Step = "above"     // the leader on duty of the level above
)

// DefaultChain is the chain unless the hub's flag says otherwise.
var DefaultChain = []Step{StepLeader, StepPrincipal, StepAbove}

// ParseChain reads the flag's comma-separated steps.
func ParseChain(s string) ([]Step, error) {
	var out []Step
	for _, f := range strings.Split(s, ",") {
		st := Step(strings.TrimSpace(f))
		switch st {
		case StepLeader, StepPrincipal, StepAbove:
			out = append(out, st)
		case "":
		default:
			return nil, fmt.Errorf("escalation step %q: want leader, principal or above", st)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the escalation chain names no step")
	}
	return out, nil
}

// escItem is an incident or an overdue report task to escalate.
type escItem struct {
	key     string // incident:<id>:<grade> or report:<task id>
	station app.ID // the station that holds it
	since   time.Time
	text    string // the message, with {code}
	handled bool
	// told are the steps found with nobody to reach, logged once each.
	told map[int]bool
}

// incidentKey names the escalation of an incident at a grade.
func incidentKey(id app.ID, g incident.Grade) string {
	return "incident:" + id.String() + ":" + g.Key()
}

// stepEvent is the queue's event of escalation step n (from 1) of an
// incident or task key.
func stepEvent(key string, n int) string { return key + ":" + strconv.Itoa(n) }

type incidentJSON struct {
	Incident *incident.Incident    `json:"incident"`
	Tasks    []incident.ReportTask `json:"tasks"`
}

var gradeNames = map[incident.Grade]string{incident.GradeGeneral: "一般", incident.GradeLarge: "较大",
	incident.GradeMajor: "重大", incident.GradeEspeciallyMajor: "特别重大"}

// observeIncident keeps the incidents of grade 较大 and above and the
// report tasks not yet sent; n.mu is held.
func (n *Notifier) observeIncident(op app.Operation) {
	var c incidentJSON
	if !n.decodeOp(op, &c) {
		return
	}
	at := op.At
	if at.IsZero() {
		at = time.Now()
	}
	if inc := c.Incident; inc != nil && inc.ID != app.NilID {
		// One chain per incident and grade: handled, it stays so at that
		// grade whatever later operations say; a grade that rises (and
		// so wants confirming again) starts a chain of its own.
		grade := inc.EffectiveGrade()
		started := n.x.incGrade[inc.ID]
		it := n.x.items[incidentKey(inc.ID, started)]
		handled := inc.Status == incident.StatusClosed || inc.GradedBy != "" ||
			op.Kind == incident.OpIncidentSend || op.Kind == incident.OpIncidentAck || op.Kind == incident.OpIncidentSign
		switch {
		case handled:
			if it != nil {
				it.handled = true
			}
		case grade >= incident.GradeLarge && grade > started:
			if it != nil {
				it.handled = true // superseded by the higher grade's chain
			}
			key := incidentKey(inc.ID, grade)
			n.x.incGrade[inc.ID] = grade
			n.x.items[key] = &escItem{key: key, station: inc.Station, since: at, told: map[int]bool{}, text: IncidentText(inc)}
			if n.x.live {
				n.kick()
			}
		}
		if inc.Status == incident.StatusClosed {
			n.closeTasks(inc.ID)
		}
	}
	for _, t := range c.Tasks {
		if t.ID == app.NilID || t.From == app.NilID {
			continue
		}
		key := "report:" + t.ID.String()
		it := n.x.items[key]
		if !t.Open() {
			if it != nil {
				it.handled = true
			}
			continue
		}
		if it == nil {
			n.x.items[key] = &escItem{key: key, station: t.From, since: t.Due, told: map[int]bool{}, text: ""}
			n.x.taskIncident[key] = t.Incident
			n.x.taskDue[key] = t
		} else {
			it.since = t.Due // a deadline brought forward
			n.x.taskDue[key] = t
		}
	}
}

// closeTasks ends the escalation of a closed incident's tasks.
func (n *Notifier) closeTasks(inc app.ID) {
	for key, id := range n.x.taskIncident {
		if id == inc {
			if it := n.x.items[key]; it != nil {
				it.handled = true
			}
		}
	}
}

// IncidentText is the first line of an incident's escalation.
func IncidentText(inc *incident.Incident) string {
	what := strings.TrimSpace(inc.Title)
	if what == "" {
		what = strings.TrimSpace(inc.Place.Text)
	}
	return fit("【"+gradeNames[inc.EffectiveGrade()]+"突发事件】", what, "，请立即在值班系统处置，回复{code}表示已知悉。")
}

// ReportText is the message of a report task past its deadline.
func ReportText(station string, due time.Time) string {
	return fit("【报送超时】", station, "应于"+due.Format("1月2日15时04分")+"前报送的突发事件信息尚未报送，请立即报送，回复{code}表示已知悉。")
}

// Escalate queues the steps due at now of every open incident and
// overdue task, and returns how many messages it queued.
func (n *Notifier) Escalate(now time.Time) int {
	n.mu.Lock()
	var open []escItem
	for key, it := range n.x.items {
		if it.handled {
			delete(n.x.items, key)
			delete(n.x.taskIncident, key)
			delete(n.x.taskDue, key)
			continue
		}
		if now.Sub(it.since) > notNews {
			delete(n.x.items, key) // not news any more; nothing will send it
			delete(n.x.taskIncident, key)
			delete(n.x.taskDue, key)
			continue
		}
		if now.Before(it.since) {
			continue
		}
		c := *it
		if strings.HasPrefix(key, "report:") {
			c.text = "" // worded below, with the tree
		}
		open = append(open, c)
	}
	tasks := map[string]incident.ReportTask{}
	for k, t := range n.x.taskDue {
		tasks[k] = t
	}
	n.mu.Unlock()
	if len(open) == 0 {
		return 0
	}
	tree := n.Tree()
	count := 0
	for i := range open {
		it := &open[i]
		st := tree.Station(it.station)
		if st == nil {
			continue
		}
		if it.text == "" {
			it.text = ReportText(st.Name, tasks[it.key].Due.In(st.Location()))
		}
		count += n.escalateOne(it, st, tree, now)
	}
	return count
}

// escalateOne walks one item's chain: each step sent waits EscalateAfter
// for an answer before the next; a step with nobody to reach is passed.
func (n *Notifier) escalateOne(it *escItem, st *app.Station, tree *app.Tree, now time.Time) int {
	base := it.since
	for i, step := range n.EscalateChain {
		ev := stepEvent(it.key, i+1)
		msgs, err := n.Queue.EventMessages(ev)
		if err != nil {
			n.Log.Error("sms: the queue cannot be read", "event", ev, "err", err)
			return 0
		}
		for _, m := range msgs {
			if m.State == Answered {
				n.Log.Info("sms escalation answered", "item", it.key, "step", i+1, "by", m.Name, "at", m.AnsweredAt.Format(time.RFC3339))
				n.mu.Lock()
				if x := n.x.items[it.key]; x != nil {
					x.handled = true
				}
				n.mu.Unlock()
				return 0
			}
		}
		if len(msgs) > 0 {
			first := msgs[0].CreatedAt
			for _, m := range msgs {
				if m.CreatedAt.Before(first) {
					first = m.CreatedAt
				}
			}
			if now.Before(first.Add(n.EscalateAfter)) {
				return 0
			}
			base = first.Add(n.EscalateAfter)
			continue
		}
		if now.Before(base) {
			return 0
		}
		n.mu.Lock()
		people, basis := n.stepPeople(step, st, tree, now)
		n.mu.Unlock()
		if len(people) == 0 {
			n.mu.Lock()
			x := n.x.items[it.key]
			first := x != nil && !x.told[i]
			if first {
				x.told[i] = true
			}
			n.mu.Unlock()
			if first {
				n.Log.Warn("sms escalation step has nobody to reach; passed", "item", it.key, "step", i+1, "who", step, "station", st.Name)
			}
			continue
		}
		count := 0
		for _, p := range people {
			if n.queueOnce(Request{Event: ev, Station: st.ID.String(), Person: p.ID.String(), Name: p.Name, To: p.Mobile,
				Text: it.text, WantReply: true, Basis: basis}) {
				count++
			}
		}
		n.Log.Info("sms escalation step queued", "item", it.key, "step", i+1, "who", step, "station", st.Name,
			"people", count, "basis", basis)
		return count
	}
	return 0
}

// stepPeople returns who a step reaches for a station; n.mu is held.
func (n *Notifier) stepPeople(step Step, st *app.Station, tree *app.Tree, now time.Time) ([]app.Person, string) {
	switch step {
	case StepLeader:
		return n.whoAnswers(st, now, app.RoleLeader)
	case StepPrincipal:
		return n.principals(st), BasisRole
	case StepAbove:
		if up := tree.Station(st.Parent); up != nil {
			return n.whoAnswers(up, now, app.RoleLeader)
		}
	}
	return nil, BasisRole
}

// principalTitles are the titles of a station's principal (主要负责人):
// the head of the bureau, the office, the town or the county. The
// directory has no role for it, so the title says, whole: a deputy
// (副局长) or the head of a section (办公室主任) is not the principal.
var principalTitles = map[string]bool{"主要负责人": true, "局长": true, "主任": true, "书记": true, "党委书记": true,
	"党工委书记": true, "镇长": true, "乡长": true, "县长": true, "市长": true, "州长": true, "区长": true, "站长": true}

// principals returns the station's principals by title; n.mu is held.
func (n *Notifier) principals(st *app.Station) []app.Person {
	var out []app.Person
	for _, p := range n.people {
		if p.Station == st.ID && principalTitles[strings.TrimSpace(p.Title)] {
			out = append(out, p)
		}
	}
	sortPeople(out)
	return out
}
