package sms

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
)

// Who a message reaches, as its record says (Message.Basis).
const (
	// BasisRoster: the people on duty that day by the station's
	// published roster.
	BasisRoster = "roster"
	// BasisRole: the roster of that day is not known at the hub (not
	// published, or no post of the role filled), so everyone at the
	// station with the role.
	BasisRole = "role"
)

// Defaults of the notifier's timings (docs/sms.md, the hub's flags).
const (
	DefaultEscalateAfter = 10 * time.Minute // no answer within this → the next step of the chain
	DefaultNoticeBefore  = 30 * time.Minute // a notice's acknowledge-by time this near → SMS
	// DefaultEveningAt is when the evening reminder of the next day's duty
	// goes out, in each station's own zone.
	DefaultEveningAt = roster.TimeOfDay(18 * 60)
	// notNews is how long past its moment something found at a start (in
	// the replayed log) is still worth a message.
	notNews = 24 * time.Hour
	// maxDone bounds the memory of pairs queued since the start.
	maxDone = 100_000
)

// reachKinds are the operations, beyond persons and 批示, the notifier
// keeps state of and so must see again at a start. Incidents' and
// messages' chunks (attachments) are left out: they say nothing about
// who must be reached, and are the bulk of the log.
var reachKinds = []string{
	roster.OpSettings, roster.OpAssign, roster.OpUnassign, roster.OpGenerate, roster.OpImport,
	roster.OpPublish, roster.OpSwapApprove,
	incident.OpIncidentCreate, incident.OpIncidentCounts, incident.OpIncidentGrade, incident.OpIncidentReport,
	incident.OpIncidentSign, incident.OpIncidentSend, incident.OpIncidentAck, incident.OpIncidentClose,
	incident.OpIncidentShare, incident.OpIncidentTasks,
	message.OpSend, message.OpReceipt,
}

// reach is what the notifier keeps beyond the directory and the 批示
// tasks: who is on duty where (from the rosters' operations), the
// incidents and report tasks that may need escalating, and the notices
// waiting for receipts. Guarded by Notifier.mu.
type reach struct {
	// live is false while the notifier sees the log replayed at a start:
	// a roster change found there was messaged (or not) before, and is
	// not news now.
	live bool

	settings map[app.ID]roster.Settings
	posts    map[app.ID]map[slot]app.ID // station → post of a day → person, as the operations left them
	// told is, per station and published month, the posts as the
	// people were last told them: at the publication, then at each
	// change messaged. A re-publication messages what differs.
	told map[app.ID]map[roster.Month]map[slot]app.ID

	items        map[string]*escItem       // incidents and overdue report tasks by key
	taskIncident map[string]app.ID         // a task's key → its incident
	incGrade     map[app.ID]incident.Grade // the grade each incident's last chain started at
	taskDue      map[string]incident.ReportTask
	notices      map[app.ID]*openNotice

	// done remembers the (event, person) pairs queued since the start, so
	// a tick does not write to the file again for each; after a restart
	// the queue's own one message per event and person stands in.
	done map[string]struct{}

	pendingRoster []rosterNews // live changes of published rosters, for Run to message
}

type slot struct {
	day  roster.Date
	post roster.Post
}

func newReach() *reach {
	return &reach{settings: map[app.ID]roster.Settings{}, posts: map[app.ID]map[slot]app.ID{},
		told: map[app.ID]map[roster.Month]map[slot]app.ID{}, items: map[string]*escItem{},
		taskIncident: map[string]app.ID{}, incGrade: map[app.ID]incident.Grade{}, taskDue: map[string]incident.ReportTask{},
		notices: map[app.ID]*openNotice{}, done: map[string]struct{}{}}
}

// observeReach takes the operations of reachKinds; n.mu is held.
func (n *Notifier) observeReach(op app.Operation) {
	switch {
	case strings.HasPrefix(op.Kind, "roster."):
		n.observeRoster(op)
	case strings.HasPrefix(op.Kind, "incident."):
		n.observeIncident(op)
	case op.Kind == message.OpSend || op.Kind == message.OpReceipt:
		n.observeNotice(op)
	}
}

// Live marks the end of the start's replay: from now on a change of a
// published roster is news and is messaged. It also takes in the people
// of the station file the hub imported (KeepPeople) that no operation
// has named. Call it once the queue is set, before the hub takes pushes.
func (n *Notifier) Live() {
	var filed []app.Person
	if n.Queue != nil {
		var err error
		if filed, err = FiledPeople(n.Queue.db); err != nil {
			n.Log.Warn("sms: the people of the imported station file cannot be read", "err", err)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, p := range filed {
		if _, known := n.people[p.ID]; !known {
			n.people[p.ID] = p
		}
	}
	n.x.live = true
}

// queueOnce queues a message unless this (event, person) was queued
// since the start. n.mu must not be held. It reports whether a new
// request went to the queue.
func (n *Notifier) queueOnce(r Request) bool {
	key := r.Event + "\x00" + r.Person
	n.mu.Lock()
	_, done := n.x.done[key]
	n.mu.Unlock()
	if done {
		return false
	}
	if _, err := n.Queue.Enqueue(r); err != nil {
		n.Log.Warn("sms not queued", "event", r.Event, "person", r.Name, "err", err)
		return false
	}
	n.mu.Lock()
	if len(n.x.done) >= maxDone {
		// Forgetting only costs a write per pair the next time: the
		// queue's own one message per event and person stands.
		clear(n.x.done)
	}
	n.x.done[key] = struct{}{}
	n.mu.Unlock()
	return true
}

// peopleByStation is a copy of the directory grouped by station; n.mu is
// held.
func (n *Notifier) peopleByStation() map[app.ID][]app.Person {
	out := map[app.ID][]app.Person{}
	for _, p := range n.people {
		out[p.Station] = append(out[p.Station], p)
	}
	return out
}

// whoAnswers returns the people who answer for a station at now in the
// given roles (leader, officer): those on duty by the published roster
// when the hub knows it, else everyone at the station with the role. A
// village answers by its information officers, whatever roles are asked.
// n.mu is held.
func (n *Notifier) whoAnswers(st *app.Station, now time.Time, roles ...app.Role) ([]app.Person, string) {
	var out []app.Person
	if st.Tier == app.TierVillage {
		for _, p := range n.people {
			if p.Station == st.ID && p.Has(app.RoleInfoOfficer) {
				out = append(out, p)
			}
		}
		sortPeople(out)
		return out, BasisRole
	}
	if ids, ok := n.onDuty(st, now, roles...); ok {
		for _, id := range ids {
			if p, known := n.people[id]; known {
				out = append(out, p)
			}
		}
		if len(out) > 0 {
			return out, BasisRoster
		}
	}
	for _, p := range n.people {
		if p.Station != st.ID {
			continue
		}
		for _, r := range roles {
			if p.Has(r) {
				out = append(out, p)
				break
			}
		}
	}
	sortPeople(out)
	return out, BasisRole
}

func sortPeople(ps []app.Person) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].ID.String() < ps[j-1].ID.String(); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// decodeOp reads an operation's payload; a shape the hub admitted but the
// notifier cannot read is no SMS matter, so it is only logged at debug.
func (n *Notifier) decodeOp(op app.Operation, v any) bool {
	if err := json.Unmarshal(op.Payload, v); err != nil {
		n.Log.Debug("sms: an operation's payload not read", "kind", op.Kind, "id", op.ID, "err", err)
		return false
	}
	return true
}

// fit joins head, body and tail within one SMS, cutting body (with …)
// when the whole would not fit.
func fit(head, body, tail string) string {
	room := UCS2Single - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail)
	r := []rune(body)
	if len(r) > room {
		if room < 2 {
			room = 2
		}
		r = append(r[:room-1], '…')
	}
	return head + string(r) + tail
}

// dayText is a date as the texts write it: 12月9日.
func dayText(d roster.Date) string { return fmt.Sprintf("%d月%d日", int(d.M), d.D) }

var postNames = map[app.Role]string{app.RoleLeader: "带班领导", app.RoleCadre: "值班干部", app.RoleOfficer: "值班员",
	app.RoleStandby: "应急处置人员"}

func postText(p roster.Post) string {
	name := postNames[p.Role]
	if name == "" {
		name = string(p.Role)
	}
	return name
}

func stationName(tree *app.Tree, id app.ID) string {
	if s := tree.Station(id); s != nil {
		return s.Name
	}
	return ""
}
