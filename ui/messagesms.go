package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/app/smsstatus"
	"dutyroom/app/wire"
)

// noticeSMS is what a thread knows of the SMS the hub sent about the
// notices this station sent in it (reminders near their acknowledge-by
// time): per notice, the states summed; or why they cannot be shown.
type noticeSMS struct {
	conv  app.ID
	asked time.Time
	seq   int
	by    map[app.ID]*smsstatus.Summary
	err   error
}

// noticeEvent is the hub's SMS event of a notice's reminders; each
// station's is below it (notice:<id>:<station>).
func noticeEvent(id app.ID) string { return "notice:" + id.String() }

// loadSMS asks the hub for the SMS of the notices this station sent in
// the thread, at most every smsAskEvery.
func (v *conversationView) loadSMS() {
	svc := v.s.u.svc.SMS
	if svc == nil {
		return
	}
	self := v.s.base.self()
	var events []string
	for _, d := range v.msgs {
		if d.m.Kind == message.KindNotice && d.m.From == self && len(events) < wire.MaxSMSEvents {
			events = append(events, noticeEvent(d.m.ID))
		}
	}
	if len(events) == 0 {
		return
	}
	now := time.Now()
	if v.sms.conv == v.conv && !v.sms.asked.IsZero() && now.Sub(v.sms.asked) < smsAskEvery {
		return
	}
	if v.sms.conv != v.conv {
		v.sms = noticeSMS{conv: v.conv}
	}
	v.sms.asked = now
	v.sms.seq++
	seq, conv, ctx := v.sms.seq, v.conv, v.s.u.ctx
	runAsync(func() (wire.SMSStates, error) { return svc.States(ctx, events...) }, func(st wire.SMSStates, err error) {
		if seq != v.sms.seq || conv != v.conv {
			return
		}
		v.sms.err = err
		v.sms.by = map[app.ID]*smsstatus.Summary{}
		if err != nil {
			v.sms.asked = time.Time{}
		} else {
			byNotice := map[string][]wire.SMSState{}
			for _, m := range st.Messages {
				parts := strings.SplitN(m.Event, ":", 3)
				if len(parts) >= 2 {
					byNotice[parts[1]] = append(byNotice[parts[1]], m)
				}
			}
			for id, ms := range byNotice {
				if nid, err := app.ParseID(id); err == nil {
					all := smsstatus.Summary{}
					for _, s := range smsstatus.ByStation(ms) {
						all.Sent += s.Sent
						all.Delivered += s.Delivered
						all.Answered += s.Answered
						all.Queued += s.Queued
						all.Failed += s.Failed
						if all.Reason == "" {
							all.Reason = s.Reason
						}
					}
					v.sms.by[nid] = &all
				}
			}
		}
		// The line changes the rows' heights.
		v.measure(v.width)
		v.list.Refresh()
	})
}

// showSMS says, under a notice this station sent, what became of the SMS
// reminders about it; offline that they need the link.
func (r *messageRow) showSMS(d *messageData) {
	v := r.v
	if v.s.u.svc.SMS == nil || d.m.Kind != message.KindNotice || d.m.From != v.s.base.self() || v.sms.conv != v.conv {
		r.sms.Hide()
		return
	}
	switch {
	case v.sms.err != nil:
		r.sms.Importance = widget.WarningImportance
		setLabel(r.sms, smsErrorText(v.sms.err))
	case v.sms.by[d.m.ID] != nil:
		r.sms.Importance = widget.MediumImportance
		setLabel(r.sms, smsSummaryText(v.sms.by[d.m.ID]))
	case v.sms.by != nil:
		r.sms.Importance = widget.LowImportance
		setLabel(r.sms, lang.L("sms.none"))
	default:
		r.sms.Hide()
	}
}
