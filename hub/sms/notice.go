package sms

import (
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
)

// Notices (通知) near their acknowledge-by time: a notice may ask its
// addressed stations to acknowledge by a deadline. NoticeBefore ahead of
// it, each addressed station that has not sent its receipt (the hub sees
// message.receipt pass) gets an SMS to its leader and officer on duty.
// Copies (抄送) do not acknowledge and get none. At a start the replay
// rebuilds the open notices; the queue's one message per event and person
// keeps a restart from sending twice.

type openNotice struct {
	id      app.ID
	from    app.ID
	subject string
	ackBy   time.Time
	to      []app.ID
	acked   map[app.ID]bool
}

// NoticeEvent is the queue's event of the reminder of one notice at one
// station.
func NoticeEvent(msg, station app.ID) string {
	return "notice:" + msg.String() + ":" + station.String()
}

// observeNotice keeps notices with a deadline and their receipts; n.mu is
// held.
func (n *Notifier) observeNotice(op app.Operation) {
	switch op.Kind {
	case message.OpSend:
		var s message.Sent
		if !n.decodeOp(op, &s) {
			return
		}
		m := s.Message
		if m.Kind != message.KindNotice || m.AckBy == nil || m.ID == app.NilID {
			return
		}
		if _, known := n.x.notices[m.ID]; known {
			return
		}
		n.x.notices[m.ID] = &openNotice{id: m.ID, from: m.From, subject: m.Subject, ackBy: *m.AckBy,
			to: append([]app.ID(nil), m.To...), acked: map[app.ID]bool{}}
	case message.OpReceipt:
		var r message.Receipt
		if !n.decodeOp(op, &r) || r.Acked.IsZero() {
			return
		}
		if no := n.x.notices[r.Message]; no != nil {
			no.acked[r.Station] = true
		}
	}
}

// RemindNotices queues the reminders due at now: each addressed station
// without a receipt of a notice whose deadline is within NoticeBefore
// (and not past by more than a day). It returns how many it queued.
func (n *Notifier) RemindNotices(now time.Time) int {
	type due struct {
		no      openNotice
		station app.ID
	}
	var list []due
	n.mu.Lock()
	for id, no := range n.x.notices {
		if now.Sub(no.ackBy) > notNews {
			delete(n.x.notices, id)
			continue
		}
		if now.Before(no.ackBy.Add(-n.NoticeBefore)) {
			continue
		}
		for _, st := range no.to {
			if !no.acked[st] {
				list = append(list, due{*no, st})
			}
		}
	}
	n.mu.Unlock()
	if len(list) == 0 {
		return 0
	}
	tree := n.Tree()
	count := 0
	for _, d := range list {
		st := tree.Station(d.station)
		if st == nil {
			continue
		}
		n.mu.Lock()
		people, basis := n.whoAnswers(st, now, app.RoleLeader, app.RoleOfficer)
		n.mu.Unlock()
		text := NoticeText(stationName(tree, d.no.from), st.Name, d.no.subject, d.no.ackBy.In(st.Location()))
		sent := 0
		for _, p := range people {
			if n.queueOnce(Request{Event: NoticeEvent(d.no.id, st.ID), Station: st.ID.String(), Person: p.ID.String(),
				Name: p.Name, To: p.Mobile, Text: text, Basis: basis}) {
				sent++
			}
		}
		if sent > 0 {
			n.Log.Info("sms 通知签收提醒 queued", "notice", d.no.id, "station", st.Name, "people", sent, "basis", basis)
		}
		count += sent
	}
	return count
}

// NoticeText is the reminder: whose notice (the subject cut to fit), the
// deadline (in the zone it is given in: the station's), and who must
// acknowledge.
func NoticeText(from, station, subject string, ackBy time.Time) string {
	return fit("【"+from+"】通知《", subject, "》需于"+ackBy.Format("1月2日15时04分")+"前签收，"+station+"尚未签收，请尽快在值班系统签收。")
}
