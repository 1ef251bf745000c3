package sms

import (
	"context"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// Who is on duty: the hub routes every roster operation up the tree, so it
// sees each station's posts change and each month published. The notifier
// keeps the posts as the operations leave them (as a station above
// applies them: each change names the post's holder after it) and which
// months are published; a 叫应 then goes to the leader and officer on duty
// of the day in force (roster.OnDuty, with the station's handover time and
// zone) where the month is published, and to everyone with the role where
// it is not.

// The operations' payloads, in the sync format the clients write (the
// store's roster records): posts as text ("leader", "standby 2").
type postJSON roster.Post

func (p *postJSON) UnmarshalText(b []byte) error {
	v, err := roster.ParsePost(string(b))
	if err != nil {
		return err
	}
	*p = postJSON(v)
	return nil
}

type changeJSON struct {
	ID      app.ID      `json:"id"`
	Station app.ID      `json:"station"`
	Day     roster.Date `json:"day"`
	Post    postJSON    `json:"post"`
	Before  app.ID      `json:"before"`
	After   app.ID      `json:"after"`
	Reason  string      `json:"reason"`
	Swap    app.ID      `json:"swap"`
}

func (c changeJSON) change() roster.Change {
	return roster.Change{ID: c.ID, Station: c.Station, Day: c.Day, Post: roster.Post(c.Post), Before: c.Before,
		After: c.After, Reason: c.Reason, Swap: c.Swap}
}

type assignJSON struct {
	Station app.ID      `json:"station"`
	Day     roster.Date `json:"day"`
	Post    postJSON    `json:"post"`
	Person  app.ID      `json:"person"`
	Change  *changeJSON `json:"change"`
}

type batchJSON struct {
	Station app.ID       `json:"station"`
	Changes []changeJSON `json:"changes"`
}

type monthJSON struct {
	Station app.ID       `json:"station"`
	Month   roster.Month `json:"month"`
	State   roster.State `json:"state"`
}

type settingsJSON struct {
	Handover roster.TimeOfDay `json:"handover"`
}

type swapJSON struct {
	Swap struct {
		ID      app.ID `json:"id"`
		Station app.ID `json:"station"`
	} `json:"swap"`
	Changes []changeJSON `json:"changes"`
}

// rosterNews is a live change of a published roster, waiting for Run to
// message the people whose duty it changed.
type rosterNews struct {
	op      app.ID // the operation: one message per operation and person
	station app.ID
	swap    bool
	changes []roster.Change
}

// observeRoster applies one roster operation; n.mu is held.
func (n *Notifier) observeRoster(op app.Operation) {
	var station app.ID
	var changes []roster.Change
	swap := false
	switch op.Kind {
	case roster.OpSettings:
		var s settingsJSON
		if n.decodeOp(op, &s) && op.Entity != app.NilID && s.Handover.Valid() {
			set := roster.DefaultSettings()
			set.Handover = s.Handover
			n.x.settings[op.Entity] = set
		}
		return
	case roster.OpAssign, roster.OpUnassign:
		var a assignJSON
		if !n.decodeOp(op, &a) || a.Station == app.NilID || !a.Day.Valid() {
			return
		}
		station = a.Station
		c := roster.Change{ID: op.ID, Station: a.Station, Day: a.Day, Post: roster.Post(a.Post), After: a.Person}
		if a.Change != nil {
			c = a.Change.change()
		} else {
			c.Before = n.x.posts[station][slot{a.Day, c.Post}]
		}
		changes = []roster.Change{c}
	case roster.OpGenerate, roster.OpImport:
		var b batchJSON
		if !n.decodeOp(op, &b) || b.Station == app.NilID {
			return
		}
		station = b.Station
		for _, c := range b.Changes {
			changes = append(changes, c.change())
		}
	case roster.OpSwapApprove:
		var s swapJSON
		if !n.decodeOp(op, &s) || s.Swap.Station == app.NilID {
			return
		}
		station, swap = s.Swap.Station, true
		for _, c := range s.Changes {
			changes = append(changes, c.change())
		}
	case roster.OpPublish:
		var m monthJSON
		if !n.decodeOp(op, &m) || m.Station == app.NilID || !m.Month.Valid() || m.State != roster.StatePublished {
			return
		}
		n.published(op, m.Station, m.Month)
		return
	default:
		return
	}
	n.applyChanges(station, changes)
	n.noteChanges(op.ID, station, swap, changes)
}

// applyChanges makes each post what its change says; every post named is
// cleared before any is set, as a station applies them, so a person
// moving between two posts of a day leaves the old one first.
func (n *Notifier) applyChanges(station app.ID, changes []roster.Change) {
	posts := n.x.posts[station]
	if posts == nil {
		posts = map[slot]app.ID{}
		n.x.posts[station] = posts
	}
	for _, c := range changes {
		if c.Station == station && c.Day.Valid() {
			delete(posts, slot{c.Day, c.Post})
		}
	}
	for _, c := range changes {
		if c.Station == station && c.Day.Valid() && c.After != app.NilID {
			posts[slot{c.Day, c.Post}] = c.After
		}
	}
}

// noteChanges keeps the changes of published months for Run to message
// (live only), and what the people are now told.
func (n *Notifier) noteChanges(op app.ID, station app.ID, swap bool, changes []roster.Change) {
	var news []roster.Change
	for _, c := range changes {
		told := n.x.told[station][roster.MonthOf(c.Day)]
		if told == nil || c.Before == c.After {
			continue // a draft month: its people are told at the publication
		}
		k := slot{c.Day, c.Post}
		if c.After == app.NilID {
			delete(told, k)
		} else {
			told[k] = c.After
		}
		news = append(news, c)
	}
	if len(news) > 0 && n.x.live {
		n.x.pendingRoster = append(n.x.pendingRoster, rosterNews{op: op, station: station, swap: swap, changes: news})
		n.kick()
	}
}

// published records a month put in force. Published again, the posts
// that differ from what the people were last told are news to them.
func (n *Notifier) published(op app.Operation, station app.ID, m roster.Month) {
	months := n.x.told[station]
	if months == nil {
		months = map[roster.Month]map[slot]app.ID{}
		n.x.told[station] = months
	}
	now := map[slot]app.ID{}
	for k, p := range n.x.posts[station] {
		if roster.MonthOf(k.day) == m {
			now[k] = p
		}
	}
	before, again := months[m]
	months[m] = now
	if !again || !n.x.live {
		return
	}
	changes := roster.Diff(assignmentsOf(station, before), assignmentsOf(station, now))
	if len(changes) > 0 {
		n.x.pendingRoster = append(n.x.pendingRoster, rosterNews{op: op.ID, station: station, changes: changes})
		n.kick()
	}
}

func assignmentsOf(station app.ID, posts map[slot]app.ID) []roster.Assignment {
	out := make([]roster.Assignment, 0, len(posts))
	for k, p := range posts {
		out = append(out, roster.Assignment{Station: station, Day: k.day, Post: k.post, Person: p})
	}
	roster.SortAssignments(out)
	return out
}

func (n *Notifier) kick() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// isPublished reports whether the station's month is in force at the hub.
func (n *Notifier) isPublished(station app.ID, m roster.Month) bool {
	_, ok := n.x.told[station][m]
	return ok
}

func (n *Notifier) settingsOf(station app.ID) roster.Settings {
	if s, ok := n.x.settings[station]; ok {
		return s
	}
	return roster.DefaultSettings()
}

// onDuty returns who holds the posts of the roles on the duty day in
// force at now, and whether the hub knows that day's roster (its month
// published and a post of the roles filled). n.mu is held.
func (n *Notifier) onDuty(st *app.Station, now time.Time, roles ...app.Role) ([]app.ID, bool) {
	settings := n.settingsOf(st.ID)
	loc := st.Location()
	day := roster.DutyDayAt(settings.Handover, loc, now)
	if !n.isPublished(st.ID, roster.MonthOf(day)) {
		return nil, false
	}
	var as []roster.Assignment
	for k, p := range n.x.posts[st.ID] {
		if k.day == day {
			as = append(as, roster.Assignment{Station: st.ID, Day: k.day, Post: k.post, Person: p})
		}
	}
	_, on := roster.OnDuty(as, settings, loc, now)
	var out []app.ID
	for _, a := range on {
		for _, r := range roles {
			if a.Post.Role == r {
				out = append(out, a.Person)
			}
		}
	}
	return out, len(out) > 0
}

// RosterEvent is the queue's event of the message about one roster
// operation's changes (one per operation and person).
func RosterEvent(op app.ID) string { return "roster:" + op.String() }

// EveEvent is the queue's event of the evening reminder of a duty day
// (one per day and person).
func EveEvent(day roster.Date) string { return "duty-eve:" + day.String() }

// sendRosterNews messages the people whose duty the pending changes gave
// or took away: one message per operation and person, listing what it
// gained and lost. A change of a duty day already over is not news.
func (n *Notifier) sendRosterNews(now time.Time) {
	n.mu.Lock()
	pending := n.x.pendingRoster
	n.x.pendingRoster = nil
	people := map[app.ID]app.Person{}
	for id, p := range n.people {
		people[id] = p
	}
	settings := map[app.ID]roster.Settings{}
	for _, news := range pending {
		settings[news.station] = n.settingsOf(news.station)
	}
	n.mu.Unlock()
	if len(pending) == 0 {
		return
	}
	tree := n.Tree()
	for _, news := range pending {
		st := tree.Station(news.station)
		if st == nil {
			continue
		}
		today := roster.DutyDayAt(settings[news.station].Handover, st.Location(), now)
		type lines struct{ gained, lost []string }
		by := map[app.ID]*lines{}
		var order []app.ID
		add := func(id app.ID) *lines {
			if by[id] == nil {
				by[id] = &lines{}
				order = append(order, id)
			}
			return by[id]
		}
		for _, c := range news.changes {
			if c.Day.Before(today) {
				continue
			}
			what := dayText(c.Day) + postText(c.Post)
			if c.After != app.NilID {
				l := add(c.After)
				l.gained = append(l.gained, what)
			}
			if c.Before != app.NilID {
				l := add(c.Before)
				l.lost = append(l.lost, what)
			}
		}
		for _, id := range order {
			p, ok := people[id]
			if !ok {
				n.Log.Warn("sms: a person whose duty changed is not in the directory", "station", st.Name, "person", id)
				continue
			}
			l := by[id]
			text := RosterChangeText(st.Name, l.gained, l.lost, news.swap)
			n.queueOnce(Request{Event: RosterEvent(news.op), Station: st.ID.String(), Person: p.ID.String(),
				Name: p.Name, To: p.Mobile, Text: text, Basis: BasisRoster})
			n.Log.Info("sms 值班变动 queued", "station", st.Name, "person", p.Name, "gained", len(l.gained), "lost", len(l.lost))
		}
	}
}

// RosterChangeText tells a person what a change of the published roster
// did to their duty, within one SMS: the days and posts gained and lost
// (cut to fit; the window has them all).
func RosterChangeText(station string, gained, lost []string, swap bool) string {
	var parts []string
	if len(gained) > 0 {
		parts = append(parts, "新增"+strings.Join(gained, "、"))
	}
	if len(lost) > 0 {
		parts = append(parts, "取消"+strings.Join(lost, "、"))
	}
	why := "值班安排有变动"
	if swap {
		why = "调班已批准"
	}
	return fit("【"+station+"】"+why+"：您", strings.Join(parts, "；"), "。以值班系统为准。")
}

// EveReminders queues, at or after the evening hour in each station's
// zone, the reminder of tomorrow's duty to each person on tomorrow's
// published roster: once per person and day. It returns how many it
// queued.
func (n *Notifier) EveReminders(now time.Time) int {
	at := n.EveningAt
	type due struct {
		st   app.ID
		day  roster.Date
		post roster.Post
		p    app.Person
		ho   roster.TimeOfDay
	}
	tree := n.Tree()
	var list []due
	n.mu.Lock()
	for station, posts := range n.x.posts {
		st := tree.Station(station)
		if st == nil || !st.Tier.HasDutyRoom() {
			continue
		}
		local := now.In(st.Location())
		if local.Hour()*60+local.Minute() < int(at) {
			continue
		}
		tomorrow := roster.DateOf(local).AddDays(1)
		if !n.isPublished(station, roster.MonthOf(tomorrow)) {
			continue
		}
		for k, id := range posts {
			if k.day != tomorrow {
				continue
			}
			if p, ok := n.people[id]; ok {
				list = append(list, due{station, tomorrow, k.post, p, n.settingsOf(station).Handover})
			}
		}
	}
	n.mu.Unlock()
	count := 0
	for _, d := range list {
		text := EveText(stationName(tree, d.st), d.day, d.post, d.ho)
		if n.queueOnce(Request{Event: EveEvent(d.day), Station: d.st.String(), Person: d.p.ID.String(), Name: d.p.Name,
			To: d.p.Mobile, Text: text, Basis: BasisRoster}) {
			count++
		}
	}
	if count > 0 {
		n.Log.Info("sms 明日值班提醒 queued", "people", count)
	}
	return count
}

// EveText is the evening reminder: tomorrow, which station, which post,
// and the handover time.
func EveText(station string, day roster.Date, post roster.Post, handover roster.TimeOfDay) string {
	return fit("【明日值班提醒】您明日（"+dayText(day)+"）在", station, "担任"+postText(post)+"，"+handover.String()+"交接班，请准时到岗。")
}

// runReach is what Run does on each tick beyond the 批示 reminders.
func (n *Notifier) runReach(ctx context.Context, now time.Time) {
	n.sendRosterNews(now)
	if ctx.Err() != nil {
		return
	}
	n.Escalate(now)
	n.RemindNotices(now)
	n.EveReminders(now)
}
