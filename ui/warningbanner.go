package ui

import (
	"context"
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/warning"
)

// warningBanner runs across the top of the window while an orange or red
// warning that reached this station waits to be acknowledged, in the
// warning's colour, with the alarm sounding (warning.Alarming). Every
// warning that arrives also raises a desktop notification, once. Blue and
// yellow warnings only count on the navigation: they ask for readiness,
// not for someone to be woken.
type warningBanner struct {
	u     *UI
	alarm Alarm
	seq   int

	base     alertBase
	pending  []warning.Warning // unacknowledged here, newest first
	alarming []warning.Warning // the ones that sound: gravest first, then oldest
	known    map[app.ID]bool   // pending warnings seen, so arrivals are told once
	sounding incident.Grade    // what the alarm was last asked for, 0 silent

	bg      *canvas.Rectangle
	text    *canvas.Text
	more    *canvas.Text
	view    *widget.Button
	content *fyne.Container
}

func newWarningBanner(u *UI) *warningBanner {
	b := &warningBanner{u: u, alarm: u.alarms.source(), known: map[app.ID]bool{}}
	b.bg = canvas.NewRectangle(gradeColor(0))
	b.text = canvas.NewText("", gradeTextColor(0))
	b.text.TextStyle.Bold = true
	b.more = canvas.NewText("", gradeTextColor(0))
	b.view = widget.NewButtonWithIcon(lang.L("warning.banner_view"), theme.ConfirmIcon(), b.onView)
	b.view.Importance = widget.HighImportance
	row := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(theme.VolumeUpIcon()), container.NewCenter(b.text)),
		container.NewHBox(container.NewCenter(b.more), b.view))
	b.content = container.NewStack(b.bg, container.NewPadded(row))
	b.content.Hide()
	return b
}

type pendingWarnings struct {
	base    alertBase
	pending []warning.Warning
}

func loadPendingWarnings(ctx context.Context, svc Services) (pendingWarnings, error) {
	var d pendingWarnings
	var err error
	if d.base, err = loadAlertBase(ctx, svc); err != nil || d.base.home == nil {
		return d, err
	}
	d.pending, err = svc.Warnings.Pending(ctx, d.base.home.ID)
	return d, err
}

// poll reads the warnings this station owes an acknowledgement.
func (b *warningBanner) poll() {
	b.seq++
	seq := b.seq
	ctx, svc := b.u.ctx, b.u.svc
	runAsync(func() (pendingWarnings, error) { return loadPendingWarnings(ctx, svc) }, func(d pendingWarnings, err error) {
		if seq != b.seq || err != nil {
			// A failed read keeps the banner as it was: better a banner
			// one poll late than a silenced alarm.
			return
		}
		b.update(d)
	})
}

func (b *warningBanner) update(d pendingWarnings) {
	now := b.u.now()
	b.base, b.pending, b.alarming = d.base, d.pending, nil
	arrived := false
	seen := make(map[app.ID]bool, len(d.pending))
	for i := range d.pending {
		w := &d.pending[i]
		seen[w.ID] = true
		if !b.known[w.ID] {
			arrived = true
			if now.Before(w.ValidUntil) {
				b.notify(w)
			}
		}
		if w.Alarming(false, now) {
			b.alarming = append(b.alarming, *w)
		}
	}
	b.known = seen
	sort.SliceStable(b.alarming, func(i, j int) bool {
		x, y := &b.alarming[i], &b.alarming[j]
		if x.Level.Rank() != y.Level.Rank() {
			return x.Level.Rank() > y.Level.Rank()
		}
		return x.IssuedAt.Before(y.IssuedAt)
	})
	b.u.nav.setBadge("warnings", len(b.pending))
	b.u.tray.set(trayWarnings, len(b.pending))
	b.show()
	if arrived && b.u.warnings != nil {
		b.u.warnings.refresh()
	}
}

// notify sends a desktop notification. Without a notification daemon Fyne
// logs and carries on, and the banner and the badge still tell; it runs
// in the background, since reaching D-Bus can take a while on a machine
// without one.
func (b *warningBanner) notify(w *warning.Warning) {
	n := fyne.NewNotification(warningTitle(w), lang.L("warning.notification", map[string]any{
		"Issuer": stationName(b.base.tree, w.Issuer), "Text": shorten(w.Text, 80)}))
	a := b.u.app
	background(func() { a.SendNotification(n) })
}

func (b *warningBanner) show() {
	if len(b.alarming) == 0 {
		if b.content.Visible() {
			b.content.Hide()
			b.u.win.Content().Refresh()
		}
		if b.sounding != 0 {
			b.sounding = 0
			b.alarm.Silence()
		}
		return
	}
	w := &b.alarming[0]
	b.bg.FillColor = warningColor(w.Level)
	b.bg.Refresh()
	b.text.Text = lang.L("warning.banner_line", map[string]any{
		"Title": warningTitle(w), "Issuer": stationName(b.base.tree, w.Issuer)})
	b.text.Color = warningTextColor(w.Level)
	b.text.Refresh()
	b.more.Text = ""
	if n := len(b.alarming); n > 1 {
		b.more.Text = lang.L("warning.banner_more", map[string]any{"Count": n - 1})
	}
	b.more.Color = warningTextColor(w.Level)
	b.more.Refresh()
	if !b.content.Visible() {
		b.content.Show()
		b.u.win.Content().Refresh()
	}
	if g := warningGrade(w.Level); g != b.sounding {
		b.sounding = g
		b.alarm.Sound(g)
	}
}

// onView opens the gravest warning, ready to acknowledge.
func (b *warningBanner) onView() {
	if len(b.alarming) == 0 || b.u.warnings == nil {
		return
	}
	b.u.warnings.openWarning(b.alarming[0].ID)
}
