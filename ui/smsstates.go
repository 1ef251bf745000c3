package ui

import (
	"errors"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/smsstatus"
	"dutyroom/app/wire"
)

// smsAskEvery is how often a view asks the hub again for the SMS states it
// shows: they change at the pace of phones, and every question is a round
// trip to the hub.
const smsAskEvery = 30 * time.Second

// smsReason says why a message failed in the window's language. The hub's
// own reasons are known; a gateway's words are shown as they came.
func smsReason(reason string) string {
	switch {
	case strings.Contains(reason, "not a mobile number"):
		return lang.L("sms.reason_number")
	case strings.Contains(reason, "daily cap"):
		return lang.L("sms.reason_daily_cap")
	case strings.Contains(reason, "a day to one number"):
		return lang.L("sms.reason_person_cap")
	case strings.Contains(reason, "gammu-smsd could not send"):
		return lang.L("sms.reason_modem")
	case reason == "":
		return lang.L("sms.reason_unknown")
	}
	return lang.L("sms.reason_gateway", map[string]any{"Reason": reason})
}

// smsStateText is one message's state: 已发送, 已送达, 失败：原因, 已回复.
func smsStateText(m *wire.SMSState) string {
	switch m.State {
	case "sent":
		return lang.L("sms.state_sent")
	case "delivered":
		return lang.L("sms.state_delivered")
	case "failed":
		return lang.L("sms.state_failed", map[string]any{"Reason": smsReason(m.Reason)})
	case "answered":
		return lang.L("sms.state_answered")
	}
	return lang.L("sms.state_queued")
}

// smsSummaryText sums a station's messages for its row in a warning's
// progress: 短信：已回复 1，已送达 1，失败 1（原因）.
func smsSummaryText(s *smsstatus.Summary) string {
	if s == nil {
		return ""
	}
	var parts []string
	if s.Answered > 0 {
		parts = append(parts, lang.L("sms.count_answered", map[string]any{"Count": s.Answered}))
	}
	if s.Delivered > 0 {
		parts = append(parts, lang.L("sms.count_delivered", map[string]any{"Count": s.Delivered}))
	}
	if s.Sent > 0 {
		parts = append(parts, lang.L("sms.count_sent", map[string]any{"Count": s.Sent}))
	}
	if s.Queued > 0 {
		parts = append(parts, lang.L("sms.count_queued", map[string]any{"Count": s.Queued}))
	}
	if s.Failed > 0 {
		parts = append(parts, lang.L("sms.count_failed", map[string]any{"Count": s.Failed, "Reason": smsReason(s.Reason)}))
	}
	if len(parts) == 0 {
		return ""
	}
	return lang.L("sms.row", map[string]any{"States": strings.Join(parts, lang.L("list.separator"))})
}

// smsErrorText is what a view says when it cannot show the states.
func smsErrorText(err error) string {
	if errors.Is(err, smsstatus.ErrOffline) {
		return lang.L("sms.offline")
	}
	return lang.L("sms.error", map[string]any{"Error": errorText(err)})
}

// smsSection lists the SMS the hub sent about one record (an incident, a
// notice): to whom, their state and when. Offline it says the states need
// the link; it asks again when shown and at most every smsAskEvery.
type smsSection struct {
	u       *UI
	events  []string
	tree    *app.Tree // names the stations
	loc     *time.Location
	asked   time.Time
	seq     int
	title   *widget.Label
	lines   *widget.Label
	content *fyne.Container
}

func newSMSSection(u *UI) *smsSection {
	s := &smsSection{u: u, title: widget.NewLabel(lang.L("sms.section_title")), lines: widget.NewLabel("")}
	s.title.TextStyle.Bold = true
	s.lines.Wrapping = fyne.TextWrapWord
	s.content = container.NewVBox(s.title, s.lines)
	if u.svc.SMS == nil {
		s.content.Hide()
	}
	return s
}

// show follows the SMS of events (an incident's "incident:<id>" and its
// report tasks' "report:<id>"), asking at once; tree and loc name the
// stations and the times.
func (s *smsSection) show(events []string, tree *app.Tree, loc *time.Location) {
	if s.u.svc.SMS == nil {
		return
	}
	s.tree, s.loc = tree, loc
	if len(events) > wire.MaxSMSEvents {
		events = events[:wire.MaxSMSEvents]
	}
	if !slices.Equal(events, s.events) {
		s.events, s.asked = slices.Clone(events), time.Time{}
		s.lines.SetText("")
	}
	s.load()
}

// load asks the hub again unless it was asked within smsAskEvery.
func (s *smsSection) load() {
	svc := s.u.svc.SMS
	if svc == nil || len(s.events) == 0 {
		return
	}
	now := time.Now()
	if !s.asked.IsZero() && now.Sub(s.asked) < smsAskEvery {
		return
	}
	s.asked = now
	s.seq++
	seq, events, ctx := s.seq, s.events, s.u.ctx
	runAsync(func() (wire.SMSStates, error) { return svc.States(ctx, events...) }, func(st wire.SMSStates, err error) {
		if seq != s.seq {
			return
		}
		if err != nil {
			s.asked = time.Time{} // ask again at the next look
			s.lines.Importance = widget.WarningImportance
			s.lines.SetText(smsErrorText(err))
			return
		}
		s.lines.Importance = widget.MediumImportance
		s.lines.SetText(s.text(st.Messages))
	})
}

func (s *smsSection) text(ms []wire.SMSState) string {
	if len(ms) == 0 {
		return lang.L("sms.none")
	}
	tree, loc := s.tree, s.loc
	if loc == nil {
		loc = time.Local
	}
	lines := make([]string, 0, len(ms))
	for i := range ms {
		m := &ms[i]
		at := m.CreatedAt
		for _, t := range []time.Time{m.SentAt, m.DeliveredAt, m.AnsweredAt} {
			if t.After(at) {
				at = t
			}
		}
		lines = append(lines, lang.L("sms.line", map[string]any{"Person": orDash(m.Person), "Number": m.Number,
			"Station": stationName(tree, m.Station), "State": smsStateText(m), "At": dateTime(at, loc)}))
	}
	return strings.Join(lines, "\n")
}
