package ui

import (
	"time"

	"fyne.io/fyne/v2/lang"

	"dutyroom/app/syncer"
	"dutyroom/app/wire"
)

// refreshSMS asks the hub whether its SMS gateway is down, at most every
// smsAskEvery (the bar refreshes after every change and every minute). The
// bar says 短信网关中断 only while a hub that sends SMS finds its gateway
// down: 叫应 by SMS is not reaching anyone then, and the duty officer
// must phone. Offline the bar says offline already; the word is taken
// away, since nothing is known.
func (b *statusBar) refreshSMS() {
	svc := b.u.svc.SMS
	if svc == nil {
		return
	}
	now := time.Now()
	if !b.smsAsked.IsZero() && now.Sub(b.smsAsked) < smsAskEvery {
		return
	}
	b.smsAsked = now
	ctx, identity := b.u.ctx, b.u.svc.Identity
	runAsync(func() (smsGatewayFacts, error) {
		f := smsGatewayFacts{loc: time.Local}
		if st, err := identity.Identity(ctx); err == nil {
			f.loc = st.Location()
		}
		var err error
		f.g, err = svc.Gateway(ctx)
		return f, err
	}, b.showSMSGateway)
}

// smsGatewayFacts is the gateway and the zone the station tells time in.
type smsGatewayFacts struct {
	g   wire.SMSGateway
	loc *time.Location
}

func (b *statusBar) showSMSGateway(f smsGatewayFacts, err error) {
	g := f.g
	if err != nil || !g.On || !g.Down {
		if err != nil {
			b.smsAsked = time.Time{} // ask again at the next refresh
		}
		if b.smsGateway.Visible() {
			b.smsGateway.Hide()
			b.content.Refresh()
		}
		return
	}
	text := lang.L("sms.gateway_down")
	if !g.DownSince.IsZero() {
		text = lang.L("sms.gateway_down_since", map[string]any{"At": dateTime(g.DownSince, f.loc)})
	}
	setText(b.smsGateway, text)
	b.smsGateway.Show()
	b.content.Refresh()
}

// smsOnHub follows the connection: with no link the gateway's state is not
// known, so 短信网关中断 goes; back online it is asked at once.
func (b *statusBar) smsOnHub(s syncer.Status) {
	if b.u.svc.SMS == nil {
		return
	}
	if s.Reason() != syncer.ReasonOnline {
		b.smsAsked = time.Time{}
		b.smsGateway.Hide()
		return
	}
	if b.smsAsked.IsZero() {
		b.refreshSMS()
	}
}
