package ui

import (
	"image/color"

	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
)

// belowStation is a duty room below this station and how far below its
// nearest listed ancestor it sits: 0 for a direct child, 1 for a township
// under one of a prefecture's counties.
type belowStation struct {
	station *app.Station
	depth   int
}

// dutyRoomsBelow returns every duty room below home, each followed by the
// duty rooms below it, in the tree's official order: a county sees its
// townships, a prefecture its counties with their townships beneath each.
func (b dutyBase) dutyRoomsBelow() []belowStation {
	if b.home == nil {
		return nil
	}
	var out []belowStation
	var walk func(id app.ID, depth int)
	walk = func(id app.ID, depth int) {
		// The depth bound guards against a cycle in data from outside;
		// four tiers are all there are.
		if depth > 4 {
			return
		}
		for _, c := range b.tree.Children(id) {
			if !c.Tier.HasDutyRoom() {
				continue
			}
			out = append(out, belowStation{station: c, depth: depth})
			walk(c.ID, depth+1)
		}
	}
	walk(b.home.ID, 0)
	return out
}

// reachNumber is the number to ring for a station below: its duty phone,
// which is answered whoever is on duty; without one, the officer on duty's
// phone, then the leader's.
func (p *todayPanel) reachNumber(sd subordinateDuty) string {
	if sd.station.Phone != "" {
		return sd.station.Phone
	}
	byRole := map[app.Role]string{}
	for _, a := range sd.on {
		if a.Post.Index == 0 {
			byRole[a.Post.Role] = personPhone(p.data.base.persons[a.Person])
		}
	}
	if n := byRole[app.RoleOfficer]; n != "" {
		return n
	}
	return byRole[app.RoleLeader]
}

// telURL is the tel: link for a phone number as the directory keeps it;
// spaces are dropped, the hyphens of an area code kept (RFC 3966 allows
// them as visual separators).
func telURL(number string) *url.URL {
	return &url.URL{Scheme: "tel", Opaque: strings.Join(strings.Fields(number), "")}
}

// subRow is one duty room below on 今日值班: its name and number, who is
// on duty there, and the buttons to reach it.
type subRow struct {
	widget.BaseWidget
	p       *todayPanel
	sd      subordinateDuty
	number  string
	indent  *canvas.Rectangle
	station *widget.Label
	detail  *widget.Label
	copy    *widget.Button
	call    *widget.Button
	check   *widget.Button
	consult *widget.Button
}

// subIndent is how far a station is moved right per level below the first.
const subIndent = 24

func newSubRow(p *todayPanel) *subRow {
	r := &subRow{p: p, indent: canvas.NewRectangle(color.Transparent)}
	r.station = widget.NewLabel("乾州街道")
	r.station.TextStyle.Bold = true
	r.station.Truncation = fyne.TextTruncateClip
	r.detail = widget.NewLabel("")
	r.detail.Truncation = fyne.TextTruncateClip
	r.copy = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { p.onCopy(r.number) })
	r.copy.Importance = widget.LowImportance
	r.call = widget.NewButton(lang.L("duty.sub_call"), func() { p.onCall(r.number) })
	r.check = widget.NewButton(lang.L("duty.sub_spot_check"), func() { p.onSpotCheck(r.sd.station) })
	r.consult = widget.NewButton(lang.L("duty.sub_consult"), func() { p.s.u.consultWith(r.sd.station.ID) })
	r.ExtendBaseWidget(r)
	return r
}

func (r *subRow) CreateRenderer() fyne.WidgetRenderer {
	// The buttons share the first line with the station's name, so the
	// second line, who is on duty with their phones, has the row's width.
	buttons := container.NewHBox(r.copy, r.call, r.check, r.consult)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.indent, nil,
		container.NewVBox(container.NewBorder(nil, nil, nil, buttons, r.station), r.detail)))
}

// set shows one station below and enables only what can be done for it.
func (r *subRow) set(sd subordinateDuty, depth int) {
	p := r.p
	r.sd = sd
	r.number = p.reachNumber(sd)
	r.indent.SetMinSize(fyne.NewSize(float32(depth*subIndent), 0))
	name := sd.station.Name
	if r.number != "" {
		name = lang.L("duty.sub_heading", map[string]any{"Station": sd.station.Name, "Number": r.number})
	}
	setText(r.station, name)
	enable(r.copy, r.number != "")
	enable(r.call, r.number != "")
	enable(r.check, p.canSpotCheck(sd.station.ID))
	enable(r.consult, p.s.u.consults != nil)
	r.detail.Importance = widget.MediumImportance
	switch {
	case sd.err != nil:
		r.detail.Importance = widget.DangerImportance
		setText(r.detail, errorText(sd.err))
	case !sd.published:
		r.detail.Importance = widget.WarningImportance
		setText(r.detail, lang.L("duty.sub_unpublished"))
	default:
		setText(r.detail, p.subordinateLine(sd))
	}
	r.detail.Refresh()
	r.Refresh()
}

// canSpotCheck reports whether this station may spot-check the one given,
// by the same rule the 查岗 screen offers its targets.
func (p *todayPanel) canSpotCheck(id app.ID) bool {
	if p.s.u.svc.SpotChecks == nil || p.data.base.home == nil {
		return false
	}
	for _, c := range spotcheck.Candidates(p.data.base.tree, p.data.base.home.ID) {
		if c.ID == id {
			return true
		}
	}
	return false
}

func (p *todayPanel) onCall(number string) {
	if number == "" {
		return
	}
	if err := p.s.u.openURL(telURL(number)); err != nil {
		p.s.u.showMessage(lang.L("duty.sub_call"), lang.L("error.duty.call_failed",
			map[string]any{"Number": number, "Error": errorText(err)}))
		return
	}
	p.notice.show(lang.L("duty.calling", map[string]any{"Number": number}))
}

// onSpotCheck asks first: a spot check sounds the alarm in the other duty
// room and is ranked, so a stray click must not start one.
func (p *todayPanel) onSpotCheck(st *app.Station) {
	u := p.s.u
	if u.svc.SpotChecks == nil {
		return
	}
	target, name := st.ID, st.Name
	// The question says whether the check goes out now or waits here.
	reach, _ := reachText(u.hubStatusNow())
	if !u.hubOnline() {
		reach += lang.L("reach.offline_spotcheck")
	}
	showKeyedConfirm(u.win, lang.L("duty.sub_spot_check"),
		lang.L("duty.spot_check_confirm", map[string]any{"Station": name})+"\n"+reach, lang.L("duty.spot_check_start"), func(ok bool) {
			if !ok {
				return
			}
			c := spotcheck.Check{Target: target}
			ctx, svc := u.ctx, u.svc.SpotChecks
			runAsync(func() (spotcheck.Check, error) {
				err := svc.Start(ctx, &c)
				return c, err
			}, func(c spotcheck.Check, err error) {
				if err != nil {
					u.showError(err)
					return
				}
				p.notice.show(lang.L("spotcheck.started_one", map[string]any{
					"Station": name, "Limit": limitText(c.Limit())}) + u.sentNote())
				u.changed()
			})
		})
}

// consultWith opens 会商 and its new-consultation dialog with the station
// given already invited.
func (u *UI) consultWith(station app.ID) {
	if u.consults == nil {
		return
	}
	u.nav.open("consultation")
	ctx, svc := u.ctx, u.svc
	runAsync(func() (alertBase, error) { return loadAlertBase(ctx, svc) }, func(b alertBase, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.consults.base = b
		u.consults.newConsultation(station)
	})
}
