package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/syncer"
)

// OnDuty is who holds the day's posts at this station now.
type OnDuty struct {
	Leader       string // 带班领导
	LeaderPhone  string
	Officer      string // 值班员
	OfficerPhone string
}

// OnDutyFunc reports who is on duty now, ENOTFOUND when no roster covers the
// present moment. New installs one reading Services.Rosters; SetOnDuty
// replaces it.
type OnDutyFunc func(ctx context.Context) (OnDuty, error)

// statusBar runs along the bottom of the window: which station this is, who
// is on duty, whether the hub is reachable and how many changes wait to be
// sent.
type statusBar struct {
	u      *UI
	onDuty OnDutyFunc

	station       *widget.Label
	chooseStation *widget.Button
	duty          *widget.Label
	who           *widget.Label  // who signs the records (signin.go)
	signIn        *widget.Button // 到岗签到, or 换人 once someone is signed in
	signInDialog  *signInDialog  // the last one opened
	tasks         *widget.Label
	instructions  *widget.Label // overdue instruction tasks, red; hidden at none
	online        *widget.Label
	queued        *widget.Label
	smsGateway    *widget.Label // 短信网关中断, while the hub's gateway is down (smsgateway.go)
	smsAsked      time.Time
	content       fyne.CanvasObject

	hub hubWatch
}

func newStatusBar(u *UI) *statusBar {
	b := &statusBar{
		u:       u,
		station: widget.NewLabel(""),
		duty:    widget.NewLabel(lang.L("status.no_roster")),
		tasks:   widget.NewLabel(""),
		online:  widget.NewLabel(lang.L("status.offline")),
		queued:  widget.NewLabel(""),
	}
	b.station.TextStyle.Bold = true
	b.duty.Truncation = fyne.TextTruncateEllipsis
	b.online.Importance = widget.WarningImportance
	b.chooseStation = widget.NewButton(lang.L("status.choose_station"), b.onChooseStation)
	b.chooseStation.Importance = widget.HighImportance
	b.chooseStation.Hide()
	b.tasks.TextStyle.Bold = true
	b.tasks.Hide()
	b.instructions = widget.NewLabel("")
	b.instructions.TextStyle.Bold = true
	b.instructions.Importance = widget.DangerImportance
	b.instructions.Hide()

	b.who = widget.NewLabel(lang.L("signin.status_nobody"))
	b.who.Importance = widget.WarningImportance
	b.signIn = widget.NewButton(lang.L("signin.button"), func() { b.signInDialog = u.openSignIn() })
	b.signIn.Importance = widget.HighImportance
	if u.svc.Desk == nil {
		b.who.Hide()
		b.signIn.Hide()
	}

	left := container.NewHBox(widget.NewIcon(theme.HomeIcon()), b.station, b.chooseStation, widget.NewSeparator(),
		b.who, b.signIn, widget.NewSeparator())
	b.smsGateway = widget.NewLabel("")
	b.smsGateway.TextStyle.Bold = true
	b.smsGateway.Importance = widget.DangerImportance
	b.smsGateway.Hide()
	right := container.NewHBox(b.instructions, b.tasks, b.smsGateway, widget.NewSeparator(), b.online, widget.NewSeparator(), b.queued)
	b.content = container.NewBorder(nil, nil, left, right, b.duty)
	return b
}

// statusFacts is what the bar shows, gathered off the UI goroutine.
type statusFacts struct {
	station    *app.Station
	stationErr error
	duty       OnDuty
	dutyErr    error
	queued     int
	queuedErr  error
	desk       deskFacts
}

// refresh reads the facts again; call it after every change.
func (b *statusBar) refresh() {
	svc, ctx, onDuty, now := b.u.svc, b.u.ctx, b.onDuty, b.u.now()
	runAsync(func() (statusFacts, error) {
		var f statusFacts
		f.desk = loadDesk(ctx, svc, now)
		f.station, f.stationErr = svc.Identity.Identity(ctx)
		if onDuty != nil {
			f.duty, f.dutyErr = onDuty(ctx)
		} else {
			f.dutyErr = app.Errorf(app.ENOTFOUND, "no roster")
		}
		f.queued, f.queuedErr = svc.Outbox.OutboxLen(ctx)
		return f, nil
	}, b.show)
	b.refreshSMS()
}

func (b *statusBar) show(f statusFacts, _ error) {
	switch {
	case f.stationErr == nil:
		b.station.SetText(f.station.Name)
		b.chooseStation.Hide()
	case app.ErrorCode(f.stationErr) == app.ENOTFOUND:
		b.station.SetText(lang.L("status.no_station"))
		b.chooseStation.Show()
	default:
		b.station.SetText(errorText(f.stationErr))
		b.chooseStation.Hide()
	}

	switch {
	case f.dutyErr == nil:
		b.duty.SetText(lang.L("status.on_duty", map[string]any{
			"Leader":  withPhone(orDash(f.duty.Leader), f.duty.LeaderPhone),
			"Officer": withPhone(orDash(f.duty.Officer), f.duty.OfficerPhone),
		}))
	case app.ErrorCode(f.dutyErr) == app.ENOTFOUND:
		b.duty.SetText(lang.L("status.no_roster"))
	default:
		b.duty.SetText(errorText(f.dutyErr))
	}

	b.showDesk(f)
	b.showQueued(f.queued, f.queuedErr)
	// The texts changed width: lay the bar out again.
	b.content.Refresh()
}

// showTasks says how many reports this station still has to send, in red
// when any is overdue, so a deadline is seen from every screen.
func (b *statusBar) showTasks(waiting, overdue int) {
	switch {
	case waiting == 0:
		b.tasks.Hide()
	case overdue > 0:
		b.tasks.SetText(lang.N("incident.status_overdue", waiting, map[string]any{"Count": waiting, "Overdue": overdue}))
		b.tasks.Importance = widget.DangerImportance
		b.tasks.Show()
	default:
		b.tasks.SetText(lang.N("incident.status_waiting", waiting, map[string]any{"Count": waiting}))
		b.tasks.Importance = widget.WarningImportance
		b.tasks.Show()
	}
	b.tasks.Refresh()
	b.content.Refresh()
}

// showInstructions says, in red, how many instruction tasks are past
// their deadline without an answer, so a late 批示 is seen from every
// screen.
func (b *statusBar) showInstructions(overdue int) {
	if overdue == 0 {
		b.instructions.Hide()
	} else {
		b.instructions.SetText(lang.L("instruction.status_overdue", map[string]any{"Count": overdue}))
		b.instructions.Show()
	}
	b.instructions.Refresh()
	b.content.Refresh()
}

// showHub says whether the hub is reachable, and if not the one reason a
// person can act on. While an engine runs its count of queued changes is
// the freshest.
func (b *statusBar) showHub(s syncer.Status) {
	word, importance := hubWord(s)
	if s.Rejoined > 0 {
		// A restored folder took back what its station made after the
		// backup: say so, so no one enters those records again.
		word += " · " + lang.N("status.rejoined", s.Rejoined, map[string]any{"Count": s.Rejoined})
	}
	b.online.SetText(word)
	b.online.Importance = importance
	b.online.Refresh()
	if s.Running {
		b.showQueued(s.Queued, nil)
	}
	b.smsOnHub(s)
	b.content.Refresh()
}

// showDesk says who signs the records made here, and asks for a sign-in
// while that is only the roster's guess.
func (b *statusBar) showDesk(f statusFacts) {
	b.u.desk.set(f.desk.signedIn, f.desk.rostered)
	if b.u.svc.Desk == nil {
		return
	}
	loc := time.Local
	if f.station != nil {
		loc = f.station.Location()
	}
	text, ask := deskText(f.desk, b.u.svc.Author, loc)
	b.who.SetText(text)
	if ask {
		b.who.Importance = widget.WarningImportance
		b.signIn.SetText(lang.L("signin.button"))
		b.signIn.Importance = widget.HighImportance
	} else {
		b.who.Importance = widget.MediumImportance
		b.signIn.SetText(lang.L("signin.change"))
		b.signIn.Importance = widget.MediumImportance
	}
	b.who.Refresh()
	b.signIn.Refresh()
}

func (b *statusBar) showQueued(n int, err error) {
	switch {
	case err != nil:
		b.queued.SetText(errorText(err))
	case n == 0:
		b.queued.SetText(lang.L("status.queue_empty"))
	default:
		b.queued.SetText(lang.N("status.queued", n, map[string]any{"Count": n}))
	}
}

func (b *statusBar) onChooseStation() {
	b.u.nav.open("settings")
}

// withPhone puts a number after a name, so the officer can dial straight
// from the status bar.
func withPhone(name, phone string) string {
	if phone == "" {
		return name
	}
	return name + " " + phone
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
