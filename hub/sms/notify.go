package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"dutyroom/app"
	"dutyroom/app/instruction"
	"dutyroom/app/roster"
	"dutyroom/app/warning"
)

// WarningEvent is the queue's event of a warning's 叫应 messages.
func WarningEvent(id app.ID) string { return "warning:" + id.String() }

// ObservedKinds are the kinds the notifier must see again at the hub's
// start (hub.Config.Replay) to know its directory.
var ObservedKinds = append([]string{"person.", "instruction."}, reachKinds...)

// Notifier turns operations the hub stores into messages: for each
// warning of orange or red, a 叫应 SMS with a reply code to the people who
// answer for each receiving station.
//
// Who: the hub routes the roster's operations but does not read them, so
// it does not know who is on duty today. It knows the people each station
// keeps in its directory (person.* operations) with their roles: for a
// duty room it writes to everyone with the role 带班领导 (leader) or 值班员
// (officer); for a village to its 灾害信息员 (info_officer). A person with
// no valid mobile number is listed as failed ("not a mobile number"), never
// sent to.
type Notifier struct {
	Queue *Queue
	Tree  func() *app.Tree // the hub's station tree now
	Log   *slog.Logger

	// RemindBefore is how long before a 批示 task's deadline a station that
	// has not answered is reminded (instruction.DefaultRemindBefore).
	RemindBefore time.Duration
	// Tick is how often Run looks for reminders that fell due.
	Tick time.Duration
	// EscalateAfter is how long a step of EscalateChain waits for an
	// answer before the next (escalate.go); NoticeBefore how long before
	// a notice's acknowledge-by time a station without a receipt is
	// reminded (notice.go); EveningAt when the reminder of tomorrow's duty
	// goes out in each station's zone (duty.go).
	EscalateAfter time.Duration
	EscalateChain []Step
	NoticeBefore  time.Duration
	EveningAt     roster.TimeOfDay

	mu       sync.Mutex
	people   map[app.ID]app.Person
	pending  []warning.Warning
	tasks    map[taskKey]*openTask // 批示 tasks not yet answered, by task and station
	answered map[taskKey]struct{}
	wake     chan struct{}
	x        *reach // rosters, incidents, notices (reach.go)
}

// NewNotifier returns a notifier feeding q.
func NewNotifier(q *Queue, tree func() *app.Tree, log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{Queue: q, Tree: tree, Log: log, people: map[app.ID]app.Person{}, wake: make(chan struct{}, 1),
		RemindBefore: instruction.DefaultRemindBefore, Tick: time.Minute,
		tasks: map[taskKey]*openTask{}, answered: map[taskKey]struct{}{},
		EscalateAfter: DefaultEscalateAfter, EscalateChain: DefaultChain, NoticeBefore: DefaultNoticeBefore,
		EveningAt: DefaultEveningAt, x: newReach()}
}

// Observe takes one stored operation (hub.Config.Observe). It must not
// wait: it updates the directory and leaves warnings to Run.
func (n *Notifier) Observe(op app.Operation) {
	switch op.Kind {
	case app.OpPersonCreate, app.OpPersonUpdate:
		var p app.Person
		if err := json.Unmarshal(op.Payload, &p); err != nil || p.ID == app.NilID {
			return // the hub admitted it; a client's shape we cannot read is no SMS matter
		}
		n.mu.Lock()
		n.people[p.ID] = p
		n.mu.Unlock()
	case app.OpPersonDelete:
		n.mu.Lock()
		delete(n.people, op.Entity)
		n.mu.Unlock()
	case instruction.OpCreate, instruction.OpAnswer, instruction.OpDone:
		n.mu.Lock()
		n.observeInstruction(op)
		n.mu.Unlock()
	case warning.OpIssue:
		var w warning.Warning
		if err := json.Unmarshal(op.Payload, &w); err != nil {
			return
		}
		if w.Level != warning.Orange && w.Level != warning.Red {
			return
		}
		n.mu.Lock()
		n.pending = append(n.pending, w)
		n.mu.Unlock()
		select {
		case n.wake <- struct{}{}:
		default:
		}
	default:
		n.mu.Lock()
		n.observeReach(op)
		n.mu.Unlock()
	}
}

// Run queues the messages of observed warnings, and the reminders of
// 批示 tasks as they fall due, until ctx ends.
func (n *Notifier) Run(ctx context.Context) {
	tick := time.NewTicker(n.Tick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			n.RemindInstructions(n.Queue.cfg.Now())
			n.runReach(ctx, n.Queue.cfg.Now())
			continue
		case <-n.wake:
		}
		n.sendRosterNews(n.Queue.cfg.Now())
		n.Escalate(n.Queue.cfg.Now()) // a new major incident: its first step at once
		n.mu.Lock()
		ws := n.pending
		n.pending = nil
		n.mu.Unlock()
		for i := range ws {
			n.Warn(&ws[i])
		}
	}
}

// Warn queues the 叫应 messages of one warning and returns how many
// people it found. Queuing again is harmless: one message per warning
// and person.
func (n *Notifier) Warn(w *warning.Warning) int {
	tree := n.Tree()
	stations := warning.Recipients(tree, w)
	issuer := ""
	if s := tree.Station(w.Issuer); s != nil {
		issuer = s.Name
	}
	now := n.Queue.cfg.Now()
	count := 0
	for _, st := range stations {
		// The leader and officer on duty by the published roster, or
		// everyone with the role where the hub does not know it (reach.go).
		n.mu.Lock()
		people, basis := n.whoAnswers(st, now, app.RoleLeader, app.RoleOfficer)
		n.mu.Unlock()
		for _, p := range people {
			count++
			_, err := n.Queue.Enqueue(Request{Event: WarningEvent(w.ID), Station: st.ID.String(), Person: p.ID.String(),
				Name: p.Name, To: p.Mobile, Text: WarningText(issuer, st.Name, w), WantReply: true, Basis: basis})
			if err != nil {
				n.Log.Warn("sms for a warning not queued", "warning", w.ID, "station", st.Name, "person", p.Name, "err", err)
			}
		}
	}
	n.Log.Info("sms 叫应 queued", "warning", w.ID, "level", w.Level, "stations", len(stations), "people", count)
	return count
}

var levelNames = map[warning.Level]string{warning.Orange: "橙色", warning.Red: "红色", warning.Yellow: "黄色", warning.Blue: "蓝色"}
var typeNames = map[warning.Type]string{warning.Rainstorm: "暴雨", warning.Flood: "洪水", warning.Geological: "地质灾害",
	warning.ForestFire: "森林火险", warning.LowTempIce: "低温雨雪冰冻", warning.HighTemp: "高温", warning.StrongWind: "大风",
	warning.Thunder: "雷电", warning.Other: ""}

// WarningText is the 叫应 message: who issued what, for whom, until when,
// and the reply code, within one SMS (70 characters) — the area is cut
// to fit; the whole warning is in the duty room's window.
func WarningText(issuer, station string, w *warning.Warning) string {
	until := w.ValidUntil.In(time.Local).Format("1月2日15时")
	head := fmt.Sprintf("【%s】%s%s预警", issuer, typeNames[w.Type], levelNames[w.Level])
	tail := fmt.Sprintf("，有效至%s。请%s立即落实，回复{code}签收", until, station)
	area := strings.TrimSpace(w.Area)
	room := UCS2Single - utf8.RuneCountInString(head) - utf8.RuneCountInString(strings.ReplaceAll(tail, "{code}", "0000")) - 2
	if area != "" && room >= 4 {
		if utf8.RuneCountInString(area) > room {
			area = string([]rune(area)[:room-1]) + "…"
		}
		head += "（" + area + "）"
	}
	return head + tail
}
