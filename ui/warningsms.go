package ui

import (
	"time"

	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
	"dutyroom/app/smsstatus"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
)

// ackTexts are the state and detail of an acknowledged station's row in a
// warning's progress. The hub records some acknowledgements itself, for
// people with no window: a reply to the 叫应 SMS (短信签收, with the masked
// number it came from) and a village officer's 签收 on the phone page
// (信息员签收). A village's acknowledgement a duty room above took by phone
// names that duty room.
func ackTexts(a *warning.Ack, station app.ID, tree *app.Tree, loc *time.Location) (state, detail string) {
	at := dateTime(a.At, loc)
	switch a.Via {
	case warning.ViaSMS:
		return lang.L("warning.row_acked_sms"), lang.L("warning.row_ack_sms_detail", map[string]any{"Person": a.Person, "Number": a.Number, "At": at})
	case warning.ViaPage:
		return lang.L("warning.row_acked_page"), lang.L("warning.row_ack_detail", map[string]any{"Person": a.Person, "At": at})
	}
	detail = lang.L("warning.row_ack_detail", map[string]any{"Person": a.Person, "At": at})
	if a.RecordedBy != station {
		detail += lang.L("warning.row_recorded_by", map[string]any{"Station": stationName(tree, a.RecordedBy)})
	}
	return lang.L("warning.row_acked"), detail
}

// loadSMS asks the hub for the SMS states of the warning's messages, at
// most every smsAskEvery; offline the panel says they need the link.
func (p *progressPanel) loadSMS() {
	svc := p.s.u.svc.SMS
	if svc == nil || p.w == nil {
		return
	}
	now := time.Now()
	if !p.smsAsked.IsZero() && now.Sub(p.smsAsked) < smsAskEvery {
		return
	}
	p.smsAsked = now
	p.smsSeq++
	seq, ctx, id := p.smsSeq, p.s.u.ctx, p.w.ID
	runAsync(func() (wire.SMSStates, error) { return svc.States(ctx, "warning:"+id.String()) }, func(st wire.SMSStates, err error) {
		if seq != p.smsSeq || p.w == nil || p.w.ID != id {
			return
		}
		if err != nil {
			p.smsAsked = time.Time{} // ask again at the next look
			p.sms = nil
			p.smsNote.SetText(smsErrorText(err))
			p.smsNote.Show()
		} else {
			p.sms = smsstatus.ByStation(st.Messages)
			p.smsNote.Hide()
		}
		p.list.Refresh()
		p.content.Refresh()
	})
}

// addSMS puts the station's SMS states after its row's detail.
func (p *progressPanel) addSMS(row *progressRow, station app.ID) {
	text := smsSummaryText(p.sms[station])
	if text == "" {
		return
	}
	if row.detail.Text != "" {
		text = row.detail.Text + "　" + text
	}
	setText(row.detail, text)
}
